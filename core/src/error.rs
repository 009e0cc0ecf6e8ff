//! Typed errors with stable machine codes shared by the Rust, JS and C surfaces.

use std::fmt;

/// A stable error code. The string form (`INVALID_TARGET`, ...) is identical in Rust,
/// JavaScript (`err.code`) and C (`outpaint_status`), and never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A width or height is zero, negative or otherwise unusable.
    InvalidDimensions,
    /// An expansion target is unknown or malformed.
    InvalidTarget,
    /// An option (anchor, fill, feather, profile, ...) is unknown or out of range.
    InvalidOption,
    /// The bytes are not PNG, JPEG or WebP.
    UnsupportedFormat,
    /// The bytes claim a supported format but cannot be decoded.
    CorruptImage,
    /// An image or canvas exceeds the configured byte, side or pixel limits.
    ImageTooLarge,
    /// A session id is not a UUID.
    InvalidSessionId,
    /// No session is stored under that id.
    SessionNotFound,
    /// The model name is not one of the known model columns.
    ModelNotFound,
    /// The model column exists but is disabled for this session.
    ModelDisabled,
    /// The prompt is empty after trimming.
    PromptRequired,
    /// The prompt is longer than the limit after trimming.
    PromptTooLong,
    /// The iteration index does not exist or is not completed.
    IterationNotFound,
    /// The model column has used up its iteration budget.
    IterationLimit,
    /// A compare-and-swap write kept losing to concurrent writers.
    Conflict,
    /// The provider answered with an error.
    ProviderError,
    /// The provider did not answer in time.
    ProviderTimeout,
    /// The host's storage failed.
    StorageError,
    /// The provider refused the prompt or the image on policy grounds: rephrase.
    ContentPolicy,
    /// The provider refused the key: wrong, missing, or not allowed this model.
    ProviderAuth,
    /// Out of credits or quota at the provider (not retried).
    QuotaExceeded,
}

impl ErrorCode {
    /// Every code, in a stable order (the C enum follows this order).
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::InvalidDimensions,
        ErrorCode::InvalidTarget,
        ErrorCode::InvalidOption,
        ErrorCode::UnsupportedFormat,
        ErrorCode::CorruptImage,
        ErrorCode::ImageTooLarge,
        ErrorCode::InvalidSessionId,
        ErrorCode::SessionNotFound,
        ErrorCode::ModelNotFound,
        ErrorCode::ModelDisabled,
        ErrorCode::PromptRequired,
        ErrorCode::PromptTooLong,
        ErrorCode::IterationNotFound,
        ErrorCode::IterationLimit,
        ErrorCode::Conflict,
        ErrorCode::ProviderError,
        ErrorCode::ProviderTimeout,
        ErrorCode::StorageError,
        ErrorCode::ContentPolicy,
        ErrorCode::ProviderAuth,
        ErrorCode::QuotaExceeded,
    ];

    /// The stable string form, e.g. `"INVALID_TARGET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidDimensions => "INVALID_DIMENSIONS",
            ErrorCode::InvalidTarget => "INVALID_TARGET",
            ErrorCode::InvalidOption => "INVALID_OPTION",
            ErrorCode::UnsupportedFormat => "UNSUPPORTED_FORMAT",
            ErrorCode::CorruptImage => "CORRUPT_IMAGE",
            ErrorCode::ImageTooLarge => "IMAGE_TOO_LARGE",
            ErrorCode::InvalidSessionId => "INVALID_SESSION_ID",
            ErrorCode::SessionNotFound => "SESSION_NOT_FOUND",
            ErrorCode::ModelNotFound => "MODEL_NOT_FOUND",
            ErrorCode::ModelDisabled => "MODEL_DISABLED",
            ErrorCode::PromptRequired => "PROMPT_REQUIRED",
            ErrorCode::PromptTooLong => "PROMPT_TOO_LONG",
            ErrorCode::IterationNotFound => "ITERATION_NOT_FOUND",
            ErrorCode::IterationLimit => "ITERATION_LIMIT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::ProviderError => "PROVIDER_ERROR",
            ErrorCode::ProviderTimeout => "PROVIDER_TIMEOUT",
            ErrorCode::StorageError => "STORAGE_ERROR",
            ErrorCode::ContentPolicy => "CONTENT_POLICY",
            ErrorCode::ProviderAuth => "PROVIDER_AUTH",
            ErrorCode::QuotaExceeded => "QUOTA_EXCEEDED",
        }
    }

    /// Parses the stable string form back into a code.
    pub fn from_str_code(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from `outpaint-core`: a stable [`ErrorCode`] plus a message that says what
/// was wrong and what would be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// Makes an error with a code and a human-readable message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable detail (without the code).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Shorthand for `Result<T, outpaint_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! bail {
    ($code:ident, $($arg:tt)*) => {
        return Err($crate::error::Error::new($crate::error::ErrorCode::$code, format!($($arg)*)))
    };
}
pub(crate) use bail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()));
            assert_eq!(ErrorCode::from_str_code(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::from_str_code("NOPE"), None);
    }

    #[test]
    fn display_carries_code_and_message() {
        let e = Error::new(ErrorCode::InvalidTarget, "unknown target \"17:x\"");
        assert_eq!(e.to_string(), "INVALID_TARGET: unknown target \"17:x\"");
        assert_eq!(e.code(), ErrorCode::InvalidTarget);
    }
}
