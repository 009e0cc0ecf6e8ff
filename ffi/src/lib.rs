//! `liboutpaint`: the C ABI of `outpaint-core`. It only translates: strings, buffers,
//! statuses and callbacks in; the core's rules and types behind them. The conventions
//! (after rustls-ffi) are written once, at the top of the generated header
//! (`ffi/cbindgen.toml`).
#![allow(non_camel_case_types)]

use std::ffi::c_char;

mod boundary;
mod buffer;
mod codec;
mod engine;
mod geometry;
mod pixels;
mod plan;
mod providers;
mod session;
mod sized;
mod status;

pub use codec::*;
pub use geometry::*;
pub use pixels::*;
pub use plan::*;
pub use providers::*;
pub use session::*;

/// Major version of the library (matches Cargo.toml; checked by a test).
pub const OUTPAINT_VERSION_MAJOR: u32 = 0;
/// Minor version of the library.
pub const OUTPAINT_VERSION_MINOR: u32 = 1;
/// Patch version of the library.
pub const OUTPAINT_VERSION_PATCH: u32 = 0;

pub use buffer::*;
pub use engine::*;
pub use status::*;

/// The library version, e.g. `"0.1.0"`: a static string, never NULL, never to be freed.
#[no_mangle]
pub extern "C" fn outpaint_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

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
