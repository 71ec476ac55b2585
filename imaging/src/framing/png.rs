//! PNG: chunk by chunk up to IEND, every length within the file; the header's size, the
//! colour profile once inflated (inflated here, bounded, before the decoder would inflate it
//! without a bound of its own) and metadata chunks against the limits.

use super::{Cursor, Framing, check_metadata};
use crate::error::Rejection;
use crate::limits::Limits;

pub(super) fn walk(bytes: &[u8], limits: &Limits) -> Result<Framing, Rejection> {
    let mut c = Cursor::new(bytes, 8, "PNG");
    let mut framing = None;
    let mut image_data = false;
    loop {
        if c.is_empty() {
            return Err(Rejection::Corrupt(
                "the PNG has no IEND chunk: the file is truncated".into(),
            ));
        }
        let len = c.be32("a chunk header")?;
        let kind = c.take(4, "a chunk header")?;
        let name = || String::from_utf8_lossy(kind).into_owned();
        if len > i32::MAX as u32 {
            return Err(Rejection::Corrupt(format!(
                "the PNG's {} chunk declares {len} bytes, more than a PNG chunk can hold",
                name()
            )));
        }
        let start = c.at;
        c.skip_declared(u64::from(len) + 4, || format!("{} chunk", name()))?;
        let data = &bytes[start..start + len as usize];
        match kind {
            b"IHDR" if data.len() >= 8 => {
                framing = Some(Framing {
                    width: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                    height: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
                    ..Framing::default()
                });
            }
            _ if framing.is_none() => {
                return Err(Rejection::Corrupt(
                    "the PNG does not start with its IHDR chunk".into(),
                ));
            }
            b"IDAT" => image_data = true,
            b"IEND" => break,
            b"iCCP" => check_profile(data, limits)?,
            b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" => {
                check_metadata(
                    &format!("the PNG's {} chunk", name()),
                    u64::from(len),
                    limits,
                )?;
            }
            _ => {}
        }
    }
    if !image_data {
        return Err(Rejection::Corrupt(
            "the PNG has no image data (IDAT)".into(),
        ));
    }
    framing.ok_or_else(|| Rejection::Corrupt("the PNG has no IHDR chunk".into()))
}

/// An iCCP chunk: a name, a NUL, a compression method, then the zlib-compressed profile.
/// Inflating stops at the limit; a profile that does not inflate is left to the decoder, which
/// ignores it.
fn check_profile(data: &[u8], limits: &Limits) -> Result<(), Rejection> {
    let Some(nul) = data.iter().take(80).position(|&b| b == 0) else {
        return Ok(());
    };
    let Some(compressed) = data.get(nul + 2..) else {
        return Ok(());
    };
    let cap = usize::try_from(limits.max_metadata_bytes).unwrap_or(usize::MAX);
    match fdeflate::decompress_to_vec_bounded(compressed, cap) {
        Err(fdeflate::BoundedDecompressionError::OutputTooLarge { .. }) => {
            Err(Rejection::TooLarge(format!(
                "the PNG's colour profile (iCCP) inflates to more than {cap} bytes, the limit for \
                 a metadata block"
            )))
        }
        Ok(_) | Err(fdeflate::BoundedDecompressionError::DecompressionError { .. }) => Ok(()),
    }
}
