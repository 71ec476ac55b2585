//! Request-level tests of `transform` for what the local AWS cannot show: an EventBridge key
//! delivered encoded (moto refuses keys holding `%`), and the exact headers of the writes.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use cross_account_s3::Clients;
use lambda_runtime::LambdaEvent;
use pipeline::Pipeline;
use pipeline::config::Config;
use pipeline::handler::handle;
use serde_json::{Value, json};

fn events_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

fn response(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> ReplayEvent {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = http::Request::builder()
        .uri("https://example.invalid/")
        .body(SdkBody::empty())
        .expect("request");
    ReplayEvent::new(
        request,
        builder.body(SdkBody::from(body)).expect("response"),
    )
}

fn assume_role_ok() -> ReplayEvent {
    let xml = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<AssumedRoleUser><AssumedRoleId>AROAWRITER:transform</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/writer/transform</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAWRITER</AccessKeyId><SecretAccessKey>writer-secret</SecretAccessKey><SessionToken>writer-token</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration></Credentials>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>"#;
    response(200, &[], xml.as_bytes().to_vec())
}

/// A HeadObject answer for the source's current object.
fn current(etag: &str, length: &str) -> ReplayEvent {
    response(200, &[("etag", etag), ("content-length", length)], vec![])
}

/// A ListObjectsV2 answer with nothing in it.
fn empty_folder() -> ReplayEvent {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>dst-bucket</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"#;
    response(200, &[], xml.as_bytes().to_vec())
}

/// The transform as the execution role `ASIAEXECUTION`, writing to `dst-bucket` under `out/`,
/// every request answered by `replay`.
async fn offline_pipeline(replay: &StaticReplayClient) -> Pipeline {
    let sdk = testkit::offline_sdk_config(replay.clone(), "ASIAEXECUTION").await;
    let vars = [
        ("DESTINATION_BUCKET", "dst-bucket"),
        ("DESTINATION_PREFIX", "out/"),
        (
            "DESTINATION_ROLE_ARN",
            "arn:aws:iam::222222222222:role/writer",
        ),
        ("DESTINATION_EXTERNAL_ID", "external-id"),
        ("AWS_LAMBDA_FUNCTION_NAME", "transform"),
    ];
    let config = Config::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("config");
    Pipeline::new(Clients::new(&sdk, &config.settings).await, config)
}

async fn invoke(pipeline: &Pipeline, event: Value) -> Value {
    handle(
        pipeline,
        LambdaEvent::new(
            event,
            testkit::lambda_context(std::time::Duration::from_secs(900)),
        ),
    )
    .await
    .map(|answer| serde_json::to_value(answer).expect("the answer serialises"))
    .expect("succeeds")
}

fn sample(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(events_dir().join(name)).expect("event"))
        .expect("JSON")
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name)
}

#[tokio::test]
async fn an_encoded_eventbridge_key_falls_back_to_its_decoding_and_writes_conditionally() {
    let image = std::fs::read(events_dir().join("images/sample.jpg")).expect("sample");
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(events_dir().join("eventbridge-object-created.json"))
            .expect("event"),
    )
    .expect("JSON");
    let etag = sample["detail"]["object"]["etag"]
        .as_str()
        .expect("etag")
        .to_owned();
    let quoted = format!("\"{etag}\"");
    let length = image.len().to_string();
    let not_found = || {
        response(
            404,
            &[],
            b"<Error><Code>NoSuchKey</Code><Message>none</Message></Error>".to_vec(),
        )
    };
    let replay = StaticReplayClient::new(vec![
        not_found(), // GET under the key as given
        response(
            200,
            &[
                ("etag", &quoted),
                ("content-length", &length),
                ("content-type", "image/jpeg"),
            ],
            image,
        ),
        current(&quoted, &length), // HEAD of the key: the object read is current
        assume_role_ok(),
        empty_folder(), // ListObjectsV2 of the key's folder: no renditions yet
        response(200, &[("etag", "\"r1\"")], vec![]),
        response(200, &[("etag", "\"r2\"")], vec![]),
        response(200, &[("etag", "\"r3\"")], vec![]),
        current(&quoted, &length), // HEAD after writing: still current
    ]);
    let pipeline = offline_pipeline(&replay).await;

    let mut event = sample.clone();
    event["detail"]["object"]["key"] = json!("photos/hello%20world.jpg");
    let response = invoke(&pipeline, event).await;
    let result = &response["results"][0];
    assert_eq!(result["status"], "written", "{response}");
    assert_eq!(
        result["key"], "photos/hello world.jpg",
        "the key that exists: the decoded one"
    );

    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    let shape: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method(), r.uri()))
        .collect();
    assert_eq!(requests.len(), 9, "{shape:#?}");
    assert!(
        shape[2].starts_with("HEAD ") && shape[8].starts_with("HEAD ") && shape[8] == shape[2],
        "the key's current object is read before deciding and again after writing: {shape:#?}"
    );
    assert!(
        shape[4].contains("list-type=2&delimiter=%2F")
            && shape[4].contains("prefix=out%2Fphotos%2Fhello%20world.jpg%2F"),
        "the renditions are what lies directly under the key's folder: {shape:#?}"
    );
    let path = |r: &HttpRequest| r.uri().split('?').next().unwrap_or_default().to_owned();
    assert!(
        path(requests[0]).ends_with("/photos/hello%2520world.jpg"),
        "as given first: {}",
        requests[0].uri()
    );
    assert!(
        path(requests[1]).ends_with("/photos/hello%20world.jpg"),
        "then decoded: {}",
        requests[1].uri()
    );
    for get in &requests[..2] {
        assert_eq!(
            header(get, "if-match"),
            Some(quoted.as_str()),
            "the ETag confirms the object"
        );
        assert!(
            header(get, "authorization").is_some_and(|a| a.contains("Credential=ASIAEXECUTION/"))
        );
    }
    let puts: Vec<&&HttpRequest> = requests.iter().filter(|r| r.method() == "PUT").collect();
    assert_eq!(puts.len(), 3);
    for put in puts {
        assert!(
            put.uri().contains("/out/photos/hello%20world.jpg/"),
            "{}",
            put.uri()
        );
        assert_eq!(
            header(put, "if-none-match"),
            Some("*"),
            "a new rendition is written only if absent"
        );
        assert_eq!(header(put, "content-type"), Some("image/jpeg"));
        assert_eq!(
            header(put, "x-amz-expected-bucket-owner"),
            Some("222222222222")
        );
        assert_eq!(
            header(put, "x-amz-meta-source-key"),
            Some("photos/hello%20world.jpg")
        );
        assert_eq!(header(put, "x-amz-meta-source-etag"), Some(etag.as_str()));
        assert!(header(put, "authorization").is_some_and(|a| a.contains("Credential=ASIAWRITER/")));
    }
}

#[tokio::test]
async fn a_create_that_lost_a_race_with_a_removal_takes_back_what_it_wrote() {
    let image = std::fs::read(events_dir().join("images/sample.jpg")).expect("sample");
    let event = sample("s3-put.json");
    let etag = event["Records"][0]["s3"]["object"]["eTag"]
        .as_str()
        .expect("etag")
        .to_owned();
    let quoted = format!("\"{etag}\"");
    let length = image.len().to_string();
    let replay = StaticReplayClient::new(vec![
        response(
            200,
            &[("etag", &quoted), ("content-length", &length)],
            image,
        ),
        current(&quoted, &length),
        assume_role_ok(),
        empty_folder(),
        response(200, &[("etag", "\"r1\"")], vec![]),
        response(200, &[("etag", "\"r2\"")], vec![]),
        response(200, &[("etag", "\"r3\"")], vec![]),
        response(404, &[], vec![]), // the source was deleted while rendering
        response(204, &[], vec![]),
        response(204, &[], vec![]),
        response(204, &[], vec![]),
    ]);
    let pipeline = offline_pipeline(&replay).await;
    let response = invoke(&pipeline, event).await;
    let result = &response["results"][0];
    assert_eq!(
        (&result["status"], &result["reason"]),
        (&json!("skipped"), &json!("gone")),
        "{response}"
    );
    assert_eq!(result["outputs"], json!([]));
    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    let deletes: Vec<&&HttpRequest> = requests.iter().filter(|r| r.method() == "DELETE").collect();
    let conditions: Vec<Option<&str>> = deletes.iter().map(|d| header(d, "if-match")).collect();
    assert_eq!(
        conditions,
        [Some("\"r1\""), Some("\"r2\""), Some("\"r3\"")],
        "each rendition taken back only if it is still the one this invocation wrote"
    );
    for d in deletes {
        assert!(
            d.uri()
                .contains("/out/photos/%C3%A9t%C3%A9%202026%20%281%29%2B.jpg/"),
            "{}",
            d.uri()
        );
        assert_eq!(
            header(d, "x-amz-expected-bucket-owner"),
            Some("222222222222")
        );
    }
}

#[tokio::test]
async fn a_removal_keeps_a_rendition_replaced_since_it_was_read() {
    // The removal reads the renditions, then finds the source gone, then deletes: a re-upload
    // whose render replaced the thumbnail in between keeps it (If-Match on the ETag read).
    let listing = r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>dst-bucket</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>out/photos/été 2026 (1)+.jpg/thumb.jpg</Key><ETag>"old"</ETag><Size>10</Size></Contents></ListBucketResult>"#;
    let replay = StaticReplayClient::new(vec![
        assume_role_ok(),
        response(200, &[], listing.as_bytes().to_vec()),
        response(
            200,
            &[
                ("etag", "\"old\""),
                ("x-amz-meta-generated-by", "transform/0.1.0"),
                ("x-amz-meta-source-bucket", "example-source-bucket"),
                ("x-amz-meta-source-key", "photos/%C3%A9t%C3%A9%202026%20%281%29%2B.jpg"),
            ],
            vec![],
        ),
        response(404, &[], vec![]), // HEAD of the source: gone
        response(
            412,
            &[],
            b"<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>".to_vec(),
        ),
    ]);
    let pipeline = offline_pipeline(&replay).await;
    let response = invoke(&pipeline, sample("s3-delete.json")).await;
    let result = &response["results"][0];
    assert_eq!(
        (&result["status"], &result["reason"]),
        (&json!("skipped"), &json!("superseded")),
        "{response}"
    );
    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    let delete = requests
        .iter()
        .find(|r| r.method() == "DELETE")
        .expect("a conditional delete");
    assert_eq!(header(delete, "if-match"), Some("\"old\""));
    assert_eq!(requests.len(), 5);
}
