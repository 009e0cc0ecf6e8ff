//! Expansion maths for C: `outpaint_expansion` and `outpaint_expand`.

use outpaint_core::geometry::Edges;
use outpaint_core::{Anchor, Error, ErrorCode, Target};

use crate::boundary::{boundary, present};
use crate::buffer::{opt_str, outpaint_str, parse};
use crate::status::outpaint_status;

/// An expansion: pixels added per side and the new canvas size.
#[repr(C)]
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

/// A required target string (`INVALID_TARGET` when `{NULL, 0}`).
pub(crate) fn required_target(s: outpaint_str) -> Result<Target, Error> {
    opt_str(s)?
        .ok_or_else(|| Error::new(ErrorCode::InvalidTarget, "the target is required"))?
        .parse()
}

/// Expands a `width x height` image to `target` with `anchor` (`{NULL, 0}` = center).
/// `out` must not be NULL; it is written only on success.
///
/// # Safety
/// The strings must point at their `len` bytes; `out` at a writable
/// `outpaint_expansion`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_expand(
    width: u32,
    height: u32,
    target: outpaint_str,
    anchor: outpaint_str,
    out: *mut outpaint_expansion,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let t = required_target(target)?;
        let e = outpaint_core::expand(width, height, &t, parse(anchor, Anchor::Center)?)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
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
        Ok(())
    }
}

/// Checks a C expansion and turns it into the core's.
pub(crate) fn expansion_of(x: &outpaint_expansion) -> Result<outpaint_core::Expansion, Error> {
    let w = x
        .new_width
        .checked_sub(x.left)
        .and_then(|v| v.checked_sub(x.right));
    let h = x
        .new_height
        .checked_sub(x.top)
        .and_then(|v| v.checked_sub(x.bottom));
    match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => {
            outpaint_core::Expansion::from_edges(w, h, Edges::new(x.left, x.right, x.top, x.bottom))
        }
        _ => Err(Error::new(
            ErrorCode::InvalidDimensions,
            "the expansion's edges do not fit inside its new size",
        )),
    }
}
