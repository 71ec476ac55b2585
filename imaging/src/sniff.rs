//! What the bytes are, from their magic numbers: the format comes from the bytes, never the
//! key's extension.

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
}
