//! What kind of invocation a payload is: a direct one (S3 notifications, EventBridge, the test
//! event), an SQS batch (each message its own unit of failure), or an S3 Batch Operations job's
//! tasks. It joins [`crate::event`] and [`crate::batch`], which know nothing of each other's
//! dispatch.

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

use crate::Error;
use crate::batch::{self, BatchInvocation};
use crate::event::{Item, parse_items};

/// One SQS message: its id and what its body holds (an `InvalidEvent` when nothing known).
#[derive(Debug)]
pub struct Message {
    /// The message id, reported in `batchItemFailures`.
    pub message_id: String,
    /// Its items, or why it holds none.
    pub items: Result<Vec<Item>, Error>,
}

/// A whole invocation's payload.
#[derive(Debug)]
pub enum Invocation {
    /// A direct (or asynchronous) invocation: one response with every RESULT.
    Direct(Vec<Item>),
    /// An SQS batch: failures are reported per message.
    Sqs(Vec<Message>),
    /// An S3 Batch Operations job's tasks: a result per task.
    Batch(Box<BatchInvocation>),
}

/// Parses an invocation's payload.
pub fn parse_invocation(payload: &Value) -> Result<Invocation, Error> {
    if batch::is_batch(payload) {
        return batch::parse(payload).map(|b| Invocation::Batch(Box::new(b)));
    }
    let is_sqs = payload
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("eventSource"))
        .and_then(Value::as_str)
        == Some("aws:sqs");
    if !is_sqs {
        return parse_items(payload).map(Invocation::Direct);
    }
    let batch: SqsEvent = serde_json::from_value(payload.clone())
        .map_err(|e| Error::invalid_event(format!("an SQS batch that does not parse: {e}")))?;
    let messages = batch
        .records
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let message_id = m.message_id.unwrap_or_else(|| format!("record-{i}"));
            let items = match m.body.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(body)) => parse_items(&body),
                Some(Err(e)) => Err(Error::invalid_event(format!(
                    "SQS message {message_id}: the body is not JSON: {e}"
                ))),
                None => Err(Error::invalid_event(format!(
                    "SQS message {message_id} has no body"
                ))),
            };
            Message { message_id, items }
        })
        .collect();
    Ok(Invocation::Sqs(messages))
}
