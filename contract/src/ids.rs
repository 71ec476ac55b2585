//! Typed identifiers: parse, don't validate.
//!
//! Every name or number the settings carry to AWS is parsed once, at cold start, into a type
//! whose value is known to be well formed: code downstream never splits a string, checks a
//! length or defaults an empty value. Each type parses with [`FromStr`], whose error says what
//! is wrong and what a valid value looks like (the settings put the variable's name in front).
//! [`ExternalId`] has no `Display` and a `Debug` that redacts it: it must never reach a log.

use std::fmt;
use std::str::FromStr;

/// The common part of a string identifier: the checked value, `as_str`, `Display`, `AsRef`,
/// `Into<String>` (the SDK's builders take it), comparison with `str`, and `FromStr` through the
/// type's own `parse`.
macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            /// The value, as AWS expects it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// For the SDK's builders, which take `impl Into<String>`.
        impl From<&$name> for String {
            fn from(v: &$name) -> String {
                v.0.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(v: &str) -> Result<Self, String> {
                Self::parse(v)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

/// An S3 general purpose bucket name (3 to 63 of `[a-z0-9.-]`, starting and ending with a
/// letter or digit, no `..`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketName(String);
string_id!(BucketName);

impl BucketName {
    fn parse(v: &str) -> Result<Self, String> {
        let ok_chars = v
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        let ends_ok = v
            .bytes()
            .next()
            .zip(v.bytes().last())
            .is_some_and(|(a, z)| a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
        if (3..=63).contains(&v.len()) && ok_chars && ends_ok && !v.contains("..") {
            Ok(Self(v.to_owned()))
        } else {
            Err(format!(
                "{v:?} is not a valid S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit); give the name, not an ARN or URL"
            ))
        }
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountId(String);
string_id!(AccountId);

impl AccountId {
    fn parse(v: &str) -> Result<Self, String> {
        if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(v.to_owned()))
        } else {
            Err(format!("{v:?} is not an AWS account id (12 digits)"))
        }
    }
}

/// An AWS region code such as `eu-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);
string_id!(Region);

impl Region {
    fn parse(v: &str) -> Result<Self, String> {
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
            Ok(Self(v.to_owned()))
        } else {
            Err(format!("{v:?} is not an AWS region code such as eu-west-1"))
        }
    }
}

/// A full KMS key ARN, `arn:aws:kms:<region>:<account>:key/<id>` (or `alias/<name>`): a key id
/// or an alias name alone would resolve in the caller's account, not the bucket's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KmsKeyArn(String);
string_id!(KmsKeyArn);

impl KmsKeyArn {
    fn parse(v: &str) -> Result<Self, String> {
        let parts: Vec<&str> = v.splitn(6, ':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "kms"
            && Region::parse(parts[3]).is_ok()
            && AccountId::parse(parts[4]).is_ok()
            && (parts[5].starts_with("key/") || parts[5].starts_with("alias/"))
            && parts[5].len() > 6;
        if ok {
            Ok(Self(v.to_owned()))
        } else {
            Err(format!(
                "{v:?} is not a full KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); a key id or alias name would resolve in the source account, not the destination's"
            ))
        }
    }
}

/// A role ARN of the form `arn:aws:iam::<12 digits>:role/[<path>/]<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleArn {
    arn: String,
    account_id: AccountId,
}

impl RoleArn {
    /// Parses a role ARN; the error says what is wrong with it.
    pub fn parse(v: &str) -> Result<Self, String> {
        let wrong = |why: &str| {
            format!(
                "{v:?} is not a role ARN ({why}); expected arn:aws:iam::<12 digits>:role/[<path>/]<name>"
            )
        };
        let rest = v
            .strip_prefix("arn:aws:iam::")
            .ok_or_else(|| wrong("it must start with arn:aws:iam::"))?;
        let (account, resource) = rest.split_once(':').ok_or_else(|| wrong("no account id"))?;
        let account_id =
            AccountId::parse(account).map_err(|_| wrong("the account id must be 12 digits"))?;
        let path_and_name = resource
            .strip_prefix("role/")
            .ok_or_else(|| wrong("the resource must be role/<name>"))?;
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !name_ok {
            return Err(wrong("the role name must be 1 to 64 of [A-Za-z0-9+=,.@_-]"));
        }
        Ok(Self {
            arn: v.to_owned(),
            account_id,
        })
    }

    /// The account the role belongs to.
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    /// The ARN as given.
    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl From<&RoleArn> for String {
    fn from(v: &RoleArn) -> String {
        v.arn.clone()
    }
}

impl FromStr for RoleArn {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        Self::parse(v)
    }
}

/// The ExternalId the writer role's trust policy requires (2 to 1224 of
/// `[A-Za-z0-9_+=,.@:/-]`, STS's rule).
///
/// It is a shared secret between the pipeline and the destination account's owner (AWS's
/// confused-deputy guidance): it has no `Display`, its `Debug` prints only its length, and a
/// parse error describes it without echoing it. [`ExternalId::expose`] is for the AssumeRole
/// request alone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    /// The value, for the AssumeRole request only: never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExternalId(<redacted, {} chars>)",
            self.0.chars().count()
        )
    }
}

impl FromStr for ExternalId {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        let ok = (2..=1224).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
        if ok {
            Ok(Self(v.to_owned()))
        } else {
            // The value may be sensitive to its owner: describe it, do not echo it.
            Err(format!(
                "is not a valid ExternalId ({} characters; STS accepts 2 to 1224 of [A-Za-z0-9_+=,.@:/-])",
                v.chars().count()
            ))
        }
    }
}

/// An AssumeRole session name: what CloudTrail shows for the writer role's calls.
///
/// Parsing sanitises, as the contract says of `ROLE_SESSION_NAME`: characters outside
/// `[A-Za-z0-9_+=,.@-]` become `-`, the result is cut to 64 characters, and fewer than 2 is an
/// error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionName(String);
string_id!(SessionName);

impl SessionName {
    fn parse(raw: &str) -> Result<Self, String> {
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
        Ok(Self(clean))
    }
}

#[cfg(test)]
mod tests;
