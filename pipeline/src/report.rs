//! Every record handled, by `transform` or by `backfill`, gets the same two lines: a summary
//! log line (numbers as JSON numbers) and a CloudWatch EMF metrics line.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::event::{Item, Record};
use crate::metrics::emf;
use crate::record::{Gate, Outcome, Pipeline, Routed};
use crate::response::Disposition;

/// Handles one item through the pipeline, then writes for each of its RESULTs (one per route
/// it takes) a summary log line and a metrics line, or an error line, and notes its time for
/// the deadline margin. `gate` is asked before each route but the first.
pub async fn handle_reported(
    pipeline: &Pipeline,
    request_id: &str,
    item: &Item,
    force: bool,
    gate: &mut (dyn Gate + Send),
) -> Vec<Routed> {
    let started = Instant::now();
    let routed = pipeline.handle(item, force, gate).await;
    pipeline.record_took(started.elapsed());
    let by_route = pipeline.config().settings.routes.from_routes();
    for one in &routed {
        match &one.outcome {
            Ok(o) => {
                log_outcome(request_id, o);
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                let namespace = &pipeline.config().metrics_namespace;
                emit(&emf(namespace, &o.result, &o.metrics, now, by_route));
            }
            Err(e) => {
                let route = one.route.as_ref().map(|id| id.as_str());
                tracing::error!(request_id, record = describe(item), route, error_type = e.error_type(), error = %e, "record failed");
            }
        }
    }
    routed
}

/// The summary line of one RESULT.
fn log_outcome(request_id: &str, o: &Outcome) {
    let r = &o.result;
    let (bucket, key, version) = (
        r.bucket.as_deref(),
        r.key.as_deref(),
        r.version_id.as_deref(),
    );
    let (status, reason) = (r.disposition.status(), r.disposition.reason());
    let route = r.route.id();
    let m = &o.metrics;
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let (read_ms, transform_ms, write_ms) = (ms(m.read), ms(m.transform), ms(m.write));
    let outputs = r.outputs.len() as u64;
    let detail = o.detail.as_deref();
    if let Disposition::Rejected(_) = r.disposition {
        tracing::warn!(
            request_id,
            bucket,
            key,
            version,
            route,
            status,
            reason,
            detail,
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
            route,
            status,
            reason,
            detail,
            outputs,
            read_ms,
            transform_ms,
            write_ms,
            "record handled"
        );
    }
}

/// Writes an EMF document as one raw line on stdout.
#[allow(clippy::print_stdout)]
fn emit(doc: &Value) {
    println!("{doc}");
}

/// A record as log lines and failure messages name it.
pub fn describe(item: &Item) -> String {
    match item {
        Item::Record(r) => describe_record(r),
        Item::Test => "s3:TestEvent".into(),
        Item::Ignored { bucket, key, .. } => format!("s3://{bucket}/{key}"),
    }
}

/// A record as log lines and failure messages name it.
pub fn describe_record(r: &Record) -> String {
    format!("{} s3://{}/{}", r.event_name, r.bucket, r.key.primary())
}
