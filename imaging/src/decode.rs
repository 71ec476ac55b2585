//! One decode per input, behind the decoders' panic boundary: whatever a decoder refuses or
//! panics on is `corrupt`. Before it: the format from the bytes, the byte limit, and the walk
//! of the file's framing against the other limits.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::color::ColorModel;
use crate::decoded::{Decoded, Pixels};
use crate::error::{Rejection, panic_message};
use crate::framing;
use crate::jpeg;
use crate::limits::Limits;
use crate::sniff::{self, SourceFormat};
use crate::webp;

/// Decodes once; `largest` gives the largest rendition's size (stored orientation) for a full
/// size and orientation, so a JPEG can be decoded directly at a smaller scale.
pub(crate) fn decode(
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
    if let SourceFormat::Other(name) = format {
        return Err(Rejection::UnsupportedFormat(format!(
            "{name} is a recognised image format that is not decoded (decoded are JPEG, PNG, GIF and WebP)"
        )));
    }
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(Rejection::TooLarge(format!(
            "the {} is {} bytes, over the limit of {} bytes",
            format.name(),
            bytes.len(),
            limits.max_input_bytes
        )));
    }
    let framing = framing::walk(format, bytes, limits)?;
    let bytes = &bytes[..framing.image_len.unwrap_or(bytes.len()).min(bytes.len())];
    catch_unwind(AssertUnwindSafe(|| match format {
        SourceFormat::Jpeg => jpeg::decode(bytes, &framing, largest),
        SourceFormat::WebP if !framing.webp.animated => webp::decode(bytes, &framing, largest),
        _ => general(format, bytes, limits),
    }))
    .unwrap_or_else(|panic| {
        Err(Rejection::Corrupt(format!(
            "the {} decoder failed on this file ({})",
            format.name(),
            panic_message(&*panic)
        )))
    })
    .and_then(|decoded| {
        // The decoder must agree with the header the limits were checked against.
        if (decoded.full_width, decoded.full_height) == (framing.width, framing.height) {
            Ok(decoded)
        } else {
            Err(Rejection::Corrupt(format!(
                "the {} decodes to {}x{} but its header says {}x{}",
                format.name(),
                decoded.full_width,
                decoded.full_height,
                framing.width,
                framing.height
            )))
        }
    })
}

/// PNG, GIF (the first frame) and animated WebP (the first frame), through `image` with its
/// allocation limit.
fn general(format: SourceFormat, bytes: &[u8], limits: &Limits) -> Result<Decoded, Rejection> {
    let image_format = match format {
        SourceFormat::Png => image::ImageFormat::Png,
        SourceFormat::Gif => image::ImageFormat::Gif,
        _ => image::ImageFormat::WebP,
    };
    let too_large = || {
        Rejection::TooLarge(format!(
            "the {} needs more memory to decode than the limit allows ({} bytes)",
            format.name(),
            limits.max_alloc()
        ))
    };
    let corrupt = |e: image::ImageError| {
        Rejection::Corrupt(format!("the {} does not decode: {e}", format.name()))
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_alloc());
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(),
        e => corrupt(e),
    })?;
    let (w, h) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(),
        e => corrupt(e),
    })?;
    let model = if image.color().has_color() {
        ColorModel::Rgb
    } else {
        ColorModel::Gray
    };
    Ok(Decoded {
        format,
        pixels: Pixels::from_image(image),
        model,
        full_width: w,
        full_height: h,
        orientation,
        icc,
        notes: vec![],
    })
}
