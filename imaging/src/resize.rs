//! 8-bit pixel buffers, SIMD resizing (fast_image_resize, Lanczos3) and EXIF orientation.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage, RgbaImage};

use crate::error::RenderError;

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

    fn pixel_type(&self) -> PixelType {
        if self.channels == 4 {
            PixelType::U8x4
        } else {
            PixelType::U8x3
        }
    }

    fn into_image(self) -> DynamicImage {
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

/// `from` resized to exactly `width` x `height` (Lanczos3; alpha premultiplied while resizing).
pub(crate) fn resize(from: &Pixels, width: u32, height: u32) -> Result<Pixels, RenderError> {
    if (from.width, from.height) == (width, height) {
        return Ok(from.clone());
    }
    let internal = |e: &dyn std::fmt::Display| RenderError::internal("resizing", e);
    let src = ImageRef::new(from.width, from.height, &from.data, from.pixel_type())
        .map_err(|e| internal(&e))?;
    let mut dst = Image::new(width, height, from.pixel_type());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    Ok(Pixels {
        width,
        height,
        channels: from.channels,
        data: dst.into_vec(),
    })
}

/// `pixels` turned upright according to the EXIF orientation.
pub(crate) fn orient(pixels: Pixels, orientation: Orientation) -> Pixels {
    if orientation == Orientation::NoTransforms {
        return pixels;
    }
    let channels = pixels.channels;
    let mut image = pixels.into_image();
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let data = if channels == 4 {
        image.into_rgba8().into_raw()
    } else {
        image.into_rgb8().into_raw()
    };
    Pixels {
        width,
        height,
        channels,
        data,
    }
}
