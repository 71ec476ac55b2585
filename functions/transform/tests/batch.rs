//! S3 Batch Operations tasks end to end against the local two-account AWS, schemas 1.0 and
//! 2.0: keys as users name them, version ids, a missing key, a file that is not an image, a
//! repeat, `force`, an unknown argument, a bucket other than `SOURCE_BUCKET`.

mod common;

use common::{Harness, image};
use serde_json::{Value, json};

/// A Batch Operations event of `schema` for `tasks` (`(s3Key, s3VersionId)`), in this pipeline's
/// source bucket unless the key names another as `bucket:key`.
fn job(
    h: &Harness,
    schema: &str,
    arguments: Option<Value>,
    tasks: &[(&str, Option<&str>)],
) -> Value {
    let mut event = h.event(&format!("batch-operations-{schema}.json"));
    let template = event["tasks"][0].clone();
    let tasks: Vec<Value> = tasks
        .iter()
        .enumerate()
        .map(|(i, (key, version))| {
            let mut task = template.clone();
            task["taskId"] = json!(format!("task-{i}"));
            let (bucket, key) = key.split_once(':').unwrap_or((&h.aws.source.bucket, key));
            task["s3Key"] = json!(key);
            task["s3VersionId"] = json!(version);
            if schema == "1.0" {
                task["s3BucketArn"] = json!(format!("arn:aws:s3:::{bucket}"));
            } else {
                task["s3Bucket"] = json!(bucket);
            }
            task
        })
        .collect();
    event["tasks"] = json!(tasks);
    match arguments {
        Some(a) => event["job"]["userArguments"] = a,
        None => {
            if let Some(job) = event["job"].as_object_mut() {
                job.remove("userArguments");
            }
        }
    }
    event
}

/// `(resultCode, resultString)` of each task, after checking the response's frame.
async fn run(h: &Harness, event: Value) -> Vec<(String, String)> {
    let response = h
        .invoke(event.clone())
        .await
        .expect("a Batch Operations invocation always answers");
    assert_eq!(
        response["invocationSchemaVersion"],
        event["invocationSchemaVersion"]
    );
    assert_eq!(response["invocationId"], event["invocationId"]);
    assert_eq!(response["treatMissingKeysAs"], "PermanentFailure");
    let results = response["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        event["tasks"].as_array().map_or(0, Vec::len),
        "{response}"
    );
    results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(r["taskId"], json!(format!("task-{i}")), "in order");
            (
                r["resultCode"].as_str().unwrap_or("?").to_owned(),
                r["resultString"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

fn ok(text: &str) -> (String, String) {
    ("Succeeded".into(), text.into())
}

#[tokio::test]
async fn batch_operations_tasks_of_both_schemas() {
    let h = Harness::new("batch-ops", &[]).await;
    h.versioned().await;
    h.upload("photos/été 2026 (1)+.jpg", image("sample.jpg"))
        .await;
    h.upload("photos/50% off.png", image("transparent.png"))
        .await;
    h.upload("photos/logo with alpha.png", image("transparent.png"))
        .await;
    h.upload("photos/notes.jpg", image("not-an-image.jpg"))
        .await;
    let (_, v1) = h.put("photos/versions.jpg", image("sample.jpg")).await;
    let (_, v2) = h.put("photos/versions.jpg", image("transparent.png")).await;
    let (v1, v2) = (v1.expect("v1"), v2.expect("v2"));

    for schema in ["1.0", "2.0"] {
        let tasks: [(&str, Option<&str>); 8] = [
            ("photos/%C3%A9t%C3%A9%202026%20%281%29%2B.jpg", None),
            ("photos/50%25%20off.png", None),
            ("photos/logo+with+alpha.png", None), // '+' for a space: the second candidate
            ("photos/missing.jpg", None),
            ("photos/notes.jpg", None),
            ("photos/versions.jpg", Some(&v1)),
            ("photos/versions.jpg", Some(&v2)),
            ("other-bucket:photos/a.jpg", None),
        ];
        let results = run(&h, job(&h, schema, None, &tasks)).await;
        let first = schema == "1.0";
        let fresh = |text: &'static str| {
            if first {
                text
            } else {
                "skipped/already-current"
            }
        };
        assert_eq!(results[0], ok(fresh("written")), "schema {schema}");
        assert_eq!(results[1], ok(fresh("written")), "schema {schema}");
        assert_eq!(results[2], ok(fresh("written")), "schema {schema}");
        assert_eq!(results[3], ok("skipped/gone"), "schema {schema}");
        assert_eq!(
            results[4].0, "Succeeded",
            "a file that is not an image does not fail the job"
        );
        assert!(
            results[4].1.starts_with("rejected/not-an-image: "),
            "{}",
            results[4].1
        );
        assert_eq!(results[5], ok("skipped/superseded"), "v1 is not current");
        assert_eq!(results[6], ok(fresh("written")), "schema {schema}");
        assert_eq!(
            results[7],
            ok("skipped/ignored-event"),
            "another bucket than SOURCE_BUCKET"
        );
    }
    let keys = h.destination_keys().await;
    for key in [
        "photos/été 2026 (1)+.jpg",
        "photos/50% off.png",
        "photos/logo with alpha.png",
    ] {
        assert!(
            keys.contains(&format!("renditions/{key}/thumb.jpg")),
            "{key}: {keys:?}"
        );
    }
    let meta = h
        .destination_metadata("renditions/photos/versions.jpg/thumb.jpg")
        .await
        .expect("a thumbnail");
    assert_eq!(meta.get("source-version-id"), Some(&v2));
    assert_eq!(
        meta.get("source-sequencer"),
        None,
        "tasks carry no sequencer"
    );

    // force re-renders what is current; the order of decisions still holds.
    let forced = run(
        &h,
        job(
            &h,
            "2.0",
            Some(json!({"force": "true"})),
            &[
                ("photos/%C3%A9t%C3%A9%202026%20%281%29%2B.jpg", None),
                ("photos/versions.jpg", Some(&v1)),
            ],
        ),
    )
    .await;
    assert_eq!(forced, [ok("written"), ok("skipped/superseded")]);

    // An unknown argument fails every task, naming it.
    let refused = run(
        &h,
        job(
            &h,
            "2.0",
            Some(json!({"froce": "true"})),
            &[("photos/notes.jpg", None), ("photos/50%25%20off.png", None)],
        ),
    )
    .await;
    for (code, text) in &refused {
        assert_eq!(code, "PermanentFailure");
        assert!(
            text.starts_with("InvalidEvent: ") && text.contains("\"froce\""),
            "{text}"
        );
    }
}
