//! The conversions, one row per case, and the sample images through them.

use contract::spec::parse_renditions;

use super::*;

#[test]
fn each_format_has_its_encoder() {
    let specs = parse_renditions("a:10x20:jpeg:77,b:30x40:png:50,c:5x6:webp,d:7x8:webp:lossless")
        .expect("specs");
    let targets: Vec<Target> = specs.iter().map(target).collect();
    assert_eq!(
        targets,
        [
            Target {
                width: 10,
                height: 20,
                encoding: Encoding::Jpeg { quality: 77 }
            },
            Target {
                width: 30,
                height: 40,
                encoding: Encoding::Png
            },
            Target {
                width: 5,
                height: 6,
                encoding: Encoding::WebP { quality: 80 }
            },
            Target {
                width: 7,
                height: 8,
                encoding: Encoding::WebPLossless
            },
        ]
    );
}

#[test]
fn each_rejection_has_the_contracts_reason() {
    for (rejection, reason) in [
        (Rejection::NotAnImage("x".into()), "not-an-image"),
        (Rejection::Corrupt("x".into()), "corrupt"),
        (Rejection::TooLarge("x".into()), "too-large"),
        (
            Rejection::UnsupportedFormat("x".into()),
            "unsupported-format",
        ),
    ] {
        assert_eq!(reject(&rejection).as_str(), reason, "{rejection:?}");
    }
}

#[test]
fn the_default_limits_are_the_settings_defaults() {
    let limits = default_limits();
    assert_eq!(
        (limits.max_input_bytes, limits.max_pixels),
        (DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_INPUT_PIXELS)
    );
}

#[test]
fn the_sample_renders_with_its_renditions_and_their_results() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/images/sample.jpg"
    ))
    .expect("the sample image");
    let specs = parse_renditions(contract::spec::DEFAULT_RENDITIONS).expect("defaults");
    let made = render(&bytes, &specs, &default_limits()).expect("renders");
    assert_eq!((made.source_width, made.source_height), (1600, 1200));
    let infos: Vec<OutputInfo> = made
        .outputs
        .iter()
        .map(|o| o.info(o.rendition.file_name()))
        .collect();
    let sizes: Vec<(String, Option<u32>, Option<u32>)> = infos
        .iter()
        .map(|i| (i.key.clone(), i.width, i.height))
        .collect();
    assert_eq!(
        sizes,
        [
            ("thumb.jpg".to_owned(), Some(200), Some(150)),
            ("small.jpg".to_owned(), Some(800), Some(600)),
            ("large.jpg".to_owned(), Some(1600), Some(1200)),
        ]
    );
    for (out, info) in made.outputs.iter().zip(&infos) {
        assert_eq!(info.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(info.bytes, Some(out.bytes.len() as u64));
        let decoded = image::load_from_memory(&out.bytes).expect("a JPEG");
        assert_eq!((decoded.width(), decoded.height()), (out.width, out.height));
    }
}

#[test]
fn a_rejection_keeps_its_kind() {
    let specs = parse_renditions("t:10x10:png").expect("spec");
    match render(b"not an image", &specs, &default_limits()) {
        Err(RenderError::Rejected(r)) => assert_eq!(reject(&r), Reject::NotAnImage),
        other => panic!("expected a rejection, got {other:?}"),
    }
}
