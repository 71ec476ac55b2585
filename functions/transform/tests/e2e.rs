//! `transform` end to end against the local two-account AWS: the source account's admin uploads,
//! the handler runs with the execution role's credentials (the writer role only through
//! AssumeRole), and the destination account's admin checks what arrived. The events are the
//! `events/` samples with the test's bucket names substituted.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use common::{HELLO, Harness, events_dir, image, md5_of, status};
use lambda_runtime::LambdaEvent;
use pipeline::handler::handle;
use serde_json::{Value, json};
use testkit::{PipelineOptions, local_aws};
#[tokio::test]
async fn an_upload_becomes_renditions_in_the_other_account() {
    let h = Harness::new("written", &[]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    let result = h.result(h.event("s3-put.json")).await;
    assert_eq!(status(&result), ("written".into(), Value::Null), "{result}");
    assert_eq!(result["bucket"], json!(h.aws.source.bucket));
    assert_eq!(result["key"], json!(HELLO), "the decoded key");
    assert_eq!(result["version_id"], Value::Null);
    let outputs = result["outputs"].as_array().expect("outputs");
    let summary: Vec<(String, u64, u64)> = outputs
        .iter()
        .map(|o| {
            (
                o["key"].as_str().unwrap_or_default().to_owned(),
                o["width"].as_u64().unwrap_or(0),
                o["height"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "renditions/photos/été 2026 (1)+.jpg/thumb.jpg".to_owned(),
                200,
                150
            ),
            (
                "renditions/photos/été 2026 (1)+.jpg/small.jpg".to_owned(),
                800,
                600
            ),
            (
                "renditions/photos/été 2026 (1)+.jpg/large.jpg".to_owned(),
                1600,
                1200
            ),
        ],
        "fit inside the box, never upscaled"
    );
    assert_eq!(h.destination_keys().await.len(), 3);

    let thumb = h
        .destination_admin
        .get_object()
        .bucket(&h.aws.destination.bucket)
        .key("renditions/photos/été 2026 (1)+.jpg/thumb.jpg")
        .send()
        .await
        .expect("the destination admin reads the thumbnail");
    assert_eq!(thumb.content_type(), Some("image/jpeg"));
    let meta = thumb.metadata().cloned().unwrap_or_default();
    let expected_etag = h.event("s3-put.json")["Records"][0]["s3"]["object"]["eTag"].clone();
    assert_eq!(meta.get("source-bucket"), Some(&h.aws.source.bucket));
    assert_eq!(
        meta.get("source-key").map(String::as_str),
        Some("photos/%C3%A9t%C3%A9%202026%20%281%29%2B.jpg")
    );
    assert_eq!(
        meta.get("source-etag").map(|s| json!(s)),
        Some(expected_etag)
    );
    assert_eq!(
        meta.get("source-sequencer").map(String::as_str),
        Some("0062E99A88DC407460")
    );
    assert_eq!(meta.get("rendition").map(String::as_str), Some("thumb"));
    assert_eq!(
        meta.get("generated-by"),
        Some(&format!("transform/{}", env!("CARGO_PKG_VERSION")))
    );
    assert!(
        !meta.contains_key("source-version-id"),
        "unversioned bucket"
    );
    let bytes = thumb.body.collect().await.expect("body").into_bytes();
    assert_eq!(outputs[0]["bytes"].as_u64(), Some(bytes.len() as u64));
    let decoded = image::load_from_memory(&bytes).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (200, 150));

    // The same event again changes nothing.
    let again = h.result(h.event("s3-put.json")).await;
    assert_eq!(status(&again), ("skipped".into(), json!("already-current")));
    assert_eq!(again["outputs"], json!([]));

    // An older event for the key, after a later one was applied.
    let mut older = h.event("s3-put.json");
    older["Records"][0]["s3"]["object"]["sequencer"] = json!("0062E99A88DC407400");
    assert_eq!(
        status(&h.result(older).await),
        ("skipped".into(), json!("out-of-order"))
    );

    // The execution role alone could not have written any of it.
    let direct = testkit::s3_client(&h.aws.execution_role_config().await)
        .put_object()
        .bucket(&h.aws.destination.bucket)
        .key("renditions/photos/été 2026 (1)+.jpg/thumb.jpg")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert!(
        direct.is_err(),
        "only the writer role can write the destination"
    );
}

#[tokio::test]
async fn removals_delete_renditions_only_when_the_source_is_gone() {
    let h = Harness::new("removals", &[]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    assert_eq!(status(&h.result(h.event("s3-put.json")).await).0, "written");

    // A removal while the object still exists (a later upload happened): nothing is deleted.
    let superseded = h.result(h.event("s3-delete.json")).await;
    assert_eq!(status(&superseded), ("skipped".into(), json!("superseded")));
    assert_eq!(h.destination_keys().await.len(), 3);

    h.delete_source(HELLO).await;
    let deleted = h.result(h.event("s3-delete.json")).await;
    assert_eq!(
        status(&deleted),
        ("deleted".into(), Value::Null),
        "{deleted}"
    );
    let outputs = deleted["outputs"].as_array().expect("outputs");
    assert_eq!(outputs.len(), 3);
    assert!(
        outputs.contains(&json!({"key": "renditions/photos/été 2026 (1)+.jpg/thumb.jpg", "content_type": null, "width": null, "height": null, "bytes": null})),
        "{deleted}"
    );
    assert!(h.destination_keys().await.is_empty());

    let repeated = h.result(h.event("s3-lifecycle-expiration.json")).await;
    assert_eq!(status(&repeated), ("skipped".into(), json!("gone")));
}

#[tokio::test]
async fn eventbridge_events_create_and_delete() {
    let h = Harness::new("eventbridge", &[]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    let created = h.result(h.event("eventbridge-object-created.json")).await;
    assert_eq!(status(&created).0, "written", "{created}");
    assert_eq!(created["key"], json!(HELLO));
    assert_eq!(
        created["route"],
        json!("default"),
        "without ROUTES, the one route"
    );

    // The same object again: already current. (The fallback from an encoded key to its decoding
    // cannot be shown here: moto refuses the signature of keys holding %; see the README.)
    let again = h.result(h.event("eventbridge-object-created.json")).await;
    assert_eq!(status(&again), ("skipped".into(), json!("already-current")));

    h.delete_source(HELLO).await;
    let deleted = h.result(h.event("eventbridge-object-deleted.json")).await;
    assert_eq!(
        status(&deleted),
        ("deleted".into(), Value::Null),
        "{deleted}"
    );
    assert_eq!(deleted["route"], json!("default"));
    assert!(h.destination_keys().await.is_empty());
}

#[tokio::test]
async fn skips_follow_the_contract() {
    let h = Harness::new("skips", &[("SOURCE_PREFIX", "photos/")]).await;

    let test_event = h
        .invoke(h.event("s3-test-event.json"))
        .await
        .expect("succeeds");
    assert_eq!(
        test_event,
        json!({"results": [{"bucket": null, "key": null, "version_id": null, "route": null, "status": "skipped", "reason": "test-event", "outputs": []}]}),
        "a test event is route-less"
    );

    // Never uploaded.
    assert_eq!(
        status(&h.result(h.event("s3-put.json")).await),
        ("skipped".into(), json!("gone"))
    );

    // Overwritten since the event: the ETag no longer matches.
    h.upload(HELLO, b"a different object now".to_vec()).await;
    assert_eq!(
        status(&h.result(h.event("s3-put.json")).await),
        ("skipped".into(), json!("superseded"))
    );

    // An event type not handled, another bucket, a key outside SOURCE_PREFIX: nothing is read.
    assert_eq!(
        status(&h.result(h.event("s3-restore-completed.json")).await),
        ("skipped".into(), json!("ignored-event"))
    );
    let mut other_bucket = h.event("s3-put.json");
    other_bucket["Records"][0]["s3"]["bucket"]["name"] = json!("someone-elses-bucket");
    assert_eq!(
        status(&h.result(other_bucket).await),
        ("skipped".into(), json!("ignored-event"))
    );
    let mut outside = h.event("s3-put.json");
    outside["Records"][0]["s3"]["object"]["key"] = json!("private/x.jpg");
    assert_eq!(
        status(&h.result(outside).await),
        ("skipped".into(), json!("ignored-event"))
    );

    // One of the pipeline's own outputs (it carries generated-by).
    let own = image("sample.jpg");
    h.source_admin
        .put_object()
        .bucket(&h.aws.source.bucket)
        .key("photos/own.jpg")
        .metadata("generated-by", "transform/0.1.0")
        .body(ByteStream::from(own))
        .send()
        .await
        .expect("upload");
    let mut own_event = h.event("s3-put.json");
    own_event["Records"][0]["s3"]["object"]["key"] = json!("photos/own.jpg");
    assert_eq!(
        status(&h.result(own_event).await),
        ("skipped".into(), json!("own-output"))
    );
    assert!(h.destination_keys().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn bad_inputs_are_rejected_and_the_rest_of_the_batch_is_written() {
    let h = Harness::new("batch", &[]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    h.upload("photos/logo with alpha.png", image("transparent.png"))
        .await;
    h.upload("uploads/not-an-image.jpg", image("not-an-image.jpg"))
        .await;
    let response = h
        .invoke(h.event("s3-put-batch.json"))
        .await
        .expect("rejections are not failures");
    let statuses: Vec<(String, Value)> = response["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(status)
        .collect();
    assert_eq!(
        statuses,
        [
            ("written".into(), Value::Null),
            ("written".into(), Value::Null),
            ("rejected".into(), json!("not-an-image"))
        ]
    );
    assert_eq!(
        response["results"][1]["key"],
        json!("photos/logo with alpha.png")
    );
    assert_eq!(response["results"][2]["outputs"], json!([]));

    let sample = image("sample.jpg");
    let one = |key: &str, body: Vec<u8>| {
        let mut event = h.event("s3-put.json");
        let object = &mut event["Records"][0]["s3"]["object"];
        object["key"] = json!(key);
        object["size"] = json!(body.len());
        object["eTag"] = json!(format!("{:x}", md5_of(&body)));
        (event, body)
    };
    let long_key = format!("photos/{}.jpg", "k".repeat(1000));
    let cases = [
        (one("photos/empty.jpg", vec![]), "not-an-image"),
        (
            one("photos/truncated.jpg", sample[..sample.len() / 2].to_vec()),
            "corrupt",
        ),
        (
            one(
                "photos/scan.tiff",
                b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            ),
            "unsupported-format",
        ),
        (one(&long_key, sample.clone()), "key-too-long"),
    ];
    for ((event, body), reason) in cases {
        let key = event["Records"][0]["s3"]["object"]["key"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        h.upload(&key, body).await;
        let result = h.result(event).await;
        assert_eq!(
            status(&result),
            ("rejected".into(), json!(reason)),
            "{key:.40}"
        );
    }
}

#[tokio::test]
async fn inputs_over_the_limits_are_too_large() {
    for limit in [("MAX_INPUT_BYTES", "1000"), ("MAX_INPUT_PIXELS", "1000000")] {
        let h = Harness::new("too-large", &[limit]).await;
        h.upload(HELLO, image("sample.jpg")).await;
        let result = h.result(h.event("s3-put.json")).await;
        assert_eq!(
            status(&result),
            ("rejected".into(), json!("too-large")),
            "{limit:?}"
        );
        assert!(h.destination_keys().await.is_empty());
    }
}

#[tokio::test]
async fn sqs_batches_report_only_the_failed_messages() {
    let h = Harness::new("sqs", &[]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    let mut batch = h.event("sqs-s3-put.json");
    let ok = h
        .invoke(batch.clone())
        .await
        .expect("an SQS invocation succeeds");
    assert_eq!(ok, json!({"batchItemFailures": []}));
    assert_eq!(h.destination_keys().await.len(), 3);

    batch["Records"][1]["body"] = json!("{\"not\": \"an event\"}");
    let failed = h.invoke(batch).await.expect("still succeeds");
    assert_eq!(
        failed,
        json!({"batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]})
    );
}

#[tokio::test]
async fn failures_end_the_invocation_with_the_contracts_error_type_after_the_other_records() {
    let wrong_role = "arn:aws:iam::222222222222:role/not-the-writer";
    let h = Harness::new("failures", &[("DESTINATION_ROLE_ARN", wrong_role)]).await;
    h.upload(HELLO, image("sample.jpg")).await;
    h.upload("photos/logo with alpha.png", image("transparent.png"))
        .await;
    h.upload("uploads/not-an-image.jpg", image("not-an-image.jpg"))
        .await;
    let failure = h
        .invoke(h.event("s3-put-batch.json"))
        .await
        .expect_err("AssumeRole is refused");
    assert_eq!(failure.error_type, "AssumeRoleDenied");
    // All three: even the record that would be rejected checks the destination first.
    assert!(
        failure.message.starts_with("3 records failed"),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("not authorized to perform: sts:AssumeRole"),
        "STS's own words: {}",
        failure.message
    );
    assert!(
        failure.message.contains("photos/été 2026 (1)+.jpg")
            && failure.message.contains("photos/logo with alpha.png"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("trust policy"),
        "{}",
        failure.message
    );

    let sqs = h
        .invoke(h.event("sqs-s3-put.json"))
        .await
        .expect("SQS invocations succeed");
    assert_eq!(
        sqs,
        json!({"batchItemFailures": [{"itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d"}]})
    );

    let invalid = h
        .invoke(json!({"hello": "world"}))
        .await
        .expect_err("not an event");
    assert_eq!(invalid.error_type, "InvalidEvent");
    assert!(
        invalid.message.contains("keys hello"),
        "{}",
        invalid.message
    );

    // The execution role lacking s3:GetObject: SourceReadDenied, naming the policy.
    let denied = local_aws().pipeline(PipelineOptions {
        execution_drop: vec!["s3:GetObject".into()],
        ..PipelineOptions::tagged("read-denied")
    });
    let pipeline = Harness::pipeline_for(&denied, &[]).await;
    let text = std::fs::read_to_string(events_dir().join("s3-put.json")).expect("sample");
    let payload: Value =
        serde_json::from_str(&text.replace("example-source-bucket", &denied.source.bucket))
            .expect("JSON");
    let failure = handle(
        &pipeline,
        LambdaEvent::new(
            payload,
            testkit::lambda_context(std::time::Duration::from_secs(900)),
        ),
    )
    .await
    .expect_err("refused");
    assert_eq!(
        failure.error_type, "SourceReadDenied",
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("execution role's policy"),
        "{}",
        failure.message
    );
}

#[tokio::test]
async fn versioned_buckets_pin_reads_to_the_events_version() {
    let h = Harness::new("versioned", &[]).await;
    h.versioned().await;
    let put = |body: Vec<u8>| {
        h.source_admin
            .put_object()
            .bucket(&h.aws.source.bucket)
            .key(HELLO)
            .body(ByteStream::from(body))
            .send()
    };
    let v1 = put(image("sample.jpg"))
        .await
        .expect("v1")
        .version_id()
        .expect("a version")
        .to_owned();
    let event_for = |version: &str, sequencer: &str, etag: Option<String>| {
        let mut event = h.event("s3-put.json");
        let object = &mut event["Records"][0]["s3"]["object"];
        object["versionId"] = json!(version);
        object["sequencer"] = json!(sequencer);
        if let Some(etag) = etag {
            object["eTag"] = json!(etag);
        }
        event
    };
    let written = h.result(event_for(&v1, "0062E99A88DC407460", None)).await;
    assert_eq!(status(&written).0, "written", "{written}");
    assert_eq!(written["version_id"], json!(v1));

    // A second version, with other content: its event replaces the renditions.
    let v2_body = image("transparent.png");
    let v2 = put(v2_body.clone())
        .await
        .expect("v2")
        .version_id()
        .expect("a version")
        .to_owned();
    let v2_etag = format!("{:x}", md5_of(&v2_body));
    let replaced = h
        .result(event_for(&v2, "0062E99A88DC407470", Some(v2_etag)))
        .await;
    assert_eq!(status(&replaced).0, "written", "{replaced}");
    let meta = h
        .destination_admin
        .head_object()
        .bucket(&h.aws.destination.bucket)
        .key("renditions/photos/été 2026 (1)+.jpg/thumb.jpg")
        .send()
        .await
        .expect("head")
        .metadata()
        .cloned()
        .unwrap_or_default();
    assert_eq!(meta.get("source-version-id"), Some(&v2));
    assert_eq!(
        meta.get("source-sequencer").map(String::as_str),
        Some("0062E99A88DC407470")
    );

    // v1's event arriving late: v1 still exists (a noncurrent version), but v2 is current.
    let late = h.result(event_for(&v1, "0062E99A88DC407460", None)).await;
    assert_eq!(status(&late), ("skipped".into(), json!("superseded")));

    // A delete creates a delete marker: the key has no current version, renditions go.
    h.delete_source(HELLO).await;
    let mut removal = h.event("s3-delete.json");
    removal["Records"][0]["s3"]["object"]["sequencer"] = json!("0062E99A88DC407480");
    let deleted = h.result(removal).await;
    assert_eq!(status(&deleted).0, "deleted", "{deleted}");
    assert!(h.destination_keys().await.is_empty());
}
