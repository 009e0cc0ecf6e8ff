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

/// Like [`guard`] for functions without a status (frees): a panic is swallowed.
pub(crate) fn guard_unit(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}
