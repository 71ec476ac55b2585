//! Test support for the pipeline: the local two-account AWS, and pipelines provisioned in it.
//!
//! [`local_aws`] starts `scripts/local-aws serve` (moto on an ephemeral 127.0.0.1 port, IAM
//! enforcement on) once per test binary, unless `LOCAL_AWS_STATE` names the state file of a
//! server already running (as `scripts/test` does, one server for every binary). A server
//! started here stops by itself when the test binary exits: it watches its stdin, a pipe that
//! only this process holds. Readiness is the server's first line of output, not a sleep.
//!
//! [`LocalAws::pipeline`] provisions a fresh pipeline (unique buckets, an execution role and a
//! writer role on exact ARNs) so tests never share state and never reset the server.
//!
//! # Layout
//! - `local_aws.rs`: [`LocalAws`], [`local_aws`]: the server and its two accounts.
//! - `sdk.rs`: SDK configurations and clients as a function or an admin has them, offline ones
//!   for request-level tests.
//! - `pipeline.rs`: [`Provisioned`], [`PipelineOptions`]: one provisioned pipeline, its settings
//!   and credentials.
//! - here: [`repo_root`], [`unique_name`], [`lambda_context`].
//! - [`counting`]: an HTTP client wrapper that counts requests (how many AssumeRole calls).
//! - [`runtime_api`]: a Lambda Runtime API on loopback, to run a real function binary.

pub mod counting;
mod local_aws;
mod pipeline;
pub mod runtime_api;
mod sdk;

pub use local_aws::{Account, Keys, LocalAws, local_aws};
pub use sdk::{OFFLINE_NOW_SECS, enable_versioning, offline_sdk_config, s3_client, sdk_config};

pub use pipeline::{
    DestinationSide, ExecutionRole, PipelineOptions, Provisioned, SourceSide, UploaderRole,
};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The repository's root (for `scripts/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A name no other test of any binary uses: `<tag>-<pid>-<n>`, valid in bucket and role names.
pub fn unique_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(24)
        .collect();
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A Lambda invocation context whose deadline is `timeout` from now, as the Runtime API would
/// give it (`Context::default()` has a deadline of 0: long past).
pub fn lambda_context(timeout: std::time::Duration) -> lambda_runtime::Context {
    let mut context = lambda_runtime::Context::default();
    context.request_id = "00000000-0000-4000-8000-000000000000".into();
    context.deadline = (std::time::SystemTime::now() + timeout)
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    context
}

/// The settings that give a pipeline `routes` (the JSON of `ROUTES`) instead of its
/// `DESTINATION_*`, which must then be empty: overrides over a provisioned pipeline's env.
pub fn routes_env(routes: &str) -> Vec<(&'static str, String)> {
    let mut env = vec![("ROUTES", routes.to_owned())];
    env.extend(
        contract::settings::REPLACED_BY_ROUTES
            .iter()
            .map(|name| (*name, String::new())),
    );
    env
}
