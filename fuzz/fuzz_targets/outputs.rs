//! See `transform::fuzzing::outputs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| transform::fuzzing::outputs(data));
