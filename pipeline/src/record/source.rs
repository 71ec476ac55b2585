//! The source side, as the execution role: the record's object and the key's current object.

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::AggregatedBytes;
use contract::decision::{Pinned, SourceObject};
use cross_account_s3::error::{AwsAnswer, TransientFailure};
use cross_account_s3::{Error, Refusal, Side};

use super::Pipeline;
use crate::event::Record;

/// The record's object, opened (headers read, body not yet).
pub(super) struct Opened {
    /// The key it was found under (EventBridge keys have two candidates).
    pub key: String,
    /// What the decision needs to know about it.
    pub pinned: Pinned,
    /// The open GetObject, when found.
    pub body: Option<Box<GetObjectOutput>>,
}

fn object_of(etag: Option<&str>, version: Option<&str>, length: Option<i64>) -> SourceObject {
    SourceObject {
        etag: etag.unwrap_or_default().trim_matches('"').to_owned(),
        version_id: version.map(str::to_owned),
        length: length.and_then(|l| u64::try_from(l).ok()).unwrap_or(0),
    }
}

fn is_own_output(metadata: Option<&std::collections::HashMap<String, String>>) -> bool {
    metadata.is_some_and(|m| m.contains_key("generated-by"))
}

impl Pipeline {
    /// Opens the record's object, trying its key candidates in order: pinned to the record's
    /// version, else to its ETag (`If-Match`), else the key's object as it is (backfill and
    /// Batch Operations tasks without a version).
    pub(super) async fn open_source(&self, r: &Record) -> Result<Opened, Error> {
        let src = &self.clients.source;
        for key in r.key.candidates() {
            let mut get = src.client().get_object().bucket(&r.bucket).key(key);
            if let Some(version) = &r.version_id {
                get = get.version_id(version);
            } else if let Some(etag) = &r.etag {
                get = get.if_match(format!("\"{etag}\""));
            }
            match get.send().await {
                Ok(output) => {
                    let object = object_of(
                        output.e_tag(),
                        output.version_id().or(r.version_id.as_deref()),
                        output.content_length(),
                    );
                    return Ok(Opened {
                        key: key.to_owned(),
                        pinned: Pinned::Found {
                            own_output: is_own_output(output.metadata()),
                            object,
                        },
                        body: Some(Box::new(output)),
                    });
                }
                Err(e) => match src.refusal(e, "GetObject", &r.bucket, key) {
                    Refusal::NotFound => continue,
                    Refusal::PreconditionFailed => {
                        return Ok(Opened {
                            key: key.to_owned(),
                            pinned: Pinned::Changed,
                            body: None,
                        });
                    }
                    Refusal::Fatal(e) => return Err(e),
                },
            }
        }
        Ok(Opened {
            key: r.key.primary().to_owned(),
            pinned: Pinned::Missing,
            body: None,
        })
    }

    /// The key's current object (a HeadObject without a version); `None` when there is none
    /// or its current version is a delete marker.
    pub(super) async fn current(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<SourceObject>, Error> {
        let src = &self.clients.source;
        match src
            .client()
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(current_of(&head))),
            Err(e) => match src.refusal(e, "HeadObject", bucket, key) {
                Refusal::NotFound => Ok(None),
                other => Err(other.or_unexpected(Side::Source, "HeadObject", key)),
            },
        }
    }
}

fn current_of(head: &HeadObjectOutput) -> SourceObject {
    object_of(head.e_tag(), head.version_id(), head.content_length())
}

/// Reads the body of an opened object.
pub(super) async fn read_body(
    output: Box<GetObjectOutput>,
    bucket: &str,
    key: &str,
) -> Result<AggregatedBytes, Error> {
    output.body.collect().await.map_err(|e| {
        TransientFailure::new(
            Side::Source,
            "GetObject",
            format!("s3://{bucket}/{key}"),
            AwsAnswer::none("reading the body failed"),
        )
        .with_source(Box::new(e))
        .into()
    })
}

/// What the record named and what the key holds, for the log line of a `superseded` or `gone`
/// record, so that the reason is never a riddle (an event made by hand, or SAM's
/// `generate-event` with its placeholder ETag, names an object the bucket does not hold).
/// `holds`: the key's current object, `None` when there is none, or why it could not be read.
pub(super) fn what_differs(r: &Record, holds: Result<Option<&SourceObject>, &Error>) -> String {
    let named = match (&r.etag, &r.version_id) {
        (Some(etag), Some(version)) => format!("ETag {etag}, version {version}"),
        (Some(etag), None) => format!("ETag {etag}"),
        (None, Some(version)) => format!("version {version}"),
        (None, None) => "the key alone".to_owned(),
    };
    let holds = match holds {
        Ok(Some(SourceObject {
            etag,
            version_id: Some(version),
            ..
        })) => format!("ETag {etag}, version {version}"),
        Ok(Some(SourceObject { etag, .. })) => format!("ETag {etag}"),
        Ok(None) => "nothing (no object, or a delete marker)".to_owned(),
        Err(e) => format!("what could not be read ({e})"),
    };
    format!("the event names {named}; the key holds {holds}")
}

#[cfg(test)]
mod tests {
    use contract::event::{EventKey, Kind};

    use super::*;

    fn record(etag: Option<&str>, version: Option<&str>) -> Record {
        Record {
            kind: Kind::Created,
            event_name: "ObjectCreated:Put".into(),
            bucket: "b".into(),
            key: EventKey::Decoded("k".into()),
            version_id: version.map(str::to_owned),
            etag: etag.map(str::to_owned),
            size: None,
            sequencer: None,
        }
    }

    #[test]
    fn names_what_the_event_said_and_what_the_key_holds() {
        let holds = SourceObject {
            etag: "72e3".into(),
            version_id: None,
            length: 1,
        };
        assert_eq!(
            what_differs(&record(Some("0123"), None), Ok(Some(&holds))),
            "the event names ETag 0123; the key holds ETag 72e3"
        );
        let versioned = SourceObject {
            version_id: Some("v2".into()),
            ..holds
        };
        assert_eq!(
            what_differs(&record(None, Some("1")), Ok(Some(&versioned))),
            "the event names version 1; the key holds ETag 72e3, version v2"
        );
        assert_eq!(
            what_differs(&record(Some("0123"), Some("1")), Ok(None)),
            "the event names ETag 0123, version 1; the key holds nothing (no object, or a delete marker)"
        );
        assert_eq!(
            what_differs(&record(None, None), Ok(None)),
            "the event names the key alone; the key holds nothing (no object, or a delete marker)"
        );
    }
}
