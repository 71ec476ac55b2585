//! The image pipeline: bytes and [`Target`]s (a box and an [`Encoding`]) in, encoded images
//! out. No AWS types, no I/O, no setting names, nothing of the product's contract: the
//! `rendering` crate maps the contract's renditions and reasons onto it; it can be fuzzed and
//! benchmarked on its own.
//!
//! Every input is hostile until its framing says otherwise:
//! 1. the format comes from the bytes, never from a name;
//! 2. the file's framing is walked ([`framing`]): every declared length is checked against the
//!    bytes that remain and every declared size against the [`Limits`], so nothing is
//!    allocated for a length the file does not back, and truncated files are `corrupt`;
//! 3. the image is decoded once, with `image::Limits::max_alloc` on `image`'s decoders, a JPEG
//!    at the smallest DCT scale that covers the largest output, a WebP without alpha straight
//!    at the largest output's size;
//! 4. outputs are resized largest first, each from the smallest earlier result that still
//!    covers it (a cascade), with SIMD Lanczos3;
//! 5. EXIF orientation, the colour profile (only one whose colour space matches the pixels)
//!    and alpha flattening are applied to the small outputs;
//! 6. each is encoded without metadata (no EXIF, GPS, XMP or ICC in outputs).
//!
//! A decoder that refuses or panics makes the input `corrupt` ([`Rejection`]); a failure of
//! the pipeline's own code is [`RenderError::Internal`], never blamed on the input.
//!
//! # Layout
//! - [`sniff`]: the format from the magic numbers.
//! - `framing/`: the per-format walk of declared lengths and sizes (JPEG, PNG, GIF, WebP).
//! - `decode.rs`, `jpeg/`, `webp/`: one decode, behind the panic boundary; JPEG and WebP
//!   scale-on-decode (libjpeg-turbo's and libwebp's code, their FFI in `jpeg/libjpeg.rs` and
//!   `webp/libwebp.rs`, with libwebp's lossy encoder).
//! - `decoded.rs`: what a decode produces (pixel buffers, the decoded image).
//! - `resize.rs`: the SIMD resize and orientation.
//! - `color.rs`: ICC profiles to sRGB, for the colour spaces they match.
//! - `encode.rs`, `avif.rs`: JPEG 4:2:0, PNG, lossy and lossless WebP, AVIF.
//! - [`target`]: what to make: a box and an encoding.
//! - `limits.rs`, `error.rs`: what an input may ask; what went wrong.
//! - [`fuzzing`]: the check the fuzz target runs and the corpus replay test repeats.

mod avif;
mod color;
mod decode;
mod decoded;
mod encode;
mod error;
mod framing;
pub mod fuzzing;
mod jpeg;
mod limits;
mod resize;
pub mod sniff;
pub mod target;
mod webp;

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;

pub use error::{Rejection, RejectionKind, RenderError};
pub use limits::{
    BUDGETED_AVIF_SIDE, BUDGETED_PIXELS, DEFAULT_MAX_JPEG_SCANS, DEFAULT_MAX_METADATA_BYTES, Limits,
};
pub use sniff::SourceFormat;
pub use target::{Encoding, Target};

/// One finished output.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Every output of one input, and what the input was.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The input's format.
    pub source_format: SourceFormat,
    /// The input's width, after EXIF orientation.
    pub source_width: u32,
    /// The input's height, after EXIF orientation.
    pub source_height: u32,
    /// The outputs, in the order of the targets asked for.
    pub outputs: Vec<Rendered>,
    /// What was ignored on the way and why (a colour profile that does not parse or does not
    /// match the pixels): for the caller's log, never fatal.
    pub notes: Vec<String>,
}

/// Makes an output of the image in `bytes` for each of `targets`, in their order.
pub fn render(bytes: &[u8], targets: &[Target], limits: &Limits) -> Result<Rendering, RenderError> {
    // The decoders have their own boundary (a panic there is the input's fault); a panic that
    // reaches this one is a fault of the pipeline's own code.
    catch_unwind(AssertUnwindSafe(|| {
        render_unguarded(bytes, targets, limits)
    }))
    .unwrap_or_else(|panic| {
        Err(RenderError::internal(
            "the image pipeline",
            format!("it panicked: {}", error::panic_message(&*panic)),
        ))
    })
}

fn render_unguarded(
    bytes: &[u8],
    targets: &[Target],
    limits: &Limits,
) -> Result<Rendering, RenderError> {
    // The outputs' sizes in stored (not yet oriented) pixels, for an image of `w`x`h`.
    let targets_for = |w: u32, h: u32, orientation: Orientation| -> Vec<(u32, u32)> {
        let swaps = swaps_axes(orientation);
        let (ow, oh) = if swaps { (h, w) } else { (w, h) };
        targets
            .iter()
            .map(|r| {
                let (tw, th) = fit(ow, oh, r.width, r.height);
                if swaps { (th, tw) } else { (tw, th) }
            })
            .collect()
    };
    let largest = |w: u32, h: u32, o: Orientation| {
        targets_for(w, h, o)
            .into_iter()
            .max_by_key(|&(tw, th)| u64::from(tw) * u64::from(th))
            .unwrap_or((w, h))
    };
    let decoded = decode::decode(bytes, limits, &largest)?;
    let (width, height) = (decoded.full_width, decoded.full_height);
    let swaps = swaps_axes(decoded.orientation);
    let (oriented_w, oriented_h) = if swaps {
        (height, width)
    } else {
        (width, height)
    };
    let sizes = targets_for(width, height, decoded.orientation);
    let mut order: Vec<usize> = (0..targets.len()).collect();

    // Largest first, so each can be resized from an earlier, smaller-than-source result.
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(sizes[i].0) * u64::from(sizes[i].1)));

    let mut made: Vec<Option<decoded::Pixels>> = vec![None; targets.len()];
    for &i in &order {
        let (tw, th) = sizes[i];
        // The smallest earlier result that still covers the target, else the decoded image.
        let from = order
            .iter()
            .filter_map(|&j| made[j].as_ref())
            .filter(|p| p.width >= tw && p.height >= th)
            .min_by_key(|p| u64::from(p.width) * u64::from(p.height))
            .unwrap_or(&decoded.pixels);
        made[i] = Some(resize::resize(from, tw, th)?);
    }

    let mut notes = decoded.notes;
    let transform = decoded
        .icc
        .as_deref()
        .and_then(|icc| color::to_srgb(icc, decoded.model, &mut notes));
    let mut outputs = Vec::with_capacity(targets.len());
    for (target, pixels) in targets.iter().zip(made) {
        let pixels = pixels.ok_or_else(|| {
            RenderError::internal("the resize cascade", "an output was not resized")
        })?;
        let mut pixels = resize::orient(pixels, decoded.orientation);
        if let Some(t) = &transform {
            color::apply(t, &mut pixels);
        }
        let bytes = encode::encode(&pixels, target)?;
        outputs.push(Rendered {
            width: pixels.width,
            height: pixels.height,
            bytes,
        });
    }
    Ok(Rendering {
        source_format: decoded.format,
        source_width: oriented_w,
        source_height: oriented_h,
        outputs,
        notes,
    })
}

fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The size of a `w`x`h` image fitted inside `box_w`x`box_h`: aspect kept, never upscaled,
/// at least one pixel per side.
pub fn fit(w: u32, h: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    if w <= box_w && h <= box_h {
        return (w, h);
    }
    let scale = (f64::from(box_w) / f64::from(w)).min(f64::from(box_h) / f64::from(h));
    let side = |v: u32, limit: u32| ((f64::from(v) * scale).round() as u32).clamp(1, limit);
    (side(w, box_w), side(h, box_h))
}

#[cfg(test)]
mod tests;
