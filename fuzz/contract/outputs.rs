//! See `contract::fuzzing::outputs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| contract::fuzzing::outputs(data));
