//! The `backfill` Lambda function: wiring only.

use backfill::Backfill;
use cross_account_s3::init::{fail_init, init_logging};
use cross_account_s3::{Clients, Env, Failure, load_sdk_config};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use transform::config::Config;
use transform::pipeline::Pipeline;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    let lookup = |name: &str| std::env::var(name).ok();
    let settings = Config::from_lookup(lookup).and_then(|config| {
        let concurrency = Env::new(lookup).integer("BACKFILL_CONCURRENCY", 1..=64, 8)?;
        let bucket = config.settings.source.required_bucket("backfill")?;
        Ok((config, bucket, concurrency as usize))
    });
    let (config, bucket, concurrency) = match settings {
        Ok(settings) => settings,
        Err(e) => fail_init(runtime_api.as_deref(), &e).await,
    };
    let sdk = load_sdk_config(config.settings.endpoint_url.as_deref()).await;
    let clients = Clients::new(&sdk, &config.settings).await;
    let backfill = Backfill::new(Pipeline::new(clients, config), bucket, concurrency);
    let backfill = &backfill;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Without a usable deadline (a local emulator's), the 15 minutes Lambda allows at most.
        let deadline = transform::handler::deadline_of(&event.context)
            .unwrap_or_else(|| std::time::SystemTime::now() + std::time::Duration::from_secs(900));
        backfill
            .handle(&event.payload, deadline, &event.context.request_id)
            .await
            .map_err(Failure::from)
    }))
    .await
}
