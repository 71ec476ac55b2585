//! The source side: the trigger's bucket, read as the function's own execution role.

use crate::env::Env;
use crate::error::Error;
use crate::ids::{AccountId, BucketName};

/// Where the pipeline reads. upload-url builds it alone; it knows nothing of the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    /// `SOURCE_BUCKET`: the trigger's bucket (required by backfill, access-check and
    /// upload-url: see [`SourceSettings::required_bucket`]).
    pub bucket: Option<BucketName>,
    /// `SOURCE_PREFIX`: the part of the bucket the pipeline reads (empty: all of it).
    pub prefix: String,
    /// `SOURCE_ACCOUNT_ID`: sent as ExpectedBucketOwner on source calls when set.
    pub account_id: Option<AccountId>,
}

impl SourceSettings {
    /// Reads `SOURCE_BUCKET`, `SOURCE_PREFIX` and `SOURCE_ACCOUNT_ID`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        Ok(Self {
            bucket: env.typed("SOURCE_BUCKET")?,
            prefix: env.optional("SOURCE_PREFIX").unwrap_or_default(),
            account_id: env.typed("SOURCE_ACCOUNT_ID")?,
        })
    }

    /// `SOURCE_BUCKET`, which `function` cannot do without: checked at cold start, so that no
    /// code downstream defaults a missing bucket.
    pub fn required_bucket(&self, function: &str) -> Result<BucketName, Error> {
        self.bucket.clone().ok_or_else(|| {
            Error::invalid_configuration(
                "SOURCE_BUCKET",
                format!("is required by {function}: set it to the trigger's bucket"),
            )
        })
    }
}
