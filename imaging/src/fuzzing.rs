//! The check the `render` fuzz target runs (`fuzz/`, `scripts/fuzz render`), and that
//! `tests/fuzz_corpus.rs` replays on every input kept in `fuzz/corpus/render` and
//! `fuzz/regressions/render`, so an ordinary `cargo test` keeps every finding fixed.

use crate::{Limits, RenderError, parse_renditions, render as render_image};

/// Renders `data` with a small pixel limit (so a run explores formats, not big images): it may
/// render or be rejected, never fail internally, panic past the decoder boundary or abort.
///
/// # Panics
/// When the pipeline fails internally: that is the finding.
pub fn render(data: &[u8]) {
    let limits = Limits {
        max_pixels: 1 << 20,
        max_metadata_bytes: 1 << 20,
        ..Limits::default()
    };
    let Ok(renditions) = parse_renditions("t:64x48:jpeg:82,p:32x32:png,w:16x16:webp") else {
        return;
    };
    match render_image(data, &renditions, &limits) {
        Ok(rendering) => {
            for out in &rendering.outputs {
                assert!(
                    out.width <= out.rendition.width && out.height <= out.rendition.height,
                    "{}x{} does not fit {}",
                    out.width,
                    out.height,
                    out.rendition
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
