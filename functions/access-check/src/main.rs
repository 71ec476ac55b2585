//! The `access-check` Lambda function: wiring only.

use access_check::Checker;
use cross_account_s3::init::{fail_init, init_logging};
use cross_account_s3::{Settings, load_sdk_config};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging(|name| std::env::var(name).ok());
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    let settings = Settings::from_lookup(|name| std::env::var(name).ok()).and_then(|settings| {
        let bucket = settings.source.required_bucket("access-check")?;
        Ok((settings, bucket))
    });
    let (settings, source_bucket) = match settings {
        Ok(settings) => settings,
        Err(e) => fail_init(runtime_api.as_deref(), &e).await,
    };
    let sdk = load_sdk_config(settings.endpoint_url.as_deref()).await;
    let checker = Checker::new(&sdk, settings, source_bucket).await;
    let checker = &checker;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, std::convert::Infallible>(checker.run(&event.payload).await)
    }))
    .await
}
