//! Colour: an embedded ICC profile converted to sRGB (qcms, Firefox's colour management), so
//! outputs, which carry no profile, show the colours the source meant.
//!
//! A profile is applied only to pixels of its own colour space: an RGB profile to RGB data, a
//! CMYK profile to a CMYK JPEG's inks. Grey images keep their grey values (their Gray profile
//! is not applied to the RGB expansion, which would turn them black). A profile that does not
//! parse, does not match, or makes qcms panic is ignored, with a note for the log.

use std::panic::{AssertUnwindSafe, catch_unwind};

use qcms::{DataType, Intent, Profile, Transform};

use crate::decoded::Pixels;

/// What decoded pixel values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorModel {
    /// RGB (or RGBA) samples.
    Rgb,
    /// Grey samples, expanded to RGB.
    Gray,
}

/// The colour space an ICC profile declares in its header (bytes 16..20).
fn declared_space(icc: &[u8]) -> Option<&[u8]> {
    icc.get(16..20)
}

fn space_name(space: Option<&[u8]>) -> String {
    space.map_or_else(
        || "a truncated".to_owned(),
        |s| format!("a {:?}", String::from_utf8_lossy(s).trim()),
    )
}

/// Runs qcms behind a panic boundary: a malformed profile is ignored, never fatal.
fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok().flatten()
}

/// Transforms from the profile to sRGB for RGB and RGBA data, when the profile is an RGB one
/// that parses and is not sRGB already.
pub(crate) fn to_srgb(
    icc: &[u8],
    model: ColorModel,
    notes: &mut Vec<String>,
) -> Option<(Transform, Transform)> {
    let space = declared_space(icc);
    match (model, space) {
        (ColorModel::Rgb, Some(b"RGB ")) => {}
        (ColorModel::Gray, Some(b"GRAY")) => return None,
        (model, space) => {
            notes.push(format!(
                "the embedded colour profile ({} profile) does not match the {} pixels: ignored",
                space_name(space),
                match model {
                    ColorModel::Rgb => "RGB",
                    ColorModel::Gray => "grey",
                }
            ));
            return None;
        }
    }
    let made = guarded(|| {
        let input = Profile::new_from_slice(icc, false)?;
        if input.is_sRGB() {
            return Some(None);
        }
        let srgb = Profile::new_sRGB();
        let rgb = Transform::new(&input, &srgb, DataType::RGB8, Intent::Perceptual)?;
        let rgba = Transform::new(&input, &srgb, DataType::RGBA8, Intent::Perceptual)?;
        Some(Some((rgb, rgba)))
    });
    match made {
        Some(transforms) => transforms,
        None => {
            notes.push("the embedded RGB colour profile does not parse: ignored".into());
            None
        }
    }
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

/// CMYK inks (0 = no ink, Adobe's inversion undone by the JPEG decoder) to RGB: through
/// the image's CMYK profile when it has one that works, else by the naive formula.
pub(crate) fn cmyk_to_rgb(cmyk: &[u8], icc: Option<&[u8]>, notes: &mut Vec<String>) -> Vec<u8> {
    if let Some(icc) = icc {
        if declared_space(icc) == Some(b"CMYK") {
            let converted = guarded(|| {
                let input = Profile::new_from_slice(icc, false)?;
                let srgb = Profile::new_sRGB();
                let t = Transform::new_to(
                    &input,
                    &srgb,
                    DataType::CMYK,
                    DataType::RGB8,
                    Intent::Perceptual,
                )?;
                let mut rgb = vec![0; cmyk.len() / 4 * 3];
                t.convert(cmyk, &mut rgb);
                Some(rgb)
            });
            match converted {
                Some(rgb) => return rgb,
                None => notes.push(
                    "the embedded CMYK colour profile does not parse: converted without it".into(),
                ),
            }
        } else {
            notes.push(format!(
                "the embedded colour profile ({} profile) does not match the CMYK pixels: ignored",
                space_name(declared_space(icc))
            ));
        }
    }
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let k = 255 - u32::from(px[3]);
        for &ink in &px[..3] {
            rgb.push(((255 - u32::from(ink)) * k / 255) as u8);
        }
    }
    rgb
}
