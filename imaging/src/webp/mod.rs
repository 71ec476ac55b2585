//! WebP through libwebp's own code (its FFI in `libwebp.rs`): still images decoded, scaled on
//! decode when that is safe; lossy encoding. Animations stay on `image`'s decoder (the first
//! frame; libwebp's still-image decoder refuses them).

mod libwebp;

use image::metadata::Orientation;

use crate::color::ColorModel;
use crate::decoded::{Decoded, Pixels};
use crate::error::Rejection;
use crate::framing::Framing;
use crate::sniff::SourceFormat;

pub(crate) use libwebp::encode_lossy;

/// Decodes a still WebP whose framing the walk returned. Without alpha it is decoded straight
/// at the largest rendition's size (`wanted`, as for JPEG) by libwebp's area-averaging
/// rescaler, as libvips does: the full-size RGB is never made. With alpha it is decoded at
/// full size, so that the resize weighs colours by their alpha (libwebp's rescaler does not).
pub(crate) fn decode(
    bytes: &[u8],
    framing: &Framing,
    wanted: &dyn Fn(u32, u32, Orientation) -> (u32, u32),
) -> Result<Decoded, Rejection> {
    let corrupt = |why: String| Rejection::Corrupt(format!("the WebP does not decode: {why}"));
    let features = libwebp::features(bytes).map_err(corrupt)?;
    // The limits were checked against the walk's size: libwebp must read the same.
    let own = (features.width, features.height);
    if own != (framing.width, framing.height) {
        return Err(Rejection::Corrupt(format!(
            "the WebP's bitstream says {}x{} but its header says {}x{}",
            own.0, own.1, framing.width, framing.height
        )));
    }
    let orientation = framing
        .webp
        .exif
        .clone()
        .and_then(|r| {
            let exif = &bytes[r];
            Orientation::from_exif_chunk(exif.strip_prefix(b"Exif\0\0").unwrap_or(exif))
        })
        .unwrap_or(Orientation::NoTransforms);
    let icc = framing.webp.icc.clone().map(|r| bytes[r].to_vec());
    let channels = if features.has_alpha { 4 } else { 3 };
    let size = if features.has_alpha {
        own
    } else {
        let (w, h) = wanted(own.0, own.1, orientation);
        (w.clamp(1, own.0), h.clamp(1, own.1))
    };
    let data = libwebp::decode(bytes, own, size, channels).map_err(corrupt)?;
    Ok(Decoded {
        format: SourceFormat::WebP,
        pixels: Pixels {
            width: size.0,
            height: size.1,
            channels,
            data,
        },
        model: ColorModel::Rgb,
        full_width: own.0,
        full_height: own.1,
        orientation,
        icc,
        notes: vec![],
    })
}
