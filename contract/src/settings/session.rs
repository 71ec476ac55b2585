//! The AssumeRole session: one name and one length for every destination.

use std::time::Duration;

use crate::env::Env;
use crate::error::Error;
use crate::ids::SessionName;

/// Default AssumeRole duration: the shortest STS allows, since the cache refreshes it anyway.
pub const DEFAULT_SESSION_SECONDS: u64 = 900;
/// Longest AssumeRole duration allowed: Lambda's credentials are role credentials, and role
/// chaining caps a session at one hour whatever the role's `MaxSessionDuration` says.
pub const MAX_SESSION_SECONDS: u64 = 3600;

/// How the writer role is assumed, whichever destination it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleSession {
    /// `ROLE_SESSION_NAME` (sanitised), by default the function name: shows in CloudTrail.
    pub name: SessionName,
    /// `DESTINATION_SESSION_SECONDS`: the AssumeRole duration.
    pub duration: Duration,
}

impl AssumeRoleSession {
    /// Reads `ROLE_SESSION_NAME` (else `AWS_LAMBDA_FUNCTION_NAME`) and
    /// `DESTINATION_SESSION_SECONDS`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        let seconds = env.integer(
            "DESTINATION_SESSION_SECONDS",
            DEFAULT_SESSION_SECONDS..=MAX_SESSION_SECONDS,
            DEFAULT_SESSION_SECONDS,
        )?;
        let name = match (env.optional("ROLE_SESSION_NAME"), env.function_name()) {
            (Some(name), _) => name
                .parse()
                .map_err(|problem| Error::invalid_configuration("ROLE_SESSION_NAME", problem))?,
            (None, Some(function)) => function.parse().map_err(|problem| {
                Error::invalid_configuration(
                    "ROLE_SESSION_NAME",
                    format!("is unset, and the function name cannot serve: {problem}"),
                )
            })?,
            (None, None) => {
                return Err(Error::invalid_configuration(
                    "ROLE_SESSION_NAME",
                    "is unset, and so is AWS_LAMBDA_FUNCTION_NAME (its default): set either",
                ));
            }
        };
        Ok(Self {
            name,
            duration: Duration::from_secs(seconds),
        })
    }
}
