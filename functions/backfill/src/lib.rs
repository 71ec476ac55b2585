//! `backfill`: process what was in the source bucket before the trigger existed.
//!
//! Lists the source bucket from `start_after` (under `prefix`, within `SOURCE_PREFIX`) and runs
//! the pipeline core that transform runs (the `pipeline` crate: the same code, not a copy) on
//! each object, a bounded number at once. Objects whose renditions are current are skipped by that pipeline (`already-current`).
//! It stops starting objects when `max_objects` were started or the Lambda deadline is near,
//! waits for those in flight, and says where to resume: `next_start_after` is the last key up
//! to which every listed object was handled, so resuming skips nothing and repeats at most the
//! objects that were in flight.
//!
//! Event: `{"prefix": "...", "start_after": null, "max_objects": 1000, "dry_run": false}`, all
//! optional. Response: `{"counts": {status: n}, "failed": [{"key", "route", "error_type"}],
//! "next_start_after": key or null, "done": bool}` and, for a dry run, `"would_process": [...]`
//! with nothing read or written.
//!
//! # Layout
//! - [`Backfill`] (here): the listing, the bounded concurrency, the deadline, the response.
//! - [`watermark`]: where to resume, from objects that finish in any order.

pub mod watermark;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cross_account_s3::{BucketName, Error, Side};
use pipeline::Pipeline;
use pipeline::event::{EventKey, Item, Kind, Record};
use pipeline::record::Ungated;
use pipeline::report::handle_reported;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::task::JoinSet;
use watermark::{Started, Watermark};

/// Default `max_objects`.
pub const DEFAULT_MAX_OBJECTS: u64 = 1000;
/// The least time kept free before the deadline (more when an object of this container took
/// longer): objects in flight finish in it, nothing new starts.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(20);

/// The event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Where to list; within `SOURCE_PREFIX`; absent or empty means `SOURCE_PREFIX`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// List after this key (a previous response's `next_start_after`).
    #[serde(default)]
    pub start_after: Option<String>,
    /// The most objects to start in this invocation.
    #[serde(default)]
    pub max_objects: Option<u64>,
    /// List what would be processed, process nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// An object that failed on a route, or before any (not the input's fault: see `error_type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failed {
    /// The source key.
    pub key: String,
    /// The route it failed on (`default` without `ROUTES`); null when it failed before any
    /// route (reading the source).
    pub route: Option<String>,
    /// The contract's error type.
    pub error_type: String,
}

/// What one object came to: per route, a RESULT's status or an error.
type Handled = Vec<(Option<String>, Result<&'static str, Error>)>;

/// The response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Response {
    /// RESULT statuses counted, one per object per route (`written`, `skipped`, ...).
    pub counts: BTreeMap<String, u64>,
    /// Objects that failed, per route, with their error type (Lambda does not retry these: run
    /// again).
    pub failed: Vec<Failed>,
    /// Resume with this as `start_after`; null when done.
    pub next_start_after: Option<String>,
    /// Everything under the prefix was handled.
    pub done: bool,
    /// With `dry_run`: the keys that would be processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_process: Option<Vec<String>>,
}

/// The backfill: the transform pipeline and how many objects to process at once.
#[derive(Debug, Clone)]
pub struct Backfill {
    pipeline: Arc<Pipeline>,
    bucket: BucketName,
    concurrency: usize,
}

impl Backfill {
    /// Wires the pipeline (built once per cold start), the source bucket it lists
    /// (`SOURCE_BUCKET`, required at cold start) and `BACKFILL_CONCURRENCY`.
    pub fn new(pipeline: Pipeline, bucket: BucketName, concurrency: usize) -> Self {
        Self {
            pipeline: Arc::new(pipeline),
            bucket,
            concurrency: concurrency.max(1),
        }
    }

    /// Parses the event and runs until done, `max_objects`, or `deadline` minus the margin;
    /// `request_id` goes into every record's log line.
    pub async fn handle(
        &self,
        event: &Value,
        deadline: SystemTime,
        request_id: &str,
    ) -> Result<Response, Error> {
        let request: Request = if event.is_null() {
            Request::default()
        } else {
            serde_json::from_value(event.clone()).map_err(|e| {
                Error::invalid_event(format!(
                    "a backfill event must be {{\"prefix\", \"start_after\", \"max_objects\", \"dry_run\"}} (all optional): {e}"
                ))
            })?
        };
        self.run(request, deadline, request_id).await
    }

    /// Runs one backfill invocation: each object through the transform's own path
    /// ([`handle_reported`]: the same decisions, log line and metrics line as `transform`).
    pub async fn run(
        &self,
        request: Request,
        deadline: SystemTime,
        request_id: &str,
    ) -> Result<Response, Error> {
        let config = self.pipeline.config();
        let source_prefix = &config.settings.source.prefix;
        let bucket = self.bucket.as_str();
        let prefix = request
            .prefix
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| source_prefix.clone());
        if !prefix.starts_with(source_prefix.as_str()) {
            return Err(Error::invalid_event(format!(
                "prefix {prefix:?} is outside SOURCE_PREFIX {source_prefix:?}: backfill only reads what the pipeline may read"
            )));
        }
        let max_objects = request.max_objects.unwrap_or(DEFAULT_MAX_OBJECTS);
        if max_objects == 0 {
            return Err(Error::invalid_event("max_objects must be at least 1"));
        }
        // The margin grows with the longest object seen in this container.
        let stop_at = || {
            deadline
                .checked_sub(self.pipeline.margin(DEADLINE_MARGIN))
                .unwrap_or(SystemTime::UNIX_EPOCH)
        };

        let mut response = Response::default();
        let mut watermark = Watermark::new(request.start_after.clone());
        let mut would_process = Vec::new();
        let mut tasks: JoinSet<(Started, String, Handled)> = JoinSet::new();
        let mut started: u64 = 0;
        let mut cursor = request.start_after.clone();
        let mut listing_done = false;
        let mut stopped_early = false;

        'listing: while !listing_done {
            let src = &self.pipeline.clients().source;
            let page_size = (max_objects - started).min(1000) as i32;
            let mut list = src
                .client()
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&prefix)
                .max_keys(page_size);
            if let Some(after) = &cursor {
                list = list.start_after(after);
            }
            let page = list.send().await.map_err(|e| {
                src.refusal(e, "ListObjectsV2", bucket, &prefix)
                    .or_unexpected(Side::Source, "ListObjectsV2", &prefix)
            })?;
            listing_done = !page.is_truncated().unwrap_or(false);
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                if started >= max_objects || SystemTime::now() >= stop_at() {
                    stopped_early = true;
                    break 'listing;
                }
                cursor = Some(key.to_owned());
                started += 1;
                if request.dry_run {
                    would_process.push(key.to_owned());
                    let id = watermark.start(key);
                    watermark.handled(id);
                    continue;
                }
                while tasks.len() >= self.concurrency {
                    self.collect(&mut tasks, &mut watermark, &mut response)
                        .await;
                }
                let record = Record {
                    kind: Kind::Created,
                    event_name: "Backfill".into(),
                    bucket: bucket.to_owned(),
                    key: EventKey::Decoded(key.to_owned()),
                    version_id: None,
                    etag: object.e_tag().map(|e| e.trim_matches('"').to_owned()),
                    size: object.size().and_then(|s| u64::try_from(s).ok()),
                    sequencer: None,
                };
                let pipeline = self.pipeline.clone();
                let id = watermark.start(key);
                let key = key.to_owned();
                let request_id = request_id.to_owned();
                tasks.spawn(async move {
                    let item = Item::Record(record);
                    // No deadline check within an object: the margin covers whole objects,
                    // every route included (the longest seen in this container).
                    let routed =
                        handle_reported(&pipeline, &request_id, &item, false, &mut Ungated).await;
                    let handled = routed
                        .into_iter()
                        .map(|one| {
                            let status = one.outcome.map(|o| o.result.disposition.status());
                            (one.route.map(|id| id.as_str().to_owned()), status)
                        })
                        .collect();
                    (id, key, handled)
                });
            }
            if started >= max_objects && !listing_done {
                stopped_early = true;
                break;
            }
        }
        while !tasks.is_empty() {
            self.collect(&mut tasks, &mut watermark, &mut response)
                .await;
        }

        response.done = listing_done && !stopped_early;
        response.next_start_after = if response.done {
            None
        } else {
            watermark.into_resume_after()
        };
        if request.dry_run {
            response.would_process = Some(would_process);
        }
        tracing::info!(
            prefix,
            counts = ?response.counts,
            failed = response.failed.len(),
            next_start_after = response.next_start_after.as_deref(),
            done = response.done,
            "backfill pass"
        );
        Ok(response)
    }

    /// Waits for one task and records it.
    async fn collect(
        &self,
        tasks: &mut JoinSet<(Started, String, Handled)>,
        watermark: &mut Watermark,
        response: &mut Response,
    ) {
        let Some(joined) = tasks.join_next().await else {
            return;
        };
        let Ok((id, key, handled)) = joined else {
            // A task cannot panic past the pipeline's own guard; should one, its slot stays
            // unhandled and the object is repeated by the next invocation.
            return;
        };
        for (route, outcome) in handled {
            match outcome {
                Ok(status) => *response.counts.entry(status.to_owned()).or_default() += 1,
                Err(e) => {
                    tracing::error!(key, route, error_type = e.error_type(), error = %e, "backfill object failed");
                    response.failed.push(Failed {
                        key: key.clone(),
                        route,
                        error_type: e.error_type().to_owned(),
                    });
                }
            }
        }
        watermark.handled(id);
    }
}
