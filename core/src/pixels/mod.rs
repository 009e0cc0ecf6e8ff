//! Pixel buffers and the kernels over them: pre-fills of the new area (edge, mirror,
//! blur, colour), masks and seams, compositing at full resolution, resizing, and the
//! offline `local` fill.

mod composite;
mod fill;
mod image;
mod local;
mod mask;
mod resize;

pub use composite::*;
pub use fill::*;
pub use image::*;
pub use local::*;
pub use mask::*;
pub use resize::*;
