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
    /// The prompt or the image was refused on policy grounds (moderation, safety):
    /// rephrase. `CONTENT_POLICY`.
    ContentPolicy,
    /// The key was refused (wrong, missing, or not allowed this model). `PROVIDER_AUTH`.
    Auth,
    /// Out of credits or quota: not retried. `QUOTA_EXCEEDED`.
    Quota,
}

crate::names::named_enum!(FailureKind, "failure kind", InvalidOption {
    Rejected => "rejected",
    Transient => "transient",
    Timeout => "timeout",
    ContentPolicy => "content_policy",
    Auth => "auth",
    Quota => "quota",
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

    /// Whether trying again may help (transient failures and timeouts).
    pub fn retryable(&self) -> bool {
        matches!(self.kind, FailureKind::Transient | FailureKind::Timeout)
    }

    /// The error code of the kind (see [`FailureKind`]).
    pub fn code(&self) -> ErrorCode {
        match self.kind {
            FailureKind::Timeout => ErrorCode::ProviderTimeout,
            FailureKind::Rejected | FailureKind::Transient => ErrorCode::ProviderError,
            FailureKind::ContentPolicy => ErrorCode::ContentPolicy,
            FailureKind::Auth => ErrorCode::ProviderAuth,
            FailureKind::Quota => ErrorCode::QuotaExceeded,
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

/// What a non-2xx status means. 401 and 403 are the key's (`PROVIDER_AUTH`, but a
/// 403 for content is `CONTENT_POLICY`), 402 and quota 429s are `QUOTA_EXCEEDED`,
/// moderation refusals are `CONTENT_POLICY`, other 429s and 5xx are worth a retry
/// (honouring `retry-after`, in seconds or as an HTTP date against the response's
/// `date`, and
/// Gemini's `RetryInfo.retryDelay`), 408 and 504 are timeouts, the rest are the
/// request's fault.
pub(crate) fn http_failure(provider: &str, r: &Response) -> ProviderFailure {
    let now_ms = r.header("date").and_then(crate::session::parse_http_date);
    let detail = error_detail(&r.body);
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let text = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    let reasons: Vec<&str> = body
        .pointer("/error/details")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .flat_map(|x| {
                    [x.get("@type"), x.get("reason")]
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                })
                .collect()
        })
        .unwrap_or_default();
    let says = |needle: &str| {
        text("/error/code") == needle
            || text("/error/type") == needle
            || text("/code") == needle
            || text("/error/status") == needle
            || reasons.iter().any(|r| r.contains(needle))
    };
    let moderated = says("moderation_blocked") || says("content_policy_violation");
    let (kind, what) = match r.status {
        _ if moderated => (FailureKind::ContentPolicy, "refused the content"),
        400 if says("API_KEY_INVALID") => (FailureKind::Auth, "refused the API key"),
        400 | 422 => (FailureKind::Rejected, "rejected the request"),
        401 => (FailureKind::Auth, "refused the API key"),
        402 => (FailureKind::Quota, "is out of credits"),
        403 => (
            FailureKind::Auth,
            "denied access (the key or its organisation may not use this model)",
        ),
        404 => (
            FailureKind::Rejected,
            "does not know this endpoint or model",
        ),
        408 => (FailureKind::Timeout, "timed out"),
        413 => (FailureKind::Rejected, "says the upload is too large"),
        429 if says("insufficient_quota") || says("QuotaFailure") && !says("RetryInfo") => {
            (FailureKind::Quota, "says the quota is used up")
        }
        429 => (FailureKind::Transient, "is rate limiting"),
        504 => (FailureKind::Timeout, "failed on its side"),
        500..=599 => (FailureKind::Transient, "failed on its side"),
        _ => (FailureKind::Rejected, "answered unexpectedly"),
    };
    let retry_after = r
        .header("retry-after")
        .and_then(|v| retry_after_ms(v, now_ms))
        .or_else(|| retry_delay_ms(&body));
    ProviderFailure::new(
        kind,
        format!("{provider} {what} (HTTP {}): {detail}", r.status),
    )
    .with_retry_after(retry_after)
}

/// A `retry-after` value: seconds, or an HTTP date (RFC 9110 IMF-fixdate) measured
/// from `now_ms` (the response's own `date`).
pub(crate) fn retry_after_ms(v: &str, now_ms: Option<u64>) -> Option<u64> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(s.saturating_mul(1000));
    }
    let at = crate::session::parse_http_date(v)?;
    Some(at.saturating_sub(now_ms?))
}

/// Gemini's hint: `error.details[]` of `@type` `google.rpc.RetryInfo`, `retryDelay`
/// like `"22s"` or `"1.5s"`.
fn retry_delay_ms(body: &Value) -> Option<u64> {
    let details = body.pointer("/error/details")?.as_array()?;
    let delay = details
        .iter()
        .filter(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("google.rpc.RetryInfo"))
        })
        .find_map(|d| d.get("retryDelay").and_then(Value::as_str))?;
    let secs: f64 = delay.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64)
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
