//! Builders of the files the integration tests feed the pipeline: PNG chunks, ICC profiles,
//! small JPEGs and PNGs, and ways to compare what came out.
#![allow(dead_code)] // each test binary uses its own part

use image::{ExtendedColorType, ImageEncoder, RgbImage};
use imaging::{Encoding, Limits, RejectionKind, RenderError, Target, render};

/// Generous limits for the tests: 64 MiB, and the pixels this crate's memory budget is
/// measured at.
pub fn limits() -> Limits {
    Limits::new(64 << 20, imaging::BUDGETED_PIXELS)
}

/// A PNG output fitting `w`x`h`.
pub fn png_spec(width: u32, height: u32) -> Target {
    Target {
        width,
        height,
        encoding: Encoding::Png,
    }
}

/// What `render` says of `bytes` with [`limits`]: `Ok(())` when it renders, or the kind of
/// rejection.
pub fn reason(bytes: &[u8]) -> Result<(), RejectionKind> {
    match render(bytes, &[png_spec(64, 64)], &limits()) {
        Ok(_) => Ok(()),
        Err(RenderError::Rejected(r)) => Err(r.kind()),
        Err(e @ RenderError::Internal { .. }) => panic!("an internal failure: {e}"),
    }
}

/// The one PNG rendition of `bytes`, which must render.
pub fn rendered(bytes: &[u8]) -> Vec<u8> {
    render(bytes, &[png_spec(64, 64)], &limits())
        .expect("renders")
        .outputs
        .remove(0)
        .bytes
}

/// `png` with a chunk inserted right after IHDR (8 bytes of signature, 25 of IHDR).
pub fn with_png_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    [&png[..33], &chunk, &png[33..]].concat()
}

/// An 8-bit grey PNG with a diagonal ramp.
pub fn grey_png(w: u32, h: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..w * h).map(|i| (i % 251) as u8).collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, w, h, ExtendedColorType::L8)
        .expect("encode");
    png
}

/// An iCCP chunk's data for `profile`.
pub fn iccp_of(profile: &[u8]) -> Vec<u8> {
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend_from_slice(&fdeflate::compress_to_vec(profile));
    iccp
}

/// A JPEG of `img` (quality 95), with a colour profile when given.
pub fn jpeg_of(img: &RgbImage, icc: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).expect("icc");
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode");
    out
}

fn s15(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

/// An ICC `XYZ ` tag.
pub fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
    [&b"XYZ \0\0\0\0"[..], &s15(x), &s15(y), &s15(z)].concat()
}

/// An ICC `curv` tag of gamma 2.2.
pub fn gamma_22() -> Vec<u8> {
    [&b"curv\0\0\0\0"[..], &1u32.to_be_bytes(), &[2, 0x33, 0, 0]].concat()
}

/// An ICC v2 display profile of colour space `space` (`RGB `, `GRAY`, ...) with `tags`.
pub fn icc_profile(space: &[u8; 4], tags: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let table_len = 4 + 12 * tags.len();
    let (mut table, mut data) = ((tags.len() as u32).to_be_bytes().to_vec(), Vec::new());
    for (sig, body) in tags {
        table.extend_from_slice(*sig);
        table.extend_from_slice(&((128 + table_len + data.len()) as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let mut header = vec![0u8; 128];
    header[0..4].copy_from_slice(&((128 + table.len() + data.len()) as u32).to_be_bytes());
    header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(space);
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    header[68..72].copy_from_slice(&s15(0.9642));
    header[72..76].copy_from_slice(&s15(1.0));
    header[76..80].copy_from_slice(&s15(0.8249));
    [header, table, data].concat()
}

/// The mean absolute difference of two encoded images, per channel value.
pub fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    let decode = |bytes: &[u8]| {
        image::load_from_memory(bytes)
            .expect("an output decodes")
            .into_rgb8()
    };
    let (a, b) = (decode(a), decode(b));
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Lambda limits resident memory; an address-space limit is a stricter stand-in: it counts
/// every mapping, touched or not. 1,200,000 KiB is what a 1 GB function leaves the process once
/// the runtime is counted, as the image-inputs issue measured.
pub const ADDRESS_SPACE_KIB: u64 = 1_200_000;

/// Runs the ignored test `child` of this test binary again, alone, under the address-space
/// limit (with `MALLOC_ARENA_MAX=2`, as a small function's allocator would), and fails unless
/// it passes. Without the limit a huge allocation would simply succeed here, untouched.
pub fn run_under_address_space_limit(child: &str) {
    let me = std::env::current_exe().expect("the test binary");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" --ignored --exact {child} --test-threads=1"
        ))
        .arg(me)
        .env("MALLOC_ARENA_MAX", "2")
        .status()
        .expect("runs the child");
    assert!(
        status.success(),
        "{child}, under a {ADDRESS_SPACE_KIB} KiB address-space limit, failed: {status}"
    );
}
