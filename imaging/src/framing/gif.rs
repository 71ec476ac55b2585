//! GIF: the screen descriptor, colour tables, extensions and frames, each frame's data
//! sub-blocks, up to the trailer. Every frame's size is checked against the pixel limit (the
//! decoder sizes its buffers from it); only the first frame is decoded.

use super::{Cursor, Framing, check_metadata, check_pixels};
use crate::error::Rejection;
use crate::limits::Limits;
use crate::sniff::SourceFormat;

pub(super) fn walk(bytes: &[u8], limits: &Limits) -> Result<Framing, Rejection> {
    let mut c = Cursor::new(bytes, 6, "GIF");
    let width = u32::from(c.le16("the screen descriptor")?);
    let height = u32::from(c.le16("the screen descriptor")?);
    let flags = c.u8("the screen descriptor")?;
    c.take(2, "the screen descriptor")?;
    if flags & 0x80 != 0 {
        c.skip_declared(3 << ((flags & 0x07) + 1), || "global colour table".into())?;
    }
    let mut frames = 0u32;
    loop {
        match c.u8("a block introducer")? {
            0x3B => break,
            0x21 => {
                c.u8("an extension label")?;
                let len = sub_blocks(&mut c, "an extension")?;
                check_metadata("a GIF extension", len, limits)?;
            }
            0x2C => {
                c.take(4, "an image descriptor")?;
                let w = u32::from(c.le16("an image descriptor")?);
                let h = u32::from(c.le16("an image descriptor")?);
                check_pixels(SourceFormat::Gif, w, h, limits)?;
                let flags = c.u8("an image descriptor")?;
                if flags & 0x80 != 0 {
                    c.skip_declared(3 << ((flags & 0x07) + 1), || "local colour table".into())?;
                }
                let code_size = c.u8("a frame's LZW code size")?;
                if !(1..=11).contains(&code_size) {
                    return Err(Rejection::Corrupt(format!(
                        "a GIF frame declares an LZW code size of {code_size} (1 to 11 are valid)"
                    )));
                }
                sub_blocks(&mut c, "a frame's image data")?;
                frames += 1;
            }
            other => {
                return Err(Rejection::Corrupt(format!(
                    "the GIF has an unknown block (0x{other:02X}) at byte {}",
                    c.at - 1
                )));
            }
        }
    }
    if frames == 0 {
        return Err(Rejection::Corrupt("the GIF has no frame".into()));
    }
    Ok(Framing {
        width,
        height,
        ..Framing::default()
    })
}

/// Skips a chain of data sub-blocks (a length byte, then that many bytes; 0 ends the chain),
/// returning the data's total length.
fn sub_blocks(c: &mut Cursor<'_>, what: &str) -> Result<u64, Rejection> {
    let mut total = 0u64;
    loop {
        let len = c.u8(what)?;
        if len == 0 {
            return Ok(total);
        }
        c.skip_declared(u64::from(len), || what.to_owned())?;
        total += u64::from(len);
    }
}
