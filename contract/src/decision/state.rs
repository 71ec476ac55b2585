//! What the pipeline read, as the decisions see it: the source object, what pins a record to
//! it, and the objects found under the key's folder in the destination with their metadata.

use crate::event::compare_sequencers;
use crate::outputs::encode_source_key;

use super::Delete;

/// One object of the source bucket, as a GetObject or HeadObject shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceObject {
    /// ETag, without quotes.
    pub etag: String,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
    /// Length in bytes.
    pub length: u64,
}

impl SourceObject {
    /// Whether `other` is this very object: the same version where versions are known, else
    /// the same ETag.
    pub fn is(&self, other: &SourceObject) -> bool {
        match (&self.version_id, &other.version_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.etag == other.etag,
        }
    }
}

/// The record's object, read as the record names it (pinned to its version, else to its ETag
/// with `If-Match`, else the key's object as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// Read.
    Found {
        /// The object.
        object: SourceObject,
        /// It carries `generated-by`: one of the pipeline's own outputs.
        own_output: bool,
    },
    /// No such key or version (404).
    Missing,
    /// The key holds another object than the record's ETag (412).
    Changed,
}

/// An object found directly under a source key's folder in the destination
/// (`{DESTINATION_PREFIX}{key}/`), with what its user metadata says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Its full key.
    pub key: String,
    /// Its ETag, quoted as S3 gives it (for `If-Match`).
    pub etag: String,
    /// `generated-by`.
    pub generated_by: Option<String>,
    /// `source-bucket`.
    pub source_bucket: Option<String>,
    /// `source-key` (percent-encoded).
    pub source_key: Option<String>,
    /// `source-etag`.
    pub source_etag: Option<String>,
    /// `source-version-id`.
    pub source_version: Option<String>,
    /// `source-sequencer`.
    pub sequencer: Option<String>,
    /// `rendition-spec`.
    pub spec: Option<String>,
}

impl Found {
    /// Reads the metadata through `get` (user metadata names without `x-amz-meta-`).
    pub fn from_metadata(key: String, etag: String, get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            key,
            etag,
            generated_by: get("generated-by"),
            source_bucket: get("source-bucket"),
            source_key: get("source-key"),
            source_etag: get("source-etag"),
            source_version: get("source-version-id"),
            sequencer: get("source-sequencer"),
            spec: get("rendition-spec").map(|spec| crate::spec::stored_spec(&spec)),
        }
    }

    /// One of the pipeline's outputs made from this source key (`source-key` is absent when it
    /// would not fit in S3's metadata; the folder then names the source).
    pub fn belongs_to(&self, bucket: &str, key: &str) -> bool {
        self.generated_by.is_some()
            && self.source_bucket.as_deref() == Some(bucket)
            && self
                .source_key
                .as_deref()
                .is_none_or(|k| k == encode_source_key(key))
    }

    /// Made from this exact source object.
    pub fn made_from(&self, object: &SourceObject) -> bool {
        self.source_etag.as_deref() == Some(object.etag.as_str())
            && self.source_version == object.version_id
    }

    /// Made for an event later than `sequencer`.
    pub fn later_than(&self, sequencer: &str) -> bool {
        self.sequencer
            .as_deref()
            .is_some_and(|mine| compare_sequencers(mine, sequencer).is_gt())
    }

    pub(super) fn delete(&self) -> Delete {
        Delete {
            key: self.key.clone(),
            etag: self.etag.clone(),
        }
    }
}
