//! Request level: what a grant's URL carries, checked without AWS, and its signature recomputed
//! by a SigV4 written here from the specification (not the SDK's signer), from the URL's own
//! query string and `X-Amz-SignedHeaders`.

use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_s3::config::Region;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use upload_url::{Signer, UploadSettings, handler};

const ACCESS_KEY: &str = "ASIAUPLOADERROLE0001";
const SECRET: &str = "uploader/secret+key";
const TOKEN: &str = "uploader-session-token";
const SHA: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

fn signer(credentials_left: Option<Duration>) -> Signer {
    let expiry = credentials_left.map(|left| SystemTime::now() + left);
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            ACCESS_KEY,
            SECRET,
            Some(TOKEN.into()),
            expiry,
            "test",
        )))
        .build();
    let settings = UploadSettings::from_lookup(|name| {
        match name {
            "SOURCE_BUCKET" => Some("uploads-bucket"),
            "SOURCE_ACCOUNT_ID" => Some("111111111111"),
            "SOURCE_PREFIX" => Some("photos/"),
            "UPLOAD_PREFIX" => Some("photos/uploads/"),
            _ => None,
        }
        .map(str::to_owned)
    })
    .expect("settings");
    Signer::new(&sdk, settings).expect("signer")
}

/// The sample Function URL event with `body`.
fn request(body: &str) -> lambda_http::Request {
    let path = testkit::repo_root().join("events/upload-url.json");
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("JSON");
    event["body"] = Value::String(body.to_owned());
    lambda_http::request::from_str(&event.to_string()).expect("a Function URL request")
}

async fn answer(signer: &Signer, body: &str) -> (u16, Value) {
    let response = handler::handle(signer, request(body)).await;
    let status = response.status().as_u16();
    let body = match response.body() {
        lambda_http::Body::Text(t) => t.clone(),
        other => panic!("a text body, got {other:?}"),
    };
    (status, serde_json::from_str(&body).expect("a JSON body"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// SigV4 of a query-signed request, as S3 checks it: the canonical request from the URL's path,
/// its query without `X-Amz-Signature` (sorted, as encoded), the signed headers as the client
/// sends them, and `UNSIGNED-PAYLOAD`.
fn sigv4_query_signature(
    url: &http::Uri,
    method: &str,
    headers: &[(String, String)],
    secret: &str,
) -> String {
    let query = url.query().unwrap_or_default();
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .filter(|(k, _)| *k != "X-Amz-Signature")
        .collect();
    pairs.sort();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .expect(name)
    };
    let signed: Vec<&str> = param("X-Amz-SignedHeaders").split("%3B").collect();
    let canonical_headers: String = signed
        .iter()
        .map(|name| {
            let value = if *name == "host" {
                url.authority().expect("host").as_str().to_owned()
            } else {
                headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.trim().to_owned())
                    .expect(name)
            };
            format!("{name}:{value}\n")
        })
        .collect();
    let canonical_query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{}\nUNSIGNED-PAYLOAD",
        url.path(),
        canonical_query.join("&"),
        signed.join(";")
    );
    let amz_date = param("X-Amz-Date");
    let scope = param("X-Amz-Credential")
        .split("%2F")
        .skip(1)
        .collect::<Vec<_>>()
        .join("/");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in scope.split('/') {
        key = hmac(&key, part);
    }
    hex(&hmac(&key, &to_sign))
}

fn query_param<'a>(url: &'a http::Uri, name: &str) -> Option<&'a str> {
    url.query()?
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test]
async fn a_grant_signs_every_condition_with_the_uploader_role() {
    let signer = signer(Some(Duration::from_secs(3600)));
    let body = format!(
        r#"{{"content_type":"image/jpeg","content_length":48213,"checksum_sha256":"{SHA}","name":"été 2026 (1)+.jpg"}}"#
    );
    let (status, grant) = answer(&signer, &body).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["method"], "PUT");

    let key = grant["key"].as_str().expect("key");
    let rest = key
        .strip_prefix("photos/uploads/")
        .expect("under UPLOAD_PREFIX");
    let (date, file) = rest.rsplit_once('/').expect("a dated folder");
    let today = upload_url::grant::rfc3339(SystemTime::now())[..10].replace('-', "/");
    assert_eq!(date, today, "{key}");
    let (id, ext) = file.split_once('.').expect("an extension");
    assert_eq!(ext, "jpg");
    assert!(
        uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 4),
        "{id}"
    );

    let headers: Vec<(String, String)> = grant["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_owned()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("content-length", "48213"),
        ("content-type", "image/jpeg"),
        ("if-none-match", "*"),
        ("x-amz-checksum-sha256", SHA),
        ("x-amz-expected-bucket-owner", "111111111111"),
        (
            "x-amz-meta-original-name",
            "%C3%A9t%C3%A9%202026%20%281%29%2B%2Ejpg",
        ),
        (
            "x-amz-meta-uploaded-by",
            "arn:aws:sts::111111111111:assumed-role/photo-app/phone-42",
        ),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let names = |h: &[(String, String)]| h.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    // Any header the SDK adds must be sent too; these must all be there with these values.
    for pair in &expected {
        assert!(headers.contains(pair), "{pair:?} missing from {headers:?}");
    }

    let url: http::Uri = grant["url"].as_str().expect("url").parse().expect("a URL");
    assert_eq!(url.scheme_str(), Some("https"));
    assert_eq!(url.path(), format!("/{key}"), "the key, in the path");
    assert_eq!(
        url.host(),
        Some("uploads-bucket.s3.eu-west-1.amazonaws.com")
    );
    assert_eq!(
        query_param(&url, "X-Amz-Algorithm"),
        Some("AWS4-HMAC-SHA256")
    );
    let credential = query_param(&url, "X-Amz-Credential").expect("credential");
    assert!(
        credential.starts_with(&format!("{ACCESS_KEY}%2F")),
        "{credential}"
    );
    assert!(
        credential.ends_with("%2Feu-west-1%2Fs3%2Faws4_request"),
        "{credential}"
    );
    assert_eq!(
        query_param(&url, "X-Amz-Security-Token"),
        Some(TOKEN),
        "the session token travels"
    );
    assert_eq!(query_param(&url, "X-Amz-Expires"), Some("300"));
    let signed = query_param(&url, "X-Amz-SignedHeaders")
        .expect("signed headers")
        .replace("%3B", ";");
    let mut want = names(&expected);
    want.push("host".into());
    for name in &want {
        assert!(
            signed.split(';').any(|s| s == name),
            "{name} is not signed: {signed}"
        );
    }
    for (name, _) in &headers {
        assert!(
            signed.split(';').any(|s| s == name),
            "the client is told to send {name}, which is not signed"
        );
    }

    let signature = query_param(&url, "X-Amz-Signature").expect("signature");
    assert_eq!(
        sigv4_query_signature(&url, "PUT", &headers, SECRET),
        signature,
        "an independent SigV4 agrees"
    );
    // ... and would not, for an upload of another size: the size is in the signature.
    let mut bigger = headers.clone();
    for (k, v) in &mut bigger {
        if k == "content-length" {
            *v = "48214".into();
        }
    }
    assert_ne!(
        sigv4_query_signature(&url, "PUT", &bigger, SECRET),
        signature
    );
    assert_ne!(
        sigv4_query_signature(&url, "POST", &headers, SECRET),
        signature
    );

    let expires_at = grant["expires_at"].as_str().expect("expires_at");
    let amz_date = query_param(&url, "X-Amz-Date").expect("date");
    let start = aws_smithy_types::DateTime::from_str(
        amz_date,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .or_else(|_| {
        let iso = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &amz_date[0..4],
            &amz_date[4..6],
            &amz_date[6..8],
            &amz_date[9..11],
            &amz_date[11..13],
            &amz_date[13..15]
        );
        aws_smithy_types::DateTime::from_str(&iso, aws_smithy_types::date_time::Format::DateTime)
    })
    .expect("X-Amz-Date");
    let end = aws_smithy_types::DateTime::from_str(
        expires_at,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .expect("RFC 3339");
    assert_eq!(
        end.secs() - start.secs(),
        300,
        "expires_at is the URL's own end"
    );
}

#[tokio::test]
async fn the_expiry_never_passes_the_credentials() {
    let signer = signer(Some(Duration::from_secs(100)));
    let (status, grant) = answer(
        &signer,
        r#"{"content_type":"image/png","content_length":1}"#,
    )
    .await;
    assert_eq!(status, 200, "{grant}");
    let url: http::Uri = grant["url"].as_str().expect("url").parse().expect("URL");
    let expires: u64 = query_param(&url, "X-Amz-Expires")
        .expect("expires")
        .parse()
        .expect("a number");
    assert!((98..=100).contains(&expires), "{expires}");
    assert!(grant["key"].as_str().is_some_and(|k| k.ends_with(".png")));
}

#[tokio::test]
async fn refusals_answer_json_naming_the_field() {
    let signer = signer(None);
    let (status, body) = answer(
        &signer,
        r#"{"content_type":"text/html","content_length":1}"#,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (415, Some("UnsupportedMediaType"))
    );
    let (status, body) = answer(&signer, "{").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidRequest"))
    );
    let (status, body) = answer(
        &signer,
        r#"{"content_type":"image/jpeg","content_length":26214401}"#,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("ContentTooLarge"))
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("content_length")),
        "{body}"
    );

    let mut get = request("");
    *get.method_mut() = http::Method::GET;
    let response = handler::handle(&signer, get).await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers().get("allow").map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );

    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(testkit::repo_root().join("events/upload-url.json"))
            .expect("sample"),
    )
    .expect("JSON");
    event["requestContext"]["authorizer"] = Value::Null;
    let anonymous = lambda_http::request::from_str(&event.to_string()).expect("request");
    let response = handler::handle(&signer, anonymous).await;
    assert_eq!(response.status(), 403);
}
