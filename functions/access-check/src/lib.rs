//! `access-check`: which link of the cross-account chain is broken?
//!
//! Runs as the pipeline execution role, with the pipeline's settings, and checks each link in
//! order: `caller-identity` and `source-read` once, then `assume-role`, `destination-owner`,
//! `destination-write` and `direct-write-denied` for every route (or the one the event names).
//! Every failure's `hint` names the policy to look at. The answer is always a normal response
//! (a bad setting is still an init error):
//! `{"ok": bool, "steps": [{"step", "route", "ok", "severity", "detail", "hint"}]}`, every step
//! listed, a step not run saying which step stopped it. A failed error step stops the later
//! steps of its own route only; a failed `caller-identity` or `source-read` stops every route.
//!
//! # Layout
//! - [`Checker`] (here): the clients, built once per cold start, [`Checker::run`] and the
//!   steps.
//! - `report.rs`: [`Report`], [`StepReport`], [`Step`], [`Severity`]: the contract's report.

use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::display::DisplayErrorContext;
use cross_account_s3::clients::execution_role_destination_client;
use cross_account_s3::settings::Route;
use cross_account_s3::{BucketName, Clients, DestinationS3, Error, Refusal, Settings, Side};
use serde_json::Value;

mod report;

pub use report::{Report, Severity, Step, StepReport};

/// A step's answer: what it found, or what went wrong and the policy to look at.
type StepOutcome = Result<String, (String, String)>;

/// The clients access-check needs, built once per cold start.
#[derive(Debug)]
pub struct Checker {
    settings: Settings,
    source_bucket: BucketName,
    sts: aws_sdk_sts::Client,
    clients: Clients,
    /// Per route, in route order: the execution role's own client aimed at its destination.
    direct: Vec<aws_sdk_s3::Client>,
}

/// One route under check: its settings and its two clients.
#[derive(Clone, Copy)]
struct Target<'a> {
    route: &'a Route,
    dst: &'a DestinationS3,
    direct: &'a aws_sdk_s3::Client,
}

impl Checker {
    /// Builds the clients from the function's `SdkConfig` (the execution role); `source_bucket`
    /// is `SOURCE_BUCKET`, required at cold start.
    pub async fn new(sdk: &SdkConfig, settings: Settings, source_bucket: BucketName) -> Self {
        Self {
            sts: aws_sdk_sts::Client::new(sdk),
            clients: Clients::new(sdk, &settings).await,
            direct: settings
                .routes
                .iter()
                .map(|route| execution_role_destination_client(sdk, &route.destination))
                .collect(),
            settings,
            source_bucket,
        }
    }

    /// Runs every step in order for the event (`{}`; `{"source_key": "..."}` to read one
    /// object instead of listing; `{"route": "<id>"}` to check that route only).
    pub async fn run(&self, event: &Value) -> Report {
        let mut steps = Vec::with_capacity(2 + 4 * self.settings.routes.len());
        let mut stopped_by: Option<Step> = None;
        for step in [Step::CallerIdentity, Step::SourceRead] {
            let outcome = match (stopped_by, step) {
                (Some(blocker), _) => Err(not_run(blocker)),
                (None, Step::SourceRead) => self.source_read(event).await,
                (None, _) => self.caller_identity().await,
            };
            let ran = stopped_by.is_none();
            let report = step_report(step, None, outcome);
            if ran && !report.ok {
                stopped_by = Some(step);
            }
            steps.push(report);
        }
        match self.targets(event) {
            Ok(targets) => {
                for target in targets {
                    self.check_route(target, stopped_by, &mut steps).await;
                }
            }
            Err((route, detail)) => steps.push(step_report(
                Step::AssumeRole,
                route,
                Err((
                    detail,
                    "invoke with {} to check every route, or {\"route\": \"<id>\"} naming a route of ROUTES".into(),
                )),
            )),
        }
        let ok = steps
            .iter()
            .all(|s| s.ok || s.severity == Severity::Warning);
        Report { ok, steps }
    }

    /// The routes the event asks for: every one, or the one `route` names; else the route
    /// asked for (when it is a string) and why it cannot be checked.
    fn targets(&self, event: &Value) -> Result<Vec<Target<'_>>, (Option<String>, String)> {
        let all = self
            .settings
            .routes
            .iter()
            .zip(self.clients.destinations())
            .zip(&self.direct)
            .map(|((route, (_, dst)), direct)| Target { route, dst, direct });
        let ids = || {
            self.settings
                .routes
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match event.get("route") {
            None | Some(Value::Null) => Ok(all.collect()),
            Some(Value::String(id)) => {
                let one: Vec<Target<'_>> = all.filter(|t| t.route.id.as_str() == id).collect();
                if one.is_empty() {
                    Err((
                        Some(id.clone()),
                        format!("no route {id}; routes: {}", ids()),
                    ))
                } else {
                    Ok(one)
                }
            }
            Some(_) => Err((
                None,
                format!("the event's route is not a string; routes: {}", ids()),
            )),
        }
    }

    /// The four steps of one route; `stopped_by` when a step of the function failed.
    async fn check_route(
        &self,
        target: Target<'_>,
        mut stopped_by: Option<Step>,
        steps: &mut Vec<StepReport>,
    ) {
        let route = Some(target.route.id.to_string());
        for step in [
            Step::AssumeRole,
            Step::DestinationOwner,
            Step::DestinationWrite,
            Step::DirectWriteDenied,
        ] {
            let outcome = match (stopped_by, step) {
                (Some(blocker), _) => Err(not_run(blocker)),
                (None, Step::AssumeRole) => self.assume_role(target).await,
                (None, Step::DestinationOwner) => destination_owner(target.dst).await,
                (None, Step::DestinationWrite) => destination_write(target.dst).await,
                (None, _) => direct_write_denied(target).await,
            };
            let ran = stopped_by.is_none();
            let report = step_report(step, route.clone(), outcome);
            if ran && !report.ok && step.severity() == Severity::Error {
                stopped_by = Some(step);
            }
            steps.push(report);
        }
    }

    async fn caller_identity(&self) -> StepOutcome {
        match self.sts.get_caller_identity().send().await {
            Ok(who) => Ok(format!(
                "the function runs as {} (account {})",
                who.arn().unwrap_or("?"),
                who.account().unwrap_or("?")
            )),
            Err(e) => Err((
                format!("STS GetCallerIdentity failed: {}", DisplayErrorContext(&e)),
                "the function has no usable credentials of its own: check that it runs with the pipeline execution role and that STS is reachable in its region".into(),
            )),
        }
    }

    async fn source_read(&self, event: &Value) -> StepOutcome {
        let src = &self.clients.source;
        let bucket = self.source_bucket.as_str();
        let prefix = &self.settings.source.prefix;
        let hint = |e: &Error| {
            hint_of(
                e,
                "the detail: the source read failed in the function itself",
            )
        };
        match event.get("source_key") {
            None | Some(Value::Null) => {}
            Some(Value::String(key)) => {
                return match src
                    .client()
                    .head_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                {
                    Ok(head) => Ok(format!(
                        "read s3://{bucket}/{key} ({} bytes)",
                        head.content_length().unwrap_or(0)
                    )),
                    Err(e) => match src.refusal(e, "HeadObject", bucket, key) {
                        Refusal::NotFound => Err((
                            format!(
                                "s3://{bucket}/{key} does not exist (the execution role may list the bucket, so this is a real 404)"
                            ),
                            "give the key of an existing object, or {} to list SOURCE_PREFIX"
                                .into(),
                        )),
                        other => {
                            let e = other.or_unexpected(Side::Source, "HeadObject", key);
                            Err((e.to_string(), hint(&e)))
                        }
                    },
                };
            }
            Some(_) => {
                return Err((
                    "the event's source_key is not a string".into(),
                    "invoke with {} or {\"source_key\": \"<key>\"}".into(),
                ));
            }
        }
        match src
            .client()
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(1)
            .send()
            .await
        {
            Ok(list) => Ok(format!(
                "listed s3://{bucket}/{prefix} as the execution role ({})",
                if list.key_count().unwrap_or(0) > 0 {
                    "objects found"
                } else {
                    "empty"
                }
            )),
            Err(e) => {
                let e = src
                    .refusal(e, "ListObjectsV2", bucket, prefix)
                    .or_unexpected(Side::Source, "ListObjectsV2", prefix);
                Err((e.to_string(), hint(&e)))
            }
        }
    }

    async fn assume_role(&self, target: Target<'_>) -> StepOutcome {
        let dst = &target.route.destination;
        let session = &self.settings.session;
        match target.dst.assume_role().await {
            Ok(expiry) => {
                let minutes = expiry
                    .and_then(|t| t.duration_since(SystemTime::now()).ok())
                    .map(|d| format!(", valid for {} more minutes", d.as_secs() / 60))
                    .unwrap_or_default();
                Ok(format!(
                    "assumed {} with the ExternalId (session {}{minutes})",
                    dst.role_arn, session.name
                ))
            }
            Err(e) => {
                let hint = hint_of(&e, "the detail: AssumeRole failed in the function itself");
                Err((e.to_string(), hint))
            }
        }
    }
}

async fn destination_owner(dst: &DestinationS3) -> StepOutcome {
    let (bucket, owner) = (dst.bucket(), dst.expected_owner());
    // The whole bucket: the writer role's s3:ListBucket has no prefix condition.
    let checked = dst
        .client()
        .list_objects_v2()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await;
    let refused = match checked {
        Ok(_) => {
            return Ok(format!(
                "s3://{bucket} belongs to {owner} (ExpectedBucketOwner accepted)"
            ));
        }
        Err(e) => match dst.refusal(e, "ListObjectsV2", "") {
            Refusal::Fatal(e @ Error::DestinationWriteDenied(_)) => e,
            other => {
                let e = other.or_unexpected(Side::Destination, "ListObjectsV2", bucket);
                let hint = hint_of(&e, "DESTINATION_BUCKET and DESTINATION_REGION");
                return Err((e.to_string(), hint));
            }
        },
    };
    // The one request of the product sent without ExpectedBucketOwner.
    let unchecked = dst
        .without_owner_check()
        .list_objects_v2()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await;
    match unchecked {
            Ok(_) => Err((
                format!("s3://{bucket} does NOT belong to {owner}: listing it is refused with ExpectedBucketOwner {owner} and allowed without it"),
                "the bucket owner: DESTINATION_BUCKET names a bucket of another account. Correct DESTINATION_BUCKET, or DESTINATION_ACCOUNT_ID if the bucket really moved; never write there until you know whose bucket it is".into(),
            )),
            Err(_) => Err((
                format!("listing s3://{bucket} is refused with and without ExpectedBucketOwner: {refused}"),
                "the writer role's s3:ListBucket on arn:aws:s3:::DESTINATION_BUCKET (without a prefix condition) and the destination bucket's policy".into(),
            )),
        }
}

async fn destination_write(dst: &DestinationS3) -> StepOutcome {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = dst.output_key(&format!("access-check-probe-{nanos}"));
    let hint = |e: &Error| {
        hint_of(
            e,
            "the detail: the probe write failed in the function itself",
        )
    };
    let put = dst
        .put_object(&key)
        .body(ByteStream::from_static(
            b"access-check probe; deleted right away",
        ))
        .content_type("text/plain")
        .if_none_match("*")
        .send()
        .await;
    if let Err(e) = put {
        let e =
            dst.refusal(e, "PutObject", &key)
                .or_unexpected(Side::Destination, "PutObject", &key);
        return Err((e.to_string(), hint(&e)));
    }
    match dst.delete_object(&key).send().await {
        Ok(_) => Ok(format!(
            "put and deleted s3://{}/{key} as the writer role",
            dst.bucket()
        )),
        Err(e) => {
            let e = dst.refusal(e, "DeleteObject", &key).or_unexpected(
                Side::Destination,
                "DeleteObject",
                &key,
            );
            Err((
                format!(
                    "the probe was written but could not be deleted (delete s3://{}/{key} by hand): {e}",
                    dst.bucket()
                ),
                hint(&e),
            ))
        }
    }
}

async fn direct_write_denied(target: Target<'_>) -> StepOutcome {
    let dst = target.dst;
    let key = dst.output_key("access-check-direct-write-probe");
    // If-Match "0" matches no object: even a role allowed to write leaves nothing behind.
    let attempt = target
        .direct
        .put_object()
        .bucket(dst.bucket())
        .key(&key)
        .if_match("\"0\"")
        .body(ByteStream::from_static(b"must not be written"))
        .send()
        .await;
    let status = match &attempt {
        Ok(_) => 200,
        Err(e) => e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0),
    };
    match status {
            403 => Ok("the execution role's own PutObject to the destination is refused, as it must be: only the writer role writes there".into()),
            200 | 404 | 412 => Err((
                format!("the execution role's own PutObject to s3://{}/{key} was allowed by IAM (HTTP {status}; the If-Match condition kept anything from being written)", dst.bucket()),
                "least privilege: the execution role should not be able to write the destination. Look for s3:PutObject on that bucket in the execution role's policies, and for a destination bucket policy granting the source account".into(),
            )),
            other => Err((
                format!("the execution role's own PutObject could not be judged (HTTP {other})"),
                "retry access-check; if it persists, check the network path to S3".into(),
            )),
        }
}

/// A step not run because `blocker` failed.
fn not_run(blocker: Step) -> (String, String) {
    (
        format!("not run: {} failed", blocker.id()),
        format!("fix {} first, then run access-check again", blocker.id()),
    )
}

/// One step's report, logged.
fn step_report(step: Step, route: Option<String>, outcome: StepOutcome) -> StepReport {
    let (ok, detail, hint) = match outcome {
        Ok(detail) => (true, detail, None),
        Err((detail, hint)) => (false, detail, Some(hint)),
    };
    let report = StepReport {
        step,
        route,
        ok,
        severity: step.severity(),
        detail,
        hint,
    };
    tracing::info!(
        step = step.id(),
        route = report.route.as_deref(),
        ok = report.ok,
        detail = report.detail,
        hint = report.hint.as_deref(),
        "access-check step"
    );
    report
}

/// The error's own guidance (its one owner: `Error::policy_hint`), else `fallback`.
fn hint_of(e: &Error, fallback: &str) -> String {
    e.policy_hint().unwrap_or_else(|| fallback.to_owned())
}
