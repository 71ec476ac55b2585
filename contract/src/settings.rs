//! The settings of the pipeline's functions (transform, backfill, access-check), per side.
//!
//! Parsed once per cold start through [`Env`](crate::Env), the one reader of the environment:
//! - [`SourceSettings`]: the trigger's bucket, prefix and owner (upload-url uses it alone);
//! - [`DestinationSettings`]: one destination, exactly the fields of a route;
//! - [`Routes`]: the destinations (`ROUTES`, else `DESTINATION_*` as the route `default`);
//! - [`AssumeRoleSession`]: the session name and length, one for every destination;
//! - [`Settings`]: the three together, the endpoint and the function name, and the loop rule.

mod destination;
mod routes;
mod session;
mod source;

pub use destination::DestinationSettings;
pub use routes::{DEFAULT_ROUTE, REPLACED_BY_ROUTES, Route, RouteId, Routes};
pub use session::{AssumeRoleSession, DEFAULT_SESSION_SECONDS, MAX_SESSION_SECONDS};
pub use source::SourceSettings;

use crate::env::Env;
use crate::error::Error;

/// The settings transform, backfill and access-check share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The source side.
    pub source: SourceSettings,
    /// The destinations: every route, in order (one, `default`, without `ROUTES`).
    pub routes: Routes,
    /// How the writer role is assumed.
    pub session: AssumeRoleSession,
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
        let source = SourceSettings::from_env(env)?;
        let routes = Routes::from_env(env, &source)?;
        let session = AssumeRoleSession::from_env(env)?;
        Ok(Self {
            source,
            routes,
            session,
            endpoint_url: env.endpoint_url()?,
            function_name: env.function_name(),
        })
    }

    /// The first route's destination: the only one without `ROUTES` (examples and tests).
    pub fn destination(&self) -> &DestinationSettings {
        &self
            .routes
            .iter()
            .next()
            .expect("Routes is never empty")
            .destination
    }

    /// The name recorded in outputs' `generated-by` metadata and logs.
    pub fn function_name_or(&self, fallback: &str) -> String {
        self.function_name
            .clone()
            .unwrap_or_else(|| fallback.to_owned())
    }
}

#[cfg(test)]
mod tests;
