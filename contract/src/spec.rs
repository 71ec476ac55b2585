//! Rendition specs: `name:WxH:format[:quality]`, comma-separated (the `RENDITIONS` setting and
//! `render --renditions`): their syntax, canonical string (`rendition-spec`), file name and
//! Content-Type. The `rendering` crate turns one into the image pipeline's target.

use std::fmt;

/// The contract's default renditions.
pub const DEFAULT_RENDITIONS: &str =
    "thumb:200x200:jpeg:82,small:800x800:jpeg:82,large:1920x1920:jpeg:82";

/// JPEG quality when a spec gives none.
pub const DEFAULT_JPEG_QUALITY: u8 = 82;

/// Lossy WebP quality when a spec gives none.
pub const DEFAULT_WEBP_QUALITY: u8 = 80;

/// AVIF quality when a spec gives none.
pub const DEFAULT_AVIF_QUALITY: u8 = 60;

/// The largest box side accepted (S3 and browsers cope; memory decides the real limit).
pub const MAX_BOX_SIDE: u32 = 16_384;

/// The largest side of a `webp` box: WebP's own maximum.
pub const MAX_WEBP_BOX_SIDE: u32 = 16_383;

/// The largest side of an `avif` box: the costliest admissible input rendered to an AVIF this
/// size stays within the memory budget and 60 s at 1,024 MB (README, "Speed and memory").
pub const MAX_AVIF_BOX_SIDE: u32 = 2_048;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// JPEG, 4:2:0, alpha flattened on white.
    Jpeg,
    /// PNG, lossless.
    Png,
    /// WebP, lossy (libwebp), alpha kept.
    WebP,
    /// WebP, lossless (`webp:lossless`; a stored `webp:0`, from before lossy WebP), alpha kept.
    WebPLossless,
    /// AVIF (AV1, rav1e), alpha kept.
    Avif,
}

impl OutputFormat {
    /// The name in a spec: `jpeg`, `png`, `webp`, `avif`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::Png => "png",
            OutputFormat::WebP | OutputFormat::WebPLossless => "webp",
            OutputFormat::Avif => "avif",
        }
    }

    /// The largest box side of the format.
    pub fn max_box_side(self) -> u32 {
        match self {
            OutputFormat::Jpeg | OutputFormat::Png => MAX_BOX_SIDE,
            OutputFormat::WebP | OutputFormat::WebPLossless => MAX_WEBP_BOX_SIDE,
            OutputFormat::Avif => MAX_AVIF_BOX_SIDE,
        }
    }

    /// The file extension of outputs.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::WebP | OutputFormat::WebPLossless => "webp",
            OutputFormat::Avif => "avif",
        }
    }

    /// The `Content-Type` of outputs.
    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::WebP | OutputFormat::WebPLossless => "image/webp",
            OutputFormat::Avif => "image/avif",
        }
    }
}

/// One rendition: a name, a box to fit inside, a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    /// Name, used in the output key (`<key>/<name>.<ext>`): `[A-Za-z0-9_-]`, 1 to 64 characters.
    pub name: String,
    /// Box width.
    pub width: u32,
    /// Box height.
    pub height: u32,
    /// Output format.
    pub format: OutputFormat,
    /// JPEG, lossy WebP or AVIF quality 1..=100 (ignored for PNG and lossless WebP).
    pub quality: u8,
}

impl Rendition {
    /// The output file name: `<name>.<ext>`.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.format.extension())
    }

    /// The canonical spec, `name:WxH:format:quality`, defaults written out, `0` for PNG's
    /// ignored quality and `lossless` for lossless WebP: what an output records as its
    /// `rendition-spec`, so that two spellings of one rendition (`jpg`/`jpeg`, `X`/`x`, an
    /// implied quality) compare equal and a change that alters no pixel (the quality of a PNG)
    /// re-renders nothing. [`stored_spec`] reads a spec stored before lossy WebP.
    pub fn canonical(&self) -> String {
        let quality = match self.format {
            OutputFormat::Jpeg | OutputFormat::WebP | OutputFormat::Avif => {
                self.quality.to_string()
            }
            OutputFormat::Png => "0".to_owned(),
            OutputFormat::WebPLossless => "lossless".to_owned(),
        };
        format!(
            "{}:{}x{}:{}:{quality}",
            self.name,
            self.width,
            self.height,
            self.format.name()
        )
    }
}

impl fmt::Display for Rendition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// A stored `rendition-spec` as this version spells it: `...:webp:0`, written when WebP was
/// lossless only, is `...:webp:lossless`.
pub fn stored_spec(spec: &str) -> String {
    match spec.strip_suffix(":webp:0") {
        Some(head) => format!("{head}:webp:lossless"),
        None => spec.to_owned(),
    }
}

/// Parses a comma-separated list of specs; the error names the spec at fault and why.
pub fn parse_renditions(list: &str) -> Result<Vec<Rendition>, String> {
    let mut out: Vec<Rendition> = Vec::new();
    for spec in list.split(',').map(str::trim) {
        if spec.is_empty() {
            return Err(format!(
                "{list:?} has an empty entry: give name:WxH:format[:quality] entries separated by commas"
            ));
        }
        let r = parse_one(spec).map_err(|why| {
            format!(
                "{spec:?}: {why} (expected name:WxH:format[:quality], e.g. thumb:200x200:jpeg:82)"
            )
        })?;
        if out.iter().any(|o| o.name == r.name) {
            return Err(format!(
                "{spec:?}: the name {:?} is used twice; outputs would overwrite each other",
                r.name
            ));
        }
        out.push(r);
    }
    Ok(out)
}

fn parse_one(spec: &str) -> Result<Rendition, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(format!("{} fields", parts.len()));
    }
    let name = parts[0];
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("the name must be 1 to 64 of [A-Za-z0-9_-]".into());
    }
    let (w, h) = parts[1]
        .split_once(['x', 'X'])
        .ok_or("the size must be WxH")?;
    let format = match parts[2].to_ascii_lowercase().as_str() {
        "jpeg" | "jpg" => OutputFormat::Jpeg,
        "png" => OutputFormat::Png,
        "webp" => OutputFormat::WebP,
        "avif" => OutputFormat::Avif,
        other => {
            return Err(format!(
                "the format {other:?} is not one of jpeg, png, webp, avif"
            ));
        }
    };
    let side = |v: &str| -> Result<u32, String> {
        let n: u32 = v
            .parse()
            .map_err(|_| format!("{v:?} is not a whole number"))?;
        let max = format.max_box_side();
        match format {
            _ if (1..=max).contains(&n) => Ok(n),
            OutputFormat::WebP => Err(format!(
                "{n} is outside 1..={max} (WebP's own maximum side)"
            )),
            OutputFormat::Avif => Err(format!(
                "{n} is outside 1..={max} (an AVIF larger than this takes more memory or time \
                 than a 1,024 MB function has: use a smaller box, or webp or jpeg)"
            )),
            _ => Err(format!("{n} is outside 1..={max}")),
        }
    };
    let (width, height) = (side(w)?, side(h)?);
    // `lossless` (and `0`, as specs stored before lossy WebP say it) makes WebP lossless;
    // quality 0 is accepted where the format ignores quality: the canonical form
    // (`Rendition::canonical`, what `rendition-spec` records) parses back.
    let (format, quality) = match (format, parts.get(3).copied()) {
        (OutputFormat::WebP, Some(q)) if q.eq_ignore_ascii_case("lossless") || q == "0" => {
            (OutputFormat::WebPLossless, 0)
        }
        (OutputFormat::WebP, None) => (format, DEFAULT_WEBP_QUALITY),
        (OutputFormat::Avif, None) => (format, DEFAULT_AVIF_QUALITY),
        (_, None) => (format, DEFAULT_JPEG_QUALITY),
        (_, Some(q)) => {
            let lowest = if format == OutputFormat::Png { 0 } else { 1 };
            match q.parse::<u8>() {
                Ok(q) if (lowest..=100).contains(&q) => (format, q),
                _ => {
                    return Err(format!(
                        "the quality {q:?} is not a whole number in {lowest}..=100{}",
                        if format == OutputFormat::WebP {
                            ", or lossless"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    };
    Ok(Rendition {
        name: name.to_owned(),
        width,
        height,
        format,
        quality,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webp_is_lossy_unless_it_says_lossless_and_old_specs_read_as_lossless() {
        let r =
            parse_renditions("a:10x10:webp,b:10x10:webp:60,c:10x10:webp:lossless,d:10x10:webp:0")
                .expect("parses");
        let specs: Vec<String> = r.iter().map(Rendition::canonical).collect();
        assert_eq!(
            specs,
            [
                "a:10x10:webp:80",
                "b:10x10:webp:60",
                "c:10x10:webp:lossless",
                "d:10x10:webp:lossless"
            ]
        );
        assert_eq!(
            (r[0].format, r[2].format),
            (OutputFormat::WebP, OutputFormat::WebPLossless)
        );
        assert_eq!(r[2].file_name(), "c.webp");
        assert_eq!(stored_spec("c:10x10:webp:0"), "c:10x10:webp:lossless");
        assert_eq!(stored_spec("a:10x10:webp:80"), "a:10x10:webp:80");
        assert_eq!(stored_spec("p:10x10:png:0"), "p:10x10:png:0");
        assert!(parse_renditions("a:10x10:webp:101").is_err());
        assert!(parse_renditions("a:10x10:jpeg:lossless").is_err());
    }

    #[test]
    fn avif_has_its_default_quality_extension_type_and_box_cap() {
        let r = parse_renditions("a:800x800:avif,b:2048x100:AVIF:35").expect("parses");
        assert_eq!(
            r.iter().map(Rendition::canonical).collect::<Vec<_>>(),
            ["a:800x800:avif:60", "b:2048x100:avif:35"]
        );
        assert_eq!(r[0].file_name(), "a.avif");
        assert_eq!(r[0].format.content_type(), "image/avif");
        for (bad, says) in [
            ("a:2049x100:avif", "1..=2048"),
            ("a:100x2049:avif", "smaller box"),
            ("a:100x100:avif:0", "quality"),
            ("a:100x100:avif:lossless", "quality"),
            ("w:16384x10:webp", "WebP's own maximum"),
        ] {
            let err = parse_renditions(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
        assert!(parse_renditions("w:16383x16383:webp,j:16384x16384:jpeg").is_ok());
    }

    #[test]
    fn the_default_is_the_contracts() {
        let r = parse_renditions(DEFAULT_RENDITIONS).expect("default parses");
        let names: Vec<String> = r.iter().map(Rendition::file_name).collect();
        assert_eq!(names, ["thumb.jpg", "small.jpg", "large.jpg"]);
        assert_eq!((r[2].width, r[2].height, r[2].quality), (1920, 1920, 82));
    }

    #[test]
    fn formats_and_quality() {
        let r = parse_renditions("a:10x20:png, b:30X40:webp:50 ,c:1x1:JPG").expect("parses");
        assert_eq!(r[0].format, OutputFormat::Png);
        assert_eq!(r[1].file_name(), "b.webp");
        assert_eq!((r[1].width, r[1].height), (30, 40));
        assert_eq!(r[2].quality, DEFAULT_JPEG_QUALITY);
        assert_eq!(r[2].format.content_type(), "image/jpeg");
    }

    #[test]
    fn the_canonical_spec_is_one_spelling_per_rendition() {
        let r =
            parse_renditions("t:200X100:JPG,p:10x10:png:50,w:5x5:webp,d:1x1:jpeg").expect("parses");
        let specs: Vec<String> = r.iter().map(Rendition::canonical).collect();
        assert_eq!(
            specs,
            [
                "t:200x100:jpeg:82",
                "p:10x10:png:0",
                "w:5x5:webp:80",
                "d:1x1:jpeg:82"
            ]
        );
        let again = parse_renditions(&specs.join(",")).expect("the canonical form parses");
        assert_eq!(
            again.iter().map(Rendition::canonical).collect::<Vec<_>>(),
            specs
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (bad, says) in [
            ("", "empty entry"),
            ("thumb:200x200", "2 fields"),
            ("thumb:200:jpeg", "WxH"),
            ("thumb:0x200:jpeg", "outside"),
            ("thumb:200x99999:jpeg", "outside"),
            ("thumb:200x200:gif", "not one of"),
            ("thumb:200x200:jpeg:0", "quality"),
            ("thumb:200x200:jpeg:101", "quality"),
            ("th/umb:200x200:jpeg", "name"),
            ("a:1x1:png,a:2x2:png", "used twice"),
            ("a:1x1:png,", "empty entry"),
        ] {
            let err = parse_renditions(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
