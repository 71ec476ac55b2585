//! The one mapping from the contract's [`Error`] to the Runtime API's error response
//! (`Diagnostic`: `errorType` and `errorMessage`), for every function.

use lambda_runtime::Diagnostic;

use crate::error::Error;

/// A failed invocation: the contract's `errorType` and a message naming every failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The (first) failure's `errorType`.
    pub error_type: &'static str,
    /// Every failure, one per line.
    pub message: String,
}

impl Failure {
    /// One failure per record (`what` names the record), the first one's type: `None` when
    /// the list is empty.
    pub fn of(errors: &[(String, Error)]) -> Option<Self> {
        let (_, first) = errors.first()?;
        let message = if errors.len() == 1 {
            first.to_string()
        } else {
            let lines: Vec<String> = errors
                .iter()
                .map(|(what, e)| format!("{what}: {}: {e}", e.error_type()))
                .collect();
            format!("{} records failed:\n{}", errors.len(), lines.join("\n"))
        };
        Some(Failure {
            error_type: first.error_type(),
            message,
        })
    }
}

impl Failure {
    /// Every failure as a list, even a lone one, so that the name of each (a record and its
    /// route) is in the message: a deployment with `ROUTES`, whose errors name the route.
    pub fn listed(errors: &[(String, Error)]) -> Option<Self> {
        let (_, first) = errors.first()?;
        let lines: Vec<String> = errors
            .iter()
            .map(|(what, e)| format!("{what}: {}: {e}", e.error_type()))
            .collect();
        let noun = if errors.len() == 1 {
            "failure"
        } else {
            "failures"
        };
        Some(Failure {
            error_type: first.error_type(),
            message: format!("{} {noun}:\n{}", errors.len(), lines.join("\n")),
        })
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            error_type: e.error_type(),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl From<Failure> for Diagnostic {
    fn from(f: Failure) -> Self {
        Diagnostic {
            error_type: f.error_type.to_owned(),
            error_message: f.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_is_its_own_message_several_are_listed_under_the_first_type() {
        let one = Failure::of(&[("a".into(), Error::invalid_event("no Records"))]).expect("one");
        assert_eq!(one.error_type, "InvalidEvent");
        assert!(!one.message.contains("records failed"), "{one}");
        let internal = Error::internal("the encoder", "out of memory");
        let two = Failure::of(&[
            ("first".into(), internal),
            ("second".into(), Error::invalid_event("bad")),
        ])
        .expect("two");
        assert_eq!(two.error_type, "Internal");
        assert!(
            two.message
                .starts_with("2 records failed:\nfirst: Internal: "),
            "{two}"
        );
        assert!(two.message.contains("\nsecond: InvalidEvent: "), "{two}");
        let listed = Failure::listed(&[("s3://b/k (route cdn)".into(), Error::internal("x", "y"))])
            .expect("one");
        assert!(
            listed
                .message
                .starts_with("1 failure:\ns3://b/k (route cdn): Internal: "),
            "{listed}"
        );
        let d = Diagnostic::from(two);
        assert_eq!(d.error_type, "Internal");
        assert!(Failure::of(&[]).is_none());
    }
}
