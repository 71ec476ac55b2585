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
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{BoxError, Error, Side};
use contract::{AccountId, RoleArn};

/// The outcome of a refused S3 call.
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
    /// The error, with `NotFound` and `PreconditionFailed` turned into errors by `expected`.
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
        self.into_error(|what| Error::Transient {
            side,
            operation,
            target: target.to_owned(),
            detail: format!("an unexpected {what} answer"),
            source: None,
        })
    }
}

/// The call that failed, for the message.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// Which side's client made it.
    pub side: Side,
    /// The S3 operation name, e.g. `PutObject`.
    pub operation: &'static str,
    /// Bucket.
    pub bucket: &'a str,
    /// Key (empty for bucket-level calls).
    pub key: &'a str,
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
}

/// The facts of an SDK error: HTTP status, error code and message, and a one-line description.
#[derive(Debug)]
struct Facts {
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    /// No response at all (connection, timeout) or an unreadable one.
    no_answer: bool,
    detail: String,
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
    let detail = match (&code, status) {
        (Some(code), Some(status)) => format!(
            "{code} (HTTP {status}){}",
            message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        (None, Some(status)) => format!("HTTP {status} with no error body"),
        _ => DisplayErrorContext(err).to_string(),
    };
    Facts {
        status,
        code,
        message,
        no_answer,
        detail,
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
    call: Call<'_>,
    ctx: &SideContext,
) -> Refusal
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(creds) = find_in_chain::<CredentialsError>(&err) {
        return Refusal::Fatal(credentials_failure(creds, call, ctx, &err));
    }
    let f = facts(&err);
    let source = || Some(Box::new(err) as BoxError);
    let code = f.code.as_deref().unwrap_or("");
    let mentions_kms = f
        .message
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("kms"));

    if code == "NoSuchBucket" {
        return Refusal::Fatal(Error::invalid_configuration(
            ctx.bucket_variable,
            format!(
                "names s3://{}, which does not exist (S3 answered {} to {})",
                call.bucket, f.detail, call.operation
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
                "does not match the region of s3://{} (S3 answered {} to {}); set it to the bucket's region",
                call.bucket, f.detail, call.operation
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
        return Refusal::Fatal(Error::KmsDenied {
            side: call.side,
            operation: call.operation,
            bucket: call.bucket.to_owned(),
            key: call.key.to_owned(),
            detail: f.detail,
            source: source(),
        });
    }
    if is_server_side(&f) {
        return Refusal::Fatal(transient(call, f.detail, source()));
    }
    // 403, and the 400s S3 gives to credentials it does not accept (ExpiredToken, InvalidToken),
    // and anything else a client did wrong: a refusal of this role.
    Refusal::Fatal(denied(call, ctx, f.detail, source()))
}

fn transient(call: Call<'_>, detail: String, source: Option<BoxError>) -> Error {
    Error::Transient {
        side: call.side,
        operation: call.operation,
        target: format!("s3://{}/{}", call.bucket, call.key),
        detail,
        source,
    }
}

fn denied(call: Call<'_>, ctx: &SideContext, detail: String, source: Option<BoxError>) -> Error {
    match call.side {
        Side::Source => Error::SourceReadDenied {
            operation: call.operation,
            bucket: call.bucket.to_owned(),
            key: call.key.to_owned(),
            detail,
            source,
        },
        Side::Destination => Error::DestinationWriteDenied {
            operation: call.operation,
            bucket: call.bucket.to_owned(),
            key: call.key.to_owned(),
            role_arn: ctx
                .role_arn
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            expected_owner: ctx
                .expected_owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            detail,
            source,
        },
    }
}

/// The client could not get credentials: on the destination side, that is AssumeRole failing.
fn credentials_failure<E>(
    creds: &CredentialsError,
    call: Call<'_>,
    ctx: &SideContext,
    err: &SdkError<E, HttpResponse>,
) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    let chain = DisplayErrorContext(err).to_string();
    match (&ctx.role_arn, call.side) {
        (Some(role_arn), Side::Destination) => assume_role_error(creds, role_arn, chain),
        // The source side uses the execution role's own credentials, which Lambda provides.
        _ => denied(
            call,
            ctx,
            format!("the execution role's credentials could not be loaded: {chain}"),
            None,
        ),
    }
}

/// What a failed AssumeRole of the writer role means (access-check calls it directly).
pub(crate) fn assume_role_failure(creds: &CredentialsError, role_arn: &RoleArn) -> Error {
    assume_role_error(creds, role_arn, DisplayErrorContext(creds).to_string())
}

fn assume_role_error(creds: &CredentialsError, role_arn: &RoleArn, chain: String) -> Error {
    let destination_account = role_arn.account_id().to_string();
    let role_arn = role_arn.to_string();
    let assume_role_denied = |detail: String| Error::AssumeRoleDenied {
        role_arn: role_arn.clone(),
        destination_account: destination_account.clone(),
        detail,
        source: None,
    };
    let transient = |detail: String| Error::Transient {
        side: Side::Destination,
        operation: "AssumeRole",
        target: role_arn.clone(),
        detail,
        source: None,
    };
    if matches!(creds, CredentialsError::ProviderTimedOut(_)) {
        return transient(chain);
    }
    let Some(sts) = find_in_chain::<SdkError<AssumeRoleError, HttpResponse>>(creds) else {
        return match creds {
            CredentialsError::CredentialsNotLoaded(_) => assume_role_denied(format!(
                "the execution role's own credentials could not be loaded, so STS could not be called: {chain}"
            )),
            _ => assume_role_denied(chain),
        };
    };
    let f = facts(sts);
    match f.code.as_deref() {
        Some("ValidationError")
            if f.message
                .as_deref()
                .is_some_and(|m| m.contains("DurationSeconds")) =>
        {
            Error::invalid_configuration(
                "DESTINATION_SESSION_SECONDS",
                format!(
                    "is longer than the writer role's MaxSessionDuration allows (STS said {}); lower it or raise the role's maximum",
                    f.detail
                ),
            )
        }
        Some("RegionDisabledException") => Error::invalid_configuration(
            "AWS_REGION",
            format!(
                "has STS deactivated in the source account (STS said {}); activate the region's STS endpoint in IAM account settings",
                f.detail
            ),
        ),
        _ if is_server_side(&f) => transient(f.detail),
        _ => assume_role_denied(f.detail),
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
