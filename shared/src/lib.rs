//! Role-aware S3 clients for cross-account, event-driven Lambda pipelines.
//!
//! A pipeline function reads an object in the *source* account as its own execution role, and
//! writes results to a bucket of a *destination* account as a writer role it assumes with
//! `sts:AssumeRole` (ExternalId, short sessions, credentials cached and refreshed, ExpectedBucketOwner
//! on every request). This crate holds what every function of the pipeline shares.
//!
//! # Layout
//! - [`settings`], [`ids`], [`env`] (from the `contract` crate): the environment, read once per
//!   cold start into typed settings per side; every problem is an `InvalidConfiguration`.
//! - [`clients`]: [`SourceS3`] (execution role) and [`DestinationS3`] (assumed writer role), built
//!   once from one `SdkConfig`.
//! - [`owner`]: the interceptor that puts ExpectedBucketOwner on every request.
//! - [`classify`]: what a refused S3/STS call means: not found, condition failed, or an [`Error`].
//! - [`error`]: the one error type, with the contract's `errorType`s and the policy to check.
//! - [`failure`]: the one mapping of an [`Error`] to the Runtime API's error response.
//! - [`init`]: logging set-up and the Runtime API init error for a bad setting.
//!
//! # Use
//! ```no_run
//! # async fn cold_start() -> Result<(), cross_account_s3::Error> {
//! let settings = cross_account_s3::Settings::from_lookup(|name| std::env::var(name).ok())?;
//! let sdk = cross_account_s3::load_sdk_config(settings.endpoint_url.as_deref()).await;
//! let clients = cross_account_s3::Clients::new(&sdk, &settings).await;
//! // lend `&clients` to every invocation
//! # Ok(()) }
//! ```

pub mod classify;
pub mod clients;
pub mod failure;
pub mod init;
pub mod owner;

// The SDK-free part of what every function shares lives in the `contract` crate.
pub use contract::{env, error, ids, settings};

pub use classify::Refusal;
pub use clients::{Clients, DestinationS3, SourceS3, load_sdk_config};
pub use env::Env;
pub use error::{Error, Side};
pub use failure::Failure;
pub use ids::{AccountId, BucketName, ExternalId, KmsKeyArn, Region, RoleArn, SessionName};
pub use settings::{
    AssumeRoleSession, DestinationSettings, Route, RouteId, Routes, Settings, SourceSettings,
};
