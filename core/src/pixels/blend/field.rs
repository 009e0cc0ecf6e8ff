//! A smooth correction field: the gain per channel that takes the (colour-matched)
//! provider picture to the original, measured over cells of the original, then carried
//! out into the generated area by a pull-push membrane (Gortler et al. 1996): each coarser level
//! averages the one below by weight, and going back down every cell that knows little
//! takes the interpolated coarser value. It costs a few passes over a grid of
//! `(width / cell) x (height / cell)` cells. Pull-push alone blurs across the seam (a
//! cell next to it takes the coarse average of a wide window), so each level going down
//! is relaxed towards the membrane (a few Gauss-Seidel sweeps of Laplace's equation with
//! the known cells held), a cascadic multigrid. Near the seam the field is the local
//! difference, so the generated area meets the original without a low-frequency step,
//! and away from it the correction fades out over [`FADE`] cells, leaving the global
//! match: what the original's cells say about their own colours is carried only as far
//! as the seam needs it (next to bright content a cell's gain would mislead the dark
//! content beside it). It only ever scales the provider's pixels, never the original's.
//!
//! A gain, not an offset: a cast that changes across the frame scales colours (white
//! balance, exposure), so next to the seam an offset learnt on dark content over-corrects
//! bright content beside it. In sRGB levels a gain is nearly a gain in linear light (the
//! transfer curve is close to a power law), so it is applied to the levels directly. (The
//! gains are averaged as they are, not as logarithms: for the few per cent a provider's
//! cast moves they are the same, and plain arithmetic gives every door the same bytes.)

/// Cells whose difference varies more than this (levels, RMS within the cell) count for
/// less: edges the provider moved, content it changed.
const SPREAD: f32 = 24.0;
/// The field never scales a level by more than this factor, or less than its inverse.
const MAX_GAIN: f32 = 2.0;
/// Past the original, the field fades to nothing over this many cells (but at least
/// [`FADE_MIN`] pixels).
pub(crate) const FADE: u32 = 4;
const FADE_MIN: u32 = 32;
/// Added to both sums of a cell's ratio, in levels per pixel, so dark cells do not make
/// wild gains.
const DARK: f32 = 2.0;

/// Running sums per cell.
#[derive(Clone, Copy, Default)]
pub(crate) struct Cell {
    n: f32,
    o: [f32; 3],
    g: [f32; 3],
    sq: f32,
}

/// The field on its grid. Cell `(i, j)` covers canvas pixels
/// `x0 + i * cell .. x0 + (i + 1) * cell` (likewise for y), with `x0 <= 0` chosen so cell
/// edges fall on the original's edges.
pub(crate) struct Field {
    cell: u32,
    /// The original on the canvas: x, y, width, height.
    rect: [u32; 4],
    x0: i64,
    y0: i64,
    cols: usize,
    rows: usize,
    acc: Vec<Cell>,
    values: Vec<[f32; 3]>,
    /// The largest change of gain, as a factor (0.05: 5%).
    pub(crate) max: f32,
}

impl Field {
    /// An empty grid over a `canvas_width x canvas_height` canvas with the original at
    /// `rect` (x, y, width, height).
    pub(crate) fn new(cell: u32, canvas: (u32, u32), rect: [u32; 4]) -> Field {
        let origin = (rect[0], rect[1]);
        let c = i64::from(cell.max(1));
        let x0 = i64::from(origin.0) - c * i64::from(origin.0.div_ceil(cell.max(1)));
        let y0 = i64::from(origin.1) - c * i64::from(origin.1.div_ceil(cell.max(1)));
        let cols = ((i64::from(canvas.0) - x0 + c - 1) / c) as usize;
        let rows = ((i64::from(canvas.1) - y0 + c - 1) / c) as usize;
        Field {
            cell: cell.max(1),
            rect,
            x0,
            y0,
            cols,
            rows,
            acc: vec![Cell::default(); cols * rows],
            values: Vec::new(),
            max: 0.0,
        }
    }

    /// Adds the original's `o` and the picture's `g` (levels) seen at canvas pixel
    /// `(x, y)`.
    #[inline]
    pub(crate) fn add(&mut self, x: u32, y: u32, o: [f32; 3], g: [f32; 3]) {
        let c = i64::from(self.cell);
        let i = ((i64::from(x) - self.x0) / c) as usize;
        let j = ((i64::from(y) - self.y0) / c) as usize;
        let a = &mut self.acc[j * self.cols + i];
        a.n += 1.0;
        for k in 0..3 {
            a.o[k] += o[k];
            a.g[k] += g[k];
            let d = o[k] - g[k];
            a.sq += d * d;
        }
    }

    /// Solves the membrane: `full` is the number of samples a whole cell holds.
    pub(crate) fn solve(&mut self, full: f32, strength: f32) {
        let mut w = Vec::with_capacity(self.acc.len());
        let mut v = Vec::with_capacity(self.acc.len());
        for a in &self.acc {
            if a.n == 0.0 {
                w.push(0.0);
                v.push([0.0; 3]);
                continue;
            }
            let m: [f32; 3] = std::array::from_fn(|k| (a.o[k] - a.g[k]) / a.n);
            let var = (a.sq / a.n - (m[0] * m[0] + m[1] * m[1] + m[2] * m[2])).max(0.0) / 3.0;
            w.push((a.n / full).min(1.0) / (1.0 + var / (SPREAD * SPREAD)));
            let dark = DARK * a.n;
            v.push(std::array::from_fn(|k| {
                // Solved as the gain's departure from 1 (unknown cells are 0: no change).
                ((a.o[k] + dark) / (a.g[k] + dark)).clamp(1.0 / MAX_GAIN, MAX_GAIN) - 1.0
            }));
        }
        // How much of the field each cell keeps: all of it over the original, fading to
        // nothing FADE cells past it (cells beyond are not solved at the finest level).
        let fade = f64::from((FADE * self.cell).max(FADE_MIN));
        let c = f64::from(self.cell);
        let [rx, ry, rw, rh] = self.rect.map(f64::from);
        let keep: Vec<f32> = (0..self.acc.len())
            .map(|i| {
                let (cx, cy) = (
                    self.x0 as f64 + ((i % self.cols) as f64 + 0.5) * c,
                    self.y0 as f64 + ((i / self.cols) as f64 + 0.5) * c,
                );
                let dx = (rx - cx).max(cx - (rx + rw)).max(0.0);
                let dy = (ry - cy).max(cy - (ry + rh)).max(0.0);
                let t = (1.0 - (dx * dx + dy * dy).sqrt() / fade).max(0.0);
                (t * t * (3.0 - 2.0 * t)) as f32
            })
            .collect();
        let mut values = pull_push(self.cols, self.rows, w, v, &keep);
        let mut max = 0.0f32;
        for (p, &k) in values.iter_mut().zip(&keep) {
            for x in p.iter_mut() {
                *x = 1.0 + *x * strength * k;
                max = max.max((*x - 1.0).abs());
            }
        }
        self.values = values;
        self.max = max;
        self.acc = Vec::new();
    }

    /// For each canvas column: the grid column left of it and the weight of the next one.
    pub(crate) fn columns(&self, width: u32) -> Vec<(u32, f32)> {
        (0..width).map(|x| self.at(x, self.x0, self.cols)).collect()
    }

    fn at(&self, x: u32, origin: i64, n: usize) -> (u32, f32) {
        let u = ((f64::from(x) + 0.5 - origin as f64) / f64::from(self.cell) - 0.5).max(0.0);
        let i = (u.floor() as usize).min(n - 1);
        if i + 1 >= n {
            (i as u32, 0.0)
        } else {
            (i as u32, (u - i as f64) as f32)
        }
    }

    /// The gains along canvas row `y`, one per grid column (the fourth lane is 1).
    pub(crate) fn row(&self, y: u32, out: &mut Vec<[f32; 4]>) {
        let (j, f) = self.at(y, self.y0, self.rows);
        let j = j as usize;
        let j1 = (j + 1).min(self.rows - 1);
        out.clear();
        for i in 0..self.cols {
            let (a, b) = (
                self.values[j * self.cols + i],
                self.values[j1 * self.cols + i],
            );
            out.push([
                a[0] + (b[0] - a[0]) * f,
                a[1] + (b[1] - a[1]) * f,
                a[2] + (b[2] - a[2]) * f,
                1.0,
            ]);
        }
    }
}

/// Pull-push over a `cols x rows` grid of weights (0..1) and values.
/// `keep` marks (non-zero) the finest cells whose value matters.
fn pull_push(
    cols: usize,
    rows: usize,
    w: Vec<f32>,
    v: Vec<[f32; 3]>,
    keep: &[f32],
) -> Vec<[f32; 3]> {
    let mut levels = vec![(cols, rows, w, v)];
    while {
        let (c, r, ..) = levels.last().expect("one level");
        *c > 1 || *r > 1
    } {
        let (c, r, w, v) = levels.last().expect("one level");
        let (nc, nr) = (c.div_ceil(2), r.div_ceil(2));
        let mut nw = vec![0.0f32; nc * nr];
        let mut nv = vec![[0.0f32; 3]; nc * nr];
        for y in 0..*r {
            for x in 0..*c {
                let (i, k) = (y * c + x, (y / 2) * nc + x / 2);
                nw[k] += w[i];
                for ch in 0..3 {
                    nv[k][ch] += w[i] * v[i][ch];
                }
            }
        }
        for k in 0..nc * nr {
            if nw[k] > 0.0 {
                nv[k] = nv[k].map(|s| s / nw[k]);
                nw[k] = nw[k].min(1.0);
            }
        }
        levels.push((nc, nr, nw, nv));
    }
    // Push: each level takes what it does not know from the one above, interpolated, then
    // relaxes towards the membrane.
    while levels.len() > 1 {
        let (cc, cr, _, cv) = levels.pop().expect("two levels");
        let finest = levels.len() == 1;
        let (c, r, w, v) = levels.last_mut().expect("one level");
        let own = v.clone();
        for y in 0..*r {
            let (j0, j1, fy) = coarse(y, cr);
            for x in 0..*c {
                let i = y * *c + x;
                if w[i] >= 1.0 {
                    continue;
                }
                let (i0, i1, fx) = coarse(x, cc);
                let a = cv[j0 * cc + i0];
                let b = cv[j0 * cc + i1];
                let d = cv[j1 * cc + i0];
                let e = cv[j1 * cc + i1];
                for ch in 0..3 {
                    let top = a[ch] + (b[ch] - a[ch]) * fx;
                    let bottom = d[ch] + (e[ch] - d[ch]) * fx;
                    let up = top + (bottom - top) * fy;
                    v[i][ch] = w[i] * v[i][ch] + (1.0 - w[i]) * up;
                }
            }
        }
        relax(*c, *r, w, &own, v, finest.then_some(keep));
    }
    levels.pop().expect("level 0").3
}

/// Gauss-Seidel sweeps at one level: a cell that knows little moves towards the mean of
/// its neighbours (edges mirror: no flux out of the canvas), weighted by what it knows.
fn relax(
    c: usize,
    r: usize,
    w: &[f32],
    own: &[[f32; 3]],
    v: &mut [[f32; 3]],
    keep: Option<&[f32]>,
) {
    // Coarse levels are small: sweep them to convergence, so the fine level starts from
    // the right broad shape and needs only a few sweeps of its own.
    let sweeps = if c * r <= 4096 { 64 } else { 8 };
    // Over-relaxation: the sweeps converge several times faster than plain Gauss-Seidel.
    const OMEGA: f32 = 1.6;
    if c * r <= 1 {
        return;
    }
    for _ in 0..sweeps {
        for y in 0..r {
            for x in 0..c {
                let i = y * c + x;
                if w[i] >= 1.0 || keep.is_some_and(|k| k[i] == 0.0) {
                    continue;
                }
                let mut sum = [0.0f32; 3];
                let mut k = 0.0f32;
                let mut take = |j: usize| {
                    for ch in 0..3 {
                        sum[ch] += v[j][ch];
                    }
                    k += 1.0;
                };
                if x > 0 {
                    take(i - 1);
                }
                if x + 1 < c {
                    take(i + 1);
                }
                if y > 0 {
                    take(i - c);
                }
                if y + 1 < r {
                    take(i + c);
                }
                for ch in 0..3 {
                    let target = w[i] * own[i][ch] + (1.0 - w[i]) * sum[ch] / k;
                    v[i][ch] += OMEGA * (target - v[i][ch]);
                }
            }
        }
    }
}

/// Where fine cell `x` sits on the coarse axis of `n` cells: the two neighbours and the
/// weight of the second.
#[inline]
fn coarse(x: usize, n: usize) -> (usize, usize, f32) {
    let u = ((x as f32 + 0.5) / 2.0 - 0.5).max(0.0);
    let i = (u as usize).min(n - 1);
    let j = (i + 1).min(n - 1);
    (i, j, if j == i { 0.0 } else { u - i as f32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_start_on_the_originals_edges() {
        let f = Field::new(8, (100, 40), [18, 0, 64, 40]);
        // 18 = 2 * 8 + 2: the first cell starts at -6, so a cell edge falls on 18.
        assert_eq!((f.x0, f.y0), (-6, 0));
        assert_eq!((18 - f.x0) % 8, 0);
        assert_eq!(f.cols, 14);
        assert_eq!(f.rows, 5);
        let f = Field::new(8, (64, 64), [16, 8, 32, 48]);
        assert_eq!((f.x0, f.y0), (0, 0));
    }

    #[test]
    fn known_cells_keep_their_value_and_the_rest_fades_out() {
        // A 128x8 canvas; over the original in columns 64..128 the picture's red is 8%
        // short, its blue 4% over (levels 92 and 104 against 100).
        let mut f = Field::new(8, (128, 8), [64, 0, 64, 8]);
        for y in 0..8 {
            for x in 64..128 {
                f.add(x, y, [100.0, 50.0, 100.0], [92.0, 50.0, 104.0]);
            }
        }
        f.solve(64.0, 1.0);
        let mut row = Vec::new();
        f.row(4, &mut row);
        // (100 + 2) / (92 + 2) and (100 + 2) / (104 + 2): the dark margin of 2 levels.
        let (red, blue) = (102.0f32 / 94.0, 102.0f32 / 106.0);
        for v in &row[8..] {
            assert!(
                (v[0] - red).abs() < 1e-4 && (v[2] - blue).abs() < 1e-4,
                "{v:?}"
            );
            assert!((v[1] - 1.0).abs() < 1e-6);
        }
        assert!((f.max - (red - 1.0)).abs() < 1e-4);
        // Outside: FADE cells (32 px) of smooth fall-off, then nothing.
        for i in 0..4 {
            assert!(row[i] == [1.0; 4], "{i}: {:?}", row[i]);
        }
        for i in 4..8 {
            assert!(
                row[i][0] > row[i - 1][0] && row[i][0] < red,
                "{i}: {:?}",
                row[i]
            );
        }
    }

    #[test]
    fn a_varying_difference_is_followed_then_smoothed_outwards() {
        // The original is the right half; the picture's red falls short by a share that
        // grows down the rows (0% at the top to 32% at the bottom).
        let mut f = Field::new(4, (64, 64), [32, 0, 32, 64]);
        let gain = |y: u32| 1.0 / (1.0 - y as f32 / 200.0);
        for y in 0..64 {
            for x in 32..64 {
                f.add(x, y, [198.0, 0.0, 0.0], [200.0 / gain(y) - 2.0, 0.0, 0.0]);
            }
        }
        f.solve(16.0, 1.0);
        let mut row = Vec::new();
        let cols = f.columns(64);
        let at = |row: &Vec<[f32; 4]>, x: usize| {
            let (i, a) = cols[x];
            row[i as usize][0] + (row[i as usize + 1][0] - row[i as usize][0]) * a
        };
        for y in [2u32, 30, 60] {
            f.row(y, &mut row);
            // Inside the original: the local gain (within the cell's averaging).
            let here = at(&row, 40);
            assert!(
                (here - gain(y)).abs() < 0.02,
                "y {y}: {here} want {}",
                gain(y)
            );
            // Next to the seam outside: close to it; every value within the known range.
            let out = at(&row, 30);
            assert!((out - gain(y)).abs() < 0.06, "y {y}: {out}");
            assert!(row
                .iter()
                .all(|v| (0.999..=gain(63) + 0.01).contains(&v[0])));
        }
    }

    #[test]
    fn an_empty_grid_is_zero() {
        let mut f = Field::new(8, (16, 16), [0, 0, 16, 16]);
        f.solve(64.0, 1.0);
        let mut row = Vec::new();
        f.row(0, &mut row);
        assert!(row.iter().all(|v| *v == [1.0; 4]));
        assert_eq!(f.max, 0.0);
    }
}
