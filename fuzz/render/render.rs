//! The image pipeline on arbitrary bytes (see `imaging::fuzzing::render`).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: imaging::fuzzing::let_caught_panics_unwind(),
    |data: &[u8]| imaging::fuzzing::render(data)
);
