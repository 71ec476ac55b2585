//! Colour: the embedded ICC profile converted to sRGB (qcms, Firefox's colour management), so
//! outputs, which carry no profile, show the colours the source meant.

use qcms::{DataType, Intent, Profile, Transform};

use super::resize::Pixels;

/// A transform from the embedded profile to sRGB for RGB and RGBA data; `None` when the profile
/// does not parse, is not an RGB profile (a CMYK JPEG's, whose pixels the decoder has already
/// converted), or is sRGB already.
pub(crate) fn to_srgb_transform(icc: &[u8]) -> Option<(Transform, Transform)> {
    let input = Profile::new_from_slice(icc, false)?;
    if input.is_sRGB() {
        return None;
    }
    let srgb = Profile::new_sRGB();
    let rgb = Transform::new(&input, &srgb, DataType::RGB8, Intent::Perceptual)?;
    let rgba = Transform::new(&input, &srgb, DataType::RGBA8, Intent::Perceptual)?;
    Some((rgb, rgba))
}

/// Converts `pixels` in place.
pub(crate) fn apply(transforms: &(Transform, Transform), pixels: &mut Pixels) {
    let transform = if pixels.channels == 4 {
        &transforms.1
    } else {
        &transforms.0
    };
    transform.apply(&mut pixels.data);
}
