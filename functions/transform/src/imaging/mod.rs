//! The image pipeline: bytes in, renditions out. No AWS types, no I/O: the `transform` function,
//! the `render` preview and backfill share it, and it can be benchmarked and fuzzed on its own.
//!
//! One decode serves every rendition. Work is ordered for speed and memory:
//! 1. the format comes from the bytes; the header's size is checked against the pixel limit and
//!    the file's framing for truncation before anything is decoded;
//! 2. the image is decoded once to 8-bit RGB (or RGBA when it has alpha);
//! 3. renditions are resized largest first, each from the smallest earlier result that is still
//!    at least as large (a cascade, as libvips does), with SIMD Lanczos3;
//! 4. EXIF orientation, the colour conversion to sRGB and alpha flattening are applied to the
//!    small outputs, not the full image;
//! 5. each is encoded without metadata (no EXIF, GPS, XMP or ICC in outputs).
//!
//! A panic inside a decoder is caught and reported as `corrupt`: no input crashes the caller.

mod color;
mod encode;
mod jpeg;
mod resize;
pub mod sniff;
pub mod spec;

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

pub use sniff::SourceFormat;
pub use spec::{OutputFormat, Rendition, parse_renditions};

/// Limits checked before any full decode.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest `width * height` decoded.
    pub max_pixels: u64,
}

/// Why an input cannot be made into renditions: the input's fault, not worth a retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Zero bytes, or no image format recognised.
    #[error("{0}")]
    NotAnImage(String),
    /// A recognised format that does not decode, or is truncated.
    #[error("{0}")]
    Corrupt(String),
    /// Over the pixel (or byte) limit.
    #[error("{0}")]
    TooLarge(String),
    /// A recognised image format that is not decoded.
    #[error("{0}")]
    UnsupportedFormat(String),
}

impl Rejection {
    /// The contract's reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::NotAnImage(_) => "not-an-image",
            Rejection::Corrupt(_) => "corrupt",
            Rejection::TooLarge(_) => "too-large",
            Rejection::UnsupportedFormat(_) => "unsupported-format",
        }
    }
}

/// One finished rendition.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The spec it was made from.
    pub rendition: Rendition,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Every rendition of one input, and what the input was.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The input's format.
    pub source_format: SourceFormat,
    /// The input's width, after EXIF orientation.
    pub source_width: u32,
    /// The input's height, after EXIF orientation.
    pub source_height: u32,
    /// The outputs, in the order of the renditions asked for.
    pub outputs: Vec<Rendered>,
}

/// Makes `renditions` of the image in `bytes`.
pub fn render(
    bytes: &[u8],
    renditions: &[Rendition],
    limits: &Limits,
) -> Result<Rendering, Rejection> {
    match catch_unwind(AssertUnwindSafe(|| {
        render_unguarded(bytes, renditions, limits)
    })) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            Err(Rejection::Corrupt(format!(
                "the decoder failed on this file ({what})"
            )))
        }
    }
}

fn render_unguarded(
    bytes: &[u8],
    renditions: &[Rendition],
    limits: &Limits,
) -> Result<Rendering, Rejection> {
    // The renditions' sizes in stored (not yet oriented) pixels, for an image of `w`x`h`.
    let targets_for = |w: u32, h: u32, orientation: Orientation| -> Vec<(u32, u32)> {
        let swaps = swaps_axes(orientation);
        let (ow, oh) = if swaps { (h, w) } else { (w, h) };
        renditions
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
    let decoded = decode(bytes, limits, &largest)?;
    let (width, height) = (decoded.full_width, decoded.full_height);
    let swaps = swaps_axes(decoded.orientation);
    let (oriented_w, oriented_h) = if swaps {
        (height, width)
    } else {
        (width, height)
    };
    let targets = targets_for(width, height, decoded.orientation);
    let mut order: Vec<usize> = (0..renditions.len()).collect();

    // Largest first, so each can be resized from an earlier, smaller-than-source result.
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(targets[i].0) * u64::from(targets[i].1)));

    let mut made: Vec<Option<resize::Pixels>> = vec![None; renditions.len()];
    for &i in &order {
        let (tw, th) = targets[i];
        // The smallest earlier result that still covers the target, else the decoded image.
        let from = order
            .iter()
            .filter_map(|&j| made[j].as_ref())
            .filter(|p| p.width >= tw && p.height >= th)
            .min_by_key(|p| u64::from(p.width) * u64::from(p.height))
            .unwrap_or(&decoded.pixels);
        made[i] = Some(resize::resize(from, tw, th)?);
    }

    let transform = decoded.icc.as_deref().and_then(color::to_srgb_transform);
    let mut outputs = Vec::with_capacity(renditions.len());
    for (rendition, pixels) in renditions.iter().zip(made) {
        let pixels = pixels
            .ok_or_else(|| Rejection::Corrupt("internal: a rendition was not resized".into()))?;
        let mut pixels = resize::orient(pixels, decoded.orientation);
        if let Some(t) = &transform {
            color::apply(t, &mut pixels);
        }
        let bytes = encode::encode(&pixels, rendition)?;
        outputs.push(Rendered {
            rendition: rendition.clone(),
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
    })
}

/// The decoded image (possibly scaled down on decode) and what applies to it.
struct Decoded {
    format: SourceFormat,
    pixels: resize::Pixels,
    /// The image's own size, whatever size it was decoded at.
    full_width: u32,
    full_height: u32,
    orientation: Orientation,
    icc: Option<Vec<u8>>,
}

/// Decodes once; `largest` gives the largest rendition's size (stored orientation) for a full
/// size and orientation, so a JPEG can be decoded directly at a smaller scale.
fn decode(
    bytes: &[u8],
    limits: &Limits,
    largest: &dyn Fn(u32, u32, Orientation) -> (u32, u32),
) -> Result<Decoded, Rejection> {
    if bytes.is_empty() {
        return Err(Rejection::NotAnImage(
            "the object is empty (0 bytes)".into(),
        ));
    }
    let format = sniff::sniff(bytes).ok_or_else(|| {
        Rejection::NotAnImage(
            "no image format is recognised in its first bytes (whatever its name says)".into(),
        )
    })?;
    let image_format = match format {
        SourceFormat::Jpeg => image::ImageFormat::Jpeg,
        SourceFormat::Png => image::ImageFormat::Png,
        SourceFormat::Gif => image::ImageFormat::Gif,
        SourceFormat::WebP => image::ImageFormat::WebP,
        SourceFormat::Other(name) => {
            return Err(Rejection::UnsupportedFormat(format!(
                "{name} is a recognised image format that is not decoded (decoded are JPEG, PNG, GIF and WebP)"
            )));
        }
    };
    let corrupt = |e: image::ImageError| {
        Rejection::Corrupt(format!("the {} does not decode: {e}", format.name()))
    };

    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder_limits = image::Limits::default();
    // Enough for the largest allowed image at 16 bits per channel with alpha, and no more.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(format, None, limits),
        e => corrupt(e),
    })?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(Rejection::Corrupt(format!(
            "the {} header says {w}x{h}",
            format.name()
        )));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(too_large(format, Some((w, h)), limits));
    }
    sniff::check_complete(format, bytes).map_err(Rejection::Corrupt)?;

    if format == SourceFormat::Jpeg {
        if let Some(scaled) = jpeg::decode_scaled(bytes, largest) {
            return Ok(Decoded {
                format,
                pixels: scaled.pixels,
                full_width: scaled.full_width,
                full_height: scaled.full_height,
                orientation: scaled.orientation,
                icc: scaled.icc,
            });
        }
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(format, Some((w, h)), limits),
        e => corrupt(e),
    })?;
    Ok(Decoded {
        format,
        pixels: resize::Pixels::from_image(image),
        full_width: w,
        full_height: h,
        orientation,
        icc,
    })
}

fn too_large(format: SourceFormat, size: Option<(u32, u32)>, limits: &Limits) -> Rejection {
    let size = size.map(|(w, h)| format!("{w}x{h} = {} pixels", u64::from(w) * u64::from(h)));
    Rejection::TooLarge(format!(
        "the {} is {}, over MAX_INPUT_PIXELS = {}",
        format.name(),
        size.unwrap_or_else(|| "larger than the decoder may allocate".into()),
        limits.max_pixels
    ))
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
