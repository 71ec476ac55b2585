//! See `contract::fuzzing::events`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| contract::fuzzing::events(data));
