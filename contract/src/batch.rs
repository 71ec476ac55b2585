//! S3 Batch Operations `LambdaInvoke` events, schema `1.0` and `2.0`, and their response.
//!
//! `aws_lambda_events`' batch-job types model schema 1.0 (`s3BucketArn`, no `userArguments`);
//! with its `catch-all-fields` feature the fields of 2.0 (`job.userArguments`, `tasks[].s3Bucket`)
//! arrive in the types' `other` maps, so both schemas parse into the same types and the response
//! is its `S3BatchJobResponse`.
//!
//! Each task is a create record: pinned to `s3VersionId` when given, no ETag, no sequencer.
//! `s3Key` is URL-encoded: `%XX` decode as UTF-8, and when the key holds `+` the key with `+`
//! read as a space is the second candidate (tried when no object exists under the first).

use aws_lambda_events::event::s3::batch_job::{
    S3BatchJobEvent, S3BatchJobResponse, S3BatchJobResult, S3BatchJobTask,
};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::Error;
use crate::event::{EventKey, Item, Kind, Record, checked};
use crate::response::{Disposition, RecordResult};

/// The longest `resultString` Batch Operations keeps, in bytes.
pub const MAX_RESULT_STRING_BYTES: usize = 1024;

/// A Batch Operations invocation, parsed.
#[derive(Debug)]
pub struct BatchInvocation {
    /// `invocationSchemaVersion`, echoed.
    pub schema: Option<String>,
    /// `invocationId`, echoed.
    pub invocation_id: Option<String>,
    /// The `force` user argument.
    pub force: bool,
    /// Why every task fails (an unknown user argument or value), when one does.
    pub refusal: Option<Error>,
    /// The tasks, in order, each with its record or why it has none.
    pub tasks: Vec<BatchTask>,
}

/// One task.
#[derive(Debug)]
pub struct BatchTask {
    /// `taskId`, echoed.
    pub task_id: Option<String>,
    /// The create record, or why the task names no object.
    pub item: Result<Item, Error>,
}

/// Whether a payload is a Batch Operations invocation.
pub fn is_batch(payload: &Value) -> bool {
    payload.get("invocationSchemaVersion").is_some() && payload.get("tasks").is_some()
}

/// Parses a Batch Operations invocation.
pub fn parse(payload: &Value) -> Result<BatchInvocation, Error> {
    let event: S3BatchJobEvent = serde_json::from_value(payload.clone()).map_err(|e| {
        Error::invalid_event(format!(
            "an S3 Batch Operations event that does not parse: {e}"
        ))
    })?;
    let schema = event.invocation_schema_version.clone();
    if !matches!(schema.as_deref(), Some("1.0" | "2.0")) {
        return Err(Error::invalid_event(format!(
            "an S3 Batch Operations event of invocationSchemaVersion {schema:?}; expected \"1.0\" or \"2.0\""
        )));
    }
    let (force, refusal) = match user_arguments(&event) {
        Ok(force) => (force, None),
        Err(e) => (false, Some(e)),
    };
    let tasks = event
        .tasks
        .iter()
        .map(|t| BatchTask {
            task_id: t.task_id.clone(),
            item: task_record(t),
        })
        .collect();
    Ok(BatchInvocation {
        schema,
        invocation_id: event.invocation_id,
        force,
        refusal,
        tasks,
    })
}

/// `force` (`"true"` or `"false"`, the default); any other argument or value is refused.
fn user_arguments(event: &S3BatchJobEvent) -> Result<bool, Error> {
    let Some(arguments) = event.job.other.get("userArguments") else {
        return Ok(false);
    };
    let Some(arguments) = arguments.as_object() else {
        return Err(Error::invalid_event(
            "job.userArguments is not an object of names to strings",
        ));
    };
    let mut force = false;
    for (name, value) in arguments {
        match (name.as_str(), value.as_str()) {
            ("force", Some("true")) => force = true,
            ("force", Some("false")) => force = false,
            ("force", _) => {
                return Err(Error::invalid_event(format!(
                    "the user argument force is {value}; expected \"true\" or \"false\""
                )));
            }
            (other, _) => {
                let shown: String = other.chars().take(64).collect();
                return Err(Error::invalid_event(format!(
                    "the user argument {shown:?} is not known; the only one is force (\"true\" or \"false\")"
                )));
            }
        }
    }
    Ok(force)
}

fn task_record(t: &S3BatchJobTask) -> Result<Item, Error> {
    let task = t.task_id.as_deref().unwrap_or("?");
    let bucket = match (
        &t.s3_bucket_arn,
        t.other.get("s3Bucket").and_then(Value::as_str),
    ) {
        (_, Some(bucket)) => bucket.to_owned(),
        (Some(arn), None) => arn
            .strip_prefix("arn:aws:s3:::")
            .or_else(|| arn.rsplit(":::").next().filter(|b| *b != arn))
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::invalid_event(format!(
                    "task {task}: s3BucketArn {arn:?} is not an S3 bucket ARN"
                ))
            })?,
        (None, None) => {
            return Err(Error::invalid_event(format!(
                "task {task} names no bucket (s3BucketArn in schema 1.0, s3Bucket in 2.0)"
            )));
        }
    };
    let raw = t
        .s3_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Error::invalid_event(format!("task {task} for bucket {bucket} has no s3Key"))
        })?;
    let given = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| {
            Error::invalid_event(format!(
                "task {task}: the s3Key {raw:?} does not URL-decode to UTF-8"
            ))
        })?
        .into_owned();
    let decoded = given.contains('+').then(|| given.replace('+', " "));
    checked(Record {
        kind: Kind::Created,
        event_name: "BatchOperations".into(),
        bucket,
        key: EventKey::Candidates { given, decoded },
        version_id: t
            .s3_version_id
            .clone()
            .filter(|v| !v.is_empty() && v != "null"),
        etag: None,
        size: None,
        sequencer: None,
    })
}

/// What one task came to: a RESULT (with the detail of a rejection), or an error.
pub type TaskOutcome<'a> = Result<(&'a RecordResult, Option<&'a str>), &'a Error>;

/// The result of one task: every RESULT `Succeeded` (`status` or `status/reason`, then for a
/// rejection `: ` and what is wrong); `Transient` and `Internal` `TemporaryFailure`, every other
/// error `PermanentFailure` (`errorType: message`); at most 1,024 bytes.
pub fn task_result(task_id: Option<&str>, outcome: TaskOutcome<'_>) -> S3BatchJobResult {
    let (code, text) = match outcome {
        Ok((result, detail)) => {
            let mut text = result.disposition.label();
            if let (Disposition::Rejected(_), Some(detail)) = (result.disposition, detail) {
                text = format!("{text}: {detail}");
            }
            ("Succeeded", text)
        }
        Err(e) if e.is_retryable() => ("TemporaryFailure", format!("{}: {e}", e.error_type())),
        Err(e) => ("PermanentFailure", format!("{}: {e}", e.error_type())),
    };
    let mut result = S3BatchJobResult::default();
    result.task_id = task_id.map(str::to_owned);
    result.result_code = Some(code.to_owned());
    result.result_string = Some(truncated(text, MAX_RESULT_STRING_BYTES));
    result
}

/// What one task came to on one route (`None`: a route-less RESULT or an error before any
/// route).
pub type RoutedOutcome<'a> = (Option<&'a str>, TaskOutcome<'a>);

/// The result of one task of a deployment with `ROUTES` (the contract's "Several
/// destinations"): a lone route-less outcome as [`task_result`] says; otherwise each route's
/// part `id=status[/reason]` (a failed route: `id=<errorType>`) joined by `; `, then each
/// rejection detail and failure message once as `; <id>: <text>`. `Succeeded` when every route
/// succeeded, else `PermanentFailure` when any route's error is permanent, else
/// `TemporaryFailure`; at most 1,024 bytes, cut at a character boundary.
pub fn routed_task_result(
    task_id: Option<&str>,
    outcomes: &[RoutedOutcome<'_>],
) -> S3BatchJobResult {
    if let [(None, outcome)] = outcomes {
        return task_result(task_id, *outcome);
    }
    let mut parts = Vec::with_capacity(outcomes.len());
    let mut texts: Vec<(&str, String)> = Vec::new();
    let (mut failed, mut permanent) = (false, false);
    for (route, outcome) in outcomes {
        let id = route.unwrap_or("-");
        let (part, text) = match outcome {
            Ok((result, detail)) => (
                result.disposition.label(),
                match result.disposition {
                    Disposition::Rejected(_) => detail.map(str::to_owned),
                    _ => None,
                },
            ),
            Err(e) => {
                failed = true;
                permanent |= !e.is_retryable();
                (e.error_type().to_owned(), Some(e.to_string()))
            }
        };
        parts.push(match route {
            Some(id) => format!("{id}={part}"),
            None => part,
        });
        if let Some(text) = text
            && !texts.iter().any(|(_, t)| *t == text)
        {
            texts.push((id, text));
        }
    }
    let mut text = parts.join("; ");
    for (id, t) in texts {
        text.push_str(&format!("; {id}: {t}"));
    }
    let code = match (failed, permanent) {
        (false, _) => "Succeeded",
        (true, true) => "PermanentFailure",
        (true, false) => "TemporaryFailure",
    };
    let mut result = S3BatchJobResult::default();
    result.task_id = task_id.map(str::to_owned);
    result.result_code = Some(code.to_owned());
    result.result_string = Some(truncated(text, MAX_RESULT_STRING_BYTES));
    result
}

/// The response: the schema version and invocation id echoed, missing keys as permanent
/// failures, one result per task in order.
pub fn response(
    invocation: &BatchInvocation,
    results: Vec<S3BatchJobResult>,
) -> S3BatchJobResponse {
    let mut response = S3BatchJobResponse::default();
    response.invocation_schema_version = invocation.schema.clone();
    response.treat_missing_keys_as = Some("PermanentFailure".to_owned());
    response.invocation_id = invocation.invocation_id.clone();
    response.results = results;
    response
}

/// `text` cut to at most `max` bytes on a character boundary, `...` marking the cut.
fn truncated(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests;
