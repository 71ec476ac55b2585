//! Replays the `render` fuzz target's check on its seed corpus and on every input a campaign
//! ever found (`fuzz/corpus/render`, `fuzz/regressions/render`), so that an ordinary
//! `cargo test` keeps those findings fixed without a fuzzer. Under the address-space limit the
//! campaigns run with: a finding that allocated gigabytes must fail here too.

mod common;

use std::path::Path;

#[test]
#[ignore = "run by every_kept_render_input_renders_or_is_rejected, under the address-space limit"]
fn replay_child() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for dir in ["corpus/render", "regressions/render"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name() == "README" {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("a corpus file");
            eprintln!("replaying {}", entry.path().display());
            imaging::fuzzing::render(&bytes);
            replayed += 1;
        }
    }
    assert!(
        replayed >= 30,
        "only {replayed} inputs under {}",
        fuzz.display()
    );
}

#[test]
fn every_kept_render_input_renders_or_is_rejected() {
    common::run_under_address_space_limit("replay_child");
}
