//! Working memory: what each operation allocates at its peak, worked out from its plan
//! before its first pixel, so that one over [`Limits::max_memory_bytes`] is refused with
//! `IMAGE_TOO_LARGE` instead of running its host out of memory (a 147-byte 1x14999 PNG
//! expanded to 16:9 asks for a 400 MP canvas: 5 GB natively, a trap in wasm).
//!
//! Each figure is an upper bound of what the operation allocates on top of its inputs
//! (the caller's pictures and bytes), built from the buffers the code holds at once:
//! pictures at 4 bytes a pixel, masks at 1, PNG outputs at [`png_fast::max_len`] (the
//! encoder reserves exactly that), float planes at 4 bytes a sample, plus [`SLACK`] for
//! row buffers, profiles and tables. `core/tests/memory.rs` measures every operation with
//! a counting allocator on pictures of many shapes (noise included) and checks that the
//! bound holds and stays within a small factor of the peak.

use crate::codec::png_fast::{self, PngColor};
use crate::limits::Limits;
use crate::Result;

/// What an operation may allocate beyond its pictures: row buffers, filter windows, blend
/// profiles, colour tables, field cells.
pub(crate) const SLACK: u64 = 4 << 20;

/// Bytes of a `width x height` RGBA picture.
pub(crate) fn picture(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 4
}

/// Bytes of a `width x height` one-byte mask.
pub(crate) fn mask(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height)
}

/// A fast PNG of a `width x height` RGBA picture (reserved whole before the first row).
pub(crate) fn png(width: u32, height: u32) -> u64 {
    png_fast::max_len(width, height, PngColor::Rgba)
}

/// A fast PNG of a `width x height` mask.
pub(crate) fn mask_png(width: u32, height: u32) -> u64 {
    png_fast::max_len(width, height, PngColor::Grey)
}

/// A resize of a `from` picture to `to` (the image crate's triangle filter: a vertical
/// pass into 16-byte float pixels, then the horizontal pass into the new picture).
pub(crate) fn resize(from: (u32, u32), to: (u32, u32)) -> u64 {
    u64::from(from.0) * u64::from(to.1) * 16 + picture(to.0, to.1)
}

/// A pre-fill: the new canvas (the fills' own buffers are rows and edge runs).
pub(crate) fn pad(width: u32, height: u32) -> u64 {
    picture(width, height) + (u64::from(width) + u64::from(height)) * 64
}

/// The offline fill's texture pass: the original's detail where tiles take it from (three
/// `i16`s a pixel of `detail_px`), the float plane of one strip of it (76 columns: 64 and
/// the blur's margins) and a line, and a band of four-float accumulators one tile step
/// high.
pub(crate) fn texture(canvas_width: u32, original: (u32, u32), detail_px: u64) -> u64 {
    let side = u64::from(original.0.max(original.1));
    detail_px * 6 + 76 * side * 4 + side * 4 + u64::from(canvas_width) * 16 * 16
}

/// The offline fill of a `canvas` around an `original` of that size into a new canvas:
/// the new canvas, the original's crop (for the blur cascade), and the texture pass.
pub(crate) fn local_fill(canvas: (u32, u32), original: (u32, u32), detail_px: u64) -> u64 {
    picture(canvas.0, canvas.1)
        + picture(original.0, original.1)
        + texture(canvas.0, original, detail_px)
}

/// A composite of a `result` onto a `canvas` around an `original`: the resampled result
/// when it does not map back as it is, the registered copy, two lightness planes of the
/// original's area (and their halves), and the output when the composite allocates it.
pub(crate) fn composite(
    result: (u32, u32),
    canvas: (u32, u32),
    original: (u32, u32),
    resampled: bool,
    owned: bool,
) -> u64 {
    let o = u64::from(original.0) * u64::from(original.1);
    let scratch = if resampled { resize(result, canvas) } else { 0 };
    let out = if owned {
        picture(canvas.0, canvas.1)
    } else {
        0
    };
    scratch + picture(canvas.0, canvas.1) + o * 10 + out
}

impl Limits {
    /// Refuses an operation whose working memory `bytes` is over the budget:
    /// `IMAGE_TOO_LARGE` naming what it is and both figures.
    pub fn check_memory(&self, what: &str, bytes: u64) -> Result<()> {
        let bytes = bytes.saturating_add(SLACK);
        if bytes > self.max_memory_bytes {
            crate::error::bail!(
                ImageTooLarge,
                "{what} needs about {} MB of working memory; the budget is {} MB \
                 (limits.maxMemoryBytes)",
                bytes.div_ceil(1_000_000),
                self.max_memory_bytes / 1_000_000
            );
        }
        Ok(())
    }
}
