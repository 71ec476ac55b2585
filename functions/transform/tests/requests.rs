//! Request-level tests of `transform` for what the local AWS cannot show: an EventBridge key
//! delivered encoded (moto refuses keys holding `%`), and the exact headers of the writes.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use cross_account_s3::Clients;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use transform::config::Config;
use transform::handler::handle;
use transform::pipeline::Pipeline;

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
        assume_role_ok(),
        response(404, &[], vec![]), // HEAD of each rendition: none yet
        response(404, &[], vec![]),
        response(404, &[], vec![]),
        response(200, &[("etag", "\"r1\"")], vec![]),
        response(200, &[("etag", "\"r2\"")], vec![]),
        response(200, &[("etag", "\"r3\"")], vec![]),
    ]);
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
    let pipeline = Pipeline::new(Clients::new(&sdk, &config.shared).await, config);

    let mut event = sample.clone();
    event["detail"]["object"]["key"] = json!("photos/hello%20world.jpg");
    let response = handle(&pipeline, LambdaEvent::new(event, Context::default()))
        .await
        .expect("succeeds");
    let result = &response["results"][0];
    assert_eq!(result["status"], "written", "{response}");
    assert_eq!(
        result["key"], "photos/hello world.jpg",
        "the key that exists: the decoded one"
    );

    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    assert_eq!(requests.len(), 9);
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
