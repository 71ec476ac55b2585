//! The limits an input is checked against before anything is allocated for it.
//!
//! Every one is checked on the file's own framing (headers and declared lengths) before a
//! decoder sees the bytes, so a hostile file is refused for the price of reading its headers.
//! The two an operator sets (bytes and pixels) come from the caller (the product's settings own
//! their defaults); the others are this crate's, fixed. The `rendering` crate's memory-budget
//! test proves the settings' defaults fit a 1 GB Lambda function (README, "Limits and memory").

/// What an input may ask of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_input_bytes: u64,
    /// Largest `width * height` of the image (of a GIF's or WebP's canvas and of every frame
    /// header walked). Decoding memory is proportional to it: at most 8 bytes a pixel for a
    /// 16-bit RGBA PNG, while 8-bit RGB(A) output buffers take 3 or 4.
    pub max_pixels: u64,
    /// Largest metadata block: a colour profile (a JPEG's APP2 chain, a PNG's iCCP once
    /// inflated, a WebP's ICCP), EXIF or XMP data, a PNG text chunk.
    pub max_metadata_bytes: u64,
    /// Most scans a JPEG may have (a progressive JPEG decodes its whole image once per scan;
    /// encoders write about 10).
    pub max_jpeg_scans: u32,
}

/// The pixels this crate's memory-budget test renders within the budget the README states
/// (a 16-bit RGBA PNG and a progressive 4:4:4 JPEG of this many pixels, in a 1 GB function's
/// address space): a caller's `max_pixels` at or below it keeps that guarantee. The product's
/// `MAX_INPUT_PIXELS` default is checked against it (the `rendering` crate's tests).
pub const BUDGETED_PIXELS: u64 = 40_000_000;

/// The largest AVIF box this crate's memory-budget test renders within the budget (the costliest
/// input of [`BUDGETED_PIXELS`] to an AVIF of this side, rav1e taking about 44 bytes a pixel
/// of output); measured at 5.4 s on one core for a 40 MP noise image, about 9.4 s at 1,024 MB.
/// A caller's AVIF boxes at or below it keep the guarantee.
pub const BUDGETED_AVIF_SIDE: u32 = 2_048;

/// Default of [`Limits::max_metadata_bytes`]: 8 MiB (real colour profiles are under 1 MiB,
/// printer profiles a few).
pub const DEFAULT_MAX_METADATA_BYTES: u64 = 8 * 1024 * 1024;
/// Default of [`Limits::max_jpeg_scans`]: 100 (libjpeg-turbo suggests refusing more than 500;
/// progressive JPEGs from cameras, libjpeg and mozjpeg have 10 or fewer).
pub const DEFAULT_MAX_JPEG_SCANS: u32 = 100;

impl Limits {
    /// The caller's input limits, with this crate's own for metadata blocks and JPEG scans.
    pub fn new(max_input_bytes: u64, max_pixels: u64) -> Self {
        Self {
            max_input_bytes,
            max_pixels,
            max_metadata_bytes: DEFAULT_MAX_METADATA_BYTES,
            max_jpeg_scans: DEFAULT_MAX_JPEG_SCANS,
        }
    }

    /// The most a decoder may allocate at once: the largest image at 16 bits a channel with
    /// alpha, plus room for its metadata. Given to every decoder as `image::Limits::max_alloc`.
    pub fn max_alloc(&self) -> u64 {
        self.max_pixels
            .saturating_mul(8)
            .saturating_add(self.max_metadata_bytes)
            .saturating_add(16 << 20)
    }
}
