//! Encoders: JPEG with 4:2:0 chroma (libjpeg-turbo's code), lossy WebP (libwebp's code), AVIF
//! (rav1e), PNG and lossless WebP (image). None writes EXIF, XMP or ICC data.

use image::{ExtendedColorType, ImageEncoder};

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::decoded::Pixels;
use crate::error::{RenderError, panic_message};
use crate::target::{Encoding, Target};

/// Encodes `pixels` as `target` says.
pub(crate) fn encode(pixels: &Pixels, target: &Target) -> Result<Vec<u8>, RenderError> {
    let internal =
        |e: &dyn std::fmt::Display| RenderError::internal("encoding", format!("{target}: {e}"));
    let (w, h) = (pixels.width, pixels.height);
    let color = if pixels.channels == 4 {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    let mut out = Vec::new();
    match target.encoding {
        Encoding::Jpeg { quality } => {
            let flat;
            let rgb = if pixels.channels == 4 {
                flat = flatten_on_white(&pixels.data);
                &flat
            } else {
                &pixels.data
            };
            out = crate::jpeg::encode_rgb(rgb, w, h, quality).map_err(|e| internal(&e))?;
        }
        Encoding::Png => image::codecs::png::PngEncoder::new(&mut out)
            .write_image(&pixels.data, w, h, color)
            .map_err(|e| internal(&e))?,
        Encoding::WebPLossless => image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .write_image(&pixels.data, w, h, color)
            .map_err(|e| internal(&e))?,
        Encoding::WebP { quality } => {
            out = crate::webp::encode_lossy(&pixels.data, w, h, pixels.channels, quality)
                .map_err(|e| internal(&e))?;
        }
        Encoding::Avif { quality } => {
            // A panic in rav1e is this pipeline's fault, never the input's: Internal, named.
            out = catch_unwind(AssertUnwindSafe(|| crate::avif::encode(pixels, quality)))
                .unwrap_or_else(|panic| {
                    Err(format!(
                        "the AVIF encoder panicked: {}",
                        panic_message(&*panic)
                    ))
                })
                .map_err(|e| internal(&e))?;
        }
    }
    Ok(out)
}

/// RGBA (straight alpha) composited over white, as RGB.
fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u32::from(px[3]);
        for &c in &px[..3] {
            rgb.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    #[test]
    fn alpha_is_flattened_on_white() {
        let rgba = [0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 128];
        assert_eq!(
            super::flatten_on_white(&rgba),
            [255, 255, 255, 0, 0, 0, 255, 127, 127]
        );
    }
}
