//! The contract's responses: a RESULT per record, with closed lists of statuses and reasons.

use serde::Serialize;

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Renditions written.
    Written,
    /// Renditions deleted (a removal event).
    Deleted,
    /// Nothing to do (see the reason).
    Skipped,
    /// The input cannot be made into renditions (see the reason); not retried.
    Rejected,
}

/// Why a record was skipped or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The `s3:TestEvent` S3 sends when a notification is configured.
    TestEvent,
    /// The object no longer exists (or a removal found nothing to delete).
    Gone,
    /// Overwritten since the event, or a removal while a current version exists.
    Superseded,
    /// Renditions exist for this source ETag.
    AlreadyCurrent,
    /// A later event for the key was applied.
    OutOfOrder,
    /// The object is one of the pipeline's own outputs (loop guard).
    OwnOutput,
    /// An event type not handled, or an object outside `SOURCE_BUCKET`/`SOURCE_PREFIX`.
    IgnoredEvent,
    /// Zero bytes, or no image format recognised.
    NotAnImage,
    /// Does not decode, or truncated.
    Corrupt,
    /// Over `MAX_INPUT_BYTES` or `MAX_INPUT_PIXELS`.
    TooLarge,
    /// A recognised image format that is not decoded.
    UnsupportedFormat,
    /// An output key would pass S3's 1024 bytes.
    KeyTooLong,
}

impl Reason {
    /// The reason of an image rejection.
    pub fn of_rejection(rejection: &imaging::Rejection) -> Self {
        use imaging::Rejection as R;
        match rejection {
            R::NotAnImage(_) => Reason::NotAnImage,
            R::Corrupt(_) => Reason::Corrupt,
            R::TooLarge(_) => Reason::TooLarge,
            R::UnsupportedFormat(_) => Reason::UnsupportedFormat,
        }
    }

    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TestEvent => "test-event",
            Reason::Gone => "gone",
            Reason::Superseded => "superseded",
            Reason::AlreadyCurrent => "already-current",
            Reason::OutOfOrder => "out-of-order",
            Reason::OwnOutput => "own-output",
            Reason::IgnoredEvent => "ignored-event",
            Reason::NotAnImage => "not-an-image",
            Reason::Corrupt => "corrupt",
            Reason::TooLarge => "too-large",
            Reason::UnsupportedFormat => "unsupported-format",
            Reason::KeyTooLong => "key-too-long",
        }
    }
}

impl Status {
    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Written => "written",
            Status::Deleted => "deleted",
            Status::Skipped => "skipped",
            Status::Rejected => "rejected",
        }
    }
}

/// One output object. For deleted renditions only `key` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputInfo {
    /// The full destination key (for `render`, the written file's path).
    pub key: String,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Size in bytes.
    pub bytes: Option<u64>,
}

impl OutputInfo {
    /// A deleted rendition: its key, nothing else.
    pub fn deleted(key: String) -> Self {
        Self {
            key,
            content_type: None,
            width: None,
            height: None,
            bytes: None,
        }
    }
}

/// The RESULT of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordResult {
    /// Source bucket (null for the test event and `render`).
    pub bucket: Option<String>,
    /// Decoded source key (null for the test event).
    pub key: Option<String>,
    /// Source version id, or null.
    pub version_id: Option<String>,
    /// What happened.
    pub status: Status,
    /// Why (null for written and deleted).
    pub reason: Option<Reason>,
    /// The outputs written or deleted (`[]` for skipped and rejected).
    pub outputs: Vec<OutputInfo>,
}

impl RecordResult {
    /// A skipped record.
    pub fn skipped(
        bucket: Option<String>,
        key: Option<String>,
        version_id: Option<String>,
        reason: Reason,
    ) -> Self {
        Self {
            bucket,
            key,
            version_id,
            status: Status::Skipped,
            reason: Some(reason),
            outputs: vec![],
        }
    }
}

/// A direct invocation's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// One RESULT per record, in the event's order.
    pub results: Vec<RecordResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_serialise_as_the_contract_says() {
        let r = RecordResult {
            bucket: Some("b".into()),
            key: Some("a b.jpg".into()),
            version_id: None,
            status: Status::Rejected,
            reason: Some(Reason::UnsupportedFormat),
            outputs: vec![],
        };
        assert_eq!(
            serde_json::to_value(&r).expect("serialises"),
            serde_json::json!({"bucket": "b", "key": "a b.jpg", "version_id": null, "status": "rejected", "reason": "unsupported-format", "outputs": []})
        );
        let d =
            serde_json::to_value(OutputInfo::deleted("k/thumb.jpg".into())).expect("serialises");
        assert_eq!(
            d,
            serde_json::json!({"key": "k/thumb.jpg", "content_type": null, "width": null, "height": null, "bytes": null})
        );
        for reason in [
            Reason::TestEvent,
            Reason::AlreadyCurrent,
            Reason::OutOfOrder,
            Reason::KeyTooLong,
            Reason::IgnoredEvent,
        ] {
            assert_eq!(
                serde_json::to_value(reason).expect("serialises"),
                reason.as_str()
            );
        }
    }
}
