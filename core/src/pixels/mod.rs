//! Pixel buffers and the kernels over them: pre-fills of the new area (edge, mirror,
//! blur, colour), masks and seams, compositing at full resolution, resizing, and the
//! offline `local` fill.

mod blend;
mod composite;
mod fill;
mod image;
mod local;
mod mask;
mod report;
mod resize;

pub use blend::{ColourFit, ColourMatch, Correction, Registration};
pub use composite::*;
pub use fill::*;
pub use image::*;
pub use local::*;
pub use mask::*;
pub use report::{EdgeReport, SeamReport};
pub use resize::*;
