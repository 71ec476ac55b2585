//! access-check against the local two-account AWS (a sound setup, a writer role without
//! s3:PutObject), and its owner check at the request level (moto ignores ExpectedBucketOwner).

use std::sync::{Arc, Mutex};

use access_check::{Checker, Report, Severity, Step};
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_types::body::SdkBody;
use cross_account_s3::Settings;
use serde_json::json;
use testkit::{Account, PipelineOptions, Provisioned, local_aws};

async fn check(pipeline: &Provisioned, event: serde_json::Value) -> Report {
    check_with(pipeline, pipeline.env(), event).await
}

/// access-check in `env` (the pipeline's environment, changed), as the execution role.
async fn check_with(
    pipeline: &Provisioned,
    env: std::collections::HashMap<String, String>,
    event: serde_json::Value,
) -> Report {
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let bucket = settings
        .source
        .required_bucket("access-check")
        .expect("set");
    let checker = Checker::new(&pipeline.execution_role_config().await, settings, bucket).await;
    checker.run(&event).await
}

fn ids(report: &Report) -> Vec<String> {
    report
        .steps
        .iter()
        .map(|s| {
            serde_json::to_value(s.step)
                .expect("id")
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_sound_setup_passes_every_step_and_leaves_nothing_behind() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        ..PipelineOptions::tagged("ac-sound")
    });
    let report = check(&pipeline, json!({})).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(
        ids(&report),
        [
            "caller-identity",
            "source-read",
            "assume-role",
            "destination-owner",
            "destination-write",
            "direct-write-denied"
        ]
    );
    for step in &report.steps {
        assert!(step.ok, "{step:?}");
        assert_eq!(step.hint, None, "no hint when a step passes");
        let expected = if step.step == Step::DirectWriteDenied {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(step.severity, expected);
    }
    let who = &report.step(Step::CallerIdentity).expect("step").detail;
    assert!(
        who.contains(&format!("assumed-role/pipeline-{}", pipeline.name)),
        "{who}"
    );
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["steps"][0]["step"], "caller-identity");
    assert_eq!(json["steps"][5]["severity"], "warning");
    let routes: Vec<&serde_json::Value> = (0..6).map(|i| &json["steps"][i]["route"]).collect();
    assert_eq!(
        routes,
        [&serde_json::Value::Null, &serde_json::Value::Null]
            .into_iter()
            .chain([&serde_json::json!("default"); 4])
            .collect::<Vec<_>>(),
        "the function's two steps are route-less, the route's four name it"
    );

    let listed = local_aws()
        .admin_s3(Account::Destination)
        .await
        .list_objects_v2()
        .bucket(&pipeline.destination.bucket)
        .send()
        .await
        .expect("list");
    assert_eq!(
        listed.key_count(),
        Some(0),
        "the probe was deleted and the direct write left nothing"
    );

    // With a source key: HeadObject of that object instead of a listing.
    let missing = check(&pipeline, json!({"source_key": "never-uploaded.jpg"})).await;
    let source = missing.step(Step::SourceRead).expect("step");
    assert!(
        !source.ok && source.detail.contains("does not exist"),
        "{source:?}"
    );
    assert!(!missing.ok);
    let blocked = missing.step(Step::AssumeRole).expect("step");
    assert!(
        !blocked.ok && blocked.detail == "not run: source-read failed",
        "{blocked:?}"
    );
}

#[tokio::test]
async fn a_writer_role_without_put_object_fails_at_destination_write_with_the_right_hint() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        writer_drop: vec!["s3:PutObject".into()],
        ..PipelineOptions::tagged("ac-no-put")
    });
    let report = check(&pipeline, json!({})).await;
    assert!(!report.ok);
    let passed: Vec<bool> = report.steps.iter().map(|s| s.ok).collect();
    assert_eq!(
        passed,
        [true, true, true, true, false, false],
        "{report:#?}"
    );
    let write = report.step(Step::DestinationWrite).expect("step");
    assert!(
        write.detail.contains("DestinationWriteDenied")
            || write.detail.contains("refused to the writer role"),
        "{write:?}"
    );
    let hint = write.hint.as_deref().unwrap_or_default();
    assert!(
        hint.contains("s3:PutObject") && hint.contains("writer role"),
        "{hint}"
    );
    assert!(
        write.detail.ends_with(hint),
        "the hint is the error's own (one owner), as its message ends: {write:?}"
    );
    let after = report.step(Step::DirectWriteDenied).expect("step");
    assert_eq!(after.detail, "not run: destination-write failed");
}

/// A request the fake AWS saw: its URI and its ExpectedBucketOwner header.
type Seen = (String, Option<String>);

#[tokio::test]
async fn a_bucket_of_another_account_is_told_apart_from_a_missing_permission() {
    // The fake AWS: STS answers, the source lists, and the destination bucket refuses any
    // request carrying ExpectedBucketOwner (as S3 does for a bucket of another account) but
    // answers without it.
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = seen.clone();
    let client = infallible_client_fn(move |req: http::Request<SdkBody>| {
        let uri = req.uri().to_string();
        let owner = req
            .headers()
            .get("x-amz-expected-bucket-owner")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = String::from_utf8_lossy(req.body().bytes().unwrap_or_default()).into_owned();
        record
            .lock()
            .expect("lock")
            .push((uri.clone(), owner.clone()));
        let ok = |xml: &str| {
            http::Response::builder()
                .status(200)
                .body(SdkBody::from(xml.to_owned()))
                .expect("response")
        };
        if uri.contains("sts.") && body.contains("Action=GetCallerIdentity") {
            ok(
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/pipeline/fn</Arn><UserId>AROA:fn</UserId><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
        } else if uri.contains("sts.") {
            ok(
                "<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/writer/x</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAWRITER</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
            )
        } else if uri.contains("dst-bucket") && owner.is_some() {
            http::Response::builder()
                .status(403)
                .body(SdkBody::from(
                    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
                ))
                .expect("response")
        } else {
            ok(
                "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>",
            )
        }
    });
    let sdk = testkit::offline_sdk_config(client, "ASIAEXEC").await;
    let vars = [
        ("SOURCE_BUCKET", "src-bucket"),
        ("DESTINATION_BUCKET", "dst-bucket"),
        (
            "DESTINATION_ROLE_ARN",
            "arn:aws:iam::222222222222:role/writer",
        ),
        ("DESTINATION_EXTERNAL_ID", "external-id"),
        ("AWS_LAMBDA_FUNCTION_NAME", "access-check"),
    ];
    let settings = Settings::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("settings");
    let bucket = settings
        .source
        .required_bucket("access-check")
        .expect("set");
    let report = Checker::new(&sdk, settings, bucket)
        .await
        .run(&json!({}))
        .await;

    let owner = report.step(Step::DestinationOwner).expect("step");
    assert!(!owner.ok, "{report:#?}");
    assert!(
        owner.detail.contains("does NOT belong to 222222222222"),
        "{}",
        owner.detail
    );
    assert!(
        owner
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("bucket owner"),
        "{owner:?}"
    );
    assert!(!report.ok);

    let destination: Vec<Option<String>> = seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|(uri, _)| uri.contains("dst-bucket"))
        .map(|(_, owner)| owner.clone())
        .collect();
    assert_eq!(
        destination,
        [Some("222222222222".to_owned()), None],
        "the listing with the owner check, then the one request without it"
    );
}

/// access-check with `ROUTES` in place of the pipeline's `DESTINATION_*`.
async fn check_routes(
    pipeline: &Provisioned,
    routes: &serde_json::Value,
    event: serde_json::Value,
) -> Report {
    let mut env = pipeline.env();
    env.extend(
        testkit::routes_env(&routes.to_string())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    check_with(pipeline, env, event).await
}

/// `(step, route, ok)` of every step.
fn steps_of(report: &Report) -> Vec<(String, Option<String>, bool)> {
    let ids = ids(report);
    report
        .steps
        .iter()
        .zip(ids)
        .map(|(s, id)| (id, s.route.clone(), s.ok))
        .collect()
}

#[tokio::test]
async fn every_route_is_checked_and_a_broken_one_stops_only_its_own_steps() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        ..PipelineOptions::tagged("ac-routes")
    });
    let d = &pipeline.destination;
    let not_listed = format!("arn:aws:iam::{}:role/not-in-route-role-arns", d.account_id);
    let routes = json!([
        {"id": "good", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "renditions/good/"},
        {"id": "stranger", "source_prefix": "", "bucket": d.bucket, "role_arn": not_listed,
         "external_id": d.external_id, "prefix": "renditions/other/"},
        {"id": "outside", "source_prefix": "", "bucket": d.bucket, "role_arn": d.role_arn,
         "external_id": d.external_id, "prefix": "elsewhere/"},
    ]);
    let report = check_routes(&pipeline, &routes, json!({})).await;
    assert!(!report.ok);
    let route = |id: &str| Some(id.to_owned());
    assert_eq!(
        steps_of(&report),
        [
            ("caller-identity".to_owned(), None, true),
            ("source-read".to_owned(), None, true),
            ("assume-role".to_owned(), route("good"), true),
            ("destination-owner".to_owned(), route("good"), true),
            ("destination-write".to_owned(), route("good"), true),
            ("direct-write-denied".to_owned(), route("good"), true),
            ("assume-role".to_owned(), route("stranger"), false),
            ("destination-owner".to_owned(), route("stranger"), false),
            ("destination-write".to_owned(), route("stranger"), false),
            ("direct-write-denied".to_owned(), route("stranger"), false),
            ("assume-role".to_owned(), route("outside"), true),
            ("destination-owner".to_owned(), route("outside"), true),
            ("destination-write".to_owned(), route("outside"), false),
            ("direct-write-denied".to_owned(), route("outside"), false),
        ],
        "{report:#?}"
    );
    let refused = &report.steps[6];
    let hint = refused.hint.as_deref().unwrap_or_default();
    assert!(
        hint.contains("RouteRoleArns") && hint.contains("route stranger's external_id"),
        "{hint}"
    );
    assert!(
        !format!("{report:?}").contains(&d.external_id),
        "no ExternalId in the report"
    );
    assert_eq!(report.steps[7].detail, "not run: assume-role failed");
    assert_eq!(report.steps[13].detail, "not run: destination-write failed");

    // One route, by id.
    let one = check_routes(&pipeline, &routes, json!({"route": "good"})).await;
    assert!(one.ok, "{one:#?}");
    assert_eq!(one.steps.len(), 6);
    assert!(
        one.steps[2..]
            .iter()
            .all(|s| s.route.as_deref() == Some("good"))
    );

    // An id that is no route.
    let unknown = check_routes(&pipeline, &routes, json!({"route": "cnd"})).await;
    assert!(!unknown.ok);
    assert_eq!(
        steps_of(&unknown),
        [
            ("caller-identity".to_owned(), None, true),
            ("source-read".to_owned(), None, true),
            ("assume-role".to_owned(), route("cnd"), false),
        ]
    );
    assert_eq!(
        unknown.steps[2].detail,
        "no route cnd; routes: good, stranger, outside"
    );
}
