//! The walk on hand-made files: every declared length past the data is `corrupt`, every
//! declared size over a limit `too-large`, before anything is allocated for it.

use super::*;
use crate::RejectionKind::{self, Corrupt, TooLarge};

const LIMITS: Limits = Limits {
    max_input_bytes: 1 << 26,
    max_pixels: 1_000_000,
    max_metadata_bytes: 1 << 20,
    max_jpeg_scans: 3,
};

/// What the walk says of `bytes`: `Ok(())`, or the kind of rejection.
fn reason(format: SourceFormat, bytes: &[u8]) -> Result<(), RejectionKind> {
    walk(format, bytes, &LIMITS)
        .map(|_| ())
        .map_err(|e| e.kind())
}

/// SOI, an APP0 segment, a frame header (`w`x`h`), `scans` scans of two bytes of data, EOI.
fn jpeg(w: u16, h: u16, scans: usize) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2];
    j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
    j.extend_from_slice(&h.to_be_bytes());
    j.extend_from_slice(&w.to_be_bytes());
    j.extend_from_slice(&[1, 1, 0x11, 0]);
    for _ in 0..scans {
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2, 7, 0xFF, 0x00, 0xFF, 0xD3, 7]);
    }
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

#[test]
fn jpeg_framing() {
    let good = jpeg(100, 50, 1);
    assert_eq!(
        walk(SourceFormat::Jpeg, &good, &LIMITS),
        Ok(Framing {
            width: 100,
            height: 50,
            ..Framing::default()
        })
    );
    assert_eq!(
        reason(SourceFormat::Jpeg, &good[..good.len() - 2]),
        Err(Corrupt)
    );
    assert_eq!(reason(SourceFormat::Jpeg, &good[..12]), Err(Corrupt));
    assert_eq!(
        reason(SourceFormat::Jpeg, &jpeg(2000, 1000, 1)),
        Err(TooLarge)
    );
    assert_eq!(reason(SourceFormat::Jpeg, &jpeg(100, 50, 3)), Ok(()));
    assert_eq!(reason(SourceFormat::Jpeg, &jpeg(100, 50, 4)), Err(TooLarge));
    // An EXIF thumbnail's EOI inside APP1 does not end the file.
    let mut thumb = vec![0xFF, 0xD8, 0xFF, 0xE1, 0, 4, 0xFF, 0xD9];
    thumb.extend_from_slice(&good[2..good.len() - 2]);
    assert_eq!(reason(SourceFormat::Jpeg, &thumb), Err(Corrupt));
    // A segment that declares more than the file holds.
    let mut long = good[..4].to_vec();
    long.extend_from_slice(&[0xFF, 0xF0]);
    assert_eq!(reason(SourceFormat::Jpeg, &long), Err(Corrupt));
    // A colour profile of 2 MiB across APP2 segments.
    let mut icc = vec![0xFF, 0xD8];
    for _ in 0..33 {
        icc.extend_from_slice(&[0xFF, 0xE2, 0xFF, 0xFF]);
        icc.extend_from_slice(b"ICC_PROFILE\0\x01\x01");
        icc.resize(icc.len() + 65535 - 16, 0);
    }
    icc.extend_from_slice(&good[8..]);
    assert_eq!(reason(SourceFormat::Jpeg, &icc), Err(TooLarge));
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&[0; 4]); // the walk does not check CRCs; the decoder does
}

fn png(w: u32, h: u32, extra: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut p, b"IHDR", &ihdr);
    for (kind, data) in extra {
        png_chunk(&mut p, kind, data);
    }
    png_chunk(&mut p, b"IDAT", &[0x78, 0x9c, 0x03, 0, 0, 0, 0, 1]);
    png_chunk(&mut p, b"IEND", &[]);
    p
}

/// An iCCP chunk whose profile inflates to `size` zero bytes.
fn iccp_inflating_to(size: usize) -> Vec<u8> {
    let mut data = b"icc\0\0".to_vec();
    data.extend_from_slice(&fdeflate::compress_to_vec(&vec![0u8; size]));
    data
}

#[test]
fn png_framing() {
    let good = png(10, 10, &[]);
    assert_eq!(reason(SourceFormat::Png, &good), Ok(()));
    assert_eq!(
        reason(SourceFormat::Png, &good[..good.len() - 12]),
        Err(Corrupt)
    );
    assert_eq!(
        reason(SourceFormat::Png, &png(2000, 1000, &[])),
        Err(TooLarge)
    );
    assert_eq!(
        reason(
            SourceFormat::Png,
            &png(10, 10, &[(b"iCCP", iccp_inflating_to(1000))])
        ),
        Ok(())
    );
    assert_eq!(
        reason(
            SourceFormat::Png,
            &png(10, 10, &[(b"iCCP", iccp_inflating_to(3 << 20))])
        ),
        Err(TooLarge)
    );
    assert_eq!(
        reason(
            SourceFormat::Png,
            &png(10, 10, &[(b"zTXt", vec![b'a'; 2 << 20])])
        ),
        Err(TooLarge)
    );
    // A chunk declaring 0x7FFFFFF0 bytes in a small file.
    let mut lying = good[..33].to_vec();
    lying.extend_from_slice(&0x7FFF_FFF0u32.to_be_bytes());
    lying.extend_from_slice(b"eXIf");
    lying.extend_from_slice(&good[33..]);
    assert_eq!(reason(SourceFormat::Png, &lying), Err(Corrupt));
}

fn webp(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (kind, data) in chunks {
        body.extend_from_slice(*kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&(body.len() as u32).to_le_bytes());
    w.extend_from_slice(&body);
    w
}

fn vp8x(w: u32, h: u32) -> Vec<u8> {
    let mut d = vec![0x08, 0, 0, 0]; // EXIF flag
    d.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    d.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    d
}

fn vp8l(w: u32, h: u32) -> Vec<u8> {
    let bits = (w - 1) | (h - 1) << 14;
    let mut d = vec![0x2F];
    d.extend_from_slice(&bits.to_le_bytes());
    d
}

#[test]
fn webp_framing() {
    let good = webp(&[(b"VP8X", vp8x(64, 64)), (b"VP8L", vp8l(64, 64))]);
    assert_eq!(reason(SourceFormat::WebP, &good), Ok(()));
    assert_eq!(
        reason(SourceFormat::WebP, &good[..good.len() - 1]),
        Err(Corrupt)
    );
    assert_eq!(
        reason(SourceFormat::WebP, &webp(&[(b"VP8L", vp8l(2000, 1000))])),
        Err(TooLarge)
    );
    // The reproduction: an EXIF chunk declaring 0xFFFFFFF0 bytes.
    let mut hostile = good.clone();
    hostile.extend_from_slice(b"EXIF");
    hostile.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let riff = (hostile.len() - 8) as u32;
    hostile[4..8].copy_from_slice(&riff.to_le_bytes());
    assert_eq!(reason(SourceFormat::WebP, &hostile), Err(Corrupt));
    assert_eq!(
        reason(
            SourceFormat::WebP,
            &webp(&[
                (b"VP8X", vp8x(64, 64)),
                (b"ICCP", vec![0; 2 << 20]),
                (b"VP8L", vp8l(64, 64))
            ])
        ),
        Err(TooLarge)
    );
    assert_eq!(
        reason(SourceFormat::WebP, &webp(&[(b"VP8X", vp8x(64, 64))])),
        Err(Corrupt)
    );
}

fn gif(frames: &[(u16, u16)], trailer: bool) -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&[10, 0, 10, 0, 0x80, 0, 0]); // 10x10, a 2-colour global table
    g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    g.extend_from_slice(&[0x21, 0xF9, 4, 0, 0, 0, 0, 0]); // graphic control extension
    for &(w, h) in frames {
        g.push(0x2C);
        g.extend_from_slice(&[0, 0, 0, 0]);
        g.extend_from_slice(&w.to_le_bytes());
        g.extend_from_slice(&h.to_le_bytes());
        g.push(0);
        g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]);
    }
    if trailer {
        g.push(0x3B);
    }
    g
}

#[test]
fn gif_framing() {
    assert_eq!(reason(SourceFormat::Gif, &gif(&[(10, 10)], true)), Ok(()));
    assert_eq!(
        reason(SourceFormat::Gif, &gif(&[(10, 10)], false)),
        Err(Corrupt)
    );
    assert_eq!(reason(SourceFormat::Gif, &gif(&[], true)), Err(Corrupt));
    assert_eq!(
        reason(SourceFormat::Gif, &gif(&[(10, 10), (60000, 60000)], true)),
        Err(TooLarge)
    );
    let whole = gif(&[(10, 10)], true);
    assert_eq!(
        reason(SourceFormat::Gif, &whole[..whole.len() - 3]),
        Err(Corrupt)
    );
}
