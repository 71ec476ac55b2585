//! What a failed S3 call means for the pipeline: an expected answer (not found, condition not
//! met) or an [`Error`] of the contract, with the step, the target and the policy to check.
//!
//! S3 and STS errors reach us in several shapes: a service error with a code (GetObject), a bare
//! status without a body (HeadObject), a dispatch failure wrapping the identity cache's error
//! wrapping the AssumeRole provider's error wrapping STS's answer. Everything is decided here, in
//! one place, from the status, the code and the error chain.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{
    AssumeRoleRefused, AwsAnswer, BoxError, Error, KmsRefused, S3Call, S3Refused, Side,
    TransientFailure,
};
use contract::settings::RouteId;
use contract::{AccountId, RoleArn};

/// The outcome of a refused S3 call.
// A short-lived return value, matched at once: boxing the error would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Refusal {
    /// 404: no such key or version (a missing key reads as 404 only with s3:ListBucket).
    NotFound,
    /// 412: the request's `If-Match` / `If-None-Match` condition did not hold.
    PreconditionFailed,
    /// Anything else: the record cannot be handled now.
    Fatal(Error),
}

impl Refusal {
    /// The error, with `NotFound` and `PreconditionFailed` turned into errors by `expected`
    /// (which is given the answer's name).
    pub fn into_error(self, expected: impl FnOnce(&'static str) -> Error) -> Error {
        match self {
            Refusal::NotFound => expected("NotFound"),
            Refusal::PreconditionFailed => expected("PreconditionFailed"),
            Refusal::Fatal(e) => e,
        }
    }

    /// The error, where a 404 or 412 is an answer the call should never get (no condition was
    /// sent, or the thing must exist): a `Transient` error naming the call, worth a retry.
    pub fn or_unexpected(self, side: Side, operation: &'static str, target: &str) -> Error {
        self.into_error(|what| {
            TransientFailure::new(
                side,
                operation,
                target,
                AwsAnswer::none(format!("an unexpected {what} answer")),
            )
            .into()
        })
    }
}

/// What the side's client knows that the message needs.
#[derive(Debug, Clone)]
pub(crate) struct SideContext {
    /// The variable that names this side's bucket, for configuration errors.
    pub bucket_variable: &'static str,
    /// The variable that names this side's region.
    pub region_variable: &'static str,
    /// The writer role (destination side only).
    pub role_arn: Option<RoleArn>,
    /// The expected owner sent as ExpectedBucketOwner, if any.
    pub expected_owner: Option<AccountId>,
    /// The route of `ROUTES` this client writes for (none for `DESTINATION_*`).
    pub route: Option<RouteId>,
}

/// The facts of an SDK error: AWS's answer as data, and whether there was one at all.
#[derive(Debug)]
struct Facts {
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    /// No response at all (connection, timeout) or an unreadable one.
    no_answer: bool,
}

impl Facts {
    /// AWS's answer (with no response: what happened, the cause being the error's source).
    fn answer(&self) -> AwsAnswer {
        if self.no_answer && self.status.is_none() {
            return AwsAnswer::none("no answer from AWS: a connection failure or a timeout");
        }
        AwsAnswer::new(self.status, self.code.clone(), self.message.clone())
    }
}

fn facts<E>(err: &SdkError<E, HttpResponse>) -> Facts
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    // An answer the operation's parser could not read (an S3-style <Error> from an endpoint
    // that should have answered in STS's shape, a proxy's page) still says something.
    let body = err
        .raw_response()
        .and_then(|r| r.body().bytes())
        .map(String::from_utf8_lossy);
    let from_body = |tag: &str| body.as_deref().and_then(|b| xml_text(b, tag));
    let code = err.code().map(str::to_owned).or_else(|| from_body("Code"));
    let message = err
        .message()
        .map(str::to_owned)
        .or_else(|| from_body("Message"));
    let no_answer = matches!(
        err,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
    );
    Facts {
        status,
        code,
        message,
        no_answer,
    }
}

fn is_server_side(f: &Facts) -> bool {
    f.no_answer
        || f.status.is_some_and(|s| s >= 500)
        || matches!(
            f.code.as_deref(),
            Some(
                "SlowDown"
                    | "Throttling"
                    | "ThrottlingException"
                    | "RequestTimeout"
                    | "InternalError"
                    | "ServiceUnavailable"
                    | "ConditionalRequestConflict"
                    | "OperationAborted"
                    | "IDPCommunicationError"
            )
        )
}

/// Classifies a failed S3 call made by one side's client.
pub(crate) fn classify<E>(
    err: SdkError<E, HttpResponse>,
    call: S3Call,
    ctx: &SideContext,
) -> Refusal
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if find_in_chain::<CredentialsError>(&err).is_some() {
        return Refusal::Fatal(credentials_failure(err, call, ctx));
    }
    let f = facts(&err);
    let answer = f.answer();
    let source: BoxError = Box::new(err);
    let code = f.code.as_deref().unwrap_or("");
    let mentions_kms = f
        .message
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("kms"));

    // With ROUTES, the variable is ROUTES and the problem starts with the route and its field.
    let field = |name: &str| match &ctx.route {
        Some(id) => format!("route {id}: {name} "),
        None => String::new(),
    };
    if code == "NoSuchBucket" {
        return Refusal::Fatal(Error::invalid_configuration(
            ctx.bucket_variable,
            format!(
                "{}names s3://{}, which does not exist (S3 answered {answer} to {})",
                field("bucket"),
                call.bucket(),
                call.operation()
            ),
        ));
    }
    if matches!(
        code,
        "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException"
    ) || f.status == Some(301)
    {
        return Refusal::Fatal(Error::invalid_configuration(
            ctx.region_variable,
            format!(
                "{}does not match the region of s3://{} (S3 answered {answer} to {}); set it to the bucket's region",
                field("region"),
                call.bucket(),
                call.operation()
            ),
        ));
    }
    if f.status == Some(404) || matches!(code, "NoSuchKey" | "NotFound" | "NoSuchVersion") {
        return Refusal::NotFound;
    }
    if f.status == Some(412) || code == "PreconditionFailed" {
        return Refusal::PreconditionFailed;
    }
    if code.starts_with("KMS.") || (f.status == Some(403) && mentions_kms) {
        return Refusal::Fatal(KmsRefused::new(call, answer).with_source(source).into());
    }
    if is_server_side(&f) {
        return Refusal::Fatal(transient(call, answer, source));
    }
    // 403, and the 400s S3 gives to credentials it does not accept (ExpiredToken, InvalidToken),
    // and anything else a client did wrong: a refusal of this role.
    Refusal::Fatal(denied(call, ctx, answer, source))
}

fn transient(call: S3Call, answer: AwsAnswer, source: BoxError) -> Error {
    TransientFailure::new(
        call.side(),
        call.operation(),
        format!("s3://{}/{}", call.bucket(), call.key()),
        answer,
    )
    .with_source(source)
    .into()
}

fn denied(call: S3Call, ctx: &SideContext, answer: AwsAnswer, source: BoxError) -> Error {
    let mut refused = S3Refused::new(call, answer).with_source(source);
    if let Some(role) = &ctx.role_arn {
        refused = refused.with_role(role.as_str());
    }
    if let Some(owner) = &ctx.expected_owner {
        refused = refused.with_expected_owner(owner.as_str());
    }
    refused.into()
}

/// The client could not get credentials: on the destination side, that is AssumeRole failing.
/// `err` (whose chain holds `creds`) becomes the error's source.
fn credentials_failure<E>(err: SdkError<E, HttpResponse>, call: S3Call, ctx: &SideContext) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    match (
        find_in_chain::<CredentialsError>(&err),
        &ctx.role_arn,
        call.side(),
    ) {
        (Some(creds), Some(role_arn), Side::Destination) => {
            let outcome = assume_role_outcome(creds);
            outcome.into_error(role_arn, ctx.route.as_ref(), Box::new(err))
        }
        // The source side uses the execution role's own credentials, which Lambda provides.
        _ => {
            let answer = AwsAnswer::none("the execution role's credentials could not be loaded");
            denied(call, ctx, answer, Box::new(err))
        }
    }
}

/// What a failed AssumeRole of the writer role means (access-check calls it directly).
pub(crate) fn assume_role_failure(
    creds: CredentialsError,
    role_arn: &RoleArn,
    route: Option<&RouteId>,
) -> Error {
    assume_role_outcome(&creds).into_error(role_arn, route, Box::new(creds))
}

/// What a failed AssumeRole means, before the error takes its cause.
enum AssumeRoleOutcome {
    Denied(AwsAnswer),
    Transient(AwsAnswer),
    Configuration(Error),
}

impl AssumeRoleOutcome {
    fn into_error(self, role_arn: &RoleArn, route: Option<&RouteId>, source: BoxError) -> Error {
        match self {
            AssumeRoleOutcome::Denied(answer) => {
                let refused = AssumeRoleRefused::new(
                    role_arn.as_str(),
                    role_arn.account_id().as_str(),
                    answer,
                );
                match route {
                    Some(id) => refused.on_route(id.as_str()),
                    None => refused,
                }
                .with_source(source)
                .into()
            }
            AssumeRoleOutcome::Transient(answer) => {
                TransientFailure::new(Side::Destination, "AssumeRole", role_arn.as_str(), answer)
                    .with_source(source)
                    .into()
            }
            AssumeRoleOutcome::Configuration(e) => e,
        }
    }
}

fn assume_role_outcome(creds: &CredentialsError) -> AssumeRoleOutcome {
    if matches!(creds, CredentialsError::ProviderTimedOut(_)) {
        return AssumeRoleOutcome::Transient(AwsAnswer::none(
            "STS did not answer before the credentials provider's timeout",
        ));
    }
    let Some(sts) = find_in_chain::<SdkError<AssumeRoleError, HttpResponse>>(creds) else {
        return AssumeRoleOutcome::Denied(AwsAnswer::none(match creds {
            CredentialsError::CredentialsNotLoaded(_) => {
                "the execution role's own credentials could not be loaded, so STS could not be called"
            }
            _ => "the credentials provider failed before STS answered",
        }));
    };
    let f = facts(sts);
    let answer = f.answer();
    match f.code.as_deref() {
        Some("ValidationError")
            if f.message
                .as_deref()
                .is_some_and(|m| m.contains("DurationSeconds")) =>
        {
            AssumeRoleOutcome::Configuration(Error::invalid_configuration(
                "DESTINATION_SESSION_SECONDS",
                format!(
                    "is longer than the writer role's MaxSessionDuration allows (STS said {answer}); lower it or raise the role's maximum"
                ),
            ))
        }
        Some("RegionDisabledException") => {
            AssumeRoleOutcome::Configuration(Error::invalid_configuration(
                "AWS_REGION",
                format!(
                    "has STS deactivated in the source account (STS said {answer}); activate the region's STS endpoint in IAM account settings"
                ),
            ))
        }
        _ if is_server_side(&f) => AssumeRoleOutcome::Transient(answer),
        _ => AssumeRoleOutcome::Denied(answer),
    }
}

/// The text of the first `<tag>...</tag>` in `xml`.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim().to_owned()).filter(|t| !t.is_empty())
}

/// The first error of type `T` in `err`'s source chain, `err` included.
fn find_in_chain<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}
