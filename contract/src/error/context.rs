//! The context each [`Error`](super::Error) variant carries that is not a policy's refusal
//! ([`refused`](super::refused)): a setting, a transient failure, a deadline, our own fault.
//! Fields are private and read through accessors (smithy-rs RFC0022); a cause is returned by
//! `source()` only, and `Display` never prints it.

use std::fmt;

use super::refused::caused_by;
use super::{AwsAnswer, BoxError, SharedSource, Side};

/// A setting that is missing or invalid (or a bucket that does not exist, or is in another
/// region): the variable or parameter to fix, and what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub(super) variable: String,
    pub(super) problem: String,
}

impl ConfigProblem {
    /// The environment variable (or template parameter) to fix.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// What is wrong and what a valid value looks like.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.variable, self.problem)
    }
}

/// Throttling, a server error or a timeout, after the SDK's own retries.
#[derive(Debug, Clone)]
pub struct TransientFailure {
    side: Side,
    operation: &'static str,
    target: String,
    answer: AwsAnswer,
    source: Option<SharedSource>,
}

impl TransientFailure {
    /// `operation` on `side` (`target`: bucket and key, or role ARN) failed with `answer`.
    pub fn new(
        side: Side,
        operation: &'static str,
        target: impl Into<String>,
        answer: AwsAnswer,
    ) -> Self {
        Self {
            side,
            operation,
            target: target.into(),
            answer,
            source: None,
        }
    }

    /// Which side.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The S3 or STS operation.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Bucket and key, or role ARN.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// What AWS answered, if anything.
    pub fn aws(&self) -> &AwsAnswer {
        &self.answer
    }
}

impl fmt::Display for TransientFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on the {} side ({}) failed after the SDK's retries: {}. This is usually \
             throttling, an AWS server error or a timeout; Lambda retries the event",
            self.operation, self.side, self.target, self.answer
        )
    }
}

caused_by!(TransientFailure);

/// A record not started because the invocation's deadline was near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineNear {
    pub(super) record: String,
    pub(super) remaining_ms: u64,
    pub(super) margin_ms: u64,
}

impl DeadlineNear {
    /// The record, as logs name it.
    pub fn record(&self) -> &str {
        &self.record
    }

    /// Time left when it was due to start.
    pub fn remaining_ms(&self) -> u64 {
        self.remaining_ms
    }

    /// The margin it needed.
    pub fn margin_ms(&self) -> u64 {
        self.margin_ms
    }
}

impl fmt::Display for DeadlineNear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was not started: {} ms of the invocation were left, less than the safety margin \
             of {} ms (the longest record seen in this container, at least 5 s). It is retried \
             with the event; if this repeats, raise the function's Timeout or lower the SQS \
             BatchSize",
            self.record, self.remaining_ms, self.margin_ms
        )
    }
}

/// A failure of the product's own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalFailure {
    pub(super) what: String,
    pub(super) detail: String,
}

impl InternalFailure {
    /// What failed, with the object it was working on.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// What it said.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for InternalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed: {}. This is a fault of the function's own code, not of the input or of a \
             policy; the event is retried and then goes to the failure destination (or the \
             dead-letter queue): keep it there and report the message",
            self.what, self.detail
        )
    }
}
