//! Status codes and the per-thread last error message.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use outpaint_core::ErrorCode;

/// Result of every fallible call. Values 7001..=7018 mirror the SPEC's error codes in
/// order; 7100.. are C-only conditions (NULL pointers, panics, host misuse).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_status {
    /// Success.
    OUTPAINT_STATUS_OK = 0,
    /// `INVALID_DIMENSIONS`: a zero size, or a buffer whose length does not match.
    OUTPAINT_STATUS_INVALID_DIMENSIONS = 7001,
    /// `INVALID_TARGET`: unknown or malformed expansion target.
    OUTPAINT_STATUS_INVALID_TARGET = 7002,
    /// `INVALID_OPTION`: unknown or out-of-range option (also invalid UTF-8).
    OUTPAINT_STATUS_INVALID_OPTION = 7003,
    /// `UNSUPPORTED_FORMAT`: bytes are not PNG, JPEG or WebP.
    OUTPAINT_STATUS_UNSUPPORTED_FORMAT = 7004,
    /// `CORRUPT_IMAGE`: truncated or damaged image data.
    OUTPAINT_STATUS_CORRUPT_IMAGE = 7005,
    /// `IMAGE_TOO_LARGE`: over a byte, side or pixel limit.
    OUTPAINT_STATUS_IMAGE_TOO_LARGE = 7006,
    /// `INVALID_SESSION_ID`.
    OUTPAINT_STATUS_INVALID_SESSION_ID = 7007,
    /// `SESSION_NOT_FOUND`.
    OUTPAINT_STATUS_SESSION_NOT_FOUND = 7008,
    /// `MODEL_NOT_FOUND`.
    OUTPAINT_STATUS_MODEL_NOT_FOUND = 7009,
    /// `MODEL_DISABLED`.
    OUTPAINT_STATUS_MODEL_DISABLED = 7010,
    /// `PROMPT_REQUIRED`.
    OUTPAINT_STATUS_PROMPT_REQUIRED = 7011,
    /// `PROMPT_TOO_LONG`.
    OUTPAINT_STATUS_PROMPT_TOO_LONG = 7012,
    /// `ITERATION_NOT_FOUND`.
    OUTPAINT_STATUS_ITERATION_NOT_FOUND = 7013,
    /// `ITERATION_LIMIT`.
    OUTPAINT_STATUS_ITERATION_LIMIT = 7014,
    /// `CONFLICT`.
    OUTPAINT_STATUS_CONFLICT = 7015,
    /// `PROVIDER_ERROR`.
    OUTPAINT_STATUS_PROVIDER_ERROR = 7016,
    /// `PROVIDER_TIMEOUT`.
    OUTPAINT_STATUS_PROVIDER_TIMEOUT = 7017,
    /// `STORAGE_ERROR`.
    OUTPAINT_STATUS_STORAGE_ERROR = 7018,
    /// `CONTENT_POLICY`.
    OUTPAINT_STATUS_CONTENT_POLICY = 7019,
    /// `PROVIDER_AUTH`.
    OUTPAINT_STATUS_PROVIDER_AUTH = 7020,
    /// `QUOTA_EXCEEDED`.
    OUTPAINT_STATUS_QUOTA_EXCEEDED = 7021,
    /// A pointer that must not be NULL was NULL.
    OUTPAINT_STATUS_NULL_PARAMETER = 7100,
    /// A panic was caught at the boundary (a bug in outpaint; please report it).
    OUTPAINT_STATUS_PANIC = 7101,
    /// Host misuse: an answer for an effect id this engine never handed out.
    OUTPAINT_STATUS_UNKNOWN_EFFECT = 7102,
    /// Host misuse: a second answer for an effect.
    OUTPAINT_STATUS_ALREADY_ANSWERED = 7103,
    /// Host misuse: an answer of the wrong kind (a GET answered as a PUT, ...).
    OUTPAINT_STATUS_WRONG_ANSWER = 7104,
}

impl From<&outpaint_core::engine::Misuse> for outpaint_status {
    fn from(m: &outpaint_core::engine::Misuse) -> Self {
        use outpaint_core::engine::Misuse;
        match m {
            Misuse::UnknownEffect(_) => OUTPAINT_STATUS_UNKNOWN_EFFECT,
            Misuse::AlreadyAnswered(_) => OUTPAINT_STATUS_ALREADY_ANSWERED,
            Misuse::WrongAnswer { .. } => OUTPAINT_STATUS_WRONG_ANSWER,
        }
    }
}

use outpaint_status::*;

impl From<ErrorCode> for outpaint_status {
    fn from(c: ErrorCode) -> Self {
        match c {
            ErrorCode::InvalidDimensions => OUTPAINT_STATUS_INVALID_DIMENSIONS,
            ErrorCode::InvalidTarget => OUTPAINT_STATUS_INVALID_TARGET,
            ErrorCode::InvalidOption => OUTPAINT_STATUS_INVALID_OPTION,
            ErrorCode::UnsupportedFormat => OUTPAINT_STATUS_UNSUPPORTED_FORMAT,
            ErrorCode::CorruptImage => OUTPAINT_STATUS_CORRUPT_IMAGE,
            ErrorCode::ImageTooLarge => OUTPAINT_STATUS_IMAGE_TOO_LARGE,
            ErrorCode::InvalidSessionId => OUTPAINT_STATUS_INVALID_SESSION_ID,
            ErrorCode::SessionNotFound => OUTPAINT_STATUS_SESSION_NOT_FOUND,
            ErrorCode::ModelNotFound => OUTPAINT_STATUS_MODEL_NOT_FOUND,
            ErrorCode::ModelDisabled => OUTPAINT_STATUS_MODEL_DISABLED,
            ErrorCode::PromptRequired => OUTPAINT_STATUS_PROMPT_REQUIRED,
            ErrorCode::PromptTooLong => OUTPAINT_STATUS_PROMPT_TOO_LONG,
            ErrorCode::IterationNotFound => OUTPAINT_STATUS_ITERATION_NOT_FOUND,
            ErrorCode::IterationLimit => OUTPAINT_STATUS_ITERATION_LIMIT,
            ErrorCode::Conflict => OUTPAINT_STATUS_CONFLICT,
            ErrorCode::ProviderError => OUTPAINT_STATUS_PROVIDER_ERROR,
            ErrorCode::ProviderTimeout => OUTPAINT_STATUS_PROVIDER_TIMEOUT,
            ErrorCode::StorageError => OUTPAINT_STATUS_STORAGE_ERROR,
            ErrorCode::ContentPolicy => OUTPAINT_STATUS_CONTENT_POLICY,
            ErrorCode::ProviderAuth => OUTPAINT_STATUS_PROVIDER_AUTH,
            ErrorCode::QuotaExceeded => OUTPAINT_STATUS_QUOTA_EXCEEDED,
            // ErrorCode is non_exhaustive; a future code maps to the nearest general one.
            _ => OUTPAINT_STATUS_INVALID_OPTION,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records a failure for `outpaint_last_error_message` and returns its status.
pub(crate) fn fail(status: outpaint_status, message: &str) -> outpaint_status {
    let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
    status
}

pub(crate) fn clear() {
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::default());
}

/// The message of the last failed call on this thread (`CODE: detail`), or "" after a
/// success. Never NULL; owned by the library and valid until the next outpaint call on
/// this thread. Do not free it.
#[no_mangle]
pub extern "C" fn outpaint_last_error_message() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// The core's code names as C strings, made once (in `ErrorCode::ALL` order).
fn code_names() -> &'static [CString] {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ErrorCode::ALL
            .iter()
            .map(|c| CString::new(c.as_str()).expect("codes have no NUL"))
            .collect()
    })
}

/// The stable name of a status value (`"INVALID_TARGET"`, `"OK"`, ...): a static
/// string, never NULL, never to be freed. Any other number gives `"UNKNOWN"`.
#[no_mangle]
pub extern "C" fn outpaint_status_name(status: u32) -> *const c_char {
    match status {
        0 => c"OK".as_ptr(),
        7100 => c"NULL_PARAMETER".as_ptr(),
        7101 => c"PANIC".as_ptr(),
        7102 => c"UNKNOWN_EFFECT".as_ptr(),
        7103 => c"ALREADY_ANSWERED".as_ptr(),
        7104 => c"WRONG_ANSWER".as_ptr(),
        s => match ErrorCode::ALL
            .iter()
            .position(|&c| outpaint_status::from(c) as u32 == s)
        {
            Some(i) => code_names()[i].as_ptr(),
            None => c"UNKNOWN".as_ptr(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_a_distinct_status_and_name() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in ErrorCode::ALL.into_iter().enumerate() {
            let s = outpaint_status::from(c);
            assert_eq!(s as i32, 7001 + i as i32, "{c}");
            assert!(seen.insert(s as i32));
            let name = unsafe { CStr::from_ptr(outpaint_status_name(s as u32)) };
            assert_eq!(name.to_str().unwrap(), c.as_str());
        }
        for (v, n) in [
            (12345, "UNKNOWN"),
            (7102, "UNKNOWN_EFFECT"),
            (u32::MAX, "UNKNOWN"),
        ] {
            let name = unsafe { CStr::from_ptr(outpaint_status_name(v)) };
            assert_eq!(name.to_str().unwrap(), n);
        }
    }
}
