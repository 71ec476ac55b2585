//! The `transform` function: each upload in the source account becomes image renditions in the
//! destination account.
//!
//! # Layout
//! - [`imaging`]: the pure image pipeline (no AWS types): sniffing, limits, decode, cascade
//!   resize, orientation, colour, encode. Shared by the function, `render` and backfill.
//! - [`event`]: the events accepted (S3, SQS, EventBridge, the test event), parsed into records.
//! - [`response`]: the contract's RESULT, statuses and reasons.
//! - [`limits`]: the input limits' defaults.
//! - `src/bin/render.rs`: the local preview CLI.

pub mod event;
pub mod imaging;
pub mod limits;
pub mod response;
