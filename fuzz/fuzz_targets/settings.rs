//! See `transform::fuzzing::settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| transform::fuzzing::settings(data));
