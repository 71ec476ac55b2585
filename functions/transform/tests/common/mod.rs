//! The end-to-end harness of `transform`'s tests: one provisioned pipeline in the local
//! two-account AWS, the admins of both accounts, and the handler running as the execution role.
#![allow(dead_code)] // each test binary uses its own part of it
use std::collections::HashMap;
use std::path::PathBuf;

use aws_sdk_s3::primitives::ByteStream;
use cross_account_s3::Clients;
use cross_account_s3::Failure;
use lambda_runtime::LambdaEvent;
use pipeline::Pipeline;
use pipeline::config::Config;
use pipeline::handler::handle;
use serde_json::Value;
use testkit::{Account, PipelineOptions, Provisioned, local_aws};

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

pub fn image(name: &str) -> Vec<u8> {
    std::fs::read(events_dir().join("images").join(name)).expect("sample image")
}

/// One provisioned pipeline and the transform running in it.
pub struct Harness {
    pub aws: Provisioned,
    pub source_admin: aws_sdk_s3::Client,
    pub destination_admin: aws_sdk_s3::Client,
    pub pipeline: Pipeline,
}

impl Harness {
    pub async fn new(tag: &str, overrides: &[(&str, &str)]) -> Self {
        let aws = local_aws().pipeline(PipelineOptions {
            destination_prefix: "renditions/".into(),
            ..PipelineOptions::tagged(tag)
        });
        let pipeline = Self::pipeline_for(&aws, overrides).await;
        Self {
            source_admin: local_aws().admin_s3(Account::Source).await,
            destination_admin: local_aws().admin_s3(Account::Destination).await,
            aws,
            pipeline,
        }
    }

    pub async fn pipeline_for(aws: &Provisioned, overrides: &[(&str, &str)]) -> Pipeline {
        let mut env: HashMap<String, String> = aws.env();
        env.insert("AWS_LAMBDA_FUNCTION_NAME".into(), "transform".into());
        for (k, v) in overrides {
            env.insert((*k).into(), (*v).into());
        }
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("valid settings");
        let sdk = aws.execution_role_config().await;
        Pipeline::new(Clients::new(&sdk, &config.settings).await, config)
    }

    /// A sample event with this pipeline's source bucket.
    pub fn event(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(events_dir().join(name)).expect("sample event");
        serde_json::from_str(&text.replace("example-source-bucket", &self.aws.source.bucket))
            .expect("JSON")
    }

    /// An S3 notification of `name` (`ObjectCreated:*` or `ObjectRemoved:*`) for `key` as the
    /// event spells it (URL-encoded), with `etag` (none: no `eTag` field), `version` and
    /// `sequencer` when given.
    pub fn notification(
        &self,
        name: &str,
        key: &str,
        etag: Option<&str>,
        version: Option<&str>,
        sequencer: Option<&str>,
    ) -> Value {
        let mut event = self.event(if name.starts_with("ObjectRemoved") {
            "s3-delete.json"
        } else {
            "s3-put.json"
        });
        let record = &mut event["Records"][0];
        record["eventName"] = serde_json::json!(name);
        let object = &mut record["s3"]["object"];
        object["key"] = serde_json::json!(key);
        if let Some(sequencer) = sequencer {
            object["sequencer"] = serde_json::json!(sequencer);
        }
        match etag {
            Some(etag) => object["eTag"] = serde_json::json!(etag),
            None => {
                if let Some(o) = object.as_object_mut() {
                    o.remove("eTag");
                }
            }
        }
        if let Some(version) = version {
            object["versionId"] = serde_json::json!(version);
        }
        event
    }

    pub async fn invoke(&self, payload: Value) -> Result<Value, Failure> {
        invoke_on(&self.pipeline, payload, std::time::Duration::from_secs(900)).await
    }

    /// The single RESULT of a direct invocation that must succeed.
    pub async fn result(&self, payload: Value) -> Value {
        result_on(&self.pipeline, payload).await
    }

    /// The same pipeline with other settings (say, another `RENDITIONS`).
    pub async fn with(&self, overrides: &[(&str, &str)]) -> Pipeline {
        Self::pipeline_for(&self.aws, overrides).await
    }

    /// Turns versioning on in the source bucket.
    pub async fn versioned(&self) {
        testkit::enable_versioning(&self.source_admin, &self.aws.source.bucket).await;
    }

    /// Uploads and says what S3 made of it: (ETag without quotes, version id).
    pub async fn put(&self, key: &str, body: Vec<u8>) -> (String, Option<String>) {
        let out = self
            .source_admin
            .put_object()
            .bucket(&self.aws.source.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .expect("the source admin uploads");
        (
            out.e_tag().unwrap_or_default().trim_matches('"').to_owned(),
            out.version_id().map(str::to_owned),
        )
    }

    /// The user metadata of a destination object, or `None` when there is none.
    pub async fn destination_metadata(
        &self,
        key: &str,
    ) -> Option<std::collections::HashMap<String, String>> {
        self.destination_admin
            .head_object()
            .bucket(&self.aws.destination.bucket)
            .key(key)
            .send()
            .await
            .ok()
            .map(|h| h.metadata().cloned().unwrap_or_default())
    }

    pub async fn upload(&self, key: &str, body: Vec<u8>) {
        self.put(key, body).await;
    }

    pub async fn delete_source(&self, key: &str) {
        self.source_admin
            .delete_object()
            .bucket(&self.aws.source.bucket)
            .key(key)
            .send()
            .await
            .expect("the source admin deletes");
    }

    pub async fn destination_keys(&self) -> Vec<String> {
        local_aws()
            .keys(Account::Destination, &self.aws.destination.bucket)
            .await
    }
}

/// An invocation of `pipeline` with `timeout` left before its deadline.
pub async fn invoke_on(
    pipeline: &Pipeline,
    payload: Value,
    timeout: std::time::Duration,
) -> Result<Value, Failure> {
    handle(
        pipeline,
        LambdaEvent::new(payload, testkit::lambda_context(timeout)),
    )
    .await
    .map(|answer| serde_json::to_value(answer).expect("the answer serialises"))
}

/// The single RESULT of a direct invocation of `pipeline` that must succeed.
pub async fn result_on(pipeline: &Pipeline, payload: Value) -> Value {
    let response = invoke_on(pipeline, payload, std::time::Duration::from_secs(900))
        .await
        .expect("the invocation succeeds");
    let results = response["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{response}");
    results[0].clone()
}

pub fn status(result: &Value) -> (String, Value) {
    (
        result["status"].as_str().unwrap_or("?").to_owned(),
        result["reason"].clone(),
    )
}

pub const HELLO: &str = "photos/été 2026 (1)+.jpg";

pub fn md5_of(data: &[u8]) -> impl std::fmt::LowerHex {
    use md5::Digest;
    let digest = md5::Md5::digest(data);
    u128::from_be_bytes(digest.into())
}
