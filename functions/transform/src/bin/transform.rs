//! The `transform` Lambda function: wiring only (settings, clients, the runtime loop).

use cross_account_s3::init::{fail_init, init_logging};
use cross_account_s3::{Clients, load_sdk_config};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use transform::config::Config;
use transform::handler::handle;
use transform::pipeline::Pipeline;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    let config = match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => fail_init(runtime_api.as_deref(), &e).await,
    };
    let sdk = load_sdk_config(config.settings.endpoint_url.as_deref()).await;
    let clients = Clients::new(&sdk, &config.settings).await;
    let pipeline = Pipeline::new(clients, config);
    let pipeline = &pipeline;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handle(pipeline, event)
    }))
    .await
}
