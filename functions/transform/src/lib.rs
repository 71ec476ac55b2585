//! The `transform` function: each upload in the source account becomes image renditions in the
//! destination account.
//!
//! # Layout
//! - the image pipeline is its own crate, [`imaging`] (no AWS types), and the contract's
//!   settings, events, RESULTs and output keys are the `contract` crate's (re-exported here as
//!   [`config`], [`event`], [`response`], [`outputs`], [`limits`]); this crate adapts both.
//! - [`pipeline`]: one record end to end (read, decide, render, write or delete).
//! - [`handler`]: an invocation: the records the deadline leaves time for, then the response
//!   or the failure.
//! - [`report`]: the summary log line and metrics line of every record (transform and backfill).
//! - [`metrics`]: CloudWatch embedded-metric lines.
//! - `src/bin/transform.rs`: the Lambda function (wiring only).
//! - `src/bin/render.rs`: the local preview CLI.

pub mod handler;
pub mod metrics;
pub mod pipeline;
pub mod report;

pub use contract::{config, event, limits, outputs, response};
pub use imaging;
