//! WebAssembly bindings of `outpaint-core`: the npm package `outpaint-wasm`.
//!
//! This crate only translates. JS values in (plain objects, typed arrays), core calls,
//! JS values out; errors become `Error` objects whose `.code` is the SPEC's stable code.
//! Images are `{ width, height, data }` with RGBA8 `data` (an `ImageData` fits as is):
//! one copy into wasm memory on the way in, one copy out.

mod canvas;
mod convert;
mod pixels;
mod providers;
mod session;

pub use canvas::*;
pub use pixels::*;
pub use providers::*;
pub use session::*;
