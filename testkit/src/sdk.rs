//! SDK configurations and clients: as a function or an account's admin has them against the
//! local AWS, and offline ones (a replay or fake HTTP client, a fixed clock) for request-level
//! tests.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_s3::config::Region;

use crate::local_aws::Keys;

/// An `SdkConfig` for `endpoint` as Lambda would build it, with explicit region and credentials
/// (so nothing probes instance metadata).
pub async fn sdk_config(
    endpoint: &str,
    region: &str,
    keys: &Keys,
    provider_name: &'static str,
) -> SdkConfig {
    let credentials = Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        provider_name,
    );
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// The fixed clock of offline tests: 2026-01-01T00:00:00Z, an hour before the canned assumed-role
/// credentials of the request-level tests expire.
pub const OFFLINE_NOW_SECS: u64 = 1_767_225_600;

/// An `SdkConfig` for request-level tests: a function running as the execution role (key
/// `access_key_id`) in us-east-1, every request going to `http_client` (a replay or a fake),
/// the clock fixed at [`OFFLINE_NOW_SECS`], and no retries (one canned answer per request).
pub async fn offline_sdk_config(
    http_client: impl aws_smithy_runtime_api::client::http::HttpClient + 'static,
    access_key_id: &str,
) -> SdkConfig {
    use std::time::{Duration, UNIX_EPOCH};
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key_id,
            "execution-role-secret",
            Some("execution-role-token".into()),
            None,
            "offline-test",
        ))
        .http_client(http_client)
        .time_source(aws_smithy_async::time::StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(OFFLINE_NOW_SECS),
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

/// A path-style S3 client (the local AWS needs path style).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

/// Turns versioning on in `bucket`, as its account's admin `s3`.
pub async fn enable_versioning(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning on");
}
