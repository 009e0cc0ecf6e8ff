//! The global colour match, fitted where the provider's picture and the original both
//! exist (the provider's own redraw of the kept area) and applied to the generated pixels
//! through one 3-D table: first a smooth tone curve per channel (16 knots, the levels and
//! gains a provider's round trip shifts), then an affine map in Oklab (a 3x3 matrix and
//! an offset, pulled towards the identity) for what crosses channels: hue and
//! saturation. Both stages are needed: a cast that scales sRGB channels is not separable
//! in Oklab (on a test patch with an 8% cast an Oklab gain per channel leaves 2.2 levels
//! on average, the Oklab matrix alone 1.0), and curves alone cannot turn a hue.

use serde::{Deserialize, Serialize};

use super::oklab::{decode, decode_table, encode, from_oklab, to_oklab};

/// At most this many sample pairs are read for the fit (a regular grid over the original).
const MAX_SAMPLES: usize = 1 << 14;
/// Fewer pairs than this and nothing is corrected.
const MIN_SAMPLES: usize = 64;
/// The matrix's diagonal is kept within `[1 / MAX_GAIN, MAX_GAIN]`, the rest within
/// `MAX_MIX`.
const MAX_GAIN: f32 = 1.4;
const MAX_MIX: f32 = 0.4;
/// Below this correlation of lightness the provider redrew the kept area as something
/// else: the match fades out (to nothing at `MIN_CORRELATION`).
const MIN_CORRELATION: f32 = 0.5;
const FULL_CORRELATION: f32 = 0.8;
/// The share of the worst-fitting pairs left out of the second fit.
const TRIM: f32 = 0.2;
/// Nodes per axis of the table: levels 0, 17, ..., 255 (exact bytes).
const NODES: usize = 16;
const STEP: usize = 17;
/// Stiffness of the tone curves against bending, per pair: stiff, so a curve is nearly a
/// gain and an offset. Flexible curves fit the original's area better but confuse level
/// with place: under a cast that changes across the frame, levels common on one side are
/// corrected for that side everywhere (the seam field then cannot undo it). On the
/// astronaut with such a cast the seam step was 2.96 levels at 1e-4, 1.77 at 100.
const SMOOTH: f64 = 100.0;

/// The fitted match, as reported: `o = matrix * g + offset` in Oklab (L, a, b), already
/// scaled by `strength`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColourFit {
    /// The tone curve of each channel (R, G, B): the corrected level at the 16 knots
    /// 0, 17, ..., 255, linear in between.
    pub curves: [[f32; NODES]; 3],
    /// Rows of the Oklab matrix (the identity when nothing is corrected); its diagonal is
    /// the gain of L, a and b.
    pub matrix: [[f32; 3]; 3],
    /// Oklab offsets (L, a, b), in Oklab units (L is 0..1).
    pub offset: [f32; 3],
    /// How much of the fit is applied, 0..1 (0 when the provider redrew the kept area as
    /// something else, or too little of it was seen).
    pub strength: f32,
    /// Correlation of lightness between the original and the provider's redraw of it.
    pub correlation: f32,
    /// Sample pairs the fit read.
    pub samples: u32,
    /// The cast removed, in sRGB levels (R, G, B): the mean change the match makes to
    /// the provider's picture over the original's area.
    pub cast: [f32; 3],
}

impl ColourFit {
    /// No correction.
    pub fn identity() -> ColourFit {
        ColourFit {
            curves: [KNOTS; 3],
            matrix: IDENTITY,
            offset: [0.0; 3],
            strength: 0.0,
            correlation: 0.0,
            samples: 0,
            cast: [0.0; 3],
        }
    }

    /// True when applying the fit changes nothing.
    pub fn is_identity(&self) -> bool {
        self.curves == [KNOTS; 3] && self.matrix == IDENTITY && self.offset == [0.0; 3]
    }
}

const IDENTITY: [[f32; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
/// The knots' own levels: the identity curve.
const KNOTS: [f32; NODES] = {
    let mut k = [0.0f32; NODES];
    let mut i = 0;
    while i < NODES {
        k[i] = (i * STEP) as f32;
        i += 1;
    }
    k
};

/// Pairs of (original, provider) pixels in linear light, read by the caller.
pub(crate) struct Samples {
    o_rgb: Vec<[u8; 3]>,
    g_rgb: Vec<[u8; 3]>,
    /// The original's pixels in Oklab.
    o: Vec<[f32; 3]>,
    /// The provider's, after the tone curves, in Oklab (filled by [`fit`]).
    g: Vec<[f32; 3]>,
    lin: [f32; 256],
}

impl Samples {
    /// The grid step that keeps `pixels` under [`MAX_SAMPLES`].
    pub(crate) fn stride(pixels: u64) -> usize {
        let mut s = 1usize;
        while pixels / (s as u64 * s as u64) > MAX_SAMPLES as u64 {
            s += 1;
        }
        s
    }

    pub(crate) fn new() -> Samples {
        Samples {
            o_rgb: Vec::new(),
            g_rgb: Vec::new(),
            o: Vec::new(),
            g: Vec::new(),
            lin: decode_table(),
        }
    }

    /// Adds one pair of opaque RGBA pixels (others are skipped).
    #[inline]
    pub(crate) fn push(&mut self, o: &[u8], g: &[u8]) {
        if o[3] == 255 && g[3] == 255 {
            let lin = &self.lin;
            self.o.push(to_oklab([
                lin[o[0] as usize],
                lin[o[1] as usize],
                lin[o[2] as usize],
            ]));
            self.o_rgb.push([o[0], o[1], o[2]]);
            self.g_rgb.push([g[0], g[1], g[2]]);
        }
    }

    /// Linear light of a level between bytes (interpolated in the table).
    #[inline]
    fn linear(&self, v: f32) -> f32 {
        let v = v.clamp(0.0, 255.0);
        let i = (v as usize).min(254);
        let f = v - i as f32;
        self.lin[i] + (self.lin[i + 1] - self.lin[i]) * f
    }
}

/// A level through a curve of knots.
#[inline]
fn through(curve: &[f32; NODES], v: u8) -> f32 {
    let (i, f) = split(v as usize);
    curve[i] + (curve[i + 1] - curve[i]) * f
}

/// Fits one channel's tone curve: least squares on the knots (each pair pulls the two
/// knots around the provider's level, by its distance), with a penalty on the second
/// difference (smooth) and a faint pull towards the identity (knots no pair reaches
/// follow their neighbours); then made non-decreasing.
fn fit_curve(g: impl Iterator<Item = (u8, u8)>, n: usize) -> [f32; NODES] {
    let mut a = [[0.0f64; NODES]; NODES];
    let mut rhs = [0.0f64; NODES];
    for (gv, ov) in g {
        let (i, f) = split(gv as usize);
        let (wi, wj) = (1.0 - f64::from(f), f64::from(f));
        let o = f64::from(ov);
        a[i][i] += wi * wi;
        a[i][i + 1] += wi * wj;
        a[i + 1][i] += wi * wj;
        a[i + 1][i + 1] += wj * wj;
        rhs[i] += wi * o;
        rhs[i + 1] += wj * o;
    }
    let smooth = n as f64 * SMOOTH;
    let pull = n as f64 / 160_000.0 + 1e-9;
    for k in 1..NODES - 1 {
        // (y[k-1] - 2 y[k] + y[k+1])^2
        let idx = [k - 1, k, k + 1];
        let w = [1.0, -2.0, 1.0];
        for p in 0..3 {
            for q in 0..3 {
                a[idx[p]][idx[q]] += smooth * w[p] * w[q];
            }
        }
    }
    for k in 0..NODES {
        a[k][k] += pull;
        rhs[k] += pull * f64::from(KNOTS[k]);
    }
    let y = gauss(a, rhs);
    let mut out = [0.0f32; NODES];
    let mut floor = 0.0f32;
    for k in 0..NODES {
        let v = (y[k] as f32).clamp(0.0, 255.0).max(floor);
        out[k] = v;
        floor = v;
    }
    out
}

/// Solves a small symmetric positive-definite system by Gaussian elimination.
fn gauss(mut a: [[f64; NODES]; NODES], mut b: [f64; NODES]) -> [f64; NODES] {
    for col in 0..NODES {
        let p = a[col][col];
        for row in col + 1..NODES {
            let f = a[row][col] / p;
            if f != 0.0 {
                for k in col..NODES {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = [0.0f64; NODES];
    for row in (0..NODES).rev() {
        let s: f64 = (row + 1..NODES).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

/// Fits `o = matrix * g + offset` by least squares with a gentle pull towards the
/// identity (flat channels stay as they are), then again without the worst-fitting fifth
/// of the pairs (content the provider changed).
pub(crate) fn fit(s: &mut Samples) -> ColourFit {
    let n = s.o.len();
    if n < MIN_SAMPLES {
        return ColourFit {
            samples: n as u32,
            ..ColourFit::identity()
        };
    }
    let curves: [[f32; NODES]; 3] = std::array::from_fn(|c| {
        fit_curve(s.g_rgb.iter().zip(&s.o_rgb).map(|(g, o)| (g[c], o[c])), n)
    });
    s.g = s
        .g_rgb
        .iter()
        .map(|p| to_oklab(std::array::from_fn(|c| s.linear(through(&curves[c], p[c])))))
        .collect();
    let all: Vec<usize> = (0..n).collect();
    let (m, offset) = solve(s, &all);
    let mut err: Vec<(f32, usize)> = (0..n)
        .map(|i| {
            let p = apply(&m, &offset, s.g[i]);
            let d: f32 = (0..3).map(|c| (s.o[i][c] - p[c]).powi(2)).sum();
            (d, i)
        })
        .collect();
    let keep = n - (n as f32 * TRIM) as usize;
    err.select_nth_unstable_by(keep - 1, |a, b| a.0.total_cmp(&b.0));
    let kept: Vec<usize> = err[..keep].iter().map(|e| e.1).collect();
    let (m, offset) = solve(s, &kept);
    let correlation = correlation(s, &all);
    let strength =
        ((correlation - MIN_CORRELATION) / (FULL_CORRELATION - MIN_CORRELATION)).clamp(0.0, 1.0);
    if strength == 0.0 {
        return ColourFit {
            correlation,
            samples: n as u32,
            ..ColourFit::identity()
        };
    }
    // Float noise of an exact redraw snaps to the identity (so nothing is touched).
    let snap = |x: f32, to: f32| if (x - to).abs() < 1e-5 { to } else { x };
    ColourFit {
        curves: std::array::from_fn(|c| {
            std::array::from_fn(|k| {
                let i = KNOTS[k];
                let v = i + strength * (curves[c][k] - i);
                if (v - i).abs() < 1e-3 {
                    i
                } else {
                    v
                }
            })
        }),
        matrix: std::array::from_fn(|r| {
            std::array::from_fn(|c| {
                let i = IDENTITY[r][c];
                snap(i + strength * (m[r][c] - i), i)
            })
        }),
        offset: offset.map(|o| snap(strength * o, 0.0)),
        strength,
        correlation,
        samples: n as u32,
        cast: [0.0; 3],
    }
}

#[inline]
fn apply(m: &[[f32; 3]; 3], offset: &[f32; 3], g: [f32; 3]) -> [f32; 3] {
    std::array::from_fn(|r| m[r][0] * g[0] + m[r][1] * g[1] + m[r][2] * g[2] + offset[r])
}

/// Ridge regression per output channel on centred data: `w = (C + L)^-1 (c + L e)`, with
/// `C` the covariance of the provider's colours, `c` their covariance with the
/// original's, `L` the pull (a variance of (0.02)^2 for L, (0.01)^2 for a and b) and `e`
/// the identity's row.
fn solve(s: &Samples, idx: &[usize]) -> ([[f32; 3]; 3], [f32; 3]) {
    let n = idx.len() as f64;
    let mean = |v: &Vec<[f32; 3]>| -> [f64; 3] {
        let mut m = [0.0f64; 3];
        for &i in idx {
            for c in 0..3 {
                m[c] += f64::from(v[i][c]);
            }
        }
        m.map(|x| x / n)
    };
    let (mo, mg) = (mean(&s.o), mean(&s.g));
    let mut cgg = [[0.0f64; 3]; 3];
    let mut cgo = [[0.0f64; 3]; 3];
    for &i in idx {
        let g: [f64; 3] = std::array::from_fn(|c| f64::from(s.g[i][c]) - mg[c]);
        let o: [f64; 3] = std::array::from_fn(|c| f64::from(s.o[i][c]) - mo[c]);
        for a in 0..3 {
            for b in 0..3 {
                cgg[a][b] += g[a] * g[b];
                cgo[a][b] += g[a] * o[b];
            }
        }
    }
    let pull = [4e-4 * n, 1e-4 * n, 1e-4 * n];
    for a in 0..3 {
        cgg[a][a] += pull[a];
    }
    let inv = invert(&cgg);
    let mut m = IDENTITY;
    let mut offset = [0.0f32; 3];
    for r in 0..3 {
        // Right-hand side for output channel r: cov(g, o_r) + pull on g_r.
        let rhs: [f64; 3] = std::array::from_fn(|a| cgo[a][r] + if a == r { pull[a] } else { 0.0 });
        let w: [f64; 3] = std::array::from_fn(|a| (0..3).map(|b| inv[a][b] * rhs[b]).sum());
        for c in 0..3 {
            let lim = if c == r { MAX_GAIN - 1.0 } else { MAX_MIX };
            m[r][c] = (w[c] as f32).clamp(IDENTITY[r][c] - lim, IDENTITY[r][c] + lim);
            if c == r {
                m[r][c] = m[r][c].clamp(1.0 / MAX_GAIN, MAX_GAIN);
            }
        }
        let pred: f64 = (0..3).map(|c| f64::from(m[r][c]) * mg[c]).sum();
        offset[r] = (mo[r] - pred) as f32;
    }
    (m, offset)
}

/// The inverse of a symmetric positive-definite 3x3 matrix (the pull keeps it so).
fn invert(a: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let c =
        |r0: usize, r1: usize, c0: usize, c1: usize| a[r0][c0] * a[r1][c1] - a[r0][c1] * a[r1][c0];
    let cof = [
        [c(1, 2, 1, 2), -c(1, 2, 0, 2), c(1, 2, 0, 1)],
        [-c(0, 2, 1, 2), c(0, 2, 0, 2), -c(0, 2, 0, 1)],
        [c(0, 1, 1, 2), -c(0, 1, 0, 2), c(0, 1, 0, 1)],
    ];
    let det = a[0][0] * cof[0][0] + a[0][1] * cof[0][1] + a[0][2] * cof[0][2];
    // The adjugate is the transposed cofactor matrix.
    std::array::from_fn(|r| std::array::from_fn(|k| cof[k][r] / det))
}

fn correlation(s: &Samples, idx: &[usize]) -> f32 {
    let n = idx.len() as f64;
    let mo = idx.iter().map(|&i| f64::from(s.o[i][0])).sum::<f64>() / n;
    let mg = idx.iter().map(|&i| f64::from(s.g[i][0])).sum::<f64>() / n;
    let (mut cov, mut vo, mut vg) = (0.0f64, 0.0f64, 0.0f64);
    for &i in idx {
        let (a, b) = (f64::from(s.o[i][0]) - mo, f64::from(s.g[i][0]) - mg);
        cov += a * b;
        vo += a * a;
        vg += b * b;
    }
    match (vo > 0.0, vg > 0.0) {
        (true, true) => {}
        // Both flat: a plain shift, fully matched.
        (false, false) => return 1.0,
        // One flat: the redraw says nothing about the other's colours.
        _ => return 0.0,
    }
    (cov / (vo * vg).sqrt()) as f32
}

/// The fit as tables over sRGB: the tone curves at every level (three lookups a pixel),
/// and the Oklab stage as corrections on a grid of 16 nodes per axis at levels 0, 17,
/// ..., 255, read with trilinear interpolation, kept only when it moves some colour by
/// more than [`MIN_CROSS`] levels (most casts are tone shifts the curves already take
/// out, and the grid costs eight lookups a pixel).
pub(crate) struct Table {
    curves: [[f32; 256]; 3],
    cross: Option<Vec<[f32; 4]>>,
    /// The largest change the Oklab stage makes at a node, in levels.
    pub(crate) cross_max: f32,
}

/// Below this many levels at every node the Oklab stage is left out (the seam field takes
/// up what it would have changed next to the seam).
const MIN_CROSS: f32 = 1.5;

/// For each level: the lower node and the weight of the upper one.
const fn split(v: usize) -> (usize, f32) {
    let i = v / STEP;
    if i == NODES - 1 {
        (NODES - 2, 1.0)
    } else {
        (i, (v % STEP) as f32 / STEP as f32)
    }
}

impl Table {
    pub(crate) fn new(fit: &ColourFit) -> Table {
        let curves: [[f32; 256]; 3] =
            std::array::from_fn(|c| std::array::from_fn(|v| through(&fit.curves[c], v as u8)));
        let mut cross = Vec::with_capacity(NODES * NODES * NODES);
        let lin: [Vec<f64>; 3] = std::array::from_fn(|c| {
            fit.curves[c]
                .iter()
                .map(|&v| decode(f64::from(v)))
                .collect()
        });
        let mut cross_max = 0.0f32;
        let identity = fit.matrix == IDENTITY && fit.offset == [0.0; 3];
        for r in 0..NODES {
            for g in 0..NODES {
                for b in 0..NODES {
                    let d: [f32; 3] = if identity {
                        [0.0; 3]
                    } else {
                        let lab = to_oklab([lin[0][r] as f32, lin[1][g] as f32, lin[2][b] as f32]);
                        let rgb = from_oklab(apply(&fit.matrix, &fit.offset, lab));
                        let at = [fit.curves[0][r], fit.curves[1][g], fit.curves[2][b]];
                        std::array::from_fn(|c| encode(f64::from(rgb[c])) as f32 - at[c])
                    };
                    cross_max = d.iter().fold(cross_max, |m, v| m.max(v.abs()));
                    cross.push([d[0], d[1], d[2], 0.0]);
                }
            }
        }
        Table {
            curves,
            cross: (cross_max > MIN_CROSS).then_some(cross),
            cross_max,
        }
    }

    /// The corrected colour of one sRGB pixel, in levels (not rounded; the fourth lane is
    /// padding).
    #[inline(always)]
    pub(crate) fn get(&self, p: &[u8]) -> [f32; 4] {
        let base = [
            self.curves[0][p[0] as usize],
            self.curves[1][p[1] as usize],
            self.curves[2][p[2] as usize],
            0.0,
        ];
        match &self.cross {
            None => base,
            Some(nodes) => {
                let d = trilinear(nodes, p);
                [base[0] + d[0], base[1] + d[1], base[2] + d[2], 0.0]
            }
        }
    }
}

#[inline]
fn trilinear(nodes: &[[f32; 4]], p: &[u8]) -> [f32; 4] {
    use super::lerp4;
    let (r, fr) = split(p[0] as usize);
    let (g, fg) = split(p[1] as usize);
    let (b, fb) = split(p[2] as usize);
    let at = |r: usize, g: usize, b: usize| nodes[(r * NODES + g) * NODES + b];
    let x00 = lerp4(at(r, g, b), at(r, g, b + 1), fb);
    let x01 = lerp4(at(r, g + 1, b), at(r, g + 1, b + 1), fb);
    let x10 = lerp4(at(r + 1, g, b), at(r + 1, g, b + 1), fb);
    let x11 = lerp4(at(r + 1, g + 1, b), at(r + 1, g + 1, b + 1), fb);
    lerp4(lerp4(x00, x01, fg), lerp4(x10, x11, fg), fr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(pairs: impl Iterator<Item = ([u8; 3], [u8; 3])>) -> Samples {
        let mut s = Samples::new();
        for (o, g) in pairs {
            s.push(&[o[0], o[1], o[2], 255], &[g[0], g[1], g[2], 255]);
        }
        s
    }

    /// A textured patch: every level of red and green, a blue ramp.
    fn patch() -> Vec<[u8; 3]> {
        (0..4096u32)
            .map(|i| [(i % 256) as u8, (i / 16) as u8, ((i * 7) % 200 + 20) as u8])
            .collect()
    }

    #[test]
    fn an_unchanged_redraw_is_the_identity() {
        let p = patch();
        let f = fit(&mut samples(p.iter().map(|&c| (c, c))));
        assert!(f.is_identity(), "{f:?}");
        assert!(f.is_identity());
        assert_eq!(f.strength, 1.0);
        assert_eq!(f.samples, 4096);
    }

    #[test]
    fn a_cast_is_fitted_and_the_table_undoes_it() {
        // An 8% cast as in the quality study: R x 1.12, G x 1.08, B x 1.04.
        let p = patch();
        let cast = |c: [u8; 3]| {
            let m = [1.12, 1.08, 1.04];
            std::array::from_fn::<u8, 3, _>(|k| (f32::from(c[k]) * m[k]).round().min(255.0) as u8)
        };
        // Colours the cast does not clip.
        let p: Vec<[u8; 3]> = p
            .into_iter()
            .filter(|c| c.iter().all(|&v| v < 220))
            .collect();
        let f = fit(&mut samples(p.iter().map(|&c| (c, cast(c)))));
        assert_eq!(f.strength, 1.0);
        let t = Table::new(&f);
        let (mut after, mut before, mut signed) = (0.0f32, 0.0f32, [0.0f32; 3]);
        for &c in &p {
            let g = cast(c);
            let back = t.get(&[g[0], g[1], g[2], 255]);
            for k in 0..3 {
                after += (back[k] - f32::from(c[k])).abs();
                before += (f32::from(g[k]) - f32::from(c[k])).abs();
                signed[k] += back[k] - f32::from(c[k]);
            }
        }
        let n = (p.len() * 3) as f32;
        let (after, before) = (after / n, before / n);
        assert!(
            before > 8.0,
            "the cast moves colours by {before} on average"
        );
        assert!(
            after < 1.2,
            "left after the match: {after} levels on average"
        );
        for k in 0..3 {
            let cast = signed[k] / p.len() as f32;
            assert!(cast.abs() < 0.6, "channel {k}: {cast}");
        }
    }

    #[test]
    fn a_redraw_of_something_else_is_not_matched() {
        let p = patch();
        let q: Vec<[u8; 3]> = p.iter().rev().map(|c| [c[1], c[2], c[0]]).collect();
        let f = fit(&mut samples(p.iter().copied().zip(q)));
        assert!(f.correlation < 0.5, "{}", f.correlation);
        assert_eq!(f.strength, 0.0);
        assert!(f.is_identity());
    }

    #[test]
    fn too_few_samples_change_nothing() {
        let f = fit(&mut samples([([1, 2, 3], [9, 9, 9])].into_iter()));
        assert!(f.is_identity());
        assert_eq!(f.samples, 1);
    }

    #[test]
    fn the_identity_table_returns_each_node_exactly() {
        let t = Table::new(&ColourFit::identity());
        for v in (0..=255).step_by(17) {
            let got = t.get(&[v as u8, v as u8, v as u8, 255]);
            for g in &got[..3] {
                assert!((g - v as f32).abs() < 1e-3, "{v}: {g}");
            }
        }
        // Between nodes the identity is linear in levels: exact up to float rounding.
        for v in 0..=255u8 {
            let got = t.get(&[v, 255 - v, v / 2, 255]);
            let want = [f32::from(v), f32::from(255 - v), f32::from(v / 2)];
            for k in 0..3 {
                assert!((got[k] - want[k]).abs() < 0.01, "{v}: {got:?}");
            }
        }
    }

    #[test]
    fn strides_keep_the_samples_bounded() {
        let m = MAX_SAMPLES as u64;
        assert_eq!(Samples::stride(100), 1);
        assert_eq!(Samples::stride(m), 1);
        let s = Samples::stride(4096 * 4096) as u64;
        assert!(4096 * 4096 / (s * s) <= m);
        assert!(4096 * 4096 / ((s - 1) * (s - 1)) > m);
    }
}
