//! Kinds, `errorType`s, retries, messages and the one-time chain.

use std::error::Error as _;

use super::*;

#[test]
fn each_kind_has_the_contracts_error_type_and_retry() {
    let types: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.error_type()).collect();
    assert_eq!(
        types,
        [
            "InvalidConfiguration",
            "InvalidEvent",
            "SourceReadDenied",
            "AssumeRoleDenied",
            "DestinationWriteDenied",
            "KmsDenied",
            "Transient",
            "Internal"
        ]
    );
    let retried: Vec<ErrorKind> = ErrorKind::ALL
        .into_iter()
        .filter(|k| k.is_retried())
        .collect();
    assert_eq!(retried, [ErrorKind::Transient, ErrorKind::Internal]);
}

#[test]
fn errors_have_their_kind() {
    let cases = [
        (
            Error::invalid_configuration("X", "bad"),
            ErrorKind::InvalidConfiguration,
        ),
        (Error::invalid_event("what"), ErrorKind::InvalidEvent),
        (
            TransientFailure::new(
                Side::Source,
                "GetObject",
                "s3://b/k",
                AwsAnswer::new(Some(503), Some("SlowDown".into()), None),
            )
            .into(),
            ErrorKind::Transient,
        ),
        (
            Error::internal("encoding thumb.jpg", "too wide"),
            ErrorKind::Internal,
        ),
        (
            Error::deadline_near("ObjectCreated:Put s3://b/k", 3000, 5000),
            ErrorKind::Transient,
        ),
        (
            S3Refused::new(
                S3Call::new(Side::Source, "GetObject", "b", "k"),
                AwsAnswer::default(),
            )
            .into(),
            ErrorKind::SourceReadDenied,
        ),
        (
            S3Refused::new(
                S3Call::new(Side::Destination, "PutObject", "b", "k"),
                AwsAnswer::default(),
            )
            .into(),
            ErrorKind::DestinationWriteDenied,
        ),
    ];
    for (err, kind) in cases {
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.error_type(), kind.error_type());
        assert_eq!(err.is_retryable(), kind.is_retried());
    }
}

#[test]
fn kms_hints_name_the_right_policies() {
    let err = |side| -> Error {
        KmsRefused::new(
            S3Call::new(side, "PutObject", "b", "k"),
            AwsAnswer::new(Some(403), Some("AccessDenied".into()), None),
        )
        .into()
    };
    assert!(err(Side::Source).to_string().contains("kms:Decrypt"));
    assert!(
        err(Side::Destination)
            .to_string()
            .contains("kms:GenerateDataKey")
    );
    assert!(
        err(Side::Destination)
            .to_string()
            .contains("DESTINATION_KMS_KEY_ARN")
    );
}

#[derive(Debug)]
struct Sdk;

impl std::fmt::Display for Sdk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dispatch failure: connection refused")
    }
}

impl std::error::Error for Sdk {}

#[test]
fn the_cause_is_the_source_and_never_in_the_message() {
    let err: Error = S3Refused::new(
        S3Call::new(Side::Destination, "PutObject", "dst", "out/a.jpg/thumb.jpg"),
        AwsAnswer::new(
            Some(403),
            Some("AccessDenied".into()),
            Some("Access Denied".into()),
        ),
    )
    .with_role("arn:aws:iam::222222222222:role/writer")
    .with_expected_owner("222222222222")
    .with_source(Box::new(Sdk))
    .into();
    let message = err.to_string();
    for part in [
        "PutObject",
        "s3://dst/out/a.jpg/thumb.jpg",
        "arn:aws:iam::222222222222:role/writer",
        "AccessDenied (HTTP 403): Access Denied",
        "222222222222 (DESTINATION_ACCOUNT_ID",
        "s3:PutObject",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
    assert!(!message.contains("connection refused"), "{message}");
    let source = err.source().expect("the SDK error is the source");
    assert_eq!(source.to_string(), "dispatch failure: connection refused");
    let Error::DestinationWriteDenied(refused) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(refused.aws().code(), Some("AccessDenied"));
    assert_eq!(refused.aws().status(), Some(403));
    assert_eq!(refused.call().bucket(), "dst");
    assert_eq!(err.aws().and_then(AwsAnswer::code), Some("AccessDenied"));
}

#[test]
fn an_answer_without_aws_says_what_happened() {
    assert_eq!(
        AwsAnswer::new(Some(404), None, None).to_string(),
        "HTTP 404 with no error body"
    );
    assert_eq!(
        AwsAnswer::none("an unexpected NotFound answer").to_string(),
        "an unexpected NotFound answer"
    );
    assert_eq!(
        AwsAnswer::default().to_string(),
        "no answer (see the cause)"
    );
}

#[test]
fn the_policy_hint_has_one_owner_and_ends_the_message() {
    let denied: Error = S3Refused::new(
        S3Call::new(Side::Source, "GetObject", "src", "a.jpg"),
        AwsAnswer::new(Some(403), Some("AccessDenied".into()), None),
    )
    .into();
    let hint = denied.policy_hint().expect("a refusal has a hint");
    assert!(hint.contains("s3:GetObjectVersion"), "{hint}");
    assert!(denied.to_string().ends_with(&hint), "{denied}");
    let assume: Error = AssumeRoleRefused::new(
        "arn:aws:iam::222222222222:role/writer",
        "222222222222",
        AwsAnswer::new(Some(403), Some("AccessDenied".into()), None),
    )
    .into();
    let hint = assume.policy_hint().expect("hint");
    assert!(hint.contains("sts:ExternalId"), "{hint}");
    assert!(assume.to_string().ends_with(&hint), "{assume}");
    assert_eq!(
        Error::invalid_configuration("DESTINATION_REGION", "bad")
            .policy_hint()
            .as_deref(),
        Some("the setting DESTINATION_REGION")
    );
    assert_eq!(Error::invalid_event("x").policy_hint(), None);
    assert_eq!(Error::internal("x", "y").policy_hint(), None);
}
