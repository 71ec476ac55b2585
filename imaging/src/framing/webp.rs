//! WebP: the RIFF container chunk by chunk, every length within the file and within the RIFF
//! size; the canvas and every frame against the pixel limit, ICCP, EXIF and XMP against the
//! metadata limit (the decoder allocates a chunk's declared size before reading it).

use std::ops::Range;

use super::{Cursor, Framing, check_metadata, check_pixels};
use crate::error::Rejection;
use crate::limits::Limits;
use crate::sniff::SourceFormat;

/// Where a WebP's metadata is, and whether it is an animation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WebpChunks {
    /// The first `ICCP` chunk's data: the colour profile.
    pub icc: Option<Range<usize>>,
    /// The first `EXIF` chunk's data: TIFF data (some writers put `Exif\0\0` first).
    pub exif: Option<Range<usize>>,
    /// An `ANMF` chunk was seen: libwebp's still-image decoder refuses animations.
    pub animated: bool,
}

pub(super) fn walk(bytes: &[u8], limits: &Limits) -> Result<Framing, Rejection> {
    let mut c = Cursor::new(bytes, 4, "WebP");
    let riff = u64::from(c.le32("the RIFF header")?);
    if riff < 4 || riff + 8 > bytes.len() as u64 {
        return Err(Rejection::Corrupt(format!(
            "the WebP declares {} bytes but has {}: the file is truncated",
            riff + 8,
            bytes.len()
        )));
    }
    // Chunks after the RIFF size are not part of the image.
    let mut c = Cursor::new(&bytes[..riff as usize + 8], 12, "WebP");
    let mut framing = None;
    let mut image = false;
    let mut chunks = WebpChunks::default();
    while !c.is_empty() {
        let kind = c.take(4, "a chunk header")?;
        let len = c.le32("a chunk header")?;
        let name = || String::from_utf8_lossy(kind).trim_end().to_owned();
        let start = c.at;
        // Chunks are padded to an even length.
        let padded = u64::from(len) + u64::from(len & 1);
        let available = c.remaining() as u64;
        if u64::from(len) > available {
            return Err(Rejection::Corrupt(format!(
                "the WebP's {} chunk declares {len} bytes but only {available} remain: the \
                 file is truncated or damaged",
                name()
            )));
        }
        c.at += padded.min(available) as usize;
        let data = &c.bytes[start..start + len as usize];
        match kind {
            b"VP8X" if data.len() >= 10 => {
                let (w, h) = (le24(&data[4..7]) + 1, le24(&data[7..10]) + 1);
                framing = Some(Framing {
                    width: w,
                    height: h,
                    ..Framing::default()
                });
            }
            b"ICCP" | b"EXIF" | b"XMP " => {
                check_metadata(
                    &format!("the WebP's {} chunk", name()),
                    u64::from(len),
                    limits,
                )?;
                let range = Some(start..start + len as usize);
                match kind {
                    b"ICCP" if chunks.icc.is_none() => chunks.icc = range,
                    b"EXIF" if chunks.exif.is_none() => chunks.exif = range,
                    _ => {}
                }
            }
            b"ANMF" if data.len() >= 12 => {
                let (w, h) = (le24(&data[6..9]) + 1, le24(&data[9..12]) + 1);
                check_pixels(SourceFormat::WebP, w, h, limits)?;
                image = true;
                chunks.animated = true;
            }
            b"VP8 " => {
                image = true;
                if framing.is_none() {
                    framing = vp8_size(data);
                }
            }
            b"VP8L" => {
                image = true;
                if framing.is_none() {
                    framing = vp8l_size(data);
                }
            }
            _ => {}
        }
    }
    if !image {
        return Err(Rejection::Corrupt(
            "the WebP has no image data (no VP8, VP8L or ANMF chunk)".into(),
        ));
    }
    let mut framing = framing.ok_or_else(|| {
        Rejection::Corrupt("the WebP's image header is too short to give its size".into())
    })?;
    framing.image_len = Some(riff as usize + 8);
    framing.webp = chunks;
    Ok(framing)
}

fn le24(b: &[u8]) -> u32 {
    u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16
}

/// A lossy bitstream's size: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit sides.
fn vp8_size(data: &[u8]) -> Option<Framing> {
    if data.get(3..6)? != [0x9D, 0x01, 0x2A] {
        return None;
    }
    let w = u16::from_le_bytes([*data.get(6)?, *data.get(7)?]) & 0x3FFF;
    let h = u16::from_le_bytes([*data.get(8)?, *data.get(9)?]) & 0x3FFF;
    Some(Framing {
        width: u32::from(w),
        height: u32::from(h),
        ..Framing::default()
    })
}

/// A lossless bitstream's size: the signature 0x2F, then 14-bit sides minus one.
fn vp8l_size(data: &[u8]) -> Option<Framing> {
    if *data.first()? != 0x2F {
        return None;
    }
    let bits = u32::from_le_bytes([*data.get(1)?, *data.get(2)?, *data.get(3)?, *data.get(4)?]);
    Some(Framing {
        width: (bits & 0x3FFF) + 1,
        height: ((bits >> 14) & 0x3FFF) + 1,
        ..Framing::default()
    })
}
