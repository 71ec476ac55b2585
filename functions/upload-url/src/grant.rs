//! The grant: a presigned PutObject of a server-chosen key, every condition of the ask signed.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_smithy_types::date_time::{DateTime, Format};
use cross_account_s3::SourceS3;
use serde_json::Value;

use crate::ask::{Ask, Refused, key};
use crate::settings::UploadSettings;

/// An upload grant, as the response carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The presigned URL (a secret until it expires: never logged).
    pub url: String,
    /// The headers the client must send, exactly.
    pub headers: BTreeMap<String, String>,
    /// The object's key.
    pub key: String,
    /// When the URL stops working.
    pub expires_at: SystemTime,
}

impl Grant {
    /// The response body: `{"method", "url", "headers", "key", "expires_at"}`.
    pub fn body(&self) -> Value {
        serde_json::json!({
            "method": "PUT",
            "url": self.url,
            "headers": self.headers,
            "key": self.key,
            "expires_at": rfc3339(self.expires_at),
        })
    }
}

/// RFC 3339, UTC, whole seconds (`2026-12-02T08:30:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    DateTime::from(t).fmt(Format::DateTime).unwrap_or_default()
}

/// Signs grants as the function's own role.
#[derive(Debug, Clone)]
pub struct Signer {
    client: Client,
    credentials: SharedCredentialsProvider,
    settings: UploadSettings,
}

impl Signer {
    /// A signer on the SDK configuration's credentials (the uploader role's, in Lambda).
    pub fn new(sdk: &aws_config::SdkConfig, settings: UploadSettings) -> Result<Self, String> {
        let credentials = sdk
            .credentials_provider()
            .ok_or("the SDK configuration has no credentials provider")?;
        // The source side's own client: path-style against a local endpoint, and
        // ExpectedBucketOwner (so signed) when SOURCE_ACCOUNT_ID is set.
        let client = SourceS3::new(sdk, &settings.source).client().clone();
        Ok(Self {
            client,
            credentials,
            settings,
        })
    }

    /// The settings it signs with.
    pub fn settings(&self) -> &UploadSettings {
        &self.settings
    }

    /// Presigns the PutObject of `ask` at `now` with a fresh random key.
    pub async fn grant(&self, ask: &Ask, now: SystemTime) -> Result<Grant, Refused> {
        // One set of credentials, read once: the expiry capped by and the signature made with
        // the same ones, even if the cache refreshes in between.
        let credentials = self.credentials.provide_credentials().await.map_err(|e| {
            tracing::error!(error = %e, "no credentials to sign with");
            Refused::internal(
                "this function has no credentials to sign with; try again, and see its log",
            )
        })?;
        // Whole seconds: X-Amz-Date has no fraction, and expires_at must not pass the URL's end.
        let now = UNIX_EPOCH
            + Duration::from_secs(now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs());
        let expires_in = expires_in(self.settings.expires, now, credentials.expiry())?;
        let key = key(
            &self.settings.prefix,
            &rfc3339(now)[..10],
            &uuid::Uuid::new_v4(),
            &ask.content_type,
        );
        let mut put = self
            .client
            .put_object()
            .bucket(&self.settings.bucket)
            .key(&key)
            .content_type(ask.content_type.media_type)
            .content_length(i64::try_from(ask.content_length).unwrap_or(i64::MAX))
            .if_none_match("*")
            .metadata("uploaded-by", &ask.uploaded_by);
        if let Some(name) = &ask.original_name {
            put = put.metadata("original-name", name);
        }
        // x-amz-expected-bucket-owner (with SOURCE_ACCOUNT_ID) is the source client's own
        // interceptor's, added before signing like on every request of that client.
        if let Some(sum) = &ask.checksum_sha256 {
            put = put.checksum_sha256(sum);
        }
        let presigning = PresigningConfig::builder()
            .start_time(now)
            .expires_in(expires_in)
            .build()
            .map_err(|e| Refused::internal(format!("cannot presign for {expires_in:?}: {e}")))?;
        let presigned = put
            .customize()
            .config_override(
                aws_sdk_s3::config::Builder::default().credentials_provider(Credentials::clone(&credentials)),
            )
            .presigned(presigning)
            .await
            .map_err(|e| {
                tracing::error!(error = %aws_smithy_types::error::display::DisplayErrorContext(&e), "presigning failed");
                Refused::internal("presigning the upload failed; see this function's log")
            })?;
        // Only what is signed: the SDK also lists headers it adds unsigned, such as
        // `x-amzn-trace-id` inside Lambda, which a client must not be told to send.
        let signed = signed_headers(presigned.uri())
            .ok_or_else(|| Refused::internal("the presigned URL has no X-Amz-SignedHeaders"))?;
        let headers = presigned
            .headers()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .filter(|(name, _)| signed.contains(name))
            .collect();
        Ok(Grant {
            url: presigned.uri().to_owned(),
            headers,
            key,
            expires_at: now + expires_in,
        })
    }
}

/// The header names of a presigned URL's `X-Amz-SignedHeaders`, lowercase.
fn signed_headers(uri: &str) -> Option<Vec<String>> {
    let query = uri.split_once('?')?.1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-SignedHeaders="))?;
    let value = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?;
    Some(value.split(';').map(str::to_ascii_lowercase).collect())
}

/// `UPLOAD_EXPIRES_SECONDS`, or less when the credentials expire sooner (a URL signed with them
/// stops working when they do); an error when they have expired.
pub fn expires_in(
    configured: Duration,
    now: SystemTime,
    credentials_expiry: Option<SystemTime>,
) -> Result<Duration, Refused> {
    let Some(expiry) = credentials_expiry else {
        return Ok(configured);
    };
    let left = Duration::from_secs(expiry.duration_since(now).unwrap_or_default().as_secs());
    if left.is_zero() {
        return Err(Refused::internal(
            "this function's credentials have expired; try again in a moment",
        ));
    }
    Ok(configured.min(left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_is_capped_by_the_credentials() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let five_min = Duration::from_secs(300);
        assert_eq!(expires_in(five_min, now, None).ok(), Some(five_min));
        assert_eq!(
            expires_in(five_min, now, Some(now + Duration::from_secs(3600))).ok(),
            Some(five_min)
        );
        assert_eq!(
            expires_in(five_min, now, Some(now + Duration::from_millis(90_900))).ok(),
            Some(Duration::from_secs(90)),
            "whole seconds, never past the credentials"
        );
        assert_eq!(
            expires_in(five_min, now, Some(now)).map_err(|r| r.status),
            Err(500)
        );
    }

    #[test]
    fn expires_at_is_rfc3339_utc() {
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_796_200_200)),
            "2026-12-02T08:30:00Z"
        );
    }
}
