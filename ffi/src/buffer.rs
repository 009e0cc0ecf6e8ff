//! Strings and buffers that cross the boundary.

use std::ffi::c_char;

use outpaint_core::{Error, ErrorCode, Image, ImageRef};

use crate::boundary::guard_unit;

/// A borrowed UTF-8 string: `ptr` to `len` bytes, no NUL needed. `{NULL, 0}` means
/// "not given" (the option's default).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_str {
    /// The bytes (may be NULL when `len` is 0).
    pub ptr: *const c_char,
    /// Their count.
    pub len: usize,
}

/// Bytes allocated by the library (an encoded image, a mask, JSON). Release with
/// `outpaint_bytes_free`.
#[repr(C)]
#[derive(Debug)]
pub struct outpaint_bytes {
    /// The bytes; NULL when empty or freed.
    pub data: *mut u8,
    /// Their count.
    pub len: usize,
}

/// An RGBA8 image allocated by the library (`len == width * height * 4`). Release with
/// `outpaint_image_free`.
#[repr(C)]
#[derive(Debug)]
pub struct outpaint_image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Rows of RGBA8 pixels, top to bottom; NULL when freed.
    pub data: *mut u8,
    /// `width * height * 4`.
    pub len: usize,
}

/// A borrowed RGBA8 image owned by the caller (`len` must be `width * height * 4`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_image_view {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Rows of RGBA8 pixels, top to bottom.
    pub data: *const u8,
    /// Byte count.
    pub len: usize,
}

/// `{NULL, 0}`: a string view not given.
pub(crate) fn none() -> outpaint_str {
    outpaint_str {
        ptr: std::ptr::null(),
        len: 0,
    }
}

/// A view of `s` (valid while `s` lives and is not moved).
pub(crate) fn sv(s: &str) -> outpaint_str {
    outpaint_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

/// Copies a string view into a `String` (`{NULL, 0}` gives "").
pub(crate) fn owned(s: outpaint_str) -> Result<String, Error> {
    Ok(opt_str(s)?.unwrap_or_default().to_string())
}

/// Reads an optional string: `Ok(None)` for `{NULL, 0}`.
pub(crate) fn opt_str<'a>(s: outpaint_str) -> Result<Option<&'a str>, Error> {
    if s.ptr.is_null() {
        return if s.len == 0 {
            Ok(None)
        } else {
            Err(Error::new(
                ErrorCode::InvalidOption,
                "a string has a NULL pointer but a non-zero length",
            ))
        };
    }
    // SAFETY: the caller promises `ptr` points at `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr.cast::<u8>(), s.len) };
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::new(ErrorCode::InvalidOption, "a string is not valid UTF-8"))
}

/// Reads a borrowed byte buffer (NULL allowed only with length 0).
pub(crate) fn byte_slice<'a>(data: *const u8, len: usize) -> Result<&'a [u8], Error> {
    if data.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(
            ErrorCode::InvalidDimensions,
            "a buffer has a NULL pointer but a non-zero length",
        ));
    }
    // SAFETY: the caller promises `data` points at `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Borrows a caller image.
pub(crate) fn view<'a>(v: &outpaint_image_view) -> Result<ImageRef<'a>, Error> {
    let data = byte_slice(v.data, v.len)?;
    ImageRef::new(v.width, v.height, data)
}

fn leak(v: Vec<u8>) -> (*mut u8, usize) {
    if v.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let b = v.into_boxed_slice();
    let len = b.len();
    (Box::into_raw(b).cast::<u8>(), len)
}

/// SAFETY: `data`/`len` must come from [`leak`].
unsafe fn unleak(data: *mut u8, len: usize) {
    if !data.is_null() {
        // SAFETY: per the contract, this is the boxed slice `leak` gave out.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
    }
}

impl outpaint_bytes {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        let (data, len) = leak(v);
        outpaint_bytes { data, len }
    }
}

impl outpaint_image {
    pub(crate) fn from_image(img: Image) -> Self {
        let (width, height) = (img.width(), img.height());
        let (data, len) = leak(img.into_data());
        outpaint_image {
            width,
            height,
            data,
            len,
        }
    }
}

/// Frees bytes the library returned and resets the struct to `{NULL, 0}`. NULL, or an
/// already freed struct, is a no-op.
///
/// # Safety
/// `bytes` must be NULL or point at an `outpaint_bytes` filled by this library.
#[no_mangle]
pub unsafe extern "C" fn outpaint_bytes_free(bytes: *mut outpaint_bytes) {
    guard_unit(|| {
        if bytes.is_null() {
            return;
        }
        // SAFETY: non-NULL and, per the contract, filled by this library.
        let b = unsafe { &mut *bytes };
        // SAFETY: data/len came from `leak`.
        unsafe { unleak(b.data, b.len) };
        b.data = std::ptr::null_mut();
        b.len = 0;
    })
}

/// Frees an image the library returned and resets its pointer and length. NULL, or an
/// already freed image, is a no-op.
///
/// # Safety
/// `image` must be NULL or point at an `outpaint_image` filled by this library.
#[no_mangle]
pub unsafe extern "C" fn outpaint_image_free(image: *mut outpaint_image) {
    guard_unit(|| {
        if image.is_null() {
            return;
        }
        // SAFETY: non-NULL and, per the contract, filled by this library.
        let i = unsafe { &mut *image };
        // SAFETY: data/len came from `leak`.
        unsafe { unleak(i.data, i.len) };
        i.data = std::ptr::null_mut();
        i.len = 0;
    })
}

/// Parses an optional name (`{NULL, 0}` = `default`).
pub(crate) fn parse<T: std::str::FromStr<Err = Error>>(
    s: outpaint_str,
    default: T,
) -> Result<T, Error> {
    match opt_str(s)? {
        Some(v) => v.parse(),
        None => Ok(default),
    }
}
