//! An invocation: parse the event, handle the records the deadline leaves time for, answer as
//! the contract says.
//!
//! Direct invocations return `{"results": [...]}`, or fail with the first failure's
//! `errorType` and a message listing every failure, after every started record was handled
//! (Lambda's retries and the failure destination take over). SQS batches return
//! `{"batchItemFailures": [...]}` naming only the messages that failed or were not started.
//!
//! Deadline: the first record always starts; after it, a (record, route) pair starts only
//! while more than the margin is left ([`MIN_DEADLINE_MARGIN`], or the longest record seen in this container
//! when longer), so a batch ends in time with what it finished instead of timing out with
//! nothing answered.

use std::time::{Duration, SystemTime};

use aws_lambda_events::event::s3::batch_job::S3BatchJobResponse;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use cross_account_s3::{Error, Failure};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;

use crate::event::Item;
use crate::invocation::{Invocation, parse_invocation};
use crate::record::{Gate, Pipeline, Routed};
use crate::report::{describe, handle_reported};
use crate::response::DirectResponse;
use contract::batch;

/// What an invocation answers, typed per kind of event (serialised as the contract says).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// A direct invocation (S3 notification, EventBridge, the test event): `{"results": [...]}`.
    Direct(DirectResponse),
    /// An S3 Batch Operations invocation: one result per task.
    Batch(S3BatchJobResponse),
    /// An SQS batch: `{"batchItemFailures": [{"itemIdentifier": ...}]}`.
    Sqs(SqsBatchResponse),
}

/// The least time kept free before the deadline once a record has run.
pub const MIN_DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// The invocation's deadline, or `None` when the Runtime API's value cannot be one: earlier
/// than a day ago (`cargo lambda watch` sends the constant 600000, ten minutes after 1970,
/// where Lambda sends milliseconds since the epoch). Without one, every record starts and the
/// function's timeout is the only limit.
pub fn deadline_of(context: &lambda_runtime::Context) -> Option<SystemTime> {
    let deadline = context.deadline();
    let a_day_ago = SystemTime::now().checked_sub(Duration::from_secs(86_400))?;
    if deadline < a_day_ago {
        tracing::warn!(
            deadline_ms = context.deadline,
            "the Runtime API's deadline is not a time (Lambda sends milliseconds since the epoch): records are started without a deadline check"
        );
        return None;
    }
    Some(deadline)
}

/// Whether a (record, route) pair may start: the first one always; later ones while the
/// margin is left.
struct Clock<'a> {
    pipeline: &'a Pipeline,
    deadline: Option<SystemTime>,
    started_any: bool,
}

impl Gate for Clock<'_> {
    fn start(&mut self, what: &str) -> Result<(), Error> {
        let Some(deadline) = self.deadline else {
            return Ok(());
        };
        let margin = self.pipeline.margin(MIN_DEADLINE_MARGIN);
        let remaining = deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        if self.started_any && remaining < margin {
            let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            return Err(Error::deadline_near(what, ms(remaining), ms(margin)));
        }
        self.started_any = true;
        Ok(())
    }
}

impl Clock<'_> {
    /// Starts `item` (its first route; the pipeline asks for the others) and handles it, or
    /// answers it not started.
    async fn run(&mut self, request_id: &str, item: &Item, force: bool) -> Vec<Routed> {
        match self.start(&describe(item)) {
            Ok(()) => {
                let pipeline = self.pipeline;
                handle_reported(pipeline, request_id, item, force, self).await
            }
            Err(e) => {
                tracing::warn!(request_id, record = describe(item), error = %e, "record not started");
                vec![Routed {
                    route: None,
                    outcome: Err(e),
                }]
            }
        }
    }
}

/// Handles one invocation; `force` re-renders current renditions (Batch Operations).
pub async fn handle(pipeline: &Pipeline, event: LambdaEvent<Value>) -> Result<Answer, Failure> {
    let request_id = event.context.request_id.clone();
    let by_route = pipeline.config().settings.routes.from_routes();
    let mut clock = Clock {
        pipeline,
        deadline: deadline_of(&event.context),
        started_any: false,
    };
    let invocation = parse_invocation(&event.payload).map_err(|e| {
        tracing::error!(request_id, error_type = e.error_type(), error = %e, "invalid event");
        Failure::from(e)
    })?;
    match invocation {
        Invocation::Direct(items) => {
            let mut results = Vec::with_capacity(items.len());
            let mut errors = Vec::new();
            for item in &items {
                for one in clock.run(&request_id, item, false).await {
                    match one.outcome {
                        Ok(outcome) => results.push(outcome.result),
                        Err(e) => {
                            let what = match (&one.route, by_route) {
                                (Some(id), true) => format!("{} (route {id})", describe(item)),
                                _ => describe(item),
                            };
                            errors.push((what, e));
                        }
                    }
                }
            }
            let failure = if by_route {
                Failure::listed(&errors)
            } else {
                Failure::of(&errors)
            };
            match failure {
                Some(failure) => Err(failure),
                None => Ok(Answer::Direct(DirectResponse { results })),
            }
        }
        Invocation::Batch(batch) => {
            let mut results = Vec::with_capacity(batch.tasks.len());
            for task in &batch.tasks {
                let routed = match (&batch.refusal, &task.item) {
                    (Some(refusal), _) => vec![not_run(Error::invalid_event(refusal.to_string()))],
                    (None, Err(e)) => vec![not_run(Error::invalid_event(e.to_string()))],
                    (None, Ok(item)) => clock.run(&request_id, item, batch.force).await,
                };
                for one in &routed {
                    if let Err(e) = &one.outcome {
                        let route = one.route.as_ref().map(|id| id.as_str());
                        tracing::warn!(request_id, task_id = task.task_id.as_deref(), route, error_type = e.error_type(), error = %e, "task failed");
                    }
                }
                let outcomes: Vec<batch::RoutedOutcome<'_>> = routed
                    .iter()
                    .map(|one| {
                        let route = one
                            .route
                            .as_ref()
                            .map(|id| id.as_str())
                            .filter(|_| by_route);
                        let answer = match &one.outcome {
                            Ok(o) => Ok((&o.result, o.detail.as_deref())),
                            Err(e) => Err(e),
                        };
                        (route, answer)
                    })
                    .collect();
                results.push(batch::routed_task_result(
                    task.task_id.as_deref(),
                    &outcomes,
                ));
            }
            Ok(Answer::Batch(batch::response(&batch, results)))
        }
        Invocation::Sqs(messages) => {
            let mut answer = SqsBatchResponse::default();
            for message in messages {
                let ok = match &message.items {
                    Err(e) => {
                        tracing::error!(request_id, message_id = message.message_id, error_type = e.error_type(), error = %e, "SQS message holds no known event");
                        false
                    }
                    Ok(items) => {
                        let mut ok = true;
                        for item in items {
                            let routed = clock.run(&request_id, item, false).await;
                            let not_started = routed.iter().any(|one| {
                                matches!(&one.outcome, Err(Error::DeadlineNear(_)))
                                    && one.route.is_none()
                            });
                            ok &= routed.iter().all(|one| one.outcome.is_ok());
                            if not_started {
                                tracing::warn!(
                                    request_id,
                                    message_id = message.message_id,
                                    "message not started"
                                );
                                break;
                            }
                        }
                        ok
                    }
                };
                if !ok {
                    answer.add_failure(message.message_id);
                }
            }
            Ok(Answer::Sqs(answer))
        }
    }
}

/// A task that fails before it starts (a refused job, a task that names no object).
fn not_run(e: Error) -> Routed {
    Routed {
        route: None,
        outcome: Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_that_is_no_time_is_ignored() {
        let mut context = lambda_runtime::Context::default();
        context.deadline = 600_000; // what cargo lambda watch sends
        assert_eq!(deadline_of(&context), None);
        let soon = SystemTime::now() + Duration::from_secs(3);
        context.deadline = soon
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let deadline = deadline_of(&context).expect("a real deadline");
        assert!(
            deadline <= soon
                && soon.duration_since(deadline).unwrap_or_default() < Duration::from_millis(2)
        );
    }
}
