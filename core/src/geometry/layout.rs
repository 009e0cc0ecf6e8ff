//! Where the original sits on a canvas: the one rectangle that fill, mask, local fill,
//! fitting and compositing all work from.

use serde::{Deserialize, Serialize};

use crate::error::{bail, Result};
use crate::geometry::{Expansion, Rect};

/// Where the original sits on a canvas, and which of its sides border new area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// Canvas width.
    pub canvas_width: u32,
    /// Canvas height.
    pub canvas_height: u32,
    /// Left of the original on the canvas.
    pub x: u32,
    /// Top of the original on the canvas.
    pub y: u32,
    /// Width of the original.
    pub width: u32,
    /// Height of the original.
    pub height: u32,
}

impl Layout {
    /// The layout of an expansion: the original at `(left, top)`.
    pub fn of(e: &Expansion) -> Layout {
        Layout {
            canvas_width: e.new_width,
            canvas_height: e.new_height,
            x: e.left,
            y: e.top,
            width: e.width(),
            height: e.height(),
        }
    }

    /// The original's rectangle on the canvas.
    pub fn original(&self) -> Rect {
        Rect {
            x: self.x,
            y: self.y,
            width: self.width,
            height: self.height,
        }
    }

    /// Checks that the original is a non-empty rectangle inside the canvas
    /// (`INVALID_DIMENSIONS` otherwise: a hand-made or inconsistent layout).
    pub fn check(&self) -> Result<()> {
        let fits = |at: u32, len: u32, side: u32| {
            len > 0 && u64::from(at) + u64::from(len) <= u64::from(side)
        };
        if !fits(self.x, self.width, self.canvas_width)
            || !fits(self.y, self.height, self.canvas_height)
        {
            bail!(
                InvalidDimensions,
                "the original ({}x{} at {},{}) does not lie inside the {}x{} canvas",
                self.width,
                self.height,
                self.x,
                self.y,
                self.canvas_width,
                self.canvas_height
            );
        }
        Ok(())
    }

    pub(crate) fn grown(&self) -> [bool; 4] {
        [
            self.x > 0,
            self.x + self.width < self.canvas_width,
            self.y > 0,
            self.y + self.height < self.canvas_height,
        ]
    }
}
