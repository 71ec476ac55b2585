//! Order, currency and deletion end to end against the local two-account AWS: versioned
//! buckets, late and repeated events, changes of `RENDITIONS`, forced re-renders and deadlines.
//! Keys are named as users name them (accents, spaces, `+`, parentheses).

mod common;

use std::time::Duration;

use common::{Harness, image, invoke_on, result_on, status};
use pipeline::event::parse_items;
use serde_json::{Value, json};

/// A key as users name it, and its form-URL-encoding as S3 notifications carry it.
const KEY: &str = "photos/été 2026 (1)+.jpg";
const KEY_IN_EVENTS: &str = "photos/%C3%A9t%C3%A9+2026+%281%29%2B.jpg";

fn folder() -> String {
    format!("renditions/{KEY}/")
}

/// An S3 notification for `KEY`.
fn event(
    h: &Harness,
    name: &str,
    etag: Option<&str>,
    version: Option<&str>,
    sequencer: &str,
) -> Value {
    h.notification(name, KEY_IN_EVENTS, etag, version, Some(sequencer))
}

impl Harness {
    async fn renditions(&self) -> Vec<String> {
        self.destination_keys()
            .await
            .into_iter()
            .filter(|k| k.starts_with(&folder()))
            .map(|k| k[folder().len()..].to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_deleted_photo_stays_deleted_when_its_create_event_comes_again() {
    let h = Harness::new("stays-deleted", &[]).await;
    h.versioned().await;
    let (etag, v1) = h.put(KEY, image("sample.jpg")).await;
    let v1 = v1.expect("a version");
    let create = event(&h, "ObjectCreated:Put", Some(&etag), Some(&v1), "0A");
    let written = h.result(create.clone()).await;
    assert_eq!(status(&written).0, "written", "{written}");
    assert_eq!(written["key"], json!(KEY), "the decoded key");
    assert_eq!(
        h.renditions().await,
        ["large.jpg", "small.jpg", "thumb.jpg"]
    );

    h.delete_source(KEY).await; // a delete marker; v1 stays as a noncurrent version
    let removal = h
        .result(event(
            &h,
            "ObjectRemoved:DeleteMarkerCreated",
            None,
            None,
            "0B",
        ))
        .await;
    assert_eq!(status(&removal).0, "deleted", "{removal}");
    assert!(h.renditions().await.is_empty());

    // S3 delivers at least once, late: v1 can still be read by its version id.
    let again = h.result(create).await;
    assert_eq!(status(&again), ("skipped".into(), json!("gone")), "{again}");
    assert!(
        h.renditions().await.is_empty(),
        "the deleted photo did not come back"
    );
}

#[tokio::test]
async fn an_old_versions_late_event_renders_nothing() {
    let h = Harness::new("old-version", &[]).await;
    h.versioned().await;
    let (e1, v1) = h.put(KEY, image("sample.jpg")).await;
    let (e2, v2) = h.put(KEY, image("transparent.png")).await;
    let (v1, v2) = (v1.expect("v1"), v2.expect("v2"));

    let late = h
        .result(event(&h, "ObjectCreated:Put", Some(&e1), Some(&v1), "0A"))
        .await;
    assert_eq!(
        status(&late),
        ("skipped".into(), json!("superseded")),
        "{late}"
    );
    assert!(h.renditions().await.is_empty(), "v1 is not current");

    let current = h
        .result(event(&h, "ObjectCreated:Put", Some(&e2), Some(&v2), "0B"))
        .await;
    assert_eq!(status(&current).0, "written", "{current}");
    let meta = h
        .destination_metadata(&format!("{}thumb.jpg", folder()))
        .await
        .expect("a thumbnail");
    assert_eq!(meta.get("source-version-id"), Some(&v2));
}

#[tokio::test]
async fn a_permanently_deleted_version_makes_the_older_one_current_and_it_is_rendered() {
    let h = Harness::new("older-current", &[]).await;
    h.versioned().await;
    let (_, v1) = h.put(KEY, image("sample.jpg")).await;
    let (e2, v2) = h.put(KEY, image("transparent.png")).await;
    let (v1, v2) = (v1.expect("v1"), v2.expect("v2"));
    let written = h
        .result(event(&h, "ObjectCreated:Put", Some(&e2), Some(&v2), "0B"))
        .await;
    assert_eq!(status(&written).0, "written", "{written}");

    h.source_admin
        .delete_object()
        .bucket(&h.aws.source.bucket)
        .key(KEY)
        .version_id(&v2)
        .send()
        .await
        .expect("v2 deleted for good");
    let removal = h
        .result(event(&h, "ObjectRemoved:Delete", None, Some(&v2), "0C"))
        .await;
    assert_eq!(status(&removal).0, "written", "{removal}");
    let meta = h
        .destination_metadata(&format!("{}thumb.jpg", folder()))
        .await
        .expect("a thumbnail");
    assert_eq!(
        meta.get("source-version-id"),
        Some(&v1),
        "v1 is current again"
    );

    // The same removal again: the renditions are the current version's.
    let again = h
        .result(event(&h, "ObjectRemoved:Delete", None, Some(&v2), "0C"))
        .await;
    assert_eq!(status(&again), ("skipped".into(), json!("superseded")));
}

#[tokio::test]
async fn a_change_of_renditions_re_renders_and_deletes_what_left() {
    let h = Harness::new("spec-change", &[]).await;
    let (etag, _) = h.put(KEY, image("sample.jpg")).await;
    let create = event(&h, "ObjectCreated:Put", Some(&etag), None, "0A");
    assert_eq!(status(&h.result(create.clone()).await).0, "written");
    let thumb = format!("{}thumb.jpg", folder());
    let meta = h.destination_metadata(&thumb).await.expect("thumb");
    assert_eq!(
        meta.get("rendition-spec").map(String::as_str),
        Some("thumb:200x200:jpeg:82")
    );
    assert_eq!(
        status(&h.result(create.clone()).await),
        ("skipped".into(), json!("already-current"))
    );

    // thumb changes its box, large leaves RENDITIONS, small stays as it was.
    let changed = h
        .with(&[("RENDITIONS", "thumb:100x100:jpg,small:800x800:jpeg:82")])
        .await;
    let rerendered = result_on(&changed, create.clone()).await;
    assert_eq!(status(&rerendered).0, "written", "{rerendered}");
    let written: Vec<&str> = rerendered["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .filter_map(|o| o["key"].as_str())
        .collect();
    assert_eq!(written, [thumb.as_str()], "only what changed is written");
    assert_eq!(rerendered["outputs"][0]["width"], 100);
    assert_eq!(
        h.renditions().await,
        ["small.jpg", "thumb.jpg"],
        "large left RENDITIONS: deleted"
    );
    let meta = h.destination_metadata(&thumb).await.expect("thumb");
    assert_eq!(
        meta.get("rendition-spec").map(String::as_str),
        Some("thumb:100x100:jpeg:82"),
        "the canonical spelling"
    );
    assert_eq!(
        status(&result_on(&changed, create).await),
        ("skipped".into(), json!("already-current"))
    );
}

#[tokio::test]
async fn a_rendition_name_removed_then_the_source_deleted_leaves_nothing() {
    let h = Harness::new("name-removed", &[]).await;
    let (etag, _) = h.put(KEY, image("sample.jpg")).await;
    let four = h
        .with(&[(
            "RENDITIONS",
            "thumb:200x200:jpeg:82,small:800x800:jpeg:82,large:1920x1920:jpeg:82,square:64x64:png",
        )])
        .await;
    let create = event(&h, "ObjectCreated:Put", Some(&etag), None, "0A");
    assert_eq!(status(&result_on(&four, create).await).0, "written");
    assert_eq!(h.renditions().await.len(), 4);

    // Back to the default RENDITIONS (without `square`), then the source goes.
    h.delete_source(KEY).await;
    let removal = h
        .result(event(&h, "ObjectRemoved:Delete", None, None, "0B"))
        .await;
    assert_eq!(status(&removal).0, "deleted", "{removal}");
    assert_eq!(removal["outputs"].as_array().map(Vec::len), Some(4));
    assert!(h.renditions().await.is_empty(), "nothing left behind");
}

#[tokio::test]
async fn force_re_renders_current_renditions() {
    let h = Harness::new("force", &[]).await;
    let (etag, _) = h.put(KEY, image("sample.jpg")).await;
    let create = event(&h, "ObjectCreated:Put", Some(&etag), None, "0A");
    assert_eq!(status(&h.result(create.clone()).await).0, "written");
    let items = parse_items(&create).expect("an event");
    let once = |force| {
        let pipeline = h.pipeline.clone();
        let item = items[0].clone();
        async move {
            let mut routed = pipeline
                .handle(&item, force, &mut pipeline::record::Ungated)
                .await;
            assert_eq!(routed.len(), 1, "one route");
            routed.remove(0).outcome.expect("handled")
        }
    };
    let forced = once(true).await;
    assert_eq!(forced.result.disposition.label(), "written");
    assert_eq!(forced.result.outputs.len(), 3);
    let unforced = once(false).await;
    assert_eq!(
        unforced.result.disposition.label(),
        "skipped/already-current"
    );
}

#[tokio::test]
async fn an_sqs_batch_whose_deadline_is_too_short_reports_the_messages_not_started() {
    let h = Harness::new("deadline", &[]).await;
    let mut messages = Vec::new();
    for i in 0..3 {
        let key = format!("photos/batch {i}.jpg");
        let (etag, _) = h.put(&key, image("sample.jpg")).await;
        let mut body = h.event("s3-put.json");
        body["Records"][0]["s3"]["object"]["key"] = json!(key.replace(' ', "+"));
        body["Records"][0]["s3"]["object"]["eTag"] = json!(etag);
        messages.push(json!({
            "messageId": format!("message-{i}"),
            "body": body.to_string(),
            "eventSource": "aws:sqs",
        }));
    }
    let batch = json!({ "Records": messages });

    // Two seconds left: less than the 5 s margin, so only the first message starts.
    let response = invoke_on(&h.pipeline, batch.clone(), Duration::from_secs(2))
        .await
        .expect("an SQS batch always answers");
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "message-1"}, {"itemIdentifier": "message-2"}]})
    );
    let keys = h.destination_keys().await;
    assert_eq!(keys.len(), 3, "the first message was rendered: {keys:?}");
    assert!(
        keys.iter()
            .all(|k| k.starts_with("renditions/photos/batch 0.jpg/"))
    );

    // Lambda delivers the two again: with time enough, both are done.
    let again = invoke_on(&h.pipeline, batch, Duration::from_secs(900))
        .await
        .expect("answers");
    assert_eq!(again, json!({"batchItemFailures": []}));
    assert_eq!(h.destination_keys().await.len(), 9);
}

#[tokio::test]
async fn a_direct_invocation_fails_the_records_not_started_as_transient() {
    let h = Harness::new("deadline-direct", &[]).await;
    let mut records = Vec::new();
    for i in 0..2 {
        let key = format!("photos/direct {i}.jpg");
        let (etag, _) = h.put(&key, image("sample.jpg")).await;
        let mut e = h.event("s3-put.json");
        e["Records"][0]["s3"]["object"]["key"] = json!(key.replace(' ', "+"));
        e["Records"][0]["s3"]["object"]["eTag"] = json!(etag);
        records.push(e["Records"][0].clone());
    }
    let failure = invoke_on(
        &h.pipeline,
        json!({ "Records": records }),
        Duration::from_secs(2),
    )
    .await
    .expect_err("the second record did not start");
    assert_eq!(failure.error_type, "Transient", "{}", failure.message);
    assert!(
        failure
            .message
            .contains("photos/direct 1.jpg was not started"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains("Timeout"), "{}", failure.message);
    assert_eq!(
        h.destination_keys().await.len(),
        3,
        "the first record was done"
    );
}
