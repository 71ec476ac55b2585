//! The role-aware S3 clients, built once per cold start.
//!
//! - [`SourceS3`] acts as the function's own execution role (the `SdkConfig`'s credentials).
//! - [`DestinationS3`] acts as the writer role of a destination account, through
//!   `sts:AssumeRole` with the ExternalId; one per route. The provider does not cache; the
//!   identity cache does, for the life of the warm container, refreshing ahead of expiry.
//!   Concurrent first uses wait for one AssumeRole call instead of making one each, and the
//!   routes of one role (one `role_arn` and `external_id`) share one provider and one cache:
//!   one AssumeRole per distinct role, however many routes use it. Nothing is fetched here.
//!
//! Both put `ExpectedBucketOwner` on every request when an owner is known (always, on the
//! destination side).

use std::time::Duration;

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{IdentityCache, Region};
use aws_sdk_s3::types::ServerSideEncryption;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::classify::{Refusal, SideContext, classify};
use crate::error::{Error, S3Call, Side};
use crate::owner::ExpectedBucketOwner;
use crate::settings::{
    AssumeRoleSession, DestinationSettings, RouteId, Routes, Settings, SourceSettings,
};
use contract::{AccountId, BucketName, KmsKeyArn, RoleArn};

/// How long before expiry the cached assumed-role credentials are refreshed. The SDK's default
/// (10 s) is tight for a PutObject of a large rendition signed just before expiry.
pub const CREDENTIALS_REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// Loads the SDK configuration as Lambda provides it (region and credentials from the
/// environment), with the endpoint override `endpoint_url` (the parsed `AWS_ENDPOINT_URL`,
/// [`Env::endpoint_url`](contract::Env::endpoint_url)). The one loader of every function.
pub async fn load_sdk_config(endpoint_url: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The clients of a pipeline function: the source, and one destination per route.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Reads the source bucket as the execution role.
    pub source: SourceS3,
    /// Each route's destination client, in route order; never empty.
    destinations: Vec<(RouteId, DestinationS3)>,
}

impl Clients {
    /// Builds every client from one `SdkConfig` (its region, credentials, HTTP client, time
    /// source and endpoint) and the settings. Call once per cold start: each call makes new
    /// credentials caches, hence new AssumeRoles.
    pub async fn new(sdk: &SdkConfig, settings: &Settings) -> Self {
        Self::with_routes(sdk, &settings.source, &settings.routes, &settings.session).await
    }

    /// [`Clients::new`] from the parts: the source, every route, the AssumeRole session.
    pub async fn with_routes(
        sdk: &SdkConfig,
        source: &SourceSettings,
        routes: &Routes,
        session: &AssumeRoleSession,
    ) -> Self {
        // One provider and identity cache per distinct role, shared by its routes' clients.
        let mut roles: Vec<(&DestinationSettings, DestinationBase)> = Vec::new();
        let mut destinations = Vec::with_capacity(routes.len());
        for route in routes {
            let dst = &route.destination;
            let same_role = |(other, _): &&(&DestinationSettings, DestinationBase)| {
                other.role_arn == dst.role_arn && other.external_id == dst.external_id
            };
            let base = match roles.iter().find(same_role) {
                Some((_, base)) => base.clone(),
                None => {
                    let base = DestinationBase::new(sdk, dst, session).await;
                    roles.push((dst, base.clone()));
                    base
                }
            };
            // Errors of a route of ROUTES name it (and ROUTES, not DESTINATION_*).
            let named = routes.from_routes().then(|| route.id.clone());
            destinations.push((route.id.clone(), DestinationS3::from_base(base, dst, named)));
        }
        Self {
            source: SourceS3::new(sdk, source),
            destinations,
        }
    }

    /// The first route's destination client: the only one without `ROUTES` (examples and
    /// tests).
    pub fn destination(&self) -> &DestinationS3 {
        &self.destinations[0].1
    }

    /// Each route's destination client, in route order.
    pub fn destinations(&self) -> impl Iterator<Item = (&RouteId, &DestinationS3)> {
        self.destinations.iter().map(|(id, d)| (id, d))
    }

    /// The destination client of route `id`.
    pub fn destination_of(&self, id: &str) -> Option<&DestinationS3> {
        self.destinations
            .iter()
            .find(|(route, _)| route.as_str() == id)
            .map(|(_, d)| d)
    }
}

/// What the routes of one role share: the AssumeRole provider and the S3 configuration holding
/// it with one identity cache (a clone of the builder keeps the same cache).
#[derive(Debug, Clone)]
struct DestinationBase {
    provider: SharedCredentialsProvider,
    config: aws_sdk_s3::config::Builder,
}

impl DestinationBase {
    /// The assume-role provider (STS in the function's region, through the `SdkConfig`'s
    /// endpoint and HTTP client) of `dst`'s role, and a configuration caching its credentials.
    async fn new(sdk: &SdkConfig, dst: &DestinationSettings, session: &AssumeRoleSession) -> Self {
        // No session tags, no SourceIdentity: the trust policy would need sts:TagSession or
        // sts:SetSourceIdentity. The session name identifies the function in CloudTrail.
        let provider = SharedCredentialsProvider::new(
            AssumeRoleProvider::builder(dst.role_arn.as_str())
                .external_id(dst.external_id.expose())
                .session_name(session.name.as_str())
                .session_length(session.duration)
                .configure(sdk)
                .build()
                .await,
        );
        let config = s3_config(sdk)
            .credentials_provider(provider.clone())
            .identity_cache(
                IdentityCache::lazy()
                    .buffer_time(CREDENTIALS_REFRESH_AHEAD)
                    .build(),
            );
        Self { provider, config }
    }
}

/// The S3 configuration every client starts from: the `SdkConfig`'s, path-style when it has an
/// endpoint override (a local endpoint such as moto cannot resolve virtual-hosted bucket names).
fn s3_config(sdk: &SdkConfig) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some())
}

/// An S3 client of the *execution role* aimed at the destination bucket (its region, its
/// expected owner): only for proving that this role cannot write there by itself
/// (access-check's `direct-write-denied` step).
pub fn execution_role_destination_client(sdk: &SdkConfig, dst: &DestinationSettings) -> Client {
    let mut config = s3_config(sdk).interceptor(ExpectedBucketOwner::new(&dst.account_id));
    if let Some(region) = &dst.region {
        config = config.region(Region::new(region.to_string()));
    }
    Client::from_conf(config.build())
}

/// The source bucket's client: the function's own execution role.
#[derive(Debug, Clone)]
pub struct SourceS3 {
    client: Client,
    ctx: SideContext,
}

impl SourceS3 {
    /// Builds the client; with `SOURCE_ACCOUNT_ID`, every request carries ExpectedBucketOwner.
    pub fn new(sdk: &SdkConfig, source: &SourceSettings) -> Self {
        let mut config = s3_config(sdk);
        if let Some(owner) = &source.account_id {
            config = config.interceptor(ExpectedBucketOwner::new(owner));
        }
        Self {
            client: Client::from_conf(config.build()),
            ctx: SideContext {
                bucket_variable: "SOURCE_BUCKET",
                region_variable: "AWS_REGION",
                role_arn: None,
                expected_owner: source.account_id.clone(),
                route: None,
            },
        }
    }

    /// The SDK client, for any read operation.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// What a failed call of this client means (`operation` names the S3 operation).
    pub fn refusal<E>(
        &self,
        err: SdkError<E, HttpResponse>,
        operation: &'static str,
        bucket: &str,
        key: &str,
    ) -> Refusal
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        classify(
            err,
            S3Call::new(Side::Source, operation, bucket, key),
            &self.ctx,
        )
    }
}

/// The destination bucket's client: the writer role of the other account.
#[derive(Debug, Clone)]
pub struct DestinationS3 {
    client: Client,
    without_owner_check: Client,
    provider: SharedCredentialsProvider,
    bucket: BucketName,
    prefix: String,
    kms_key_arn: Option<KmsKeyArn>,
    role_arn: RoleArn,
    expected_owner: AccountId,
    ctx: SideContext,
}

impl DestinationS3 {
    /// The client of one destination with a role of its own (its own AssumeRole provider and
    /// credentials cache), in `DESTINATION_REGION`.
    pub async fn new(
        sdk: &SdkConfig,
        dst: &DestinationSettings,
        session: &AssumeRoleSession,
    ) -> Self {
        Self::from_base(DestinationBase::new(sdk, dst, session).await, dst, None)
    }

    /// The client of `dst` on a role's shared provider and cache: its own region, bucket,
    /// prefix, KMS key and expected owner; `route` when it is a route of `ROUTES`.
    fn from_base(base: DestinationBase, dst: &DestinationSettings, route: Option<RouteId>) -> Self {
        let DestinationBase { provider, config } = base;
        let mut base = config;
        if let Some(region) = &dst.region {
            base = base.region(Region::new(region.to_string()));
        }
        let without_owner_check = Client::from_conf(base.clone().build());
        let client = Client::from_conf(
            base.interceptor(ExpectedBucketOwner::new(&dst.account_id))
                .build(),
        );
        Self {
            client,
            without_owner_check,
            provider,
            bucket: dst.bucket.clone(),
            prefix: dst.prefix.clone(),
            kms_key_arn: dst.kms_key_arn.clone(),
            role_arn: dst.role_arn.clone(),
            expected_owner: dst.account_id.clone(),
            ctx: SideContext {
                bucket_variable: if route.is_some() {
                    "ROUTES"
                } else {
                    "DESTINATION_BUCKET"
                },
                region_variable: if route.is_some() {
                    "ROUTES"
                } else {
                    "DESTINATION_REGION"
                },
                role_arn: Some(dst.role_arn.clone()),
                expected_owner: Some(dst.account_id.clone()),
                route,
            },
        }
    }

    /// Assumes the writer role now, outside the client's cache (access-check's `assume-role`
    /// step), and says until when the credentials are valid. The credentials themselves stay
    /// inside: nothing a caller could log.
    pub async fn assume_role(&self) -> Result<Option<std::time::SystemTime>, Error> {
        match self.provider.provide_credentials().await {
            Ok(credentials) => Ok(credentials.expiry()),
            Err(e) => Err(crate::classify::assume_role_failure(
                e,
                &self.role_arn,
                self.ctx.route.as_ref(),
            )),
        }
    }

    /// The same client *without* ExpectedBucketOwner. Only for access-check's
    /// `destination-owner` step: after a refusal with the owner check, one ListObjectsV2
    /// without it tells a bucket of another account from a missing permission. Every other
    /// request of the product goes through [`DestinationS3::client`].
    pub fn without_owner_check(&self) -> &Client {
        &self.without_owner_check
    }

    /// The SDK client (ExpectedBucketOwner on every request).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `DESTINATION_BUCKET`.
    pub fn bucket(&self) -> &str {
        self.bucket.as_str()
    }

    /// `DESTINATION_PREFIX`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The account the bucket must belong to (`DESTINATION_ACCOUNT_ID`).
    pub fn expected_owner(&self) -> &str {
        self.expected_owner.as_str()
    }

    /// `DESTINATION_PREFIX` + `relative`: where an output goes.
    pub fn output_key(&self, relative: &str) -> String {
        format!("{}{relative}", self.prefix)
    }

    /// A PutObject of `key` in the destination bucket, encrypted with the configured KMS key
    /// (SSE-KMS with an S3 Bucket Key) or else the bucket's default encryption.
    pub fn put_object(
        &self,
        key: &str,
    ) -> aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder {
        let put = self.client.put_object().bucket(&self.bucket).key(key);
        match &self.kms_key_arn {
            Some(arn) => put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(arn.as_str())
                .bucket_key_enabled(true),
            None => put,
        }
    }

    /// A HeadObject of `key` in the destination bucket.
    pub fn head_object(
        &self,
        key: &str,
    ) -> aws_sdk_s3::operation::head_object::builders::HeadObjectFluentBuilder {
        self.client.head_object().bucket(&self.bucket).key(key)
    }

    /// A DeleteObject of `key` in the destination bucket.
    pub fn delete_object(
        &self,
        key: &str,
    ) -> aws_sdk_s3::operation::delete_object::builders::DeleteObjectFluentBuilder {
        self.client.delete_object().bucket(&self.bucket).key(key)
    }

    /// What a failed call of this client means (`operation` names the S3 operation).
    pub fn refusal<E>(
        &self,
        err: SdkError<E, HttpResponse>,
        operation: &'static str,
        key: &str,
    ) -> Refusal
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let call = S3Call::new(Side::Destination, operation, self.bucket.as_str(), key);
        classify(err, call, &self.ctx)
    }
}
