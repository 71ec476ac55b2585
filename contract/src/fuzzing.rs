//! The checks the `events`, `settings` and `outputs` fuzz targets run (`fuzz/`,
//! `scripts/fuzz`), and that this crate's `tests/fuzz_corpus.rs` replays on every input kept in
//! `fuzz/corpus/` and `fuzz/regressions/`, so an ordinary `cargo test` keeps findings fixed.
//! Each panics on a finding; anything else must come back as a value.

use std::collections::HashMap;

use crate::config::Config;
use crate::error::ErrorKind;
use crate::event::Item;
use crate::invocation::{Invocation, parse_invocation};
use crate::outputs::{MAX_KEY_BYTES, MAX_USER_METADATA_BYTES, Provenance, metadata, output_keys};

/// Whether `v` may travel in an HTTP header (S3 user metadata): visible ASCII.
fn header_safe(v: &str) -> bool {
    v.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

/// Any JSON as an invocation: parsed or refused with `InvalidEvent`; what a record carries into
/// requests and metadata (bucket, ETag, version, sequencer) is header-safe.
///
/// # Panics
/// On a finding.
pub fn events(data: &[u8]) {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let items = match parse_invocation(&payload) {
        Ok(Invocation::Direct(items)) => items,
        Ok(Invocation::Sqs(messages)) => messages
            .into_iter()
            .filter_map(|m| m.items.ok())
            .flatten()
            .collect(),
        Ok(Invocation::Batch(batch)) => {
            for task in &batch.tasks {
                if let Err(e) = &task.item {
                    assert_eq!(e.kind(), ErrorKind::InvalidEvent, "{e}");
                }
            }
            batch
                .tasks
                .into_iter()
                .filter_map(|t| t.item.ok())
                .collect()
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidEvent, "{e}");
            return;
        }
    };
    for item in items {
        if let Item::Record(r) = item {
            assert!(!r.key.candidates().is_empty(), "a record without a key");
            let fields = [
                Some(&r.bucket),
                r.etag.as_ref(),
                r.version_id.as_ref(),
                r.sequencer.as_ref(),
            ];
            for field in fields.into_iter().flatten() {
                assert!(
                    header_safe(field),
                    "a record carries {field:?} into requests"
                );
            }
        }
    }
}

/// Lines `NAME=VALUE` as the environment: the settings parse or name the variable at fault.
///
/// # Panics
/// On a finding.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    match Config::from_lookup(|name| vars.get(name).map(|v| (*v).to_owned())) {
        Ok(config) => {
            let name = config.settings.session.name.as_str();
            assert!(
                (2..=64).contains(&name.len()),
                "a session name of {} bytes",
                name.len()
            );
            assert!(
                !config.settings.destination().renditions.is_empty(),
                "no renditions"
            );
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidConfiguration, "{e}"),
    }
}

/// NUL-separated prefix, key, version and sequencer: output keys stay within S3's 1,024 bytes
/// (or are refused) and end with the rendition's file name; metadata stays within 2 KB whenever
/// what it must carry fits, and is header-safe but for what the caller gave unencoded.
///
/// # Panics
/// On a finding.
pub fn outputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let (prefix, key) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (version, sequencer) = (parts.next(), parts.next());
    let Ok(renditions) =
        crate::spec::parse_renditions("thumb:200x200:jpeg:82,small:800x800:png,w:16x16:webp")
    else {
        return;
    };
    if let Some(keys) = output_keys(prefix, key, &renditions) {
        for (k, r) in keys.iter().zip(&renditions) {
            assert!(k.len() <= MAX_KEY_BYTES, "a key of {} bytes", k.len());
            assert!(
                k.starts_with(prefix) && k.ends_with(&r.file_name()),
                "{k:?}"
            );
        }
    }
    let p = Provenance {
        bucket: "source-bucket",
        key,
        etag: "0123456789abcdef0123456789abcdef",
        version_id: version,
        sequencer,
        generated_by: "transform/0.1.0",
    };
    let meta = metadata(&p, &renditions[0]);
    let encoded_key = meta.iter().find(|(k, _)| *k == "source-key");
    if let Some((_, v)) = encoded_key {
        assert!(header_safe(v), "source-key {v:?} is not encoded");
    }
    let size: usize = meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    let required: usize = meta
        .iter()
        .filter(|(k, _)| *k != "source-key")
        .map(|(k, v)| k.len() + v.len())
        .sum();
    assert!(
        size <= MAX_USER_METADATA_BYTES || required > MAX_USER_METADATA_BYTES,
        "metadata of {size} bytes"
    );
}
