//! The built-in `local` provider: fills the new area from the image itself, offline.
//!
//! The new area starts as a mirror image of the original (so rows and columns line up:
//! sky continues as sky, ground as ground), then softens with the distance `d` from the
//! seam: each pixel is read from a mip pyramid of that mirror canvas (each level a 2x2
//! box average of the last, a cascade of box blurs) at level `log2(1 + d / 8)`,
//! trilinearly. Near the seam texture carries on; far out only colour and layout remain.
//! A faint deterministic grain keeps soft areas from looking flat. Memory: the output
//! plus a third of it for the pyramid.

use crate::error::{bail, Result};
use crate::geometry::Edges;
use crate::geometry::Expansion;
use crate::geometry::Layout;
use crate::limits::Limits;
use crate::pixels::{pad_into, Fill};
use crate::pixels::{Image, RGBA};

/// Fills the area around `layout`'s original on `canvas` (whatever pre-fill it carries)
/// and returns a new canvas of the same size; the original's pixels are kept.
pub fn continue_scene(canvas: &Image, layout: &Layout, limits: &Limits) -> Result<Image> {
    layout.check()?;
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
    let src = canvas.view().crop(layout.original())?;
    let (x0, y0, w, h) = (
        layout.x as usize,
        layout.y as usize,
        layout.width as usize,
        layout.height as usize,
    );
    let (cw, ch) = (canvas.width() as usize, canvas.height() as usize);
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
    let pyramid = Pyramid::new(&out);
    let top = (pyramid.levels.len()) as f32;
    // Pyramid level by distance from the seam; it reaches the top (and stays there) by
    // distance 8 * 2^top, so the table never needs to be longer than that.
    let far = x0.max(cw - x0 - w).max(y0).max(ch - y0 - h);
    let saturated = 8usize
        .saturating_mul(1 << pyramid.levels.len())
        .saturating_add(1);
    let level: Vec<f32> = (0..=far.min(saturated))
        .map(|d| (1.0 + d as f32 / 8.0).log2().min(top))
        .collect();
    let (x1, y1) = (x0 + w, y0 + h);
    let data = out.data_mut();
    for y in 0..ch {
        let dy = outside(y, y0, y1);
        let row = &mut data[y * cw * RGBA..(y + 1) * cw * RGBA];
        for x in 0..cw {
            let dx = outside(x, x0, x1);
            let d = dx.max(dy);
            if d == 0 {
                continue;
            }
            let lv = level[d.min(level.len() - 1)];
            let k = lv.floor() as usize;
            let f = lv - k as f32;
            let px = &mut row[x * RGBA..x * RGBA + RGBA];
            let a: [f32; 3] = if k == 0 {
                [f32::from(px[0]), f32::from(px[1]), f32::from(px[2])]
            } else {
                pyramid.sample(k, x, y)
            };
            let b = if f > 0.0 {
                pyramid.sample(k + 1, x, y)
            } else {
                a
            };
            let grain = (hash(x as u32, y as u32) as f32 / 255.0 - 0.5) * 6.0 * (lv / top);
            for c in 0..3 {
                let v = a[c] * (1.0 - f) + b[c] * f + grain;
                px[c] = v.round().clamp(0.0, 255.0) as u8;
            }
            px[3] = 255;
        }
    }
    Ok(out)
}

/// How far `v` lies outside `lo..hi` (0 inside; 1 for the first pixel beyond).
#[inline]
fn outside(v: usize, lo: usize, hi: usize) -> usize {
    if v < lo {
        lo - v
    } else {
        (v + 1).saturating_sub(hi)
    }
}

/// Levels 1.. of a mip pyramid (level 0 is the canvas itself): each a 2x2 box average
/// of the one below (rounded), down to a few pixels; a third of the canvas in all.
struct Pyramid {
    /// `(width, height, rgba)` per level, level 1 first.
    levels: Vec<(usize, usize, Vec<[u8; 4]>)>,
}

impl Pyramid {
    fn new(img: &Image) -> Pyramid {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (base, _) = img.data().as_chunks::<RGBA>();
        let mut levels: Vec<(usize, usize, Vec<[u8; 4]>)> = Vec::new();
        let (mut cw, mut ch) = (w, h);
        while cw > 2 || ch > 2 {
            let cur: &[[u8; 4]] = match levels.last() {
                Some((_, _, v)) => v,
                None => base,
            };
            let (nw, nh) = (cw.div_ceil(2), ch.div_ceil(2));
            let mut next = Vec::with_capacity(nw * nh);
            for y in 0..nh {
                let (ra, rb) = (2 * y * cw, (2 * y + 1).min(ch - 1) * cw);
                for x in 0..nw {
                    let (xa, xb) = (2 * x, (2 * x + 1).min(cw - 1));
                    let q = [cur[ra + xa], cur[ra + xb], cur[rb + xa], cur[rb + xb]];
                    let mut px = [0u8; 4];
                    for (c, v) in px.iter_mut().enumerate() {
                        let sum: u16 = q.iter().map(|p| u16::from(p[c])).sum();
                        *v = ((sum + 2) / 4) as u8;
                    }
                    next.push(px);
                }
            }
            levels.push((nw, nh, next));
            (cw, ch) = (nw, nh);
        }
        Pyramid { levels }
    }

    /// Bilinear sample of level `k >= 1` (clamped to the top) at full-resolution pixel
    /// `(x, y)`.
    fn sample(&self, k: usize, x: usize, y: usize) -> [f32; 3] {
        let k = k.min(self.levels.len());
        let (w, h, px) = &self.levels[k - 1];
        let s = (1usize << k) as f32;
        let u = ((x as f32 + 0.5) / s - 0.5).clamp(0.0, (*w - 1) as f32);
        let v = ((y as f32 + 0.5) / s - 0.5).clamp(0.0, (*h - 1) as f32);
        let (ua, va) = (u as usize, v as usize);
        let (ub, vb) = ((ua + 1).min(w - 1), (va + 1).min(h - 1));
        let (fu, fv) = (u - ua as f32, v - va as f32);
        let (p00, p01, p10, p11) = (
            px[va * w + ua],
            px[va * w + ub],
            px[vb * w + ua],
            px[vb * w + ub],
        );
        let mut out = [0f32; 3];
        for c in 0..3 {
            let top = f32::from(p00[c]) + (f32::from(p01[c]) - f32::from(p00[c])) * fu;
            let bot = f32::from(p10[c]) + (f32::from(p11[c]) - f32::from(p10[c])) * fu;
            out[c] = top + (bot - top) * fv;
        }
        out
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
        let canvas =
            crate::pixels::pad(src.view(), &e, Fill::Transparent, &Limits::default()).unwrap();
        let out = continue_scene(&canvas, &Layout::of(&e), &Limits::default()).unwrap();
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
        assert!(continue_scene(&bad, &Layout::of(&e), &Limits::default()).is_err());
    }
}
