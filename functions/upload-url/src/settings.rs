//! upload-url's own settings: the source bucket and the `UPLOAD_*` limits, never the
//! destination's (this function has no business knowing the writer role or its ExternalId).

use std::time::Duration;

use cross_account_s3::{BucketName, Env, Error, SourceSettings};

/// Default `UPLOAD_CONTENT_TYPES`.
pub const DEFAULT_CONTENT_TYPES: &str = "image/jpeg,image/png,image/gif,image/webp";
/// Default `UPLOAD_MAX_BYTES`: 25 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
/// Default `UPLOAD_EXPIRES_SECONDS`.
pub const DEFAULT_EXPIRES_SECONDS: u64 = 300;

/// A content type uploads may have, with the extension its keys get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentType {
    /// The media type, as signed (`image/jpeg`).
    pub media_type: &'static str,
    /// The key's extension (`jpg`).
    pub extension: &'static str,
}

/// The content types the pipeline renders, and their keys' extensions.
pub const KNOWN_CONTENT_TYPES: &[ContentType] = &[
    ContentType {
        media_type: "image/jpeg",
        extension: "jpg",
    },
    ContentType {
        media_type: "image/png",
        extension: "png",
    },
    ContentType {
        media_type: "image/gif",
        extension: "gif",
    },
    ContentType {
        media_type: "image/webp",
        extension: "webp",
    },
];

/// Everything upload-url is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSettings {
    /// The source side (`SOURCE_BUCKET`, `SOURCE_PREFIX`, `SOURCE_ACCOUNT_ID`, which is signed as
    /// `x-amz-expected-bucket-owner` when set), read as the pipeline's functions read it.
    pub source: SourceSettings,
    /// `SOURCE_BUCKET`, which upload-url requires: where uploads go.
    pub bucket: BucketName,
    /// `UPLOAD_PREFIX` (required, non-empty, within `SOURCE_PREFIX`).
    pub prefix: String,
    /// `UPLOAD_CONTENT_TYPES`.
    pub content_types: Vec<ContentType>,
    /// `UPLOAD_MAX_BYTES`: the largest `content_length` granted.
    pub max_bytes: u64,
    /// `UPLOAD_EXPIRES_SECONDS`: how long a URL works (at most until the credentials expire).
    pub expires: Duration,
    /// `AWS_ENDPOINT_URL`: a local AWS; path-style URLs when set.
    pub endpoint_url: Option<String>,
}

impl UploadSettings {
    /// Parses the settings through `lookup` (only `main` passes the real environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env::new(lookup);
        let source = SourceSettings::from_env(&env)?;
        let bucket = source.required_bucket("upload-url")?;
        let source_prefix = &source.prefix;
        let prefix = env.required(
            "UPLOAD_PREFIX",
            "the key prefix of uploads (for instance uploads/), within SOURCE_PREFIX",
        )?;
        if !prefix.starts_with(source_prefix.as_str()) {
            return Err(Error::invalid_configuration(
                "UPLOAD_PREFIX",
                format!(
                    "{prefix:?} is not within SOURCE_PREFIX {source_prefix:?}, so uploads would not reach the pipeline: make it start with SOURCE_PREFIX"
                ),
            ));
        }
        if prefix.chars().any(char::is_control) || prefix.len() > 512 {
            return Err(Error::invalid_configuration(
                "UPLOAD_PREFIX",
                "must be at most 512 bytes without control characters",
            ));
        }
        let content_types = env
            .parse("UPLOAD_CONTENT_TYPES", parse_content_types)?
            .map_or_else(|| parse_content_types(DEFAULT_CONTENT_TYPES), Ok)
            .map_err(|problem| Error::invalid_configuration("UPLOAD_CONTENT_TYPES", problem))?;
        if let Some(suffix) = env.optional("SOURCE_SUFFIX") {
            check_suffix(&content_types, &suffix)?;
        }
        // The pipeline's own limit: an upload larger than transform reads would be stored and
        // then rejected as `too-large`.
        let max_input_bytes = env.max_input_bytes()?;
        let max_bytes = env.integer(
            "UPLOAD_MAX_BYTES",
            1..=max_input_bytes,
            DEFAULT_MAX_BYTES.min(max_input_bytes),
        )?;
        let expires = env.integer("UPLOAD_EXPIRES_SECONDS", 60..=3600, DEFAULT_EXPIRES_SECONDS)?;
        let endpoint_url = env.endpoint_url()?;
        Ok(Self {
            source,
            bucket,
            prefix,
            content_types,
            max_bytes,
            expires: Duration::from_secs(expires),
            endpoint_url,
        })
    }
}

/// A comma-separated list of the known content types, each at most once.
fn parse_content_types(v: &str) -> Result<Vec<ContentType>, String> {
    let mut types: Vec<ContentType> = Vec::new();
    for item in v.split(',').map(str::trim) {
        let known = KNOWN_CONTENT_TYPES
            .iter()
            .find(|t| t.media_type.eq_ignore_ascii_case(item))
            .ok_or_else(|| {
                let names: Vec<&str> = KNOWN_CONTENT_TYPES.iter().map(|t| t.media_type).collect();
                format!(
                    "{item:?} is not a content type the pipeline renders (choose among {})",
                    names.join(", ")
                )
            })?;
        if !types.contains(known) {
            types.push(*known);
        }
    }
    Ok(types)
}

/// Every upload's key must match the trigger's suffix filter, or its upload would never be
/// rendered.
fn check_suffix(types: &[ContentType], suffix: &str) -> Result<(), Error> {
    let missed: Vec<&str> = types
        .iter()
        .filter(|t| !format!(".{}", t.extension).ends_with(suffix))
        .map(|t| t.media_type)
        .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_configuration(
            "UPLOAD_CONTENT_TYPES",
            format!(
                "allows {} whose keys do not end with the trigger's suffix filter SOURCE_SUFFIX {suffix:?} (upload keys end with .jpg, .png, .gif or .webp): narrow UPLOAD_CONTENT_TYPES or the suffix",
                missed.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<UploadSettings, Error> {
        let mut map: HashMap<&str, &str> = [
            ("SOURCE_BUCKET", "src-bucket"),
            ("UPLOAD_PREFIX", "uploads/"),
        ]
        .into();
        map.extend(vars.iter().copied());
        UploadSettings::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    fn bad_variable(vars: &[(&str, &str)]) -> String {
        match parse(vars) {
            Err(Error::InvalidConfiguration(p)) => p.variable().to_owned(),
            other => panic!("expected InvalidConfiguration, got {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = parse(&[]).expect("minimal settings");
        assert_eq!(s.max_bytes, 25 * 1024 * 1024);
        assert_eq!(s.expires, Duration::from_secs(300));
        assert_eq!(s.content_types, KNOWN_CONTENT_TYPES);
        assert_eq!(s.source.account_id, None);
        assert_eq!(s.bucket, "src-bucket");
    }

    #[test]
    fn the_destination_settings_are_not_needed() {
        // No DESTINATION_* at all: upload-url parses.
        assert!(parse(&[]).is_ok());
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("UPLOAD_PREFIX", "")], "UPLOAD_PREFIX"),
            (
                &[("SOURCE_PREFIX", "photos/"), ("UPLOAD_PREFIX", "uploads/")],
                "UPLOAD_PREFIX",
            ),
            (&[("UPLOAD_PREFIX", "up\nloads/")], "UPLOAD_PREFIX"),
            (&[("SOURCE_BUCKET", "")], "SOURCE_BUCKET"),
            (&[("SOURCE_BUCKET", "arn:aws:s3:::b")], "SOURCE_BUCKET"),
            (&[("SOURCE_ACCOUNT_ID", "12")], "SOURCE_ACCOUNT_ID"),
            (
                &[("UPLOAD_CONTENT_TYPES", "image/jpeg,text/html")],
                "UPLOAD_CONTENT_TYPES",
            ),
            (
                &[("UPLOAD_EXPIRES_SECONDS", "59")],
                "UPLOAD_EXPIRES_SECONDS",
            ),
            (
                &[("UPLOAD_EXPIRES_SECONDS", "3601")],
                "UPLOAD_EXPIRES_SECONDS",
            ),
            (&[("UPLOAD_MAX_BYTES", "0")], "UPLOAD_MAX_BYTES"),
            (
                &[("MAX_INPUT_BYTES", "1000"), ("UPLOAD_MAX_BYTES", "1001")],
                "UPLOAD_MAX_BYTES",
            ),
            (&[("SOURCE_SUFFIX", ".jpg")], "UPLOAD_CONTENT_TYPES"),
            (
                &[("AWS_ENDPOINT_URL", "localhost:4566")],
                "AWS_ENDPOINT_URL",
            ),
        ];
        for (vars, variable) in cases {
            assert_eq!(bad_variable(vars), *variable, "{vars:?}");
        }
    }

    #[test]
    fn limits_within_the_pipeline_and_the_trigger_parse() {
        let s = parse(&[
            ("SOURCE_PREFIX", "photos/"),
            ("UPLOAD_PREFIX", "photos/uploads/"),
            ("UPLOAD_CONTENT_TYPES", "image/jpeg, IMAGE/JPEG"),
            ("SOURCE_SUFFIX", ".jpg"),
            ("MAX_INPUT_BYTES", "1000"),
        ])
        .expect("consistent settings");
        assert_eq!(s.content_types, &KNOWN_CONTENT_TYPES[..1]);
        assert_eq!(
            s.max_bytes, 1000,
            "the default is capped by MAX_INPUT_BYTES"
        );
    }
}
