use std::collections::HashMap;

use super::*;

const CDN: &str = r#"{"id": "cdn", "source_prefix": "photos/", "bucket": "cdn-renditions", "role_arn": "arn:aws:iam::222222222222:role/writer", "external_id": "cdn-secret-0001", "prefix": "r/"}"#;
const ARCHIVE: &str = r#"{"id": "archive", "source_prefix": "photos/raw/", "bucket": "archive-renditions", "role_arn": "arn:aws:iam::333333333333:role/writer", "external_id": "archive-secret-0002", "renditions": "big:2000x2000:png"}"#;

fn routes(vars: &[(&str, &str)]) -> Result<Routes, Error> {
    let map: HashMap<String, String> = [("SOURCE_BUCKET", "uploads"), ("SOURCE_PREFIX", "photos/")]
        .iter()
        .chain(vars)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let env = Env::new(|name: &str| map.get(name).cloned());
    let source = SourceSettings::from_env(&env)?;
    Routes::from_env(&env, &source)
}

fn with_routes(json: &str) -> Result<Routes, Error> {
    routes(&[("ROUTES", json)])
}

/// The problem of a refusal, which must be of `ROUTES` and never hold an ExternalId.
fn refusal(result: Result<Routes, Error>) -> String {
    match result {
        Err(Error::InvalidConfiguration(p)) => {
            assert_eq!(p.variable(), "ROUTES", "{p:?}");
            let text = Error::InvalidConfiguration(p.clone()).to_string();
            for secret in ["cdn-secret-0001", "archive-secret-0002"] {
                assert!(!text.contains(secret), "{text} echoes an ExternalId");
            }
            p.problem().to_owned()
        }
        other => panic!("expected InvalidConfiguration of ROUTES, got {other:?}"),
    }
}

#[test]
fn without_routes_the_destination_settings_are_the_route_default() {
    let r = routes(&[
        ("DESTINATION_BUCKET", "dst"),
        ("DESTINATION_ROLE_ARN", "arn:aws:iam::222222222222:role/w"),
        ("DESTINATION_EXTERNAL_ID", "ext-id-1234"),
        ("ROUTES", "  "),
    ])
    .expect("DESTINATION_* settings");
    let only: Vec<&Route> = r.iter().collect();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].id.as_str(), DEFAULT_ROUTE);
    assert_eq!(only[0].source_prefix, "photos/", "SOURCE_PREFIX");
    assert_eq!(only[0].destination.bucket, "dst");
}

#[test]
fn routes_parse_in_order_with_their_own_fields_and_defaults() {
    let r = with_routes(&format!("[{CDN}, {ARCHIVE}]")).expect("two routes");
    let ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["cdn", "archive"]);
    let cdn = r.get("cdn").expect("cdn");
    assert_eq!(cdn.destination.prefix, "r/");
    assert_eq!(
        cdn.destination.account_id, "222222222222",
        "the role's account"
    );
    assert_eq!(cdn.destination.renditions.len(), 3, "RENDITIONS' default");
    assert_eq!(cdn.destination.external_id.expose(), "cdn-secret-0001");
    let archive = r.get("archive").expect("archive");
    assert_eq!(archive.destination.prefix, "");
    assert_eq!(
        archive.destination.renditions.len(),
        1,
        "its own renditions"
    );
    let taken: Vec<&str> = r
        .taken_by("photos/raw/a.jpg")
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        taken,
        ["cdn", "archive"],
        "every route whose source_prefix matches"
    );
    assert_eq!(r.taken_by("photos/a.jpg").count(), 1);
    assert_eq!(r.taken_by("other/a.jpg").count(), 0);
}

#[test]
fn bad_routes_are_refused_naming_the_route_and_the_field() {
    let cases: [(&str, String, &str); 12] = [
        ("not JSON", "[{".into(), "is not JSON"),
        ("not an array", CDN.into(), "not a JSON array"),
        ("empty", "[]".into(), "empty array"),
        (
            "duplicate id",
            format!("[{CDN}, {CDN}]"),
            "route cdn: id is used by another route",
        ),
        (
            "unknown field",
            CDN.replace(r#""prefix""#, r#""prefx""#),
            "route cdn: prefx is not a field of a route",
        ),
        (
            "missing field",
            CDN.replace(r#""bucket": "cdn-renditions", "#, ""),
            "route cdn: bucket is missing",
        ),
        (
            "missing id",
            r#"[{"bucket": "b"}]"#.into(),
            "route #0: id is missing",
        ),
        (
            "prefix outside SOURCE_PREFIX",
            CDN.replace(
                r#""source_prefix": "photos/""#,
                r#""source_prefix": "docs/""#,
            ),
            "route cdn: source_prefix \"docs/\" is outside SOURCE_PREFIX",
        ),
        (
            "colliding outputs",
            format!(
                "[{CDN}, {}]",
                CDN.replace(r#""id": "cdn""#, r#""id": "cdn2""#)
                    .replace(r#""r/""#, r#""r/sub/""#)
            ),
            "routes cdn and cdn2 write into the same bucket",
        ),
        (
            "a bad ARN",
            CDN.replace(
                "arn:aws:iam::222222222222:role/writer",
                "arn:aws:iam::2222:user/w",
            ),
            "route cdn: role_arn",
        ),
        (
            "a bad ExternalId, not echoed",
            CDN.replace("cdn-secret-0001", "cdn-secret-0001 with spaces"),
            "route cdn: external_id is not a valid ExternalId",
        ),
        (
            "a loop into the source bucket",
            CDN.replace("cdn-renditions", "uploads")
                .replace(r#""r/""#, r#""photos/r/""#),
            "route cdn: prefix \"photos/r/\" and SOURCE_PREFIX \"photos/\" overlap",
        ),
    ];
    for (what, json, expected) in cases {
        let json = if json.starts_with('{') && what != "not an array" {
            format!("[{json}]")
        } else {
            json
        };
        let problem = refusal(with_routes(&json));
        assert!(
            problem.contains(expected),
            "{what}: {problem:?} lacks {expected:?}"
        );
    }
}

#[test]
fn routes_with_any_destination_setting_are_refused() {
    for name in REPLACED_BY_ROUTES {
        let value = if name == "DESTINATION_ROLE_ARN" {
            "arn:aws:iam::222222222222:role/w"
        } else {
            "x"
        };
        let problem = refusal(routes(&[("ROUTES", &format!("[{CDN}]")), (name, value)]));
        assert!(problem.contains(name), "{name}: {problem}");
    }
}
