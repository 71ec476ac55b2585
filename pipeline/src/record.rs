//! One record, end to end: read as the execution role, decide, render, write as the writer
//! role of every route the key takes.
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
//!
//! The unit of work (the contract's "Several destinations"): a record takes every route whose
//! `source_prefix` its key starts with ([`Lane`]: a route and its destination client). The
//! source is read once per record; each route then decides against its own destination; the
//! image is decoded once and each distinct rendition encoded once, written to every route that
//! needs it. A route that fails does not stop the others: [`Pipeline::handle`] answers one
//! [`Routed`] per route taken (or one without a route, decided before any).

mod create;
mod destination;
mod removal;
mod source;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use contract::decision::Wanted;
use contract::settings::{Route, RouteId};
use cross_account_s3::{Clients, DestinationS3, Error};

use crate::config::Config;
use crate::event::{Item, Kind, Record};
use crate::outputs::output_keys;
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

/// What a record came to on one route, or before any route (`route: None`: `test-event`,
/// `ignored-event`, `own-output`, `no-route`, or a failure reading the source).
#[derive(Debug, Clone)]
pub struct Routed {
    /// The route, if the outcome is of one.
    pub route: Option<RouteId>,
    /// Its RESULT (whose `route` says the same), or why it failed.
    pub outcome: Result<Outcome, Error>,
}

impl Routed {
    fn route_less(outcome: Result<Outcome, Error>) -> Self {
        Self {
            route: None,
            outcome,
        }
    }

    fn on(lane: &Lane<'_>, outcome: Result<Outcome, Error>) -> Self {
        Self {
            route: Some(lane.route.id.clone()),
            outcome,
        }
    }
}

/// Whether the next (record, route) pair may start: the invocation's deadline check
/// ([`handler`](crate::handler)). The pipeline asks before every route of a record but its
/// first (the caller asks before the record).
pub trait Gate {
    /// `Ok` to start the pair `what`, else the error it fails with (`Transient`).
    fn start(&mut self, what: &str) -> Result<(), Error>;
}

/// No deadline within a record: every route starts (backfill, whose margin covers whole
/// records, and tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ungated;

impl Gate for Ungated {
    fn start(&mut self, _what: &str) -> Result<(), Error> {
        Ok(())
    }
}

/// One route of a record: its settings and its destination client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lane<'a> {
    pub route: &'a Route,
    pub dst: &'a DestinationS3,
}

impl Lane<'_> {
    /// The route's renditions for `key`, or `None` when an output key would pass 1024 bytes.
    fn wanted(&self, key: &str) -> Option<Vec<Wanted>> {
        let d = &self.route.destination;
        let keys = output_keys(&d.prefix, key, &d.renditions)?;
        Some(
            keys.into_iter()
                .zip(&d.renditions)
                .map(|(key, r)| Wanted {
                    key,
                    spec: r.canonical(),
                })
                .collect(),
        )
    }

    /// Asks `gate` whether record `r` may start on this route, the `index`th it takes (the
    /// first was asked for with the record); the error it fails with when not.
    fn start(&self, gate: &mut (dyn Gate + Send), r: &Record, index: usize) -> Result<(), Error> {
        if index == 0 {
            return Ok(());
        }
        let what = format!(
            "{} (route {})",
            crate::report::describe_record(r),
            self.route.id
        );
        gate.start(&what)
    }

    /// `{prefix}{key}/`: where the renditions of `key` are on this route.
    fn folder_of(&self, key: &str) -> String {
        format!("{}{key}/", self.route.destination.prefix)
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
    /// Operations' `force` argument; the order of decisions still holds). One [`Routed`] per
    /// route the record takes, in `ROUTES` order, or one without a route when decided before
    /// any; `gate` is asked before each route but the first.
    pub async fn handle(
        &self,
        item: &Item,
        force: bool,
        gate: &mut (dyn Gate + Send),
    ) -> Vec<Routed> {
        let route_less = |bucket: &str, key: &str, version: &Option<String>, skip| {
            let mut result = RecordResult::new(
                Some(bucket.to_owned()),
                Some(key.to_owned()),
                version.clone(),
                Disposition::Skipped(skip),
            );
            result.route = ResultRoute::RouteLess;
            vec![Routed::route_less(Ok(Outcome::of(result)))]
        };
        let r = match item {
            Item::Test => {
                let mut result =
                    RecordResult::new(None, None, None, Disposition::Skipped(Skip::TestEvent));
                result.route = ResultRoute::RouteLess;
                return vec![Routed::route_less(Ok(Outcome::of(result)))];
            }
            Item::Ignored {
                bucket,
                key,
                version_id,
            } => return route_less(bucket, key, version_id, Skip::IgnoredEvent),
            Item::Record(r) if !self.in_scope(r) => {
                return route_less(
                    &r.bucket,
                    r.key.primary(),
                    &r.version_id,
                    Skip::IgnoredEvent,
                );
            }
            Item::Record(r) => r,
        };
        let lanes = self.lanes_of(r);
        if lanes.is_empty() {
            return route_less(&r.bucket, r.key.primary(), &r.version_id, Skip::NoRoute);
        }
        let mut routed = match r.kind {
            Kind::Created => self.created(r, force, &lanes, gate).await,
            Kind::Removed => self.removed(r, &lanes, gate).await,
        };
        for one in &mut routed {
            if let Ok(outcome) = &mut one.outcome {
                outcome.result.route = match &one.route {
                    Some(id) => ResultRoute::of(&outcome.result.disposition, id.as_str()),
                    None => ResultRoute::RouteLess,
                };
            }
        }
        routed
    }

    /// The routes record `r` takes (any of its key candidates), each with its client.
    fn lanes_of(&self, r: &Record) -> Vec<Lane<'_>> {
        self.lanes()
            .filter(|lane| r.key.candidates().iter().any(|k| lane.route.takes(k)))
            .collect()
    }

    /// Every route with its destination client, in `ROUTES` order (the clients were built from
    /// the same routes, in the same order).
    fn lanes(&self) -> impl Iterator<Item = Lane<'_>> {
        self.config
            .settings
            .routes
            .iter()
            .zip(self.clients.destinations())
            .map(|(route, (id, dst))| {
                debug_assert_eq!(&route.id, id, "clients in route order");
                Lane { route, dst }
            })
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

/// A route-less RESULT (`own-output`, `no-route` after the key is known).
fn route_less(r: &Record, key: &str, skip: Skip) -> Routed {
    let mut result = result(r, key, Disposition::Skipped(skip));
    result.route = ResultRoute::RouteLess;
    Routed::route_less(Ok(Outcome::of(result)))
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
