//! An invocation: parse the event, handle every record, answer as the contract says.
//!
//! Direct invocations return `{"results": [...]}`, or fail with the first failure's
//! `errorType` and a message listing every failure, after every record was handled (Lambda's
//! retries and the failure destination take over). SQS batches return
//! `{"batchItemFailures": [...]}` naming only the messages that failed.

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{Value, json};

use crate::event::{Invocation, Item, parse_invocation};
use crate::metrics::emf;
use crate::pipeline::{Outcome, Pipeline};
use crate::response::{Response, Status};
use cross_account_s3::Error;

/// A failed invocation: the contract's `errorType` and a message naming every failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The first failure's `errorType`.
    pub error_type: &'static str,
    /// Every failure, one per line.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl From<Failure> for Diagnostic {
    fn from(f: Failure) -> Self {
        Diagnostic {
            error_type: f.error_type.to_owned(),
            error_message: f.message,
        }
    }
}

impl Failure {
    fn of(errors: &[(String, Error)]) -> Option<Self> {
        let (_, first) = errors.first()?;
        let message = if errors.len() == 1 {
            first.to_string()
        } else {
            let lines: Vec<String> = errors
                .iter()
                .map(|(what, e)| format!("{what}: {}: {e}", e.error_type()))
                .collect();
            format!("{} records failed:\n{}", errors.len(), lines.join("\n"))
        };
        Some(Failure {
            error_type: first.error_type(),
            message,
        })
    }
}

/// Handles one invocation.
pub async fn handle(pipeline: &Pipeline, event: LambdaEvent<Value>) -> Result<Value, Failure> {
    let request_id = event.context.request_id.clone();
    let invocation = parse_invocation(&event.payload).map_err(|e| {
        tracing::error!(request_id, error_type = e.error_type(), error = %e, "invalid event");
        Failure {
            error_type: e.error_type(),
            message: e.to_string(),
        }
    })?;
    match invocation {
        Invocation::Direct(items) => {
            let mut results = Vec::with_capacity(items.len());
            let mut errors = Vec::new();
            for item in &items {
                match handle_item(pipeline, &request_id, item).await {
                    Ok(outcome) => results.push(outcome.result),
                    Err(e) => errors.push((describe(item), e)),
                }
            }
            match Failure::of(&errors) {
                Some(failure) => Err(failure),
                None => Ok(json!(Response { results })),
            }
        }
        Invocation::Sqs(messages) => {
            let mut failures = Vec::new();
            for message in messages {
                let ok = match &message.items {
                    Err(e) => {
                        tracing::error!(request_id, message_id = message.message_id, error_type = e.error_type(), error = %e, "SQS message holds no known event");
                        false
                    }
                    Ok(items) => {
                        let mut ok = true;
                        for item in items {
                            ok &= handle_item(pipeline, &request_id, item).await.is_ok();
                        }
                        ok
                    }
                };
                if !ok {
                    failures.push(json!({"itemIdentifier": message.message_id}));
                }
            }
            Ok(json!({"batchItemFailures": failures}))
        }
    }
}

/// Handles one item and writes its summary log line and metrics line.
async fn handle_item(pipeline: &Pipeline, request_id: &str, item: &Item) -> Result<Outcome, Error> {
    let outcome = pipeline.handle(item).await;
    match &outcome {
        Ok(o) => {
            let r = &o.result;
            let (bucket, key, version) = (
                r.bucket.as_deref(),
                r.key.as_deref(),
                r.version_id.as_deref(),
            );
            let (status, reason) = (r.status.as_str(), r.reason.map(|r| r.as_str()));
            let m = &o.metrics;
            let (read_ms, transform_ms, write_ms) = (
                m.read.as_millis(),
                m.transform.as_millis(),
                m.write.as_millis(),
            );
            if r.status == Status::Rejected {
                tracing::warn!(
                    request_id,
                    bucket,
                    key,
                    version,
                    status,
                    reason,
                    detail = o.detail.as_deref(),
                    read_ms,
                    transform_ms,
                    write_ms,
                    "record rejected"
                );
            } else {
                tracing::info!(
                    request_id,
                    bucket,
                    key,
                    version,
                    status,
                    reason,
                    outputs = r.outputs.len(),
                    read_ms,
                    transform_ms,
                    write_ms,
                    "record handled"
                );
            }
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            emit(&emf(&pipeline.config().metrics_namespace, r, m, now));
        }
        Err(e) => {
            tracing::error!(request_id, record = describe(item), error_type = e.error_type(), error = %e, "record failed");
        }
    }
    outcome
}

/// Writes an EMF document as one raw line on stdout.
#[allow(clippy::print_stdout)]
fn emit(doc: &Value) {
    println!("{doc}");
}

fn describe(item: &Item) -> String {
    match item {
        Item::Record(r) => format!("{} s3://{}/{}", r.event_name, r.bucket, r.key.primary()),
        Item::Test => "s3:TestEvent".into(),
        Item::Ignored { bucket, key, .. } => format!("s3://{bucket}/{key}"),
    }
}
