//! Request-level tests: what the local AWS cannot check (moto ignores ExternalId on cross-account
//! AssumeRole, ExpectedBucketOwner, session names and durations), checked on the wire with the
//! smithy replay client. No request leaves the process.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use cross_account_s3::error::ErrorKind;
use cross_account_s3::{
    AssumeRoleSession, Clients, Env, Error, Refusal, Routes, Settings, SourceSettings,
};

const EXEC_KEY: &str = "ASIAEXECUTIONROLE";
const EXEC_SECRET: &str = "execution-role-secret"; // testkit::offline_sdk_config's
const ASSUMED_KEY: &str = "ASIAASSUMEDWRITER";
const ASSUMED_SECRET: &str = "assumed-writer-secret";
const ASSUMED_TOKEN: &str = "assumed-writer-session-token";
const ROLE: &str = "arn:aws:iam::222222222222:role/writer";

fn settings(extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<&str, &str> = HashMap::from([
        ("DESTINATION_BUCKET", "dst-bucket"),
        ("DESTINATION_ROLE_ARN", ROLE),
        ("DESTINATION_EXTERNAL_ID", "the-external-id"),
        ("AWS_LAMBDA_FUNCTION_NAME", "my transform"),
    ]);
    vars.extend(extra.iter().copied());
    Settings::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned())).expect("valid settings")
}

/// The SdkConfig of a function running as the execution role, whose HTTP client is `replay`.
/// The clock is fixed so the canned credentials below are an hour from expiry.
async fn sdk(replay: &StaticReplayClient) -> SdkConfig {
    testkit::offline_sdk_config(replay.clone(), EXEC_KEY).await
}

fn response(status: u16, body: &str) -> http::Response<SdkBody> {
    http::Response::builder()
        .status(status)
        .body(SdkBody::from(body.to_owned()))
        .expect("valid response")
}

fn any_request() -> http::Request<SdkBody> {
    http::Request::builder()
        .uri("https://example.invalid/")
        .body(SdkBody::empty())
        .expect("valid request")
}

/// STS's answer to AssumeRole: credentials valid until 2026-01-01T01:00:00Z.
fn assume_role_ok() -> ReplayEvent {
    assume_role_answer(ASSUMED_KEY)
}

/// STS's answer to AssumeRole with the access key `key` (secret and token as the writer's).
fn assume_role_answer(key: &str) -> ReplayEvent {
    ReplayEvent::new(
        any_request(),
        response(
            200,
            &format!(
                r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROAWRITER:my-transform</AssumedRoleId>
      <Arn>arn:aws:sts::222222222222:assumed-role/writer/my-transform</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{key}</AccessKeyId>
      <SecretAccessKey>{ASSUMED_SECRET}</SecretAccessKey>
      <SessionToken>{ASSUMED_TOKEN}</SessionToken>
      <Expiration>2026-01-01T01:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#
            ),
        ),
    )
}

fn sts_error(status: u16, code: &str, message: &str) -> ReplayEvent {
    ReplayEvent::new(
        any_request(),
        response(
            status,
            &format!(
                r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>req-2</RequestId>
</ErrorResponse>"#
            ),
        ),
    )
}

fn s3_ok() -> ReplayEvent {
    ReplayEvent::new(any_request(), response(200, ""))
}

fn s3_error(status: u16, code: &str, message: &str) -> ReplayEvent {
    ReplayEvent::new(
        any_request(),
        response(
            status,
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>{code}</Code><Message>{message}</Message><RequestId>req-3</RequestId></Error>"#
            ),
        ),
    )
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name)
}

fn form_body(request: &HttpRequest) -> String {
    String::from_utf8_lossy(request.body().bytes().expect("an in-memory body")).into_owned()
}

async fn put(clients: &Clients, key: &str) -> Result<(), Refusal> {
    let dst = clients.destination();
    dst.put_object(key)
        .body(ByteStream::from_static(b"rendition"))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| dst.refusal(e, "PutObject", key))
}

/// The error of a refusal that must be fatal (a 404 or 412 here is a test failure).
fn fatal(refusal: Refusal) -> Error {
    refusal.into_error(|what| panic!("expected a fatal refusal, got {what}"))
}

/// A PutObject answered by `events` fails with `kind`, its message mentioning `mentions`.
async fn assert_put_fails_with(events: Vec<ReplayEvent>, kind: ErrorKind, mentions: &str) {
    let replay = StaticReplayClient::new(events);
    let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
    let err = fatal(put(&clients, "k").await.expect_err("refused"));
    assert_eq!(err.kind(), kind, "{err}");
    assert!(
        err.to_string().contains(mentions),
        "{mentions:?} missing from: {err}"
    );
}

#[tokio::test]
async fn assume_role_carries_external_id_session_name_and_duration_signed_as_the_execution_role() {
    let replay = StaticReplayClient::new(vec![assume_role_ok(), s3_ok()]);
    let settings = settings(&[("DESTINATION_SESSION_SECONDS", "1800")]);
    let clients = Clients::new(&sdk(&replay).await, &settings).await;
    put(&clients, "out/a.jpg").await.expect("put succeeds");

    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    assert_eq!(requests.len(), 2, "one AssumeRole, one PutObject");
    let sts = requests[0];
    assert!(
        sts.uri().starts_with("https://sts.us-east-1.amazonaws.com"),
        "STS in the function's region: {}",
        sts.uri()
    );
    let body = form_body(sts);
    for expected in [
        "Action=AssumeRole",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fwriter",
        "ExternalId=the-external-id",
        "RoleSessionName=my-transform",
        "DurationSeconds=1800",
    ] {
        assert!(body.contains(expected), "{expected} missing from {body}");
    }
    assert!(
        !body.contains("SourceIdentity"),
        "no SourceIdentity: {body}"
    );
    assert!(!body.contains("Tags."), "no session tags: {body}");
    let auth = header(sts, "authorization").expect("signed");
    assert!(
        auth.contains(&format!("Credential={EXEC_KEY}/")),
        "STS is called as the execution role: {auth}"
    );
}

#[tokio::test]
async fn every_destination_request_carries_the_owner_and_the_assumed_identity() {
    let list = ReplayEvent::new(
        any_request(),
        response(
            200,
            r#"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>dst-bucket</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"#,
        ),
    );
    let replay = StaticReplayClient::new(vec![assume_role_ok(), s3_ok(), s3_ok(), s3_ok(), list]);
    let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
    let dst = clients.destination();
    put(&clients, "a/thumb.jpg").await.expect("put");
    dst.head_object("a/thumb.jpg").send().await.expect("head");
    dst.delete_object("a/thumb.jpg")
        .send()
        .await
        .expect("delete");
    dst.client()
        .list_objects_v2()
        .bucket(dst.bucket())
        .max_keys(1)
        .send()
        .await
        .expect("list");

    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    assert_eq!(
        requests.len(),
        5,
        "AssumeRole once, then four S3 calls on cached credentials"
    );
    for s3 in &requests[1..] {
        assert_eq!(
            header(s3, "x-amz-expected-bucket-owner"),
            Some("222222222222"),
            "{}",
            s3.uri()
        );
        let auth = header(s3, "authorization").expect("signed");
        assert!(
            auth.contains(&format!("Credential={ASSUMED_KEY}/")),
            "signed as the writer: {auth}"
        );
        assert!(
            auth.contains("x-amz-expected-bucket-owner"),
            "the owner header is signed, not added after: {auth}"
        );
        assert_eq!(header(s3, "x-amz-security-token"), Some(ASSUMED_TOKEN));
        assert!(s3.uri().contains("us-east-1"), "{}", s3.uri());
    }
}

#[tokio::test]
async fn destination_region_and_owner_settings_reach_the_wire() {
    let replay = StaticReplayClient::new(vec![assume_role_ok(), s3_ok()]);
    let settings = settings(&[
        ("DESTINATION_REGION", "eu-west-1"),
        ("DESTINATION_ACCOUNT_ID", "333333333333"),
        (
            "DESTINATION_KMS_KEY_ARN",
            "arn:aws:kms:eu-west-1:222222222222:key/abcd-1234",
        ),
    ]);
    let clients = Clients::new(&sdk(&replay).await, &settings).await;
    put(&clients, "x.jpg").await.expect("put");
    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    assert!(
        requests[0].uri().contains("sts.us-east-1"),
        "STS stays in the function's region"
    );
    let s3 = requests[1];
    assert!(
        s3.uri().contains("s3.eu-west-1.amazonaws.com"),
        "{}",
        s3.uri()
    );
    assert_eq!(
        header(s3, "x-amz-expected-bucket-owner"),
        Some("333333333333")
    );
    assert_eq!(header(s3, "x-amz-server-side-encryption"), Some("aws:kms"));
    assert_eq!(
        header(s3, "x-amz-server-side-encryption-aws-kms-key-id"),
        Some("arn:aws:kms:eu-west-1:222222222222:key/abcd-1234")
    );
}

#[tokio::test]
async fn source_requests_carry_the_owner_only_when_configured() {
    for (owner, expected) in [(None, None), (Some("111111111111"), Some("111111111111"))] {
        let replay = StaticReplayClient::new(vec![s3_ok()]);
        let extra: Vec<(&str, &str)> = owner
            .map(|o| ("SOURCE_ACCOUNT_ID", o))
            .into_iter()
            .collect();
        let clients = Clients::new(&sdk(&replay).await, &settings(&extra)).await;
        clients
            .source
            .client()
            .head_object()
            .bucket("src-bucket")
            .key("photo.jpg")
            .send()
            .await
            .expect("head");
        let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
        assert_eq!(requests.len(), 1, "the source client never calls STS");
        let s3 = requests[0];
        assert_eq!(header(s3, "x-amz-expected-bucket-owner"), expected);
        let auth = header(s3, "authorization").expect("signed");
        assert!(
            auth.contains(&format!("Credential={EXEC_KEY}/")),
            "the source is read as the execution role"
        );
    }
}

#[tokio::test]
async fn a_destination_403_names_both_causes_s3_cannot_tell_apart() {
    let replay = StaticReplayClient::new(vec![
        assume_role_ok(),
        s3_error(403, "AccessDenied", "Access Denied"),
    ]);
    let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
    let err = fatal(put(&clients, "out/a.jpg").await.expect_err("refused"));
    assert_eq!(err.kind(), ErrorKind::DestinationWriteDenied);
    let message = err.to_string();
    for expected in [
        "PutObject of s3://dst-bucket/out/a.jpg",
        ROLE,
        "s3:PutObject",
        "owned by another account than 222222222222",
        "DESTINATION_ACCOUNT_ID",
        "AccessDenied (HTTP 403)",
    ] {
        assert!(
            message.contains(expected),
            "{expected:?} missing from: {message}"
        );
    }
    for secret in [ASSUMED_SECRET, ASSUMED_TOKEN, EXEC_SECRET] {
        assert!(
            !message.contains(secret),
            "a credential leaked into: {message}"
        );
    }
}

#[tokio::test]
async fn a_refused_assume_role_points_at_the_trust_policy_and_external_id() {
    let replay = StaticReplayClient::new(vec![sts_error(
        403,
        "AccessDenied",
        "User: arn:aws:sts::111111111111:assumed-role/pipeline/fn is not authorized to perform: sts:AssumeRole",
    )]);
    let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
    let err = fatal(put(&clients, "out/a.jpg").await.expect_err("refused"));
    assert_eq!(err.kind(), ErrorKind::AssumeRoleDenied, "{err}");
    let message = err.to_string();
    for expected in [
        "trust policy",
        "sts:ExternalId",
        "DESTINATION_EXTERNAL_ID",
        ROLE,
        "222222222222",
        "not authorized",
    ] {
        assert!(
            message.contains(expected),
            "{expected:?} missing from: {message}"
        );
    }
    assert!(!message.contains(EXEC_SECRET), "{message}");
}

#[tokio::test]
async fn sts_answers_map_to_the_contracts_error_types() {
    let cases = [
        (
            sts_error(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            ErrorKind::InvalidConfiguration,
            "DESTINATION_SESSION_SECONDS",
        ),
        (
            sts_error(400, "Throttling", "Rate exceeded"),
            ErrorKind::Transient,
            "Rate exceeded",
        ),
        (
            sts_error(503, "ServiceUnavailable", "try later"),
            ErrorKind::Transient,
            "AssumeRole",
        ),
        (
            sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid",
            ),
            ErrorKind::AssumeRoleDenied,
            "security token",
        ),
    ];
    for (event, kind, mentions) in cases {
        assert_put_fails_with(vec![event], kind, mentions).await;
    }
}

#[tokio::test]
async fn s3_answers_map_to_the_contracts_outcomes() {
    let kms_denied = "User: arn:aws:sts::222222222222:assumed-role/writer/fn is not authorized to perform: kms:GenerateDataKey";
    let cases: [(ReplayEvent, ErrorKind, &str); 5] = [
        (
            s3_error(403, "AccessDenied", kms_denied),
            ErrorKind::KmsDenied,
            "kms:GenerateDataKey",
        ),
        (
            s3_error(404, "NoSuchBucket", "The specified bucket does not exist"),
            ErrorKind::InvalidConfiguration,
            "DESTINATION_BUCKET",
        ),
        (
            s3_error(301, "PermanentRedirect", "use the eu-west-1 endpoint"),
            ErrorKind::InvalidConfiguration,
            "DESTINATION_REGION",
        ),
        (
            s3_error(503, "SlowDown", "Please reduce your request rate."),
            ErrorKind::Transient,
            "SlowDown",
        ),
        (
            s3_error(500, "InternalError", "We encountered an internal error."),
            ErrorKind::Transient,
            "InternalError",
        ),
    ];
    for (event, kind, mentions) in cases {
        assert_put_fails_with(vec![assume_role_ok(), event], kind, mentions).await;
    }

    for (event, expected) in [
        (
            s3_error(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            ),
            "PreconditionFailed",
        ),
        (
            s3_error(404, "NoSuchKey", "The specified key does not exist."),
            "NotFound",
        ),
    ] {
        let replay = StaticReplayClient::new(vec![assume_role_ok(), event]);
        let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
        let refusal = put(&clients, "k").await.expect_err("refused");
        assert_eq!(format!("{refusal:?}"), expected);
    }
}

#[tokio::test]
async fn a_source_403_names_the_execution_role_policy() {
    let replay = StaticReplayClient::new(vec![s3_error(403, "AccessDenied", "Access Denied")]);
    let clients = Clients::new(&sdk(&replay).await, &settings(&[])).await;
    let src = &clients.source;
    let err = src
        .client()
        .get_object()
        .bucket("src-bucket")
        .key("in/photo.jpg")
        .send()
        .await
        .map_err(|e| src.refusal(e, "GetObject", "src-bucket", "in/photo.jpg"))
        .expect_err("refused");
    let err = fatal(err);
    assert_eq!(err.kind(), ErrorKind::SourceReadDenied);
    let message = err.to_string();
    for expected in [
        "GetObject of s3://src-bucket/in/photo.jpg",
        "execution role's policy",
        "s3:GetObject",
        "s3:ListBucket",
    ] {
        assert!(
            message.contains(expected),
            "{expected:?} missing from: {message}"
        );
    }
}

/// Three routes: `cdn` and `web` with one writer role (and ExternalId) into two buckets of
/// account 222222222222, `archive` with another role in 333333333333 and eu-west-1.
fn three_routes() -> (SourceSettings, Routes, AssumeRoleSession) {
    let routes = r#"[
      {"id": "cdn", "source_prefix": "", "bucket": "cdn-bucket", "role_arn": "arn:aws:iam::222222222222:role/writer", "external_id": "shared-external-id"},
      {"id": "web", "source_prefix": "", "bucket": "web-bucket", "role_arn": "arn:aws:iam::222222222222:role/writer", "external_id": "shared-external-id"},
      {"id": "archive", "source_prefix": "", "bucket": "archive-bucket", "role_arn": "arn:aws:iam::333333333333:role/archiver", "external_id": "archive-external-id", "region": "eu-west-1"}
    ]"#;
    let vars: HashMap<&str, &str> = HashMap::from([
        ("ROUTES", routes),
        ("AWS_LAMBDA_FUNCTION_NAME", "my transform"),
    ]);
    let env = Env::new(|k: &str| vars.get(k).map(|v| (*v).to_owned()));
    let source = SourceSettings::from_env(&env).expect("source");
    let routes = Routes::from_env(&env, &source).expect("three routes");
    let session = AssumeRoleSession::from_env(&env).expect("session");
    (source, routes, session)
}

async fn put_via(clients: &Clients, route: &str, key: &str) {
    let dst = clients.destination_of(route).expect("a client per route");
    dst.put_object(key)
        .body(ByteStream::from_static(b"rendition"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put via {route}: {e:?}"));
}

#[tokio::test]
async fn each_route_has_its_owner_and_role_and_routes_of_one_role_share_one_assume_role() {
    const ARCHIVE_KEY: &str = "ASIAASSUMEDARCHIVER";
    let replay = StaticReplayClient::new(vec![
        assume_role_ok(),
        s3_ok(),
        s3_ok(),
        assume_role_answer(ARCHIVE_KEY),
        s3_ok(),
        s3_ok(),
        s3_ok(),
    ]);
    let (source, routes, session) = three_routes();
    let clients = Clients::with_routes(&sdk(&replay).await, &source, &routes, &session).await;
    let ids: Vec<&str> = clients.destinations().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["cdn", "web", "archive"]);
    put_via(&clients, "cdn", "a.jpg").await;
    put_via(&clients, "web", "a.jpg").await;
    put_via(&clients, "archive", "a.jpg").await;
    put_via(&clients, "cdn", "b.jpg").await;
    put_via(&clients, "archive", "b.jpg").await;

    let requests: Vec<&HttpRequest> = replay.actual_requests().collect();
    assert_eq!(
        requests.len(),
        7,
        "two AssumeRoles (one per distinct role), five PutObjects"
    );
    let (writer, archiver) = (form_body(requests[0]), form_body(requests[3]));
    for (body, role, external_id) in [
        (&writer, "role%2Fwriter", "ExternalId=shared-external-id"),
        (
            &archiver,
            "role%2Farchiver",
            "ExternalId=archive-external-id",
        ),
    ] {
        assert!(
            body.contains("Action=AssumeRole") && body.contains(role),
            "{body}"
        );
        assert!(
            body.contains(external_id),
            "{external_id} missing from {body}"
        );
    }
    // (request, bucket, owner, signing key, region) of each PutObject, in order.
    let expected = [
        (1, "cdn-bucket", "222222222222", ASSUMED_KEY, "us-east-1"),
        (2, "web-bucket", "222222222222", ASSUMED_KEY, "us-east-1"),
        (
            4,
            "archive-bucket",
            "333333333333",
            ARCHIVE_KEY,
            "eu-west-1",
        ),
        (5, "cdn-bucket", "222222222222", ASSUMED_KEY, "us-east-1"),
        (
            6,
            "archive-bucket",
            "333333333333",
            ARCHIVE_KEY,
            "eu-west-1",
        ),
    ];
    for (i, bucket, owner, key, region) in expected {
        let put = requests[i];
        assert!(put.uri().contains(bucket), "request {i}: {}", put.uri());
        assert!(put.uri().contains(region), "request {i}: {}", put.uri());
        assert_eq!(
            header(put, "x-amz-expected-bucket-owner"),
            Some(owner),
            "request {i}"
        );
        let auth = header(put, "authorization").expect("signed");
        assert!(
            auth.contains(&format!("Credential={key}/")) && auth.contains(region),
            "request {i} signed by its route's role in its region: {auth}"
        );
    }
}
