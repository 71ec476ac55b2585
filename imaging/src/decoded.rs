//! What a decode produces: 8-bit pixels, and the decoded image with what still applies to it
//! (orientation, colour profile, notes). Shared by the decoders (`decode.rs`, `jpeg/`) and the
//! steps after them, so that none of those modules depends on another for its data.

use fast_image_resize::PixelType;
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, RgbaImage};

use crate::color::ColorModel;
use crate::sniff::SourceFormat;

/// Interleaved 8-bit RGB (3 channels) or RGBA (4 channels, straight alpha).
#[derive(Debug, Clone)]
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Pixels {
    /// Any decoded image as 8-bit RGB, or RGBA when it has an alpha channel (16-bit, grey and
    /// palette images are converted).
    pub fn from_image(image: DynamicImage) -> Self {
        let (width, height) = (image.width(), image.height());
        if image.color().has_alpha() {
            Self {
                width,
                height,
                channels: 4,
                data: image.into_rgba8().into_raw(),
            }
        } else {
            Self {
                width,
                height,
                channels: 3,
                data: image.into_rgb8().into_raw(),
            }
        }
    }

    pub(crate) fn pixel_type(&self) -> PixelType {
        if self.channels == 4 {
            PixelType::U8x4
        } else {
            PixelType::U8x3
        }
    }

    pub(crate) fn into_image(self) -> DynamicImage {
        let (w, h) = (self.width, self.height);
        let fallback = || DynamicImage::new_rgb8(w, h);
        if self.channels == 4 {
            RgbaImage::from_raw(w, h, self.data)
                .map(DynamicImage::ImageRgba8)
                .unwrap_or_else(fallback)
        } else {
            RgbImage::from_raw(w, h, self.data)
                .map(DynamicImage::ImageRgb8)
                .unwrap_or_else(fallback)
        }
    }
}

/// The decoded image (possibly scaled down on decode) and what applies to it.
pub(crate) struct Decoded {
    pub format: SourceFormat,
    pub pixels: Pixels,
    /// What the pixels' values mean, for the colour profile.
    pub model: ColorModel,
    /// The image's own size, whatever size it was decoded at.
    pub full_width: u32,
    pub full_height: u32,
    pub orientation: Orientation,
    /// The embedded colour profile, still to apply.
    pub icc: Option<Vec<u8>>,
    /// What was ignored while decoding.
    pub notes: Vec<String>,
}
