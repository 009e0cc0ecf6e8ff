//! Option structs that can grow without breaking callers: each starts with `size`, the
//! `sizeof` the caller was compiled with (its `_default()` function sets it). The library
//! accepts every size a release of the struct has had, reading the caller's bytes up to
//! it and taking defaults for the fields added since; fields are only ever appended, and
//! each new one ends on an 8-byte boundary, so an older size never reaches into one. Any
//! other size (0 from `= {0}`, garbage, a newer header than this library) is refused with
//! `INVALID_OPTION` naming the struct, never read past.

use outpaint_core::{Error, ErrorCode};

/// A struct whose first field is its `size_t size`.
///
/// # Safety
/// Implementors are `#[repr(C)]`, start with a `usize` size field and hold only plain
/// data (any bit pattern of the caller's prefix is a value).
pub(crate) unsafe trait Versioned: Copy {
    /// The struct's C name, for messages.
    const NAME: &'static str;
    /// Every size a release has had, oldest first; the last is `size_of::<Self>()`.
    const SIZES: &'static [usize];
    /// The defaults, `size` set to the current size.
    fn defaults() -> Self;
}

/// Reads `*p` as the caller's version of `T`: its bytes up to its `size`, defaults after.
///
/// # Safety
/// `p` is non-NULL and points at a readable `size_t` followed by at least `size - 8`
/// more bytes of the caller's struct.
pub(crate) unsafe fn read<T: Versioned>(p: *const T) -> Result<T, Error> {
    // SAFETY: the caller promises the size field is readable.
    let size = unsafe { p.cast::<usize>().read_unaligned() };
    if !T::SIZES.contains(&size) {
        return Err(Error::new(
            ErrorCode::InvalidOption,
            format!(
                "{}.size is {size}; set it to sizeof({}) ({} in this library) or start from {}_default()",
                T::NAME,
                T::NAME,
                std::mem::size_of::<T>(),
                T::NAME
            ),
        ));
    }
    let mut out = T::defaults();
    // SAFETY: `size` is one of T's own sizes, at most size_of::<T>(), and the caller
    // promises that many bytes; T is plain data (the trait's contract).
    unsafe {
        std::ptr::copy_nonoverlapping(p.cast::<u8>(), (&raw mut out).cast::<u8>(), size);
    }
    Ok(out)
}
