//! See `transform::fuzzing::events`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| transform::fuzzing::events(data));
