//! Several destinations: `ROUTES` (the contract's "Several destinations" section).
//!
//! A route is a [`DestinationSettings`] with an id and the source prefix it takes. Without
//! `ROUTES`, the `DESTINATION_*` settings are the one route `default` over `SOURCE_PREFIX`.
//! Every refusal is an `InvalidConfiguration` of `ROUTES` naming the route (its `id`, else its
//! index) and the field; an `external_id` is never echoed.

use std::fmt;

use serde_json::{Map, Value};

use crate::env::Env;
use crate::error::Error;
use crate::ids::RoleArn;
use crate::spec::{Rendition, parse_renditions};

use super::{DestinationSettings, SourceSettings};

/// The id of the route of the `DESTINATION_*` settings, when `ROUTES` is unset.
pub const DEFAULT_ROUTE: &str = "default";

/// The `DESTINATION_*` settings `ROUTES` replaces (a deployment sets one or the other).
pub const REPLACED_BY_ROUTES: [&str; 7] = [
    "DESTINATION_BUCKET",
    "DESTINATION_ROLE_ARN",
    "DESTINATION_EXTERNAL_ID",
    "DESTINATION_PREFIX",
    "DESTINATION_ACCOUNT_ID",
    "DESTINATION_REGION",
    "DESTINATION_KMS_KEY_ARN",
];

/// The fields every route names (`id` is read first, to name the route in every refusal).
const REQUIRED: [&str; 4] = ["source_prefix", "bucket", "role_arn", "external_id"];
const FIELDS: [&str; 10] = [
    "id",
    "source_prefix",
    "bucket",
    "role_arn",
    "external_id",
    "prefix",
    "account_id",
    "region",
    "kms_key_arn",
    "renditions",
];

/// A route's id: 1 to 64 of `[A-Za-z0-9_-]`. It names the route in RESULTs, logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteId(String);

impl RouteId {
    /// Checks `v` against the contract's rule.
    pub fn parse(v: &str) -> Result<Self, String> {
        if (1..=64).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            Ok(Self(v.to_owned()))
        } else {
            Err(format!(
                "{v:?} is not a route id (1 to 64 of [A-Za-z0-9_-])"
            ))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RouteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One destination, and the keys it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Its id (`default` without `ROUTES`).
    pub id: RouteId,
    /// The keys it takes: those starting with this (within `SOURCE_PREFIX`).
    pub source_prefix: String,
    /// Where it writes, as whom, and what.
    pub destination: DestinationSettings,
}

impl Route {
    /// Whether `key` takes this route.
    pub fn takes(&self, key: &str) -> bool {
        key.starts_with(&self.source_prefix)
    }
}

/// Every route of the deployment, in `ROUTES` order; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    routes: Vec<Route>,
    /// Whether they come from `ROUTES` (else the `DESTINATION_*` settings' route `default`).
    from_routes: bool,
}

impl Routes {
    /// `ROUTES`, or the `DESTINATION_*` settings as the route `default` when it is unset or
    /// empty; checked against `source` (prefixes, the loop rule) and each other (ids, outputs).
    pub fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
        source: &SourceSettings,
    ) -> Result<Self, Error> {
        let Some(text) = env.optional("ROUTES") else {
            let destination = DestinationSettings::from_env(env)?;
            destination.check_loop(source)?;
            return Ok(Self {
                routes: vec![Route {
                    id: RouteId(DEFAULT_ROUTE.to_owned()),
                    source_prefix: source.prefix.clone(),
                    destination,
                }],
                from_routes: false,
            });
        };
        if let Some(name) = REPLACED_BY_ROUTES
            .iter()
            .find(|name| env.optional(name).is_some())
        {
            return Err(refused(format!(
                "is set together with {name}: a deployment names its destinations in ROUTES or in DESTINATION_*, not both; empty {name}"
            )));
        }
        let renditions = DestinationSettings::renditions_from_env(env)?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            refused(format!(
                "is not JSON ({e}): give an array of routes, quoted as one value ('Routes=[...]' for SAM)"
            ))
        })?;
        let Value::Array(items) = value else {
            return Err(refused("is not a JSON array of routes"));
        };
        if items.is_empty() {
            return Err(refused(
                "is an empty array: give at least one route, or leave ROUTES empty to use DESTINATION_*",
            ));
        }
        let mut routes: Vec<Route> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let route = parse_route(index, item, source, &renditions)?;
            if routes.iter().any(|r| r.id == route.id) {
                return Err(refused(format!(
                    "route {}: id is used by another route; ids are unique",
                    route.id
                )));
            }
            routes.push(route);
        }
        check_outputs(&routes)?;
        Ok(Self {
            routes,
            from_routes: true,
        })
    }

    /// Whether the routes are `ROUTES`' (they then appear in metric dimensions and Batch
    /// Operations' result strings); `false` for the `DESTINATION_*` settings' route `default`,
    /// whose deployments see nothing of routes but the RESULTs' `route`.
    pub fn from_routes(&self) -> bool {
        self.from_routes
    }

    /// Every route, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Route> {
        self.routes.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Never: there is always at least one route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The routes `key` takes, in order.
    pub fn taken_by<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes.iter().filter(move |r| r.takes(key))
    }

    /// The route called `id`.
    pub fn get(&self, id: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.id.as_str() == id)
    }
}

impl<'a> IntoIterator for &'a Routes {
    type Item = &'a Route;
    type IntoIter = std::slice::Iter<'a, Route>;

    fn into_iter(self) -> Self::IntoIter {
        self.routes.iter()
    }
}

fn refused(problem: impl Into<String>) -> Error {
    Error::invalid_configuration("ROUTES", problem)
}

/// One route of `ROUTES`; `index` names it until its id is known.
fn parse_route(
    index: usize,
    item: &Value,
    source: &SourceSettings,
    renditions: &[Rendition],
) -> Result<Route, Error> {
    let Value::Object(fields) = item else {
        return Err(refused(format!("route #{index} is not a JSON object")));
    };
    let id = match fields.get("id") {
        Some(Value::String(v)) => {
            RouteId::parse(v).map_err(|problem| refused(format!("route #{index}: id {problem}")))?
        }
        Some(_) => return Err(refused(format!("route #{index}: id is not a string"))),
        None => return Err(refused(format!("route #{index}: id is missing"))),
    };
    let field = Fields { id: &id, fields };
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(field.refused(
            unknown,
            format!("is not a field of a route (fields: {})", FIELDS.join(", ")),
        ));
    }
    if let Some(missing) = REQUIRED.iter().find(|name| !fields.contains_key(**name)) {
        return Err(field.refused(missing, "is missing: every route names it"));
    }
    let source_prefix = field.text("source_prefix")?.unwrap_or_default();
    if !source_prefix.starts_with(&source.prefix) {
        return Err(field.refused(
            "source_prefix",
            format!(
                "{source_prefix:?} is outside SOURCE_PREFIX {:?}: a route takes keys the pipeline reads",
                source.prefix
            ),
        ));
    }
    let role_arn: RoleArn = field.required("role_arn")?;
    let destination = DestinationSettings {
        bucket: field.required("bucket")?,
        external_id: field.required("external_id")?,
        prefix: field.text("prefix")?.unwrap_or_default(),
        account_id: field
            .typed("account_id")?
            .unwrap_or_else(|| role_arn.account_id().clone()),
        region: field.typed("region")?,
        kms_key_arn: field.typed("kms_key_arn")?,
        renditions: match field.text("renditions")? {
            Some(text) if !text.is_empty() => {
                parse_renditions(&text).map_err(|problem| field.refused("renditions", problem))?
            }
            _ => renditions.to_vec(),
        },
        role_arn,
    };
    if let Some(problem) = destination.loop_problem(source) {
        return Err(field.refused("prefix", problem));
    }
    Ok(Route {
        id,
        source_prefix,
        destination,
    })
}

/// The fields of one route, for reading them with errors that name the route.
struct Fields<'a> {
    id: &'a RouteId,
    fields: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn refused(&self, field: &str, problem: impl fmt::Display) -> Error {
        refused(format!("route {}: {field} {problem}", self.id))
    }

    /// A string field, `None` when absent.
    fn text(&self, name: &str) -> Result<Option<String>, Error> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(self.refused(name, "is not a string")),
        }
    }

    /// A required field parsed into a typed identifier; empty is refused like absent.
    fn required<T: std::str::FromStr<Err = String>>(&self, name: &str) -> Result<T, Error> {
        self.typed(name)?
            .ok_or_else(|| self.refused(name, "is empty: every route names it"))
    }

    /// A string field parsed into a typed identifier, `None` when absent or empty.
    fn typed<T: std::str::FromStr<Err = String>>(&self, name: &str) -> Result<Option<T>, Error> {
        match self.text(name)? {
            Some(v) if !v.is_empty() => v
                .parse()
                .map(Some)
                .map_err(|problem| self.refused(name, problem)),
            _ => Ok(None),
        }
    }
}

/// Two routes into one bucket whose prefixes are equal, or one a prefix of the other, would
/// write each other's outputs.
fn check_outputs(routes: &[Route]) -> Result<(), Error> {
    for (i, a) in routes.iter().enumerate() {
        for b in &routes[i + 1..] {
            let (pa, pb) = (&a.destination.prefix, &b.destination.prefix);
            if a.destination.bucket == b.destination.bucket
                && (pa.starts_with(pb.as_str()) || pb.starts_with(pa.as_str()))
            {
                return Err(refused(format!(
                    "routes {} and {} write into the same bucket under prefixes {pa:?} and {pb:?}, one within the other: their outputs would collide; give each its own prefix",
                    a.id, b.id
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
