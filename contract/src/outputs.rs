//! Output keys and metadata, as the contract fixes them. Pure.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::spec::Rendition;

/// S3's longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// S3's limit on user metadata: the UTF-8 bytes of every key and value, summed.
pub const MAX_USER_METADATA_BYTES: usize = 2048;

/// RFC 3986 unreserved characters and `/` stay as they are; everything else is encoded.
const SOURCE_KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `{prefix}{source key}/{rendition}.{ext}`.
pub fn output_key(prefix: &str, source_key: &str, rendition: &Rendition) -> String {
    format!("{prefix}{source_key}/{}", rendition.file_name())
}

/// The output keys of every rendition, or `None` when one would pass S3's 1024 bytes.
pub fn output_keys(
    prefix: &str,
    source_key: &str,
    renditions: &[Rendition],
) -> Option<Vec<String>> {
    let keys: Vec<String> = renditions
        .iter()
        .map(|r| output_key(prefix, source_key, r))
        .collect();
    keys.iter()
        .all(|k| k.len() <= MAX_KEY_BYTES)
        .then_some(keys)
}

/// What an output records about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance<'a> {
    /// Source bucket.
    pub bucket: &'a str,
    /// Decoded source key.
    pub key: &'a str,
    /// Source ETag, without quotes.
    pub etag: &'a str,
    /// Source version, when versioned.
    pub version_id: Option<&'a str>,
    /// The event's sequencer, when it has one.
    pub sequencer: Option<&'a str>,
    /// `<function name>/<crate version>`.
    pub generated_by: &'a str,
}

/// A source key as `source-key` records it: percent-encoded UTF-8, RFC 3986 unreserved
/// characters and `/` kept (ASCII only, so valid in an HTTP header).
pub fn encode_source_key(key: &str) -> String {
    utf8_percent_encode(key, SOURCE_KEY_ENCODE).to_string()
}

/// The user metadata of one output, in a stable order. `source-key` is dropped when the whole
/// would pass S3's 2 KB.
pub fn metadata(p: &Provenance<'_>, rendition: &Rendition) -> Vec<(&'static str, String)> {
    let mut meta = vec![
        ("source-bucket", p.bucket.to_owned()),
        ("source-key", encode_source_key(p.key)),
        ("source-etag", p.etag.to_owned()),
    ];
    if let Some(v) = p.version_id {
        meta.push(("source-version-id", v.to_owned()));
    }
    if let Some(s) = p.sequencer {
        meta.push(("source-sequencer", s.to_owned()));
    }
    meta.push(("rendition", rendition.name.clone()));
    meta.push(("rendition-spec", rendition.canonical()));
    meta.push(("generated-by", p.generated_by.to_owned()));
    let size: usize = meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_USER_METADATA_BYTES {
        meta.retain(|(k, _)| *k != "source-key");
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse_renditions;

    fn provenance(key: &str) -> Provenance<'_> {
        Provenance {
            bucket: "src",
            key,
            etag: "abc",
            version_id: Some("v1"),
            sequencer: Some("0062"),
            generated_by: "transform/0.1.0",
        }
    }

    #[test]
    fn keys_are_prefix_key_rendition_ext() {
        let r = parse_renditions("thumb:200x200:jpeg,p:10x10:png,w:5x5:webp").expect("specs");
        let keys = output_keys("out/", "photos/a b.jpg", &r).expect("short enough");
        assert_eq!(
            keys,
            [
                "out/photos/a b.jpg/thumb.jpg",
                "out/photos/a b.jpg/p.png",
                "out/photos/a b.jpg/w.webp"
            ]
        );
        let long = "k".repeat(1024 - "/thumb.jpg".len());
        assert!(
            output_keys("", &long, &r[..1]).is_some(),
            "exactly 1024 bytes fits"
        );
        assert!(
            output_keys("x", &long, &r[..1]).is_none(),
            "1025 bytes does not"
        );
        let multibyte = "é".repeat(508); // 1016 bytes, 508 characters
        assert!(
            output_keys("", &multibyte, &r[..1]).is_none(),
            "bytes count, not characters"
        );
    }

    #[test]
    fn metadata_follows_the_contract() {
        let thumb = &parse_renditions("thumb:200x200:jpg").expect("spec")[0];
        let meta = metadata(&provenance("photos/café +1 (2).jpg"), thumb);
        let names: Vec<&str> = meta.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "source-bucket",
                "source-key",
                "source-etag",
                "source-version-id",
                "source-sequencer",
                "rendition",
                "rendition-spec",
                "generated-by"
            ]
        );
        assert_eq!(meta[5].1, "thumb", "the name");
        assert_eq!(meta[6].1, "thumb:200x200:jpeg:82", "the canonical spec");
        assert_eq!(
            meta[1].1, "photos/caf%C3%A9%20%2B1%20%282%29.jpg",
            "unreserved and / kept"
        );
        assert_eq!(
            meta[1].1.len(),
            meta[1].1.chars().count(),
            "ASCII only: valid in an HTTP header"
        );
        let mut unversioned = provenance("k");
        unversioned.version_id = None;
        unversioned.sequencer = None;
        let names: Vec<&str> = metadata(&unversioned, thumb)
            .iter()
            .map(|(k, _)| *k)
            .collect();
        assert!(!names.contains(&"source-version-id") && !names.contains(&"source-sequencer"));
    }

    #[test]
    fn the_source_key_is_dropped_past_two_kilobytes() {
        let long = "é".repeat(400); // 2400 bytes once encoded
        let thumb = &parse_renditions("thumb:200x200:jpeg").expect("spec")[0];
        let meta = metadata(&provenance(&long), thumb);
        assert!(meta.iter().all(|(k, _)| *k != "source-key"));
        assert!(
            meta.iter().any(|(k, _)| *k == "source-etag"),
            "the rest stays"
        );
        let short = metadata(&provenance("a.jpg"), thumb);
        assert!(short.iter().any(|(k, _)| *k == "source-key"));
    }
}
