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

/// Decode, pixel and working-memory limits: start from `outpaint_limits_default()` (it
/// sets `size`) and change what you need.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_limits {
    /// `sizeof(outpaint_limits)` as the caller was compiled (see the header's
    /// conventions: fields are only ever appended).
    pub size: usize,
    /// Largest encoded input in bytes.
    pub max_bytes: u64,
    /// Largest input side in pixels.
    pub max_side: u32,
    /// Largest input pixel count.
    pub max_pixels: u64,
    /// Largest canvas pixel count.
    pub max_canvas_pixels: u64,
    /// Largest working memory one operation may allocate, in bytes (worked out from its
    /// plan before its first pixel; over it is `OUTPAINT_STATUS_IMAGE_TOO_LARGE`).
    pub max_memory_bytes: u64,
}

// SAFETY: repr(C), `size` first, plain integers.
unsafe impl crate::sized::Versioned for outpaint_limits {
    const NAME: &'static str = "outpaint_limits";
    const SIZES: &'static [usize] = &[std::mem::size_of::<outpaint_limits>()];
    fn defaults() -> Self {
        outpaint_limits_default()
    }
}

impl From<outpaint_limits> for Limits {
    fn from(l: outpaint_limits) -> Self {
        Limits {
            max_bytes: l.max_bytes,
            max_side: l.max_side,
            max_pixels: l.max_pixels,
            max_canvas_pixels: l.max_canvas_pixels,
            max_memory_bytes: l.max_memory_bytes,
        }
    }
}

/// Reads the caller's limits (NULL = the defaults).
///
/// # Safety
/// `p` is NULL or points at an `outpaint_limits` of its own `size`.
pub(crate) unsafe fn limits_of(p: *const outpaint_limits) -> Result<Limits, outpaint_core::Error> {
    if p.is_null() {
        return Ok(Limits::default());
    }
    // SAFETY: non-NULL; the caller promises the rest.
    Ok(unsafe { crate::sized::read(p) }?.into())
}

/// The default limits: 50 MB inputs, 16384 px a side, 36 MP inputs and canvases, 1 GiB of
/// working memory; `size` set.
#[no_mangle]
pub extern "C" fn outpaint_limits_default() -> outpaint_limits {
    let l = Limits::default();
    outpaint_limits {
        size: std::mem::size_of::<outpaint_limits>(),
        max_bytes: l.max_bytes,
        max_side: l.max_side,
        max_pixels: l.max_pixels,
        max_canvas_pixels: l.max_canvas_pixels,
        max_memory_bytes: l.max_memory_bytes,
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
        let l = unsafe { limits_of(limits) }?;
        let img = outpaint_core::decode(byte_slice(data, len)?, &l)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    }
}
