//! The destination side: a bucket of another account, written through the writer role.
//!
//! [`DestinationSettings`] holds exactly what one destination needs, the fields a route of the
//! contract's "Several destinations" section has (bucket, role, ExternalId, prefix, account,
//! region, KMS key, renditions); the AssumeRole session is shared by all of them
//! ([`AssumeRoleSession`](super::AssumeRoleSession)).

use crate::spec::{DEFAULT_RENDITIONS, Rendition, parse_renditions};

use crate::env::Env;
use crate::error::Error;
use crate::ids::{AccountId, BucketName, ExternalId, KmsKeyArn, Region, RoleArn};

use super::SourceSettings;

/// Where the pipeline writes, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSettings {
    /// `DESTINATION_BUCKET`.
    pub bucket: BucketName,
    /// `DESTINATION_ROLE_ARN`: the writer role, assumed with `sts:AssumeRole`.
    pub role_arn: RoleArn,
    /// `DESTINATION_EXTERNAL_ID`: required by the writer role's trust policy (never printed).
    pub external_id: ExternalId,
    /// `DESTINATION_PREFIX`: prepended verbatim to every output key.
    pub prefix: String,
    /// `DESTINATION_ACCOUNT_ID`, by default the account of the role ARN: the bucket's expected owner.
    pub account_id: AccountId,
    /// `DESTINATION_REGION`: the bucket's region, when it is not the function's.
    pub region: Option<Region>,
    /// `DESTINATION_KMS_KEY_ARN`: SSE-KMS key for outputs (SSE-S3 when unset).
    pub kms_key_arn: Option<KmsKeyArn>,
    /// `RENDITIONS`: what is written there.
    pub renditions: Vec<Rendition>,
}

impl DestinationSettings {
    /// Reads the `DESTINATION_*` settings and `RENDITIONS`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        let role_arn: RoleArn = env.required_typed(
            "DESTINATION_ROLE_ARN",
            "the writer role's ARN, arn:aws:iam::<12 digits>:role/<name>",
        )?;
        Ok(Self {
            bucket: env.required_typed("DESTINATION_BUCKET", "the destination bucket's name")?,
            external_id: env.required_typed(
                "DESTINATION_EXTERNAL_ID",
                "the ExternalId that the writer role's trust policy requires",
            )?,
            prefix: env.optional("DESTINATION_PREFIX").unwrap_or_default(),
            account_id: env
                .typed("DESTINATION_ACCOUNT_ID")?
                .unwrap_or_else(|| role_arn.account_id().clone()),
            region: env.typed("DESTINATION_REGION")?,
            kms_key_arn: env.typed("DESTINATION_KMS_KEY_ARN")?,
            renditions: Self::renditions_from_env(env)?,
            role_arn,
        })
    }

    /// `RENDITIONS`, or the contract's default when unset.
    pub fn renditions_from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Vec<Rendition>, Error> {
        env.parse("RENDITIONS", parse_renditions)?
            .map_or_else(|| parse_renditions(DEFAULT_RENDITIONS), Ok)
            .map_err(|problem| Error::invalid_configuration("RENDITIONS", problem))
    }

    /// The loop rule: writing into the bucket the pipeline reads is only safe when the two key
    /// ranges cannot overlap, or every output would trigger the pipeline again.
    pub fn check_loop(&self, source: &SourceSettings) -> Result<(), Error> {
        match self.loop_problem(source) {
            Some(problem) => Err(Error::invalid_configuration("DESTINATION_PREFIX", problem)),
            None => Ok(()),
        }
    }

    /// What breaks the loop rule, said of this destination's prefix; `None` when it holds.
    pub fn loop_problem(&self, source: &SourceSettings) -> Option<String> {
        if source.bucket.as_ref() != Some(&self.bucket) {
            return None;
        }
        if self.prefix.is_empty() {
            return Some(
                "must be set when the destination bucket is SOURCE_BUCKET, or outputs would trigger the pipeline again".into(),
            );
        }
        if self.prefix.starts_with(&source.prefix) || source.prefix.starts_with(&self.prefix) {
            return Some(format!(
                "{:?} and SOURCE_PREFIX {:?} overlap in the same bucket (one is a prefix of the other), so outputs would trigger the pipeline again",
                self.prefix, source.prefix
            ));
        }
        None
    }
}
