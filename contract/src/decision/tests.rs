//! The decisions as a table: one row per rule of the contract, each naming what it states.

use super::*;
use crate::outputs::encode_source_key;

const BUCKET: &str = "src";
const KEY: &str = "photos/été 2026 (1)+.jpg";

fn object(etag: &str, version: Option<&str>) -> SourceObject {
    SourceObject {
        etag: etag.into(),
        version_id: version.map(Into::into),
        length: 1000,
    }
}

fn wanted() -> Vec<Wanted> {
    ["thumb", "small"]
        .iter()
        .map(|n| Wanted {
            key: format!("out/{KEY}/{n}.jpg"),
            spec: format!("{n}:10x10:jpeg:82"),
        })
        .collect()
}

/// A rendition of this source, made from `etag`/`version` for `sequencer`, with the current
/// spec.
fn ours(name: &str, etag: &str, version: Option<&str>, sequencer: Option<&str>) -> Found {
    Found {
        key: format!("out/{KEY}/{name}.jpg"),
        etag: format!("\"{name}-etag\""),
        generated_by: Some("transform/0.1.0".into()),
        source_bucket: Some(BUCKET.into()),
        source_key: Some(encode_source_key(KEY)),
        source_etag: Some(etag.into()),
        source_version: version.map(Into::into),
        sequencer: sequencer.map(Into::into),
        spec: Some(format!("{name}:10x10:jpeg:82")),
    }
}

fn both(etag: &str, version: Option<&str>, sequencer: Option<&str>) -> Vec<Found> {
    vec![
        ours("thumb", etag, version, sequencer),
        ours("small", etag, version, sequencer),
    ]
}

struct Case {
    states: &'static str,
    pinned: Pinned,
    current: Option<SourceObject>,
    sequencer: Option<&'static str>,
    force: bool,
    found: Vec<Found>,
    key_too_long: bool,
    expect: CreateDecision,
}

fn case(states: &'static str, expect: CreateDecision) -> Case {
    Case {
        states,
        pinned: Pinned::Found {
            object: object("e1", Some("v1")),
            own_output: false,
        },
        current: Some(object("e1", Some("v1"))),
        sequencer: Some("0A"),
        force: false,
        found: vec![],
        key_too_long: false,
        expect,
    }
}

fn render(writes: Vec<Write>, obsolete: Vec<Delete>) -> CreateDecision {
    CreateDecision::Render(Plan {
        object: object("e1", Some("v1")),
        writes,
        obsolete,
    })
}

fn replace(name: &str) -> Write {
    Write::Replace(format!("\"{name}-etag\""))
}

fn delete(name: &str) -> Delete {
    Delete {
        key: format!("out/{KEY}/{name}.jpg"),
        etag: format!("\"{name}-etag\""),
    }
}

#[test]
fn create_decisions_follow_the_contracts_order() {
    let own = Pinned::Found {
        object: object("e1", Some("v1")),
        own_output: true,
    };
    let mut other_spec = both("e1", Some("v1"), Some("0A"));
    other_spec[1].spec = Some("small:20x20:jpeg:82".into());
    let mut no_spec = both("e1", Some("v1"), Some("0A"));
    no_spec[0].spec = None;
    let mut foreign = both("e1", Some("v1"), Some("0A"));
    foreign[0].generated_by = None;
    let mut obsolete = both("e1", Some("v1"), Some("0A"));
    obsolete.push(ours("large", "e1", Some("v1"), Some("0A")));
    let mut not_ours_left = both("e1", Some("v1"), Some("0A"));
    not_ours_left.push(Found {
        key: format!("out/{KEY}/notes.txt"),
        etag: "\"n\"".into(),
        ..Found::default()
    });

    let cases = [
        Case {
            pinned: own.clone(),
            ..case(
                "the record's object carries generated-by",
                CreateDecision::Skip(Skip::OwnOutput),
            )
        },
        Case {
            pinned: own,
            current: None,
            ..case(
                "own-output comes before gone",
                CreateDecision::Skip(Skip::OwnOutput),
            )
        },
        Case {
            pinned: Pinned::Missing,
            ..case(
                "the record's version or key no longer exists",
                CreateDecision::Skip(Skip::Gone),
            )
        },
        Case {
            pinned: Pinned::Changed,
            ..case(
                "the key holds another ETag than the record's",
                CreateDecision::Skip(Skip::Superseded),
            )
        },
        Case {
            current: None,
            found: both("e1", Some("v1"), Some("0A")),
            ..case(
                "a delete marker is current: a deleted photo stays deleted",
                CreateDecision::Skip(Skip::Gone),
            )
        },
        Case {
            current: Some(object("e2", Some("v2"))),
            ..case(
                "another version is current: an old version is not rendered",
                CreateDecision::Skip(Skip::Superseded),
            )
        },
        Case {
            pinned: Pinned::Found {
                object: object("e1", None),
                own_output: false,
            },
            current: Some(object("e2", None)),
            ..case(
                "unversioned: another ETag is current",
                CreateDecision::Skip(Skip::Superseded),
            )
        },
        Case {
            current: Some(object("e2", Some("v2"))),
            force: true,
            ..case(
                "force keeps the order of decisions",
                CreateDecision::Skip(Skip::Superseded),
            )
        },
        Case {
            found: both("e0", Some("v0"), Some("0B")),
            ..case(
                "a rendition was made for a later sequencer",
                CreateDecision::Skip(Skip::OutOfOrder),
            )
        },
        Case {
            found: both("e0", Some("v0"), Some("0A1")),
            ..case(
                "sequencers compare right-padded: 0A1 is after 0A",
                CreateDecision::Skip(Skip::OutOfOrder),
            )
        },
        Case {
            sequencer: None,
            found: both("e0", Some("v0"), Some("0B")),
            ..case(
                "a record without a sequencer, found current, replaces renditions of any sequencer",
                render(vec![replace("thumb"), replace("small")], vec![]),
            )
        },
        Case {
            found: both("e0", Some("v0"), Some("09")),
            ..case(
                "renditions of an earlier event are replaced, each If-Match",
                render(vec![replace("thumb"), replace("small")], vec![]),
            )
        },
        Case {
            found: both("e1", Some("v1"), Some("0A")),
            ..case(
                "every rendition is from this ETag, version and spec",
                CreateDecision::Skip(Skip::AlreadyCurrent),
            )
        },
        Case {
            sequencer: None,
            found: both("e1", Some("v1"), None),
            ..case(
                "a repeat of a record without a sequencer",
                CreateDecision::Skip(Skip::AlreadyCurrent),
            )
        },
        Case {
            found: both("e1", Some("v1"), Some("0A")),
            force: true,
            ..case(
                "force re-renders current renditions, still conditionally",
                render(vec![replace("thumb"), replace("small")], vec![]),
            )
        },
        Case {
            found: other_spec,
            ..case(
                "a rendition of another spec is replaced; the current one is kept",
                render(vec![Write::Keep, replace("small")], vec![]),
            )
        },
        Case {
            found: no_spec,
            ..case(
                "a rendition without a spec (made before specs were recorded) is replaced",
                render(vec![replace("thumb"), Write::Keep], vec![]),
            )
        },
        Case {
            found: vec![ours("thumb", "e1", Some("v1"), Some("0A"))],
            ..case(
                "a missing rendition is written If-None-Match",
                render(vec![Write::Keep, Write::New], vec![]),
            )
        },
        Case {
            found: foreign,
            ..case(
                "an object at a rendition's key that is not ours is replaced, If-Match",
                render(vec![replace("thumb"), Write::Keep], vec![]),
            )
        },
        Case {
            found: obsolete.clone(),
            ..case(
                "renditions current, one whose name left RENDITIONS: deleted",
                CreateDecision::Tidy(vec![delete("large")]),
            )
        },
        Case {
            found: {
                let mut f = obsolete;
                f[0].spec = None;
                f
            },
            ..case(
                "a render deletes the obsolete rendition after writing",
                render(vec![replace("thumb"), Write::Keep], vec![delete("large")]),
            )
        },
        Case {
            found: not_ours_left,
            ..case(
                "an object under the folder that is not ours is never deleted",
                CreateDecision::Skip(Skip::AlreadyCurrent),
            )
        },
        Case {
            key_too_long: true,
            ..case(
                "an output key would pass 1024 bytes",
                CreateDecision::Reject(
                    Reject::KeyTooLong,
                    "an output key would pass S3's 1024 bytes".into(),
                ),
            )
        },
        Case {
            pinned: Pinned::Found {
                object: SourceObject {
                    length: 1001,
                    ..object("e1", Some("v1"))
                },
                own_output: false,
            },
            current: Some(SourceObject {
                length: 1001,
                ..object("e1", Some("v1"))
            }),
            ..case(
                "over MAX_INPUT_BYTES",
                CreateDecision::Reject(
                    Reject::TooLarge,
                    "the object is 1001 bytes, over MAX_INPUT_BYTES = 1000".into(),
                ),
            )
        },
        Case {
            found: vec![],
            ..case(
                "nothing there yet",
                render(vec![Write::New, Write::New], vec![]),
            )
        },
    ];
    let wanted = wanted();
    for c in cases {
        let decision = create(&Create {
            bucket: BUCKET,
            key: KEY,
            sequencer: c.sequencer,
            force: c.force,
            pinned: &c.pinned,
            current: c.current.as_ref(),
            wanted: (!c.key_too_long).then_some(&wanted[..]),
            found: &c.found,
            max_input_bytes: 1000,
        });
        assert_eq!(decision, c.expect, "{}", c.states);
    }
}

#[test]
fn only_this_sources_outputs_count() {
    let mut other_key = ours("thumb", "e9", Some("v9"), Some("0F"));
    other_key.source_key = Some(encode_source_key("photos/other.jpg"));
    let mut other_bucket = ours("small", "e9", Some("v9"), Some("0F"));
    other_bucket.source_bucket = Some("another".into());
    let mut long_key = ours("thumb", "e1", Some("v1"), Some("0A"));
    long_key.source_key = None;
    assert!(
        long_key.belongs_to(BUCKET, KEY),
        "source-key dropped for length: the folder names it"
    );
    assert!(!other_key.belongs_to(BUCKET, KEY));
    assert!(!other_bucket.belongs_to(BUCKET, KEY));
    let found = [other_key, other_bucket];
    let decision = create(&Create {
        bucket: BUCKET,
        key: KEY,
        sequencer: Some("0A"),
        force: false,
        pinned: &Pinned::Found {
            object: object("e1", Some("v1")),
            own_output: false,
        },
        current: Some(&object("e1", Some("v1"))),
        wanted: Some(&wanted()),
        found: &found,
        max_input_bytes: 1000,
    });
    assert_eq!(
        decision,
        render(vec![replace("thumb"), replace("small")], vec![]),
        "not out of order because of another source's later sequencer; replaced, not kept"
    );
    assert_eq!(
        removal(BUCKET, KEY, None, &found),
        RemovalDecision::Skip(Skip::Gone)
    );
}

#[test]
fn after_writing_a_create_checks_its_source_is_still_current() {
    let v1 = object("e1", Some("v1"));
    assert_eq!(after_writing(&v1, Some(&v1)), None);
    assert_eq!(
        after_writing(&v1, None),
        Some(Skip::Gone),
        "removed meanwhile"
    );
    assert_eq!(
        after_writing(&v1, Some(&object("e2", Some("v2")))),
        Some(Skip::Superseded),
        "overwritten meanwhile"
    );
    assert_eq!(
        after_writing(&object("e1", None), Some(&object("e1", None))),
        None,
        "unversioned: the same ETag"
    );
}

#[test]
fn removal_decisions() {
    let v1 = object("e1", Some("v1"));
    let v2 = object("e2", Some("v2"));
    let mut with_obsolete = both("e1", Some("v1"), Some("0A"));
    with_obsolete.push(ours("large", "e1", Some("v1"), Some("0A")));
    let mut with_foreign = both("e1", Some("v1"), Some("0A"));
    with_foreign.push(Found {
        key: format!("out/{KEY}/notes.txt"),
        etag: "\"n\"".into(),
        ..Found::default()
    });
    let rows: [(&str, Option<&SourceObject>, Vec<Found>, RemovalDecision); 7] = [
        (
            "nothing of ours to delete",
            None,
            vec![],
            RemovalDecision::Skip(Skip::Gone),
        ),
        (
            "no current version: every rendition, each If-Match",
            None,
            both("e1", Some("v1"), Some("0A")),
            RemovalDecision::Delete(vec![delete("thumb"), delete("small")]),
        ),
        (
            "renditions no longer in RENDITIONS go too",
            None,
            with_obsolete,
            RemovalDecision::Delete(vec![delete("thumb"), delete("small"), delete("large")]),
        ),
        (
            "an object that is not ours stays",
            None,
            with_foreign,
            RemovalDecision::Delete(vec![delete("thumb"), delete("small")]),
        ),
        (
            "the renditions are the current version's",
            Some(&v1),
            both("e1", Some("v1"), Some("0A")),
            RemovalDecision::Skip(Skip::Superseded),
        ),
        (
            "a permanently deleted version made an older one current",
            Some(&v1),
            both("e2", Some("v2"), Some("0B")),
            RemovalDecision::RenderCurrent(v1.clone()),
        ),
        (
            "a current version and no renditions: render it",
            Some(&v2),
            vec![],
            RemovalDecision::RenderCurrent(v2.clone()),
        ),
    ];
    for (states, current, found, expect) in rows {
        assert_eq!(removal(BUCKET, KEY, current, &found), expect, "{states}");
    }
}

#[test]
fn records_outside_the_source_are_ignored_before_anything_is_read() {
    use crate::event::{EventKey, Kind, Record};
    let record = |bucket: &str, key: EventKey| Record {
        kind: Kind::Created,
        event_name: "ObjectCreated:Put".into(),
        bucket: bucket.into(),
        key,
        version_id: None,
        etag: None,
        size: None,
        sequencer: None,
    };
    let decoded = |k: &str| EventKey::Decoded(k.into());
    let rows = [
        (
            "no SOURCE_BUCKET set: any bucket",
            record("any", decoded(KEY)),
            None,
            "",
            true,
        ),
        (
            "SOURCE_BUCKET",
            record(BUCKET, decoded(KEY)),
            Some(BUCKET),
            "photos/",
            true,
        ),
        (
            "another bucket",
            record("other", decoded(KEY)),
            Some(BUCKET),
            "",
            false,
        ),
        (
            "outside SOURCE_PREFIX",
            record(BUCKET, decoded("private/a.jpg")),
            Some(BUCKET),
            "photos/",
            false,
        ),
        (
            "an EventBridge key whose decoding lies under the prefix",
            record(
                BUCKET,
                EventKey::Candidates {
                    given: "photos%2Fa.jpg".into(),
                    decoded: Some("photos/a.jpg".into()),
                },
            ),
            Some(BUCKET),
            "photos/",
            true,
        ),
    ];
    for (states, r, bucket, prefix, expect) in rows {
        assert_eq!(in_scope(&r, bucket, prefix), expect, "{states}");
    }
}

#[test]
fn after_a_lost_write() {
    let v1 = object("e1", Some("v1"));
    let thumb = &wanted()[0];
    let mut other_spec = ours("thumb", "e1", Some("v1"), Some("0A"));
    other_spec.spec = Some("thumb:99x99:jpeg:82".into());
    let mut foreign = ours("thumb", "e1", Some("v1"), Some("0A"));
    foreign.source_key = Some("someone/else.jpg".into());
    let rows: [(&str, Option<Found>, Option<&str>, AfterLostWrite); 6] = [
        (
            "this source's rendition of this spec is there now: leave it",
            Some(ours("thumb", "e1", Some("v1"), Some("0A"))),
            Some("0A"),
            AfterLostWrite::Leave { later: false },
        ),
        (
            "one made for a later event: leave it, out of order",
            Some(ours("thumb", "e2", Some("v2"), Some("0B"))),
            Some("0A"),
            AfterLostWrite::Leave { later: true },
        ),
        (
            "an older version's: replace it, If-Match its ETag",
            Some(ours("thumb", "e0", Some("v0"), Some("09"))),
            Some("0A"),
            AfterLostWrite::Retry {
                replace: Some("\"thumb-etag\"".into()),
            },
        ),
        (
            "this source's with another spec: replace it",
            Some(other_spec),
            Some("0A"),
            AfterLostWrite::Retry {
                replace: Some("\"thumb-etag\"".into()),
            },
        ),
        (
            "a record without a sequencer never yields to a later one",
            Some(ours("thumb", "e2", Some("v2"), Some("0B"))),
            None,
            AfterLostWrite::Retry {
                replace: Some("\"thumb-etag\"".into()),
            },
        ),
        (
            "gone since it was read: create it",
            None,
            Some("0A"),
            AfterLostWrite::Retry { replace: None },
        ),
    ];
    for (states, now, sequencer, expect) in rows {
        assert_eq!(
            after_lost_write(now.as_ref(), thumb, BUCKET, KEY, &v1, sequencer),
            expect,
            "{states}"
        );
    }
    assert_eq!(
        after_lost_write(Some(&foreign), thumb, BUCKET, KEY, &v1, Some("0A")),
        AfterLostWrite::Retry {
            replace: Some("\"thumb-etag\"".into())
        },
        "another source's object under the key is replaced, never left"
    );
}

#[test]
fn a_removals_tally() {
    let rows = [
        ("some deleted", 2, 0, Disposition::Deleted),
        ("some deleted, one kept", 1, 1, Disposition::Deleted),
        (
            "only kept: a re-upload's renditions",
            0,
            2,
            Disposition::Skipped(Skip::Superseded),
        ),
        (
            "nothing there any more: a repeated removal",
            0,
            0,
            Disposition::Skipped(Skip::Gone),
        ),
    ];
    for (states, deleted, kept, expect) in rows {
        assert_eq!(after_deleting(deleted, kept), expect, "{states}");
    }
    assert_eq!(
        removal_rendered(Disposition::Skipped(Skip::AlreadyCurrent)),
        Disposition::Skipped(Skip::Superseded)
    );
    assert_eq!(removal_rendered(Disposition::Written), Disposition::Written);
}

#[test]
fn a_lossless_webp_stored_before_lossy_webp_is_current_for_webp_lossless() {
    let stored = |spec: &str| {
        Found::from_metadata("k/t.webp".into(), "\"e\"".into(), |name| {
            (name == "rendition-spec").then(|| spec.to_owned())
        })
    };
    assert_eq!(
        stored("t:5x5:webp:0").spec.as_deref(),
        Some("t:5x5:webp:lossless"),
        "webp:0 was lossless"
    );
    assert_eq!(
        stored("t:5x5:webp:80").spec.as_deref(),
        Some("t:5x5:webp:80")
    );
}
