//! The role-aware clients at work, as a pipeline function would use them.
//!
//! Run with the environment a Lambda function gets (the execution role's credentials, the
//! contract's settings), e.g. by `scripts/demo`. For the object `SOURCE_KEY` of `SOURCE_BUCKET`:
//! 1. reads it as the execution role (the source client);
//! 2. writes a copy to `DESTINATION_PREFIX<key>/copy` as the writer role, assumed with the
//!    ExternalId (the destination client; `If-None-Match: *`, so a rerun changes nothing);
//! 3. tries the same write as the execution role itself, with `If-Match: "0"` so that nothing is
//!    left behind even if it were allowed, and shows that it is refused.
//!
//! Prints one JSON line per step; exits 1 with the error type and message on failure.

#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use aws_sdk_s3::primitives::ByteStream;
use cross_account_s3::error::{AwsAnswer, TransientFailure};
use cross_account_s3::{Clients, Error, Refusal, Settings, load_sdk_config};
use serde_json::json;

#[tokio::main]
async fn main() -> ExitCode {
    cross_account_s3::init::init_logging(|name| std::env::var(name).ok());
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            println!(
                "{}",
                json!({"errorType": err.error_type(), "errorMessage": err.to_string()})
            );
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let settings = Settings::from_lookup(|k| std::env::var(k).ok())?;
    let bucket = settings.source.required_bucket("this example")?;
    let key = std::env::var("SOURCE_KEY").map_err(|_| {
        Error::invalid_configuration("SOURCE_KEY", "is required by this demo: the object to copy")
    })?;
    let sdk = load_sdk_config(settings.endpoint_url.as_deref()).await;
    let clients = Clients::new(&sdk, &settings).await;

    // 1. Read as the execution role.
    let src = &clients.source;
    let object = src
        .client()
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .map_err(|e| {
            src.refusal(e, "GetObject", bucket.as_str(), &key)
                .into_error(|_| Error::invalid_event(format!("s3://{bucket}/{key} does not exist")))
        })?;
    let etag = object.e_tag().unwrap_or_default().to_owned();
    let body = object
        .body
        .collect()
        .await
        .map_err(|e| -> Error {
            TransientFailure::new(
                cross_account_s3::Side::Source,
                "GetObject",
                format!("s3://{bucket}/{key}"),
                AwsAnswer::none("reading the body failed"),
            )
            .with_source(Box::new(e))
            .into()
        })?
        .into_bytes();
    println!(
        "{}",
        json!({"step": "read", "as": "execution role", "object": format!("s3://{bucket}/{key}"), "bytes": body.len(), "etag": etag})
    );

    // 2. Write as the assumed writer role.
    let dst = clients.destination();
    let out_key = dst.output_key(&format!("{key}/copy"));
    let written = dst
        .put_object(&out_key)
        .body(ByteStream::from(body.clone()))
        .if_none_match("*")
        .metadata("source-bucket", &bucket)
        .metadata("source-etag", etag.trim_matches('"'))
        .send()
        .await;
    let result = match written {
        Ok(_) => "written",
        Err(e) => match dst.refusal(e, "PutObject", &out_key) {
            Refusal::PreconditionFailed => "already there (If-None-Match: *)",
            other => return Err(other.into_error(Error::invalid_event)),
        },
    };
    println!(
        "{}",
        json!({"step": "write", "as": format!("writer role {}", settings.destination().role_arn), "object": format!("s3://{}/{out_key}", dst.bucket()), "expected_bucket_owner": dst.expected_owner(), "result": result})
    );

    // 3. The execution role writing directly must be refused.
    let direct = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(settings.endpoint_url.is_some())
            .build(),
    )
    .put_object()
    .bucket(dst.bucket())
    .key(&out_key)
    .if_match("\"0\"")
    .body(ByteStream::from_static(b"direct"))
    .send()
    .await;
    let verdict = match direct {
        Ok(_) => "ALLOWED: the execution role can write the destination itself; least privilege is broken".to_owned(),
        Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
            Some(403) => "refused (403), as it must be: only the writer role can write there".to_owned(),
            Some(412) => "ALLOWED (stopped only by If-Match): least privilege is broken".to_owned(),
            other => format!("failed otherwise: HTTP {other:?}"),
        },
    };
    println!(
        "{}",
        json!({"step": "direct-write", "as": "execution role", "object": format!("s3://{}/{out_key}", dst.bucket()), "result": verdict})
    );
    Ok(())
}
