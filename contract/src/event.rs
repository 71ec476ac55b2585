//! The events `transform` accepts, turned into records to handle. Pure: no AWS calls.
//!
//! - S3 notifications (`Records[].s3`, one or many), keys form-URL-decoded;
//! - the same inside SQS messages (`Records[].body`), each message its own unit of failure;
//! - EventBridge `Object Created` / `Object Deleted` from `aws.s3`, keys as given (with the
//!   form-decoded key as a fallback, since AWS does not document whether they are encoded);
//! - the `s3:TestEvent`.
//!
//! Anything else is an `InvalidEvent` error naming what arrived. Which kind of invocation a
//! payload is (direct, SQS, Batch Operations) is [`crate::invocation`]'s to say.

use std::cmp::Ordering;

use crate::Error;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use serde_json::Value;

/// Whether a record creates or removes an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ObjectCreated:*`, EventBridge `Object Created`.
    Created,
    /// `ObjectRemoved:*`, `LifecycleExpiration:*`, EventBridge `Object Deleted`.
    Removed,
}

/// The key of a record: decided (S3 notifications) or one of two candidates (EventBridge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKey {
    /// The form-URL-decoded key of an S3 notification.
    Decoded(String),
    /// An EventBridge key: try `given` first, then `decoded` when it differs.
    Candidates {
        /// The key as the event gives it.
        given: String,
        /// Its form-URL-decoding, when that differs and is valid UTF-8.
        decoded: Option<String>,
    },
}

impl EventKey {
    /// The keys to try, in order.
    pub fn candidates(&self) -> Vec<&str> {
        match self {
            EventKey::Decoded(k) => vec![k],
            EventKey::Candidates { given, decoded } => std::iter::once(given.as_str())
                .chain(decoded.as_deref())
                .collect(),
        }
    }

    /// The key to report when no candidate was chosen.
    pub fn primary(&self) -> &str {
        match self {
            EventKey::Decoded(k) => k,
            EventKey::Candidates { given, .. } => given,
        }
    }
}

/// One object event to handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Created or removed.
    pub kind: Kind,
    /// The event's name (`ObjectCreated:Put`, `Object Deleted`, ...), for logs.
    pub event_name: String,
    /// Source bucket.
    pub bucket: String,
    /// Source key.
    pub key: EventKey,
    /// The object's version, in versioned buckets.
    pub version_id: Option<String>,
    /// The object's ETag, without quotes (absent on removals).
    pub etag: Option<String>,
    /// The object's size, when the event says.
    pub size: Option<u64>,
    /// Orders events of one key.
    pub sequencer: Option<String>,
}

/// What an event item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The `s3:TestEvent`.
    Test,
    /// An object event to handle.
    Record(Record),
    /// An S3 event of a type not handled (reported as `skipped/ignored-event`).
    Ignored {
        /// Bucket.
        bucket: String,
        /// Key (decoded when possible).
        key: String,
        /// Version.
        version_id: Option<String>,
    },
}

/// Parses one event (a direct payload or an SQS message body).
pub fn parse_items(value: &Value) -> Result<Vec<Item>, Error> {
    if value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(vec![Item::Test]);
    }
    if let Some(records) = value.get("Records").and_then(Value::as_array) {
        if records.is_empty() {
            return Err(Error::invalid_event("an S3 notification with no Records"));
        }
        if records.iter().all(|r| r.get("s3").is_some()) {
            let event: S3Event = serde_json::from_value(value.clone()).map_err(|e| {
                Error::invalid_event(format!("an S3 notification that does not parse: {e}"))
            })?;
            return event.records.into_iter().map(s3_record).collect();
        }
        let sources: Vec<&str> = records
            .iter()
            .map(|r| {
                r.get("eventSource")
                    .and_then(Value::as_str)
                    .unwrap_or("none")
            })
            .collect();
        return Err(Error::invalid_event(format!(
            "a Records event that is not from S3 (eventSource: {}); expected S3 notifications, SQS messages holding them, EventBridge aws.s3 events or the s3:TestEvent",
            sources.join(", ")
        )));
    }
    if value.get("detail-type").is_some() && value.get("source").is_some() {
        return eventbridge(value).map(|item| vec![item]);
    }
    Err(Error::invalid_event(format!(
        "{}; expected an S3 notification (Records[].s3), an SQS batch of them, an EventBridge aws.s3 Object Created/Deleted event, or the s3:TestEvent",
        describe(value)
    )))
}

/// A short description of unexpected JSON, without echoing its values.
fn describe(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "an empty JSON object".into(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(8).map(String::as_str).collect();
            format!("a JSON object with keys {}", keys.join(", "))
        }
        Value::Array(a) => format!("a JSON array of {} items", a.len()),
        Value::String(_) => "a JSON string".into(),
        Value::Number(_) => "a JSON number".into(),
        Value::Bool(_) => "a JSON boolean".into(),
        Value::Null => "JSON null".into(),
    }
}

fn s3_record(r: S3EventRecord) -> Result<Item, Error> {
    let event_name = r.event_name.unwrap_or_default();
    let bucket = r.s3.bucket.name.ok_or_else(|| {
        Error::invalid_event(format!("an S3 {event_name} record without s3.bucket.name"))
    })?;
    let raw_key = r.s3.object.key.ok_or_else(|| {
        Error::invalid_event(format!(
            "an S3 {event_name} record for {bucket} without s3.object.key"
        ))
    })?;
    let key = form_decode(&raw_key).ok_or_else(|| {
        Error::invalid_event(format!(
            "the S3 key {raw_key:?} in bucket {bucket} does not form-URL-decode to UTF-8"
        ))
    })?;
    let version_id =
        r.s3.object
            .version_id
            .filter(|v| !v.is_empty() && v != "null");
    let kind = if event_name.starts_with("ObjectCreated:") {
        Kind::Created
    } else if event_name.starts_with("ObjectRemoved:")
        || event_name.starts_with("LifecycleExpiration:")
    {
        Kind::Removed
    } else {
        return Ok(Item::Ignored {
            bucket,
            key,
            version_id,
        });
    };
    checked(Record {
        kind,
        event_name,
        bucket,
        key: EventKey::Decoded(key),
        version_id,
        etag: r
            .s3
            .object
            .e_tag
            .map(|e| unquote(&e))
            .filter(|e| !e.is_empty()),
        size: r.s3.object.size.and_then(|s| u64::try_from(s).ok()),
        sequencer: r.s3.object.sequencer.filter(|s| !s.is_empty()),
    })
}

fn eventbridge(value: &Value) -> Result<Item, Error> {
    let event: EventBridgeEvent<Value> = serde_json::from_value(value.clone()).map_err(|e| {
        Error::invalid_event(format!("an EventBridge event that does not parse: {e}"))
    })?;
    if event.source != "aws.s3" {
        return Err(Error::invalid_event(format!(
            "an EventBridge event from {:?} ({:?}); expected source aws.s3",
            event.source, event.detail_type
        )));
    }
    let detail = &event.detail;
    let text = |path: &[&str]| {
        path.iter()
            .try_fold(detail, |v, k| v.get(k))
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
            .filter(|s| !s.is_empty())
    };
    let detail_type = event.detail_type.clone();
    let bucket = text(&["bucket", "name"]).ok_or_else(|| {
        Error::invalid_event(format!(
            "an EventBridge {detail_type:?} event without detail.bucket.name"
        ))
    })?;
    let given = text(&["object", "key"]).ok_or_else(|| {
        Error::invalid_event(format!(
            "an EventBridge {detail_type:?} event for {bucket} without detail.object.key"
        ))
    })?;
    let version_id = text(&["object", "version-id"]).filter(|v| v != "null");
    let kind = match detail_type.as_str() {
        "Object Created" => Kind::Created,
        "Object Deleted" => Kind::Removed,
        _ => {
            let key = form_decode(&given).unwrap_or(given);
            return Ok(Item::Ignored {
                bucket,
                key,
                version_id,
            });
        }
    };
    let decoded = form_decode(&given).filter(|d| *d != given);
    checked(Record {
        kind,
        event_name: detail_type,
        bucket,
        key: EventKey::Candidates { given, decoded },
        version_id,
        etag: text(&["object", "etag"]).map(|e| unquote(&e)),
        size: detail
            .get("object")
            .and_then(|o| o.get("size"))
            .and_then(Value::as_u64),
        sequencer: text(&["object", "sequencer"]),
    })
}

/// The record, if what it carries into requests and metadata is what S3 sends: a bucket name,
/// an ETag of hex digits (`-N` for multipart uploads), a version id of visible ASCII, a
/// sequencer of hex digits. Anything else would become a malformed header (a request the SDK
/// cannot build, retried for nothing) or spoofed metadata, so the event is invalid.
pub(crate) fn checked(r: Record) -> Result<Item, Error> {
    let field = |what: &str, value: &str, expected: &str| {
        let shown: String = value.chars().take(80).collect();
        Error::invalid_event(format!(
            "the {} record for s3://{}/{} has {what} {shown:?}, which is not {expected}",
            r.event_name,
            r.bucket.chars().take(80).collect::<String>(),
            r.key.primary().chars().take(200).collect::<String>()
        ))
    };
    let bucket_ok = (1..=255).contains(&r.bucket.len())
        && r.bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !bucket_ok {
        return Err(field("the bucket", &r.bucket, "an S3 bucket name"));
    }
    if let Some(etag) = &r.etag {
        let (hex, part) = etag.split_once('-').unwrap_or((etag, "1"));
        let ok = (1..=64).contains(&hex.len())
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && (1..=5).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(field(
                "the ETag",
                etag,
                "an ETag (hex digits, optionally -N)",
            ));
        }
    }
    if let Some(version) = &r.version_id {
        let ok = (1..=1024).contains(&version.len())
            && version.bytes().all(|b| (0x21..=0x7E).contains(&b));
        if !ok {
            return Err(field(
                "the version id",
                version,
                "a version id (visible ASCII)",
            ));
        }
    }
    if let Some(sequencer) = &r.sequencer {
        let ok =
            (1..=64).contains(&sequencer.len()) && sequencer.bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(field(
                "the sequencer",
                sequencer,
                "a sequencer (hex digits)",
            ));
        }
    }
    Ok(Item::Record(r))
}

/// Form-URL-decoding of an S3 key: `+` is a space, then `%XX`, then UTF-8.
pub fn form_decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_owned()
}

/// Orders two sequencers of one key as S3 documents it: right-pad the shorter with zeros, then
/// compare lexicographically (hex digits compared case-insensitively).
pub fn compare_sequencers(a: &str, b: &str) -> Ordering {
    let width = a.len().max(b.len());
    let pad = |s: &str| format!("{:0<width$}", s.to_ascii_uppercase());
    pad(a).cmp(&pad(b))
}

#[cfg(test)]
mod tests;
