//! `liboutpaint`: the C ABI of `outpaint-core`.
//!
//! Conventions (rustls-ffi style): functions return an [`outpaint_status`]; outputs are
//! written only on success; every exported body runs inside a panic boundary, so a panic
//! becomes `OUTPAINT_STATUS_PANIC` and never crosses into C. The full surface and the
//! generated header arrive with the C ABI issue; today it exposes the expansion maths.

use std::panic::{catch_unwind, AssertUnwindSafe};

use outpaint_core::{Anchor, ErrorCode, Target};

/// Result of every fallible call. Values mirror the SPEC's error codes.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_status {
    /// Success.
    OUTPAINT_STATUS_OK = 0,
    /// `INVALID_DIMENSIONS`.
    OUTPAINT_STATUS_INVALID_DIMENSIONS = 7001,
    /// `INVALID_TARGET`.
    OUTPAINT_STATUS_INVALID_TARGET = 7002,
    /// `INVALID_OPTION`.
    OUTPAINT_STATUS_INVALID_OPTION = 7003,
    /// `IMAGE_TOO_LARGE`.
    OUTPAINT_STATUS_IMAGE_TOO_LARGE = 7006,
    /// A NULL pointer where one is not allowed.
    OUTPAINT_STATUS_NULL_PARAMETER = 7100,
    /// A panic was caught at the boundary (a bug in outpaint).
    OUTPAINT_STATUS_PANIC = 7101,
    /// Any other code (the full mapping comes with the C ABI issue).
    OUTPAINT_STATUS_OTHER = 7199,
}

impl From<ErrorCode> for outpaint_status {
    fn from(c: ErrorCode) -> Self {
        match c {
            ErrorCode::InvalidDimensions => outpaint_status::OUTPAINT_STATUS_INVALID_DIMENSIONS,
            ErrorCode::InvalidTarget => outpaint_status::OUTPAINT_STATUS_INVALID_TARGET,
            ErrorCode::InvalidOption => outpaint_status::OUTPAINT_STATUS_INVALID_OPTION,
            ErrorCode::ImageTooLarge => outpaint_status::OUTPAINT_STATUS_IMAGE_TOO_LARGE,
            _ => outpaint_status::OUTPAINT_STATUS_OTHER,
        }
    }
}

/// An expansion: pixels added per side and the new canvas size.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct outpaint_expansion {
    /// Pixels added left.
    pub left: u32,
    /// Pixels added right.
    pub right: u32,
    /// Pixels added above.
    pub top: u32,
    /// Pixels added below.
    pub bottom: u32,
    /// Canvas width.
    pub new_width: u32,
    /// Canvas height.
    pub new_height: u32,
}

fn boundary(f: impl FnOnce() -> outpaint_status) -> outpaint_status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(outpaint_status::OUTPAINT_STATUS_PANIC)
}

fn str_arg<'a>(ptr: *const u8, len: usize) -> Option<&'a str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller promises `ptr` points at `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).ok()
}

/// Expands a `width x height` image to `target` (`target_len` bytes of UTF-8, no NUL
/// needed) with `anchor` (`anchor_len` bytes; NULL means `center`).
///
/// `out` must not be NULL; it is written only on success.
///
/// # Safety
/// `target` must point at `target_len` readable bytes, `anchor` (if not NULL) at
/// `anchor_len`, and `out` at a writable `outpaint_expansion`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_expand(
    width: u32,
    height: u32,
    target: *const u8,
    target_len: usize,
    anchor: *const u8,
    anchor_len: usize,
    out: *mut outpaint_expansion,
) -> outpaint_status {
    boundary(|| {
        if out.is_null() || target.is_null() {
            return outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER;
        }
        let Some(t) = str_arg(target, target_len) else {
            return outpaint_status::OUTPAINT_STATUS_INVALID_TARGET;
        };
        let anchor = if anchor.is_null() {
            Ok(Anchor::Center)
        } else {
            match str_arg(anchor, anchor_len) {
                Some(a) => a.parse::<Anchor>(),
                None => return outpaint_status::OUTPAINT_STATUS_INVALID_OPTION,
            }
        };
        let r = anchor.and_then(|a| {
            let t: Target = t.parse()?;
            outpaint_core::expand(width, height, &t, a)
        });
        match r {
            Ok(e) => {
                // SAFETY: checked non-NULL above; the caller promises it is writable.
                unsafe {
                    *out = outpaint_expansion {
                        left: e.left,
                        right: e.right,
                        top: e.top,
                        bottom: e.bottom,
                        new_width: e.new_width,
                        new_height: e.new_height,
                    }
                };
                outpaint_status::OUTPAINT_STATUS_OK
            }
            Err(e) => e.code().into(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_through_the_c_abi() {
        let mut out = outpaint_expansion::default();
        let t = b"16:9";
        let s =
            unsafe { outpaint_expand(1024, 1024, t.as_ptr(), 4, std::ptr::null(), 0, &mut out) };
        assert_eq!(s, outpaint_status::OUTPAINT_STATUS_OK);
        assert_eq!((out.left, out.right, out.new_width), (398, 398, 1820));
        let bad = b"17:x";
        let mut untouched = outpaint_expansion::default();
        let s = unsafe {
            outpaint_expand(10, 10, bad.as_ptr(), 4, std::ptr::null(), 0, &mut untouched)
        };
        assert_eq!(s, outpaint_status::OUTPAINT_STATUS_INVALID_TARGET);
        assert_eq!(untouched, outpaint_expansion::default());
        let s = unsafe {
            outpaint_expand(
                10,
                10,
                t.as_ptr(),
                4,
                std::ptr::null(),
                0,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(s, outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER);
    }
}
