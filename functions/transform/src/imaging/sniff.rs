//! What the bytes are, from their magic numbers, and whether the file is complete.
//!
//! The format comes from the bytes, never the key's extension. Decoders are lenient: zune-jpeg
//! draws a truncated JPEG in grey, a PNG cut after its image data decodes: the contract calls
//! every truncated file `corrupt`, so completeness is checked here, from each format's framing.

/// The formats recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG (decoded).
    Jpeg,
    /// PNG (decoded).
    Png,
    /// GIF (decoded: first frame).
    Gif,
    /// WebP (decoded).
    WebP,
    /// A recognised image format that is not decoded.
    Other(&'static str),
}

impl SourceFormat {
    /// The name used in messages and logs.
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "JPEG",
            SourceFormat::Png => "PNG",
            SourceFormat::Gif => "GIF",
            SourceFormat::WebP => "WebP",
            SourceFormat::Other(name) => name,
        }
    }
}

/// The format of `bytes`, or `None` when no image format is recognised.
pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let ftyp_brand = || (bytes.len() >= 12 && &bytes[4..8] == b"ftyp").then(|| &bytes[8..12]);
    Some(if starts(&[0xFF, 0xD8, 0xFF]) {
        SourceFormat::Jpeg
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        SourceFormat::Png
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        SourceFormat::Gif
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        SourceFormat::WebP
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        SourceFormat::Other("TIFF")
    } else if starts(b"BM") && bytes.len() >= 26 {
        SourceFormat::Other("BMP")
    } else if starts(&[0, 0, 1, 0]) && bytes.len() >= 22 {
        SourceFormat::Other("ICO")
    } else if starts(b"qoif") {
        SourceFormat::Other("QOI")
    } else if starts(b"8BPS") {
        SourceFormat::Other("PSD")
    } else if starts(b"\x76\x2f\x31\x01") {
        SourceFormat::Other("OpenEXR")
    } else if starts(b"#?RADIANCE") {
        SourceFormat::Other("HDR")
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        SourceFormat::Other("JPEG XL")
    } else if starts(b"\0\0\0\x0cjP  \r\n\x87\n") {
        SourceFormat::Other("JPEG 2000")
    } else if let Some(brand) = ftyp_brand() {
        match brand {
            b"avif" | b"avis" => SourceFormat::Other("AVIF"),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                SourceFormat::Other("HEIF")
            }
            _ => return None,
        }
    } else {
        return None;
    })
}

/// Whether a file of a decoded format is complete; `Err` says what is missing.
pub fn check_complete(format: SourceFormat, bytes: &[u8]) -> Result<(), String> {
    match format {
        SourceFormat::Jpeg => jpeg_complete(bytes),
        SourceFormat::Png => png_complete(bytes),
        SourceFormat::Gif => {
            if bytes.last() == Some(&0x3B) {
                Ok(())
            } else {
                Err("the GIF has no trailer (0x3B): the file is truncated".into())
            }
        }
        SourceFormat::WebP => {
            let declared = bytes
                .get(4..8)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 8)
                .unwrap_or(usize::MAX);
            if bytes.len() >= declared {
                Ok(())
            } else {
                Err(format!(
                    "the WebP declares {declared} bytes but has {}: the file is truncated",
                    bytes.len()
                ))
            }
        }
        SourceFormat::Other(_) => Ok(()),
    }
}

/// A JPEG is complete when an EOI marker (FF D9) follows the main image's first scan. Walking the
/// marker segments up to that scan skips EXIF thumbnails, which carry their own EOI; inside
/// entropy-coded data a 0xFF is always followed by 0x00 or a restart marker, so a later FF D9
/// can only be a real EOI.
fn jpeg_complete(bytes: &[u8]) -> Result<(), String> {
    let truncated = |why: &str| Err(format!("the JPEG {why}: the file is truncated or damaged"));
    let mut at = 2;
    loop {
        // Fill bytes (FF FF ...) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        match (bytes.get(at), bytes.get(at + 1)) {
            (Some(0xFF), Some(0xDA)) => break,
            (Some(0xFF), Some(0xD9)) => return truncated("ends before its first scan"),
            (Some(0xFF), Some(_)) => {
                let Some(len) = bytes.get(at + 2..at + 4) else {
                    return truncated("ends inside a marker segment");
                };
                at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            }
            (Some(_), _) => return truncated("has a damaged marker segment"),
            (None, _) => return truncated("ends before its first scan"),
        }
    }
    if bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        Ok(())
    } else {
        truncated("has no end-of-image marker")
    }
}

/// A PNG is complete when its IEND chunk is there.
fn png_complete(bytes: &[u8]) -> Result<(), String> {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    if tail.windows(8).any(|w| w == b"\0\0\0\0IEND") {
        Ok(())
    } else {
        Err("the PNG has no IEND chunk: the file is truncated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_magic_numbers() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(SourceFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(SourceFormat::Png));
        assert_eq!(sniff(b"GIF89a...."), Some(SourceFormat::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(SourceFormat::WebP));
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Some(SourceFormat::Other("TIFF")));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(SourceFormat::Other("HEIF"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypavif\0\0\0\0"),
            Some(SourceFormat::Other("AVIF"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypisom\0\0\0\0"),
            None,
            "an MP4 is not an image"
        );
        assert_eq!(sniff(b"hello, I am text named photo.jpg"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(
            sniff(b"RIFF\x10\0\0\0WAVEfmt "),
            None,
            "a WAV is not a WebP"
        );
    }

    #[test]
    fn truncated_framing_is_detected() {
        assert!(check_complete(SourceFormat::Gif, b"GIF89a;").is_ok());
        assert!(check_complete(SourceFormat::Gif, b"GIF89a").is_err());
        assert!(check_complete(SourceFormat::WebP, b"RIFF\x04\0\0\0WEBP").is_ok());
        assert!(check_complete(SourceFormat::WebP, b"RIFF\xff\0\0\0WEBP").is_err());
        assert!(check_complete(SourceFormat::Png, b"\x89PNG\r\n\x1a\n").is_err());
        // SOI, an APP0 segment of 4 bytes, SOS, data, EOI.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xDA, 0, 2, 7, 7, 0xFF, 0xD9,
        ];
        assert!(check_complete(SourceFormat::Jpeg, &jpeg).is_ok());
        assert!(check_complete(SourceFormat::Jpeg, &jpeg[..14]).is_err());
        assert!(check_complete(SourceFormat::Jpeg, &jpeg[..5]).is_err());
        // An EXIF thumbnail's EOI before the main scan does not count.
        let thumb = [
            0xFF, 0xD8, 0xFF, 0xE1, 0, 4, 0xFF, 0xD9, 0xFF, 0xDA, 0, 2, 7, 7,
        ];
        assert!(check_complete(SourceFormat::Jpeg, &thumb).is_err());
    }
}
