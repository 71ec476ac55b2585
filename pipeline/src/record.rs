//! One record, end to end: read as the execution role, decide, render, write as the writer
//! role.
//!
//! Delivery is at least once and unordered, several containers may handle one key at once,
//! and a source may be overwritten or deleted at any moment, so the pipeline reads the state
//! of both sides, lets [`contract::decision`] decide (the order of decisions, currency, specs,
//! removals: every rule lives there, with its table of tests), and carries the decision out
//! with conditional requests only:
//! - [`source`]: the record's object (pinned to its version, else its ETag) and the key's
//!   current object;
//! - [`destination`]: the objects under the key's folder, conditional writes and deletes;
//! - [`create`] and [`removal`]: the two kinds of record.

mod create;
mod destination;
mod removal;
mod source;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cross_account_s3::{Clients, Error};

use crate::config::Config;
use crate::event::{Item, Kind, Record};
use crate::response::{Disposition, RecordResult, ResultRoute, Skip};

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
    /// Time reading the source and the renditions' state.
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
    /// Why the input was rejected, or what else is worth a log line (not part of the RESULT).
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

/// The pipeline: clients and configuration, built once per cold start, and the longest
/// record time seen in this container (the deadline margin).
#[derive(Debug, Clone)]
pub struct Pipeline {
    clients: Clients,
    config: Config,
    longest_record_ms: Arc<AtomicU64>,
}

impl Pipeline {
    /// Wires the clients and the configuration.
    pub fn new(clients: Clients, config: Config) -> Self {
        Self {
            clients,
            config,
            longest_record_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Notes how long a record took, for [`Pipeline::margin`].
    pub fn record_took(&self, took: Duration) {
        let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        self.longest_record_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// The time to keep free before the deadline: the longest record seen in this container,
    /// and at least `floor`.
    pub fn margin(&self, floor: Duration) -> Duration {
        floor.max(Duration::from_millis(
            self.longest_record_ms.load(Ordering::Relaxed),
        ))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clients (backfill lists the source with them).
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Handles one item of an event; `force` re-renders renditions that are current (Batch
    /// Operations' `force` argument; the order of decisions still holds). The RESULT names
    /// its route (the one route served so far), or none when decided before any route.
    pub async fn handle(&self, item: &Item, force: bool) -> Result<Outcome, Error> {
        let mut outcome = self.handle_on_route(item, force).await?;
        let route = &self.config.settings.only_route().id;
        outcome.result.route = ResultRoute::of(&outcome.result.disposition, route.as_str());
        Ok(outcome)
    }

    async fn handle_on_route(&self, item: &Item, force: bool) -> Result<Outcome, Error> {
        let skipped = |bucket: &str, key: &str, version: &Option<String>, skip| {
            Ok(Outcome::of(RecordResult::new(
                Some(bucket.to_owned()),
                Some(key.to_owned()),
                version.clone(),
                Disposition::Skipped(skip),
            )))
        };
        match item {
            Item::Test => Ok(Outcome::of(RecordResult::new(
                None,
                None,
                None,
                Disposition::Skipped(Skip::TestEvent),
            ))),
            Item::Ignored {
                bucket,
                key,
                version_id,
            } => skipped(bucket, key, version_id, Skip::IgnoredEvent),
            Item::Record(r) if !self.in_scope(r) => skipped(
                &r.bucket,
                r.key.primary(),
                &r.version_id,
                Skip::IgnoredEvent,
            ),
            Item::Record(r) => match r.kind {
                Kind::Created => self.created(r, force).await,
                Kind::Removed => self.removed(r).await,
            },
        }
    }

    /// Whether the record concerns `SOURCE_BUCKET`/`SOURCE_PREFIX` (when set).
    fn in_scope(&self, r: &Record) -> bool {
        let source = &self.config.settings.source;
        contract::decision::in_scope(
            r,
            source.bucket.as_ref().map(|b| b.as_str()),
            &source.prefix,
        )
    }
}

/// A RESULT for record `r` under the key chosen.
fn result(r: &Record, key: &str, disposition: Disposition) -> RecordResult {
    RecordResult::new(
        Some(r.bucket.clone()),
        Some(key.to_owned()),
        r.version_id.clone(),
        disposition,
    )
}
