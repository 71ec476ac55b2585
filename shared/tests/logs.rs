//! No credential in any log line: run the clients through success and refusal against the local
//! AWS with the subscriber Lambda functions use (INFO, text), capture every line, and look for
//! the execution role's secret and token, and the writer role's.

use std::io::Write;
use std::sync::{Arc, Mutex};

use aws_sdk_s3::primitives::ByteStream;
use cross_account_s3::{Clients, Settings};
use testkit::{PipelineOptions, local_aws};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_credential_reaches_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    cross_account_s3::init::init_logging_with_writer(|_| None, move || writer.clone());

    let pipeline = local_aws().pipeline(PipelineOptions::tagged("log-secrets"));
    let sdk = pipeline.execution_role_config().await;
    let mut env = pipeline.env();
    let good = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let clients = Clients::new(&sdk, &good).await;
    clients
        .destination()
        .put_object("ok.jpg")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("the writer role writes");

    env.insert(
        "DESTINATION_ROLE_ARN".into(),
        format!(
            "arn:aws:iam::{}:role/not-allowed",
            pipeline.destination.account_id
        ),
    );
    let refused = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let clients = Clients::new(&sdk, &refused).await;
    let err = clients
        .destination()
        .put_object("no.jpg")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .map_err(|e| clients.destination().refusal(e, "PutObject", "no.jpg"))
        .expect_err("refused");
    tracing::error!(error = ?err, "logged as a function would log it");
    // What the subscriber drops on purpose (see init_logging_with_writer).
    tracing::warn!(target: "aws_config::default_provider::endpoint_url", "invalid value for endpoint URL setting");
    tracing::debug!(target: "aws_config::sts::assume_role", access_key_id = "ASIADEBUGLINE", "obtained assumed credentials");

    let logs =
        String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("UTF-8 logs");
    assert!(
        logs.contains("STS refused to grant assume role"),
        "the capture works: {logs}"
    );
    assert!(
        logs.contains("AssumeRoleDenied"),
        "the error was logged: {logs}"
    );
    let creds = &pipeline.execution_role.credentials;
    let token = creds.session_token.as_deref().expect("a session token");
    for secret in [creds.secret_access_key.as_str(), token] {
        assert!(
            !logs.contains(secret),
            "a credential is in the logs:\n{logs}"
        );
    }
    for word in [
        "SecretAccessKey",
        "secret_access_key",
        "SessionToken",
        "session_token",
    ] {
        assert!(!logs.contains(word), "{word} in the logs:\n{logs}");
    }
}
