//! The built-in `local` provider: fills the new area from the image itself, offline,
//! without mirrored or repeated copies of the subject.
//!
//! Two layers. The colours and the layout come from the blur cascade ([`Fill::Blur`]: the
//! edge colours spread outwards, ever softer), which of the classical fills lands closest
//! to what a photo really holds around it; a canvas that arrives pre-filled (edge, mirror,
//! a colour: what the host asked for) keeps its pre-fill as this layer instead. On top goes texture: the original's detail
//! (itself minus a blur) copied in overlapping 32-px tiles, each from a random place in
//! the original next to the nearest edge (near the same place along it), never reflected,
//! joined with Hann windows and brought back to the detail's own strength: rising from
//! nothing over the first 6 px (the seam meets the edge colours without a step), fading to
//! a third of it far out. A face or a wheel is never copied whole, only the grain
//! of the border it sits in. Every random choice is a hash of the tile's position: the
//! same bytes on every door.
//!
//! Memory: the detail is held only where tiles take it from (bands along the expanded
//! sides), in 64ths of a level (6 bytes a pixel), computed in 64-column strips with exact
//! whole-number box sums (a band's detail is the whole picture's, to the bit); with
//! [`continue_scene_in_place`] the canvas itself is painted. A 4096x4096 -> 16:9 run
//! holds the canvas and 52 MB of detail (it held a second canvas and 268 MB).
//!
//! Measured on scikit-image's photos against the true surroundings (`bench/QUALITY.md`):
//! mean error 29.9 levels (the blur fill alone 28.8, the previous mirror-and-blur fill
//! 39.4), correlation with the reflected original 0.60 (was 0.96; the photos' own 0.48),
//! texture 0.75 of the truth's (the blur fill 0.07).

use crate::error::{bail, Result};
use crate::geometry::Edges;
use crate::geometry::Expansion;
use crate::geometry::Layout;
use crate::limits::Limits;
use crate::pixels::image::filled_vec;
use crate::pixels::{pad, Fill};
use crate::pixels::{Image, RGBA};

/// Tile side and step (half a tile: every pixel under four tiles).
const TILE: usize = 32;
/// The blur that splits the original into colour and detail: three box passes of this
/// radius (about a Gaussian of sigma 2.5).
const DETAIL_RADIUS: usize = 2;
/// Texture strength far from the seam, and the distance over which it falls to that.
const FAR: f32 = 0.35;
const FADE: f32 = 48.0;
const RISE: f32 = 6.0;

/// Fills the area around `layout`'s original on `canvas` (whatever pre-fill it carries)
/// and returns a new canvas of the same size; the original's pixels are kept.
pub fn continue_scene(canvas: &Image, layout: &Layout, limits: &Limits) -> Result<Image> {
    check(canvas, layout)?;
    limits.check_memory(
        "the offline fill",
        crate::budget::local_fill(
            (layout.canvas_width, layout.canvas_height),
            (layout.width, layout.height),
            detail_px(layout),
        ),
    )?;
    // The colours under the texture: the canvas's own pre-fill when it has one (the
    // host asked for edge, mirror or a colour), else the blur cascade.
    // (Either is one write of the canvas: the pre-filled one is copied, the other built
    // by the cascade straight into a new buffer.)
    let mut out = if prefilled(canvas, layout) {
        canvas.clone()
    } else {
        let src = canvas.view().crop(layout.original())?;
        pad(src.view(), &expansion(layout)?, Fill::Blur, limits)?
    };
    paint_texture(&mut out, layout)?;
    Ok(out)
}

/// [`continue_scene`] on a canvas that already carries the colours under the texture
/// (any pre-fill but `transparent`; the blur cascade is the `local` provider's own),
/// painting into it: no second canvas, and the original's detail only where tiles take it
/// from. What `continue_scene` gives for the same canvas, byte for byte.
pub fn continue_scene_in_place(canvas: &mut Image, layout: &Layout, limits: &Limits) -> Result<()> {
    check(canvas, layout)?;
    limits.check_memory(
        "the offline fill",
        crate::budget::texture(
            layout.canvas_width,
            (layout.width, layout.height),
            detail_px(layout),
        ),
    )?;
    if !expansion(layout)?.is_identity() && !prefilled(canvas, layout) {
        bail!(
            InvalidOption,
            "the canvas's new area is transparent: the texture goes over a pre-fill (continue_scene builds the blur cascade itself)"
        );
    }
    paint_texture(canvas, layout)
}

/// Pixels of the original whose detail the fill of `layout` holds (for the budget).
pub(crate) fn detail_px(layout: &Layout) -> u64 {
    let (w, h) = (layout.width as usize, layout.height as usize);
    let tile = TILE.min(w).min(h);
    if tile < 4 || expansion(layout).is_ok_and(|e| e.is_identity()) {
        return 0;
    }
    Detail::regions_px(layout, tile)
}

fn check(canvas: &Image, layout: &Layout) -> Result<()> {
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
    Ok(())
}

/// The expansion that puts `layout`'s original on its canvas.
fn expansion(layout: &Layout) -> Result<Expansion> {
    Expansion::from_edges(
        layout.width,
        layout.height,
        Edges::new(
            layout.x,
            layout.canvas_width - layout.x - layout.width,
            layout.y,
            layout.canvas_height - layout.y - layout.height,
        ),
    )
}

/// Adds the original's texture to the new area of `canvas` (whose original region holds
/// the original).
fn paint_texture(canvas: &mut Image, layout: &Layout) -> Result<()> {
    if expansion(layout)?.is_identity() {
        return Ok(());
    }
    let (w, h) = (layout.width as usize, layout.height as usize);
    let tile = TILE.min(w).min(h);
    if tile < 4 {
        return Ok(());
    }
    let detail = Detail::of(canvas, layout, tile)?;
    Synthesis {
        layout,
        detail: &detail,
        w,
        h,
        tile,
    }
    .paint(canvas);
    Ok(())
}

/// True when the new area of `canvas` carries a pre-fill (any pixel of it not fully
/// transparent); a `transparent` pre-fill leaves it all zero alpha.
pub(crate) fn prefilled(canvas: &Image, layout: &Layout) -> bool {
    let (x0, y0) = (layout.x, layout.y);
    let (x1, y1) = (x0 + layout.width, y0 + layout.height);
    (0..canvas.height()).any(|y| {
        let row = canvas.view().row(y);
        row.chunks_exact(RGBA)
            .enumerate()
            .any(|(x, p)| p[3] != 0 && !(y >= y0 && y < y1 && (x as u32) >= x0 && (x as u32) < x1))
    })
}

/// The original's detail (each channel minus its blur, as floats) where tiles take it
/// from: the bands along the expanded sides ([`Synthesis::source`]), each a rectangle of
/// the original, or the whole original when the bands would cover most of it.
struct Detail {
    stores: Vec<Store>,
}

/// The detail of one rectangle of the original (`x, y, w, h`); exact (the whole
/// picture's) in `keep`, which leaves out the blur's margin on the sides inside the picture.
struct Store {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
    keep: (usize, usize, usize, usize),
    px: Vec<[i16; 3]>,
}

/// The blur that splits colour from detail: three box passes each way (rows, then
/// columns), summed without dividing, so every value is a whole number below 2^24 (255 *
/// 5^6) and exact in f32: a rectangle's blur is the whole picture's there, to the bit,
/// wherever it starts, once it reaches `MARGIN` past what it keeps.
const PASSES: usize = 3;
const MARGIN: usize = PASSES * DETAIL_RADIUS;

impl Detail {
    /// The detail of `layout`'s original on `canvas`, for tiles of side `tile`.
    fn of(canvas: &Image, layout: &Layout, tile: usize) -> Result<Detail> {
        let (w, h) = (layout.width as usize, layout.height as usize);
        let stores = Self::regions(layout, tile)
            .into_iter()
            .map(|r| {
                let mut s = Store::of(canvas, layout, r)?;
                let inner = |lo: usize, hi: usize, len: usize| {
                    (
                        if lo > 0 { lo + MARGIN } else { lo },
                        if hi < len { hi - MARGIN } else { hi },
                    )
                };
                let ((kx0, kx1), (ky0, ky1)) = (inner(r.0, r.2, w), inner(r.1, r.3, h));
                s.keep = (kx0, ky0, kx1, ky1);
                Ok(s)
            })
            .collect::<Result<Vec<_>>>()?;
        debug_assert!(stores.iter().all(|s| s.x + s.w <= w && s.y + s.h <= h));
        Ok(Detail { stores })
    }

    /// The rectangles (x0, y0, x1, y1 in the original, `MARGIN` past what tiles read on
    /// their inner sides) that hold every source tile [`Synthesis::source`] can pick.
    fn regions(layout: &Layout, tile: usize) -> Vec<(usize, usize, usize, usize)> {
        let (w, h) = (layout.width as usize, layout.height as usize);
        let (cw, ch) = (layout.canvas_width as usize, layout.canvas_height as usize);
        let (x0, y0) = (layout.x as usize, layout.y as usize);
        let band = Synthesis::band(w, h, tile);
        // A side's band: what `source` picks on it, plus a tile, plus the blur's margin.
        let across = |len: usize| (band.min(len - tile + 1) + tile + MARGIN).min(len);
        let (bw, bh) = (across(w), across(h));
        let mut out = Vec::new();
        let (left, right) = (x0 > 0, x0 + w < cw);
        let (top, bottom) = (y0 > 0, y0 + h < ch);
        // Tiles over the seam but centred inside the original read near its edges (within
        // two tiles: `along`), which the bands of the sides they touch cover.
        if (left && right && 2 * bw >= w) || (top && bottom && 2 * bh >= h) {
            return vec![(0, 0, w, h)];
        }
        if left {
            out.push((0, 0, bw, h));
        }
        if right {
            out.push((w - bw, 0, w, h));
        }
        if top {
            out.push((0, 0, w, bh));
        }
        if bottom {
            out.push((0, h - bh, w, h));
        }
        out
    }

    /// The store that holds the `tile x tile` source at `(sx, sy)`, and where in it.
    fn find(&self, sx: usize, sy: usize, tile: usize) -> Option<(&Store, usize)> {
        self.stores
            .iter()
            .find(|s| {
                let (x0, y0, x1, y1) = s.keep;
                sx >= x0 && sy >= y0 && sx + tile <= x1 && sy + tile <= y1
            })
            .map(|s| (s, (sy - s.y) * s.w + (sx - s.x)))
    }

    /// Pixels held (for the memory budget).
    fn regions_px(layout: &Layout, tile: usize) -> u64 {
        Self::regions(layout, tile)
            .iter()
            .map(|&(x0, y0, x1, y1)| ((x1 - x0) * (y1 - y0)) as u64)
            .sum()
    }
}

impl Store {
    /// The detail of the original's rectangle `x0..x1 x y0..y1`, computed in strips of
    /// `STRIP` columns (each with the blur's margin either side, in one float plane a
    /// channel at a time) and kept as whole 64ths of a level in `i16`s: 6 bytes a pixel.
    fn of(
        canvas: &Image,
        layout: &Layout,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
    ) -> Result<Store> {
        let (w, h) = (x1 - x0, y1 - y0);
        let what = || format!("the detail of a {w}x{h} part of the original");
        let mut px = filled_vec(w * h, [0i16; 3], what)?;
        let cw = canvas.width() as usize;
        let (ox, oy) = (layout.x as usize + x0, layout.y as usize + y0);
        let data = canvas.data();
        let norm = ((2 * DETAIL_RADIUS + 1) as f32).powi(2 * PASSES as i32);
        let widest = (STRIP + 2 * MARGIN).min(w);
        let mut plane = filled_vec(widest * h, 0.0f32, what)?;
        let mut line = vec![0.0f32; widest.max(h)];
        for s0 in (0..w).step_by(STRIP) {
            let s1 = (s0 + STRIP).min(w);
            let (a, b) = (s0.saturating_sub(MARGIN), (s1 + MARGIN).min(w));
            let sw = b - a;
            let plane = &mut plane[..sw * h];
            for c in 0..3 {
                let original =
                    |y: usize, x: usize| f32::from(data[((oy + y) * cw + ox + x) * RGBA + c]);
                for y in 0..h {
                    for x in a..b {
                        plane[y * sw + x - a] = original(y, x);
                    }
                }
                for _ in 0..PASSES {
                    box_rows(plane, sw, h, DETAIL_RADIUS, &mut line);
                    box_cols(plane, sw, h, DETAIL_RADIUS, &mut line);
                }
                for y in 0..h {
                    for x in s0..s1 {
                        let d = original(y, x) - plane[y * sw + x - a] / norm;
                        // |d| < 256, so 64ths fit an i16.
                        px[y * w + x][c] = (d * DETAIL_SCALE).round() as i16;
                    }
                }
            }
        }
        Ok(Store {
            x: x0,
            y: y0,
            w,
            h,
            keep: (x0, y0, x1, y1),
            px,
        })
    }
}

/// Columns of a store computed at once (beside the blur's margin on either side).
const STRIP: usize = 64;
/// Detail is kept in 64ths of a level.
const DETAIL_SCALE: f32 = 64.0;

/// A box sum of radius `r` along the rows of a plane, edges clamped (running sums: O(1) a
/// pixel; whole numbers, so exact).
fn box_rows(p: &mut [f32], w: usize, h: usize, r: usize, line: &mut [f32]) {
    let line = &mut line[..w];
    for y in 0..h {
        let row = &mut p[y * w..(y + 1) * w];
        line.copy_from_slice(row);
        let at = |i: isize| line[i.clamp(0, w as isize - 1) as usize];
        let mut s: f32 = (-(r as isize)..=r as isize).map(at).sum();
        for (x, v) in row.iter_mut().enumerate() {
            *v = s;
            s += at(x as isize + r as isize + 1) - at(x as isize - r as isize);
        }
    }
}

/// The same down the columns.
fn box_cols(p: &mut [f32], w: usize, h: usize, r: usize, line: &mut [f32]) {
    let line = &mut line[..h];
    for x in 0..w {
        for (y, l) in line.iter_mut().enumerate() {
            *l = p[y * w + x];
        }
        let at = |i: isize| line[i.clamp(0, h as isize - 1) as usize];
        let mut s: f32 = (-(r as isize)..=r as isize).map(at).sum();
        for y in 0..h {
            p[y * w + x] = s;
            s += at(y as isize + r as isize + 1) - at(y as isize - r as isize);
        }
    }
}

struct Synthesis<'a> {
    layout: &'a Layout,
    detail: &'a Detail,
    w: usize,
    h: usize,
    tile: usize,
}

impl Synthesis<'_> {
    /// Adds the texture to the new area of `out`, a band of rows at a time (each band
    /// one step high, under two rows of tiles).
    fn paint(&self, out: &mut Image) {
        let (cw, ch) = (out.width() as usize, out.height() as usize);
        let step = self.tile / 2;
        let hann: Vec<f32> = (0..self.tile)
            .map(|i| {
                // sin^2 (pi (i + 1) / (tile + 1)): positive everywhere, 1 in the middle.
                let t = std::f64::consts::PI * (i + 1) as f64 / (self.tile + 1) as f64;
                let s = sin(t);
                (s * s) as f32
            })
            .collect();
        let mut acc = vec![[0.0f32; 4]; step * cw];
        let (x0, y0) = (self.layout.x as usize, self.layout.y as usize);
        let (x1, y1) = (x0 + self.w, y0 + self.h);
        let tiles_x = cw.div_ceil(step) + 1;
        for band in 0..ch.div_ceil(step) {
            let (by0, by1) = (band * step, ((band + 1) * step).min(ch));
            if by0 >= y0 && by1 <= y1 && x0 == 0 && x1 == cw {
                continue;
            }
            acc.iter_mut().for_each(|a| *a = [0.0; 4]);
            // Tile rows start at (band - 1) * step and band * step.
            for ty in [band as isize - 1, band as isize] {
                let top = ty * step as isize;
                for tx in 0..tiles_x as isize {
                    let left = (tx - 1) * step as isize;
                    self.tile_into(&mut acc, cw, (left, top), (by0, by1), &hann, (tx, ty));
                }
            }
            let data = out.data_mut();
            for y in by0..by1 {
                let inside_rows = y >= y0 && y < y1;
                for x in 0..cw {
                    if inside_rows && x >= x0 && x < x1 {
                        continue;
                    }
                    let a = acc[(y - by0) * cw + x];
                    if a[3] <= 0.0 {
                        continue;
                    }
                    // Overlap-add of independent tiles shrinks their spread by
                    // sqrt(sum w^2) / sum w; undone here.
                    let d = distance(x, y, (x0, y0, x1, y1)) as f32;
                    let k = 1.0 + d / FADE;
                    // Rising over the first RISE px, so the seam meets the blur
                    // cascade's edge colours without a step.
                    let amp = (FAR + (1.0 - FAR) / (k * k)) * (d / RISE).min(1.0);
                    let px = &mut data[(y * cw + x) * RGBA..][..RGBA];
                    for c in 0..3 {
                        // The windows' weighted mean of the tiles over this pixel.
                        let v = f32::from(px[c]) + a[c] / a[3] * amp;
                        px[c] = crate::pixels::blend::level(v);
                    }
                }
            }
        }
    }

    /// Adds tile `(tx, ty)` (top-left at `at` on the canvas) to the rows `rows` of `acc`:
    /// the detail of a source tile, windowed, its weights in the fourth lane.
    fn tile_into(
        &self,
        acc: &mut [[f32; 4]],
        cw: usize,
        at: (isize, isize),
        rows: (usize, usize),
        hann: &[f32],
        id: (isize, isize),
    ) {
        let t = self.tile as isize;
        let (left, top) = at;
        if !self.touches_new_area(left, top) {
            return;
        }
        let (sx, sy) = self.source(left + t / 2, top + t / 2, id);
        let d = self.detail;
        // Every source `source` picks lies in a store (`Detail::regions`).
        let Some((store, at)) = d.find(sx, sy, self.tile) else {
            debug_assert!(false, "no detail holds the source tile at {sx},{sy}");
            return;
        };
        // The weighted mean of the four independent tiles over a pixel has a smaller
        // spread than one tile (sqrt(sum w^2) / sum w of it): scaled back by the constant
        // for four half-overlapping windows.
        let gain = d.norm_gain(self.tile, hann);
        for j in 0..t {
            let y = top + j;
            if y < rows.0 as isize || y >= rows.1 as isize {
                continue;
            }
            let wy = hann[j as usize];
            let srow = at + j as usize * store.w;
            for i in 0..t {
                let x = left + i;
                if x < 0 || x >= cw as isize {
                    continue;
                }
                let wgt = wy * hann[i as usize];
                let p = store.px[srow + i as usize];
                let a = &mut acc[(y as usize - rows.0) * cw + x as usize];
                for c in 0..3 {
                    a[c] += wgt * (f32::from(p[c]) / DETAIL_SCALE) * gain;
                }
                a[3] += wgt;
            }
        }
    }

    /// Whether the tile at `(left, top)` covers any pixel of the new area (its part on the
    /// canvas is not wholly inside the original): else it paints nothing.
    fn touches_new_area(&self, left: isize, top: isize) -> bool {
        let t = self.tile as isize;
        let (cw, ch) = (
            self.layout.canvas_width as isize,
            self.layout.canvas_height as isize,
        );
        let (x0, y0) = (self.layout.x as isize, self.layout.y as isize);
        let (x1, y1) = (x0 + self.w as isize, y0 + self.h as isize);
        let (l, r) = (left.max(0), (left + t).min(cw));
        let (u, d) = (top.max(0), (top + t).min(ch));
        l < r && u < d && !(l >= x0 && r <= x1 && u >= y0 && d <= y1)
    }

    /// How far into the original, from an expanded side, tiles take their detail.
    fn band(w: usize, h: usize, tile: usize) -> usize {
        (2 * tile).max(w.min(h) / 4)
    }

    /// Where tile `id` centred at canvas `(cx, cy)` takes its detail from: a random place
    /// in the original within a band of the nearest edge, near the same place along it.
    fn source(&self, cx: isize, cy: isize, id: (isize, isize)) -> (usize, usize) {
        let (w, h, t) = (self.w as isize, self.h as isize, self.tile as isize);
        let band = Synthesis::band(self.w, self.h, self.tile) as isize;
        let (x0, y0) = (self.layout.x as isize, self.layout.y as isize);
        let r = mix(id.0 as u64, id.1 as u64);
        let pick = |r: u64, span: isize| (r % span.max(1) as u64) as isize;
        let along = |c: isize, origin: isize, len: isize, r: u64| {
            (c - origin - t / 2 + pick(r, 2 * t + 1) - t).clamp(0, len - t)
        };
        let sx = if cx < x0 {
            pick(r, band.min(w - t + 1))
        } else if cx >= x0 + w {
            w - t - pick(r, band.min(w - t + 1))
        } else {
            along(cx, x0, w, r)
        };
        let r2 = mix(r, 0x5eed);
        let sy = if cy < y0 {
            pick(r2, band.min(h - t + 1))
        } else if cy >= y0 + h {
            h - t - pick(r2, band.min(h - t + 1))
        } else {
            along(cy, y0, h, r2)
        };
        (sx.clamp(0, w - t) as usize, sy.clamp(0, h - t) as usize)
    }
}

impl Detail {
    /// The factor that brings the overlap-add of independent windowed tiles back to one
    /// tile's spread: sum w / sqrt(sum w^2) over the four windows covering a pixel,
    /// averaged over the tile.
    fn norm_gain(&self, tile: usize, hann: &[f32]) -> f32 {
        let step = tile / 2;
        let mut ratio = 0.0f64;
        for i in 0..step {
            // The two 1-D windows over position i of a step: hann[i] and hann[i + step].
            let (a, b) = (f64::from(hann[i]), f64::from(hann[i + step]));
            ratio += (a + b) / (a * a + b * b).sqrt();
        }
        let one = ratio / step as f64;
        // Separable: the 2-D ratio is the product of the 1-D ones.
        (one * one) as f32
    }
}

/// Euclidean distance from `(x, y)` to the rectangle `x0..x1 x y0..y1` (0 inside).
fn distance(x: usize, y: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> f64 {
    let dx = if x < x0 {
        x0 - x
    } else {
        (x + 1).saturating_sub(x1)
    } as f64;
    let dy = if y < y0 {
        y0 - y
    } else {
        (y + 1).saturating_sub(y1)
    } as f64;
    (dx * dx + dy * dy).sqrt()
}

/// splitmix64 of two words: the tiles' random choices.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(0x94D0_49BB_1331_11EB);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// sin(t) for t in [0, pi] by its Taylor series (plain arithmetic: the same on every
/// door, where the platform's `sin` may differ in the last bit).
fn sin(t: f64) -> f64 {
    // Fold to [0, pi/2], where 12 terms are exact to double precision.
    let t = if t > std::f64::consts::FRAC_PI_2 {
        std::f64::consts::PI - t
    } else {
        t
    };
    let (mut term, mut sum) = (t, t);
    for k in 1..12 {
        term *= -t * t / ((2 * k) as f64 * (2 * k + 1) as f64);
        sum += term;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expand, Anchor};

    /// `test_photo(w, h)` expanded to `target` with an edge pre-fill: the expansion, the
    /// canvas, its layout and the tile side.
    fn scene(w: u32, h: u32, target: &str) -> (Expansion, Image, Layout, usize) {
        let e = expand(w, h, &target.parse().unwrap(), Anchor::Center).unwrap();
        let canvas = crate::pixels::pad(
            crate::pixels::test_photo(w, h).view(),
            &e,
            Fill::Edge,
            &Limits::default(),
        )
        .unwrap();
        let tile = TILE.min(w as usize).min(h as usize);
        (e, canvas, Layout::of(&e), tile)
    }

    #[test]
    fn the_bands_detail_is_the_whole_pictures_to_the_bit() {
        for (w, h, target) in [
            (300, 200, "16:9"),
            (200, 300, "9:16"),
            (180, 170, "expand_all"),
            (257, 255, "edges:0,40,0,33"),
            (40, 300, "16:9"),
        ] {
            let (_, canvas, layout, tile) = scene(w, h, target);
            let bands = Detail::of(&canvas, &layout, tile).unwrap();
            let whole = Store::of(&canvas, &layout, (0, 0, w as usize, h as usize)).unwrap();
            let held: usize = bands.stores.iter().map(|s| s.w * s.h).sum();
            assert_eq!(held as u64, Detail::regions_px(&layout, tile));
            for s in &bands.stores {
                // What a store keeps: it, less the blur's margin on sides inside the picture.
                let (kx0, ky0, kx1, ky1) = s.keep;
                assert!(kx0 >= s.x && ky0 >= s.y && kx1 <= s.x + s.w && ky1 <= s.y + s.h);
                for y in ky0 - s.y..ky1 - s.y {
                    for x in kx0 - s.x..kx1 - s.x {
                        let (a, b) = (s.px[y * s.w + x], whole.px[(s.y + y) * whole.w + s.x + x]);
                        assert!(
                            a == b,
                            "{w}x{h} {target}: {a:?} vs {b:?} at {},{}",
                            s.x + x,
                            s.y + y
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_source_tile_lies_in_a_band() {
        for (w, h, target) in [
            (300, 200, "16:9"),
            (200, 300, "9:16"),
            (180, 170, "expand_all"),
            (64, 64, "edges:5,0,90,0"),
            (1000, 40, "1:1"),
            (33, 900, "16:9"),
        ] {
            let (e, canvas, layout, tile) = scene(w, h, target);
            let detail = Detail::of(&canvas, &layout, tile).unwrap();
            let s = Synthesis {
                layout: &layout,
                detail: &detail,
                w: w as usize,
                h: h as usize,
                tile,
            };
            let step = (tile / 2) as isize;
            let (cw, ch) = (e.new_width as isize, e.new_height as isize);
            for ty in -1..=ch / step + 1 {
                for tx in 0..=cw / step + 1 {
                    let (left, top) = ((tx - 1) * step, ty * step);
                    if !s.touches_new_area(left, top) {
                        continue;
                    }
                    let (sx, sy) =
                        s.source(left + tile as isize / 2, top + tile as isize / 2, (tx, ty));
                    assert!(
                        detail.find(sx, sy, tile).is_some(),
                        "{w}x{h} {target}: tile at {left},{top} reads {sx},{sy}"
                    );
                }
            }
        }
    }

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
        // Next to the seam the colours continue (the blur cascade starts at the edge
        // pixel; the texture of a smooth ramp is faint).
        let (a, b) = (out.pixel(e.left - 1, 5), src.pixel(0, 5));
        assert!((0..3).all(|c| a[c].abs_diff(b[c]) <= 6), "{a:?} vs {b:?}");
        // Everything generated is opaque and near the original's colour range.
        for x in 0..e.left {
            let p = out.pixel(x, 16);
            assert_eq!(p[3], 255);
            assert!(p[0] <= 140, "{p:?}");
        }
        let bad = Image::filled(3, 3, [0; 4], &Limits::default()).unwrap();
        assert!(continue_scene(&bad, &Layout::of(&e), &Limits::default()).is_err());
    }

    /// A textured 96x96 original with a bright 6x6 mark 3 px inside its left edge.
    fn marked() -> Image {
        let mut d = Vec::new();
        for y in 0..96u32 {
            for x in 0..96u32 {
                let t = ((x * 37 + y * 91) ^ (x * y)) % 61;
                let v = if (3..9).contains(&x) && (40..46).contains(&y) {
                    255
                } else {
                    (60 + t) as u8
                };
                d.extend_from_slice(&[v, v / 2 + 20, 90, 255]);
            }
        }
        Image::from_rgba(96, 96, d).unwrap()
    }

    fn filled(src: &Image, target: &str) -> (Image, Expansion) {
        let e = expand(96, 96, &target.parse().unwrap(), Anchor::Center).unwrap();
        let canvas =
            crate::pixels::pad(src.view(), &e, Fill::Transparent, &Limits::default()).unwrap();
        (
            continue_scene(&canvas, &Layout::of(&e), &Limits::default()).unwrap(),
            e,
        )
    }

    #[test]
    fn a_pre_filled_canvas_keeps_its_pre_fill_under_the_texture() {
        let src = marked();
        let e = expand(96, 96, &"16:9".parse().unwrap(), Anchor::Center).unwrap();
        let canvas = crate::pixels::pad(
            src.view(),
            &e,
            "color:#0000ffff".parse().unwrap(),
            &Limits::default(),
        )
        .unwrap();
        let out = continue_scene(&canvas, &Layout::of(&e), &Limits::default()).unwrap();
        // Far from the seam: blue, give or take the texture (a third of its strength).
        let (mut r, mut b, mut n) = (0.0, 0.0, 0.0);
        for y in 0..96 {
            for x in 0..8 {
                let p = out.pixel(x, y);
                r += f64::from(p[0]);
                b += f64::from(p[2]);
                n += 1.0;
            }
        }
        assert!(r / n < 12.0 && b / n > 240.0, "{} {}", r / n, b / n);
        for y in 0..96 {
            for x in 0..96 {
                assert_eq!(out.pixel(e.left + x, y), src.pixel(x, y));
            }
        }
    }

    #[test]
    fn nothing_is_reflected_across_the_seam() {
        let src = marked();
        let (out, e) = filled(&src, "16:9");
        // A mirror would put the mark 3..9 px outside the left edge; no pixel there is
        // near its brightness.
        for y in 40..46 {
            for x in e.left - 9..e.left - 3 {
                assert!(out.pixel(x, y)[0] < 200, "{x},{y}: {:?}", out.pixel(x, y));
            }
        }
        // Correlation of the 16 px outside the left edge with the reflected 16 px inside:
        // low (a mirror gives 1).
        let (mut sa, mut sb, mut saa, mut sbb, mut sab, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for y in 0..96 {
            for k in 0..16 {
                let a = f64::from(out.pixel(e.left - 1 - k, y)[0]);
                let b = f64::from(src.pixel(k, y)[0]);
                sa += a;
                sb += b;
                saa += a * a;
                sbb += b * b;
                sab += a * b;
                n += 1.0;
            }
        }
        let cov = sab / n - sa / n * sb / n;
        let corr = cov / ((saa / n - (sa / n).powi(2)) * (sbb / n - (sb / n).powi(2))).sqrt();
        assert!(corr < 0.5, "mirror correlation {corr}");
    }

    #[test]
    fn the_new_area_has_texture_not_a_smear_and_is_deterministic() {
        let src = marked();
        for target in ["16:9", "9:16", "expand_all"] {
            let (out, e) = filled(&src, target);
            let (again, _) = filled(&src, target);
            assert_eq!(out, again, "{target}");
            // Gradient energy 24 px outside the original against the original's own.
            let energy = |img: &Image, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>| {
                let mut s = 0u64;
                let mut n = 0u64;
                for y in ys {
                    for x in xs.clone() {
                        s += u64::from(img.pixel(x + 1, y)[0].abs_diff(img.pixel(x, y)[0]));
                        n += 1;
                    }
                }
                s as f64 / n as f64
            };
            let inside = energy(&src, 10..80, 0..96);
            // The whole new area left of the original, or above it.
            let (xs, ys) = if e.left > 1 {
                (0..e.left - 1, e.top..e.top + 96)
            } else {
                (0..e.new_width - 1, 0..e.top)
            };
            let outside = energy(&out, xs, ys);
            assert!(outside > 0.25 * inside, "{target}: {outside} vs {inside}");
            // Opaque everywhere.
            assert!(out.data().chunks_exact(4).all(|p| p[3] == 255));
        }
    }
}
