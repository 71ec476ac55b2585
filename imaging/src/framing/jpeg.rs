//! JPEG: marker segments by their lengths, entropy-coded data marker to marker, up to the
//! end-of-image marker; the colour profile's APP2 chain, the frame size and the number of
//! scans against the limits.

use std::ops::Range;

use super::{Cursor, Framing, check_metadata};
use crate::error::Rejection;
use crate::limits::Limits;

const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;

/// Where a JPEG's metadata is: read from the segments the walk passes anyway, whatever
/// decoder runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct JpegSegments {
    /// The first EXIF block (APP1 after `Exif\0\0`): the TIFF data.
    pub exif: Option<Range<usize>>,
    /// The colour profile's pieces (APP2 `ICC_PROFILE`), with their sequence numbers.
    pub icc: Vec<(u8, Range<usize>)>,
    /// The Adobe segment's colour transform (APP14), when there is one: its CMYK is inverted.
    pub adobe_transform: Option<u8>,
}

impl JpegSegments {
    /// The colour profile, its pieces in sequence order.
    pub fn icc_profile(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.icc.is_empty() {
            return None;
        }
        let mut pieces = self.icc.clone();
        pieces.sort_by_key(|(seq, _)| *seq);
        Some(
            pieces
                .into_iter()
                .flat_map(|(_, r)| bytes[r].iter().copied())
                .collect(),
        )
    }
}

pub(super) fn walk(bytes: &[u8], limits: &Limits) -> Result<Framing, Rejection> {
    let mut c = Cursor::new(bytes, 2, "JPEG");
    let mut framing: Option<Framing> = None;
    let mut segments = JpegSegments::default();
    let mut scans = 0u32;
    let mut icc_bytes = 0u64;
    loop {
        // A marker: 0xFF, any fill bytes (0xFF), then the marker's code. Stray bytes between
        // segments are tolerated (decoders skip them too).
        while !c.is_empty() && c.peek(0) != Some(0xFF) {
            c.at += 1;
        }
        while c.peek(0) == Some(0xFF) && c.peek(1) == Some(0xFF) {
            c.at += 1;
        }
        if c.remaining() < 2 {
            return Err(Rejection::Corrupt(if scans == 0 {
                "the JPEG ends before its first scan: the file is truncated".into()
            } else {
                "the JPEG has no end-of-image marker: the file is truncated".into()
            }));
        }
        let code = bytes[c.at + 1];
        c.at += 2;
        match code {
            EOI if scans == 0 => {
                return Err(Rejection::Corrupt(
                    "the JPEG ends before its first scan: the file is truncated or damaged".into(),
                ));
            }
            EOI => break,
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 => {
                return Err(Rejection::Corrupt(
                    "the JPEG has a second start-of-image marker before its end".into(),
                ));
            }
            _ => {}
        }
        let len = c.be16("a marker segment's length")?;
        if len < 2 {
            return Err(Rejection::Corrupt(format!(
                "the JPEG has a marker segment (0xFF{code:02X}) of length {len}"
            )));
        }
        let start = c.at;
        c.skip_declared(u64::from(len - 2), || {
            format!("marker segment 0xFF{code:02X}")
        })?;
        let body = &bytes[start..c.at];
        match code {
            // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF
                if !matches!(code, 0xC4 | 0xC8 | 0xCC) && framing.is_none() && body.len() >= 5 =>
            {
                framing = Some(Framing {
                    height: u32::from(u16::from_be_bytes([body[1], body[2]])),
                    width: u32::from(u16::from_be_bytes([body[3], body[4]])),
                    ..Framing::default()
                });
            }
            APP1 if body.starts_with(b"Exif\0\0") && segments.exif.is_none() => {
                segments.exif = Some(start + 6..c.at);
            }
            APP2 if body.starts_with(b"ICC_PROFILE\0") && body.len() >= 14 => {
                icc_bytes += body.len() as u64 - 14;
                check_metadata("the JPEG's colour profile", icc_bytes, limits)?;
                segments.icc.push((body[12], start + 14..c.at));
            }
            APP14 if body.starts_with(b"Adobe") && body.len() >= 12 => {
                segments.adobe_transform = Some(body[11]);
            }
            SOS => {
                if framing.is_none() {
                    return Err(Rejection::Corrupt(
                        "the JPEG has a scan before its frame header".into(),
                    ));
                }
                scans += 1;
                if scans > limits.max_jpeg_scans {
                    return Err(Rejection::TooLarge(format!(
                        "the JPEG has more than {} scans (the limit): decoding it would take \
                         that many passes over the whole image",
                        limits.max_jpeg_scans
                    )));
                }
                skip_entropy_coded(&mut c);
            }
            _ => {}
        }
    }
    let mut framing =
        framing.ok_or_else(|| Rejection::Corrupt("the JPEG has no frame header".into()))?;
    framing.jpeg = segments;
    Ok(framing)
}

/// Moves to the marker that ends a scan's entropy-coded data. Inside it, 0xFF is always followed
/// by 0x00 (a stuffed byte) or a restart marker (0xD0-0xD7).
fn skip_entropy_coded(c: &mut Cursor<'_>) {
    let data = &c.bytes[c.at..];
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == 0xFF && !matches!(data[i + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
            c.at += i;
            return;
        }
        i += 1;
    }
    c.at = c.bytes.len();
}
