use super::*;
use std::collections::HashMap;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::222222222222:role/writer";

fn parse(vars: &[(&str, &str)]) -> Result<Settings, Error> {
    let mut map: HashMap<String, String> = [
        ("DESTINATION_BUCKET", "dst-bucket"),
        ("DESTINATION_ROLE_ARN", ROLE),
        ("DESTINATION_EXTERNAL_ID", "ext-id-1234"),
        ("AWS_LAMBDA_FUNCTION_NAME", "transform"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in vars {
        map.insert((*k).to_owned(), (*v).to_owned());
    }
    Settings::from_lookup(|name| map.get(name).cloned())
}

/// The variable an `InvalidConfiguration` error names, or a failure naming what came back.
fn bad_variable(vars: &[(&str, &str)]) -> String {
    match parse(vars) {
        Err(Error::InvalidConfiguration(p)) => p.variable().to_owned(),
        other => panic!("expected InvalidConfiguration, got {other:?}"),
    }
}

#[test]
fn defaults_follow_the_contract() {
    let s = parse(&[]).expect("minimal settings parse");
    assert_eq!(
        s.destination().account_id,
        "222222222222",
        "owner defaults to the role's account"
    );
    assert_eq!(s.session.duration, Duration::from_secs(900));
    assert_eq!(s.session.name, "transform");
    assert_eq!(s.destination().prefix, "");
    assert_eq!(s.destination().region, None);
    assert_eq!(s.destination().kms_key_arn, None);
    assert_eq!(s.source.bucket, None);
    assert_eq!(s.source.account_id, None);
    assert_eq!(s.endpoint_url, None);
}

#[test]
fn empty_means_unset() {
    let s = parse(&[
        ("AWS_ENDPOINT_URL", ""),
        ("DESTINATION_ACCOUNT_ID", ""),
        ("DESTINATION_SESSION_SECONDS", " "),
        ("DESTINATION_REGION", ""),
        ("SOURCE_ACCOUNT_ID", ""),
    ])
    .expect("empty values are unset");
    assert_eq!(s.endpoint_url, None);
    assert_eq!(s.destination().account_id, "222222222222");
    assert_eq!(s.session.duration, Duration::from_secs(900));
    assert_eq!(
        bad_variable(&[("DESTINATION_BUCKET", "")]),
        "DESTINATION_BUCKET"
    );
}

#[test]
fn each_required_variable_is_named_when_missing() {
    for var in [
        "DESTINATION_BUCKET",
        "DESTINATION_ROLE_ARN",
        "DESTINATION_EXTERNAL_ID",
    ] {
        assert_eq!(bad_variable(&[(var, "")]), var);
    }
}

#[test]
fn session_seconds_are_capped_by_role_chaining() {
    let ok = parse(&[("DESTINATION_SESSION_SECONDS", "3600")]).expect("3600 is allowed");
    assert_eq!(ok.session.duration, Duration::from_secs(3600));
    for bad in ["3601", "899", "43200", "15m", "-1"] {
        assert_eq!(
            bad_variable(&[("DESTINATION_SESSION_SECONDS", bad)]),
            "DESTINATION_SESSION_SECONDS",
            "{bad}"
        );
    }
}

#[test]
fn the_session_name_is_sanitised_or_named_at_fault() {
    let s = parse(&[("ROLE_SESSION_NAME", "résumé job")]).expect("sanitised");
    assert_eq!(s.session.name, "r-sum--job");
    assert_eq!(
        bad_variable(&[("ROLE_SESSION_NAME", "é")]),
        "ROLE_SESSION_NAME"
    );
    assert_eq!(
        bad_variable(&[("AWS_LAMBDA_FUNCTION_NAME", "")]),
        "ROLE_SESSION_NAME",
        "no session name and no function name"
    );
}

#[test]
fn identifiers_are_checked() {
    assert_eq!(
        bad_variable(&[("DESTINATION_BUCKET", "Bad_Bucket")]),
        "DESTINATION_BUCKET"
    );
    assert_eq!(
        bad_variable(&[("DESTINATION_BUCKET", "arn:aws:s3:::b")]),
        "DESTINATION_BUCKET"
    );
    assert_eq!(
        bad_variable(&[("SOURCE_BUCKET", "s3://b")]),
        "SOURCE_BUCKET"
    );
    assert_eq!(
        bad_variable(&[("DESTINATION_ACCOUNT_ID", "12345")]),
        "DESTINATION_ACCOUNT_ID"
    );
    assert_eq!(
        bad_variable(&[("SOURCE_ACCOUNT_ID", "abcdefghijkl")]),
        "SOURCE_ACCOUNT_ID"
    );
    assert_eq!(
        bad_variable(&[("DESTINATION_REGION", "Europe")]),
        "DESTINATION_REGION"
    );
    assert_eq!(
        bad_variable(&[("DESTINATION_KMS_KEY_ARN", "alias/out")]),
        "DESTINATION_KMS_KEY_ARN"
    );
    assert_eq!(
        bad_variable(&[("AWS_ENDPOINT_URL", "localhost:4566")]),
        "AWS_ENDPOINT_URL"
    );
    assert_eq!(
        bad_variable(&[("DESTINATION_EXTERNAL_ID", "x")]),
        "DESTINATION_EXTERNAL_ID"
    );
    let s = parse(&[
        (
            "DESTINATION_KMS_KEY_ARN",
            "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab",
        ),
        ("DESTINATION_REGION", "eu-west-1"),
        ("DESTINATION_ACCOUNT_ID", "333333333333"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"),
    ])
    .expect("valid values");
    assert_eq!(
        s.destination().account_id,
        "333333333333",
        "an explicit owner wins"
    );
    assert_eq!(
        s.destination().region.as_ref().map(|r| r.as_str()),
        Some("eu-west-1")
    );
    assert_eq!(s.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
}

#[test]
fn a_bad_external_id_is_not_echoed() {
    let secret = "has spaces and secrets";
    let err = parse(&[("DESTINATION_EXTERNAL_ID", secret)]).expect_err("invalid");
    assert!(!err.to_string().contains(secret), "{err}");
}

#[test]
fn the_loop_rule_refuses_overlapping_prefixes_in_one_bucket() {
    let same = [("SOURCE_BUCKET", "dst-bucket")];
    assert_eq!(
        bad_variable(&same),
        "DESTINATION_PREFIX",
        "same bucket, no prefix"
    );
    for (src, dst) in [
        ("", "out/"),
        ("in/", "in/out/"),
        ("in/", "in/"),
        ("images/", "i"),
    ] {
        let vars = [same[0], ("SOURCE_PREFIX", src), ("DESTINATION_PREFIX", dst)];
        assert_eq!(
            bad_variable(&vars),
            "DESTINATION_PREFIX",
            "{src:?} vs {dst:?}"
        );
    }
    let ok = [
        same[0],
        ("SOURCE_PREFIX", "in/"),
        ("DESTINATION_PREFIX", "out/"),
    ];
    assert!(
        parse(&ok).is_ok(),
        "disjoint prefixes in one bucket are fine"
    );
    assert!(
        parse(&[("SOURCE_BUCKET", "src-bucket")]).is_ok(),
        "different buckets need no prefix"
    );
}

#[test]
fn the_source_side_stands_alone() {
    // upload-url's case: no destination variable at all.
    let vars: HashMap<&str, &str> = HashMap::from([
        ("SOURCE_BUCKET", "src-bucket"),
        ("SOURCE_PREFIX", "in/"),
        ("SOURCE_ACCOUNT_ID", "111111111111"),
    ]);
    let env = Env::new(|k: &str| vars.get(k).map(|v| (*v).to_owned()));
    let source = SourceSettings::from_env(&env).expect("the source side alone parses");
    assert_eq!(source.prefix, "in/");
    assert_eq!(
        source.account_id.as_ref().map(|a| a.as_str()),
        Some("111111111111")
    );
    assert_eq!(
        source.required_bucket("upload-url").expect("set").as_str(),
        "src-bucket"
    );
    let empty = SourceSettings::from_env(&Env::new(|_: &str| None)).expect("all optional");
    match empty.required_bucket("backfill") {
        Err(Error::InvalidConfiguration(p)) => {
            assert_eq!(p.variable(), "SOURCE_BUCKET");
            assert!(p.problem().contains("backfill"), "{}", p.problem());
        }
        other => panic!("expected InvalidConfiguration, got {other:?}"),
    }
}

#[test]
fn the_destination_side_holds_a_routes_fields() {
    let s = parse(&[("RENDITIONS", "a:10x10:png")]).expect("valid");
    let d = s.destination();
    assert_eq!(d.bucket, "dst-bucket");
    assert_eq!(d.role_arn.as_str(), ROLE);
    assert_eq!(d.external_id.expose(), "ext-id-1234");
    assert_eq!(d.renditions.len(), 1, "RENDITIONS is the destination's");
    assert_eq!(d.renditions[0].name, "a");
    assert!(
        !format!("{s:?}").contains("ext-id-1234"),
        "the settings' Debug redacts the ExternalId"
    );
    assert_eq!(
        bad_variable(&[("RENDITIONS", "thumb:200x200")]),
        "RENDITIONS"
    );
}

#[test]
fn routes_are_kept_in_order_with_their_own_destinations() {
    let route = r#"{"id": "cdn", "source_prefix": "", "bucket": "cdn-bucket", "role_arn": "arn:aws:iam::333333333333:role/w", "external_id": "route-ext-1"}"#;
    let clear = [
        ("DESTINATION_BUCKET", ""),
        ("DESTINATION_ROLE_ARN", ""),
        ("DESTINATION_EXTERNAL_ID", ""),
    ];
    let routes = format!("[{route}]");
    let one = [&clear[..], &[("ROUTES", routes.as_str())]].concat();
    let s = parse(&one).expect("one route");
    assert!(s.routes.from_routes());
    assert_eq!(s.destination().bucket, "cdn-bucket");
    assert_eq!(s.destination().account_id, "333333333333");
    assert!(
        !parse(&clear[..0])
            .expect("DESTINATION_*")
            .routes
            .from_routes(),
        "DESTINATION_* is the route default, not ROUTES"
    );

    let narrower = route
        .replace(r#""cdn""#, r#""photos""#)
        .replace("cdn-bucket", "archive")
        .replace(r#""source_prefix": """#, r#""source_prefix": "photos/""#);
    let routes = format!("[{route}, {narrower}]");
    let two = [&clear[..], &[("ROUTES", routes.as_str())]].concat();
    let s = parse(&two).expect("two routes, one narrower than SOURCE_PREFIX");
    let ids: Vec<&str> = s.routes.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["cdn", "photos"]);
    let taken = |key| {
        s.routes
            .taken_by(key)
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        taken("photos/a.jpg"),
        ["cdn", "photos"],
        "every route a key takes"
    );
    assert_eq!(taken("docs/a.jpg"), ["cdn"]);
    assert_eq!(
        s.routes
            .get("photos")
            .map(|r| r.destination.bucket.as_str()),
        Some("archive")
    );
}
