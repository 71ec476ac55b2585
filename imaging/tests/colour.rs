//! Colour profiles, compared by pixels against a decode without the profile: applied only to
//! pixels of their own colour space, ignored (with a note) when they do not match or do not
//! parse. Grey images with a Gray profile came out solid black before this was so.

mod common;

use common::*;
use image::{Luma, Rgb, RgbImage};
use imaging::render;

fn grey_jpeg(icc: Option<&[u8]>) -> Vec<u8> {
    let img = image::GrayImage::from_fn(64, 64, |x, y| Luma([((x + y) * 2) as u8]));
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).expect("icc");
    }
    enc.encode(img.as_raw(), 64, 64, jpeg_encoder::ColorType::Luma)
        .expect("encode");
    out
}

/// A grey display profile with a gamma-2.2 grey curve, as image editors embed.
fn gray_profile() -> Vec<u8> {
    icc_profile(
        b"GRAY",
        &[(b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"kTRC", gamma_22())],
    )
}

#[test]
fn grey_images_with_a_gray_profile_keep_their_grey_values() {
    let profile = gray_profile();
    let jpeg = (grey_jpeg(None), grey_jpeg(Some(&profile)));
    let png = grey_png(64, 64);
    let png = (
        png.clone(),
        with_png_chunk(&png, b"iCCP", &iccp_of(&profile)),
    );
    for (what, (plain, tagged)) in [("JPEG", jpeg), ("PNG", png)] {
        let d = mean_difference(&rendered(&plain), &rendered(&tagged));
        assert!(
            d < 2.0,
            "{what}: the Gray profile changed the pixels by {d:.1} on average"
        );
    }
}

#[test]
fn a_profile_of_another_colour_space_or_none_at_all_is_ignored_with_a_note() {
    // A CMYK profile's header on RGB data: applied, it would garble the colours.
    let mut cmyk = gray_profile();
    cmyk[16..20].copy_from_slice(b"CMYK");
    let img = RgbImage::from_pixel(32, 32, Rgb([200, 30, 30]));
    let plain = rendered(&jpeg_of(&img, None));
    let rendering =
        render(&jpeg_of(&img, Some(&cmyk)), &[png_spec(64, 64)], &limits()).expect("renders");
    assert!(
        rendering
            .notes
            .iter()
            .any(|n| n.contains("CMYK") && n.contains("ignored")),
        "{:?}",
        rendering.notes
    );
    let d = mean_difference(&plain, &rendering.outputs[0].bytes);
    assert!(
        d < 1.0,
        "the mismatched profile changed the pixels by {d:.1}"
    );
    // Bytes that are no profile at all.
    let d = mean_difference(&plain, &rendered(&jpeg_of(&img, Some(&[0xAB; 300]))));
    assert!(d < 1.0, "a junk profile changed the pixels by {d:.1}");
}

/// An RGB profile like sRGB but with the red and blue primaries swapped: a pixel stored as pure
/// red means sRGB blue, so converting to sRGB must turn it blue.
fn srgb_swapped_profile() -> Vec<u8> {
    let (red, green, blue) = (
        (0.4361, 0.2225, 0.0139),
        (0.3851, 0.7169, 0.0971),
        (0.1431, 0.0606, 0.7141),
    );
    icc_profile(
        b"RGB ",
        &[
            (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(blue.0, blue.1, blue.2)),
            (b"gXYZ", xyz(green.0, green.1, green.2)),
            (b"bXYZ", xyz(red.0, red.1, red.2)),
            (b"rTRC", gamma_22()),
            (b"gTRC", gamma_22()),
            (b"bTRC", gamma_22()),
        ],
    )
}

fn centre(png: &[u8]) -> Rgb<u8> {
    let img = image::load_from_memory(png).expect("decodes").into_rgb8();
    *img.get_pixel(img.width() / 2, img.height() / 2)
}

#[test]
fn an_rgb_profile_is_converted_to_srgb() {
    let red = RgbImage::from_pixel(16, 16, Rgb([255, 0, 0]));
    let px = centre(&rendered(&jpeg_of(&red, Some(&srgb_swapped_profile()))));
    assert!(
        px[2] > 180 && px[0] < 80,
        "stored red means blue in this profile, got {px:?}"
    );
    let px = centre(&rendered(&jpeg_of(&red, None)));
    assert!(
        px[0] > 180 && px[1] < 80 && px[2] < 80,
        "without a profile the pixels are sRGB already, got {px:?}"
    );
}

#[test]
fn cmyk_and_ycck_jpegs_keep_their_colours() {
    // Cyan, magenta, yellow and black blocks, written as CMYK and as YCCK.
    let (w, h) = (64u16, 16u16);
    let mut cmyk = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            let block: [u8; 4] = match x / 16 {
                0 => [255, 0, 0, 0],
                1 => [0, 255, 0, 0],
                2 => [0, 0, 255, 0],
                _ => [0, 0, 0, 255],
            };
            cmyk.extend_from_slice(&block);
        }
    }
    for kind in [
        jpeg_encoder::ColorType::Cmyk,
        jpeg_encoder::ColorType::CmykAsYcck,
    ] {
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 95)
            .encode(&cmyk, w, h, kind)
            .expect("encode");
        let out = render(&jpeg, &[png_spec(100, 100)], &limits()).expect("renders");
        let img = image::load_from_memory(&out.outputs[0].bytes)
            .expect("decodes")
            .into_rgb8();
        let at = |block: u32| *img.get_pixel(block * 16 + 8, 8);
        let (c, m, y, k) = (at(0), at(1), at(2), at(3));
        let near = |p: Rgb<u8>, want: [bool; 3]| {
            p.0.iter()
                .zip(want)
                .all(|(&v, high)| if high { v > 180 } else { v < 60 })
        };
        assert!(
            near(c, [false, true, true]),
            "{kind:?}: cyan came out {c:?}"
        );
        assert!(
            near(m, [true, false, true]),
            "{kind:?}: magenta came out {m:?}"
        );
        assert!(
            near(y, [true, true, false]),
            "{kind:?}: yellow came out {y:?}"
        );
        assert!(
            near(k, [false, false, false]),
            "{kind:?}: black came out {k:?}"
        );
    }
}

/// A CMYK output profile (Lab PCS, one 8-bit A2B0 lookup table on a 2-point grid) that maps
/// cyan ink, alone, to pure red: so a converted cyan block comes out red, and one converted
/// without the profile stays cyan.
fn cyan_is_red_profile() -> Vec<u8> {
    let mut lut = b"mft1\0\0\0\0".to_vec();
    lut.extend_from_slice(&[4, 3, 2, 0]); // 4 inputs, 3 outputs, 2 grid points
    for (i, j) in (0..3).flat_map(|i| (0..3).map(move |j| (i, j))) {
        let one: i32 = if i == j { 1 << 16 } else { 0 };
        lut.extend_from_slice(&one.to_be_bytes()); // identity matrix
    }
    for _ in 0..4 {
        lut.extend((0..=255).map(|v| v as u8)); // identity input curves
    }
    // The grid, C the slowest index: white without ink, black with K, red for C alone.
    for corner in 0..16u8 {
        let (c, m, y, k) = (
            corner >> 3 & 1,
            corner >> 2 & 1,
            corner >> 1 & 1,
            corner & 1,
        );
        let lab: [u8; 3] = match (c, m, y, k) {
            (_, _, _, 1) => [0, 128, 128],
            (0, 0, 0, 0) => [255, 128, 128],
            (1, 0, 0, 0) => [138, 209, 198],
            _ => [128, 128, 128],
        };
        lut.extend_from_slice(&lab);
    }
    for _ in 0..3 {
        lut.extend((0..=255).map(|v| v as u8)); // identity output curves
    }
    let mut profile = icc_profile(
        b"CMYK",
        &[(b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"A2B0", lut)],
    );
    profile[12..16].copy_from_slice(b"prtr");
    profile[20..24].copy_from_slice(b"Lab ");
    profile
}

#[test]
fn a_cmyk_jpeg_is_converted_through_its_cmyk_profile() {
    let (w, h) = (32u16, 16u16);
    let cyan: Vec<u8> = (0..w * h).flat_map(|_| [255, 0, 0, 0]).collect();
    let encode = |icc: Option<&[u8]>| {
        let mut jpeg = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 100);
        if let Some(icc) = icc {
            enc.add_icc_profile(icc).expect("icc");
        }
        enc.encode(&cyan, w, h, jpeg_encoder::ColorType::Cmyk)
            .expect("encode");
        jpeg
    };
    let px = centre(&rendered(&encode(Some(&cyan_is_red_profile()))));
    assert!(
        px[0] > 180 && px[1] < 90 && px[2] < 90,
        "through the profile, cyan ink is red: got {px:?}"
    );
    let px = centre(&rendered(&encode(None)));
    assert!(
        px[0] < 60 && px[1] > 180 && px[2] > 180,
        "without a profile, cyan ink is cyan: got {px:?}"
    );
}
