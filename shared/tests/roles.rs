//! The roles as the stacks deploy them (`scripts/local-aws deploy`), proven against the local
//! two-account AWS (moto on loopback, IAM enforcement on, cross-account S3 access refused): the
//! execution role reads the source under its prefix only and cannot write the destination
//! itself; the assumed writer role writes under its prefix only; concurrent first uses share one
//! AssumeRole; broken policies give the contract's errors and hints. Cross-account denials are
//! checked on the deployed documents: the local AWS refuses every cross-account request.

use aws_sdk_s3::primitives::ByteStream;
use cross_account_s3::error::ErrorKind;
use cross_account_s3::{Clients, Error, Refusal, Settings};
use testkit::counting::Counting;
use testkit::{Account, PipelineOptions, Provisioned, local_aws};

fn settings_for(pipeline: &Provisioned, overrides: &[(&str, &str)]) -> Settings {
    let mut env = pipeline.env();
    for (k, v) in overrides {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    Settings::from_lookup(|k| env.get(k).cloned()).expect("the pipeline's settings are valid")
}

async fn clients_for(pipeline: &Provisioned, overrides: &[(&str, &str)]) -> Clients {
    let sdk = pipeline.execution_role_config().await;
    Clients::new(&sdk, &settings_for(pipeline, overrides)).await
}

async fn upload_source(pipeline: &Provisioned, key: &str, body: &'static [u8]) {
    local_aws()
        .admin_s3(Account::Source)
        .await
        .put_object()
        .bucket(&pipeline.source.bucket)
        .key(key)
        .body(ByteStream::from_static(body))
        .send()
        .await
        .expect("the source admin uploads");
}

async fn destination_object(pipeline: &Provisioned, key: &str) -> Option<Vec<u8>> {
    let admin = local_aws().admin_s3(Account::Destination).await;
    match admin
        .get_object()
        .bucket(&pipeline.destination.bucket)
        .key(key)
        .send()
        .await
    {
        Ok(out) => Some(
            out.body
                .collect()
                .await
                .expect("body")
                .into_bytes()
                .to_vec(),
        ),
        Err(e) if e.raw_response().map(|r| r.status().as_u16()) == Some(404) => None,
        Err(e) => panic!("the destination admin cannot read {key}: {e:?}"),
    }
}

async fn write(clients: &Clients, key: &str, body: &'static [u8]) -> Result<(), Refusal> {
    let dst = clients.destination();
    dst.put_object(key)
        .body(ByteStream::from_static(body))
        .if_none_match("*")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| dst.refusal(e, "PutObject", key))
}

/// The error of a refusal that must be fatal (a 404 or 412 here is a test failure).
fn fatal(refusal: Refusal) -> Error {
    refusal.into_error(|what| panic!("expected a fatal refusal, got {what}"))
}

#[tokio::test]
async fn the_execution_role_reads_the_source_but_cannot_write_the_destination_itself() {
    let pipeline = local_aws().pipeline(PipelineOptions::tagged("exec-reads"));
    upload_source(&pipeline, "photos/cat.jpg", b"source bytes").await;
    let clients = clients_for(&pipeline, &[]).await;

    let read = clients
        .source
        .client()
        .get_object()
        .bucket(&pipeline.source.bucket)
        .key("photos/cat.jpg")
        .send()
        .await
        .expect("the execution role reads the source");
    let bytes = read.body.collect().await.expect("body").into_bytes();
    assert_eq!(&bytes[..], b"source bytes");

    // The same role, writing to the destination directly instead of through the writer role.
    let direct = testkit::s3_client(&pipeline.execution_role_config().await)
        .put_object()
        .bucket(&pipeline.destination.bucket)
        .key("photos/cat.jpg/thumb.jpg")
        .body(ByteStream::from_static(b"sneaky"))
        .send()
        .await
        .expect_err("the execution role must not write the destination");
    assert_eq!(
        direct.raw_response().map(|r| r.status().as_u16()),
        Some(403)
    );
    assert_eq!(
        destination_object(&pipeline, "photos/cat.jpg/thumb.jpg").await,
        None
    );

    // With s3:ListBucket, a key that does not exist is a plain 404, not a refusal.
    let src = &clients.source;
    let missing = src
        .client()
        .head_object()
        .bucket(&pipeline.source.bucket)
        .key("never-uploaded.jpg")
        .send()
        .await
        .map_err(|e| {
            src.refusal(
                e,
                "HeadObject",
                &pipeline.source.bucket,
                "never-uploaded.jpg",
            )
        })
        .expect_err("missing");
    assert!(matches!(missing, Refusal::NotFound), "{missing:?}");
}

#[tokio::test]
async fn the_assumed_writer_role_writes_the_destination() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        destination_prefix: "renditions/".into(),
        ..PipelineOptions::tagged("writer-writes")
    });
    let clients = clients_for(&pipeline, &[]).await;
    let key = clients.destination().output_key("cat.jpg/thumb.jpg");
    assert_eq!(key, "renditions/cat.jpg/thumb.jpg");
    write(&clients, &key, b"thumbnail")
        .await
        .expect("the writer role writes");
    assert_eq!(
        destination_object(&pipeline, &key).await.as_deref(),
        Some(&b"thumbnail"[..])
    );

    // Conditional writes are honoured: a second If-None-Match: * is a precondition failure.
    let again = write(&clients, &key, b"other").await.expect_err("exists");
    assert!(matches!(again, Refusal::PreconditionFailed), "{again:?}");

    // Head and delete as the writer role; a missing key then reads as 404 (s3:ListBucket).
    let dst = clients.destination();
    dst.head_object(&key)
        .send()
        .await
        .expect("head as the writer");
    dst.delete_object(&key)
        .send()
        .await
        .expect("delete as the writer");
    let gone = dst
        .head_object(&key)
        .send()
        .await
        .map_err(|e| dst.refusal(e, "HeadObject", &key))
        .expect_err("deleted");
    assert!(matches!(gone, Refusal::NotFound), "{gone:?}");
    assert_eq!(destination_object(&pipeline, &key).await, None);

    // Outside the prefix, the writer role has no permission.
    let outside = write(&clients, "elsewhere.jpg", b"x")
        .await
        .expect_err("outside the prefix");
    assert_eq!(fatal(outside).kind(), ErrorKind::DestinationWriteDenied);
}

#[tokio::test]
async fn the_writer_role_cannot_read_the_source() {
    let pipeline = local_aws().pipeline(PipelineOptions::tagged("writer-no-read"));
    upload_source(&pipeline, "secret.jpg", b"private").await;
    let clients = clients_for(&pipeline, &[]).await;
    let err = clients
        .destination()
        .client()
        .get_object()
        .bucket(&pipeline.source.bucket)
        .key("secret.jpg")
        .send()
        .await
        .expect_err("the writer role must not read the source");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
}

#[tokio::test]
async fn thirty_two_concurrent_first_writes_make_one_assume_role() {
    let pipeline = local_aws().pipeline(PipelineOptions::tagged("one-assume-role"));
    let sdk = pipeline.execution_role_config().await;
    let counting = Counting::assume_role_calls();
    let sdk = sdk.into_builder().http_client(counting.clone()).build();
    let clients = Clients::new(&sdk, &settings_for(&pipeline, &[])).await;
    assert_eq!(counting.count(), 0, "building the clients calls nothing");

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..32 {
        let clients = clients.clone();
        tasks.spawn(async move { write(&clients, &format!("concurrent/{i}.jpg"), b"x").await });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task").expect("every write succeeds");
    }
    assert_eq!(
        counting.count(),
        1,
        "32 concurrent first uses share one AssumeRole"
    );

    write(&clients, "concurrent/later.jpg", b"x")
        .await
        .expect("a later write");
    assert_eq!(
        counting.count(),
        1,
        "warm uses reuse the cached credentials"
    );
    for i in [0, 31] {
        assert!(
            destination_object(&pipeline, &format!("concurrent/{i}.jpg"))
                .await
                .is_some()
        );
    }
}

#[tokio::test]
async fn a_refused_assume_role_is_assume_role_denied_with_its_hint() {
    let pipeline = local_aws().pipeline(PipelineOptions::tagged("assume-denied"));
    // The execution role may assume exactly the writer role: any other role is refused.
    let other = format!(
        "arn:aws:iam::{}:role/not-the-writer",
        pipeline.destination.account_id
    );
    let clients = clients_for(&pipeline, &[("DESTINATION_ROLE_ARN", &other)]).await;
    let err = fatal(write(&clients, "a.jpg", b"x").await.expect_err("refused"));
    assert_eq!(err.kind(), ErrorKind::AssumeRoleDenied, "{err}");
    let message = err.to_string();
    for expected in [
        "AssumeRole of",
        other.as_str(),
        "trust policy",
        "sts:ExternalId",
        "sts:AssumeRole on exactly",
    ] {
        assert!(
            message.contains(expected),
            "{expected:?} missing from: {message}"
        );
    }
    let creds = &pipeline.execution_role.credentials;
    for secret in [
        &creds.secret_access_key,
        creds.session_token.as_ref().expect("token"),
    ] {
        assert!(
            !message.contains(secret.as_str()),
            "a credential leaked into: {message}"
        );
    }
}

#[tokio::test]
async fn a_missing_source_permission_is_source_read_denied() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        execution_drop: vec!["s3:GetObject".into()],
        ..PipelineOptions::tagged("source-denied")
    });
    upload_source(&pipeline, "a.jpg", b"x").await;
    let clients = clients_for(&pipeline, &[]).await;
    let src = &clients.source;
    let err = src
        .client()
        .get_object()
        .bucket(&pipeline.source.bucket)
        .key("a.jpg")
        .send()
        .await
        .map_err(|e| src.refusal(e, "GetObject", &pipeline.source.bucket, "a.jpg"))
        .expect_err("refused");
    let err = fatal(err);
    assert_eq!(err.kind(), ErrorKind::SourceReadDenied);
    assert!(err.to_string().contains("s3:GetObject"), "{err}");
}

#[tokio::test]
async fn a_writer_role_without_put_object_is_destination_write_denied() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        writer_drop: vec!["s3:PutObject".into()],
        ..PipelineOptions::tagged("put-denied")
    });
    let clients = clients_for(&pipeline, &[]).await;
    let err = fatal(write(&clients, "a.jpg", b"x").await.expect_err("refused"));
    assert_eq!(err.kind(), ErrorKind::DestinationWriteDenied);
    let message = err.to_string();
    assert!(
        message.contains(&pipeline.destination.role_arn),
        "{message}"
    );
    assert!(message.contains("owned by another account"), "{message}");
    assert_eq!(destination_object(&pipeline, "a.jpg").await, None);
}

/// Same account, so the local AWS's verdict means something: the deployed pipeline role reads
/// under `SourcePrefix` and nothing beside it in the same bucket.
#[tokio::test]
async fn the_deployed_pipeline_role_reads_nothing_outside_the_source_prefix() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        source_prefix: "photos/".into(),
        ..PipelineOptions::tagged("exec-prefix")
    });
    upload_source(&pipeline, "photos/cat.jpg", b"allowed").await;
    upload_source(&pipeline, "payroll/cat.jpg", b"private").await;
    let s3 = testkit::s3_client(&pipeline.execution_role_config().await);
    let get = |key: &'static str| {
        s3.get_object()
            .bucket(&pipeline.source.bucket)
            .key(key)
            .send()
    };
    get("photos/cat.jpg")
        .await
        .expect("the pipeline role reads under SourcePrefix");
    let outside = get("payroll/cat.jpg")
        .await
        .expect_err("the pipeline role must not read outside SourcePrefix");
    assert_eq!(
        outside.raw_response().map(|r| r.status().as_u16()),
        Some(403)
    );
}

/// Every S3 resource an `Allow` statement of `role`'s deployed policies names, with its actions.
fn s3_grants(pipeline: &Provisioned, role: &str) -> Vec<(Vec<String>, String)> {
    let policies = pipeline
        .policies
        .get(role)
        .unwrap_or_else(|| panic!("the stacks deployed no {role}"));
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .map(|s| s.as_str().expect("a string").to_owned())
                .collect(),
            other => panic!("{role}: {other} is not a string or a list"),
        }
    };
    let mut grants = Vec::new();
    for document in policies.values() {
        for statement in document["Statement"].as_array().expect("statements") {
            assert_eq!(statement["Effect"], "Allow", "{role}: {statement}");
            let actions = list(&statement["Action"]);
            for resource in list(&statement["Resource"]) {
                if resource.starts_with("arn:aws:s3:::")
                    || actions.iter().any(|a| a.starts_with("s3:"))
                {
                    grants.push((actions.clone(), resource));
                }
            }
        }
    }
    grants
}

/// Cross-account, checked on the deployed policy documents: the local AWS refuses every
/// request to another account's bucket whatever the policies say, so a request proves nothing
/// there. The pipeline role writes nothing and names no destination bucket; the writer role
/// names nothing but the destination bucket and trusts only the pipeline role with the
/// ExternalId; the Batch Operations role reads no destination.
#[tokio::test]
async fn the_deployed_policies_keep_each_role_to_its_own_account() {
    let pipeline = local_aws().pipeline(PipelineOptions {
        source_prefix: "photos/".into(),
        destination_prefix: "renditions/".into(),
        upload_prefix: Some("photos/uploads/".into()),
        ..PipelineOptions::tagged("policy-docs")
    });
    let (src, dst) = (&pipeline.source.bucket, &pipeline.destination.bucket);
    let in_bucket = |resource: &str, bucket: &str| {
        resource == format!("arn:aws:s3:::{bucket}")
            || resource.starts_with(&format!("arn:aws:s3:::{bucket}/"))
    };

    let pipeline_grants = s3_grants(&pipeline, "PipelineRole");
    assert!(!pipeline_grants.is_empty());
    for (actions, resource) in &pipeline_grants {
        assert!(in_bucket(resource, src), "PipelineRole: {resource}");
        for action in actions {
            assert!(
                matches!(
                    action.as_str(),
                    "s3:GetObject" | "s3:GetObjectVersion" | "s3:ListBucket"
                ),
                "PipelineRole may only read the source: {action} on {resource}"
            );
        }
    }

    let writer_grants = s3_grants(&pipeline, "WriterRole");
    assert!(!writer_grants.is_empty());
    for (_, resource) in &writer_grants {
        assert!(
            in_bucket(resource, dst),
            "WriterRole names {resource}, not only the destination"
        );
    }
    assert!(
        writer_grants
            .iter()
            .any(|(a, r)| a.iter().any(|a| a == "s3:PutObject")
                && r == &format!("arn:aws:s3:::{dst}/renditions/*")),
        "WriterRole writes under DestinationPrefix: {writer_grants:?}"
    );

    let batch_grants = s3_grants(&pipeline, "BatchOperationsRole");
    assert!(!batch_grants.is_empty());
    for (actions, resource) in &batch_grants {
        assert!(
            !in_bucket(resource, dst),
            "BatchOperationsRole: {actions:?} on the destination"
        );
    }

    // The writer role trusts exactly the deployed pipeline role, with this pipeline's ExternalId.
    assert_eq!(
        pipeline.trusts["WriterRole"]["Statement"],
        serde_json::json!([{
            "Sid": "OnlyThePipelineWithTheExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": pipeline.execution_role.arn},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": pipeline.destination.external_id}},
        }])
    );

    for (actions, resource) in s3_grants(&pipeline, "UploaderRole") {
        assert_eq!(actions, ["s3:PutObject"], "UploaderRole on {resource}");
        assert_eq!(resource, format!("arn:aws:s3:::{src}/photos/uploads/*"));
    }
}
