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
//! - [`LocalAws`], [`local_aws`]: the server and its two accounts.
//! - [`Provisioned`], [`PipelineOptions`]: one provisioned pipeline, its settings and credentials.
//! - [`counting`]: an HTTP client wrapper that counts requests (how many AssumeRole calls).
//! - [`runtime_api`]: a Lambda Runtime API on loopback, to run a real function binary.

pub mod counting;
mod pipeline;
pub mod runtime_api;

pub use pipeline::{
    DestinationSide, ExecutionRole, PipelineOptions, Provisioned, SourceSide, UploaderRole,
};

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_s3::config::Region;
use serde::Deserialize;

/// The repository's root (for `scripts/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A key pair (and token, for temporary credentials) issued by the local AWS.
#[derive(Debug, Clone, Deserialize)]
pub struct Keys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token, for temporary credentials.
    #[serde(default)]
    pub session_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct AccountState {
    id: String,
    admin: Keys,
}

#[derive(Debug, Clone, Deserialize)]
struct Accounts {
    source: AccountState,
    destination: AccountState,
}

#[derive(Debug, Clone, Deserialize)]
struct State {
    endpoint: String,
    region: String,
    accounts: Accounts,
}

/// Which of the two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// Where uploads land and the pipeline runs.
    Source,
    /// Where renditions go.
    Destination,
}

/// The running local AWS.
#[derive(Debug)]
pub struct LocalAws {
    state: State,
    state_file: PathBuf,
    /// The server we started (if any) and the pipe whose end stops it.
    _server: Option<Mutex<(Child, ChildStdin)>>,
}

/// The local AWS of this test binary, started on first use.
pub fn local_aws() -> &'static LocalAws {
    static LOCAL: OnceLock<LocalAws> = OnceLock::new();
    LOCAL.get_or_init(|| match std::env::var("LOCAL_AWS_STATE") {
        Ok(path) if !path.is_empty() => LocalAws::attach(PathBuf::from(path)),
        _ => LocalAws::start(),
    })
}

impl LocalAws {
    fn attach(state_file: PathBuf) -> Self {
        let text = std::fs::read_to_string(&state_file)
            .unwrap_or_else(|e| panic!("LOCAL_AWS_STATE={}: {e}", state_file.display()));
        let state = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "LOCAL_AWS_STATE={}: not a state file: {e}",
                state_file.display()
            )
        });
        Self {
            state,
            state_file,
            _server: None,
        }
    }

    fn start() -> Self {
        let state_file =
            std::env::temp_dir().join(format!("local-aws-{}.json", std::process::id()));
        let script = repo_root().join("scripts/local-aws");
        let mut child = Command::new(&script)
            .arg("serve")
            .arg("--state-file")
            .arg(&state_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let stdin = child.stdin.take().expect("stdin was piped");
        let stdout = child.stdout.take().expect("stdout was piped");
        // The first line is printed once the server answers and is provisioned.
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the local AWS's state line");
        let state = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!("the local AWS did not start (its stderr says why): {e}; got {line:?}")
        });
        Self {
            state,
            state_file,
            _server: Some(Mutex::new((child, stdin))),
        }
    }

    /// The server's URL (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> &str {
        &self.state.endpoint
    }

    /// The region everything lives in.
    pub fn region(&self) -> &str {
        &self.state.region
    }

    /// An account's id.
    pub fn account_id(&self, account: Account) -> &str {
        &self.account(account).id
    }

    fn account(&self, account: Account) -> &AccountState {
        match account {
            Account::Source => &self.state.accounts.source,
            Account::Destination => &self.state.accounts.destination,
        }
    }

    /// An `SdkConfig` for the local AWS with the given keys.
    pub async fn sdk_config(&self, keys: &Keys, provider_name: &'static str) -> SdkConfig {
        sdk_config(self.endpoint(), self.region(), keys, provider_name).await
    }

    /// An S3 client acting as the admin of `account` (setting up and checking results).
    pub async fn admin_s3(&self, account: Account) -> aws_sdk_s3::Client {
        let sdk = self
            .sdk_config(&self.account(account).admin, "local-admin")
            .await;
        s3_client(&sdk)
    }

    /// Provisions a pipeline with unique names (see `scripts/local-aws pipeline`: tools/local-aws, `provision.py`).
    pub fn pipeline(&self, options: PipelineOptions) -> Provisioned {
        let name = unique_name(&options.tag);
        let mut cmd = Command::new(repo_root().join("scripts/local-aws"));
        cmd.arg("pipeline")
            .arg("--state-file")
            .arg(&self.state_file)
            .arg("--name")
            .arg(&name)
            .arg("--source-prefix")
            .arg(&options.source_prefix)
            .arg("--destination-prefix")
            .arg(&options.destination_prefix);
        for action in &options.writer_drop {
            cmd.arg("--writer-drop").arg(action);
        }
        for action in &options.execution_drop {
            cmd.arg("--execution-drop").arg(action);
        }
        if let Some(prefix) = &options.upload_prefix {
            cmd.arg("--upload-prefix").arg(prefix);
        }
        let out = cmd.output().expect("running scripts/local-aws pipeline");
        assert!(
            out.status.success(),
            "provisioning pipeline {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pipeline: Provisioned =
            serde_json::from_slice(&out.stdout).expect("the pipeline JSON line");
        pipeline.name = name;
        pipeline
    }
}

/// An `SdkConfig` for `endpoint` as Lambda would build it, with explicit region and credentials
/// (so nothing probes instance metadata).
pub async fn sdk_config(
    endpoint: &str,
    region: &str,
    keys: &Keys,
    provider_name: &'static str,
) -> SdkConfig {
    let credentials = Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        provider_name,
    );
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// The fixed clock of offline tests: 2026-01-01T00:00:00Z, an hour before the canned assumed-role
/// credentials of the request-level tests expire.
pub const OFFLINE_NOW_SECS: u64 = 1_767_225_600;

/// An `SdkConfig` for request-level tests: a function running as the execution role (key
/// `access_key_id`) in us-east-1, every request going to `http_client` (a replay or a fake),
/// the clock fixed at [`OFFLINE_NOW_SECS`], and no retries (one canned answer per request).
pub async fn offline_sdk_config(
    http_client: impl aws_smithy_runtime_api::client::http::HttpClient + 'static,
    access_key_id: &str,
) -> SdkConfig {
    use std::time::{Duration, UNIX_EPOCH};
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key_id,
            "execution-role-secret",
            Some("execution-role-token".into()),
            None,
            "offline-test",
        ))
        .http_client(http_client)
        .time_source(aws_smithy_async::time::StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(OFFLINE_NOW_SECS),
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

/// A path-style S3 client (the local AWS needs path style).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
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

/// Turns versioning on in `bucket`, as its account's admin `s3`.
pub async fn enable_versioning(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning on");
}
