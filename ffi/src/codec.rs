//! Decoding (with limits) and PNG encoding for C.

use outpaint_core::{Limits, PngCompression};

use crate::boundary::{boundary, present};
use crate::buffer::{byte_slice, outpaint_bytes, outpaint_image, outpaint_image_view, view};
use crate::status::outpaint_status;

/// Decodes PNG, JPEG or WebP bytes (detected by content; EXIF orientation applied;
/// limits checked before pixels are allocated) into a library-allocated RGBA8 image.
/// `out` must not be NULL; on success free it with `outpaint_image_free`.
///
/// # Safety
/// `data` must point at `len` readable bytes; `out` at a writable `outpaint_image`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_decode(
    data: *const u8,
    len: usize,
    out: *mut outpaint_image,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let data = present(data, "data")?;
        let img = outpaint_core::decode(byte_slice(data, len)?, &Limits::default())?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    }
}

/// Encodes an RGBA8 image as PNG (fast compression) into library-allocated bytes.
/// `out` must not be NULL; on success free it with `outpaint_bytes_free`.
///
/// # Safety
/// `image.data` must point at `image.len` readable bytes; `out` at a writable
/// `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_encode_png(
    image: outpaint_image_view,
    out: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let png = outpaint_core::encode_png(view(&image)?, PngCompression::Fast)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(png)) };
        Ok(())
    }
}

/// Decode and allocation limits (see `outpaint_limits_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_limits {
    /// Largest encoded input in bytes.
    pub max_bytes: u64,
    /// Largest input side in pixels.
    pub max_side: u32,
    /// Largest input pixel count.
    pub max_pixels: u64,
    /// Largest canvas pixel count.
    pub max_canvas_pixels: u64,
}

impl From<outpaint_limits> for Limits {
    fn from(l: outpaint_limits) -> Self {
        Limits {
            max_bytes: l.max_bytes,
            max_side: l.max_side,
            max_pixels: l.max_pixels,
            max_canvas_pixels: l.max_canvas_pixels,
        }
    }
}

/// The default limits: 50 MB, 16384 px per side, 100 MP, 400 MP canvases.
#[no_mangle]
pub extern "C" fn outpaint_limits_default() -> outpaint_limits {
    let l = Limits::default();
    outpaint_limits {
        max_bytes: l.max_bytes,
        max_side: l.max_side,
        max_pixels: l.max_pixels,
        max_canvas_pixels: l.max_canvas_pixels,
    }
}

/// Like `outpaint_decode` with the caller's limits (checked before pixels are
/// allocated: a decompression bomb is `OUTPAINT_STATUS_IMAGE_TOO_LARGE`). No pointer may
/// be NULL; free the result with `outpaint_image_free`.
///
/// # Safety
/// `data` must point at `len` bytes, `limits` at valid limits, `out` at a writable
/// `outpaint_image`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_decode_limited(
    data: *const u8,
    len: usize,
    limits: *const outpaint_limits,
    out: *mut outpaint_image,
) -> outpaint_status {
    boundary! {
        let data = present(data, "data")?;
        let limits = present(limits, "limits")?;
        let out = present(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let l: Limits = unsafe { *limits }.into();
        let img = outpaint_core::decode(byte_slice(data, len)?, &l)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    }
}
