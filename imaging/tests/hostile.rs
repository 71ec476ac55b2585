//! The inputs of the image-inputs issue, each as it was reported: before the framing walk and
//! the colour fix, the WebP aborted the process (under a memory limit: `memory allocation of
//! 4294967280 bytes failed`), and the PNG took 600 MB. The memory
//! budget is proven by re-running this binary under an address-space limit.

mod common;

use common::{grey_png, limits, png_spec, reason, with_png_chunk};
use image::{ExtendedColorType, ImageEncoder};
use imaging::RejectionKind::{Corrupt, TooLarge};
use imaging::{Encoding, Target};

/// A lossless 64x64 WebP in the extended format (VP8X + VP8L), `extra` appended as one more
/// chunk inside the RIFF container; the RIFF size counts the bytes there are, or is `riff`.
fn webp_with(extra: &[u8], size: Option<u32>) -> Vec<u8> {
    let pixels = vec![200u8; 64 * 64 * 3];
    let mut simple = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut simple)
        .write_image(&pixels, 64, 64, ExtendedColorType::Rgb8)
        .expect("encode");
    let vp8l = &simple[12..]; // the VP8L chunk of the simple format
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    let flags = if extra.is_empty() { 0 } else { 0x08 }; // the EXIF flag
    body.extend_from_slice(&[flags, 0, 0, 0, 63, 0, 0, 63, 0, 0]); // 64x64
    body.extend_from_slice(vp8l);
    body.extend_from_slice(extra);
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&(size.unwrap_or(body.len() as u32)).to_le_bytes());
    riff.extend_from_slice(&body);
    riff
}

#[test]
fn a_webp_whose_exif_chunk_declares_4_gib_is_corrupt_not_an_abort() {
    assert_eq!(
        reason(&webp_with(&[], None)),
        Ok(()),
        "the file without the chunk"
    );
    for kind in [b"EXIF", b"ICCP"] {
        let mut hostile = kind.to_vec();
        hostile.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        // The RIFF size counting the bytes there are, and one that backs the chunk's claim.
        for size in [Some(u32::MAX), None] {
            let bytes = webp_with(&hostile, size);
            assert!(bytes.len() < 200, "the reproduction is a small file");
            let kind = String::from_utf8_lossy(kind);
            assert_eq!(reason(&bytes), Err(Corrupt), "{kind}, RIFF size {size:?}");
        }
    }
}

/// A zlib stream of `len` zero bytes, written in pieces (the test never holds `len` bytes).
fn zeros_compressed(len: usize) -> Vec<u8> {
    let mut c = fdeflate::Compressor::new(Vec::new()).expect("compressor");
    let piece = vec![0u8; 1 << 20];
    for _ in 0..len / piece.len() {
        c.write_data(&piece).expect("compress");
    }
    c.finish().expect("finish")
}

#[test]
fn a_png_whose_profile_inflates_to_300_mib_is_too_large_before_inflating_it() {
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend_from_slice(&zeros_compressed(300 << 20));
    let bytes = with_png_chunk(&grey_png(640, 480), b"iCCP", &iccp);
    assert_eq!(reason(&bytes), Err(TooLarge));
}

/// A 16-bit RGBA PNG of `w`x`h` (8 bytes a pixel once decoded: the costliest input per pixel).
fn rgba16_png(w: u32, h: u32) -> Vec<u8> {
    let row: Vec<u8> = (0..w)
        .flat_map(|x| {
            let v = ((x * 37) % 65536) as u16;
            [
                v.to_be_bytes(),
                v.to_be_bytes(),
                0u16.to_be_bytes(),
                0xFFFFu16.to_be_bytes(),
            ]
            .concat()
        })
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Sixteen);
    enc.set_compression(png::Compression::Fastest);
    let mut writer = enc.write_header().expect("header");
    let mut stream = writer.stream_writer().expect("stream");
    for _ in 0..h {
        std::io::Write::write_all(&mut stream, &row).expect("row");
    }
    stream.finish().expect("finish");
    writer.finish().expect("finish");
    out
}

#[test]
#[ignore = "run by the_memory_budget_holds_under_an_address_space_limit, under that limit"]
fn budget_child() {
    // The hostile inputs are refused without allocating what they declare.
    let mut exif = b"EXIF".to_vec();
    exif.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert_eq!(reason(&webp_with(&exif, Some(u32::MAX))), Err(Corrupt));
    assert_eq!(reason(&webp_with(&exif, None)), Err(Corrupt));
    let mut iccp = b"icc\0\0".to_vec();
    iccp.extend_from_slice(&zeros_compressed(300 << 20));
    assert_eq!(
        reason(&with_png_chunk(&grey_png(640, 480), b"iCCP", &iccp)),
        Err(TooLarge)
    );
    // The costliest admissible inputs, at the default pixel limit, render within the budget
    // the README states, by peak resident memory: the input's bytes (already in memory) plus
    // everything rendering it takes. The peak is reset once the input is made.
    let side = (imaging::BUDGETED_PIXELS as f64).sqrt() as u32;
    for (what, input) in [
        (
            "a 16-bit RGBA PNG (and an AVIF of it)",
            rgba16_png(side, side),
        ),
        ("a progressive 4:4:4 JPEG", progressive_444_jpeg(side, side)),
        // libwebp's costliest still image per pixel: VP8L holds the whole image as ARGB while
        // decoding, and with alpha it is decoded at full size (without alpha, scaled on decode).
        ("a lossless RGBA WebP", lossless_rgba_webp(side, side)),
    ] {
        std::fs::write("/proc/self/clear_refs", "5").expect("resets the peak (Linux 4.0+)");
        if what.contains("PNG") {
            // The costliest input also to an AVIF at its box cap: its decoded RGBA stays while
            // rav1e encodes.
            let avif = Target {
                width: imaging::BUDGETED_AVIF_SIDE,
                height: imaging::BUDGETED_AVIF_SIDE,
                encoding: Encoding::Avif { quality: 60 },
            };
            let r = imaging::render(&input, &[png_spec(64, 64), avif], &limits()).expect(what);
            assert_eq!(r.outputs[1].width, imaging::BUDGETED_AVIF_SIDE);
            assert_eq!(&r.outputs[1].bytes[4..12], b"ftypavif");
        } else {
            assert_eq!(reason(&input), Ok(()), "{what}");
        }
        let peak = peak_resident_mib();
        eprintln!("{what} of {side}x{side}: peak resident memory {peak} MiB");
        assert!(
            peak <= BUDGET_MIB,
            "{what}: peak resident memory {peak} MiB, over {BUDGET_MIB} MiB"
        );
        drop(input);
    }
}

/// A lossless WebP with alpha (VP8L), a gradient with a varying alpha.
fn lossless_rgba_webp(w: u32, h: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(w as usize * h as usize * 4);
    for y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 90, (x / 32 % 256) as u8]);
        }
    }
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(&pixels, w, h, ExtendedColorType::Rgba8)
        .expect("encode");
    out
}

/// A progressive JPEG without chroma subsampling (libjpeg then holds every coefficient of the
/// image while decoding: the costliest JPEG per pixel), written row by row.
fn progressive_444_jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_size(w as usize, h as usize);
    c.set_quality(90.0);
    c.set_progressive_mode();
    c.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
    let mut started = c.start_compress(Vec::new()).expect("starts");
    let mut row = vec![0u8; w as usize * 3];
    for y in 0..h {
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            px.copy_from_slice(&[
                (x % 256) as u8,
                (y % 256) as u8,
                ((x + y as usize) % 256) as u8,
            ]);
        }
        started.write_scanlines(&row).expect("a row");
    }
    started.finish().expect("finishes")
}

/// The README's memory budget for one input within the default limits.
const BUDGET_MIB: u64 = 600;

/// This process's peak resident memory (VmHWM), in MiB.
fn peak_resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib / 1024)
        .expect("VmHWM")
}

#[test]
fn the_memory_budget_holds_under_an_address_space_limit() {
    common::run_under_address_space_limit("budget_child");
}

fn sample_photo() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/images/sample.jpg");
    std::fs::read(path).expect("the sample photo")
}

/// The sample photo re-encoded progressive (10 scans, as libjpeg writes them).
fn progressive(jpeg: &[u8]) -> Vec<u8> {
    let img = image::load_from_memory(jpeg).expect("decodes").into_rgb8();
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_size(img.width() as usize, img.height() as usize);
    c.set_quality(85.0);
    c.set_progressive_mode();
    let mut started = c.start_compress(Vec::new()).expect("starts");
    started.write_scanlines(img.as_raw()).expect("writes");
    started.finish().expect("finishes")
}

#[test]
fn a_truncated_jpeg_is_corrupt_even_with_an_end_marker_appended() {
    for (what, jpeg) in [
        ("baseline", sample_photo()),
        ("progressive", progressive(&sample_photo())),
    ] {
        assert_eq!(reason(&jpeg), Ok(()), "{what}: the whole file");
        let cut = &jpeg[..jpeg.len() * 6 / 10];
        assert_eq!(reason(cut), Err(Corrupt), "{what}: cut at 60%");
        let mended = [cut, &[0xFF, 0xD9]].concat();
        assert_eq!(
            reason(&mended),
            Err(Corrupt),
            "{what}: cut at 60%, FF D9 appended"
        );
    }
}

#[test]
fn a_png_that_panics_its_decoder_is_corrupt() {
    // Found by the render fuzz target: a palette PNG whose PLTE is cut short makes png 0.18.1
    // panic ("range end index 3 out of range for slice of length 2").
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/render/png-decoder-panic-palette"
    );
    let bytes = std::fs::read(path).expect("the kept input");
    match imaging::render(&bytes, &[png_spec(64, 64)], &limits()) {
        Err(imaging::RenderError::Rejected(r)) => {
            assert_eq!(r.kind(), Corrupt, "{r}");
            assert!(r.to_string().contains("decoder failed"), "{r}");
            assert!(r.to_string().contains("out of range"), "{r}");
        }
        other => panic!("expected rejected/corrupt, got {other:?}"),
    }
}

#[test]
fn png_image_data_and_gif_frames_cut_short_are_corrupt() {
    // Each cut inside the image data, the file then closed properly (fuzz/make-seeds makes them):
    // the deflate stream cut, a complete stream of half the rows, a GIF frame's LZW data cut
    // to a third with its sub-block chain and the trailer intact.
    for name in [
        "hostile-idat-cut.png",
        "hostile-idat-short.png",
        "hostile-frame-cut.gif",
    ] {
        let path = format!(
            "{}/../fuzz/corpus/render/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).expect("a kept input");
        assert_eq!(reason(&bytes), Err(Corrupt), "{name}");
    }
}
