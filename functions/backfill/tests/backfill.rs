//! backfill against the local two-account AWS: a few hundred objects, interrupted by a small
//! `max_objects` and resumed, each processed exactly once; a dry run writes nothing. Keys are
//! named as users name them: a folder, accents, spaces, parentheses and `+`, in the listing's
//! `start-after` too.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::ByteStream;
use backfill::{Backfill, Request};
use cross_account_s3::Clients;
use cross_account_s3::error::ErrorKind;
use pipeline::Pipeline;
use pipeline::config::Config;
use serde_json::json;
use testkit::{Account, PipelineOptions, Provisioned, local_aws};

const OBJECTS: usize = 200;

/// The `i`th object's key.
fn key(i: usize) -> String {
    format!("photos/été 2026/img ({i:04})+.png")
}

async fn backfill_for(aws: &Provisioned, overrides: &[(&str, &str)]) -> Backfill {
    let mut env: HashMap<String, String> = aws.env();
    for (k, v) in overrides {
        env.insert((*k).into(), (*v).into());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let sdk = aws.execution_role_config().await;
    let bucket = config
        .settings
        .source
        .required_bucket("backfill")
        .expect("the test pipeline sets SOURCE_BUCKET");
    Backfill::new(
        Pipeline::new(Clients::new(&sdk, &config.settings).await, config),
        bucket,
        8,
    )
}

fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| {
        image::Rgb([(x * 16) as u8, (y * 20) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(600)
}

async fn destination_count(aws: &Provisioned) -> usize {
    let admin = local_aws().admin_s3(Account::Destination).await;
    let mut count = 0;
    let mut token = None;
    loop {
        let page = admin
            .list_objects_v2()
            .bucket(&aws.destination.bucket)
            .set_continuation_token(token)
            .send()
            .await
            .expect("list");
        count += page.contents().len();
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            return count;
        }
    }
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_and_processes_every_object_exactly_once() {
    let aws = local_aws().pipeline(PipelineOptions::tagged("backfill"));
    let admin = local_aws().admin_s3(Account::Source).await;
    let png = tiny_png();
    let mut uploads = tokio::task::JoinSet::new();
    for i in 0..OBJECTS {
        let (admin, bucket, body) = (admin.clone(), aws.source.bucket.clone(), png.clone());
        uploads.spawn(async move {
            admin
                .put_object()
                .bucket(bucket)
                .key(key(i))
                .body(ByteStream::from(body))
                .send()
                .await
        });
        if uploads.len() >= 16 {
            uploads
                .join_next()
                .await
                .expect("task")
                .expect("task")
                .expect("upload");
        }
    }
    while let Some(done) = uploads.join_next().await {
        done.expect("task").expect("upload");
    }
    let backfill = backfill_for(&aws, &[]).await;

    // A dry run lists everything and writes nothing.
    let dry = backfill
        .run(
            Request {
                dry_run: true,
                ..Request::default()
            },
            later(),
            "test",
        )
        .await
        .expect("dry run");
    assert_eq!(dry.would_process.as_ref().map(Vec::len), Some(OBJECTS));
    assert!(
        dry.done && dry.next_start_after.is_none() && dry.counts.is_empty(),
        "{dry:?}"
    );
    assert_eq!(destination_count(&aws).await, 0, "a dry run writes nothing");

    // Interrupted every 70 objects, resumed from next_start_after until done.
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut start_after: Option<String> = None;
    let mut runs = Vec::new();
    loop {
        let request = Request {
            start_after: start_after.clone(),
            max_objects: Some(70),
            ..Request::default()
        };
        let response = backfill
            .run(request, later(), "test")
            .await
            .expect("a pass");
        assert!(response.failed.is_empty(), "{:?}", response.failed);
        for (status, n) in &response.counts {
            *totals.entry(status.clone()).or_default() += n;
        }
        runs.push(response.next_start_after.clone());
        if response.done {
            break;
        }
        assert!(runs.len() < 10, "backfill does not make progress: {runs:?}");
        start_after = response.next_start_after;
    }
    assert_eq!(runs, [Some(key(69)), Some(key(139)), None]);
    assert_eq!(
        totals,
        BTreeMap::from([("written".to_owned(), OBJECTS as u64)]),
        "each object written once, none twice"
    );
    assert_eq!(
        destination_count(&aws).await,
        OBJECTS * 3,
        "three renditions each"
    );

    // Run again over everything: all current, nothing rewritten.
    let again = backfill
        .run(Request::default(), later(), "test")
        .await
        .expect("a pass");
    assert_eq!(
        again.counts,
        BTreeMap::from([("skipped".to_owned(), OBJECTS as u64)])
    );
    assert!(again.done);
}

#[tokio::test]
async fn backfill_stops_before_the_deadline_and_refuses_bad_events() {
    let aws = local_aws().pipeline(PipelineOptions::tagged("backfill-edges"));
    local_aws()
        .admin_s3(Account::Source)
        .await
        .put_object()
        .bucket(&aws.source.bucket)
        .key("photo-1.png")
        .body(ByteStream::from(tiny_png()))
        .send()
        .await
        .expect("upload");
    let backfill = backfill_for(&aws, &[]).await;

    // Less time left than the margin: nothing starts, resume where we began.
    let soon = SystemTime::now() + Duration::from_secs(5);
    let response = backfill
        .run(Request::default(), soon, "test")
        .await
        .expect("a pass");
    assert!(!response.done);
    assert!(response.counts.is_empty());
    assert_eq!(
        response.next_start_after, None,
        "resuming from the start skips nothing"
    );
    assert_eq!(destination_count(&aws).await, 0);

    for (event, says) in [
        (json!({"max_objects": 0}), "at least 1"),
        (json!({"prefx": "typo/"}), "prefx"),
        (json!({"dry_run": "yes"}), "dry_run"),
    ] {
        let err = backfill
            .handle(&event, later(), "test")
            .await
            .expect_err("invalid");
        assert_eq!(err.kind(), ErrorKind::InvalidEvent);
        assert!(err.to_string().contains(says), "{event}: {err}");
    }
    let scoped = backfill_for(&aws, &[("SOURCE_PREFIX", "photo")]).await;
    let err = scoped
        .handle(&json!({"prefix": "private"}), later(), "test")
        .await
        .expect_err("outside");
    assert!(err.to_string().contains("outside SOURCE_PREFIX"), "{err}");
}

/// An S3 `ObjectCreated:Put` notification for `key` in `bucket`, as S3 would encode it.
fn created_event(
    bucket: &str,
    key: &str,
    etag: &str,
    version: &str,
    sequencer: &str,
) -> serde_json::Value {
    let encoded: String = form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace("%2F", "/");
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-02T12:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.10"},
        "responseElements": {"x-amz-request-id": "R", "x-amz-id-2": "I"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "t",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "O"}, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": encoded, "eTag": etag, "versionId": version, "sequencer": sequencer}}}]})
}

#[tokio::test]
async fn backfilled_renditions_order_correctly_against_later_events() {
    let aws = local_aws().pipeline(PipelineOptions::tagged("backfill-order"));
    let admin = local_aws().admin_s3(Account::Source).await;
    testkit::enable_versioning(&admin, &aws.source.bucket).await;
    let put = |body: Vec<u8>| {
        admin
            .put_object()
            .bucket(&aws.source.bucket)
            .key(key(1))
            .body(ByteStream::from(body))
            .send()
    };
    let v1 = put(tiny_png()).await.expect("v1");
    let mut other = tiny_png();
    other.extend_from_slice(b"trailing bytes make another ETag");
    let v2 = put(other).await.expect("v2");
    let ids = |o: &aws_sdk_s3::operation::put_object::PutObjectOutput| {
        (
            o.e_tag().unwrap_or_default().trim_matches('"').to_owned(),
            o.version_id().unwrap_or_default().to_owned(),
        )
    };
    let ((e1, v1), (e2, v2)) = (ids(&v1), ids(&v2));

    // Backfill runs before v2's event is delivered: it renders the current version, v2.
    let backfill = backfill_for(&aws, &[]).await;
    let pass = backfill
        .run(Request::default(), later(), "test")
        .await
        .expect("a pass");
    assert_eq!(pass.counts, BTreeMap::from([("written".to_owned(), 1)]));

    let env = aws.env();
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let sdk = aws.execution_role_config().await;
    let transform = Pipeline::new(Clients::new(&sdk, &config.settings).await, config);
    let deliver = |etag: &str, version: &str, sequencer: &str| {
        let event = created_event(&aws.source.bucket, &key(1), etag, version, sequencer);
        let items = pipeline::event::parse_items(&event).expect("an S3 event");
        let transform = transform.clone();
        async move {
            let mut routed = transform
                .handle(&items[0], false, &mut pipeline::record::Ungated)
                .await;
            assert_eq!(routed.len(), 1, "one route");
            routed
                .remove(0)
                .outcome
                .expect("handled")
                .result
                .disposition
                .label()
        }
    };
    // v1's event, late: v1 is not current, the backfilled renditions stay.
    assert_eq!(deliver(&e1, &v1, "0A").await, "skipped/superseded");
    // v2's event, after the backfill: the renditions are v2's already.
    assert_eq!(deliver(&e2, &v2, "0B").await, "skipped/already-current");
    let thumb = local_aws()
        .admin_s3(Account::Destination)
        .await
        .head_object()
        .bucket(&aws.destination.bucket)
        .key(format!("{}/thumb.jpg", key(1)))
        .send()
        .await
        .expect("a thumbnail");
    let meta = thumb.metadata().cloned().unwrap_or_default();
    assert_eq!(meta.get("source-version-id"), Some(&v2), "made from v2");
    assert_eq!(
        meta.get("source-sequencer"),
        None,
        "backfill has no sequencer"
    );
}

#[tokio::test]
async fn with_routes_every_object_is_counted_and_failed_per_route() {
    let aws = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        ..PipelineOptions::tagged("backfill-routes")
    });
    let admin = local_aws().admin_s3(Account::Source).await;
    for k in ["photos/a.png", "docs/b.png"] {
        admin
            .put_object()
            .bucket(&aws.source.bucket)
            .key(k)
            .body(ByteStream::from(tiny_png()))
            .send()
            .await
            .expect("upload");
    }
    let d = &aws.destination;
    // `photos` writes where the writer role may not.
    let routes = json!([
        {"id": "all", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "renditions/"},
        {"id": "photos", "source_prefix": "photos/", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "elsewhere/"},
    ])
    .to_string();
    let env = testkit::routes_env(&routes);
    let overrides: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let backfill = backfill_for(&aws, &overrides).await;
    let response = backfill
        .handle(&json!({}), later(), "test")
        .await
        .expect("a backfill answers");
    assert_eq!(
        response.counts,
        BTreeMap::from([("written".to_owned(), 2)]),
        "one RESULT per object per route it took and did not fail"
    );
    let failed = serde_json::to_value(&response.failed).expect("JSON");
    assert_eq!(
        failed,
        json!([{"key": "photos/a.png", "route": "photos", "error_type": "DestinationWriteDenied"}])
    );
    assert!(response.done);
    assert_eq!(
        destination_count(&aws).await,
        6,
        "both objects' renditions on route all"
    );
}
