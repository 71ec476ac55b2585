//! The pipeline's core: one record end to end, one invocation with its deadline, and the log
//! and metrics lines of each, shared by the `transform` and `backfill` functions.
//!
//! It joins the two leaves, `contract` (settings, events, RESULTs, decisions) and, through the
//! `rendering` crate, `imaging`, with the role-aware S3 clients of `cross-account-s3`. The
//! functions on top only wire: settings, clients, the runtime loop.
//!
//! # Layout
//! - [`record`]: one record end to end: read as the execution role, let `contract::decision`
//!   decide, render, write or delete conditionally as the writer role ([`Pipeline`]).
//! - [`handler`]: an invocation: the records the deadline leaves time for, then the response
//!   or the failure; [`handler::deadline_of`] reads an invocation's deadline.
//! - [`report`]: the summary log line and metrics line of every record (transform and backfill).
//! - [`metrics`]: CloudWatch embedded-metric lines.
//! - [`cold_start`]: settings, clients and pipeline, once per container, for both functions.
//! - re-exported from `contract`: [`config`], [`event`], [`invocation`], [`limits`], [`outputs`],
//!   [`response`].

pub mod cold_start;
pub mod handler;
pub mod metrics;
pub mod record;
pub mod report;

pub use cold_start::cold_start;
pub use contract::{config, event, invocation, limits, outputs, response};
pub use record::{Outcome, Pipeline, RecordMetrics};
