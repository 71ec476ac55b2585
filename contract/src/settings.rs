//! Typed settings, parsed once per cold start from the contract's environment variables.
//!
//! Only `main` reads the process environment: it hands [`Settings::from_lookup`] a lookup
//! function (`|name| std::env::var(name).ok()`), tests hand it a map. Every problem is an
//! [`Error::InvalidConfiguration`] naming the variable and saying what a valid value looks like.
//! For every setting that is not required, an empty value means unset.

use std::time::Duration;

use crate::arn::RoleArn;
use crate::error::Error;

/// Default AssumeRole duration: the shortest STS allows, since the cache refreshes it anyway.
pub const DEFAULT_SESSION_SECONDS: u64 = 900;
/// Longest AssumeRole duration allowed: Lambda's credentials are role credentials, and role
/// chaining caps a session at one hour whatever the role's `MaxSessionDuration` says.
pub const MAX_SESSION_SECONDS: u64 = 3600;

/// Reads environment-style variables through a lookup function, treating empty as unset.
///
/// Functions use it for their own settings too, so every configuration error has one shape.
pub struct Env<F> {
    lookup: F,
}

impl<F> Env<F>
where
    F: Fn(&str) -> Option<String>,
{
    /// Wraps a lookup function such as `|name| std::env::var(name).ok()`.
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    /// The trimmed value of `name`, or `None` when it is unset or empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or an error saying that it must be set.
    pub fn required(&self, name: &'static str, what: &str) -> Result<String, Error> {
        self.optional(name).ok_or_else(|| {
            Error::invalid_configuration(name, format!("is required: set it to {what}"))
        })
    }

    /// Parses `name` with `parse` (whose error says what is wrong), or returns `None` when unset.
    pub fn parse<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, Error> {
        self.optional(name)
            .map(|v| parse(&v).map_err(|problem| Error::invalid_configuration(name, problem)))
            .transpose()
    }

    /// `MAX_INPUT_BYTES`: the largest source object the pipeline reads (1 byte..=5 GiB, S3's
    /// largest single PUT). One parse for transform's settings and upload-url's cap.
    pub fn max_input_bytes(&self) -> Result<u64, Error> {
        self.integer(
            "MAX_INPUT_BYTES",
            1..=5 * 1024 * 1024 * 1024,
            crate::limits::DEFAULT_MAX_INPUT_BYTES,
        )
    }

    /// An unsigned integer within `range`, or `default` when unset.
    pub fn integer(
        &self,
        name: &'static str,
        range: std::ops::RangeInclusive<u64>,
        default: u64,
    ) -> Result<u64, Error> {
        let parsed = self.parse(name, |v| {
            let n: u64 = v
                .parse()
                .map_err(|_| format!("{v:?} is not a whole number"))?;
            if range.contains(&n) {
                Ok(n)
            } else {
                Err(format!(
                    "{n} is outside the allowed range {}..={}",
                    range.start(),
                    range.end()
                ))
            }
        })?;
        Ok(parsed.unwrap_or(default))
    }
}

/// Where the pipeline reads: the trigger's bucket, as the function's own execution role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    /// `SOURCE_BUCKET`: the trigger's bucket (required by backfill and access-check).
    pub bucket: Option<String>,
    /// `SOURCE_PREFIX`: the part of the bucket the pipeline reads (empty: all of it).
    pub prefix: String,
    /// `SOURCE_ACCOUNT_ID`: sent as ExpectedBucketOwner on source calls when set.
    pub account_id: Option<String>,
}

/// Where the pipeline writes: a bucket of another account, through the writer role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSettings {
    /// `DESTINATION_BUCKET`.
    pub bucket: String,
    /// `DESTINATION_ROLE_ARN`: the writer role, assumed with `sts:AssumeRole`.
    pub role_arn: RoleArn,
    /// `DESTINATION_EXTERNAL_ID`: required by the writer role's trust policy.
    pub external_id: String,
    /// `DESTINATION_PREFIX`: prepended verbatim to every output key.
    pub prefix: String,
    /// `DESTINATION_ACCOUNT_ID`, by default the account of the role ARN: the bucket's expected owner.
    pub account_id: String,
    /// `DESTINATION_REGION`: the bucket's region, when it is not the function's.
    pub region: Option<String>,
    /// `DESTINATION_KMS_KEY_ARN`: SSE-KMS key for outputs (SSE-S3 when unset).
    pub kms_key_arn: Option<String>,
    /// `DESTINATION_SESSION_SECONDS`: AssumeRole duration.
    pub session_duration: Duration,
    /// `ROLE_SESSION_NAME` (sanitised), by default the function name: shows in CloudTrail.
    pub session_name: String,
}

/// The settings every function of the pipeline shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source side.
    pub source: SourceSettings,
    /// The destination side.
    pub destination: DestinationSettings,
    /// `AWS_ENDPOINT_URL`: the standard SDK endpoint override (a local AWS); path-style S3 when set.
    pub endpoint_url: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_NAME`, set by Lambda; names the function in metadata and sessions.
    pub function_name: Option<String>,
}

impl Settings {
    /// Parses and checks every shared setting, including the loop rule.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::from_env(&Env::new(lookup))
    }

    /// Same as [`Settings::from_lookup`], from an [`Env`] the caller also uses for its own settings.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        let function_name = env.optional("AWS_LAMBDA_FUNCTION_NAME");

        let source = SourceSettings {
            bucket: env.parse("SOURCE_BUCKET", parse_bucket)?,
            prefix: env.optional("SOURCE_PREFIX").unwrap_or_default(),
            account_id: env.parse("SOURCE_ACCOUNT_ID", parse_account_id)?,
        };

        let bucket = env.required("DESTINATION_BUCKET", "the destination bucket's name")?;
        let bucket = parse_bucket(&bucket)
            .map_err(|problem| Error::invalid_configuration("DESTINATION_BUCKET", problem))?;
        let role_arn = env.required(
            "DESTINATION_ROLE_ARN",
            "the writer role's ARN, arn:aws:iam::<12 digits>:role/<name>",
        )?;
        let role_arn = RoleArn::parse(&role_arn)
            .map_err(|problem| Error::invalid_configuration("DESTINATION_ROLE_ARN", problem))?;
        let external_id = env.required(
            "DESTINATION_EXTERNAL_ID",
            "the ExternalId that the writer role's trust policy requires",
        )?;
        let external_id = parse_external_id(&external_id)
            .map_err(|problem| Error::invalid_configuration("DESTINATION_EXTERNAL_ID", problem))?;
        let account_id = env
            .parse("DESTINATION_ACCOUNT_ID", parse_account_id)?
            .unwrap_or_else(|| role_arn.account_id().to_owned());
        let session_seconds = env.integer(
            "DESTINATION_SESSION_SECONDS",
            DEFAULT_SESSION_SECONDS..=MAX_SESSION_SECONDS,
            DEFAULT_SESSION_SECONDS,
        )?;
        let session_name = match env.optional("ROLE_SESSION_NAME") {
            Some(name) => sanitize_session_name(&name)
                .map_err(|problem| Error::invalid_configuration("ROLE_SESSION_NAME", problem))?,
            None => match &function_name {
                Some(name) => sanitize_session_name(name).map_err(|problem| {
                    Error::invalid_configuration(
                        "ROLE_SESSION_NAME",
                        format!("is unset, and the function name cannot serve: {problem}"),
                    )
                })?,
                None => {
                    return Err(Error::invalid_configuration(
                        "ROLE_SESSION_NAME",
                        "is unset, and so is AWS_LAMBDA_FUNCTION_NAME (its default): set either",
                    ));
                }
            },
        };

        let destination = DestinationSettings {
            bucket,
            role_arn,
            external_id,
            prefix: env.optional("DESTINATION_PREFIX").unwrap_or_default(),
            account_id,
            region: env.parse("DESTINATION_REGION", parse_region)?,
            kms_key_arn: env.parse("DESTINATION_KMS_KEY_ARN", parse_kms_key_arn)?,
            session_duration: Duration::from_secs(session_seconds),
            session_name,
        };

        let settings = Settings {
            source,
            destination,
            endpoint_url: env.parse("AWS_ENDPOINT_URL", parse_endpoint_url)?,
            function_name,
        };
        settings.check_loop()?;
        Ok(settings)
    }

    /// The loop rule: writing into the bucket we read from is only safe when the two key ranges
    /// cannot overlap, or every output would trigger the pipeline again.
    fn check_loop(&self) -> Result<(), Error> {
        let (src, dst) = (&self.source, &self.destination);
        if src.bucket.as_deref() != Some(dst.bucket.as_str()) {
            return Ok(());
        }
        if dst.prefix.is_empty() {
            return Err(Error::invalid_configuration(
                "DESTINATION_PREFIX",
                "must be set when DESTINATION_BUCKET equals SOURCE_BUCKET, or outputs would trigger the pipeline again",
            ));
        }
        if dst.prefix.starts_with(&src.prefix) || src.prefix.starts_with(&dst.prefix) {
            return Err(Error::invalid_configuration(
                "DESTINATION_PREFIX",
                format!(
                    "{:?} and SOURCE_PREFIX {:?} overlap in the same bucket (one is a prefix of the other), so outputs would trigger the pipeline again",
                    dst.prefix, src.prefix
                ),
            ));
        }
        Ok(())
    }

    /// `SOURCE_BUCKET`, which backfill and access-check cannot do without.
    pub fn require_source_bucket(self, function: &str) -> Result<Self, Error> {
        if self.source.bucket.is_some() {
            Ok(self)
        } else {
            Err(Error::invalid_configuration(
                "SOURCE_BUCKET",
                format!("is required by {function}: set it to the trigger's bucket"),
            ))
        }
    }

    /// The name recorded in outputs' `generated-by` metadata and logs.
    pub fn function_name_or(&self, fallback: &str) -> String {
        self.function_name
            .clone()
            .unwrap_or_else(|| fallback.to_owned())
    }
}

/// Replaces characters outside `[A-Za-z0-9_+=,.@-]` by `-` and truncates to 64 characters,
/// which is what STS accepts as a RoleSessionName; fewer than 2 characters is an error.
pub fn sanitize_session_name(raw: &str) -> Result<String, String> {
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if clean.len() < 2 {
        return Err(format!(
            "{raw:?} gives the session name {clean:?}: STS needs 2 to 64 characters"
        ));
    }
    Ok(clean)
}

/// S3's bucket naming rules (general purpose buckets).
pub fn parse_bucket(v: &str) -> Result<String, String> {
    let ok_chars = v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends_ok = v
        .bytes()
        .next()
        .zip(v.bytes().last())
        .is_some_and(|(a, z)| a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
    if (3..=63).contains(&v.len()) && ok_chars && ends_ok && !v.contains("..") {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "{v:?} is not a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit); give the name, not an ARN or URL"
        ))
    }
}

/// A 12-digit AWS account id.
pub fn parse_account_id(v: &str) -> Result<String, String> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v.to_owned())
    } else {
        Err(format!("{v:?} is not an AWS account id (12 digits)"))
    }
}

fn parse_external_id(v: &str) -> Result<String, String> {
    let ok = (2..=1224).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if ok {
        Ok(v.to_owned())
    } else {
        // The value may be sensitive to its owner: describe it, do not echo it.
        Err(format!(
            "is not a valid ExternalId ({} characters; STS accepts 2 to 1224 of [A-Za-z0-9_+=,.@:/-])",
            v.chars().count()
        ))
    }
}

fn parse_region(v: &str) -> Result<String, String> {
    let parts: Vec<&str> = v.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!("{v:?} is not an AWS region code such as eu-west-1"))
    }
}

fn parse_kms_key_arn(v: &str) -> Result<String, String> {
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "kms"
        && parse_region(parts[3]).is_ok()
        && parse_account_id(parts[4]).is_ok()
        && (parts[5].starts_with("key/") || parts[5].starts_with("alias/"))
        && parts[5].len() > 6;
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "{v:?} is not a full KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); a key id or alias name would resolve in the source account, not the destination's"
        ))
    }
}

fn parse_endpoint_url(v: &str) -> Result<String, String> {
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.trim_end_matches('/').to_owned())
    } else {
        Err(format!("{v:?} is not an http:// or https:// URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

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
            Err(Error::InvalidConfiguration { variable, .. }) => variable,
            other => panic!("expected InvalidConfiguration, got {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = parse(&[]).expect("minimal settings parse");
        assert_eq!(
            s.destination.account_id, "222222222222",
            "owner defaults to the role's account"
        );
        assert_eq!(s.destination.session_duration, Duration::from_secs(900));
        assert_eq!(s.destination.session_name, "transform");
        assert_eq!(s.destination.prefix, "");
        assert_eq!(s.destination.region, None);
        assert_eq!(s.destination.kms_key_arn, None);
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
        assert_eq!(s.destination.account_id, "222222222222");
        assert_eq!(s.destination.session_duration, Duration::from_secs(900));
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
        assert_eq!(ok.destination.session_duration, Duration::from_secs(3600));
        for bad in ["3601", "899", "43200", "15m", "-1"] {
            assert_eq!(
                bad_variable(&[("DESTINATION_SESSION_SECONDS", bad)]),
                "DESTINATION_SESSION_SECONDS",
                "{bad}"
            );
        }
    }

    #[test]
    fn session_names_are_sanitised_and_truncated() {
        assert_eq!(
            sanitize_session_name("my fn/v2:prod").as_deref(),
            Ok("my-fn-v2-prod")
        );
        assert_eq!(
            sanitize_session_name("a.b@c=d,e+f_g-h").as_deref(),
            Ok("a.b@c=d,e+f_g-h")
        );
        let long = "x".repeat(100);
        assert_eq!(sanitize_session_name(&long).map(|s| s.len()), Ok(64));
        assert!(
            sanitize_session_name("ü").is_err(),
            "one replaced character is too short"
        );
        assert!(
            sanitize_session_name("x").is_err(),
            "one character is too short"
        );
        let s = parse(&[("ROLE_SESSION_NAME", "résumé job")]).expect("sanitised");
        assert_eq!(s.destination.session_name, "r-sum--job");
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
            s.destination.account_id, "333333333333",
            "an explicit owner wins"
        );
        assert_eq!(s.destination.region.as_deref(), Some("eu-west-1"));
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
}
