//! The pipeline on images the tests make: every EXIF orientation, CMYK and YCCK, 16-bit,
//! palette with alpha, animated GIF, truncated, empty, text, a lying header. Colour profiles
//! are in `tests/colour.rs`.

use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};

use super::*;
use RejectionKind::{Corrupt, NotAnImage, TooLarge, UnsupportedFormat};

const LIMITS: Limits = Limits {
    max_input_bytes: 64 << 20,
    max_pixels: 50_000_000,
    max_metadata_bytes: DEFAULT_MAX_METADATA_BYTES,
    max_jpeg_scans: DEFAULT_MAX_JPEG_SCANS,
};

fn png_spec(_name: &str, width: u32, height: u32) -> Target {
    Target {
        width,
        height,
        encoding: Encoding::Png,
    }
}

fn jpeg_spec(_name: &str, width: u32, height: u32) -> Target {
    Target {
        width,
        height,
        encoding: Encoding::Jpeg { quality: 90 },
    }
}

fn webp_spec(width: u32, height: u32) -> Target {
    Target {
        width,
        height,
        encoding: Encoding::WebPLossless,
    }
}

/// A 60x40 image, blue, with a red 20x20 block in its top-left corner.
fn marked() -> RgbImage {
    RgbImage::from_fn(60, 40, |x, y| {
        if x < 20 && y < 20 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

fn jpeg_of(img: &RgbImage, app_segments: &[(u8, Vec<u8>)], icc: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    for (nr, data) in app_segments {
        enc.add_app_segment(*nr, data.clone()).expect("app segment");
    }
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

/// An EXIF APP1 payload holding only the orientation tag.
fn exif_orientation(o: u16) -> Vec<u8> {
    let mut v = b"Exif\0\0".to_vec();
    v.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD at 8
    v.extend_from_slice(&1u16.to_be_bytes()); // one entry
    v.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    v.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    v.extend_from_slice(&1u32.to_be_bytes()); // count
    v.extend_from_slice(&o.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    v
}

fn decode_output(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes)
        .expect("the output decodes")
        .into_rgb8()
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

fn render_one(bytes: &[u8], spec: Target) -> Result<Rendered, RenderError> {
    render(bytes, &[spec], &LIMITS).map(|mut r| r.outputs.remove(0))
}

/// The rejection of `bytes` under `limits` (panics when it renders or fails internally).
fn rejection(bytes: &[u8], limits: &Limits, what: &str) -> Rejection {
    match render(bytes, &[png_spec("x", 10, 10)], limits) {
        Err(RenderError::Rejected(r)) => r,
        Err(e) => panic!("{what}: an internal failure instead of a rejection: {e}"),
        Ok(_) => panic!("{what}: rendered instead of rejected"),
    }
}

/// The JPEG's marker segments before the first scan.
fn markers_before_scan(jpeg: &[u8]) -> Vec<u8> {
    let mut at = 2;
    let mut markers = Vec::new();
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        markers.push(jpeg[at + 1]);
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}

#[test]
fn every_exif_orientation_is_applied() {
    // Where the stored top-left corner must appear once the image is upright.
    let expected = [
        (1, (false, false)),
        (2, (true, false)),
        (3, (true, true)),
        (4, (false, true)),
        (5, (false, false)),
        (6, (true, false)),
        (7, (true, true)),
        (8, (false, true)),
    ];
    for (o, (right, bottom)) in expected {
        let jpeg = jpeg_of(&marked(), &[(1, exif_orientation(o))], None);
        let out = render_one(&jpeg, png_spec("o", 1000, 1000)).expect("renders");
        let swapped = o >= 5;
        assert_eq!(
            (out.width, out.height),
            if swapped { (40, 60) } else { (60, 40) },
            "orientation {o}"
        );
        let img = decode_output(&out.bytes);
        let x = if right { img.width() - 5 } else { 5 };
        let y = if bottom { img.height() - 5 } else { 5 };
        assert!(
            is_red(img.get_pixel(x, y)),
            "orientation {o}: the marked corner should be at ({x},{y})"
        );
        let (ox, oy) = (img.width() - 1 - x, img.height() - 1 - y);
        assert!(
            !is_red(img.get_pixel(ox, oy)),
            "orientation {o}: opposite corner"
        );
    }
}

#[test]
fn outputs_carry_no_metadata() {
    // Any APP2 ICC_PROFILE payload: what matters is that none reaches the output.
    let icc = b"an embedded profile".repeat(10);
    let jpeg = jpeg_of(
        &marked(),
        &[(1, exif_orientation(6)), (13, b"Photoshop 3.0\0".to_vec())],
        Some(&icc),
    );
    assert!(
        markers_before_scan(&jpeg).contains(&0xE1),
        "the input has EXIF"
    );
    let out = render_one(&jpeg, jpeg_spec("m", 30, 30)).expect("renders");
    let markers = markers_before_scan(&out.bytes);
    for app in 0xE1..=0xEF {
        assert!(
            !markers.contains(&app),
            "APP{} in the output: {markers:x?}",
            app - 0xE0
        );
    }
}

#[test]
fn renditions_fit_the_box_keep_the_aspect_and_never_upscale() {
    assert_eq!(fit(4000, 3000, 1920, 1920), (1920, 1440));
    assert_eq!(fit(4000, 3000, 200, 200), (200, 150));
    assert_eq!(fit(3000, 4000, 800, 800), (600, 800));
    assert_eq!(fit(100, 50, 200, 200), (100, 50), "never upscaled");
    assert_eq!(fit(10_000, 1, 100, 100), (100, 1), "at least one pixel");

    let big = RgbImage::from_fn(400, 300, |x, _| Rgb([(x % 256) as u8, 0, 0]));
    let jpeg = jpeg_of(&big, &[], None);
    let specs = [
        Target {
            encoding: Encoding::Jpeg { quality: 82 },
            ..jpeg_spec("thumb", 50, 50)
        },
        png_spec("large", 192, 192),
        webp_spec(80, 80),
        Target {
            encoding: Encoding::Jpeg { quality: 82 },
            ..jpeg_spec("huge", 1000, 1000)
        },
        Target {
            encoding: Encoding::WebP { quality: 80 },
            ..jpeg_spec("lossy", 120, 120)
        },
    ];
    let r = render(&jpeg, &specs, &LIMITS).expect("renders");
    let sizes: Vec<(u32, u32)> = r.outputs.iter().map(|o| (o.width, o.height)).collect();
    assert_eq!(
        sizes,
        [(50, 38), (192, 144), (80, 60), (400, 300), (120, 90)],
        "in the order asked"
    );
    assert_eq!((r.source_width, r.source_height), (400, 300));
    for (out, target) in r.outputs.iter().zip(&specs) {
        let decoded = image::load_from_memory(&out.bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (out.width, out.height));
        let format = image::guess_format(&out.bytes).expect("known format");
        let expected = match target.encoding {
            Encoding::Jpeg { .. } => image::ImageFormat::Jpeg,
            Encoding::Png => image::ImageFormat::Png,
            Encoding::WebPLossless | Encoding::WebP { .. } => image::ImageFormat::WebP,
            Encoding::Avif { .. } => unreachable!("no AVIF among these targets"),
        };
        assert_eq!(format, expected);
    }
}

#[test]
fn sixteen_bit_png_is_converted() {
    let mut data = Vec::new();
    for _ in 0..(32 * 32) {
        for v in [65535u16, 32768, 0] {
            data.extend_from_slice(&v.to_ne_bytes());
        }
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&data, 32, 32, ExtendedColorType::Rgb16)
        .expect("encode");
    let out = render_one(&png, png_spec("p", 16, 16)).expect("renders");
    let px = *decode_output(&out.bytes).get_pixel(8, 8);
    assert_eq!(px[0], 255);
    assert!((127..=129).contains(&px[1]), "{px:?}");
    assert_eq!(px[2], 0);
}

#[test]
fn palette_png_with_alpha_is_flattened_on_white_for_jpeg_and_kept_for_png() {
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 16, 16);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(vec![255, 0, 0, 0, 0, 255]);
        enc.set_trns(vec![0, 255]); // red fully transparent, blue opaque
        let mut w = enc.write_header().expect("header");
        let indices: Vec<u8> = (0..256).map(|i| u8::from((i % 16) >= 8)).collect();
        w.write_image_data(&indices).expect("data");
    }
    let specs = [
        Target {
            encoding: Encoding::Jpeg { quality: 95 },
            ..jpeg_spec("j", 16, 16)
        },
        png_spec("p", 16, 16),
    ];
    let r = render(&png, &specs, &LIMITS).expect("renders");
    let jpeg = decode_output(&r.outputs[0].bytes);
    let left = jpeg.get_pixel(2, 8);
    assert!(
        left.0.iter().all(|&c| c > 240),
        "transparent became white, got {left:?}"
    );
    let right = jpeg.get_pixel(13, 8);
    assert!(
        right[2] > 200 && right[0] < 60,
        "opaque blue stays blue, got {right:?}"
    );
    let rgba = image::load_from_memory(&r.outputs[1].bytes)
        .expect("decodes")
        .into_rgba8();
    assert_eq!(rgba.get_pixel(2, 8)[3], 0, "PNG keeps the alpha");
    assert_eq!(rgba.get_pixel(13, 8)[3], 255);
}

#[test]
fn an_animated_gif_renders_its_first_frame() {
    let mut gif = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut gif);
        enc.set_repeat(image::codecs::gif::Repeat::Infinite)
            .expect("repeat");
        for color in [[0u8, 200, 0, 255], [200, 0, 0, 255]] {
            let frame = image::RgbaImage::from_pixel(20, 20, image::Rgba(color));
            enc.encode_frame(image::Frame::new(frame)).expect("frame");
        }
    }
    let out = render_one(&gif, png_spec("g", 10, 10)).expect("renders");
    let px = *decode_output(&out.bytes).get_pixel(5, 5);
    assert!(
        px[1] > 150 && px[0] < 50,
        "the first (green) frame, got {px:?}"
    );
}

#[test]
fn webp_input_is_decoded() {
    let img = marked();
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .write_image(img.as_raw(), 60, 40, ExtendedColorType::Rgb8)
        .expect("encode");
    let out = render_one(&webp, png_spec("w", 30, 30)).expect("renders");
    assert_eq!((out.width, out.height), (30, 20));
    assert_eq!(
        render(&webp, &[png_spec("w", 30, 30)], &LIMITS)
            .expect("renders")
            .source_format,
        SourceFormat::WebP
    );
}

#[test]
fn bad_inputs_are_rejected_with_their_kind() {
    let jpeg = jpeg_of(&marked(), &[], None);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(marked().as_raw(), 60, 40, ExtendedColorType::Rgb8)
        .expect("encode");
    let cases: Vec<(&str, Vec<u8>, Result<(), RejectionKind>)> = vec![
        ("zero bytes", vec![], Err(NotAnImage)),
        (
            "text named .jpg",
            b"this is not a picture, despite photo.jpg".to_vec(),
            Err(NotAnImage),
        ),
        (
            "truncated JPEG",
            jpeg[..jpeg.len() * 6 / 10].to_vec(),
            Err(Corrupt),
        ),
        (
            "JPEG without its last bytes",
            jpeg[..jpeg.len() - 2].to_vec(),
            Err(Corrupt),
        ),
        (
            "truncated PNG",
            png[..png.len() - 20].to_vec(),
            Err(Corrupt),
        ),
        ("JPEG header only", jpeg[..200].to_vec(), Err(Corrupt)),
        (
            "garbage after a JPEG signature",
            [&[0xFF, 0xD8, 0xFF][..], &[0x42; 500]].concat(),
            Err(Corrupt),
        ),
        (
            "TIFF",
            b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            Err(UnsupportedFormat),
        ),
        (
            "HEIC",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            Err(UnsupportedFormat),
        ),
        (
            "a header claiming 100000x100000",
            png_claiming(100_000, 100_000),
            Err(TooLarge),
        ),
    ];
    for (what, bytes, reason) in cases {
        let err = rejection(&bytes, &LIMITS, what);
        assert_eq!(Err(err.kind()), reason, "{what}: {err}");
        assert!(!err.to_string().is_empty());
    }
    let limits = Limits {
        max_pixels: 2_399,
        ..LIMITS
    };
    let err = rejection(&jpeg, &limits, "60x40 is over 2399 pixels");
    assert_eq!(err.kind(), RejectionKind::TooLarge);
    assert!(err.to_string().contains("limit of 2399 pixels"), "{err}");
    let limits = Limits {
        max_input_bytes: 100,
        ..LIMITS
    };
    let err = rejection(&jpeg, &limits, "over 100 bytes");
    assert_eq!(err.kind(), RejectionKind::TooLarge);
}

/// A complete PNG whose header claims `w`x`h` with one byte of image data.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[test]
fn a_jpeg_decoded_at_a_smaller_scale_keeps_its_geometry_and_orientation() {
    // 1600x1200, red on the left half: decoded at 1/8 for a 100x100 box, then turned by EXIF 6.
    let img = RgbImage::from_fn(1600, 1200, |x, _| {
        if x < 800 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let jpeg = jpeg_of(&img, &[(1, exif_orientation(6))], None);
    let r = render(&jpeg, &[png_spec("t", 100, 100)], &LIMITS).expect("renders");
    assert_eq!(
        (r.source_width, r.source_height),
        (1200, 1600),
        "the source's own size, upright"
    );
    let out = &r.outputs[0];
    assert_eq!((out.width, out.height), (75, 100));
    let px = decode_output(&out.bytes);
    // Rotated 90° clockwise: the stored left half is now the top half.
    assert!(is_red(px.get_pixel(37, 10)), "{:?}", px.get_pixel(37, 10));
    assert!(px.get_pixel(37, 90)[2] > 180, "{:?}", px.get_pixel(37, 90));
}

/// A still WebP of `img` (lossy, libwebp) in an extended (VP8X) container, with `exif` when
/// given, so that the chunks libwebp and the walk read are the ones a camera app writes.
fn lossy_webp(img: &image::DynamicImage, exif: Option<Vec<u8>>) -> Vec<u8> {
    let channels = if img.color().has_alpha() { 4 } else { 3 };
    let raw = if channels == 4 {
        img.to_rgba8().into_raw()
    } else {
        img.to_rgb8().into_raw()
    };
    let simple =
        crate::webp::encode_lossy(&raw, img.width(), img.height(), channels, 90).expect("encodes");
    // The simple file's chunks, after "RIFF" size "WEBP": VP8 (and ALPH/VP8X with alpha).
    let mut chunks = simple[12..].to_vec();
    if &chunks[..4] == b"VP8X" {
        chunks.drain(..18); // libwebp's own VP8X: rebuilt below with the EXIF flag
    }
    let mut body = b"WEBP".to_vec();
    let flags = if channels == 4 { 0x10 } else { 0 } | if exif.is_some() { 0x08 } else { 0 };
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[flags, 0, 0, 0]);
    body.extend_from_slice(&(img.width() - 1).to_le_bytes()[..3]);
    body.extend_from_slice(&(img.height() - 1).to_le_bytes()[..3]);
    body.extend_from_slice(&chunks);
    if let Some(exif) = exif {
        body.extend_from_slice(b"EXIF");
        body.extend_from_slice(&(exif.len() as u32).to_le_bytes());
        body.extend_from_slice(&exif);
        if exif.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// 1600x1200, red on the left half, blue on the right.
fn halves() -> RgbImage {
    RgbImage::from_fn(1600, 1200, |x, _| {
        if x < 800 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

#[test]
fn a_lossy_webp_is_decoded_by_libwebp_at_the_largest_renditions_size() {
    let webp = lossy_webp(&halves().into(), Some(exif_orientation(6)));
    let wanted = |w: u32, h: u32, o: Orientation| {
        assert_eq!((w, h, o), (1600, 1200, Orientation::Rotate90));
        (200, 150)
    };
    let framing = framing::walk(SourceFormat::WebP, &webp, &LIMITS).expect("walks");
    let decoded = crate::webp::decode(&webp, &framing, &wanted).expect("decodes");
    assert_eq!(
        (
            decoded.pixels.width,
            decoded.pixels.height,
            decoded.pixels.channels
        ),
        (200, 150, 3),
        "scaled on decode, the full size never made"
    );
    assert_eq!((decoded.full_width, decoded.full_height), (1600, 1200));

    // Through the pipeline: the size, the EXIF orientation of the WebP's EXIF chunk, colours.
    let r = render(
        &webp,
        &[png_spec("t", 100, 100), jpeg_spec("s", 40, 40)],
        &LIMITS,
    )
    .expect("renders");
    assert_eq!((r.source_width, r.source_height), (1200, 1600));
    assert_eq!((r.outputs[0].width, r.outputs[0].height), (75, 100));
    assert_eq!((r.outputs[1].width, r.outputs[1].height), (30, 40));
    let px = decode_output(&r.outputs[0].bytes);
    // Turned 90° clockwise: the stored left half is now the top half.
    assert!(is_red(px.get_pixel(37, 10)), "{:?}", px.get_pixel(37, 10));
    assert!(px.get_pixel(37, 90)[2] > 180, "{:?}", px.get_pixel(37, 90));
}

#[test]
fn a_lossy_webp_with_alpha_is_decoded_at_full_size_and_keeps_its_alpha() {
    let img = image::RgbaImage::from_fn(400, 200, |x, _| {
        if x < 200 {
            image::Rgba([0, 200, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let webp = lossy_webp(&img.into(), None);
    let framing = framing::walk(SourceFormat::WebP, &webp, &LIMITS).expect("walks");
    let decoded = crate::webp::decode(&webp, &framing, &|_, _, _| (100, 50)).expect("decodes");
    assert_eq!(
        (decoded.pixels.width, decoded.pixels.channels),
        (400, 4),
        "full size: the resize weighs colours by alpha, libwebp's rescaler would not"
    );
    let out = render_one(&webp, png_spec("a", 100, 100)).expect("renders");
    let png = image::load_from_memory(&out.bytes)
        .expect("decodes")
        .into_rgba8();
    assert_eq!(png.dimensions(), (100, 50));
    assert_eq!(png.get_pixel(10, 25)[3], 255);
    assert!(
        png.get_pixel(10, 25)[1] > 150,
        "{:?}",
        png.get_pixel(10, 25)
    );
    assert_eq!(png.get_pixel(90, 25)[3], 0, "transparent stays transparent");
}

#[test]
fn a_webp_whose_bitstream_disagrees_with_its_canvas_is_corrupt() {
    let mut webp = lossy_webp(&marked().into(), None);
    // The VP8X canvas says 61 wide where the VP8 bitstream says 60.
    webp[24] = 60;
    let r = rejection(&webp, &LIMITS, "a lying canvas");
    assert_eq!(r.kind(), Corrupt, "{r}");
}

/// An AVIF's `ispe` box (the image's size) and whether it has an alpha auxiliary image. No AV1
/// decoder is among the kept crates: pixels are compared by `bench/run` (PSNR, through libvips)
/// and across architectures byte for byte (`scripts/check-arm64`).
#[cfg(feature = "avif")]
fn avif_facts(avif: &[u8]) -> ((u32, u32), bool) {
    assert_eq!(&avif[4..12], b"ftypavif", "an AVIF file");
    let at = avif
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("an ispe box")
        + 8;
    let be = |i: usize| u32::from_be_bytes(avif[i..i + 4].try_into().expect("4 bytes"));
    let alpha = avif
        .windows(43)
        .any(|w| w == b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha");
    ((be(at), be(at + 4)), alpha)
}

#[test]
#[cfg(feature = "avif")]
fn avif_outputs_have_their_size_keep_alpha_and_take_the_quality() {
    let avif = |q: u8| Target {
        width: 300,
        height: 300,
        encoding: Encoding::Avif { quality: q },
    };
    let photo = lossy_webp(&halves().into(), None);
    let low = render_one(&photo, avif(20)).expect("renders");
    let high = render_one(&photo, avif(90)).expect("renders");
    assert_eq!((high.width, high.height), (300, 225));
    assert_eq!(
        avif_facts(&high.bytes),
        ((300, 225), false),
        "opaque: no alpha"
    );
    assert!(
        low.bytes.len() < high.bytes.len(),
        "the quality reaches rav1e"
    );

    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            &[0u8, 0, 255, 255, 0, 0, 0, 0].repeat(50 * 40),
            100,
            40,
            ExtendedColorType::Rgba8,
        )
        .expect("encode");
    let out = render_one(&png, avif(60)).expect("renders");
    assert_eq!(avif_facts(&out.bytes), ((100, 40), true), "alpha kept");

    // AVIF inputs stay unsupported, this crate's own outputs included.
    let r = rejection(&high.bytes, &LIMITS, "an AVIF input");
    assert_eq!(r.kind(), UnsupportedFormat, "{r}");
}

#[test]
#[cfg(feature = "avif")]
fn a_panic_in_the_avif_encoder_is_internal_and_named() {
    // rav1e's builder asserts its quality range: the pipeline was asked for what it cannot do.
    let err = render_one(
        &jpeg_of(&marked(), &[], None),
        Target {
            width: 10,
            height: 10,
            encoding: Encoding::Avif { quality: 0 },
        },
    )
    .expect_err("quality 0 is outside rav1e's range");
    assert!(matches!(err, RenderError::Internal { .. }), "{err}");
    assert!(err.to_string().contains("AVIF encoder panicked"), "{err}");
}
