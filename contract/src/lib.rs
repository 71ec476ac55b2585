//! The product's external contract (the README documents it for users), as types and pure
//! functions with no AWS SDK: what the functions read (settings, events), what
//! they answer (RESULTs, error types) and what they write (output keys, metadata). The
//! functions and the role-aware S3 clients build on it; the fuzz targets check it without
//! compiling the SDK.
//!
//! # Layout
//! - [`env`]: the one reader of the environment ([`Env`]).
//! - [`ids`]: typed identifiers (bucket, account, region, KMS key, role ARN, ExternalId, session
//!   name), parsed once.
//! - [`settings`]: the settings per side (source, destination, AssumeRole session).
//! - [`config`], [`limits`]: the transform's own settings (input limits, metrics namespace).
//! - [`event`]: the events `transform` accepts (S3, SQS, EventBridge, the test event).
//! - [`batch`]: S3 Batch Operations events (schemas 1.0 and 2.0) and their response.
//! - [`invocation`]: which kind of invocation a payload is (direct, SQS, Batch Operations).
//! - [`response`]: the RESULT, its statuses and reasons.
//! - [`decision`]: what to do with a record, from what was read (the order of decisions).
//! - [`spec`]: rendition specs (`RENDITIONS`), canonical strings, file names, Content-Types.
//! - [`outputs`]: output keys and user metadata.
//! - [`error`]: the one error type and its `errorType`s.
//! - [`fuzzing`]: the checks of the `events`, `settings` and `outputs` fuzz targets.

pub mod batch;
pub mod config;
pub mod decision;
pub mod env;
pub mod error;
pub mod event;
pub mod fuzzing;
pub mod ids;
pub mod invocation;
pub mod limits;
pub mod outputs;
pub mod response;
pub mod settings;
pub mod spec;

pub use env::Env;
pub use error::{Error, Side};
pub use ids::{AccountId, BucketName, ExternalId, KmsKeyArn, Region, RoleArn, SessionName};
pub use settings::{
    AssumeRoleSession, DestinationSettings, Route, RouteId, Routes, Settings, SourceSettings,
};
pub use spec::{OutputFormat, Rendition, parse_renditions};
