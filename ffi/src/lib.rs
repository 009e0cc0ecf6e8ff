//! `liboutpaint`: the C ABI of `outpaint-core`.
//!
//! Conventions (after rustls-ffi), repeated at the top of the generated header:
//! - every name starts with `outpaint_`; objects are created by `<type>_new` or returned
//!   by a function and released by `<type>_free`; `_free(NULL)` is a no-op;
//! - the object comes first, outputs last; every byte buffer is followed by its length;
//!   strings are `outpaint_str` views (pointer + length, no NUL needed);
//! - fallible functions return an `outpaint_status`: `OUTPAINT_STATUS_OK` (0) or a value
//!   mirroring the SPEC's error codes; `outpaint_last_error_message()` (per thread) says
//!   what went wrong; outputs are written only on success;
//! - every exported body runs inside a panic boundary: a panic becomes
//!   `OUTPAINT_STATUS_PANIC`, never an abort or undefined behaviour.
#![allow(non_camel_case_types)]

mod api;
mod boundary;
mod buffer;
mod data;
mod engine;
mod exchange;
mod status;

pub use api::*;

/// Major version of the library (matches Cargo.toml; checked by a test).
pub const OUTPAINT_VERSION_MAJOR: u32 = 0;
/// Minor version of the library.
pub const OUTPAINT_VERSION_MINOR: u32 = 1;
/// Patch version of the library.
pub const OUTPAINT_VERSION_PATCH: u32 = 0;

pub use buffer::*;
pub use data::*;
pub use engine::*;
pub use exchange::*;
pub use status::*;

#[cfg(test)]
mod version_tests {
    #[test]
    fn version_macros_match_cargo() {
        let v = format!(
            "{}.{}.{}",
            super::OUTPAINT_VERSION_MAJOR,
            super::OUTPAINT_VERSION_MINOR,
            super::OUTPAINT_VERSION_PATCH
        );
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
