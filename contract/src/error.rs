//! The crate's one error type, with the contract's stable error types and the operator's hint.
//!
//! Each variant carries what an operator needs at 3 a.m.: the step (S3 or STS operation), the
//! bucket, key or role involved, what AWS said (code, HTTP status, message), and which policy to
//! look at. `Display` prints all of that and never the source chain (smithy-rs RFC0022: log with
//! [`DisplayErrorContext`](aws_smithy_types::error::display::DisplayErrorContext) for the chain).
//! No variant ever holds a credential: AWS error messages name principals, not keys.

use std::fmt;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or invalid, or the destination bucket does not exist or is in
    /// another region than configured.
    #[error("{variable} {problem}")]
    InvalidConfiguration {
        /// The environment variable (or template parameter) to fix.
        variable: String,
        /// What is wrong and what a valid value looks like.
        problem: String,
    },

    /// The invocation's payload is not an event this function handles.
    #[error("{detail}")]
    InvalidEvent {
        /// What arrived and what was expected.
        detail: String,
    },

    /// The execution role could not read from the source bucket.
    #[error(
        "{operation} of s3://{bucket}/{key} was refused to the pipeline execution role: {detail}. \
         Check the execution role's policy (s3:GetObject and s3:GetObjectVersion on the source \
         objects under SOURCE_PREFIX, s3:ListBucket on the bucket), the source bucket's policy, \
         and, when SOURCE_ACCOUNT_ID is set, that the bucket belongs to that account"
    )]
    SourceReadDenied {
        /// The S3 operation.
        operation: &'static str,
        /// Source bucket.
        bucket: String,
        /// Source key.
        key: String,
        /// What S3 said.
        detail: String,
        /// The SDK error.
        #[source]
        source: Option<BoxError>,
    },

    /// STS refused to let the execution role assume the writer role.
    #[error(
        "AssumeRole of {role_arn} was refused: {detail}. Check, in the destination account \
         {destination_account}, the writer role's trust policy: it must trust the pipeline \
         execution role's ARN with the condition sts:ExternalId equal to DESTINATION_EXTERNAL_ID; \
         and, in the source account, that the execution role's policy allows sts:AssumeRole on \
         exactly {role_arn}"
    )]
    AssumeRoleDenied {
        /// The writer role.
        role_arn: String,
        /// Its account.
        destination_account: String,
        /// What STS said.
        detail: String,
        /// The credentials error.
        #[source]
        source: Option<BoxError>,
    },

    /// S3 refused a call of the writer role in the destination bucket.
    #[error(
        "{operation} of s3://{bucket}/{key} was refused to the writer role {role_arn}: {detail}. \
         S3 gives the same answer to two causes: either the writer role lacks the permission \
         (s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::{bucket}/<DESTINATION_PREFIX>*, \
         s3:ListBucket on the bucket; check its permissions policy and the bucket policy), or the \
         bucket is owned by another account than {expected_owner} (DESTINATION_ACCOUNT_ID, sent as \
         ExpectedBucketOwner)"
    )]
    DestinationWriteDenied {
        /// The S3 operation.
        operation: &'static str,
        /// Destination bucket.
        bucket: String,
        /// Destination key.
        key: String,
        /// The writer role.
        role_arn: String,
        /// The account the bucket must belong to.
        expected_owner: String,
        /// What S3 said.
        detail: String,
        /// The SDK error.
        #[source]
        source: Option<BoxError>,
    },

    /// KMS refused to decrypt a source object or to encrypt an output.
    #[error("{operation} of s3://{bucket}/{key} failed on its KMS key: {detail}. {}", kms_hint(*side))]
    KmsDenied {
        /// Which side's key.
        side: Side,
        /// The S3 operation.
        operation: &'static str,
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// What S3 or KMS said.
        detail: String,
        /// The SDK error.
        #[source]
        source: Option<BoxError>,
    },

    /// A failure of the product's own code, not of the input nor of AWS: an encoder or resizer
    /// error, a panic outside a decoder, a failed task, a response that cannot be serialised.
    /// Retried like [`Error::Transient`]; when it persists, it is a bug to report.
    #[error(
        "{what} failed: {detail}. This is a fault of the function's own code, not of the input \
         or of a policy; the event is retried and then goes to the failure destination (or the \
         dead-letter queue): keep it there and report the message"
    )]
    Internal {
        /// What failed, with the object it was working on.
        what: String,
        /// What it said.
        detail: String,
    },

    /// A record not started because the invocation's deadline was near (the contract's
    /// `Transient`: retried with the event).
    #[error(
        "{record} was not started: {remaining_ms} ms of the invocation were left, less than the \
         safety margin of {margin_ms} ms (the longest record seen in this container, at least \
         5 s). It is retried with the event; if this repeats, raise the function's Timeout or \
         lower the SQS BatchSize"
    )]
    DeadlineNear {
        /// The record, as logs name it.
        record: String,
        /// Time left when it was due to start.
        remaining_ms: u64,
        /// The margin it needed.
        margin_ms: u64,
    },

    /// Throttling, a server error or a timeout, after the SDK's own retries: worth retrying later.
    #[error(
        "{operation} on the {side} side ({target}) failed after the SDK's retries: {detail}. This is \
         usually throttling, an AWS server error or a timeout; Lambda retries the event"
    )]
    Transient {
        /// Which side.
        side: Side,
        /// The S3 or STS operation.
        operation: &'static str,
        /// Bucket and key, or role ARN.
        target: String,
        /// What went wrong.
        detail: String,
        /// The SDK error.
        #[source]
        source: Option<BoxError>,
    },
}

fn kms_hint(side: Side) -> &'static str {
    match side {
        Side::Source => {
            "Check that the pipeline execution role's policy allows kms:Decrypt on the source \
             bucket's key (the template's SourceKmsKeyArn) and that the key's policy allows the role"
        }
        Side::Destination => {
            "Check the key policy of DESTINATION_KMS_KEY_ARN in the destination account (it must \
             allow the writer role) and that the writer role's policy allows kms:GenerateDataKey \
             and kms:Encrypt on that key"
        }
    }
}

impl Error {
    /// An [`Error::InvalidConfiguration`] for `variable`.
    pub fn invalid_configuration(variable: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidConfiguration {
            variable: variable.into(),
            problem: problem.into(),
        }
    }

    /// An [`Error::InvalidEvent`].
    pub fn invalid_event(detail: impl Into<String>) -> Self {
        Error::InvalidEvent {
            detail: detail.into(),
        }
    }

    /// The contract's stable `errorType` for this error.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::InvalidConfiguration { .. } => "InvalidConfiguration",
            Error::InvalidEvent { .. } => "InvalidEvent",
            Error::SourceReadDenied { .. } => "SourceReadDenied",
            Error::AssumeRoleDenied { .. } => "AssumeRoleDenied",
            Error::DestinationWriteDenied { .. } => "DestinationWriteDenied",
            Error::KmsDenied { .. } => "KmsDenied",
            Error::Transient { .. } | Error::DeadlineNear { .. } => "Transient",
            Error::Internal { .. } => "Internal",
        }
    }

    /// Whether trying the same thing again later may succeed without anyone changing anything
    /// (`Transient`; and `Internal`, which the contract retries too).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Transient { .. } | Error::DeadlineNear { .. } | Error::Internal { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_the_contracts() {
        let cases = [
            (
                Error::invalid_configuration("X", "bad"),
                "InvalidConfiguration",
            ),
            (Error::invalid_event("what"), "InvalidEvent"),
            (
                Error::Transient {
                    side: Side::Source,
                    operation: "GetObject",
                    target: "s3://b/k".into(),
                    detail: "503".into(),
                    source: None,
                },
                "Transient",
            ),
            (
                Error::Internal {
                    what: "encoding thumb.jpg".into(),
                    detail: "too wide".into(),
                },
                "Internal",
            ),
            (
                Error::DeadlineNear {
                    record: "ObjectCreated:Put s3://b/k".into(),
                    remaining_ms: 3000,
                    margin_ms: 5000,
                },
                "Transient",
            ),
        ];
        for (err, ty) in cases {
            assert_eq!(err.error_type(), ty);
            assert_eq!(err.is_retryable(), ty == "Transient" || ty == "Internal");
        }
    }

    #[test]
    fn kms_hints_name_the_right_policies() {
        let err = |side| Error::KmsDenied {
            side,
            operation: "PutObject",
            bucket: "b".into(),
            key: "k".into(),
            detail: "AccessDenied".into(),
            source: None,
        };
        assert!(err(Side::Source).to_string().contains("kms:Decrypt"));
        assert!(
            err(Side::Destination)
                .to_string()
                .contains("kms:GenerateDataKey")
        );
        assert!(
            err(Side::Destination)
                .to_string()
                .contains("DESTINATION_KMS_KEY_ARN")
        );
    }
}
