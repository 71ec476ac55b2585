//! The `transform` Lambda function: wiring only (the pipeline's cold start, the runtime loop).
//! Everything it does is the `pipeline` crate's.

use lambda_runtime::{LambdaEvent, service_fn};
use pipeline::handler::handle;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (pipeline, ()) = pipeline::cold_start(|name| std::env::var(name).ok(), |_, _| Ok(())).await;
    let pipeline = &pipeline;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handle(pipeline, event)
    }))
    .await
}
