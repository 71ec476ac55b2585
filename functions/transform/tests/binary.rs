//! The real `transform` binary, run as Lambda runs it (the test kit's Runtime API on loopback,
//! the execution role's credentials, a 1 GB function's memory as an address-space limit),
//! against the local two-account AWS.
//!
//! With `TRANSFORM_BINARY` and `TRANSFORM_RUNNER` set, the same test runs another build, such as
//! the arm64 bootstrap under qemu (`scripts/arm64-check`).
//!
//! The image-inputs issue's SQS reproduction: a batch of two good JPEGs and a 100-byte WebP
//! whose EXIF chunk declares 0xFFFFFFF0 bytes got no response at all (the allocation aborted the
//! process, so Lambda would redeliver the whole batch and the good messages would end in the
//! dead-letter queue). Now the batch succeeds and the WebP alone is rejected.

use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use md5::Digest;
use serde_json::{Value, json};
use testkit::runtime_api::{Answer, CapturedOutput, RuntimeApi};
use testkit::{Account, PipelineOptions, local_aws};

/// The address space a 1 GB function leaves the process, as the issue measured it.
const ADDRESS_SPACE_KIB: u64 = 1_200_000;

fn sample_jpeg() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/images/sample.jpg"
    ))
    .expect("the sample photo")
}

/// A 64x64 lossless WebP (VP8X + VP8L) followed by an EXIF chunk declaring 0xFFFFFFF0 bytes.
fn hostile_webp() -> Vec<u8> {
    use image::ImageEncoder;
    let mut simple = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut simple)
        .write_image(&[90u8; 64 * 64 * 3], 64, 64, image::ExtendedColorType::Rgb8)
        .expect("encode");
    let mut body = b"WEBPVP8X\x0a\0\0\0\x08\0\0\0\x3f\0\0\x3f\0\0".to_vec();
    body.extend_from_slice(&simple[12..]);
    body.extend_from_slice(b"EXIF\xf0\xff\xff\xff");
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&(body.len() as u32).to_le_bytes());
    riff.extend_from_slice(&body);
    riff
}

/// An SQS message holding one S3 `ObjectCreated:Put` record, as the samples have them.
fn message(id: &str, bucket: &str, key: &str, body: &[u8]) -> Value {
    let etag = format!(
        "{:032x}",
        u128::from_be_bytes(md5::Md5::digest(body).into())
    );
    let record = json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-26T12:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.10"},
        "responseElements": {"x-amz-request-id": "R", "x-amz-id-2": "I"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "t",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "O"},
                          "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": key, "size": body.len(), "eTag": etag,
                          "sequencer": "0062E99A88DC407460"}}}]});
    json!({"messageId": id, "receiptHandle": "h", "body": record.to_string(),
           "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795694400000",
                          "SenderId": "S", "ApproximateFirstReceiveTimestamp": "1795694400001"},
           "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
           "eventSourceARN": "arn:aws:sqs:us-east-1:111111111111:trigger", "awsRegion": "us-east-1"})
}

/// Runs the function binary on one event with `extra` environment variables, until it answers
/// or exits (two minutes at most): its answers, its exit status, and its stdout and stderr.
fn run(
    aws: &testkit::Provisioned,
    event: Value,
    extra: &[(&str, &str)],
) -> (Vec<Answer>, Option<std::process::ExitStatus>, String) {
    let api = RuntimeApi::start(vec![event]).expect("runtime API");

    let creds = &aws.execution_role.credentials;
    // TRANSFORM_BINARY runs another build of the function instead (the arm64 one that sam build
    // made, under TRANSFORM_RUNNER, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu`: an emulator
    // maps more than a process, so the address-space limit applies to native runs only).
    let binary = std::env::var("TRANSFORM_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_transform").to_owned());
    let script = match std::env::var("TRANSFORM_RUNNER") {
        Ok(runner) => format!("exec {runner} \"$0\""),
        Err(_) => format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\""),
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(binary)
        .envs(aws.env())
        .envs(api.lambda_env("transform"))
        .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key)
        .env(
            "AWS_SESSION_TOKEN",
            creds.session_token.as_deref().unwrap_or(""),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("MALLOC_ARENA_MAX", "2")
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts transform");

    let output = CapturedOutput::of(&mut child);
    // The answer, or the process's end (an abort answers nothing), within two minutes.
    let mut answers = vec![];
    let mut exited = None;
    for _ in 0..120 {
        answers = api.answers(1, Duration::from_secs(1));
        exited = child.try_wait().expect("waits");
        if !answers.is_empty() || exited.is_some() {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = output.text();
    (answers, exited, log)
}

#[tokio::test]
async fn an_sqs_batch_with_a_hostile_webp_succeeds_and_rejects_only_the_webp() {
    let aws = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        ..PipelineOptions::tagged("binary")
    });
    let bucket = aws.source.bucket.clone();
    let source = local_aws().admin_s3(Account::Source).await;
    let files = [
        ("photos/one.jpg", sample_jpeg()),
        ("photos/hostile.webp", hostile_webp()),
        ("photos/two.jpg", sample_jpeg()),
    ];
    let mut messages = Vec::new();
    for (i, (key, body)) in files.iter().enumerate() {
        source
            .put_object()
            .bucket(&bucket)
            .key(*key)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .expect("the source admin uploads");
        messages.push(message(&format!("message-{i}"), &bucket, key, body));
    }
    let (answers, exited, log) = run(&aws, json!({"Records": messages}), &[]);
    assert_eq!(
        answers,
        vec![Answer::Response(json!({"batchItemFailures": []}))],
        "the function exited with {exited:?}; its log:\n{log}"
    );
    let rejected: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "record rejected")
        .collect();
    assert_eq!(rejected.len(), 1, "{log}");
    assert_eq!(rejected[0]["fields"]["key"], "photos/hostile.webp");
    assert_eq!(rejected[0]["fields"]["reason"], "corrupt");

    let listed = local_aws()
        .admin_s3(Account::Destination)
        .await
        .list_objects_v2()
        .bucket(&aws.destination.bucket)
        .send()
        .await
        .expect("the destination admin lists");
    let mut keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    keys.sort();
    let mut expected: Vec<String> = ["one", "two"]
        .iter()
        .flat_map(|n| {
            ["large", "small", "thumb"].map(|r| format!("renditions/photos/{n}.jpg/{r}.jpg"))
        })
        .collect();
    expected.sort();
    assert_eq!(keys, expected);
}

#[tokio::test]
async fn at_trace_no_log_line_holds_a_credential_an_external_id_or_what_the_caller_sent() {
    let aws = local_aws().pipeline(PipelineOptions::tagged("trace-logs"));
    let bucket = aws.source.bucket.clone();
    let body = sample_jpeg();
    local_aws()
        .admin_s3(Account::Source)
        .await
        .put_object()
        .bucket(&bucket)
        .key("photos/one.jpg")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("the source admin uploads");
    let record: Value = serde_json::from_str(
        message("m", &bucket, "photos/one.jpg", &body)["body"]
            .as_str()
            .expect("body"),
    )
    .expect("an S3 event");
    let (answers, _, log) = run(&aws, record, &[("AWS_LAMBDA_LOG_LEVEL", "TRACE")]);
    assert!(
        matches!(answers.as_slice(), [Answer::Response(r)] if r["results"][0]["status"] == "written"),
        "{answers:?}\n{log}"
    );
    assert!(
        log.lines().count() > 20 && log.contains("\"level\":\"TRACE\""),
        "TRACE is on: {log}"
    );
    let env = aws.env();
    let external_id = env.get("DESTINATION_EXTERNAL_ID").expect("an ExternalId");
    let creds = &aws.execution_role.credentials;
    let token = creds.session_token.as_deref().expect("a session token");
    for (what, secret) in [
        ("the ExternalId", external_id.as_str()),
        (
            "the execution role's secret key",
            creds.secret_access_key.as_str(),
        ),
        ("the execution role's session token", token),
        ("the caller's address (the raw event)", "203.0.113.10"),
    ] {
        assert!(!log.contains(secret), "{what} is in the logs:\n{log}");
    }
    let lower = log.to_ascii_lowercase();
    for word in [
        "secretaccesskey",
        "sessiontoken",
        "x-amz-security-token",
        "authorization",
        "externalid",
        "credential=",
    ] {
        assert!(!lower.contains(word), "{word} in the logs:\n{log}");
    }
    // The summary line's figures are JSON numbers, which log queries can sum and compare.
    let handled: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "record handled")
        .collect();
    assert_eq!(handled.len(), 1, "{log}");
    for field in ["read_ms", "transform_ms", "write_ms", "outputs"] {
        assert!(
            handled[0]["fields"][field].is_u64(),
            "{field}: {}",
            handled[0]
        );
    }
}
