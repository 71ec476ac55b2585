//! Several destinations (`ROUTES`) end to end against the local AWS: one record fans out to
//! every route its key takes, each route decided against its own destination; `no-route`;
//! removals through every route; a failing route that does not stop the others; SQS and Batch
//! Operations answers.

mod common;

use common::{Harness, image, status};
use pipeline::Pipeline;
use serde_json::{Value, json};

/// `ROUTES` over this harness's writer role and bucket: `(id, source_prefix, prefix,
/// renditions)`, each under the role's `renditions/`.
fn routes(h: &Harness, routes: &[(&str, &str, &str, Option<&str>)]) -> String {
    let d = &h.aws.destination;
    let routes: Vec<Value> = routes
        .iter()
        .map(|(id, source_prefix, prefix, renditions)| {
            let mut route = json!({
                "id": id,
                "source_prefix": source_prefix,
                "bucket": d.bucket,
                "role_arn": d.role_arn,
                "external_id": d.external_id,
                "prefix": prefix,
            });
            if let Some(r) = renditions {
                route["renditions"] = json!(r);
            }
            route
        })
        .collect();
    serde_json::to_string(&routes).expect("JSON")
}

/// The harness's pipeline with `ROUTES` instead of its `DESTINATION_*`.
async fn routed(h: &Harness, routes: &str) -> Pipeline {
    let env = testkit::routes_env(routes);
    let overrides: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.with(&overrides).await
}

/// An S3 notification of `name` for `key` (no characters to encode) with `etag`.
fn event(h: &Harness, name: &str, key: &str, etag: Option<&str>) -> Value {
    h.notification(name, key, etag, None, None)
}

/// Each RESULT as `(route, status/reason, output keys)`.
fn summary(response: &Value) -> Vec<(Value, String, Vec<String>)> {
    response["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let (s, reason) = status(r);
            let label = match reason.as_str() {
                Some(reason) => format!("{s}/{reason}"),
                None => s,
            };
            let keys = r["outputs"]
                .as_array()
                .map(|o| {
                    o.iter()
                        .map(|o| o["key"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (r["route"].clone(), label, keys)
        })
        .collect()
}

async fn invoke(pipeline: &Pipeline, payload: Value) -> Value {
    common::invoke_on(pipeline, payload, std::time::Duration::from_secs(900))
        .await
        .expect("the invocation succeeds")
}

#[tokio::test]
async fn a_key_fans_out_to_every_route_it_takes_each_with_its_own_renditions() {
    let h = Harness::new("routes-fan-out", &[]).await;
    let routes = routes(
        &h,
        &[
            ("all", "", "renditions/all/", None),
            (
                "photos",
                "photos/",
                "renditions/photos/",
                Some("thumb:100x100:png"),
            ),
        ],
    );
    let pipeline = routed(&h, &routes).await;
    let (etag, _) = h.put("photos/a.jpg", image("sample.jpg")).await;
    let response = invoke(
        &pipeline,
        event(&h, "ObjectCreated:Put", "photos/a.jpg", Some(&etag)),
    )
    .await;
    assert_eq!(
        summary(&response),
        [
            (
                json!("all"),
                "written".to_owned(),
                vec![
                    "renditions/all/photos/a.jpg/thumb.jpg".to_owned(),
                    "renditions/all/photos/a.jpg/small.jpg".to_owned(),
                    "renditions/all/photos/a.jpg/large.jpg".to_owned(),
                ]
            ),
            (
                json!("photos"),
                "written".to_owned(),
                vec!["renditions/photos/photos/a.jpg/thumb.png".to_owned()]
            ),
        ],
        "one RESULT per route, in ROUTES order, each with its own renditions"
    );
    let meta = h
        .destination_metadata("renditions/photos/photos/a.jpg/thumb.png")
        .await
        .expect("written");
    assert_eq!(
        meta.get("rendition-spec").map(String::as_str),
        Some("thumb:100x100:png:0")
    );
    assert_eq!(meta.get("source-etag"), Some(&etag));

    // A key outside `photos/` takes the first route only.
    let (etag, _) = h.put("docs/b.jpg", image("sample.jpg")).await;
    let response = invoke(
        &pipeline,
        event(&h, "ObjectCreated:Put", "docs/b.jpg", Some(&etag)),
    )
    .await;
    let routes_of: Vec<Value> = summary(&response).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(routes_of, [json!("all")]);

    // Delivered again: every route finds its renditions current.
    let again = invoke(
        &pipeline,
        event(&h, "ObjectCreated:Put", "photos/a.jpg", None),
    )
    .await;
    let labels: Vec<String> = summary(&again).into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(
        labels,
        ["skipped/already-current", "skipped/already-current"]
    );

    // Removed: deleted through every route.
    h.delete_source("photos/a.jpg").await;
    let removed = invoke(
        &pipeline,
        event(&h, "ObjectRemoved:Delete", "photos/a.jpg", None),
    )
    .await;
    let summary = summary(&removed);
    assert_eq!(
        summary
            .iter()
            .map(|(r, l, k)| (r.clone(), l.clone(), k.len()))
            .collect::<Vec<_>>(),
        [
            (json!("all"), "deleted".to_owned(), 3),
            (json!("photos"), "deleted".to_owned(), 1)
        ]
    );
    let left: Vec<String> = h
        .destination_keys()
        .await
        .into_iter()
        .filter(|k| k.contains("photos/a.jpg"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_key_no_route_takes_is_skipped_without_a_route_and_nothing_is_read() {
    let h = Harness::new("routes-none", &[]).await;
    let routes = routes(&h, &[("photos", "photos/", "renditions/", None)]);
    let pipeline = routed(&h, &routes).await;
    // Nothing is read: the object does not even exist.
    let response = invoke(
        &pipeline,
        event(&h, "ObjectCreated:Put", "docs/none.jpg", Some("0123")),
    )
    .await;
    assert_eq!(
        summary(&response),
        [(Value::Null, "skipped/no-route".to_owned(), vec![])]
    );
    assert!(h.destination_keys().await.is_empty());

    // Route-less reasons: the test event and the pipeline's own output.
    let test = invoke(&pipeline, h.event("s3-test-event.json")).await;
    assert_eq!(test["results"][0]["route"], Value::Null);
}

#[tokio::test]
async fn a_failing_route_does_not_stop_the_others_and_its_retry_finds_them_done() {
    let h = Harness::new("routes-fail", &[]).await;
    let d = &h.aws.destination;
    // `broken` writes where the writer role may not: every write there is refused.
    let routes = json!([
        {"id": "broken", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "elsewhere/"},
        {"id": "good", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "renditions/"},
    ])
    .to_string();
    let pipeline = routed(&h, &routes).await;
    let (etag, _) = h.put("a.jpg", image("sample.jpg")).await;
    let payload = event(&h, "ObjectCreated:Put", "a.jpg", Some(&etag));
    let failure = common::invoke_on(
        &pipeline,
        payload.clone(),
        std::time::Duration::from_secs(900),
    )
    .await
    .expect_err("the broken route fails the invocation");
    assert_eq!(failure.error_type, "DestinationWriteDenied", "{failure}");
    assert!(
        failure.message.contains("(route broken)") && !failure.message.contains("(route good)"),
        "the error names the route: {failure}"
    );
    let written: Vec<String> = h.destination_keys().await;
    assert_eq!(
        written.len(),
        3,
        "the good route was written all the same: {written:?}"
    );
    assert!(written.iter().all(|k| k.starts_with("renditions/a.jpg/")));

    // Lambda's retry: the good route is already current, the broken one fails again.
    let again = common::invoke_on(&pipeline, payload, std::time::Duration::from_secs(900))
        .await
        .expect_err("still broken");
    assert!(again.message.starts_with("1 failure:"), "{again}");

    // The same record in an SQS batch: its message is retried, nothing else is lost.
    let mut sqs = h.event("sqs-s3-put.json");
    let body = event(&h, "ObjectCreated:Put", "a.jpg", Some(&etag));
    sqs["Records"][0]["body"] = json!(body.to_string());
    let answer = invoke(&pipeline, sqs.clone()).await;
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": sqs["Records"][0]["messageId"]}])
    );
}

#[tokio::test]
async fn batch_operations_and_sqs_answer_for_every_route() {
    let h = Harness::new("routes-batch", &[]).await;
    let routes = routes(
        &h,
        &[
            ("cdn", "", "renditions/cdn/", Some("thumb:64x64:jpeg")),
            (
                "archive",
                "",
                "renditions/archive/",
                Some("thumb:64x64:jpeg,big:512x512:png"),
            ),
        ],
    );
    let pipeline = routed(&h, &routes).await;
    h.put("a.jpg", image("sample.jpg")).await;
    h.put("not-an-image.jpg", b"hello".to_vec()).await;
    let mut job = h.event("batch-operations-2.0.json");
    let template = job["tasks"][0].clone();
    let task = |id: &str, key: &str| {
        let mut t = template.clone();
        t["taskId"] = json!(id);
        t["s3Key"] = json!(key);
        t["s3VersionId"] = Value::Null;
        t["s3Bucket"] = json!(h.aws.source.bucket);
        t
    };
    job["tasks"] = json!([task("t0", "a.jpg"), task("t1", "not-an-image.jpg")]);
    let response = invoke(&pipeline, job).await;
    let results: Vec<(String, String)> = response["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["resultCode"].as_str().unwrap_or("?").to_owned(),
                r["resultString"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        results[0],
        (
            "Succeeded".to_owned(),
            "cdn=written; archive=written".to_owned()
        )
    );
    assert_eq!(results[1].0, "Succeeded");
    assert!(
        results[1]
            .1
            .starts_with("cdn=rejected/not-an-image; archive=rejected/not-an-image; cdn: "),
        "one detail, once: {}",
        results[1].1
    );
    // The thumbnail both routes share is one rendition: the same bytes in both places.
    let get = |key: &str| {
        let admin = h.destination_admin.clone();
        let bucket = h.aws.destination.bucket.clone();
        let key = key.to_owned();
        async move {
            admin
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .expect("written")
                .body
                .collect()
                .await
                .expect("body")
                .into_bytes()
        }
    };
    assert_eq!(
        get("renditions/cdn/a.jpg/thumb.jpg").await,
        get("renditions/archive/a.jpg/thumb.jpg").await
    );

    // SQS: one message, both routes; nothing to retry.
    h.put("b.jpg", image("sample.jpg")).await;
    let mut sqs = h.event("sqs-s3-put.json");
    sqs["Records"][0]["body"] = json!(event(&h, "ObjectCreated:Put", "b.jpg", None).to_string());
    let answer = invoke(&pipeline, sqs).await;
    assert_eq!(answer["batchItemFailures"], json!([]));
    let keys = h.destination_keys().await;
    for key in [
        "renditions/cdn/b.jpg/thumb.jpg",
        "renditions/archive/b.jpg/thumb.jpg",
        "renditions/archive/b.jpg/big.png",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key} in {keys:?}");
    }
}

#[tokio::test]
async fn a_deleted_version_makes_the_older_one_current_on_every_route() {
    let h = Harness::new("routes-older", &[]).await;
    h.versioned().await;
    let routes = routes(
        &h,
        &[
            ("one", "", "renditions/one/", None),
            ("two", "", "renditions/two/", Some("thumb:64x64:png")),
        ],
    );
    let pipeline = routed(&h, &routes).await;
    let (_, v1) = h.put("a.jpg", image("sample.jpg")).await;
    let (e2, v2) = h.put("a.jpg", image("transparent.png")).await;
    let (v1, v2) = (v1.expect("v1"), v2.expect("v2"));
    let created = h.notification(
        "ObjectCreated:Put",
        "a.jpg",
        Some(&e2),
        Some(&v2),
        Some("0B"),
    );
    let labels: Vec<String> = summary(&invoke(&pipeline, created).await)
        .into_iter()
        .map(|(_, l, _)| l)
        .collect();
    assert_eq!(labels, ["written", "written"]);

    h.source_admin
        .delete_object()
        .bucket(&h.aws.source.bucket)
        .key("a.jpg")
        .version_id(&v2)
        .send()
        .await
        .expect("v2 deleted for good");
    let removal = h.notification("ObjectRemoved:Delete", "a.jpg", None, Some(&v2), Some("0C"));
    let response = invoke(&pipeline, removal.clone()).await;
    let results: Vec<(Value, String, Value)> = response["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["route"].clone(), status(r).0, r["version_id"].clone()))
        .collect();
    assert_eq!(
        results,
        [
            (json!("one"), "written".to_owned(), json!(v2)),
            (json!("two"), "written".to_owned(), json!(v2)),
        ],
        "each route's RESULT is the removal's, its renditions the version now current"
    );
    for key in [
        "renditions/one/a.jpg/thumb.jpg",
        "renditions/two/a.jpg/thumb.png",
    ] {
        let meta = h.destination_metadata(key).await.expect("rendered");
        assert_eq!(meta.get("source-version-id"), Some(&v1), "{key}");
    }
    let again = invoke(&pipeline, removal).await;
    let labels: Vec<String> = summary(&again).into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(labels, ["skipped/superseded", "skipped/superseded"]);
}

#[tokio::test]
async fn a_route_the_deadline_leaves_no_time_for_is_not_started_and_is_retried() {
    let h = Harness::new("routes-deadline", &[]).await;
    let routes = routes(
        &h,
        &[
            ("first", "", "renditions/first/", None),
            ("second", "", "renditions/second/", None),
        ],
    );
    let pipeline = routed(&h, &routes).await;
    let (etag, _) = h.put("a.jpg", image("sample.jpg")).await;
    // Three seconds left, under the five-second margin: the record's first route starts (the
    // first pair always does), its second does not.
    let short = std::time::Duration::from_secs(3);
    let payload = event(&h, "ObjectCreated:Put", "a.jpg", Some(&etag));
    let failure = common::invoke_on(&pipeline, payload.clone(), short)
        .await
        .expect_err("the second route was not started");
    assert_eq!(failure.error_type, "Transient", "{failure}");
    assert!(
        failure.message.contains("(route second)") && failure.message.contains("deadline"),
        "{failure}"
    );
    let keys = h.destination_keys().await;
    assert_eq!(keys.len(), 3, "the first route was written: {keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("renditions/first/")));

    // In SQS mode the message is retried; with time enough the retry completes the second.
    let mut sqs = h.event("sqs-s3-put.json");
    sqs["Records"] = json!([sqs["Records"][0]]);
    sqs["Records"][0]["body"] = json!(payload.to_string());
    let answer = common::invoke_on(&pipeline, sqs.clone(), short)
        .await
        .expect("an SQS batch answers");
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": sqs["Records"][0]["messageId"]}])
    );
    let retried = invoke(&pipeline, payload).await;
    let labels: Vec<String> = summary(&retried).into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(labels, ["skipped/already-current", "written"]);
}
