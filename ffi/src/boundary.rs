//! The panic boundary every exported function runs inside.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{clear, fail, outpaint_status};

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

/// Borrows a library object the caller passed back: `NULL_PARAMETER` naming `what` when
/// the pointer is NULL. Per each function's contract a non-NULL pointer is a live object
/// made by this library and used from one thread.
pub(crate) fn live<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T, outpaint_status> {
    if p.is_null() {
        return Err(fail(
            outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
            &format!("NULL_PARAMETER: {what} must not be NULL"),
        ));
    }
    // SAFETY: non-NULL and, per the contract, a live object used from one thread.
    Ok(unsafe { &mut *p })
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
