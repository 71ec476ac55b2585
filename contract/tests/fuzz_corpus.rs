//! Replays the `events`, `settings` and `outputs` fuzz targets' checks on their seed corpora
//! and on every input a campaign ever found (`fuzz/corpus/<target>`,
//! `fuzz/regressions/<target>`), so that an ordinary `cargo test` keeps those findings fixed
//! without a fuzzer.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name() == "README" {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("a corpus file");
            eprintln!("replaying {}", entry.path().display());
            check(&bytes);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_kept_event_parses_or_is_refused() {
    assert!(replay("events", contract::fuzzing::events) >= 10);
}

#[test]
fn every_kept_environment_parses_or_names_the_variable() {
    assert!(replay("settings", contract::fuzzing::settings) >= 3);
}

#[test]
fn every_kept_key_makes_bounded_outputs() {
    assert!(replay("outputs", contract::fuzzing::outputs) >= 3);
}
