//! Every record handled, by `transform` or by `backfill`, gets the same two lines: a summary
//! log line (numbers as JSON numbers) and a CloudWatch EMF metrics line.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cross_account_s3::Error;
use serde_json::Value;

use crate::event::Item;
use crate::metrics::emf;
use crate::record::{Outcome, Pipeline};
use crate::response::Disposition;

/// Handles one item through the pipeline, then writes its summary log line and its metrics
/// line (or its error line), and notes its time for the deadline margin.
pub async fn handle_reported(
    pipeline: &Pipeline,
    request_id: &str,
    item: &Item,
    force: bool,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let outcome = pipeline.handle(item, force).await;
    pipeline.record_took(started.elapsed());
    match &outcome {
        Ok(o) => {
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
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            emit(&emf(&pipeline.config().metrics_namespace, r, m, now));
        }
        Err(e) => {
            let route = pipeline.config().settings.only_route().id.as_str();
            tracing::error!(request_id, record = describe(item), route, error_type = e.error_type(), error = %e, "record failed");
        }
    }
    outcome
}

/// Writes an EMF document as one raw line on stdout.
#[allow(clippy::print_stdout)]
fn emit(doc: &Value) {
    println!("{doc}");
}

/// A record as log lines and failure messages name it.
pub fn describe(item: &Item) -> String {
    match item {
        Item::Record(r) => format!("{} s3://{}/{}", r.event_name, r.bucket, r.key.primary()),
        Item::Test => "s3:TestEvent".into(),
        Item::Ignored { bucket, key, .. } => format!("s3://{bucket}/{key}"),
    }
}
