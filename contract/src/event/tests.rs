//! Event parsing, on the `events/` samples (so they cannot drift) and on hand-made edge cases.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;
use crate::error::ErrorKind;
use crate::invocation::{Invocation, parse_invocation};

/// The repository's `events/` directory.
pub(crate) fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn sample(name: &str) -> Value {
    let path = events_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn direct(name: &str) -> Vec<Item> {
    match parse_invocation(&sample(name)).expect(name) {
        Invocation::Direct(items) => items,
        other => panic!("{name} parsed as {other:?}"),
    }
}

fn record(item: &Item) -> &Record {
    match item {
        Item::Record(r) => r,
        other => panic!("expected a record, got {other:?}"),
    }
}

#[test]
fn s3_put_keys_are_form_decoded_and_etags_unquoted() {
    let items = direct("s3-put.json");
    let r = record(&items[0]);
    assert_eq!(r.kind, Kind::Created);
    assert_eq!(r.bucket, "example-source-bucket");
    assert_eq!(r.key, EventKey::Decoded("photos/été 2026 (1)+.jpg".into()));
    assert_eq!(r.sequencer.as_deref(), Some("0062E99A88DC407460"));
    assert_eq!(r.version_id, None);
    assert!(
        r.etag
            .as_deref()
            .is_some_and(|e| e.len() == 32 && !e.contains('"'))
    );
}

#[test]
fn the_samples_match_their_images() {
    // Every sample record that names an image in events/images carries its real size and ETag
    // (single-part upload: the MD5), so tests and the demo can upload the file and replay the event.
    let mut checked = 0;
    for name in [
        "s3-put.json",
        "s3-put-batch.json",
        "eventbridge-object-created.json",
    ] {
        for item in direct(name) {
            let r = record(&item);
            let file = r
                .key
                .primary()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace("été 2026 (1)+", "sample")
                .replace("logo with alpha", "transparent");
            let bytes = std::fs::read(events_dir().join("images").join(&file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(r.size, Some(bytes.len() as u64), "{name}: size of {file}");
            assert_eq!(
                r.etag.as_deref(),
                Some(md5_hex(&bytes).as_str()),
                "{name}: eTag of {file}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

#[test]
fn a_batch_keeps_its_order_and_decodes_plus_as_space() {
    let items = direct("s3-put-batch.json");
    let keys: Vec<&str> = items.iter().map(|i| record(i).key.primary()).collect();
    assert_eq!(
        keys,
        [
            "photos/été 2026 (1)+.jpg",
            "photos/logo with alpha.png",
            "uploads/not-an-image.jpg"
        ]
    );
}

#[test]
fn removals_and_lifecycle_expirations_are_removals() {
    for name in [
        "s3-delete.json",
        "s3-lifecycle-expiration.json",
        "eventbridge-object-deleted.json",
    ] {
        let items = direct(name);
        let r = record(&items[0]);
        assert_eq!(r.kind, Kind::Removed, "{name}");
        assert_eq!(r.etag, None, "{name}");
    }
}

#[test]
fn unhandled_s3_event_types_are_ignored() {
    let items = direct("s3-restore-completed.json");
    assert_eq!(
        items[0],
        Item::Ignored {
            bucket: "example-source-bucket".into(),
            key: "photos/été 2026 (1)+.jpg".into(),
            version_id: None
        }
    );
    let mut tagged = sample("eventbridge-object-created.json");
    tagged["detail-type"] = json!("Object Tags Added");
    assert!(matches!(
        parse_items(&tagged).expect("parses")[0],
        Item::Ignored { .. }
    ));
}

#[test]
fn the_test_event_is_recognised_directly_and_in_sqs() {
    assert_eq!(direct("s3-test-event.json"), vec![Item::Test]);
    let Invocation::Sqs(messages) = parse_invocation(&sample("sqs-s3-put.json")).expect("parses")
    else {
        panic!("not SQS")
    };
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0].message_id,
        "059f36b4-87a3-44ab-83d2-661975830a7d"
    );
    let first = messages[0].items.as_ref().expect("an S3 notification");
    assert_eq!(record(&first[0]).key.primary(), "photos/été 2026 (1)+.jpg");
    assert_eq!(
        messages[1].items.as_ref().expect("the test event"),
        &vec![Item::Test]
    );
}

#[test]
fn eventbridge_keys_are_candidates() {
    let items = direct("eventbridge-object-created.json");
    let r = record(&items[0]);
    assert_eq!(
        r.key,
        EventKey::Candidates {
            given: "photos/été 2026 (1)+.jpg".into(),
            decoded: Some("photos/été 2026 (1) .jpg".into())
        }
    );
    let mut encoded = sample("eventbridge-object-created.json");
    encoded["detail"]["object"]["key"] = json!("photos/hello+world%21.jpg");
    let items = parse_items(&encoded).expect("parses");
    assert_eq!(
        record(&items[0]).key.candidates(),
        vec!["photos/hello+world%21.jpg", "photos/hello world!.jpg"],
        "as given first, then decoded"
    );
}

#[test]
fn anything_else_is_an_invalid_event_naming_what_arrived() {
    let mut bad_sqs = sample("sqs-s3-put.json");
    bad_sqs["Records"][0]["body"] = json!("{\"hello\": 1}");
    let Invocation::Sqs(messages) = parse_invocation(&bad_sqs).expect("the batch parses") else {
        panic!("not SQS")
    };
    let err = messages[0].items.as_ref().expect_err("unknown body");
    assert_eq!(err.kind(), ErrorKind::InvalidEvent);
    assert!(err.to_string().contains("keys hello"), "{err}");

    let cases = [
        (json!({}), "an empty JSON object"),
        (json!({"foo": 1, "bar": 2}), "keys"),
        (json!([1, 2]), "array of 2"),
        (json!("s3://bucket/key"), "a JSON string"),
        (json!({"Records": []}), "no Records"),
        (
            json!({"Records": [{"eventSource": "aws:dynamodb"}]}),
            "aws:dynamodb",
        ),
        (
            json!({"detail-type": "Object Created", "source": "my.app", "detail": {}, "version": "0", "id": "1", "account": "1", "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": []}),
            "my.app",
        ),
        (
            json!({"Records": [{"s3": {"bucket": {}}}]}),
            "does not parse",
        ),
    ];
    for (payload, says) in cases {
        let err = parse_invocation(&payload)
            .map(|_| ())
            .expect_err(&payload.to_string());
        assert_eq!(err.kind(), ErrorKind::InvalidEvent);
        assert!(err.to_string().contains(says), "{payload}: {err}");
    }
    let mut bad_key = sample("s3-put.json");
    bad_key["Records"][0]["s3"]["object"]["key"] = json!("bad%FFkey");
    let err = parse_items(&bad_key).expect_err("invalid UTF-8");
    assert!(err.to_string().contains("bad%FFkey"), "{err}");
}

#[test]
fn form_decoding_follows_s3() {
    assert_eq!(form_decode("a+b%2Bc%20d").as_deref(), Some("a b+c d"));
    assert_eq!(form_decode("caf%C3%A9").as_deref(), Some("café"));
    assert_eq!(
        form_decode("%E6%97%A5%E6%9C%AC/%F0%9F%93%B7.jpg").as_deref(),
        Some("日本/📷.jpg")
    );
    assert_eq!(form_decode("%C3"), None, "not UTF-8");
}

#[test]
fn sequencers_compare_right_padded() {
    use std::cmp::Ordering::*;
    assert_eq!(
        compare_sequencers("0062E99A88DC407460", "0062E99A88DC407461"),
        Less
    );
    assert_eq!(
        compare_sequencers("0062E99A88DC4074", "0062E99A88DC407400"),
        Equal,
        "right-padded with zeros"
    );
    assert_eq!(
        compare_sequencers("0062E99A88DC4075", "0062E99A88DC407460"),
        Greater
    );
    assert_eq!(compare_sequencers("00ab", "00AB"), Equal);
}

/// MD5 in hex: S3's ETag of a single-part upload.
pub(crate) fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn fields_that_would_become_headers_must_be_what_s3_sends() {
    // Found by the events fuzz target: an ETag with spaces went into If-Match and metadata.
    let with = |path: &[&str], value: Value| {
        let mut event = sample("s3-put.json");
        let mut at = &mut event["Records"][0]["s3"];
        for k in path {
            at = &mut at[*k];
        }
        *at = value;
        parse_invocation(&event)
    };
    let cases = [
        (&["object", "eTag"][..], json!("72e3 a261"), "ETag"),
        (
            &["object", "eTag"],
            json!("72e372691113a261b999021b80b4c273\r\nx-amz-acl: public"),
            "ETag",
        ),
        (
            &["object", "sequencer"],
            json!("0062E99A88DC40746Z"),
            "sequencer",
        ),
        (&["object", "versionId"], json!("v 1"), "version id"),
        (&["bucket", "name"], json!("bucket/../other"), "bucket"),
    ];
    for (path, value, what) in cases {
        match with(path, value.clone()) {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidEvent);
                assert!(e.to_string().contains(what), "{value}: {e}");
            }
            Ok(_) => panic!("{value} was accepted as the {what}"),
        }
    }
    // What S3 sends is accepted: multipart ETags, sequencers, version ids.
    assert!(
        with(
            &["object", "eTag"],
            json!("\"d41d8cd98f00b204e9800998ecf8427e-12\"")
        )
        .is_ok()
    );
    assert!(
        with(
            &["object", "versionId"],
            json!("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
        )
        .is_ok()
    );
}
