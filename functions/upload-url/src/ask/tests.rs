use super::*;

const CALLER: &str = "arn:aws:iam::111111111111:user/uploader-app";

fn settings() -> UploadSettings {
    UploadSettings::from_lookup(|name| {
        match name {
            "SOURCE_BUCKET" => Some("src-bucket"),
            "UPLOAD_PREFIX" => Some("uploads/"),
            "UPLOAD_CONTENT_TYPES" => Some("image/jpeg,image/png"),
            "UPLOAD_MAX_BYTES" => Some("1000"),
            _ => None,
        }
        .map(str::to_owned)
    })
    .expect("test settings")
}

fn ask(body: &str) -> Result<Ask, Refused> {
    check("POST", body.as_bytes(), Some(CALLER), &settings())
}

#[test]
fn a_good_request_is_granted_with_every_field() {
    let sha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let got = ask(&format!(
        r#"{{"content_type":"IMAGE/JPEG","content_length":1000,"checksum_sha256":"{sha}","name":"été (1)+.jpg"}}"#
    ))
    .expect("granted");
    assert_eq!(got.content_type.media_type, "image/jpeg");
    assert_eq!(got.content_length, 1000);
    assert_eq!(got.checksum_sha256.as_deref(), Some(sha));
    assert_eq!(
        got.original_name.as_deref(),
        Some("%C3%A9t%C3%A9%20%281%29%2B%2Ejpg")
    );
    assert_eq!(got.uploaded_by, CALLER);
}

#[test]
fn each_refusal_has_its_status_error_and_names_the_field() {
    let cases: &[(&str, u16, &str, &str)] = &[
        ("not json", 400, "InvalidRequest", "not JSON"),
        ("[1]", 400, "InvalidRequest", "JSON object"),
        (
            r#"{"content_length":1}"#,
            400,
            "InvalidRequest",
            "content_type is required",
        ),
        (
            r#"{"content_type":7,"content_length":1}"#,
            400,
            "InvalidRequest",
            "content_type must",
        ),
        (
            r#"{"content_type":"image/gif","content_length":1}"#,
            415,
            "UnsupportedMediaType",
            "image/jpeg, image/png",
        ),
        (
            r#"{"content_type":"image/jpeg; charset=x","content_length":1}"#,
            415,
            "UnsupportedMediaType",
            "not allowed",
        ),
        (
            r#"{"content_type":"image/jpeg"}"#,
            400,
            "InvalidRequest",
            "content_length is required",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":"5"}"#,
            400,
            "InvalidRequest",
            "content_length must",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":0}"#,
            400,
            "InvalidRequest",
            "content_length 0",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":-1}"#,
            400,
            "InvalidRequest",
            "content_length -1",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":1.5}"#,
            400,
            "InvalidRequest",
            "content_length 1.5",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":1001}"#,
            413,
            "ContentTooLarge",
            "UPLOAD_MAX_BYTES",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":1,"checksum_sha256":"abc"}"#,
            400,
            "InvalidRequest",
            "checksum_sha256",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":1,"name":""}"#,
            400,
            "InvalidRequest",
            "name must",
        ),
        (
            r#"{"content_type":"image/jpeg","content_length":1,"key":"x"}"#,
            400,
            "InvalidRequest",
            "unknown field \"key\"",
        ),
    ];
    for (body, status, error, says) in cases {
        let refusal = ask(body).expect_err(body);
        assert_eq!((refusal.status, refusal.error), (*status, *error), "{body}");
        assert!(
            refusal.message.contains(says),
            "{body}: {}",
            refusal.message
        );
    }
    let long_name = format!(
        r#"{{"content_type":"image/jpeg","content_length":1,"name":"{}"}}"#,
        "n".repeat(256)
    );
    assert_eq!(
        ask(&long_name).expect_err("too long").error,
        "InvalidRequest"
    );
    let big = format!(
        r#"{{"content_type":"image/jpeg","content_length":1,"name":"{}"}}"#,
        " ".repeat(5000)
    );
    assert_eq!(ask(&big).expect_err("big body").status, 413);
}

#[test]
fn another_method_is_405_and_no_identity_is_403() {
    let body = br#"{"content_type":"image/jpeg","content_length":1}"#;
    let got = check("GET", body, Some(CALLER), &settings()).expect_err("GET");
    assert_eq!((got.status, got.error), (405, "MethodNotAllowed"));
    for caller in [
        None,
        Some(""),
        Some("anonymous"),
        Some("arn:aws:iam::1:user/x\nforged: 1"),
    ] {
        let got = check("POST", body, caller, &settings()).expect_err("no identity");
        assert_eq!(
            (got.status, got.error),
            (403, "Unauthenticated"),
            "{caller:?}"
        );
    }
    let role = "arn:aws:sts::111111111111:assumed-role/app/session-1";
    assert_eq!(
        check("POST", body, Some(role), &settings())
            .expect("a role")
            .uploaded_by,
        role
    );
}

#[test]
fn keys_are_dated_and_carry_the_types_extension() {
    let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let png = settings().content_types[1];
    assert_eq!(
        key("uploads/", "2026-12-02", &id, &png),
        "uploads/2026/12/02/01234567-89ab-cdef-0123-456789abcdef.png"
    );
}
