//! WebAssembly bindings of `outpaint-core`: the npm package `outpaint-wasm`.
//!
//! This crate only translates. JS values in (plain objects, typed arrays), core calls,
//! JS values out; errors become `Error` objects whose `.code` is the SPEC's stable code.
//! Images are `{ width, height, data }` with RGBA8 `data` (an `ImageData` fits as is):
//! one copy into wasm memory on the way in, one copy out. `Picture` and `MaskPicture`
//! keep pixels in wasm memory between calls, for pipelines that copy nothing.

#[cfg(any(target_arch = "wasm32", test))]
mod alloc;
mod canvas;
mod codec;
mod convert;
mod engine;
mod geometry;
mod picture;
mod pixels;
mod plan;
mod prepare;
mod providers;
mod session;
mod types;

pub use canvas::*;
pub use codec::*;
pub use engine::*;
pub use geometry::*;
pub use picture::*;
pub use pixels::*;
pub use plan::*;
pub use prepare::*;
pub use providers::*;
pub use session::*;

/// Large buffers on page boundaries (see `alloc.rs`): wasm only.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::PageAligned = alloc::PageAligned;

/// The library version.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The bytes of wasm memory this instance holds. It grows to the largest call's working
/// memory and never shrinks: drop the instance (terminate its worker) to give it back.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}
