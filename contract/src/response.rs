//! The contract's responses: a RESULT per record, with closed lists of statuses and reasons.
//!
//! A status and its reason are one value, [`Disposition`]: `written` and `deleted` carry no
//! reason, `skipped` only a [`Skip`], `rejected` only a [`Reject`], so no impossible pair (a
//! written record with a reason, a skipped one for `corrupt`) can be built.

use serde::Serialize;
use serde::ser::SerializeStruct;

/// What happened to a record: the contract's status with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Renditions written.
    Written,
    /// Renditions deleted (a removal event; the outputs list the deleted keys).
    Deleted,
    /// Nothing to do.
    Skipped(Skip),
    /// The input cannot be made into renditions; not retried.
    Rejected(Reject),
}

/// Why a record was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The `s3:TestEvent` S3 sends when a notification is configured.
    TestEvent,
    /// The object (or version) no longer exists, or a removal found nothing to delete.
    Gone,
    /// Another object is the key's current one, or a removal while a current version exists
    /// whose renditions are made.
    Superseded,
    /// Renditions exist for this source ETag and version, with this rendition spec.
    AlreadyCurrent,
    /// A later event for the key was applied.
    OutOfOrder,
    /// The object is one of the pipeline's own outputs (loop guard).
    OwnOutput,
    /// An event type not handled, or an object outside `SOURCE_BUCKET`/`SOURCE_PREFIX`.
    IgnoredEvent,
    /// A key inside `SOURCE_PREFIX` that no route of `ROUTES` takes (nothing read).
    NoRoute,
}

/// Why a record was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
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

impl Disposition {
    /// The contract's status.
    pub fn status(self) -> &'static str {
        match self {
            Disposition::Written => "written",
            Disposition::Deleted => "deleted",
            Disposition::Skipped(_) => "skipped",
            Disposition::Rejected(_) => "rejected",
        }
    }

    /// The contract's reason (null for written and deleted).
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Disposition::Written | Disposition::Deleted => None,
            Disposition::Skipped(skip) => Some(skip.as_str()),
            Disposition::Rejected(reject) => Some(reject.as_str()),
        }
    }

    /// `status` or `status/reason`, as logs, metrics and Batch Operations' result strings
    /// name it.
    pub fn label(self) -> String {
        match self.reason() {
            None => self.status().to_owned(),
            Some(reason) => format!("{}/{reason}", self.status()),
        }
    }
}

impl Skip {
    /// Every reason, in the contract's order.
    pub const ALL: [Skip; 8] = [
        Skip::TestEvent,
        Skip::Gone,
        Skip::Superseded,
        Skip::AlreadyCurrent,
        Skip::OutOfOrder,
        Skip::OwnOutput,
        Skip::IgnoredEvent,
        Skip::NoRoute,
    ];

    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::TestEvent => "test-event",
            Skip::Gone => "gone",
            Skip::Superseded => "superseded",
            Skip::AlreadyCurrent => "already-current",
            Skip::OutOfOrder => "out-of-order",
            Skip::OwnOutput => "own-output",
            Skip::IgnoredEvent => "ignored-event",
            Skip::NoRoute => "no-route",
        }
    }
}

impl Reject {
    /// Every reason, in the contract's order.
    pub const ALL: [Reject; 5] = [
        Reject::NotAnImage,
        Reject::Corrupt,
        Reject::TooLarge,
        Reject::UnsupportedFormat,
        Reject::KeyTooLong,
    ];

    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::NotAnImage => "not-an-image",
            Reject::Corrupt => "corrupt",
            Reject::TooLarge => "too-large",
            Reject::UnsupportedFormat => "unsupported-format",
            Reject::KeyTooLong => "key-too-long",
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

/// The `route` of a RESULT (the contract's "Several destinations").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ResultRoute {
    /// No `route` field: `render`'s RESULTs, which go to no destination.
    #[default]
    Absent,
    /// `"route": null`: a RESULT decided before any route (`test-event`, `ignored-event`,
    /// `own-output`, `no-route`), one per record.
    RouteLess,
    /// `"route": "<id>"`: the route this RESULT is of (`default` without `ROUTES`).
    Route(String),
}

impl ResultRoute {
    /// The RESULT of `disposition` on route `id`, or route-less when the disposition is decided
    /// before any route is.
    pub fn of(disposition: &Disposition, id: &str) -> Self {
        match disposition {
            Disposition::Skipped(
                Skip::TestEvent | Skip::IgnoredEvent | Skip::OwnOutput | Skip::NoRoute,
            ) => Self::RouteLess,
            _ => Self::Route(id.to_owned()),
        }
    }

    /// The route's id, if the RESULT is of one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Route(id) => Some(id),
            Self::Absent | Self::RouteLess => None,
        }
    }
}

/// The RESULT of one record (on one route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    /// Source bucket (null for the test event and `render`).
    pub bucket: Option<String>,
    /// Decoded source key (null for the test event).
    pub key: Option<String>,
    /// Source version id, or null.
    pub version_id: Option<String>,
    /// The route it is of (absent until a pipeline sets it; `render` never does).
    pub route: ResultRoute,
    /// What happened, and why.
    pub disposition: Disposition,
    /// The outputs written or deleted (`[]` for skipped and rejected).
    pub outputs: Vec<OutputInfo>,
}

impl RecordResult {
    /// A result without outputs.
    pub fn new(
        bucket: Option<String>,
        key: Option<String>,
        version_id: Option<String>,
        disposition: Disposition,
    ) -> Self {
        Self {
            bucket,
            key,
            version_id,
            route: ResultRoute::Absent,
            disposition,
            outputs: vec![],
        }
    }
}

impl Serialize for RecordResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RecordResult", 7)?;
        s.serialize_field("bucket", &self.bucket)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("version_id", &self.version_id)?;
        match &self.route {
            ResultRoute::Absent => s.skip_field("route")?,
            ResultRoute::RouteLess => s.serialize_field("route", &None::<&str>)?,
            ResultRoute::Route(id) => s.serialize_field("route", id)?,
        }
        s.serialize_field("status", self.disposition.status())?;
        s.serialize_field("reason", &self.disposition.reason())?;
        s.serialize_field("outputs", &self.outputs)?;
        s.end()
    }
}

/// A direct invocation's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectResponse {
    /// One RESULT per record, in the event's order.
    pub results: Vec<RecordResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_serialise_as_the_contract_says() {
        let r = RecordResult::new(
            Some("b".into()),
            Some("a b.jpg".into()),
            None,
            Disposition::Rejected(Reject::UnsupportedFormat),
        );
        assert_eq!(
            serde_json::to_value(&r).expect("serialises"),
            serde_json::json!({"bucket": "b", "key": "a b.jpg", "version_id": null, "status": "rejected", "reason": "unsupported-format", "outputs": []})
        );
        let mut w = RecordResult::new(
            None,
            Some("k".into()),
            Some("v".into()),
            Disposition::Written,
        );
        w.outputs.push(OutputInfo::deleted("k/thumb.jpg".into()));
        let w = serde_json::to_value(&w).expect("serialises");
        assert_eq!(
            (&w["status"], &w["reason"]),
            (&"written".into(), &serde_json::Value::Null)
        );
        assert_eq!(
            w["outputs"][0],
            serde_json::json!({"key": "k/thumb.jpg", "content_type": null, "width": null, "height": null, "bytes": null})
        );
    }

    #[test]
    fn every_status_and_reason_is_spelled_as_the_contract_lists_it() {
        let skips: Vec<&str> = Skip::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            skips,
            [
                "test-event",
                "gone",
                "superseded",
                "already-current",
                "out-of-order",
                "own-output",
                "ignored-event",
                "no-route"
            ]
        );
        let rejects: Vec<&str> = Reject::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            rejects,
            [
                "not-an-image",
                "corrupt",
                "too-large",
                "unsupported-format",
                "key-too-long"
            ]
        );
        assert_eq!(Disposition::Deleted.label(), "deleted");
        assert_eq!(Disposition::Skipped(Skip::Gone).label(), "skipped/gone");
        assert_eq!(
            Disposition::Rejected(Reject::Corrupt).label(),
            "rejected/corrupt"
        );
    }
}

#[cfg(test)]
mod route_tests {
    use super::*;

    #[test]
    fn a_results_route_is_absent_null_or_its_id() {
        let mut r = RecordResult::new(None, Some("k".into()), None, Disposition::Written);
        let json = |r: &RecordResult| serde_json::to_value(r).expect("serialises");
        assert!(
            json(&r).get("route").is_none(),
            "render's RESULTs have no route"
        );
        r.route = ResultRoute::of(&r.disposition, "cdn");
        assert_eq!(json(&r)["route"], "cdn");
        for skip in [
            Skip::TestEvent,
            Skip::IgnoredEvent,
            Skip::OwnOutput,
            Skip::NoRoute,
        ] {
            let d = Disposition::Skipped(skip);
            assert_eq!(
                ResultRoute::of(&d, "cdn"),
                ResultRoute::RouteLess,
                "{skip:?}"
            );
            r.route = ResultRoute::RouteLess;
            assert_eq!(json(&r)["route"], serde_json::Value::Null);
        }
        let gone = Disposition::Skipped(Skip::Gone);
        assert_eq!(
            ResultRoute::of(&gone, "cdn").id(),
            Some("cdn"),
            "decided per route"
        );
    }
}
