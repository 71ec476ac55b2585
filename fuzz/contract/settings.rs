//! See `contract::fuzzing::settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| contract::fuzzing::settings(data));
