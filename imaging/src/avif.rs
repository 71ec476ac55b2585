//! AVIF through rav1e (`ravif`): 8-bit RGB or RGBA in, an AVIF file out, on one thread.

use crate::decoded::Pixels;

/// rav1e's effort, `1` (slowest, smallest) to `10`. Measured on the bench photo to an 800-pixel
/// AVIF at quality 60: speed 9 is 2.4x faster than 8 for 1% more bytes and 0.07 dB less PSNR;
/// 10 is 14% larger (README, "Speed and memory").
#[cfg(feature = "avif")]
pub(crate) const SPEED: u8 = 9;

/// Encodes `pixels` as AVIF at `quality` (1..=100, ravif's quality unchanged); alpha is kept
/// (and left out when every pixel is opaque).
#[cfg(feature = "avif")]
pub(crate) fn encode(pixels: &Pixels, quality: u8) -> Result<Vec<u8>, String> {
    use ravif::{BitDepth, Encoder, Img};
    use rgb::FromSlice;

    let (w, h) = (pixels.width as usize, pixels.height as usize);
    let encoder = Encoder::new()
        .with_quality(f32::from(quality))
        .with_alpha_quality(f32::from(quality))
        .with_speed(SPEED)
        // 10-bit measured 0.08 dB better for twice the time.
        .with_bit_depth(BitDepth::Eight)
        .with_num_threads(Some(1));
    // The rendition's bytes, viewed as pixels in place (no copy).
    let encoded = if pixels.channels == 4 {
        encoder.encode_rgba(Img::new(pixels.data.as_rgba(), w, h))
    } else {
        encoder.encode_rgb(Img::new(pixels.data.as_rgb(), w, h))
    };
    encoded
        .map(|e| e.avif_file)
        .map_err(|e| format!("rav1e failed: {e}"))
}

/// Without the `avif` feature (the fuzz build): no encoder.
#[cfg(not(feature = "avif"))]
pub(crate) fn encode(_: &Pixels, _: u8) -> Result<Vec<u8>, String> {
    Err("this build has no AVIF encoder (imaging's `avif` feature is off)".into())
}
