//! The arm64 build of `render` renders what the native build renders: the same files, the same
//! sizes, pixels within a small tolerance (NEON and x86 SIMD may round differently), AVIF files
//! byte for byte. Run by
//! `scripts/arm64-check`, which builds the arm64 binary and names it and its runner in
//! `RENDER_ARM64` and `ARM64_RUNNER`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Mean absolute difference allowed per channel value (of 255).
const TOLERANCE: f64 = 2.0;

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut inputs = vec![
        root.join("events/images/sample.jpg"),
        root.join("events/images/transparent.png"),
    ];
    let corpus = root.join("fuzz/corpus/render");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("the render corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("hostile"))
        })
        .collect();
    seeds.sort();
    inputs.extend(seeds);
    inputs
}

fn render(command: &mut Command, out: &Path) -> Vec<serde_json::Value> {
    let output = command
        .args(inputs())
        .arg("--out")
        .arg(out)
        .arg("--renditions")
        // AVIF at a small box: rav1e under emulation is slow.
        .arg("large:1920x1920:jpeg:82,small:800x800:png,thumb:200x200:webp,card:160x160:avif")
        .output()
        .expect("runs render");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "render failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a RESULT line"))
        .collect()
}

#[test]
#[ignore = "run by scripts/arm64-check, with the arm64 build"]
fn the_arm64_render_matches_the_native_one() {
    let arm64 = std::env::var("RENDER_ARM64").expect("RENDER_ARM64: the arm64 render binary");
    let runner = std::env::var("ARM64_RUNNER").expect("ARM64_RUNNER: e.g. qemu-aarch64 -L ...");
    let dir = std::env::temp_dir().join(format!("arm64-render-{}", std::process::id()));
    let (native_out, arm_out) = (dir.join("native"), dir.join("arm64"));
    let native = render(&mut Command::new(env!("CARGO_BIN_EXE_render")), &native_out);
    let mut words = runner.split_whitespace();
    let mut emulated = Command::new(words.next().expect("a runner"));
    emulated.args(words).arg(&arm64);
    let arm = render(&mut emulated, &arm_out);
    assert_eq!(native.len(), arm.len());
    let (mut compared, mut avif) = (0, 0);
    for (n, a) in native.iter().zip(&arm) {
        assert_eq!(n["status"], a["status"], "{}", n["key"]);
        assert_eq!(n["reason"], a["reason"], "{}", n["key"]);
        let (no, ao) = (
            n["outputs"].as_array().expect("outputs"),
            a["outputs"].as_array().expect("outputs"),
        );
        assert_eq!(no.len(), ao.len(), "{}", n["key"]);
        for (nf, af) in no.iter().zip(ao) {
            assert_eq!(
                (&nf["width"], &nf["height"]),
                (&af["width"], &af["height"]),
                "{}",
                nf["key"]
            );
            let path = |o: &serde_json::Value| o["key"].as_str().expect("a path").to_owned();
            if path(nf).ends_with(".avif") {
                // No AV1 decoder among the kept crates: rav1e's NEON and x86 assembly are
                // bit-exact with its Rust code, so the files must be the same bytes.
                let read = |o| std::fs::read(path(o)).expect("an output");
                assert!(
                    read(nf) == read(af),
                    "{}: arm64 wrote other bytes",
                    nf["key"]
                );
                avif += 1;
                continue;
            }
            let decode = |o: &serde_json::Value| {
                let path = o["key"].as_str().expect("a path");
                image::open(path).expect("an output decodes").into_rgba8()
            };
            let (ni, ai) = (decode(nf), decode(af));
            let sum: u64 = ni
                .as_raw()
                .iter()
                .zip(ai.as_raw())
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum();
            let mean = sum as f64 / ni.as_raw().len() as f64;
            assert!(
                mean <= TOLERANCE,
                "{}: arm64 differs by {mean:.2} on average",
                nf["key"]
            );
            compared += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(compared >= 60, "only {compared} outputs compared");
    assert!(avif >= 20, "only {avif} AVIF outputs compared");
}
