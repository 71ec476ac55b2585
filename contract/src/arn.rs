//! IAM role ARNs, checked when the settings are read rather than when STS refuses them.

use std::fmt;

/// A role ARN of the form `arn:aws:iam::<12 digits>:role/[<path>/]<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    arn: String,
    account_id: String,
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
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(wrong("the account id must be 12 digits"));
        }
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
            account_id: account.to_owned(),
        })
    }

    /// The account the role belongs to: the destination account.
    pub fn account_id(&self) -> &str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_roles_with_and_without_a_path() {
        let plain = RoleArn::parse("arn:aws:iam::222222222222:role/writer").expect("plain role");
        assert_eq!(plain.account_id(), "222222222222");
        let pathed = RoleArn::parse("arn:aws:iam::123456789012:role/service/pipeline/writer-1")
            .expect("role with a path");
        assert_eq!(pathed.account_id(), "123456789012");
        assert_eq!(
            pathed.to_string(),
            "arn:aws:iam::123456789012:role/service/pipeline/writer-1"
        );
    }

    #[test]
    fn refuses_what_is_not_a_role_arn() {
        for bad in [
            "writer",
            "arn:aws:iam::22222222222:role/writer",
            "arn:aws:iam::222222222222:user/writer",
            "arn:aws:iam::222222222222:role/",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::222222222222:role/has space",
        ] {
            let err = RoleArn::parse(bad).expect_err(bad);
            assert!(err.contains("arn:aws:iam::<12 digits>"), "{err}");
        }
    }
}
