//! One record, end to end: read as the execution role, render, write as the writer role.
//!
//! Delivery is at least once and unordered, and several containers may handle one key at once,
//! so every step is idempotent and ordered by the event's `sequencer`:
//! - the read is pinned to the event's version, else to its ETag (`If-Match`): an object
//!   overwritten since is `superseded`, one deleted since is `gone`;
//! - each rendition records its source's ETag, version and sequencer; renditions already made
//!   from this ETag are `already-current`; renditions made for a later event are left alone
//!   (`out-of-order`);
//! - writes are conditional (`If-None-Match: *` for a new rendition, `If-Match` on the ETag
//!   read to replace one), so two writers never regress each other;
//! - a removal deletes renditions only when the source key has no current version.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use cross_account_s3::{Clients, DestinationS3, Error, Refusal, Side};

use crate::config::Config;
use crate::event::{Item, Kind, Record, compare_sequencers};
use crate::outputs::{Provenance, metadata, output_keys};
use crate::response::{OutputInfo, Reason, RecordResult, Status};
use imaging::{RenderError, Rendered, render};

/// Figures of one record, for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordMetrics {
    /// Source bytes read.
    pub bytes_in: u64,
    /// Source pixels decoded.
    pub pixels_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Pixels written.
    pub pixels_out: u64,
    /// Time reading the source.
    pub read: Duration,
    /// Time rendering.
    pub transform: Duration,
    /// Time writing (or deleting) outputs.
    pub write: Duration,
}

/// A handled record: its RESULT, its figures, and for rejections what is wrong with the input.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The contract's RESULT.
    pub result: RecordResult,
    /// Figures for logs and metrics.
    pub metrics: RecordMetrics,
    /// Why the input was rejected (logged, not part of the RESULT).
    pub detail: Option<String>,
}

impl Outcome {
    fn of(result: RecordResult) -> Self {
        Self {
            result,
            metrics: RecordMetrics::default(),
            detail: None,
        }
    }
}

/// What a rendition in the destination says about its source.
#[derive(Debug, Clone)]
struct Existing {
    /// The rendition's own ETag, quoted as S3 gives it (for `If-Match`).
    etag: String,
    source_etag: Option<String>,
    source_version: Option<String>,
    sequencer: Option<String>,
}

impl Existing {
    /// Made from this exact source object.
    fn is_from(&self, etag: &str, version: Option<&str>) -> bool {
        self.source_etag.as_deref() == Some(etag) && self.source_version.as_deref() == version
    }

    /// Made for an event later than `sequencer`.
    fn is_later_than(&self, sequencer: Option<&str>) -> bool {
        matches!((self.sequencer.as_deref(), sequencer), (Some(mine), Some(theirs)) if compare_sequencers(mine, theirs) == Ordering::Greater)
    }
}

/// The pipeline: clients and configuration, built once per cold start.
#[derive(Debug, Clone)]
pub struct Pipeline {
    clients: Clients,
    config: Config,
}

impl Pipeline {
    /// Wires the clients and the configuration.
    pub fn new(clients: Clients, config: Config) -> Self {
        Self { clients, config }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clients (backfill lists the source with them).
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Handles one item of an event.
    pub async fn handle(&self, item: &Item) -> Result<Outcome, Error> {
        match item {
            Item::Test => Ok(Outcome::of(RecordResult::skipped(
                None,
                None,
                None,
                Reason::TestEvent,
            ))),
            Item::Ignored {
                bucket,
                key,
                version_id,
            } => Ok(Outcome::of(RecordResult::skipped(
                Some(bucket.clone()),
                Some(key.clone()),
                version_id.clone(),
                Reason::IgnoredEvent,
            ))),
            Item::Record(r) if !self.in_scope(r) => Ok(Outcome::of(self.result(
                r,
                r.key.primary(),
                Status::Skipped,
                Some(Reason::IgnoredEvent),
            ))),
            Item::Record(r) => match r.kind {
                Kind::Created => self.created(r).await,
                Kind::Removed => self.removed(r).await,
            },
        }
    }

    /// Whether the record concerns `SOURCE_BUCKET`/`SOURCE_PREFIX` (when set).
    fn in_scope(&self, r: &Record) -> bool {
        let source = &self.config.shared.source;
        source.bucket.as_deref().is_none_or(|b| b == r.bucket)
            && r.key
                .candidates()
                .iter()
                .any(|k| k.starts_with(&source.prefix))
    }

    fn result(
        &self,
        r: &Record,
        key: &str,
        status: Status,
        reason: Option<Reason>,
    ) -> RecordResult {
        RecordResult {
            bucket: Some(r.bucket.clone()),
            key: Some(key.to_owned()),
            version_id: r.version_id.clone(),
            status,
            reason,
            outputs: vec![],
        }
    }

    async fn created(&self, r: &Record) -> Result<Outcome, Error> {
        let started = Instant::now();
        let skipped = |key: &str, reason| {
            Ok(Outcome::of(self.result(
                r,
                key,
                Status::Skipped,
                Some(reason),
            )))
        };
        let (key, object) = match self.open_source(r).await? {
            Opened::Gone => return skipped(r.key.primary(), Reason::Gone),
            Opened::Superseded => return skipped(r.key.primary(), Reason::Superseded),
            Opened::Object { key, output } => (key, output),
        };
        if object
            .metadata()
            .is_some_and(|m| m.contains_key("generated-by"))
        {
            return skipped(&key, Reason::OwnOutput);
        }
        let rejected = |reason, detail: String| {
            let mut outcome = Outcome::of(self.result(r, &key, Status::Rejected, Some(reason)));
            outcome.detail = Some(detail);
            Ok(outcome)
        };
        let Some(out_keys) = output_keys(
            &self.config.shared.destination.prefix,
            &key,
            &self.config.renditions,
        ) else {
            return rejected(
                Reason::KeyTooLong,
                format!(
                    "an output key would pass S3's {} bytes",
                    crate::outputs::MAX_KEY_BYTES
                ),
            );
        };
        let length = object
            .content_length()
            .and_then(|l| u64::try_from(l).ok())
            .unwrap_or(0);
        if length > self.config.max_input_bytes {
            return rejected(
                Reason::TooLarge,
                format!(
                    "the object is {length} bytes, over MAX_INPUT_BYTES = {}",
                    self.config.max_input_bytes
                ),
            );
        }
        let etag = object
            .e_tag()
            .map(|e| e.trim_matches('"').to_owned())
            .or_else(|| r.etag.clone())
            .unwrap_or_default();
        let version = object
            .version_id()
            .map(str::to_owned)
            .or_else(|| r.version_id.clone());

        let existing = self.existing_all(&out_keys).await?;
        if existing
            .iter()
            .flatten()
            .any(|e| e.is_later_than(r.sequencer.as_deref()))
        {
            return skipped(&key, Reason::OutOfOrder);
        }
        if existing.iter().all(|e| {
            e.as_ref()
                .is_some_and(|e| e.is_from(&etag, version.as_deref()))
        }) {
            return skipped(&key, Reason::AlreadyCurrent);
        }

        let body = object
            .body
            .collect()
            .await
            .map_err(|e| Error::Transient {
                side: Side::Source,
                operation: "GetObject",
                target: format!("s3://{}/{key}", r.bucket),
                detail: format!("reading the body failed: {e}"),
                source: Some(Box::new(e)),
            })?
            .into_bytes();
        let mut metrics = RecordMetrics {
            bytes_in: body.len() as u64,
            read: started.elapsed(),
            ..RecordMetrics::default()
        };

        let rendering_started = Instant::now();
        let renditions = self.config.renditions.clone();
        let limits = self.config.limits();
        let rendering = tokio::task::spawn_blocking(move || render(&body, &renditions, &limits))
            .await
            .unwrap_or_else(|e| {
                Err(RenderError::Internal {
                    what: "the image task",
                    detail: e.to_string(),
                })
            });
        metrics.transform = rendering_started.elapsed();
        let rendering = match rendering {
            Ok(rendering) => rendering,
            Err(RenderError::Rejected(rejection)) => {
                let mut outcome =
                    rejected(Reason::of_rejection(&rejection), rejection.to_string())?;
                outcome.metrics = metrics;
                return Ok(outcome);
            }
            Err(RenderError::Internal { what, detail }) => {
                return Err(Error::Internal {
                    what: format!("{what} for s3://{}/{key}", r.bucket),
                    detail,
                });
            }
        };
        for note in &rendering.notes {
            tracing::warn!(bucket = r.bucket, key, note, "input partly ignored");
        }
        metrics.pixels_in = u64::from(rendering.source_width) * u64::from(rendering.source_height);

        let provenance = Provenance {
            bucket: &r.bucket,
            key: &key,
            etag: &etag,
            version_id: version.as_deref(),
            sequencer: r.sequencer.as_deref(),
            generated_by: &self.config.generated_by,
        };
        let writing_started = Instant::now();
        let mut outputs = Vec::new();
        let mut left_to_later = 0;
        for ((out, out_key), before) in rendering.outputs.iter().zip(&out_keys).zip(&existing) {
            match self
                .write(out_key, out, before.as_ref(), &provenance)
                .await?
            {
                Wrote::Written => {
                    metrics.bytes_out += out.bytes.len() as u64;
                    metrics.pixels_out += u64::from(out.width) * u64::from(out.height);
                    outputs.push(OutputInfo {
                        key: out_key.clone(),
                        content_type: Some(out.rendition.format.content_type().to_owned()),
                        width: Some(out.width),
                        height: Some(out.height),
                        bytes: Some(out.bytes.len() as u64),
                    });
                }
                Wrote::LeftNewer => left_to_later += 1,
            }
        }
        metrics.write = writing_started.elapsed();
        let mut result = self.result(r, &key, Status::Written, None);
        if outputs.is_empty() {
            // Every rendition was written meanwhile by a concurrent invocation.
            result.status = Status::Skipped;
            result.reason = Some(if left_to_later > 0 {
                Reason::OutOfOrder
            } else {
                Reason::AlreadyCurrent
            });
        } else {
            result.outputs = outputs;
        }
        Ok(Outcome {
            result,
            metrics,
            detail: None,
        })
    }

    /// Opens the source object (headers only), trying the record's key candidates in order.
    async fn open_source(&self, r: &Record) -> Result<Opened, Error> {
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
                    return Ok(Opened::Object {
                        key: key.to_owned(),
                        output: Box::new(output),
                    });
                }
                Err(e) => match src.refusal(e, "GetObject", &r.bucket, key) {
                    Refusal::NotFound => continue,
                    Refusal::PreconditionFailed => return Ok(Opened::Superseded),
                    Refusal::Fatal(e) => return Err(e),
                },
            }
        }
        Ok(Opened::Gone)
    }

    /// What exists at each output key (HEADs run concurrently).
    async fn existing_all(&self, keys: &[String]) -> Result<Vec<Option<Existing>>, Error> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, key) in keys.iter().enumerate() {
            let dst = self.clients.destination.clone();
            let key = key.clone();
            tasks.spawn(async move { (i, existing(&dst, &key).await) });
        }
        let mut found = vec![None; keys.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, state) = joined.map_err(|e| Error::Transient {
                side: Side::Destination,
                operation: "HeadObject",
                target: keys.join(", "),
                detail: format!("the request task failed: {e}"),
                source: None,
            })?;
            found[i] = state?;
        }
        Ok(found)
    }

    /// Writes one rendition conditionally; on a lost race, re-reads and retries once unless a
    /// later (or the same) source's rendition is now there.
    async fn write(
        &self,
        key: &str,
        out: &Rendered,
        before: Option<&Existing>,
        p: &Provenance<'_>,
    ) -> Result<Wrote, Error> {
        let dst = &self.clients.destination;
        let meta: HashMap<String, String> = metadata(p, &out.rendition.name)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let mut condition = before.map(|e| e.etag.clone());
        for _attempt in 0..2 {
            let put = dst
                .put_object(key)
                .body(ByteStream::from(out.bytes.clone()))
                .content_type(out.rendition.format.content_type())
                .set_metadata(Some(meta.clone()));
            let put = match &condition {
                Some(etag) => put.if_match(etag),
                None => put.if_none_match("*"),
            };
            match put.send().await {
                Ok(_) => return Ok(Wrote::Written),
                Err(e) => match dst.refusal(e, "PutObject", key) {
                    Refusal::PreconditionFailed | Refusal::NotFound => {
                        match existing(dst, key).await? {
                            Some(now)
                                if now.is_from(p.etag, p.version_id)
                                    || now.is_later_than(p.sequencer) =>
                            {
                                return Ok(Wrote::LeftNewer);
                            }
                            now => condition = now.map(|n| n.etag),
                        }
                    }
                    Refusal::Fatal(e) => return Err(e),
                },
            }
        }
        Err(Error::Transient {
            side: Side::Destination,
            operation: "PutObject",
            target: format!("s3://{}/{key}", dst.bucket()),
            detail: "the rendition changed twice under concurrent writers".into(),
            source: None,
        })
    }

    async fn removed(&self, r: &Record) -> Result<Outcome, Error> {
        let started = Instant::now();
        // The candidate key whose renditions exist (EventBridge keys may or may not be encoded).
        let mut chosen = None;
        for key in r.key.candidates() {
            let Some(keys) = output_keys(
                &self.config.shared.destination.prefix,
                key,
                &self.config.renditions,
            ) else {
                continue;
            };
            let existing = self.existing_all(&keys).await?;
            let has_any = existing.iter().any(Option::is_some);
            if chosen.is_none() || has_any {
                chosen = Some((key.to_owned(), keys, existing));
            }
            if has_any {
                break;
            }
        }
        let Some((key, keys, existing)) = chosen else {
            return Ok(Outcome::of(self.result(
                r,
                r.key.primary(),
                Status::Skipped,
                Some(Reason::Gone),
            )));
        };
        let skipped = |reason| {
            Ok(Outcome::of(self.result(
                r,
                &key,
                Status::Skipped,
                Some(reason),
            )))
        };

        let src = &self.clients.source;
        match src
            .client()
            .head_object()
            .bucket(&r.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(_) => return skipped(Reason::Superseded),
            Err(e) => match src.refusal(e, "HeadObject", &r.bucket, &key) {
                Refusal::NotFound => {}
                other => {
                    return Err(other.or_unexpected(Side::Source, "HeadObject", &key));
                }
            },
        }
        if existing.iter().all(Option::is_none) {
            return skipped(Reason::Gone);
        }
        if existing
            .iter()
            .flatten()
            .any(|e| e.is_later_than(r.sequencer.as_deref()))
        {
            return skipped(Reason::OutOfOrder);
        }
        let dst = &self.clients.destination;
        let mut outputs = Vec::new();
        for (out_key, _) in keys.iter().zip(&existing).filter(|(_, e)| e.is_some()) {
            match dst.delete_object(out_key).send().await {
                Ok(_) => outputs.push(OutputInfo::deleted(out_key.clone())),
                Err(e) => match dst.refusal(e, "DeleteObject", out_key) {
                    Refusal::NotFound => {}
                    other => {
                        return Err(other.or_unexpected(
                            Side::Destination,
                            "DeleteObject",
                            out_key,
                        ));
                    }
                },
            }
        }
        if outputs.is_empty() {
            return skipped(Reason::Gone);
        }
        let mut result = self.result(r, &key, Status::Deleted, None);
        result.outputs = outputs;
        let metrics = RecordMetrics {
            write: started.elapsed(),
            ..RecordMetrics::default()
        };
        Ok(Outcome {
            result,
            metrics,
            detail: None,
        })
    }
}

enum Opened {
    Object {
        key: String,
        output: Box<aws_sdk_s3::operation::get_object::GetObjectOutput>,
    },
    Gone,
    Superseded,
}

enum Wrote {
    Written,
    /// A rendition of the same or a later source was written meanwhile: left as it is.
    LeftNewer,
}

/// The rendition at `key`, if any, as the writer role sees it.
async fn existing(dst: &DestinationS3, key: &str) -> Result<Option<Existing>, Error> {
    match dst.head_object(key).send().await {
        Ok(head) => {
            let meta = head.metadata();
            let get = |name: &str| meta.and_then(|m| m.get(name)).cloned();
            Ok(Some(Existing {
                etag: head.e_tag().unwrap_or_default().to_owned(),
                source_etag: get("source-etag"),
                source_version: get("source-version-id"),
                sequencer: get("source-sequencer"),
            }))
        }
        Err(e) => match dst.refusal(e, "HeadObject", key) {
            Refusal::NotFound => Ok(None),
            other => Err(other.or_unexpected(Side::Destination, "HeadObject", key)),
        },
    }
}
