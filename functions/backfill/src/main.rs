//! The `backfill` Lambda function: wiring only (the pipeline's cold start with backfill's own
//! settings, the runtime loop).

use backfill::Backfill;
use cross_account_s3::Failure;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (pipeline, (bucket, concurrency)) = pipeline::cold_start(
        |name| std::env::var(name).ok(),
        |config, env| {
            let bucket = config.settings.source.required_bucket("backfill")?;
            let concurrency = env.integer("BACKFILL_CONCURRENCY", 1..=64, 8)?;
            Ok((bucket, concurrency as usize))
        },
    )
    .await;
    let backfill = Backfill::new(pipeline, bucket, concurrency);
    let backfill = &backfill;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Without a usable deadline (a local emulator's), the 15 minutes Lambda allows at most.
        let deadline = pipeline::handler::deadline_of(&event.context)
            .unwrap_or_else(|| std::time::SystemTime::now() + std::time::Duration::from_secs(900));
        backfill
            .handle(&event.payload, deadline, &event.context.request_id)
            .await
            .map_err(Failure::from)
    }))
    .await
}
