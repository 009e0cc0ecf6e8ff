//! Why a provider call gave no image: a [`FailureKind`] that decides retries and the
//! error code, the provider's (redacted) message, and the wait it asked for.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::providers::Response;

/// Longest stretch of an error body kept in a message, in bytes.
const SNIPPET_BYTES: usize = 400;
/// Longest provider message kept, in characters.
const MESSAGE_CHARS: usize = 300;
/// Longest wait a provider's `retry-after` may impose before the one retry: a minute is
/// as long as a person waits for one step.
pub const MAX_RETRY_AFTER_MS: u64 = 60_000;
/// Tries of one provider call: the first and one retry.
pub const PROVIDER_ATTEMPTS: u32 = 2;

/// What kind of failure a provider call ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The request itself was refused (bad input, key, endpoint): trying again cannot
    /// help. `PROVIDER_ERROR`.
    Rejected,
    /// Worth one more try (rate limits, 5xx, a broken connection, an unusable answer).
    /// `PROVIDER_ERROR`.
    Transient,
    /// The provider did not answer in time; retried once. `PROVIDER_TIMEOUT`.
    Timeout,
}

crate::names::named_enum!(FailureKind, "failure kind", InvalidOption {
    Rejected => "rejected",
    Transient => "transient",
    Timeout => "timeout",
});

/// A provider call that did not produce an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFailure {
    /// What kind of failure (decides the retry and the error code).
    pub kind: FailureKind,
    /// The provider's message (redacted before it is stored).
    pub message: String,
    /// How long the provider asked to wait before trying again (`retry-after`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ProviderFailure {
    /// A failure of `kind`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        ProviderFailure {
            kind,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A refused request (not retried).
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Rejected, message)
    }

    /// A failure worth one more try.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Transient, message)
    }

    /// A timeout (retried once).
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Timeout, message)
    }

    /// The same failure, asking for `ms` before a retry.
    pub fn with_retry_after(mut self, ms: Option<u64>) -> Self {
        self.retry_after_ms = ms;
        self
    }

    /// Whether trying again may help.
    pub fn retryable(&self) -> bool {
        self.kind != FailureKind::Rejected
    }

    /// `PROVIDER_TIMEOUT` for a timeout, else `PROVIDER_ERROR`.
    pub fn code(&self) -> ErrorCode {
        match self.kind {
            FailureKind::Timeout => ErrorCode::ProviderTimeout,
            FailureKind::Rejected | FailureKind::Transient => ErrorCode::ProviderError,
        }
    }

    /// How long to wait before the one retry: `backoff_ms`, or the provider's own
    /// `retry-after` when it asks for longer (capped at [`MAX_RETRY_AFTER_MS`]).
    pub fn retry_wait(&self, backoff_ms: u64) -> u64 {
        self.retry_after_ms
            .map_or(backoff_ms, |ms| ms.min(MAX_RETRY_AFTER_MS).max(backoff_ms))
    }

    /// The retry rule, the same for every driver: after try number `tries` (from 1)
    /// ended with this failure, the wait before the next try, or `None` when there is
    /// none (the failure is final, or the tries are used up).
    pub fn retry_after(&self, tries: u32, backoff_ms: u64) -> Option<u64> {
        (tries < PROVIDER_ATTEMPTS && self.retryable()).then(|| self.retry_wait(backoff_ms))
    }
}

/// Checks that a provider's answer is an image this library can use (a known format
/// that decodes within `limits`); an unusable answer is a transient failure, worth the
/// retry.
pub fn check_image(bytes: &[u8], limits: &crate::Limits) -> Result<(), ProviderFailure> {
    crate::codec::Format::detect(bytes)
        .ok_or(ErrorCode::UnsupportedFormat)
        .and_then(|_| crate::codec::decode(bytes, limits).map_err(|e| e.code()))
        .map(|_| ())
        .map_err(|code| {
            ProviderFailure::transient(format!("provider returned an unusable image ({code})"))
        })
}

impl From<ProviderFailure> for Error {
    fn from(f: ProviderFailure) -> Error {
        Error::new(f.code(), f.message)
    }
}

/// What a non-2xx status means: 429 and 5xx are worth a retry (honouring
/// `retry-after` seconds), 408 and 504 are timeouts, the rest are the request's fault.
pub(crate) fn http_failure(provider: &str, r: &Response) -> ProviderFailure {
    let detail = error_detail(&r.body);
    let (kind, what) = match r.status {
        400 | 422 => (FailureKind::Rejected, "rejected the request"),
        401 => (FailureKind::Rejected, "refused the API key"),
        403 => (
            FailureKind::Rejected,
            "denied access (key, quota or content policy)",
        ),
        404 => (
            FailureKind::Rejected,
            "does not know this endpoint or model",
        ),
        408 => (FailureKind::Timeout, "timed out"),
        413 => (FailureKind::Rejected, "says the upload is too large"),
        429 => (FailureKind::Transient, "is rate limiting"),
        504 => (FailureKind::Timeout, "failed on its side"),
        500..=599 => (FailureKind::Transient, "failed on its side"),
        _ => (FailureKind::Rejected, "answered unexpectedly"),
    };
    let retry_after = r
        .header("retry-after")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|s| s.saturating_mul(1000));
    ProviderFailure::new(
        kind,
        format!("{provider} {what} (HTTP {}): {detail}", r.status),
    )
    .with_retry_after(retry_after)
}

/// The useful part of an error body: a JSON message where there is one, else a snippet.
pub(crate) fn error_detail(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        for p in [
            "/error/message",
            "/message",
            "/detail",
            "/detail/0/msg",
            "/error",
            "/code",
        ] {
            match v.pointer(p) {
                Some(Value::String(s)) => return clip(s),
                Some(d @ Value::Array(_)) | Some(d @ Value::Object(_)) if p == "/detail" => {
                    return clip(&d.to_string())
                }
                _ => {}
            }
        }
    }
    snippet(body)
}

/// The start of a body as text, for a message.
pub(crate) fn snippet(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty body)".into();
    }
    clip(&String::from_utf8_lossy(
        &body[..body.len().min(SNIPPET_BYTES)],
    ))
}

fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MESSAGE_CHARS) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
