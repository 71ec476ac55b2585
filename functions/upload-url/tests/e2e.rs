//! End to end: the real `upload-url` binary, run as Lambda runs it (the test kit's Runtime API,
//! the uploader role's temporary credentials), on Function URL events, against the local AWS;
//! the presigned PUTs it hands out are sent over HTTP to the local AWS, whose verifying layer
//! (`tools/local-aws/src/local_aws/presigned.py`) checks their query signature and expiry as S3 does.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};
use sha2::Digest;
use testkit::runtime_api::{Answer, CapturedOutput, RuntimeApi};
use testkit::{Account, PipelineOptions, local_aws};

const CALLER: &str = "arn:aws:sts::111111111111:assumed-role/photo-app/phone-42";

fn sample_jpeg() -> Vec<u8> {
    std::fs::read(testkit::repo_root().join("events/images/sample.jpg")).expect("the sample photo")
}

/// The sample Function URL event with another method and body; without the IAM identity when
/// `identity` is false (what a request context without `authorizer.iam` looks like).
fn event(method: &str, body: &str, identity: bool) -> Value {
    let path = testkit::repo_root().join("events/upload-url.json");
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("JSON");
    event["requestContext"]["http"]["method"] = json!(method);
    event["body"] = json!(body);
    if !identity {
        event["requestContext"]
            .as_object_mut()
            .expect("context")
            .remove("authorizer");
    }
    event
}

fn provision(tag: &str) -> testkit::Provisioned {
    local_aws().pipeline(PipelineOptions {
        source_prefix: "photos/".into(),
        upload_prefix: Some("photos/uploads/".into()),
        ..PipelineOptions::tagged(tag)
    })
}

/// Runs the binary on `events` as the uploader role: its answers (the HTTP responses, parsed)
/// and everything it logged.
fn run(aws: &testkit::Provisioned, events: Vec<Value>) -> (Vec<Value>, String) {
    let n = events.len();
    let api = RuntimeApi::start(events).expect("runtime API");
    let role = aws.uploader_role.as_ref().expect("an uploader role");
    let mut child = Command::new(env!("CARGO_BIN_EXE_upload-url"))
        .envs(aws.upload_url_env())
        .envs(api.lambda_env("upload-url"))
        .env("AWS_ACCESS_KEY_ID", &role.credentials.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &role.credentials.secret_access_key)
        .env(
            "AWS_SESSION_TOKEN",
            role.credentials.session_token.as_deref().unwrap_or(""),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_LAMBDA_LOG_LEVEL", "TRACE")
        // As inside Lambda (the SDK then adds an unsigned x-amzn-trace-id to every request).
        .env(
            "_X_AMZN_TRACE_ID",
            "Root=1-6b101e09-8561b8266f832b957ffed21d;Sampled=1",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts upload-url");
    let output = CapturedOutput::of(&mut child);
    let answers = api.answers(n, Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let log = output.text();
    let responses = answers
        .into_iter()
        .map(|answer| match answer {
            Answer::Response(response) => response,
            other => panic!("not an HTTP response: {other:?}\n{log}"),
        })
        .collect::<Vec<_>>();
    assert_eq!(responses.len(), n, "{log}");
    (responses, log)
}

/// A response's status and JSON body.
fn status_and_body(response: &Value) -> (u64, Value) {
    let body = response["body"].as_str().expect("a text body");
    (
        response["statusCode"].as_u64().expect("a status"),
        serde_json::from_str(body).expect("a JSON body"),
    )
}

/// One HTTP/1.1 request to the loopback URL, as a client of the grant would make it: its status
/// and body.
fn send(method: &str, url: &str, headers: &[(String, String)], body: &[u8]) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("a loopback http URL");
    let (host, target) = rest.split_at(rest.find('/').expect("a path"));
    assert!(host.starts_with("127.0.0.1:"), "only loopback: {url}");
    let mut stream = TcpStream::connect(host).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("writes");
    stream.write_all(body).expect("writes the body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("reads");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn grant_headers(grant: &Value) -> Vec<(String, String)> {
    grant["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("a header value").to_owned()))
        .collect()
}

#[tokio::test]
async fn a_grant_uploads_once_under_the_prefix_with_its_metadata_and_logs_nothing_replayable() {
    let aws = provision("upload-e2e");
    let photo = sample_jpeg();
    let checksum = aws_smithy_types::base64::encode(sha2::Sha256::digest(&photo));
    let ask = json!({"content_type": "image/jpeg", "content_length": photo.len(),
                     "checksum_sha256": checksum, "name": "été 2026 (1)+.jpg"});
    let (responses, log) = run(&aws, vec![event("POST", &ask.to_string(), true)]);
    let (status, grant) = status_and_body(&responses[0]);
    assert_eq!(status, 200, "{grant}\n{log}");
    assert_eq!(responses[0]["headers"]["cache-control"], "no-store");
    let url = grant["url"].as_str().expect("a URL");
    let key = grant["key"].as_str().expect("a key");
    assert!(
        key.starts_with("photos/uploads/") && key.ends_with(".jpg"),
        "{key}"
    );
    let headers = grant_headers(&grant);
    // `headers` lists exactly the signed headers but host: nothing more a client must send.
    let signed = url
        .split("X-Amz-SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("signed headers")
        .replace("%3B", ";");
    let mut listed: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    listed.push("host");
    listed.sort_unstable();
    assert_eq!(listed.join(";"), signed, "{grant}");

    // The upload with exactly the listed headers succeeds, through the verifying layer.
    let (status, answer) = send("PUT", url, &headers, &photo);
    assert_eq!(status, 200, "{answer}");
    let admin = local_aws().admin_s3(Account::Source).await;
    let head = admin
        .head_object()
        .bucket(&aws.source.bucket)
        .key(key)
        .send()
        .await
        .expect("the upload is there");
    assert_eq!(head.content_length(), Some(photo.len() as i64));
    assert_eq!(head.content_type(), Some("image/jpeg"));
    let metadata = head.metadata().expect("metadata");
    assert_eq!(
        metadata.get("uploaded-by").map(String::as_str),
        Some(CALLER)
    );
    assert_eq!(
        metadata.get("original-name").map(String::as_str),
        Some("%C3%A9t%C3%A9%202026%20%281%29%2B%2Ejpg")
    );

    // The same upload again is refused (If-None-Match: *), and so is other content of the same
    // size (the checksum is signed), an unsigned extra header and another content type.
    let (status, answer) = send("PUT", url, &headers, &photo);
    assert_eq!(status, 412, "{answer}");
    let mut other = photo.clone();
    other[photo.len() / 2] ^= 0xff;
    let (status, answer) = send("PUT", url, &headers, &other);
    assert!(answer.contains("BadDigest") && status == 400, "{answer}");
    let mut extra = headers.clone();
    extra.push(("x-amz-acl".into(), "public-read".into()));
    let (status, answer) = send("PUT", url, &extra, &photo);
    assert!(status == 403 && answer.contains("not signed"), "{answer}");
    let retyped: Vec<_> = headers
        .iter()
        .map(|(k, v)| match k.as_str() {
            "content-type" => (k.clone(), "image/png".to_owned()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let (status, answer) = send("PUT", url, &retyped, &photo);
    assert!(
        status == 403 && answer.contains("SignatureDoesNotMatch"),
        "{answer}"
    );
    let stats: Value = serde_json::from_str(
        send(
            "GET",
            &format!("{}/_local_aws/presigned", aws.endpoint),
            &[],
            b"",
        )
        .1
        .split("\r\n\r\n")
        .nth(1)
        .expect("a body"),
    )
    .expect("JSON");
    assert!(stats["verified"].as_u64() >= Some(2), "{stats}");

    // Nothing replayable in the logs, at TRACE: no URL, signature, credential or header.
    assert!(
        log.contains("\"level\":\"TRACE\"") || log.contains("\"level\":\"DEBUG\""),
        "{log}"
    );
    assert!(log.contains("upload granted") && log.contains(key), "{log}");
    let role = aws.uploader_role.as_ref().expect("role");
    let signature = url.split("X-Amz-Signature=").nth(1).expect("a signature");
    for (what, secret) in [
        ("the URL", url),
        ("the signature", signature),
        (
            "the secret key",
            role.credentials.secret_access_key.as_str(),
        ),
        (
            "the session token",
            role.credentials.session_token.as_deref().expect("token"),
        ),
        ("the checksum header", checksum.as_str()),
    ] {
        assert!(!log.contains(secret), "{what} is in the logs:\n{log}");
    }
    let lower = log.to_ascii_lowercase();
    for word in [
        "x-amz-signature",
        "x-amz-credential",
        "authorization",
        "x-amz-security-token",
    ] {
        assert!(!lower.contains(word), "{word} in the logs:\n{log}");
    }
}

#[tokio::test]
async fn the_uploader_role_can_neither_read_nor_write_elsewhere() {
    let aws = provision("uploader-role");
    let role = aws.uploader_role.clone().expect("role");
    let s3 = testkit::s3_client(
        &testkit::sdk_config(&aws.endpoint, &aws.region, &role.credentials, "uploader").await,
    );
    let bucket = &aws.source.bucket;
    local_aws()
        .admin_s3(Account::Source)
        .await
        .put_object()
        .bucket(bucket)
        .key("photos/uploads/existing.jpg")
        .body(ByteStream::from_static(b"not yours to read"))
        .send()
        .await
        .expect("the admin uploads");
    let put = |key: &'static str| {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from_static(b"x"))
            .send()
    };
    assert!(
        put("photos/uploads/new.jpg").await.is_ok(),
        "its one permission"
    );
    for key in ["photos/elsewhere.jpg", "other/uploads/x.jpg"] {
        let e = put(key).await.expect_err("no write outside the prefix");
        assert_eq!(
            e.into_service_error().meta().code(),
            Some("AccessDenied"),
            "{key}"
        );
    }
    let e = s3
        .get_object()
        .bucket(bucket)
        .key("photos/uploads/existing.jpg")
        .send()
        .await
        .expect_err("no read");
    assert_eq!(e.into_service_error().meta().code(), Some("AccessDenied"));
    let e = s3
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .expect_err("no list");
    assert_eq!(e.into_service_error().meta().code(), Some("AccessDenied"));
    let e = s3
        .delete_object()
        .bucket(bucket)
        .key("photos/uploads/existing.jpg")
        .send()
        .await
        .expect_err("no delete");
    assert_eq!(e.into_service_error().meta().code(), Some("AccessDenied"));
}

#[tokio::test]
async fn refusals_name_what_is_wrong() {
    let aws = provision("upload-refusals");
    let cases = [
        (
            event(
                "POST",
                r#"{"content_type": "image/tiff", "content_length": 10}"#,
                true,
            ),
            415,
            "UnsupportedMediaType",
            "content_type",
        ),
        (
            event(
                "POST",
                r#"{"content_type": "image/png", "content_length": 26214401}"#,
                true,
            ),
            413,
            "ContentTooLarge",
            "content_length",
        ),
        (event("GET", "", true), 405, "MethodNotAllowed", "POST"),
        (
            event("POST", r#"{"content_type": "image/png", "#, true),
            400,
            "InvalidRequest",
            "JSON",
        ),
        (
            event(
                "POST",
                r#"{"content_type": "image/png", "content_length": 10}"#,
                false,
            ),
            403,
            "Unauthenticated",
            "IAM",
        ),
    ];
    let (responses, log) = run(&aws, cases.iter().map(|c| c.0.clone()).collect());
    for ((_, status, error, names), response) in cases.iter().zip(&responses) {
        let (got, body) = status_and_body(response);
        assert_eq!(got, *status as u64, "{body}\n{log}");
        assert_eq!(body["error"], *error, "{body}");
        let message = body["message"].as_str().expect("a message");
        assert!(message.contains(names), "{error}: {message}");
        if *status == 405 {
            assert_eq!(response["headers"]["allow"], "POST", "{response}");
        }
    }
    assert_eq!(log.matches("upload refused").count(), cases.len(), "{log}");
}
