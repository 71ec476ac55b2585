//! The contract's report: steps with fixed ids and severities, each passed or failed with
//! a detail and a hint, and the report's `ok`.

use serde::Serialize;

/// The steps, in order: the first two once, the other four per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Who the function is (STS GetCallerIdentity).
    CallerIdentity,
    /// The execution role reads the source (ListObjectsV2 under `SOURCE_PREFIX`, or HeadObject).
    SourceRead,
    /// The execution role assumes the writer role.
    AssumeRole,
    /// The destination bucket belongs to `DESTINATION_ACCOUNT_ID`.
    DestinationOwner,
    /// The writer role puts and deletes a probe object under the prefix.
    DestinationWrite,
    /// The execution role cannot write the destination by itself.
    DirectWriteDenied,
}

impl Step {
    pub(crate) fn id(self) -> &'static str {
        match self {
            Step::CallerIdentity => "caller-identity",
            Step::SourceRead => "source-read",
            Step::AssumeRole => "assume-role",
            Step::DestinationOwner => "destination-owner",
            Step::DestinationWrite => "destination-write",
            Step::DirectWriteDenied => "direct-write-denied",
        }
    }

    /// Fixed per step: only `direct-write-denied` is a warning.
    pub(crate) fn severity(self) -> Severity {
        if self == Step::DirectWriteDenied {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

/// How much a failed step matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The pipeline cannot work.
    Error,
    /// The pipeline works, but something is wider than it should be.
    Warning,
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// The step's fixed id.
    pub step: Step,
    /// The route it checks (`default` without `ROUTES`); null for `caller-identity` and
    /// `source-read`, which are the pipeline's, not a route's.
    pub route: Option<String>,
    /// Whether it passed.
    pub ok: bool,
    /// Fixed per step.
    pub severity: Severity,
    /// What happened.
    pub detail: String,
    /// Which policy to look at (null when the step passed).
    pub hint: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// False when any error-severity step failed.
    pub ok: bool,
    /// Every step, in order: the function's two, then each route's four.
    pub steps: Vec<StepReport>,
}

impl Report {
    /// The report of one step, by id.
    pub fn step(&self, step: Step) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.step == step)
    }
}
