//! Geometry in whole pixels, no pixel data: targets and anchors, the expansion of a
//! canvas to a target, where the original sits on it, sizes and rectangles.

mod expansion;
mod layout;
mod rect;
mod target;

pub use expansion::*;
pub use layout::*;
pub use rect::*;
pub use target::*;
