//! The destination side, as the writer role: what lies under a key's folder, and conditional
//! writes and deletes. Every request carries ExpectedBucketOwner (the client's interceptor).

use std::collections::HashMap;

use aws_sdk_s3::primitives::ByteStream;
use contract::decision::{Delete, Found};
use cross_account_s3::{DestinationS3, Error, Refusal, Side};
use tokio::task::JoinSet;

/// The most objects read under one key's folder: renditions are a handful per key (the names
/// of `RENDITIONS`, past and present), so one page of ListObjectsV2 covers them.
const MAX_FOLDER_OBJECTS: i32 = 1000;

/// What a conditional request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Conditional {
    /// Done; for a write, the new object's ETag (quoted).
    Done(String),
    /// The object is not (or no longer) what the condition named: left as it is.
    Changed,
    /// Nothing there (a delete of something already gone).
    Missing,
}

/// Every object directly under `folder` (a prefix ending in `/`), each with its metadata (one
/// ListObjectsV2 with a delimiter, then the HEADs concurrently).
pub(super) async fn folder(dst: &DestinationS3, folder: &str) -> Result<Vec<Found>, Error> {
    let listed = dst
        .client()
        .list_objects_v2()
        .bucket(dst.bucket())
        .prefix(folder)
        .delimiter("/")
        .max_keys(MAX_FOLDER_OBJECTS)
        .send()
        .await
        .map_err(|e| {
            dst.refusal(e, "ListObjectsV2", folder).or_unexpected(
                Side::Destination,
                "ListObjectsV2",
                folder,
            )
        })?;
    if listed.is_truncated() == Some(true) {
        tracing::warn!(
            folder,
            "more than {MAX_FOLDER_OBJECTS} objects under one key's folder: only the first are considered"
        );
    }
    let mut tasks = JoinSet::new();
    for (i, object) in listed.contents().iter().enumerate() {
        let Some(key) = object.key() else { continue };
        let (dst, key) = (dst.clone(), key.to_owned());
        tasks.spawn(async move { (i, head(&dst, key).await) });
    }
    let mut found: Vec<(usize, Found)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, head) = joined.map_err(|e| {
            Error::internal(
                format!("a HeadObject task under s3://{}/{folder}", dst.bucket()),
                e.to_string(),
            )
        })?;
        if let Some(f) = head? {
            found.push((i, f));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    Ok(found.into_iter().map(|(_, f)| f).collect())
}

/// The object at `key` with its metadata, if any.
pub(super) async fn head(dst: &DestinationS3, key: String) -> Result<Option<Found>, Error> {
    match dst.head_object(&key).send().await {
        Ok(head) => {
            let meta = head.metadata();
            let etag = head.e_tag().unwrap_or_default().to_owned();
            Ok(Some(Found::from_metadata(key, etag, |name| {
                meta.and_then(|m| m.get(name)).cloned()
            })))
        }
        Err(e) => match dst.refusal(e, "HeadObject", &key) {
            Refusal::NotFound => Ok(None),
            other => Err(other.or_unexpected(Side::Destination, "HeadObject", &key)),
        },
    }
}

/// One PutObject: `If-Match` on `replace`, else `If-None-Match: *`.
pub(super) async fn put(
    dst: &DestinationS3,
    key: &str,
    body: &[u8],
    content_type: &str,
    metadata: &HashMap<String, String>,
    replace: Option<&str>,
) -> Result<Conditional, Error> {
    let put = dst
        .put_object(key)
        .body(ByteStream::from(body.to_vec()))
        .content_type(content_type)
        .set_metadata(Some(metadata.clone()));
    let put = match replace {
        Some(etag) => put.if_match(etag),
        None => put.if_none_match("*"),
    };
    match put.send().await {
        Ok(out) => Ok(Conditional::Done(
            out.e_tag().unwrap_or_default().to_owned(),
        )),
        Err(e) => match dst.refusal(e, "PutObject", key) {
            // 404: an If-Match on an object deleted meanwhile.
            Refusal::PreconditionFailed | Refusal::NotFound => Ok(Conditional::Changed),
            Refusal::Fatal(e) => Err(e),
        },
    }
}

/// One DeleteObject with `If-Match` on the ETag read: an object replaced meanwhile (by a
/// re-upload's render) is kept.
pub(super) async fn delete(dst: &DestinationS3, d: &Delete) -> Result<Conditional, Error> {
    match dst.delete_object(&d.key).if_match(&d.etag).send().await {
        Ok(_) => Ok(Conditional::Done(d.etag.clone())),
        Err(e) => match dst.refusal(e, "DeleteObject", &d.key) {
            Refusal::PreconditionFailed => Ok(Conditional::Changed),
            Refusal::NotFound => Ok(Conditional::Missing),
            Refusal::Fatal(e) => Err(e),
        },
    }
}
