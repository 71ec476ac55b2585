//! The `transform` function: each upload in the source account becomes image renditions in the
//! destination account.
//!
//! # Layout
//! - the image pipeline is its own crate, [`imaging`] (no AWS types); this crate adapts it.
//! - [`event`]: the events accepted (S3, SQS, EventBridge, the test event), parsed into records.
//! - [`response`]: the contract's RESULT, statuses and reasons.
//! - [`config`]: the settings, parsed once per cold start.
//! - [`outputs`]: output keys and metadata.
//! - [`pipeline`]: one record end to end (read, decide, render, write or delete).
//! - [`handler`]: an invocation: every record, then the response or the failure.
//! - [`metrics`]: CloudWatch embedded-metric lines.
//! - [`fuzzing`]: the checks of the fuzz targets, replayed by `tests/fuzz_corpus.rs`.
//! - `src/bin/transform.rs`: the Lambda function (wiring only).
//! - [`limits`]: the input limits' settings and defaults.
//! - `src/bin/render.rs`: the local preview CLI.

pub mod config;
pub mod event;
pub mod fuzzing;
pub mod handler;
pub mod limits;
pub mod metrics;
pub mod outputs;
pub mod pipeline;
pub mod response;

pub use imaging;
