//! The local two-account AWS as the tests see it: one server per test binary (or the one
//! `scripts/test` started), its two accounts and their admin keys.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use aws_config::SdkConfig;
use serde::Deserialize;

use crate::pipeline::{PipelineOptions, Provisioned};
use crate::sdk::{s3_client, sdk_config};
use crate::{repo_root, unique_name};

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
    destination2: AccountState,
}

#[derive(Debug, Clone, Deserialize)]
struct State {
    endpoint: String,
    region: String,
    accounts: Accounts,
}

/// Which of the accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// Where uploads land and the pipeline runs.
    Source,
    /// Where renditions go.
    Destination,
    /// A second destination, for several routes.
    Destination2,
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
            Account::Destination2 => &self.state.accounts.destination2,
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

    /// How many STS AssumeRole calls the local AWS has answered so far, per role ARN (its
    /// counting layer: tools/local-aws, `counting.py`).
    pub fn assume_role_calls(&self) -> std::collections::HashMap<String, u64> {
        serde_json::from_value(self.get_json("/_local_aws/assume-role-calls"))
            .expect("the counts per role")
    }

    /// One of the local AWS's own JSON pages (`/_local_aws/...`: its fault and counting
    /// layers' figures). Blocking: call it off the async runtime's threads when it matters.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let address = self.endpoint().trim_start_matches("http://").to_owned();
        let mut stream = std::net::TcpStream::connect(&address).expect("connect to the local AWS");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").expect("request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {answer}"))
    }

    /// Every key of `bucket` in `account` (one page: a test's handful), sorted.
    pub async fn keys(&self, account: Account, bucket: &str) -> Vec<String> {
        let listed = self
            .admin_s3(account)
            .await
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("the admin lists");
        let mut keys: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }

    /// Provisions a pipeline with unique names (see `scripts/local-aws pipeline`: tools/local-aws, `provision.py`).
    pub fn pipeline(&self, options: PipelineOptions) -> Provisioned {
        let name = unique_name(&options.tag);
        let mut cmd = self.tool("pipeline");
        cmd.arg("--name")
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
        if options.routes {
            cmd.arg("--routes");
        }
        let out = run(cmd, &format!("provisioning pipeline {name}"));
        let mut pipeline: Provisioned =
            serde_json::from_slice(&out).expect("the pipeline JSON line");
        pipeline.name = name;
        pipeline
    }

    /// The event a developer makes for an object of the source account (`scripts/local-aws
    /// event`: the sample of `events/` of that `shape` with the object's real ETag, size, version
    /// and a sequencer later than every one made before); `removed` makes the removal event.
    pub fn event(&self, shape: &str, bucket: &str, key: &str, removed: bool) -> serde_json::Value {
        let mut cmd = self.tool("event");
        cmd.args(["--shape", shape, "--bucket", bucket, "--key", key]);
        if removed {
            cmd.arg("--removed");
        }
        let out = run(
            cmd,
            &format!("making the {shape} event for s3://{bucket}/{key}"),
        );
        serde_json::from_slice(&out).expect("the event JSON")
    }

    /// `scripts/local-aws <command> --state-file <this server's>`.
    fn tool(&self, command: &str) -> Command {
        let mut cmd = Command::new(repo_root().join("scripts/local-aws"));
        cmd.arg(command).arg("--state-file").arg(&self.state_file);
        cmd
    }
}

/// Runs a `scripts/local-aws` command to success and returns what it printed; `what` names it
/// when it fails.
fn run(mut cmd: Command, what: &str) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: running scripts/local-aws: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
