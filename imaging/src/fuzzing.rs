//! The check the `render` fuzz target runs (`fuzz/`, `scripts/fuzz render`), and that
//! `tests/fuzz_corpus.rs` replays on every input kept in `fuzz/corpus/render` and
//! `fuzz/regressions/render`, so an ordinary `cargo test` keeps every finding fixed.

use crate::{Encoding, Limits, RenderError, Target, render as render_image};

/// Renders `data` with a small pixel limit (so a run explores formats, not big images): it may
/// render or be rejected, never fail internally, panic past the decoder boundary or abort.
///
/// # Panics
/// When the pipeline fails internally: that is the finding.
pub fn render(data: &[u8]) {
    let limits = Limits {
        max_metadata_bytes: 1 << 20,
        ..Limits::new(64 << 20, 1 << 20)
    };
    let targets = [
        Target {
            width: 64,
            height: 48,
            encoding: Encoding::Jpeg { quality: 82 },
        },
        Target {
            width: 32,
            height: 32,
            encoding: Encoding::Png,
        },
        Target {
            width: 16,
            height: 16,
            encoding: Encoding::WebPLossless,
        },
    ];
    match render_image(data, &targets, &limits) {
        Ok(rendering) => {
            for (out, target) in rendering.outputs.iter().zip(&targets) {
                assert!(
                    out.width <= target.width && out.height <= target.height,
                    "{}x{} does not fit {target}",
                    out.width,
                    out.height,
                );
                assert!(!out.bytes.is_empty(), "an empty output");
            }
        }
        Err(RenderError::Rejected(_)) => {}
        Err(e @ RenderError::Internal { .. }) => panic!("an internal failure: {e}"),
    }
}

/// For the fuzz target's `init`: a panic hook that reports a panic and lets it unwind, instead
/// of libfuzzer-sys's hook, which aborts at every panic. A decoder's panic is caught at the
/// decoder boundary and makes the input `corrupt`, which is the pipeline working; a panic that
/// escapes [`render`] still aborts the process (libfuzzer-sys catches it and aborts), and is
/// the finding.
pub fn let_caught_panics_unwind() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("panic (a finding only if it escapes render): {info}");
    }));
}
