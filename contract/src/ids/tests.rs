//! Each identifier parses what AWS accepts and refuses the rest, saying why.

use super::*;

#[test]
fn role_arns_with_and_without_a_path() {
    let plain: RoleArn = "arn:aws:iam::222222222222:role/writer"
        .parse()
        .expect("plain role");
    assert_eq!(plain.account_id().as_str(), "222222222222");
    let pathed: RoleArn = "arn:aws:iam::123456789012:role/service/pipeline/writer-1"
        .parse()
        .expect("role with a path");
    assert_eq!(pathed.account_id().as_str(), "123456789012");
    assert_eq!(
        pathed.to_string(),
        "arn:aws:iam::123456789012:role/service/pipeline/writer-1"
    );
}

#[test]
fn what_is_not_a_role_arn() {
    for bad in [
        "writer",
        "arn:aws:iam::22222222222:role/writer",
        "arn:aws:iam::222222222222:user/writer",
        "arn:aws:iam::222222222222:role/",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::222222222222:role/has space",
    ] {
        let err = bad.parse::<RoleArn>().expect_err(bad);
        assert!(err.contains("arn:aws:iam::<12 digits>"), "{err}");
    }
}

#[test]
fn buckets_accounts_regions_and_keys() {
    for ok in ["abc", "my.bucket-1", &"a".repeat(63)] {
        assert!(ok.parse::<BucketName>().is_ok(), "{ok}");
    }
    for bad in [
        "ab",
        "Bad_Bucket",
        "arn:aws:s3:::b",
        "s3://b",
        "-abc",
        "abc.",
        "a..b",
    ] {
        assert!(bad.parse::<BucketName>().is_err(), "{bad}");
    }
    assert!("222222222222".parse::<AccountId>().is_ok());
    for bad in ["12345", "abcdefghijkl", "1234567890123"] {
        assert!(bad.parse::<AccountId>().is_err(), "{bad}");
    }
    for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-4"] {
        assert!(ok.parse::<Region>().is_ok(), "{ok}");
    }
    for bad in ["Europe", "eu-west", "eu--1", "EU-WEST-1"] {
        assert!(bad.parse::<Region>().is_err(), "{bad}");
    }
    assert!(
        "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab"
            .parse::<KmsKeyArn>()
            .is_ok()
    );
    for bad in [
        "alias/out",
        "1234abcd-12ab",
        "arn:aws:kms:eu-west-1:2222:key/x",
        "arn:aws:s3:eu-west-1:222222222222:key/1234",
    ] {
        assert!(bad.parse::<KmsKeyArn>().is_err(), "{bad}");
    }
}

#[test]
fn an_external_id_is_never_printed() {
    let id: ExternalId = "s3cr3t-external-id".parse().expect("valid");
    assert_eq!(id.expose(), "s3cr3t-external-id");
    let debug = format!("{id:?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(debug.contains("18 chars"), "{debug}");
    let err = "has spaces and secrets"
        .parse::<ExternalId>()
        .expect_err("spaces");
    assert!(!err.contains("secrets"), "{err}");
    assert!("x".parse::<ExternalId>().is_err(), "too short");
}

#[test]
fn session_names_are_sanitised_and_truncated() {
    let name = |raw: &str| raw.parse::<SessionName>().map(|n| n.to_string());
    assert_eq!(name("my fn/v2:prod").as_deref(), Ok("my-fn-v2-prod"));
    assert_eq!(name("a.b@c=d,e+f_g-h").as_deref(), Ok("a.b@c=d,e+f_g-h"));
    assert_eq!(name("résumé job").as_deref(), Ok("r-sum--job"));
    assert_eq!(name(&"x".repeat(100)).map(|s| s.len()), Ok(64));
    assert!(name("ü").is_err(), "one replaced character is too short");
    assert!(name("x").is_err(), "one character is too short");
}
