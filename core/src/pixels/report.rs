//! The seam report: numbers that say how visible the seam of a composite is, measured on
//! the composite itself against the original (no ground truth needed).
//!
//! Each expanded edge is read as a strip: `k` counts pixels from the seam line, negative
//! in the new area (`-1` touches the original), `0..` inside the original, and `t` runs
//! along the seam over the original's rows (left, right) or columns (top, bottom).

// Channel arithmetic over parallel arrays reads plainer with indices.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::geometry::Layout;
use crate::pixels::blend::{decode_table, to_oklab};
use crate::pixels::{Correction, ImageRef, Seam};

/// Reference differences are read this far from the seam line, clear of the band.
const REFERENCE: i64 = 32;
/// Strips either side of the seam for the colour step and difference.
const STRIP: u32 = 8;
/// The residual near the seam is read over this many pixels inside the original.
const NEAR: u32 = 16;

/// One expanded edge of the seam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeReport {
    /// `left`, `right`, `top` or `bottom`.
    pub edge: String,
    /// Mean difference across the seam line over the image's own neighbour differences
    /// a little way off it, on both sides (about 1 where the seam cannot be told from
    /// texture; a hard paste of a cast shows 1.5 and more).
    pub seam_jump: f32,
    /// The low-frequency colour step the blend has to hide, in levels: the largest channel
    /// of the mean difference between the original and the (corrected) provider picture
    /// over the 8 px inside this edge, where the two are joined. A plain paste shows it
    /// at the line; a feather spreads it over the band.
    pub colour_step: f32,
    /// The same difference as a perceptual one: Oklab distance (x100) between the mean
    /// colours of the original and of the provider picture over those 8 px.
    pub delta_e: f32,
    /// Sharpness of the blend band: its gradient energy over the original's in the same
    /// pixels (1 = as sharp as the original; 0 when there is no band).
    pub band_sharpness: f32,
}

/// The seam report of one composite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeamReport {
    /// Every expanded edge.
    pub edges: Vec<EdgeReport>,
    /// The worst `seamJump` of the edges.
    pub seam_jump: f32,
    /// The worst `colourStep`, in levels.
    pub colour_step: f32,
    /// The worst `deltaE`.
    pub delta_e: f32,
    /// The mean `bandSharpness` (1 without a band).
    pub band_sharpness: f32,
    /// The cast left in the corrected provider picture next to the seam (its outer 16 px
    /// of the original), in levels (R, G, B): original minus picture.
    pub residual_cast: [f32; 3],
    /// RMS difference, in levels, between the original and the corrected provider picture
    /// over the original's area: how faithfully the provider redrew what it was asked to
    /// keep (misregistration and lost detail raise it).
    pub overlap_residual: f32,
    /// What the composite corrected.
    pub correction: Correction,
}

/// Differences between the original and the corrected provider picture, summed while the
/// composite is written.
#[derive(Default)]
pub(crate) struct Residual {
    n: f64,
    sq: f64,
    near_n: f64,
    near: [f64; 3],
    edge_n: [f64; 4],
    edge_o: [[f64; 3]; 4],
    edge_g: [[f64; 3]; 4],
}

impl Residual {
    /// Adds the original's pixel `o` at `(x, y)` of the original and the picture's `g`.
    #[inline]
    pub(crate) fn add(&mut self, layout: &Layout, x: u32, y: u32, o: &[u8], g: &[u8]) {
        let d: [f64; 3] = std::array::from_fn(|c| f64::from(o[c]) - f64::from(g[c]));
        self.n += 1.0;
        self.sq += d.iter().map(|v| v * v).sum::<f64>() / 3.0;
        let [l, r, t, b] = layout.grown();
        let from = [x, layout.width - 1 - x, y, layout.height - 1 - y];
        let grown = [l, r, t, b];
        if (0..4).any(|e| grown[e] && from[e] < NEAR) {
            self.near_n += 1.0;
            for c in 0..3 {
                self.near[c] += d[c];
            }
        }
        for e in 0..4 {
            if grown[e] && from[e] < STRIP {
                self.edge_n[e] += 1.0;
                for c in 0..3 {
                    self.edge_o[e][c] += f64::from(o[c]);
                    self.edge_g[e][c] += f64::from(g[c]);
                }
            }
        }
    }
}

struct Strip<'a> {
    img: ImageRef<'a>,
    layout: &'a Layout,
    edge: usize,
}

impl Strip<'_> {
    /// Extent inside the original and outside it, along `k`; length along `t`.
    fn extent(&self) -> (i64, i64, u32) {
        let l = self.layout;
        let (inside, outside, along) = match self.edge {
            0 => (l.width, l.x, l.height),
            1 => (l.width, l.canvas_width - l.x - l.width, l.height),
            2 => (l.height, l.y, l.width),
            _ => (l.height, l.canvas_height - l.y - l.height, l.width),
        };
        (i64::from(inside), i64::from(outside), along)
    }

    #[inline]
    fn at(&self, k: i64, t: u32) -> [u8; 4] {
        let l = self.layout;
        let (x, y) = match self.edge {
            0 => (i64::from(l.x) + k, i64::from(l.y + t)),
            1 => (i64::from(l.x + l.width) - 1 - k, i64::from(l.y + t)),
            2 => (i64::from(l.x + t), i64::from(l.y) + k),
            _ => (i64::from(l.x + t), i64::from(l.y + l.height) - 1 - k),
        };
        self.img.pixel(x as u32, y as u32)
    }

    /// Mean absolute difference between `k` and `k - 1`, over `t` and the channels.
    fn step(&self, k: i64) -> f64 {
        let (.., along) = self.extent();
        let mut s = 0u64;
        for t in 0..along {
            let (a, b) = (self.at(k, t), self.at(k - 1, t));
            s += (0..3).map(|c| u64::from(a[c].abs_diff(b[c]))).sum::<u64>();
        }
        s as f64 / (3.0 * f64::from(along))
    }

    /// Gradient energy (mean |dk| + |dt|) over `k0..k1`.
    fn energy(&self, k0: i64, k1: i64) -> f64 {
        let (.., along) = self.extent();
        let mut s = 0u64;
        for k in k0..k1 {
            for t in 1..along {
                let (p, a, b) = (self.at(k, t), self.at(k - 1, t), self.at(k, t - 1));
                for c in 0..3 {
                    s += u64::from(p[c].abs_diff(a[c])) + u64::from(p[c].abs_diff(b[c]));
                }
            }
        }
        s as f64
    }
}

/// Measures the seam of `out` (the composite) against `original`.
pub(crate) fn measure(
    original: ImageRef<'_>,
    out: ImageRef<'_>,
    layout: &Layout,
    seam: &Seam,
    residual: &Residual,
    correction: Correction,
) -> SeamReport {
    let lin = decode_table();
    let lab = |c: [f64; 3]| {
        let l = c.map(|v| lin[v.round().clamp(0.0, 255.0) as usize]);
        to_oklab(l)
    };
    // The band the provider was asked to redraw: overlap and feather.
    let band = i64::from(seam.overlap + seam.feather);
    let names = ["left", "right", "top", "bottom"];
    let mut edges = Vec::new();
    for (edge, grown) in layout.grown().into_iter().enumerate() {
        if !grown {
            continue;
        }
        let s = Strip {
            img: out,
            layout,
            edge,
        };
        let (inside, outside, _) = s.extent();
        let at_line = s.step(0);
        // Reference: steps a little way out in the new area and past the band inside.
        let mut reference = Vec::new();
        for k in (1 - outside.min(REFERENCE + 8)).max(1 - outside)..=-8 {
            reference.push(s.step(k));
        }
        let from = band + 8;
        for k in from..(from + REFERENCE).min(inside) {
            reference.push(s.step(k));
        }
        let den = reference.iter().sum::<f64>() / reference.len().max(1) as f64;
        let seam_jump = if den > 0.0 {
            (at_line / den) as f32
        } else if at_line > 0.0 {
            f32::INFINITY
        } else {
            1.0
        };
        let n = residual.edge_n[edge].max(1.0);
        let (mo, mg) = (
            residual.edge_o[edge].map(|v| v / n),
            residual.edge_g[edge].map(|v| v / n),
        );
        let colour_step = (0..3).map(|c| (mo[c] - mg[c]).abs()).fold(0.0, f64::max) as f32;
        let (a, b) = (lab(mo), lab(mg));
        let delta_e = 100.0 * (0..3).map(|c| (a[c] - b[c]).powi(2)).sum::<f32>().sqrt();
        let band_k = band.min(inside);
        let band_sharpness = if band_k > 1 {
            let o = Strip {
                img: original,
                layout: &Layout {
                    x: 0,
                    y: 0,
                    canvas_width: layout.width,
                    canvas_height: layout.height,
                    ..*layout
                },
                edge,
            };
            let (eo, ec) = (o.energy(1, band_k), s.energy(1, band_k));
            if eo > 0.0 {
                (ec / eo) as f32
            } else {
                1.0
            }
        } else {
            0.0
        };
        edges.push(EdgeReport {
            edge: names[edge].into(),
            seam_jump,
            colour_step,
            delta_e,
            band_sharpness,
        });
    }
    let worst = |f: fn(&EdgeReport) -> f32| edges.iter().map(f).fold(0.0, f32::max);
    let with_band: Vec<f32> = edges
        .iter()
        .filter(|e| e.band_sharpness > 0.0)
        .map(|e| e.band_sharpness)
        .collect();
    SeamReport {
        seam_jump: worst(|e| e.seam_jump),
        colour_step: worst(|e| e.colour_step),
        delta_e: worst(|e| e.delta_e),
        band_sharpness: if with_band.is_empty() {
            1.0
        } else {
            with_band.iter().sum::<f32>() / with_band.len() as f32
        },
        residual_cast: if residual.near_n > 0.0 {
            residual.near.map(|s| (s / residual.near_n) as f32)
        } else {
            [0.0; 3]
        },
        overlap_residual: if residual.n > 0.0 {
            (residual.sq / residual.n).sqrt() as f32
        } else {
            0.0
        },
        correction,
        edges,
    }
}
