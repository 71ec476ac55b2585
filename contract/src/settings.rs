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
pub use routes::{DEFAULT_ROUTE, Route, RouteId, Routes};
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
        one_route_for_now(&routes, &source)?;
        Ok(Self {
            source,
            routes,
            session,
            endpoint_url: env.endpoint_url()?,
            function_name: env.function_name(),
        })
    }

    /// The one destination: [`Settings::from_env`] refuses more than one route (see
    /// [`one_route_for_now`]), so this is every key's.
    pub fn destination(&self) -> &DestinationSettings {
        &self.only_route().destination
    }

    /// The one route served so far ([`Settings::from_env`] refuses more).
    pub fn only_route(&self) -> &Route {
        self.routes.iter().next().expect("Routes is never empty")
    }

    /// The name recorded in outputs' `generated-by` metadata and logs.
    pub fn function_name_or(&self, fallback: &str) -> String {
        self.function_name
            .clone()
            .unwrap_or_else(|| fallback.to_owned())
    }
}

/// The functions write to one destination so far: fan-out to several routes (the contract's
/// "unit of work") is not built yet. Until it is, `ROUTES` is parsed and checked in full, then
/// refused at cold start unless it names one route taking every key under `SOURCE_PREFIX`, so
/// that no key is silently written to fewer destinations than the operator configured.
fn one_route_for_now(routes: &Routes, source: &SourceSettings) -> Result<(), Error> {
    let mut iter = routes.iter();
    let first = iter.next().expect("Routes is never empty");
    if iter.next().is_some() {
        return Err(Error::invalid_configuration(
            "ROUTES",
            format!(
                "names {} routes; this version writes to one destination: keep one route (or use DESTINATION_*) until several destinations are available",
                routes.len()
            ),
        ));
    }
    if first.source_prefix != source.prefix {
        return Err(Error::invalid_configuration(
            "ROUTES",
            format!(
                "route {}: source_prefix {:?} is narrower than SOURCE_PREFIX {:?}; this version's one route takes every key the pipeline reads: set it to SOURCE_PREFIX",
                first.id, first.source_prefix, source.prefix
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
