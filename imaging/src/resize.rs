//! SIMD resizing (fast_image_resize, Lanczos3) and EXIF orientation of pixel buffers.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;

use crate::decoded::Pixels;
use crate::error::RenderError;

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
