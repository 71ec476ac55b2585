//! What can go wrong: the input's fault ([`Rejection`], never retried) or ours
//! ([`RenderError::Internal`], worth a retry and a look).

/// Why an input cannot be made into renditions: the input's fault, not worth a retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Zero bytes, or no image format recognised.
    #[error("{0}")]
    NotAnImage(String),
    /// A recognised format that does not decode, is truncated, or declares more data than it
    /// holds; also any input a decoder refuses or panics on.
    #[error("{0}")]
    Corrupt(String),
    /// Over a limit: bytes, pixels, a metadata block, JPEG scans.
    #[error("{0}")]
    TooLarge(String),
    /// A recognised image format that is not decoded.
    #[error("{0}")]
    UnsupportedFormat(String),
}

/// Which kind of [`Rejection`]: what callers and tests match on (the message is for people).
/// Exhaustive on purpose: a new kind makes every caller decide what it means to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectionKind {
    /// Zero bytes, or no image format recognised.
    NotAnImage,
    /// A recognised format that does not decode or is truncated.
    Corrupt,
    /// Over a limit.
    TooLarge,
    /// A recognised image format that is not decoded.
    UnsupportedFormat,
}

impl Rejection {
    /// Which kind of rejection this is.
    pub fn kind(&self) -> RejectionKind {
        match self {
            Rejection::NotAnImage(_) => RejectionKind::NotAnImage,
            Rejection::Corrupt(_) => RejectionKind::Corrupt,
            Rejection::TooLarge(_) => RejectionKind::TooLarge,
            Rejection::UnsupportedFormat(_) => RejectionKind::UnsupportedFormat,
        }
    }
}

/// Why [`render`](crate::render) made no renditions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The input's fault.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// A failure of the pipeline's own code (a resize, an encode, a panic outside a decoder):
    /// not the input's fault, so it must not be reported as a rejection.
    #[error("{what} failed: {detail}")]
    Internal {
        /// The step that failed.
        what: &'static str,
        /// What it said.
        detail: String,
    },
}

impl RenderError {
    /// An internal failure of `what`.
    pub(crate) fn internal(what: &'static str, detail: impl std::fmt::Display) -> Self {
        RenderError::Internal {
            what,
            detail: detail.to_string(),
        }
    }

    /// The rejection, when it is one.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            RenderError::Rejected(r) => Some(r),
            RenderError::Internal { .. } => None,
        }
    }
}

/// What a caught panic said.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}
