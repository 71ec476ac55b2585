//! The `upload-url` Lambda function: wiring only.

use cross_account_s3::init::{fail_init, init_logging};
use cross_account_s3::{Error, load_sdk_config};
use lambda_http::{Request, service_fn};
use upload_url::{Signer, UploadSettings, handler};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    init_logging(|name| std::env::var(name).ok());
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    let settings = match UploadSettings::from_lookup(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(e) => fail_init(runtime_api.as_deref(), &e).await,
    };
    let sdk = load_sdk_config(settings.endpoint_url.as_deref()).await;
    let signer = match Signer::new(&sdk, settings) {
        Ok(signer) => signer,
        Err(problem) => {
            let e = Error::invalid_configuration("AWS_ACCESS_KEY_ID", problem);
            fail_init(runtime_api.as_deref(), &e).await
        }
    };
    let signer = &signer;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handler::handle(signer, request).await)
    }))
    .await
}
