//! Batch Operations events of both schemas, and the results of their tasks.

use super::*;
use crate::error::ErrorKind;
use crate::response::{Reject, Skip};

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("JSON")
}

fn record(task: &BatchTask) -> &Record {
    match &task.item {
        Ok(Item::Record(r)) => r,
        other => panic!("not a record: {other:?}"),
    }
}

#[test]
fn both_schemas_parse_into_create_records() {
    for name in ["batch-operations-1.0.json", "batch-operations-2.0.json"] {
        let payload = sample(name);
        assert!(is_batch(&payload), "{name}");
        let b = parse(&payload).expect("parses");
        assert!(b.refusal.is_none() && !b.force, "{name}");
        assert_eq!(
            b.invocation_id.as_deref(),
            Some("YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo")
        );
        let r = record(&b.tasks[0]);
        assert_eq!(
            (r.kind, r.bucket.as_str()),
            (Kind::Created, "example-source-bucket"),
            "{name}"
        );
        assert_eq!(
            r.key.candidates(),
            ["photos/été 2026 (1)+.jpg", "photos/été 2026 (1) .jpg"],
            "{name}: %XX decoded; with '+', the key with '+' as a space second"
        );
        assert_eq!(
            (
                r.version_id.as_deref(),
                r.etag.as_deref(),
                r.sequencer.as_deref()
            ),
            (None, None, None)
        );
    }
    let b = parse(&sample("batch-operations-2.0.json")).expect("parses");
    assert_eq!(
        record(&b.tasks[1]).key.candidates(),
        ["photos/logo+with+alpha.png", "photos/logo with alpha.png"]
    );
}

#[test]
fn version_ids_pin_and_bad_tasks_fail_alone() {
    let mut payload = sample("batch-operations-2.0.json");
    payload["tasks"][0]["s3VersionId"] = "3HL4kqtJvjVBH40Nrjfkd".into();
    payload["tasks"][1]["s3Key"] = "bad%FF.jpg".into();
    let b = parse(&payload).expect("parses");
    assert_eq!(
        record(&b.tasks[0]).version_id.as_deref(),
        Some("3HL4kqtJvjVBH40Nrjfkd")
    );
    let err = b.tasks[1].item.as_ref().expect_err("not UTF-8");
    assert!(
        err.to_string().contains("does not URL-decode to UTF-8"),
        "{err}"
    );

    let mut no_bucket = sample("batch-operations-1.0.json");
    no_bucket["tasks"][0]["s3BucketArn"] = "not an arn".into();
    let b = parse(&no_bucket).expect("parses");
    assert!(b.tasks[0].item.is_err());

    let mut version = sample("batch-operations-1.0.json");
    version["invocationSchemaVersion"] = "3.0".into();
    assert!(
        parse(&version)
            .expect_err("unknown schema")
            .to_string()
            .contains("\"3.0\"")
    );
}

#[test]
fn force_is_the_only_user_argument() {
    let mut payload = sample("batch-operations-2.0.json");
    payload["job"]["userArguments"] = serde_json::json!({"force": "true"});
    let b = parse(&payload).expect("parses");
    assert!(b.force && b.refusal.is_none());
    for (arguments, says) in [
        (serde_json::json!({"force": "yes"}), "force is \"yes\""),
        (
            serde_json::json!({"froce": "true"}),
            "\"froce\" is not known",
        ),
        (serde_json::json!("force"), "not an object"),
    ] {
        payload["job"]["userArguments"] = arguments;
        let b = parse(&payload).expect("parses");
        let refusal = b.refusal.expect("refused");
        assert_eq!(refusal.kind(), ErrorKind::InvalidEvent);
        assert!(refusal.to_string().contains(says), "{refusal}");
    }
}

#[test]
fn results_follow_the_contract() {
    let written = RecordResult::new(None, None, None, Disposition::Written);
    let r = task_result(Some("t1"), Ok((&written, None)));
    assert_eq!(
        (r.result_code.as_deref(), r.result_string.as_deref()),
        (Some("Succeeded"), Some("written"))
    );
    let current = RecordResult::new(None, None, None, Disposition::Skipped(Skip::AlreadyCurrent));
    let r = task_result(Some("t2"), Ok((&current, None)));
    assert_eq!(r.result_string.as_deref(), Some("skipped/already-current"));
    let rejected = RecordResult::new(None, None, None, Disposition::Rejected(Reject::NotAnImage));
    let r = task_result(
        Some("t3"),
        Ok((&rejected, Some("no image format recognised"))),
    );
    assert_eq!(
        (r.result_code.as_deref(), r.result_string.as_deref()),
        (
            Some("Succeeded"),
            Some("rejected/not-an-image: no image format recognised")
        )
    );
    let transient = Error::from(crate::error::TransientFailure::new(
        crate::Side::Source,
        "GetObject",
        "s3://b/k",
        crate::error::AwsAnswer::new(Some(503), None, None),
    ));
    let r = task_result(Some("t4"), Err(&transient));
    assert_eq!(r.result_code.as_deref(), Some("TemporaryFailure"));
    assert!(
        r.result_string
            .as_deref()
            .is_some_and(|s| s.starts_with("Transient: "))
    );
    let internal = Error::internal("the encoder", "x");
    assert_eq!(
        task_result(None, Err(&internal)).result_code.as_deref(),
        Some("TemporaryFailure")
    );
    let long = Error::invalid_event("é".repeat(2000));
    let r = task_result(Some("t5"), Err(&long));
    assert_eq!(r.result_code.as_deref(), Some("PermanentFailure"));
    let text = r.result_string.expect("text");
    assert!(
        text.len() <= MAX_RESULT_STRING_BYTES && text.ends_with("..."),
        "{}",
        text.len()
    );

    let b = parse(&sample("batch-operations-1.0.json")).expect("parses");
    let response = serde_json::to_value(response(
        &b,
        vec![task_result(Some("t1"), Ok((&written, None)))],
    ))
    .expect("serialises");
    assert_eq!(
        response,
        serde_json::json!({"invocationSchemaVersion": "1.0", "treatMissingKeysAs": "PermanentFailure",
            "invocationId": "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
            "results": [{"taskId": "t1", "resultCode": "Succeeded", "resultString": "written"}]})
    );
}

#[test]
fn a_task_of_several_routes_names_each_and_fails_as_its_worst_route() {
    let written = RecordResult::new(None, None, None, Disposition::Written);
    let current = RecordResult::new(None, None, None, Disposition::Skipped(Skip::AlreadyCurrent));
    let corrupt = RecordResult::new(None, None, None, Disposition::Rejected(Reject::Corrupt));
    let r = routed_task_result(
        Some("t"),
        &[
            (Some("cdn"), Ok((&written, None))),
            (Some("archive"), Ok((&current, None))),
        ],
    );
    assert_eq!(
        (r.result_code.as_deref(), r.result_string.as_deref()),
        (
            Some("Succeeded"),
            Some("cdn=written; archive=skipped/already-current")
        )
    );

    let r = routed_task_result(
        Some("t"),
        &[
            (Some("cdn"), Ok((&corrupt, Some("truncated JPEG")))),
            (Some("archive"), Ok((&corrupt, Some("truncated JPEG")))),
        ],
    );
    assert_eq!(
        r.result_string.as_deref(),
        Some("cdn=rejected/corrupt; archive=rejected/corrupt; cdn: truncated JPEG"),
        "one detail, once"
    );

    let transient = Error::from(crate::error::TransientFailure::new(
        crate::Side::Destination,
        "PutObject",
        "s3://d/k",
        crate::error::AwsAnswer::new(Some(503), None, None),
    ));
    let r = routed_task_result(
        Some("t"),
        &[
            (Some("cdn"), Ok((&written, None))),
            (Some("archive"), Err(&transient)),
        ],
    );
    assert_eq!(r.result_code.as_deref(), Some("TemporaryFailure"));
    let text = r.result_string.expect("text");
    assert!(
        text.starts_with("cdn=written; archive=Transient; archive: "),
        "{text}"
    );
    let denied = Error::invalid_event("refused");
    let r = routed_task_result(
        Some("t"),
        &[
            (Some("cdn"), Err(&transient)),
            (Some("archive"), Err(&denied)),
        ],
    );
    assert_eq!(
        r.result_code.as_deref(),
        Some("PermanentFailure"),
        "any permanent route makes the task permanent"
    );

    let own = RecordResult::new(None, None, None, Disposition::Skipped(Skip::OwnOutput));
    let r = routed_task_result(Some("t"), &[(None, Ok((&own, None)))]);
    assert_eq!(
        r.result_string.as_deref(),
        Some("skipped/own-output"),
        "route-less: alone"
    );

    let many: Vec<RoutedOutcome<'_>> = (0..200)
        .map(|_| (Some("a-long-route-id"), Ok((&corrupt, Some("é")))))
        .collect();
    let text = routed_task_result(None, &many).result_string.expect("text");
    assert!(text.len() <= MAX_RESULT_STRING_BYTES && text.ends_with("..."));
}
