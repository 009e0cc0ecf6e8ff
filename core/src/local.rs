//! The built-in `local` provider: fills the new area from the image itself, offline.
//!
//! The new area starts as a mirror image of the original (so rows and columns line up:
//! sky continues as sky, ground as ground), then softens with the distance from the
//! seam: each pixel is taken from a cascade of ever blurrier copies (repeated box blurs)
//! chosen by how far it is from the original. Near the seam texture carries on; far out
//! only colour and layout remain. A faint deterministic grain keeps soft areas from
//! looking flat.

use crate::error::{bail, Result};
use crate::expansion::Expansion;
use crate::fill::{pad_into, Fill};
use crate::image::{Image, RGBA};
use crate::limits::Limits;
use crate::mask::Layout;
use crate::target::Edges;

/// Box radii of the blur cascade, as fractions of the reach (each level blurs the last).
const LEVELS: usize = 4;

/// Fills the area around `layout`'s original on `canvas` (whatever pre-fill it carries)
/// and returns a new canvas of the same size; the original's pixels are kept.
pub fn generate(canvas: &Image, layout: &Layout, limits: &Limits) -> Result<Image> {
    if canvas.width() != layout.canvas_width || canvas.height() != layout.canvas_height {
        bail!(
            InvalidDimensions,
            "canvas is {}x{} but the layout is for {}x{}",
            canvas.width(),
            canvas.height(),
            layout.canvas_width,
            layout.canvas_height
        );
    }
    let (x0, y0, w, h) = (
        layout.x as usize,
        layout.y as usize,
        layout.width as usize,
        layout.height as usize,
    );
    let (cw, ch) = (canvas.width() as usize, canvas.height() as usize);
    let mut src = Vec::with_capacity(w * h * RGBA);
    for y in 0..h {
        let start = ((y0 + y) * cw + x0) * RGBA;
        src.extend_from_slice(&canvas.data()[start..start + w * RGBA]);
    }
    let src = Image::from_rgba(layout.width, layout.height, src)?;
    let e = Expansion::from_edges(
        layout.width,
        layout.height,
        Edges::new(
            layout.x,
            layout.canvas_width - layout.x - layout.width,
            layout.y,
            layout.canvas_height - layout.y - layout.height,
        ),
    )?;
    let mut out = Image::zeroed(e.new_width, e.new_height, limits)?;
    pad_into(src.view(), &e, Fill::Mirror, out.data_mut())?;
    if e.is_identity() {
        return Ok(out);
    }

    // How far texture carries before only the softest level is left.
    let grow = e.left.max(e.right).max(e.top).max(e.bottom);
    let reach = (grow.min(layout.width.max(layout.height)) as f32).max(8.0);
    let mut levels: Vec<Image> = Vec::with_capacity(LEVELS);
    let mut prev = out.clone();
    for k in 0..LEVELS {
        // Radii grow geometrically: reach/64, reach/16, reach/6, reach/3 (at least 1 px).
        let r = ((reach / [64.0, 16.0, 6.0, 3.0][k]) as usize).max(1);
        let mut next = prev.clone();
        box_blur(&mut next, r, limits)?;
        levels.push(next.clone());
        prev = next;
    }

    let (x1, y1) = (x0 + w, y0 + h);
    for y in 0..ch {
        let dy = if y < y0 {
            y0 - y
        } else if y >= y1 {
            y + 1 - y1
        } else {
            0
        };
        for x in 0..cw {
            let dx = if x < x0 {
                x0 - x
            } else if x >= x1 {
                x + 1 - x1
            } else {
                0
            };
            let d = dx.max(dy);
            if d == 0 {
                continue;
            }
            // Level position 0..=LEVELS, proportional to the distance.
            let t = (d as f32 / reach).min(1.0) * LEVELS as f32;
            let i = (t.floor() as usize).min(LEVELS);
            let f = t - i as f32;
            let at = (y * cw + x) * RGBA;
            let pick = |lvl: usize| -> [f32; 3] {
                let img = if lvl == 0 { &out } else { &levels[lvl - 1] };
                let p = &img.data()[at..at + 3];
                [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
            };
            let a = pick(i);
            let b = pick((i + 1).min(LEVELS));
            let grain = (hash(x as u32, y as u32) as f32 / 255.0 - 0.5) * 6.0 * (t / LEVELS as f32);
            let px = &mut out.data_mut()[at..at + RGBA];
            for c in 0..3 {
                let v = a[c] * (1.0 - f) + b[c] * f + grain;
                px[c] = v.round().clamp(0.0, 255.0) as u8;
            }
            px[3] = 255;
        }
    }
    Ok(out)
}

/// In-place separable box blur of radius `r`, edges replicated, O(1) per pixel.
fn box_blur(img: &mut Image, r: usize, limits: &Limits) -> Result<()> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut tmp = Image::zeroed(img.width(), img.height(), limits)?;
    blur_lines(img.data(), tmp.data_mut(), w, h, r, RGBA, w * RGBA);
    blur_lines(tmp.data(), img.data_mut(), h, w, r, w * RGBA, RGBA);
    Ok(())
}

/// Blurs `lines` lines of `n` pixels each: pixel `i` of line `l` is at
/// `l * line_step + i * step`.
fn blur_lines(
    src: &[u8],
    dst: &mut [u8],
    n: usize,
    lines: usize,
    r: usize,
    step: usize,
    line_step: usize,
) {
    let win = (2 * r + 1) as u32;
    for l in 0..lines {
        let base = l * line_step;
        let at = |i: isize| base + (i.clamp(0, n as isize - 1) as usize) * step;
        let mut sum = [0u32; 4];
        for i in -(r as isize)..=(r as isize) {
            let p = at(i);
            for c in 0..4 {
                sum[c] += u32::from(src[p + c]);
            }
        }
        for i in 0..n as isize {
            let o = base + i as usize * step;
            for c in 0..4 {
                dst[o + c] = ((sum[c] + win / 2) / win) as u8;
            }
            let (add, sub) = (at(i + r as isize + 1), at(i - r as isize));
            for c in 0..4 {
                sum[c] = sum[c] + u32::from(src[add + c]) - u32::from(src[sub + c]);
            }
        }
    }
}

/// A small integer hash for deterministic grain.
fn hash(x: u32, y: u32) -> u8 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 13;
    (h & 0xFF) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expand, Anchor};

    #[test]
    fn keeps_the_original_and_continues_its_colours() {
        let mut d = Vec::new();
        for y in 0..32u32 {
            for x in 0..32u32 {
                d.extend_from_slice(&[(x * 8) as u8, (y * 8) as u8, 100, 255]);
            }
        }
        let src = Image::from_rgba(32, 32, d).unwrap();
        let e = expand(32, 32, &"16:9".parse().unwrap(), Anchor::Center).unwrap();
        let canvas = crate::pad(src.view(), &e, Fill::Transparent, &Limits::default()).unwrap();
        let out = generate(&canvas, &Layout::of(&e), &Limits::default()).unwrap();
        assert_eq!((out.width(), out.height()), (57, 32));
        for y in 0..32 {
            for x in 0..32 {
                assert_eq!(out.pixel(e.left + x, y), src.pixel(x, y));
            }
        }
        // Next to the seam the texture continues (mirror: the edge pixel repeats, barely
        // softened).
        let (a, b) = (out.pixel(e.left - 1, 5), src.pixel(0, 5));
        assert!((0..3).all(|c| a[c].abs_diff(b[c]) <= 3), "{a:?} vs {b:?}");
        // Everything generated is opaque and near the original's colour range.
        for x in 0..e.left {
            let p = out.pixel(x, 16);
            assert_eq!(p[3], 255);
            assert!(p[0] <= 140, "{p:?}");
        }
        let bad = Image::filled(3, 3, [0; 4], &Limits::default()).unwrap();
        assert!(generate(&bad, &Layout::of(&e), &Limits::default()).is_err());
    }
}
