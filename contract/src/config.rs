//! The transform's settings: the pipeline's (source, destination with its renditions, session)
//! plus input limits and the metrics namespace. Parsed once per cold start; every problem is an
//! `InvalidConfiguration`.

use crate::{Env, Error, Settings};

use crate::limits::DEFAULT_MAX_INPUT_PIXELS;

/// Default `METRICS_NAMESPACE`.
pub const DEFAULT_METRICS_NAMESPACE: &str = "S3CrossAccountTransform";

/// Everything `transform` (and backfill, which runs the same pipeline) is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The pipeline's settings (source, destination and its renditions, session, endpoint).
    pub settings: Settings,
    /// `MAX_INPUT_BYTES`.
    pub max_input_bytes: u64,
    /// `MAX_INPUT_PIXELS`.
    pub max_input_pixels: u64,
    /// `METRICS_NAMESPACE`.
    pub metrics_namespace: String,
    /// `generated-by` metadata: `<function name>/<crate version>`.
    pub generated_by: String,
}

impl Config {
    /// Parses the settings through `lookup` (only `main` passes the real environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env::new(lookup);
        let settings = Settings::from_env(&env)?;
        let max_input_bytes = env.max_input_bytes()?;
        let max_input_pixels = env.integer(
            "MAX_INPUT_PIXELS",
            1..=1_000_000_000,
            DEFAULT_MAX_INPUT_PIXELS,
        )?;
        let metrics_namespace = env
            .parse("METRICS_NAMESPACE", |v| {
                if v.len() <= 255
                    && !v.starts_with(':')
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-_/#:".contains(c))
                {
                    Ok(v.to_owned())
                } else {
                    Err(format!(
                        "{v:?} is not a CloudWatch namespace (up to 255 of [A-Za-z0-9.-_/#:])"
                    ))
                }
            })?
            .unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_owned());
        let generated_by = format!(
            "{}/{}",
            settings.function_name_or("transform"),
            env!("CARGO_PKG_VERSION")
        );
        Ok(Self {
            settings,
            max_input_bytes,
            max_input_pixels,
            metrics_namespace,
            generated_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::limits::DEFAULT_MAX_INPUT_BYTES;

    fn config(extra: &[(&str, &str)]) -> Result<Config, Error> {
        let mut vars: HashMap<&str, &str> = HashMap::from([
            ("DESTINATION_BUCKET", "dst"),
            (
                "DESTINATION_ROLE_ARN",
                "arn:aws:iam::222222222222:role/writer",
            ),
            ("DESTINATION_EXTERNAL_ID", "external-id"),
            ("AWS_LAMBDA_FUNCTION_NAME", "img-transform"),
        ]);
        vars.extend(extra.iter().copied());
        Config::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned()))
    }

    #[test]
    fn defaults_are_the_contracts() {
        let c = config(&[]).expect("valid");
        assert_eq!(c.settings.destination().renditions.len(), 3);
        assert_eq!(c.max_input_bytes, DEFAULT_MAX_INPUT_BYTES);
        assert_eq!(c.max_input_pixels, DEFAULT_MAX_INPUT_PIXELS);
        assert_eq!(c.metrics_namespace, "S3CrossAccountTransform");
        assert_eq!(
            c.generated_by,
            format!("img-transform/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("RENDITIONS", "thumb:200x200"),
            ("MAX_INPUT_BYTES", "0"),
            ("MAX_INPUT_PIXELS", "lots"),
            ("METRICS_NAMESPACE", "has space"),
        ] {
            match config(&[(var, value)]) {
                Err(Error::InvalidConfiguration(p)) => assert_eq!(p.variable(), var),
                other => panic!("{var}={value:?}: expected InvalidConfiguration, got {other:?}"),
            }
        }
        let c = config(&[("RENDITIONS", ""), ("MAX_INPUT_PIXELS", "")]).expect("empty is unset");
        assert_eq!(c.settings.destination().renditions.len(), 3);
        assert_eq!(c.max_input_pixels, DEFAULT_MAX_INPUT_PIXELS);
    }
}
