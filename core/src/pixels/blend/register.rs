//! Registration: providers that redraw the whole frame (Gemini, OpenAI) may shift or
//! rescale it a little. The shift and scale of the provider's picture against the
//! original are estimated where both exist, coarse to fine on lightness pyramids by
//! normalised cross-correlation (insensitive to a colour cast), and the picture is mapped
//! back before anything else reads it; a weak or needless estimate is skipped.

use serde::{Deserialize, Serialize};

use super::CanvasRows;
use crate::error::Result;
use crate::geometry::Layout;
use crate::pixels::image::room;
use crate::pixels::{Image, ImageRef, RGBA};

/// The search: shifts up to this many pixels, scales within this share of 1.
const MAX_SHIFT: f32 = 8.0;
const MAX_SCALE: f32 = 0.03;
/// Below these the estimate is not applied: the move (px, or scale from 1), the gain in
/// correlation over leaving the picture as it is, and the correlation itself.
const MIN_MOVE: f32 = 0.3;
const MIN_GAIN: f32 = 0.002;
const MIN_CORRELATION: f32 = 0.6;

/// The estimated registration, as reported: the provider's picture holds the original's
/// point `p` (canvas pixels, about the original's centre `c`) at
/// `c + scale * (p - c) + (dx, dy)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Horizontal shift, canvas pixels.
    pub dx: f32,
    /// Vertical shift, canvas pixels.
    pub dy: f32,
    /// Scale about the original's centre.
    pub scale: f32,
    /// Correlation of lightness once registered (and before: `correlationBefore`).
    pub correlation: f32,
    /// Correlation with the picture as it came.
    pub correlation_before: f32,
    /// True when the picture was mapped back by this estimate.
    pub applied: bool,
}

impl Registration {
    /// Nothing estimated.
    pub fn none() -> Registration {
        Registration {
            dx: 0.0,
            dy: 0.0,
            scale: 1.0,
            correlation: 0.0,
            correlation_before: 0.0,
            applied: false,
        }
    }
}

/// A lightness plane.
struct Plane {
    w: usize,
    h: usize,
    v: Vec<f32>,
}

impl Plane {
    /// Lightness of `w x h` RGBA rows (`None` when the memory cannot be had: the
    /// registration is then skipped, as a weak one is).
    fn full_of<'a>(row: &impl Fn(usize) -> &'a [u8], w: usize, h: usize) -> Option<Plane> {
        let mut v = room(w.checked_mul(h), String::new).ok()?;
        for y in 0..h {
            v.extend(row(y).chunks_exact(RGBA).map(luma));
        }
        Some(Plane { w, h, v })
    }

    /// Lightness at half size (2x2 means), straight from `w x h` RGBA rows.
    fn half_of<'a>(row: &impl Fn(usize) -> &'a [u8], w: usize, h: usize) -> Option<Plane> {
        let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
        let mut v = room(hw.checked_mul(hh), String::new).ok()?;
        for y in 0..hh {
            let (a, b) = (row(2 * y), row((2 * y + 1).min(h - 1)));
            for x in 0..hw {
                let (i, j) = (2 * x * RGBA, (2 * x + 1).min(w - 1) * RGBA);
                v.push(
                    (luma(&a[i..i + 3])
                        + luma(&a[j..j + 3])
                        + luma(&b[i..i + 3])
                        + luma(&b[j..j + 3]))
                        * 0.25,
                );
            }
        }
        Some(Plane { w: hw, h: hh, v })
    }

    fn half(&self) -> Plane {
        let (w, h) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut v = Vec::with_capacity(w * h);
        for y in 0..h {
            let (a, b) = (2 * y, (2 * y + 1).min(self.h - 1));
            for x in 0..w {
                let (c, d) = (2 * x, (2 * x + 1).min(self.w - 1));
                v.push(
                    (self.v[a * self.w + c]
                        + self.v[a * self.w + d]
                        + self.v[b * self.w + c]
                        + self.v[b * self.w + d])
                        * 0.25,
                );
            }
        }
        Plane { w, h, v }
    }

    /// Bilinear sample, edges clamped.
    #[inline]
    fn at(&self, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top =
            self.v[y0 * self.w + x0] + (self.v[y0 * self.w + x1] - self.v[y0 * self.w + x0]) * fx;
        let bot =
            self.v[y1 * self.w + x0] + (self.v[y1 * self.w + x1] - self.v[y1 * self.w + x0]) * fx;
        top + (bot - top) * fy
    }
}

#[inline]
fn luma(p: &[u8]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// Estimates the registration of `gen` (canvas rows) against `original`.
pub(crate) fn estimate(
    original: ImageRef<'_>,
    gen: &impl CanvasRows,
    layout: &Layout,
) -> Registration {
    let (w, h) = (layout.width as usize, layout.height as usize);
    if w < 32 || h < 32 {
        return Registration::none();
    }
    // The provider's picture over the original's area and a margin around it.
    let m = (MAX_SHIFT + MAX_SCALE * w.max(h) as f32 / 2.0).ceil() as usize + 2;
    let (cw, ch) = (layout.canvas_width as usize, layout.canvas_height as usize);
    let (gx0, gy0) = (
        (layout.x as usize).saturating_sub(m),
        (layout.y as usize).saturating_sub(m),
    );
    let (gx1, gy1) = (
        (layout.x as usize + w + m).min(cw),
        (layout.y as usize + h + m).min(ch),
    );
    let orow = |y: usize| original.row(y as u32);
    let grow = |y: usize| &gen.canvas_row(gy0 + y)[gx0 * RGBA..gx1 * RGBA];
    // Half size first (read straight from the pixels): the probe needs no more.
    let (Some(o1), Some(g1)) = (
        Plane::half_of(&orow, w, h),
        Plane::half_of(&grow, gx1 - gx0, gy1 - gy0),
    ) else {
        return Registration::none();
    };
    let mut os = vec![None, Some(o1)];
    let mut gs = vec![None, Some(g1)];
    // Where the original's (0, 0) sits in the g plane, and its centre, at full size.
    let origin = (
        (layout.x as usize - gx0) as f32,
        (layout.y as usize - gy0) as f32,
    );
    let centre = (w as f32 / 2.0, h as f32 / 2.0);
    let score = |os: &[Option<Plane>],
                 gs: &[Option<Plane>],
                 lv: usize,
                 dx: f32,
                 dy: f32,
                 s: f32,
                 budget: f64|
     -> f32 {
        let (o, g) = (
            os[lv].as_ref().expect("level built"),
            gs[lv].as_ref().expect("level built"),
        );
        let f = (1usize << lv) as f32;
        // Clear of the border by the largest move.
        let b = ((MAX_SHIFT + MAX_SCALE * w.max(h) as f32 / 2.0) / f).ceil() as usize + 1;
        let (mut so, mut sg, mut soo, mut sgg, mut sog, mut n) =
            (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
        // At most about `budget` points a score.
        let stride = ((o.w * o.h) as f64 / budget).sqrt().ceil().max(1.0) as usize;
        for y in (b..o.h.saturating_sub(b)).step_by(stride) {
            for x in (b..o.w.saturating_sub(b)).step_by(stride) {
                // Full-size point of the original, where the picture holds it.
                let (px, py) = ((x as f32 + 0.5) * f, (y as f32 + 0.5) * f);
                let qx = centre.0 + s * (px - centre.0) + dx + origin.0;
                let qy = centre.1 + s * (py - centre.1) + dy + origin.1;
                let a = f64::from(o.v[y * o.w + x]);
                let c = f64::from(g.at(qx / f - 0.5, qy / f - 0.5));
                so += a;
                sg += c;
                soo += a * a;
                sgg += c * c;
                sog += a * c;
                n += 1.0;
            }
        }
        if n < 16.0 {
            return 0.0;
        }
        let cov = sog / n - so / n * (sg / n);
        let (vo, vg) = (soo / n - (so / n).powi(2), sgg / n - (sg / n).powi(2));
        if vo <= 0.0 || vg <= 0.0 {
            return 0.0;
        }
        (cov / (vo * vg).sqrt()) as f32
    };
    const FINE: f64 = 16_384.0;
    const ROUGH: f64 = 4_096.0;
    let before_half = score(&os, &gs, 1, 0.0, 0.0, 1.0, FINE);
    // A frame that did not move: the identity beats a pixel and half a per cent of scale
    // every way. Most providers keep the frame, so this is all most composites pay.
    let lv1 = 1;
    let here = before_half;
    let mut still = true;
    'probe: for k in -1..=1 {
        for j in -1..=1 {
            for i in -1..=1 {
                if (i, j, k) != (0, 0, 0)
                    && score(
                        &os,
                        &gs,
                        lv1,
                        i as f32,
                        j as f32,
                        1.0 + k as f32 * 0.005,
                        FINE,
                    ) > here
                {
                    still = false;
                    break 'probe;
                }
            }
        }
    }
    if still {
        return Registration {
            correlation: before_half,
            correlation_before: before_half,
            ..Registration::none()
        };
    }
    // It moved: full size and a quarter too.
    let (Some(o0), Some(g0)) = (
        Plane::full_of(&orow, w, h),
        Plane::full_of(&grow, gx1 - gx0, gy1 - gy0),
    ) else {
        return Registration::none();
    };
    os[0] = Some(o0);
    gs[0] = Some(g0);
    let (o2, g2) = (
        os[1].as_ref().expect("built").half(),
        gs[1].as_ref().expect("built").half(),
    );
    let quarter = o2.w.min(o2.h) >= 16;
    if quarter {
        os.push(Some(o2));
        gs.push(Some(g2));
    }
    let before = score(&os, &gs, 0, 0.0, 0.0, 1.0, FINE);
    // Coarse, on a level whose pixel is at most 4 px: shifts half a level pixel apart,
    // scales a per cent apart (shift and scale trade off along an edge: a coarser grid
    // falls into the wrong one).
    let lc = os.len() - 1;
    let step = ((1usize << lc) as f32 / 2.0).max(1.0);
    let n = (MAX_SHIFT / step) as i32;
    let mut best = (f32::MIN, 0.0f32, 0.0f32, 1.0f32);
    for k in -3..=3 {
        let s = 1.0 + k as f32 * (MAX_SCALE / 3.0);
        for j in -n..=n {
            for i in -n..=n {
                let (dx, dy) = (i as f32 * step, j as f32 * step);
                let c = score(&os, &gs, lc, dx, dy, s, ROUGH);
                if c > best.0 {
                    best = (c, dx, dy, s);
                }
            }
        }
    }
    // Then finer: half the steps each way, twice a level, down to full size.
    let (mut dd, mut ds) = (step / 2.0, MAX_SCALE / 6.0);
    for lv in (0..=lc).rev() {
        for _ in 0..2 {
            let (_, bx, by, bs) = best;
            best.0 = f32::MIN;
            for k in -1..=1 {
                for j in -1..=1 {
                    for i in -1..=1 {
                        let (dx, dy, s) =
                            (bx + i as f32 * dd, by + j as f32 * dd, bs + k as f32 * ds);
                        let c = score(&os, &gs, lv, dx, dy, s, FINE);
                        if c > best.0 {
                            best = (c, dx, dy, s);
                        }
                    }
                }
            }
            dd = (dd / 2.0).max(0.125);
            ds /= 2.0;
        }
    }
    // Sub-pixel: a parabola through the neighbours at full size, along each shift.
    let (c0, bx, by, bs) = best;
    let para = |m: f32, p: f32| {
        let d = m - 2.0 * c0 + p;
        if d < 0.0 {
            (0.5 * (m - p) / d).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    };
    let ox = para(
        score(&os, &gs, 0, bx - 1.0, by, bs, FINE),
        score(&os, &gs, 0, bx + 1.0, by, bs, FINE),
    );
    let oy = para(
        score(&os, &gs, 0, bx, by - 1.0, bs, FINE),
        score(&os, &gs, 0, bx, by + 1.0, bs, FINE),
    );
    let (dx, dy) = (bx - ox, by - oy);
    let after = score(&os, &gs, 0, dx, dy, bs, FINE).max(c0);
    let moved = dx
        .abs()
        .max(dy.abs())
        .max((bs - 1.0).abs() * w.max(h) as f32 / 2.0);
    Registration {
        dx,
        dy,
        scale: bs,
        correlation: after,
        correlation_before: before,
        applied: moved >= MIN_MOVE && after - before >= MIN_GAIN && after >= MIN_CORRELATION,
    }
}

/// The provider's picture mapped back by `r`: canvas pixel `x` reads the picture at
/// `c + scale (x - c) + d` (bilinear, edges clamped), `c` the original's centre.
pub(crate) fn warp(gen: &impl CanvasRows, layout: &Layout, r: &Registration) -> Result<Image> {
    let (cw, ch) = (layout.canvas_width as usize, layout.canvas_height as usize);
    let cx = layout.x as f32 + layout.width as f32 / 2.0;
    let cy = layout.y as f32 + layout.height as f32 / 2.0;
    let mut data = room((cw * RGBA).checked_mul(ch), || {
        format!("the registered {cw}x{ch} picture")
    })?;
    for y in 0..ch {
        let qy = (cy + r.scale * (y as f32 + 0.5 - cy) + r.dy - 0.5).clamp(0.0, (ch - 1) as f32);
        let (y0, fy) = (qy as usize, qy - (qy as usize) as f32);
        let y1 = (y0 + 1).min(ch - 1);
        let (ra, rb) = (gen.canvas_row(y0), gen.canvas_row(y1));
        for x in 0..cw {
            let qx =
                (cx + r.scale * (x as f32 + 0.5 - cx) + r.dx - 0.5).clamp(0.0, (cw - 1) as f32);
            let (x0, fx) = (qx as usize, qx - (qx as usize) as f32);
            let x1 = (x0 + 1).min(cw - 1);
            for c in 0..RGBA {
                let a = f32::from(ra[x0 * RGBA + c]);
                let b = f32::from(ra[x1 * RGBA + c]);
                let d = f32::from(rb[x0 * RGBA + c]);
                let e = f32::from(rb[x1 * RGBA + c]);
                let top = a + (b - a) * fx;
                let bot = d + (e - d) * fx;
                let v = top + (bot - top) * fy;
                data.push(super::level(v));
            }
        }
    }
    Image::from_rgba(layout.canvas_width, layout.canvas_height, data)
}
