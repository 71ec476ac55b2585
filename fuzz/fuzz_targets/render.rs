//! The image pipeline on arbitrary bytes (see `imaging::fuzzing::render`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imaging::fuzzing::render(data));
