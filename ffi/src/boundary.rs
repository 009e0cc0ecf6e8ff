//! The panic boundary every exported function runs inside, and the NULL checks.
//!
//! `boundary!` wraps a whole exported body: the body returns `Result<(), Fail>`, so
//! `?` works on core errors, misuse and NULL checks alike (`not_null`, `live`), and a
//! panic anywhere inside becomes `OUTPAINT_STATUS_PANIC`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use outpaint_core::engine::Misuse;
use outpaint_core::Error;

use crate::status::{clear, fail, outpaint_status};

/// Why an exported function failed: a status and its message.
pub(crate) struct Fail(outpaint_status, String);

impl Fail {
    /// A failure with this status and message.
    pub(crate) fn new(status: outpaint_status, message: String) -> Fail {
        Fail(status, message)
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail(e.code().into(), e.to_string())
    }
}

impl From<Misuse> for Fail {
    fn from(m: Misuse) -> Fail {
        let status = outpaint_status::from(&m);
        let name = match status {
            outpaint_status::OUTPAINT_STATUS_UNKNOWN_EFFECT => "UNKNOWN_EFFECT",
            outpaint_status::OUTPAINT_STATUS_ALREADY_ANSWERED => "ALREADY_ANSWERED",
            _ => "WRONG_ANSWER",
        };
        Fail(status, format!("{name}: {m}"))
    }
}

/// Runs an exported body inside the panic boundary; see the module docs.
macro_rules! boundary {
    ($($body:tt)*) => {
        $crate::boundary::run(|| -> ::std::result::Result<(), $crate::boundary::Fail> {
            $($body)*
        })
    };
}
pub(crate) use boundary;

/// The function behind `boundary!`.
pub(crate) fn run(f: impl FnOnce() -> Result<(), Fail>) -> outpaint_status {
    guard(|| match f() {
        Ok(()) => outpaint_status::OUTPAINT_STATUS_OK,
        Err(Fail(status, message)) => fail(status, &message),
    })
}

/// A raw pointer, const or mut.
pub(crate) trait Pointer: Copy {
    /// Whether it is NULL.
    fn is_null_ptr(self) -> bool;
}

impl<T> Pointer for *const T {
    fn is_null_ptr(self) -> bool {
        self.is_null()
    }
}

impl<T> Pointer for *mut T {
    fn is_null_ptr(self) -> bool {
        self.is_null()
    }
}

/// A pointer the caller must not pass as NULL: `NULL_PARAMETER` naming `what` otherwise.
pub(crate) fn present<P: Pointer>(p: P, what: &str) -> Result<P, Fail> {
    if p.is_null_ptr() {
        return Err(null_parameter(what));
    }
    Ok(p)
}

fn null_parameter(what: &str) -> Fail {
    Fail(
        outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
        format!("NULL_PARAMETER: {what} must not be NULL"),
    )
}

/// Runs `f`; a panic becomes `OUTPAINT_STATUS_PANIC` with a message. Clears the last
/// error first, so a success leaves "".
pub(crate) fn guard(f: impl FnOnce() -> outpaint_status) -> outpaint_status {
    clear();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(s) => s,
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            fail(
                outpaint_status::OUTPAINT_STATUS_PANIC,
                &format!("PANIC: a bug in outpaint: {what}"),
            )
        }
    }
}

/// Borrows a shared library object (one that locks inside, like the engine).
pub(crate) fn shared<'a, T>(p: *const T, what: &str) -> Result<&'a T, Fail> {
    let p = present(p, what)?;
    // SAFETY: non-NULL and, per the contract, a live object made by this library.
    Ok(unsafe { &*p })
}

/// Like [`guard`] for functions without a status (frees): a panic is swallowed.
pub(crate) fn guard_unit(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_a_status_with_a_message() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let s = guard(|| panic!("index out of bounds"));
        guard_unit(|| panic!("swallowed"));
        std::panic::set_hook(prev);
        assert_eq!(s, outpaint_status::OUTPAINT_STATUS_PANIC);
        let msg = unsafe { CStr::from_ptr(crate::outpaint_last_error_message()) };
        assert_eq!(
            msg.to_str().unwrap(),
            "PANIC: a bug in outpaint: index out of bounds"
        );
        // The next successful call clears the message.
        assert_eq!(
            guard(|| outpaint_status::OUTPAINT_STATUS_OK),
            outpaint_status::OUTPAINT_STATUS_OK
        );
        let msg = unsafe { CStr::from_ptr(crate::outpaint_last_error_message()) };
        assert_eq!(msg.to_bytes(), b"");
    }
}
