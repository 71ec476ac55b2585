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
