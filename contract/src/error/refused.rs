//! The refusals of a policy: an S3 call refused to one side's role, AssumeRole refused, a KMS
//! key refused. Each message names the call and what to check; the SDK error is the source.

use std::fmt;

use super::{AwsAnswer, BoxError, SharedSource, Side};

/// The cause of an error context: private, set once, returned by `source()` only.
macro_rules! caused_by {
    ($context:ident) => {
        impl $context {
            /// The error behind it (the SDK's), returned by `source()` and never displayed.
            pub fn with_source(mut self, source: BoxError) -> Self {
                self.source = Some(SharedSource::from(source));
                self
            }
        }

        impl std::error::Error for $context {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.source.as_deref().map(|e| e as _)
            }
        }
    };
}
pub(super) use caused_by;

/// The S3 call that went wrong: which side's client, which operation, which object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Call {
    side: Side,
    operation: &'static str,
    bucket: String,
    key: String,
}

impl S3Call {
    /// `operation` on `bucket`/`key` (an empty key for bucket-level calls) by `side`'s client.
    pub fn new(
        side: Side,
        operation: &'static str,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            side,
            operation,
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// Which side's client made it.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The S3 operation (`GetObject`, `PutObject`, ...).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key (empty for bucket-level calls).
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for S3Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of s3://{}/{}", self.operation, self.bucket, self.key)
    }
}

/// An S3 call refused to one side's role: the source read as the execution role, or the
/// destination written as the writer role.
#[derive(Debug, Clone)]
pub struct S3Refused {
    call: S3Call,
    role_arn: Option<String>,
    expected_owner: Option<String>,
    answer: AwsAnswer,
    source: Option<SharedSource>,
}

impl S3Refused {
    /// `call` refused, with AWS's `answer`.
    pub fn new(call: S3Call, answer: AwsAnswer) -> Self {
        Self {
            call,
            role_arn: None,
            expected_owner: None,
            answer,
            source: None,
        }
    }

    /// The role that made the call (the writer role, on the destination side).
    pub fn with_role(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }

    /// The account sent as ExpectedBucketOwner.
    pub fn with_expected_owner(mut self, account: impl Into<String>) -> Self {
        self.expected_owner = Some(account.into());
        self
    }

    /// The call: side, operation, bucket, key.
    pub fn call(&self) -> &S3Call {
        &self.call
    }

    /// The role that made the call, when it is not the function's own.
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }

    /// The account sent as ExpectedBucketOwner, when one was.
    pub fn expected_owner(&self) -> Option<&str> {
        self.expected_owner.as_deref()
    }

    /// What AWS answered.
    pub fn aws(&self) -> &AwsAnswer {
        &self.answer
    }
}

impl S3Refused {
    /// The policies to check: the one owner of this hint (the message and access-check's
    /// `hint` both use it).
    pub fn policy_hint(&self) -> String {
        match self.call.side() {
            Side::Source => "Check the execution role's policy (s3:GetObject and \
                             s3:GetObjectVersion on the source objects under SOURCE_PREFIX, \
                             s3:ListBucket on the bucket), the source bucket's policy, and, when \
                             SOURCE_ACCOUNT_ID is set, that the bucket belongs to that account"
                .to_owned(),
            Side::Destination => format!(
                "S3 gives the same answer to two causes: either the writer role lacks the \
                 permission (s3:PutObject, s3:GetObject and s3:DeleteObject on \
                 arn:aws:s3:::{bucket}/<DESTINATION_PREFIX>*, s3:ListBucket on the bucket; check \
                 its permissions policy and the bucket policy), or the bucket is owned by another \
                 account than {owner} (DESTINATION_ACCOUNT_ID, sent as ExpectedBucketOwner)",
                bucket = self.call.bucket(),
                owner = self.expected_owner.as_deref().unwrap_or("(unknown)"),
            ),
        }
    }
}

impl fmt::Display for S3Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (call, answer, hint) = (&self.call, &self.answer, self.policy_hint());
        match self.call.side() {
            Side::Source => write!(
                f,
                "{call} was refused to the pipeline execution role: {answer}. {hint}"
            ),
            Side::Destination => write!(
                f,
                "{call} was refused to the writer role {role}: {answer}. {hint}",
                role = self.role_arn.as_deref().unwrap_or("(unknown)"),
            ),
        }
    }
}

caused_by!(S3Refused);

/// STS refused to let the execution role assume the writer role.
#[derive(Debug, Clone)]
pub struct AssumeRoleRefused {
    role_arn: String,
    destination_account: String,
    answer: AwsAnswer,
    /// The route of `ROUTES` whose role it is (none for `DESTINATION_*`).
    route: Option<String>,
    source: Option<SharedSource>,
}

impl AssumeRoleRefused {
    /// AssumeRole of `role_arn` (of `destination_account`) refused with `answer`.
    pub fn new(
        role_arn: impl Into<String>,
        destination_account: impl Into<String>,
        answer: AwsAnswer,
    ) -> Self {
        Self {
            role_arn: role_arn.into(),
            destination_account: destination_account.into(),
            answer,
            route: None,
            source: None,
        }
    }

    /// The role of route `id` of `ROUTES`: the hint then names the route's `external_id` and
    /// the template's `RouteRoleArns`.
    pub fn on_route(mut self, id: impl Into<String>) -> Self {
        self.route = Some(id.into());
        self
    }

    /// The writer role.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    /// The writer role's account.
    pub fn destination_account(&self) -> &str {
        &self.destination_account
    }

    /// What STS answered.
    pub fn aws(&self) -> &AwsAnswer {
        &self.answer
    }
}

impl AssumeRoleRefused {
    /// The policies to check: the one owner of this hint.
    pub fn policy_hint(&self) -> String {
        if let Some(route) = &self.route {
            return format!(
                "Check, in the destination account {account}, the writer role's trust policy: it \
                 must trust the pipeline execution role's ARN with the condition sts:ExternalId \
                 equal to route {route}'s external_id in ROUTES; and, in the source account, that \
                 the execution role's policy allows sts:AssumeRole on {role}: the template's \
                 RouteRoleArns parameter must list it",
                role = self.role_arn,
                account = self.destination_account,
            );
        }
        format!(
            "Check, in the destination account {account}, the writer role's trust policy: it \
             must trust the pipeline execution role's ARN with the condition sts:ExternalId equal \
             to DESTINATION_EXTERNAL_ID; and, in the source account, that the execution role's \
             policy allows sts:AssumeRole on exactly {role}",
            role = self.role_arn,
            account = self.destination_account,
        )
    }
}

impl fmt::Display for AssumeRoleRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AssumeRole of {} was refused: {}. {}",
            self.role_arn,
            self.answer,
            self.policy_hint()
        )
    }
}

caused_by!(AssumeRoleRefused);

/// KMS refused to decrypt a source object or to encrypt an output.
#[derive(Debug, Clone)]
pub struct KmsRefused {
    call: S3Call,
    answer: AwsAnswer,
    source: Option<SharedSource>,
}

impl KmsRefused {
    /// `call` failed on its side's KMS key with `answer`.
    pub fn new(call: S3Call, answer: AwsAnswer) -> Self {
        Self {
            call,
            answer,
            source: None,
        }
    }

    /// The call: side (whose key), operation, bucket, key.
    pub fn call(&self) -> &S3Call {
        &self.call
    }

    /// What S3 or KMS answered.
    pub fn aws(&self) -> &AwsAnswer {
        &self.answer
    }
}

impl KmsRefused {
    /// The policies to check: the one owner of this hint.
    pub fn policy_hint(&self) -> &'static str {
        match self.call.side() {
            Side::Source => {
                "Check that the pipeline execution role's policy allows kms:Decrypt on the source \
                 bucket's key (the template's SourceKmsKeyArn) and that the key's policy allows \
                 the role"
            }
            Side::Destination => {
                "Check the key policy of DESTINATION_KMS_KEY_ARN in the destination account (it \
                 must allow the writer role) and that the writer role's policy allows \
                 kms:GenerateDataKey and kms:Encrypt on that key"
            }
        }
    }
}

impl fmt::Display for KmsRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed on its KMS key: {}. {}",
            self.call,
            self.answer,
            self.policy_hint()
        )
    }
}

caused_by!(KmsRefused);
