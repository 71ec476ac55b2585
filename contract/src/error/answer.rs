//! What AWS answered a call, kept as data (never a formatted error chain).

use std::fmt;

/// What AWS answered a call, as data: the HTTP status, the error code and message when there
/// were any, or a word of ours when AWS said nothing (no answer, an answer the call should not
/// get, credentials that could not be loaded). Never a formatted error chain: that is the
/// error's `source()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsAnswer {
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    note: Option<String>,
}

impl AwsAnswer {
    /// What an AWS service answered.
    pub fn new(status: Option<u16>, code: Option<String>, message: Option<String>) -> Self {
        Self {
            status,
            code,
            message,
            note: None,
        }
    }

    /// No answer from AWS, and what happened instead (the cause, if any, is the error's source).
    pub fn none(note: impl Into<String>) -> Self {
        Self {
            note: Some(note.into()),
            ..Self::default()
        }
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// AWS's error code (`AccessDenied`, `SlowDown`, ...).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// AWS's error message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for AwsAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, self.status) {
            (Some(code), Some(status)) => write!(f, "{code} (HTTP {status})")?,
            (Some(code), None) => write!(f, "{code}")?,
            (None, Some(status)) => write!(f, "HTTP {status} with no error body")?,
            (None, None) => {}
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        match (&self.note, self.code.is_some() || self.status.is_some()) {
            (Some(note), true) => write!(f, " ({note})"),
            (Some(note), false) => f.write_str(note),
            (None, true) => Ok(()),
            (None, false) => f.write_str("no answer (see the cause)"),
        }
    }
}
