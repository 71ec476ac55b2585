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

/// The fields of the summary line of the (one) record the function handled.
fn handled_line(log: &str) -> Value {
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "record handled")
        .map(|l| l["fields"].clone())
        .collect();
    assert_eq!(lines.len(), 1, "one record handled: {log}");
    lines[0].clone()
}

fn sam_sample(name: &str, bucket: &str) -> Value {
    let path = format!("{}/../../events/sam/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("SAM's generated sample");
    serde_json::from_str(&text.replace("example-source-bucket", bucket)).expect("JSON")
}

/// The developer loop's reproduction: SAM's `generate-event` for an object that is there was
/// answered `skipped/superseded` (S3, placeholder ETag) and `skipped/gone` (Batch Operations,
/// `s3VersionId: "1"`) with nothing saying why. Now the log line names what the event said and
/// what the key holds, and `scripts/local-aws event` makes events that match the object, in
/// every shape, their sequencers growing with each event made.
#[tokio::test]
async fn made_events_match_the_object_and_a_mismatch_names_both_sides() {
    let aws = local_aws().pipeline(PipelineOptions::tagged("made-events"));
    let bucket = aws.source.bucket.clone();
    let source = local_aws().admin_s3(Account::Source).await;
    let put = |body: Vec<u8>| {
        source
            .put_object()
            .bucket(&bucket)
            .key("photos/one.jpg")
            .body(ByteStream::from(body))
            .send()
    };
    let first = put(sample_jpeg()).await.expect("the source admin uploads");
    let first_etag = first.e_tag().expect("an ETag").trim_matches('"').to_owned();
    let answer = |event: Value| {
        let (answers, exited, log) = run(&aws, event, &[]);
        match answers.as_slice() {
            [Answer::Response(r)] => (r.clone(), log),
            _ => panic!("no answer (exited {exited:?}): {answers:?}\n{log}"),
        }
    };
    let status = |r: &Value| r["results"][0]["status"].as_str().map(str::to_owned);
    let reason = |r: &Value| r["results"][0]["reason"].as_str().map(str::to_owned);

    // SAM's generated S3 event: superseded, and the log says both ETags.
    let (r, log) = answer(sam_sample("s3-put.json", &bucket));
    assert_eq!(
        (status(&r), reason(&r)),
        (Some("skipped".into()), Some("superseded".into()))
    );
    assert_eq!(
        handled_line(&log)["detail"],
        json!(format!(
            "the event names ETag 0123456789abcdef0123456789abcdef; the key holds ETag {first_etag}"
        )),
        "{log}"
    );
    // SAM's generated Batch Operations event: gone (no version "1"), and the log says so.
    let (r, log) = answer(sam_sample("s3-batch-invocation.json", &bucket));
    assert_eq!(
        r["results"][0]["resultString"],
        json!("skipped/gone"),
        "{r}"
    );
    assert_eq!(
        handled_line(&log)["detail"],
        json!(format!(
            "the event names version 1; the key holds ETag {first_etag}"
        ))
    );

    // The made S3 event renders; its sequencer is what the renditions carry.
    let made = local_aws().event("s3", &bucket, "photos/one.jpg", false);
    let object = &made["Records"][0]["s3"]["object"];
    assert_eq!(object["eTag"], json!(first_etag));
    assert_eq!(object["size"], json!(sample_jpeg().len()));
    let (r, _) = answer(made.clone());
    assert_eq!(status(&r), Some("written".into()), "{r}");

    // A new upload: the EventBridge event made now renders it, and orders after the first.
    let second = put(std::fs::read(format!(
        "{}/../../events/images/transparent.png",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the PNG sample"))
    .await
    .expect("the source admin uploads again");
    let second_etag = second
        .e_tag()
        .expect("an ETag")
        .trim_matches('"')
        .to_owned();
    let bridge = local_aws().event("eventbridge", &bucket, "photos/one.jpg", false);
    assert_eq!(bridge["detail"]["object"]["etag"], json!(second_etag));
    let sequencer = |s: &Value| s.as_str().expect("a sequencer").to_owned();
    assert!(
        sequencer(&bridge["detail"]["object"]["sequencer"]) > sequencer(&object["sequencer"]),
        "sequencers grow: {bridge} after {made}"
    );
    let (r, _) = answer(bridge);
    assert_eq!(status(&r), Some("written".into()), "{r}");
    // The first made event is now a real overwrite's: superseded, both ETags named.
    let (r, log) = answer(made);
    assert_eq!(reason(&r), Some("superseded".into()));
    assert_eq!(
        handled_line(&log)["detail"],
        json!(format!(
            "the event names ETag {first_etag}; the key holds ETag {second_etag}"
        ))
    );
    // SQS and Batch Operations events of the current object: already current.
    let (r, _) = answer(local_aws().event("sqs", &bucket, "photos/one.jpg", false));
    assert_eq!(
        r,
        json!({"batchItemFailures": []}),
        "an SQS batch answers its failures"
    );
    let (r, _) = answer(local_aws().event("batch", &bucket, "photos/one.jpg", false));
    assert_eq!(
        r["results"][0]["resultString"],
        json!("skipped/already-current"),
        "{r}"
    );
}

#[tokio::test]
async fn routes_fan_out_to_two_accounts_and_a_shared_bucket_with_one_assume_role_per_role() {
    let aws = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        routes: true,
        ..PipelineOptions::tagged("binary-routes")
    });
    let (d, d2) = (
        &aws.destination,
        aws.destination2.clone().expect("a second destination"),
    );
    let deployed: Value =
        serde_json::from_str(&aws.env()["ROUTES"]).expect("the stack's ROUTES is JSON");
    assert_eq!(deployed.as_array().map(Vec::len), Some(2), "{deployed}");
    // The stack's two routes, and a third sharing the first one's role and bucket.
    let routes = json!([
        {"id": "dst", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "renditions/a/"},
        {"id": "shared", "source_prefix": "photos/", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "renditions/b/",
         "renditions": "thumb:64x64:png,card:120x120:avif,web:160x160:webp"},
        {"id": "dst2", "source_prefix": "", "bucket": d2.bucket, "role_arn": d2.role_arn,
         "external_id": d2.external_id, "prefix": "renditions/"},
    ])
    .to_string();
    let bucket = aws.source.bucket.clone();
    let source = local_aws().admin_s3(Account::Source).await;
    let mut messages = Vec::new();
    for (i, key) in ["photos/one.jpg", "photos/two.jpg", "docs/three.jpg"]
        .iter()
        .enumerate()
    {
        source
            .put_object()
            .bucket(&bucket)
            .key(*key)
            .body(ByteStream::from(sample_jpeg()))
            .send()
            .await
            .expect("the source admin uploads");
        messages.push(message(
            &format!("message-{i}"),
            &bucket,
            key,
            &sample_jpeg(),
        ));
    }
    let before = local_aws().assume_role_calls();
    let (answers, exited, log) = run(&aws, json!({"Records": messages}), &[("ROUTES", &routes)]);
    assert_eq!(
        answers,
        vec![Answer::Response(json!({"batchItemFailures": []}))],
        "the function exited with {exited:?}; its log:\n{log}"
    );
    let after = local_aws().assume_role_calls();
    let calls =
        |role: &str| after.get(role).copied().unwrap_or(0) - before.get(role).copied().unwrap_or(0);
    assert_eq!(
        (calls(&d.role_arn), calls(&d2.role_arn)),
        (1, 1),
        "one AssumeRole per role for 3 records on 3 routes (two of one role)"
    );

    let renditions = |prefix: &str, keys: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = keys
            .iter()
            .flat_map(|k| ["large", "small", "thumb"].map(|r| format!("{prefix}{k}/{r}.jpg")))
            .collect();
        all.sort();
        all
    };
    let all = ["docs/three.jpg", "photos/one.jpg", "photos/two.jpg"];
    let mut first = renditions("renditions/a/", &all);
    for k in ["one", "two"] {
        first.extend(
            ["card.avif", "thumb.png", "web.webp"]
                .map(|r| format!("renditions/b/photos/{k}.jpg/{r}")),
        );
    }
    first.sort();
    assert_eq!(
        local_aws().keys(Account::Destination, &d.bucket).await,
        first
    );
    // AVIF and lossy WebP through S3, with their types and canonical specs.
    let writer = local_aws().admin_s3(Account::Destination).await;
    for (name, content_type, spec) in [
        ("card.avif", "image/avif", "card:120x120:avif:60"),
        ("web.webp", "image/webp", "web:160x160:webp:80"),
    ] {
        let key = format!("renditions/b/photos/one.jpg/{name}");
        let got = writer
            .get_object()
            .bucket(&d.bucket)
            .key(&key)
            .send()
            .await
            .expect("the rendition reads back");
        assert_eq!(got.content_type(), Some(content_type), "{key}");
        assert_eq!(
            got.metadata()
                .and_then(|m| m.get("rendition-spec"))
                .map(String::as_str),
            Some(spec),
            "{key}"
        );
        let body = got.body.collect().await.expect("its body").into_bytes();
        let magic: &[u8] = if name.ends_with("avif") {
            b"ftypavif"
        } else {
            b"WEBPVP8 "
        };
        assert_eq!(
            &body[if name.ends_with("avif") { 4..12 } else { 8..16 }],
            magic,
            "{key}"
        );
    }
    assert_eq!(
        local_aws().keys(Account::Destination2, &d2.bucket).await,
        renditions("renditions/", &all)
    );
    let route_lines = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "record handled")
        .map(|l| l["fields"]["route"].as_str().unwrap_or("?").to_owned())
        .collect::<Vec<_>>();
    assert_eq!(
        route_lines,
        [
            "dst", "shared", "dst2", "dst", "shared", "dst2", "dst", "dst2"
        ],
        "{log}"
    );

    // A removal: deleted through every route, in both accounts.
    source
        .delete_object()
        .bucket(&bucket)
        .key("photos/one.jpg")
        .send()
        .await
        .expect("the source admin deletes");
    let mut removal: Value = serde_json::from_str(
        message("m", &bucket, "photos/one.jpg", &[])["body"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("the record");
    removal["Records"][0]["eventName"] = json!("ObjectRemoved:Delete");
    let (answers, _, log) = run(&aws, removal, &[("ROUTES", &routes)]);
    let Some(Answer::Response(response)) = answers.first() else {
        panic!("no answer: {log}");
    };
    let routes_and_statuses: Vec<(Value, Value)> = response["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["route"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(
        routes_and_statuses,
        [
            (json!("dst"), json!("deleted")),
            (json!("shared"), json!("deleted")),
            (json!("dst2"), json!("deleted"))
        ]
    );
    assert!(
        local_aws()
            .keys(Account::Destination, &d.bucket)
            .await
            .iter()
            .all(|k| !k.contains("one.jpg"))
    );
    assert!(
        local_aws()
            .keys(Account::Destination2, &d2.bucket)
            .await
            .iter()
            .all(|k| !k.contains("one.jpg"))
    );
}

#[tokio::test]
async fn a_bad_routes_stops_the_cold_start_naming_routes_the_route_and_the_field() {
    let aws = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        routes: true,
        ..PipelineOptions::tagged("binary-bad-routes")
    });
    let deployed: Value = serde_json::from_str(&aws.env()["ROUTES"]).expect("JSON");
    let secret = aws.destination.external_id.clone();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut routes = deployed.clone();
        change(&mut routes);
        routes.to_string()
    };
    // (what, ROUTES, other settings, what the message says)
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("not JSON", "[{\"id\":".to_owned(), vec![], "is not JSON"),
        ("empty", "[]".to_owned(), vec![], "empty array"),
        (
            "duplicate id",
            with(&|r| r[1]["id"] = json!("dst")),
            vec![],
            "route dst: id is used by another route",
        ),
        (
            "unknown field",
            with(&|r| r[0]["bukcet"] = json!("x")),
            vec![],
            "route dst: bukcet is not a field",
        ),
        (
            "missing field",
            with(&|r| {
                r[1].as_object_mut().map(|o| o.remove("role_arn"));
            }),
            vec![],
            "route dst2: role_arn is missing",
        ),
        (
            "prefix outside SOURCE_PREFIX",
            deployed.to_string(),
            vec![("SOURCE_PREFIX", "photos/")],
            "outside SOURCE_PREFIX",
        ),
        (
            "colliding outputs",
            with(&|r| {
                r[1]["bucket"] = r[0]["bucket"].clone();
            }),
            vec![],
            "would collide",
        ),
        (
            "with DESTINATION_BUCKET",
            deployed.to_string(),
            vec![("DESTINATION_BUCKET", "b")],
            "together with DESTINATION_BUCKET",
        ),
        (
            "bad ARN",
            with(&|r| r[0]["role_arn"] = json!("arn:aws:iam::12:role/x")),
            vec![],
            "route dst: role_arn",
        ),
    ];
    for (what, routes, extra, says) in cases {
        let mut env = vec![("ROUTES", routes.as_str())];
        env.extend(extra);
        let (answers, exited, log) = run(&aws, json!({"Records": []}), &env);
        let Some(Answer::InitError(error)) = answers.first() else {
            panic!("{what}: no init error ({exited:?}): {answers:?}\n{log}");
        };
        assert_eq!(
            error["errorType"], "InvalidConfiguration",
            "{what}: {error}"
        );
        let message = error["errorMessage"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("ROUTES ") && message.contains(says),
            "{what}: {message}"
        );
        assert!(
            !message.contains(&secret) && !log.contains(&secret),
            "{what}: the ExternalId is never echoed"
        );
    }
}
