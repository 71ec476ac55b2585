//! What `scripts/local-aws pipeline` (tools/local-aws, `provision.py`) provisions, as the tests see it.

use std::collections::HashMap;

use aws_config::SdkConfig;
use serde::Deserialize;

use crate::{Keys, sdk_config};

/// What to provision.
#[derive(Debug, Clone, Default)]
pub struct PipelineOptions {
    /// Part of the unique name, so a failing test's buckets are recognisable.
    pub tag: String,
    /// `SOURCE_PREFIX`.
    pub source_prefix: String,
    /// `DESTINATION_PREFIX`.
    pub destination_prefix: String,
    /// Actions left out of the writer role's policy (a broken setup).
    pub writer_drop: Vec<String>,
    /// Actions left out of the execution role's policy (a broken setup).
    pub execution_drop: Vec<String>,
    /// `UPLOAD_PREFIX`: also provisions upload-url's uploader role (`s3:PutObject` there only).
    pub upload_prefix: Option<String>,
    /// Two destinations in two accounts, the source stack's `Routes` (routes `dst` and `dst2`,
    /// each taking every key): [`Provisioned::destination2`] is the second.
    pub routes: bool,
}

impl PipelineOptions {
    /// Options with a tag and nothing else.
    pub fn tagged(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            ..Self::default()
        }
    }
}

/// The source side of a provisioned pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceSide {
    /// Source account id.
    pub account_id: String,
    /// Source bucket.
    pub bucket: String,
    /// `SOURCE_PREFIX`.
    pub prefix: String,
}

/// The destination side of a provisioned pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct DestinationSide {
    /// Destination account id.
    pub account_id: String,
    /// Destination bucket.
    pub bucket: String,
    /// `DESTINATION_PREFIX`.
    pub prefix: String,
    /// The writer role.
    pub role_arn: String,
    /// The ExternalId its trust policy requires.
    pub external_id: String,
}

/// The execution role and the temporary credentials Lambda would hand the function.
#[derive(Debug, Clone, Deserialize)]
pub struct ExecutionRole {
    /// Its ARN.
    pub arn: String,
    /// Its temporary credentials.
    pub credentials: Keys,
}

/// upload-url's uploader role and the temporary credentials Lambda would hand the function.
#[derive(Debug, Clone, Deserialize)]
pub struct UploaderRole {
    /// Its ARN.
    pub arn: String,
    /// `UPLOAD_PREFIX`, the only place it may put objects.
    pub upload_prefix: String,
    /// Its temporary credentials.
    pub credentials: Keys,
}

/// One provisioned pipeline.
#[derive(Debug, Clone, Deserialize)]
pub struct Provisioned {
    /// The unique name.
    #[serde(default)]
    pub name: String,
    /// The local AWS's URL.
    pub endpoint: String,
    /// Its region.
    pub region: String,
    /// Source side.
    pub source: SourceSide,
    /// Destination side (with [`PipelineOptions::routes`], the route `dst`'s).
    pub destination: DestinationSide,
    /// With [`PipelineOptions::routes`]: the route `dst2`'s, in the third account.
    #[serde(default)]
    pub destination2: Option<DestinationSide>,
    /// The pipeline execution role.
    pub execution_role: ExecutionRole,
    /// upload-url's role, when [`PipelineOptions::upload_prefix`] asked for it.
    #[serde(default)]
    pub uploader_role: Option<UploaderRole>,
    /// Each function's environment as the source stack defines it (logical id -> variables).
    functions: HashMap<String, HashMap<String, String>>,
    /// Each role's inline policies as the stacks deployed them (role logical id -> policy
    /// name -> document): `PipelineRole`, `UploaderRole`, `BatchOperationsRole`, `WriterRole`.
    pub policies: HashMap<String, HashMap<String, serde_json::Value>>,
    /// Each role's trust policy as the stacks deployed it (role logical id -> document).
    pub trusts: HashMap<String, serde_json::Value>,
}

impl Provisioned {
    /// The contract's settings for this pipeline: the environment its stack gives the
    /// transform function, with what Lambda adds (region, function name).
    pub fn env(&self) -> HashMap<String, String> {
        self.function_env("Transform", "pipeline-under-test")
    }

    /// upload-url's environment as its stack defines it (nothing of the destination), with
    /// what Lambda adds. Panics unless [`PipelineOptions::upload_prefix`] asked for it.
    pub fn upload_url_env(&self) -> HashMap<String, String> {
        self.function_env("UploadUrlFunction", "upload-url")
    }

    fn function_env(&self, logical_id: &str, function_name: &str) -> HashMap<String, String> {
        let mut env = self
            .functions
            .get(logical_id)
            .unwrap_or_else(|| panic!("the source stack of {} has no {logical_id}", self.name))
            .clone();
        env.insert("AWS_REGION".into(), self.region.clone());
        env.insert("AWS_LAMBDA_FUNCTION_NAME".into(), function_name.into());
        env
    }

    /// The `SdkConfig` a Lambda function running as the execution role would load.
    pub async fn execution_role_config(&self) -> SdkConfig {
        sdk_config(
            &self.endpoint,
            &self.region,
            &self.execution_role.credentials,
            "lambda-execution-role",
        )
        .await
    }
}
