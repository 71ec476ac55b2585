//! The cold start of the functions that run the pipeline (transform, backfill), written once:
//! logging, the settings (a bad one is the Runtime API's init error, then exit 1), one
//! `SdkConfig`, the clients, the pipeline.

use contract::{Env, Error};
use cross_account_s3::init::{fail_init, init_logging};
use cross_account_s3::{Clients, load_sdk_config};

use crate::config::Config;
use crate::record::Pipeline;

/// Builds the pipeline from the environment that `lookup` reads (`main` passes
/// `|name| std::env::var(name).ok()`), with `own` parsing the function's own settings from the
/// same environment. Never returns on a bad setting: it reports it as the contract says and
/// exits.
pub async fn cold_start<L, T>(
    lookup: L,
    own: impl FnOnce(&Config, &Env<&L>) -> Result<T, Error>,
) -> (Pipeline, T)
where
    L: Fn(&str) -> Option<String>,
{
    init_logging(&lookup);
    let env = Env::new(&lookup);
    let parsed = Config::from_lookup(&lookup).and_then(|config| {
        let own = own(&config, &env)?;
        Ok((config, own))
    });
    let (config, own) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => fail_init(lookup("AWS_LAMBDA_RUNTIME_API").as_deref(), &e).await,
    };
    let sdk = load_sdk_config(config.settings.endpoint_url.as_deref()).await;
    let clients = Clients::new(&sdk, &config.settings).await;
    (Pipeline::new(clients, config), own)
}
