//! Size limits checked before any pixel buffer is allocated.

use serde::{Deserialize, Serialize};

use crate::error::{bail, Result};

/// Limits on what is decoded and allocated. Checked before pixels are allocated, so a
/// decompression bomb is an `IMAGE_TOO_LARGE` error, never an out-of-memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Largest encoded input, in bytes (default 50 MB).
    pub max_bytes: u64,
    /// Largest input width or height, in pixels (default 16384).
    pub max_side: u32,
    /// Largest input pixel count (default 100 MP).
    pub max_pixels: u64,
    /// Largest expanded canvas, in pixels (default 36 MP: the offline `run` of any
    /// picture to a canvas that size fits the default memory budget).
    pub max_canvas_pixels: u64,
    /// Largest working memory one operation may allocate, in bytes (default 1 GiB,
    /// sized for a browser tab and a serverless function). Worked out from the
    /// operation's plan before its first pixel: over it is `IMAGE_TOO_LARGE`.
    pub max_memory_bytes: u64,
}

/// The largest side any canvas may have, whatever the limits say (keeps every offset
/// and `width * 4` inside `i32`, which JS and C hosts rely on).
pub const MAX_CANVAS_SIDE: u32 = 1 << 28;

/// The default input and canvas pixel limits: 36 MP (an 8K frame is 33 MP).
const DEFAULT_PIXELS: u64 = 36_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50_000_000,
            max_side: 16_384,
            max_pixels: DEFAULT_PIXELS,
            max_canvas_pixels: DEFAULT_PIXELS,
            max_memory_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// Checks an input image's dimensions: zero is `INVALID_DIMENSIONS`, too large is
    /// `IMAGE_TOO_LARGE`.
    pub fn check_input(&self, width: u32, height: u32) -> Result<()> {
        self.check_sides(width, height)?;
        let px = u64::from(width) * u64::from(height);
        if px > self.max_pixels {
            bail!(
                ImageTooLarge,
                "image is {width}x{height} ({px} px); the limit is {} px",
                self.max_pixels
            );
        }
        Ok(())
    }

    /// Checks only the sides: zero is `INVALID_DIMENSIONS`, above `max_side` is
    /// `IMAGE_TOO_LARGE` (the pixel count is not checked: expansion maths allocates
    /// nothing).
    pub fn check_sides(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            bail!(
                InvalidDimensions,
                "image is {width}x{height}; both sides must be at least 1 px"
            );
        }
        if width > self.max_side || height > self.max_side {
            bail!(
                ImageTooLarge,
                "image is {width}x{height}; the limit is {} px per side",
                self.max_side
            );
        }
        Ok(())
    }

    /// Checks a canvas about to be allocated.
    pub fn check_canvas(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            bail!(InvalidDimensions, "canvas would be {width}x{height}");
        }
        let px = u64::from(width) * u64::from(height);
        if px > self.max_canvas_pixels || width > MAX_CANVAS_SIDE || height > MAX_CANVAS_SIDE {
            bail!(
                ImageTooLarge,
                "canvas would be {width}x{height} ({px} px); the limit is {} px",
                self.max_canvas_pixels
            );
        }
        Ok(())
    }
}
