//! Seam corrections applied to the provider's picture before the blend: a global colour
//! match (tone curves and an Oklab affine map, [`ColourFit`]), then a smooth gain field
//! that carries the remaining difference at the seam out into the generated area (a
//! pull-push membrane), and a
//! detail-preserving band (the field carries the low frequencies, so the original's
//! detail needs only a short ramp). They change the generated pixels only: the original
//! outside the blend band is copied, byte for byte, whatever is enabled.

// Channel arithmetic over parallel arrays reads plainer with indices.
#![allow(clippy::needless_range_loop)]

mod colour;
mod field;
mod oklab;
pub(crate) mod register;

use serde::{Deserialize, Serialize};

pub use colour::ColourFit;
pub use register::Registration;

use crate::geometry::Layout;
use crate::pixels::{ImageRef, Seam, RGBA};
use colour::{Samples, Table};
use field::Field;

pub(crate) use oklab::{decode_table, to_oklab};

/// How the generated area's colour is matched to the original before the blend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColourMatch {
    /// No correction: the plain feathered blend.
    Off,
    /// One gain and offset per Oklab channel over the whole picture.
    Global,
    /// The global match, then a smooth field that removes what remains along the seam
    /// and casts that change across the frame (default).
    #[default]
    Field,
}

crate::names::named_enum!(ColourMatch, "colour match", InvalidOption {
    Off => "off",
    Global => "global",
    Field => "field",
});

/// What the composite corrected, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    /// The colour match used.
    pub colour: ColourMatch,
    /// The global fit (the identity when `colour` is `off`).
    pub fit: ColourFit,
    /// Cell size of the correction field, in canvas pixels (0 without a field).
    pub field_cell: u32,
    /// The largest change the Oklab stage of the fit makes to a colour, in levels (it is
    /// applied only when over 0.75: below, the tone curves alone are used).
    pub oklab_max: f32,
    /// The largest change of gain the field makes, as a factor (0.05: 5%).
    pub field_max: f32,
    /// The registration of the provider's picture to the original (`applied` when it was
    /// mapped back).
    pub registration: Registration,
    /// Width of the ramp the original's detail fades over (the feather when the detail
    /// band is off).
    pub detail_feather: u32,
}

impl Correction {
    /// Nothing corrected: the plain blend with the mask's own `feather`.
    pub fn none(feather: u32) -> Correction {
        Correction {
            colour: ColourMatch::Off,
            fit: ColourFit::identity(),
            oklab_max: 0.0,
            registration: Registration::none(),
            field_cell: 0,
            field_max: 0.0,
            detail_feather: feather,
        }
    }
}

/// The corrections of one composite, ready to apply row by row.
pub(crate) struct Corrector {
    table: Option<Table>,
    field: Option<Field>,
    columns: Vec<(u32, f32)>,
    row: Vec<[f32; 4]>,
    /// The report.
    pub(crate) report: Correction,
}

/// Rows of the provider's picture at canvas size.
pub(crate) trait CanvasRows {
    /// Row `y` of the canvas, `canvas_width * 4` bytes.
    fn canvas_row(&self, y: usize) -> &[u8];
}

impl Corrector {
    /// Estimates the corrections from where both pictures exist: the original's area.
    /// `None` when there is nothing to correct.
    pub(crate) fn estimate(
        original: ImageRef<'_>,
        gen: &impl CanvasRows,
        layout: &Layout,
        seam: &Seam,
        mode: ColourMatch,
        detail: bool,
    ) -> Option<Corrector> {
        if mode == ColourMatch::Off {
            return None;
        }
        let (l, t) = (layout.x as usize, layout.y as usize);
        let (w, h) = (layout.width as usize, layout.height as usize);
        let stride = Samples::stride(w as u64 * h as u64);
        let mut s = Samples::new();
        for y in (0..h).step_by(stride) {
            let (o, g) = (original.row(y as u32), gen.canvas_row(t + y));
            for x in (0..w).step_by(stride) {
                s.push(&o[x * RGBA..][..RGBA], &g[(l + x) * RGBA..][..RGBA]);
            }
        }
        let mut fit = colour::fit(&mut s);
        let table = (!fit.is_identity()).then(|| Table::new(&fit));
        let cell = (seam.feather / 2).clamp(8, 32).max(cell_floor(layout));
        let mut field = (mode == ColourMatch::Field && fit.strength > 0.0).then(|| {
            Field::new(
                cell,
                (layout.canvas_width, layout.canvas_height),
                [layout.x, layout.y, layout.width, layout.height],
            )
        });
        // The field's samples: every pixel of small cells, a regular grid of large ones.
        let step = (cell as usize / 4).max(1);
        let (mut cast, mut n) = ([0.0f64; 3], 0u64);
        for y in (0..h).step_by(step) {
            let (o, g) = (original.row(y as u32), gen.canvas_row(t + y));
            for x in (0..w).step_by(step) {
                let (op, gp) = (&o[x * RGBA..][..RGBA], &g[(l + x) * RGBA..][..RGBA]);
                if op[3] != 255 || gp[3] != 255 {
                    continue;
                }
                let gc = match &table {
                    Some(tb) => tb.get(gp),
                    None => [f32::from(gp[0]), f32::from(gp[1]), f32::from(gp[2]), 0.0],
                };
                for c in 0..3 {
                    cast[c] += f64::from(gc[c] - f32::from(gp[c]));
                }
                n += 1;
                if let Some(f) = &mut field {
                    let o = [op[0], op[1], op[2]].map(f32::from);
                    f.add((l + x) as u32, (t + y) as u32, o, [gc[0], gc[1], gc[2]]);
                }
            }
        }
        if n > 0 {
            fit.cast = cast.map(|c| (c / n as f64) as f32);
        }
        let per_cell = (cell as usize).div_ceil(step) as f32;
        if let Some(f) = &mut field {
            f.solve(per_cell * per_cell, fit.strength);
        }
        let field = field.filter(|f| f.max > 0.0);
        let detail_feather = if detail && field.is_some() {
            seam.feather.div_ceil(8)
        } else {
            seam.feather
        };
        let report = Correction {
            colour: mode,
            oklab_max: table.as_ref().map_or(0.0, |t| t.cross_max),
            fit,
            field_cell: field.as_ref().map_or(0, |_| cell),
            field_max: field.as_ref().map_or(0.0, |f| f.max),
            detail_feather,
            ..Correction::none(seam.feather)
        };
        let columns = field
            .as_ref()
            .map_or_else(Vec::new, |f| f.columns(layout.canvas_width));
        Some(Corrector {
            table,
            field,
            columns,
            row: Vec::new(),
            report,
        })
    }

    /// True when applying changes no pixel.
    pub(crate) fn is_identity(&self) -> bool {
        self.table.is_none() && self.field.is_none()
    }

    /// Prepares canvas row `y`.
    pub(crate) fn start_row(&mut self, y: u32) {
        if let Some(f) = &self.field {
            f.row(y, &mut self.row);
        }
    }

    /// Writes the corrected pixels of canvas columns `x0..` (as many as `src` holds).
    pub(crate) fn apply(&self, x0: usize, src: &[u8], dst: &mut [u8]) {
        let px = src.chunks_exact(RGBA).zip(dst.chunks_exact_mut(RGBA));
        match (&self.table, &self.field) {
            (None, None) => dst.copy_from_slice(src),
            (Some(t), None) => px.for_each(|(s, d)| put(d, t.get(s), s[3])),
            (table, Some(_)) => {
                let last = self.row.len() - 1;
                for (k, (s, d)) in px.enumerate() {
                    let (i, a) = self.columns[x0 + k];
                    let (p, q) = (self.row[i as usize], self.row[(i as usize + 1).min(last)]);
                    let base = match table {
                        Some(t) => t.get(s),
                        None => [f32::from(s[0]), f32::from(s[1]), f32::from(s[2]), 0.0],
                    };
                    let gain = lerp4(p, q, a);
                    put(d, mul4(base, gain), s[3]);
                }
            }
        }
    }
}

/// Four lanes at once (the fourth is padding): the compiler keeps them in one register.
#[inline(always)]
pub(crate) fn lerp4(p: [f32; 4], q: [f32; 4], a: f32) -> [f32; 4] {
    [
        p[0] + (q[0] - p[0]) * a,
        p[1] + (q[1] - p[1]) * a,
        p[2] + (q[2] - p[2]) * a,
        p[3] + (q[3] - p[3]) * a,
    ]
}

#[inline(always)]
fn mul4(p: [f32; 4], q: [f32; 4]) -> [f32; 4] {
    [p[0] * q[0], p[1] * q[1], p[2] * q[2], p[3] * q[3]]
}

/// Rounds three levels into a pixel with alpha `a` ([`level`]: adding 1.5 * 2^23 leaves
/// the rounded integer in the low bits of the float, plain IEEE arithmetic, the same on
/// every door; a saturating `as u8` costs several times more in this loop).
#[inline(always)]
fn put(d: &mut [u8], v: [f32; 4], a: u8) {
    d[0] = level(v[0]);
    d[1] = level(v[1]);
    d[2] = level(v[2]);
    d[3] = a;
}

/// A level in 0..=255 from a float: clamped, rounded to the nearest (ties to even).
#[inline(always)]
pub(crate) fn level(v: f32) -> u8 {
    const MAGIC: f32 = 12_582_912.0;
    (v.clamp(0.0, 255.0) + MAGIC).to_bits() as u8
}

/// The field's cells grow on huge canvases so the grid stays near 512 cells a side.
fn cell_floor(layout: &Layout) -> u32 {
    layout.canvas_width.max(layout.canvas_height).div_ceil(512)
}
