//! JPEG: decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still covers the largest
//! rendition, which cuts decode time and memory together (a 12 MP photo for a 1920 box decodes
//! at 2000x1500: a quarter of the pixels).
//!
//! Grey stays grey (its values are the pixels' meaning; a Gray profile is not applied to the
//! RGB expansion). CMYK and YCCK JPEGs are converted to RGB here, through their CMYK profile
//! when they carry one. A file `jpeg-decoder` refuses goes to the general decoder (zune-jpeg
//! through `image`), which then decides.

use std::io::Cursor;

use image::metadata::Orientation;

use crate::color::{self, ColorModel};
use crate::decode::{self, Decoded};
use crate::error::Rejection;
use crate::limits::Limits;
use crate::resize::Pixels;
use crate::sniff::SourceFormat;

pub(crate) fn decode(
    bytes: &[u8],
    limits: &Limits,
    wanted: &dyn Fn(u32, u32, Orientation) -> (u32, u32),
) -> Result<Decoded, Rejection> {
    match decode_scaled(bytes, limits, wanted) {
        Some(decoded) => Ok(decoded),
        None => decode::general(SourceFormat::Jpeg, bytes, limits),
    }
}

/// The image at the smallest scale whose size covers `wanted` (called with the full size and
/// the orientation, returning the largest rendition's size in stored orientation); `None` to
/// use the general decoder instead.
fn decode_scaled(
    bytes: &[u8],
    limits: &Limits,
    wanted: &dyn Fn(u32, u32, Orientation) -> (u32, u32),
) -> Option<Decoded> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc()).unwrap_or(usize::MAX));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
        jpeg_decoder::PixelFormat::L16 => return None,
    };
    let (full_width, full_height) = (u32::from(info.width), u32::from(info.height));
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let (w, h) = wanted(full_width, full_height, orientation);
    let (sw, sh) = decoder
        .scale(u16::try_from(w).ok()?, u16::try_from(h).ok()?)
        .ok()?;
    let icc = decoder.icc_profile();
    let data = decoder.decode().ok()?;
    let (width, height) = (u32::from(sw), u32::from(sh));
    if data.len() != width as usize * height as usize * channels {
        return None;
    }
    let mut notes = Vec::new();
    let (data, model, icc) = match channels {
        1 => (
            data.iter().flat_map(|&g| [g, g, g]).collect(),
            ColorModel::Gray,
            icc,
        ),
        4 => (
            color::cmyk_to_rgb(&data, icc.as_deref(), &mut notes),
            ColorModel::Rgb,
            None,
        ),
        _ => (data, ColorModel::Rgb, icc),
    };
    Some(Decoded {
        format: SourceFormat::Jpeg,
        pixels: Pixels {
            width,
            height,
            channels: 3,
            data,
        },
        model,
        full_width,
        full_height,
        orientation,
        icc,
        notes,
    })
}
