//! The file's own framing, walked before any decoder sees it: every declared length is checked
//! against the bytes that remain and against the [`Limits`], so nothing is allocated for a
//! length the file does not back, and a truncated file is `corrupt` before it is drawn.
//!
//! A declared length running past the data is `corrupt`; a declared size over a limit is
//! `too-large`. Each format's walker reads headers only (a JPEG's entropy-coded data is skipped
//! marker to marker), so the walk costs a pass over the bytes and no allocation.

mod gif;
mod jpeg;
mod png;
mod webp;

use crate::error::Rejection;
use crate::limits::Limits;
use crate::sniff::SourceFormat;

/// What the walk learned that the decode needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Framing {
    /// The image's size, as its header declares it.
    pub width: u32,
    /// See `width`.
    pub height: u32,
    /// A JPEG's metadata segments.
    pub jpeg: JpegSegments,
    /// A WebP's metadata chunks and whether it is animated.
    pub webp: WebpChunks,
    /// How many of the bytes are the image, when the format says (a WebP's RIFF size): the
    /// decoder gets only those, so it cannot read chunks the walk did not check.
    pub image_len: Option<usize>,
}

pub(crate) use jpeg::JpegSegments;
pub(crate) use webp::WebpChunks;

/// Walks the framing of a file of a decoded format.
pub(crate) fn walk(
    format: SourceFormat,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Framing, Rejection> {
    let framing = match format {
        SourceFormat::Jpeg => jpeg::walk(bytes, limits)?,
        SourceFormat::Png => png::walk(bytes, limits)?,
        SourceFormat::Gif => gif::walk(bytes, limits)?,
        SourceFormat::WebP => webp::walk(bytes, limits)?,
        SourceFormat::Other(_) => return Ok(Framing::default()),
    };
    check_pixels(format, framing.width, framing.height, limits)?;
    Ok(framing)
}

/// A `width`x`height` image (or frame) of `format` against the pixel limit.
pub(crate) fn check_pixels(
    format: SourceFormat,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<(), Rejection> {
    if width == 0 || height == 0 {
        return Err(Rejection::Corrupt(format!(
            "the {} header says {width}x{height}",
            format.name()
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Rejection::TooLarge(format!(
            "the {} is {width}x{height} = {pixels} pixels, over the limit of {} pixels",
            format.name(),
            limits.max_pixels
        )));
    }
    Ok(())
}

/// A metadata block of `len` bytes against the metadata limit.
fn check_metadata(what: &str, len: u64, limits: &Limits) -> Result<(), Rejection> {
    if len > limits.max_metadata_bytes {
        return Err(Rejection::TooLarge(format!(
            "{what} is {len} bytes, over the limit of {} bytes for a metadata block",
            limits.max_metadata_bytes
        )));
    }
    Ok(())
}

/// A cursor over the file that refuses to read past its end, naming what it was reading.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    format: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], at: usize, format: &'static str) -> Self {
        Self { bytes, at, format }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn truncated(&self, what: &str) -> Rejection {
        Rejection::Corrupt(format!(
            "the {} ends inside {what} (at byte {} of {}): the file is truncated",
            self.format,
            self.at,
            self.bytes.len()
        ))
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Rejection> {
        if n > self.remaining() {
            return Err(self.truncated(what));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    /// Skips a block of `declared` bytes, which must be in the file; `what` names the block,
    /// and is only called for the message when the block runs past the data.
    fn skip_declared(
        &mut self,
        declared: u64,
        what: impl FnOnce() -> String,
    ) -> Result<(), Rejection> {
        let remaining = self.remaining() as u64;
        if declared > remaining {
            return Err(Rejection::Corrupt(format!(
                "the {}'s {} declares {declared} bytes but only {remaining} remain: the file \
                 is truncated or damaged",
                self.format,
                what()
            )));
        }
        self.at += declared as usize;
        Ok(())
    }

    fn u8(&mut self, what: &str) -> Result<u8, Rejection> {
        Ok(self.take(1, what)?[0])
    }

    fn be16(&mut self, what: &str) -> Result<u16, Rejection> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn le16(&mut self, what: &str) -> Result<u16, Rejection> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn be32(&mut self, what: &str) -> Result<u32, Rejection> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn le32(&mut self, what: &str) -> Result<u32, Rejection> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }
}

#[cfg(test)]
mod tests;
