//! JPEG scale-on-decode: the IDCT produces 1/2, 1/4 or 1/8 of the image directly when the
//! largest rendition still fits, which cuts decode time and memory together (a 12 MP photo for
//! a 1920 box decodes at 2000x1500: a quarter of the pixels).
//!
//! Only for what `jpeg-decoder` decodes to RGB or grey; CMYK/YCCK JPEGs, and any file it
//! refuses, go to the general decoder (zune-jpeg through `image`), which then decides.

use std::io::Cursor;

use image::metadata::Orientation;

use super::resize::Pixels;

/// The image at the smallest scale whose size covers `wanted` (called with the full size and
/// the orientation, returning the largest rendition's size in stored orientation), with its
/// full size, orientation and ICC profile; `None` to use the general decoder instead.
pub(crate) struct Scaled {
    pub pixels: Pixels,
    pub full_width: u32,
    pub full_height: u32,
    pub orientation: Orientation,
    pub icc: Option<Vec<u8>>,
}

pub(crate) fn decode_scaled(
    bytes: &[u8],
    wanted: impl Fn(u32, u32, Orientation) -> (u32, u32),
) -> Option<Scaled> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::L8 => 1,
        _ => return None,
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
    let data = if channels == 1 {
        data.iter().flat_map(|&g| [g, g, g]).collect()
    } else {
        data
    };
    Some(Scaled {
        pixels: Pixels {
            width,
            height,
            channels: 3,
            data,
        },
        full_width,
        full_height,
        orientation,
        icc,
    })
}
