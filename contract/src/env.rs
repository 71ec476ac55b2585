//! The one reader of the environment: every setting of every function goes through [`Env`].
//!
//! Only `main` touches the process environment: it hands [`Env::new`] a lookup function
//! (`|name| std::env::var(name).ok()`); tests hand it a map. Every problem is an
//! [`Error::InvalidConfiguration`] naming the variable and saying what a valid value looks like.
//! For every setting that is not required, an empty value means unset.

use std::str::FromStr;

use crate::error::Error;

/// Reads environment-style variables through a lookup function, treating empty as unset.
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

    /// The value of `name`, or an error saying that it must be set to `what`.
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

    /// `name` parsed into a typed identifier, or `None` when unset.
    pub fn typed<T: FromStr<Err = String>>(&self, name: &'static str) -> Result<Option<T>, Error> {
        self.parse(name, str::parse)
    }

    /// `name` parsed into a typed identifier; unset is an error saying to set it to `what`.
    pub fn required_typed<T: FromStr<Err = String>>(
        &self,
        name: &'static str,
        what: &str,
    ) -> Result<T, Error> {
        self.required(name, what)?
            .parse()
            .map_err(|problem| Error::invalid_configuration(name, problem))
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

    /// `MAX_INPUT_BYTES`: the largest source object the pipeline reads (1 byte..=5 GiB, S3's
    /// largest single PUT). One parse for transform's settings and upload-url's cap.
    pub fn max_input_bytes(&self) -> Result<u64, Error> {
        self.integer(
            "MAX_INPUT_BYTES",
            1..=5 * 1024 * 1024 * 1024,
            crate::limits::DEFAULT_MAX_INPUT_BYTES,
        )
    }

    /// `AWS_ENDPOINT_URL`: the standard SDK endpoint override (a local AWS), without a trailing
    /// `/`. Every function reads it through here.
    pub fn endpoint_url(&self) -> Result<Option<String>, Error> {
        self.parse("AWS_ENDPOINT_URL", |v| {
            if v.starts_with("http://") || v.starts_with("https://") {
                Ok(v.trim_end_matches('/').to_owned())
            } else {
                Err(format!("{v:?} is not an http:// or https:// URL"))
            }
        })
    }

    /// `AWS_LAMBDA_FUNCTION_NAME`, set by Lambda.
    pub fn function_name(&self) -> Option<String> {
        self.optional("AWS_LAMBDA_FUNCTION_NAME")
    }
}
