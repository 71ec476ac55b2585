//! The one error type of the pipeline, in smithy-rs RFC0022's shape.
//!
//! Each variant holds a context struct ([`context`], [`refused`]) whose fields are private and read through
//! accessors; its cause, when there is one (the SDK error), is private too and returned by
//! `source()` only, so a log that walks the chain (`DisplayErrorContext`) prints it once.
//! `Display` is one message an operator can act on at 3 a.m.: the call, the bucket and key or
//! the role, what AWS answered ([`AwsAnswer`], kept as data) and which policy to check. Callers
//! and tests match on [`Error::kind`], a `Copy` enum that also gives the contract's `errorType`
//! and whether the error is retried. No variant ever holds a credential: AWS error messages
//! name principals, not keys.

mod answer;
pub mod context;
pub mod refused;

use std::fmt;

pub use answer::AwsAnswer;
pub use context::{ConfigProblem, DeadlineNear, InternalFailure, TransientFailure};
pub use refused::{AssumeRoleRefused, KmsRefused, S3Call, S3Refused};

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A cause kept behind an error context, shared by its clones (an error met once on the source
/// side fails every route of the record, each route's failure naming it).
type SharedSource = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Which account's call went wrong: decides which policies a hint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The source account, called as the function's own execution role.
    Source,
    /// The destination account, called as the assumed writer role.
    Destination,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Destination => "destination",
        })
    }
}

/// Everything that can stop the pipeline that is not the input's fault.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or invalid, or the destination bucket does not exist or is in
    /// another region than configured.
    #[error("{0}")]
    InvalidConfiguration(ConfigProblem),
    /// The invocation's payload is not an event this function handles (what arrived and what
    /// was expected).
    #[error("{0}")]
    InvalidEvent(String),
    /// The execution role could not read from the source bucket.
    #[error(transparent)]
    SourceReadDenied(S3Refused),
    /// STS refused to let the execution role assume the writer role.
    #[error(transparent)]
    AssumeRoleDenied(AssumeRoleRefused),
    /// S3 refused a call of the writer role in the destination bucket.
    #[error(transparent)]
    DestinationWriteDenied(S3Refused),
    /// KMS refused to decrypt a source object or to encrypt an output.
    #[error(transparent)]
    KmsDenied(KmsRefused),
    /// Throttling, a server error or a timeout, after the SDK's own retries.
    #[error(transparent)]
    Transient(TransientFailure),
    /// A record not started because the invocation's deadline was near (the contract's
    /// `Transient`: retried with the event).
    #[error("{0}")]
    DeadlineNear(DeadlineNear),
    /// A failure of the product's own code, not of the input nor of AWS: an encoder or resizer
    /// error, a panic outside a decoder, a failed task, a response that cannot be serialised.
    /// Retried like `Transient`; when it persists, it is a bug to report.
    #[error("{0}")]
    Internal(InternalFailure),
}

/// What kind of [`Error`]: the contract's `errorType`, and whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `InvalidConfiguration`.
    InvalidConfiguration,
    /// `InvalidEvent`.
    InvalidEvent,
    /// `SourceReadDenied`.
    SourceReadDenied,
    /// `AssumeRoleDenied`.
    AssumeRoleDenied,
    /// `DestinationWriteDenied`.
    DestinationWriteDenied,
    /// `KmsDenied`.
    KmsDenied,
    /// `Transient` (also a record not started before the deadline).
    Transient,
    /// `Internal`.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the contract's order.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::InvalidConfiguration,
        ErrorKind::InvalidEvent,
        ErrorKind::SourceReadDenied,
        ErrorKind::AssumeRoleDenied,
        ErrorKind::DestinationWriteDenied,
        ErrorKind::KmsDenied,
        ErrorKind::Transient,
        ErrorKind::Internal,
    ];

    /// The contract's stable `errorType`.
    pub fn error_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfiguration => "InvalidConfiguration",
            ErrorKind::InvalidEvent => "InvalidEvent",
            ErrorKind::SourceReadDenied => "SourceReadDenied",
            ErrorKind::AssumeRoleDenied => "AssumeRoleDenied",
            ErrorKind::DestinationWriteDenied => "DestinationWriteDenied",
            ErrorKind::KmsDenied => "KmsDenied",
            ErrorKind::Transient => "Transient",
            ErrorKind::Internal => "Internal",
        }
    }

    /// Whether trying the same thing again later may succeed without anyone changing anything
    /// (`Transient`; and `Internal`, which the contract retries too).
    pub fn is_retried(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Internal)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type())
    }
}

impl Error {
    /// An [`Error::InvalidConfiguration`] for `variable`.
    pub fn invalid_configuration(variable: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidConfiguration(ConfigProblem {
            variable: variable.into(),
            problem: problem.into(),
        })
    }

    /// An [`Error::InvalidEvent`] saying what arrived and what was expected.
    pub fn invalid_event(detail: impl Into<String>) -> Self {
        Error::InvalidEvent(detail.into())
    }

    /// An [`Error::Internal`]: `what` failed (with the object it was working on), saying `detail`.
    pub fn internal(what: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Internal(InternalFailure {
            what: what.into(),
            detail: detail.into(),
        })
    }

    /// An [`Error::DeadlineNear`] for `record`.
    pub fn deadline_near(record: impl Into<String>, remaining_ms: u64, margin_ms: u64) -> Self {
        Error::DeadlineNear(DeadlineNear {
            record: record.into(),
            remaining_ms,
            margin_ms,
        })
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidConfiguration(_) => ErrorKind::InvalidConfiguration,
            Error::InvalidEvent(_) => ErrorKind::InvalidEvent,
            Error::SourceReadDenied(_) => ErrorKind::SourceReadDenied,
            Error::AssumeRoleDenied(_) => ErrorKind::AssumeRoleDenied,
            Error::DestinationWriteDenied(_) => ErrorKind::DestinationWriteDenied,
            Error::KmsDenied(_) => ErrorKind::KmsDenied,
            Error::Transient(_) | Error::DeadlineNear(_) => ErrorKind::Transient,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The contract's stable `errorType` for this error.
    pub fn error_type(&self) -> &'static str {
        self.kind().error_type()
    }

    /// Whether trying the same thing again later may succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retried()
    }

    /// The setting at fault, for an [`Error::InvalidConfiguration`].
    pub fn config_problem(&self) -> Option<&ConfigProblem> {
        match self {
            Error::InvalidConfiguration(p) => Some(p),
            _ => None,
        }
    }

    /// What to check, when a policy or a setting can be at fault: the same words the message
    /// ends with, for a report that shows them apart (access-check's `hint`). `None` for an
    /// event or our own code at fault.
    pub fn policy_hint(&self) -> Option<String> {
        match self {
            Error::InvalidConfiguration(p) => Some(format!("the setting {}", p.variable())),
            Error::SourceReadDenied(c) | Error::DestinationWriteDenied(c) => Some(c.policy_hint()),
            Error::AssumeRoleDenied(c) => Some(c.policy_hint()),
            Error::KmsDenied(c) => Some(c.policy_hint().to_owned()),
            Error::Transient(_) | Error::DeadlineNear(_) => {
                Some("nothing in a policy: throttling, an AWS error or a timeout; try again".into())
            }
            Error::InvalidEvent(_) | Error::Internal(_) => None,
        }
    }

    /// What AWS answered, for the errors that come from a call.
    pub fn aws(&self) -> Option<&AwsAnswer> {
        match self {
            Error::SourceReadDenied(c) | Error::DestinationWriteDenied(c) => Some(c.aws()),
            Error::AssumeRoleDenied(c) => Some(c.aws()),
            Error::KmsDenied(c) => Some(c.aws()),
            Error::Transient(c) => Some(c.aws()),
            _ => None,
        }
    }
}

impl From<S3Refused> for Error {
    fn from(refused: S3Refused) -> Self {
        match refused.call().side() {
            Side::Source => Error::SourceReadDenied(refused),
            Side::Destination => Error::DestinationWriteDenied(refused),
        }
    }
}

impl From<AssumeRoleRefused> for Error {
    fn from(refused: AssumeRoleRefused) -> Self {
        Error::AssumeRoleDenied(refused)
    }
}

impl From<KmsRefused> for Error {
    fn from(refused: KmsRefused) -> Self {
        Error::KmsDenied(refused)
    }
}

impl From<TransientFailure> for Error {
    fn from(failure: TransientFailure) -> Self {
        Error::Transient(failure)
    }
}

#[cfg(test)]
mod tests;
