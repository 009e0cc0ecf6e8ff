//! Masks (255 = generate, 0 = keep): binary, feathered, inverted, and alpha canvases.
//!
//! Every mask is `max(h[x], v[y])` of two one-dimensional profiles, one across the
//! canvas width and one down its height: outside the original a profile is 255; inside,
//! along expanded edges only, it holds `overlap` pixels of 255 then a `feather`-pixel ramp
//! down to 0. Building a mask is therefore one write pass whose cost does not depend on
//! the feather width, and the compositor blends with the very same profiles.

use serde::{Deserialize, Serialize};

use crate::error::{bail, Result};
use crate::geometry::Layout;
use crate::pixels::{check_out, ColourMatch, Image, Mask, Rows, RGBA};

/// Largest feather or overlap accepted, in pixels.
pub const MAX_SEAM: u32 = 65_536;

/// The shape of a feather ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Curve {
    /// Straight line.
    Linear,
    /// `3t² - 2t³`: flat at both ends, the smoothest seam (default).
    #[default]
    Smoothstep,
    /// `t²`: stays close to "generate" longer, then drops.
    Quadratic,
}

crate::names::named_enum!(Curve, "feather curve", InvalidOption {
    Linear => "linear",
    Smoothstep => "smoothstep",
    Quadratic => "quadratic",
});

impl Curve {
    /// Ramp value for step `k` of `n` (`1 <= k < n`): `round_half_up(255 * (1 - c(k/n)))`,
    /// in exact integer arithmetic so every surface produces the same bytes.
    fn value(self, k: u64, n: u64) -> u8 {
        let (num, den) = match self {
            Curve::Linear => (n - k, n),
            Curve::Quadratic => (n * n - k * k, n * n),
            Curve::Smoothstep => (n * n * n - k * k * (3 * n - 2 * k), n * n * n),
        };
        ((2 * 255 * num + den) / (2 * den)) as u8
    }
}

/// Which kind of mask to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MaskKind {
    /// Greyscale: 255 generate, the feather ramp, 0 keep (default).
    #[default]
    Feathered,
    /// Only 0 and 255: the new area plus the overlap; no ramp (Recraft rejects grey).
    Binary,
    /// `255 - feathered`: 255 = keep, for providers with the opposite convention.
    Inverted,
    /// No separate mask: the canvas's alpha becomes `min(alpha, 255 - feathered)`, so the
    /// area to paint is transparent (OpenAI's convention).
    Alpha,
}

crate::names::named_enum!(MaskKind, "mask kind", InvalidOption {
    Feathered => "feathered",
    Binary => "binary",
    Inverted => "inverted",
    Alpha => "alpha",
});

/// How the seam between the original and the new area is treated, in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SeamOptions {
    /// Width of the ramp from 255 to 0 inside the original, along expanded edges.
    pub feather: u32,
    /// Pixels of the original, along expanded edges, that are regenerated outright.
    pub overlap: u32,
    /// Shape of the ramp.
    pub curve: Curve,
    /// How the composite matches the generated area's colour to the original (default
    /// `field`). Masks ignore it.
    pub colour: ColourMatch,
    /// With the `field` match, the original keeps its detail inside the band: the field
    /// already carries the low frequencies, so the blend fades over an eighth of the
    /// feather (default on). Masks ignore it.
    pub detail: bool,
    /// Registers the provider's picture to the original first: a shift of up to 8 px and
    /// a scale within 3 %, estimated where both exist, applied when it clearly helps
    /// (default on). Masks ignore it.
    pub register: bool,
}

impl Default for SeamOptions {
    fn default() -> Self {
        SeamOptions {
            feather: 0,
            overlap: 0,
            curve: Curve::default(),
            colour: ColourMatch::default(),
            detail: true,
            register: true,
        }
    }
}

impl SeamOptions {
    /// The plain feathered blend, with no correction: `round((o (255 - a) + g a) / 255)`
    /// with `a` the mask's own ramp.
    pub fn plain(feather: u32, overlap: u32, curve: Curve) -> SeamOptions {
        SeamOptions {
            feather,
            overlap,
            curve,
            colour: ColourMatch::Off,
            detail: false,
            register: false,
        }
    }
}

impl SeamOptions {
    /// Checks the option ranges (`INVALID_OPTION` beyond [`MAX_SEAM`]).
    pub fn validate(&self) -> Result<()> {
        if self.feather > MAX_SEAM || self.overlap > MAX_SEAM {
            bail!(
                InvalidOption,
                "feather ({}) and overlap ({}) must be at most {MAX_SEAM} px",
                self.feather,
                self.overlap
            );
        }
        Ok(())
    }
}

/// The seam actually used: asked values and the effective ones after clamping to what
/// fits inside the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seam {
    /// Feather asked for.
    pub feather_requested: u32,
    /// Feather used (smaller when the image is too small for the asked value).
    pub feather: u32,
    /// Overlap asked for.
    pub overlap_requested: u32,
    /// Overlap used.
    pub overlap: u32,
    /// Curve used.
    pub curve: Curve,
}

impl Seam {
    /// True when the asked feather or overlap did not fit and was reduced.
    pub fn clamped(&self) -> bool {
        self.feather != self.feather_requested || self.overlap != self.overlap_requested
    }
}

impl Layout {
    /// Clamps the seam so the bands from opposite edges never meet: on an axis with `n`
    /// expanded edges, `overlap + feather <= side / n`.
    pub fn seam(&self, opts: &SeamOptions) -> Result<Seam> {
        opts.validate()?;
        let [l, r, t, b] = self.grown();
        let mut room = u32::MAX;
        for (n, side) in [
            (l as u32 + r as u32, self.width),
            (t as u32 + b as u32, self.height),
        ] {
            if let Some(per_edge) = side.checked_div(n) {
                room = room.min(per_edge);
            }
        }
        let overlap = opts.overlap.min(room);
        let feather = opts.feather.min(room - overlap);
        Ok(Seam {
            feather_requested: opts.feather,
            feather,
            overlap_requested: opts.overlap,
            overlap,
            curve: opts.curve,
        })
    }

    /// The two profiles for a seam (already clamped by [`Layout::seam`]).
    pub(crate) fn profiles(&self, seam: &Seam, ramp_on: bool) -> Profiles {
        let [l, r, t, b] = self.grown();
        let feather = if ramp_on { seam.feather } else { 0 };
        let lut = ramp(feather, seam.curve);
        Profiles {
            h: profile(
                self.canvas_width,
                self.x,
                self.width,
                l,
                r,
                seam.overlap,
                &lut,
            ),
            v: profile(
                self.canvas_height,
                self.y,
                self.height,
                t,
                b,
                seam.overlap,
                &lut,
            ),
        }
    }
}

/// The ramp values from the new area inwards: `lut[i]` for the `i`-th feather pixel.
pub(crate) fn ramp(feather: u32, curve: Curve) -> Vec<u8> {
    let n = u64::from(feather) + 1;
    (1..n).map(|k| curve.value(k, n)).collect()
}

fn profile(
    len: u32,
    start: u32,
    size: u32,
    grown_start: bool,
    grown_end: bool,
    overlap: u32,
    lut: &[u8],
) -> Vec<u8> {
    let mut p = vec![255u8; len as usize];
    let inner = &mut p[start as usize..(start + size) as usize];
    inner.fill(0);
    let band: Vec<u8> = std::iter::repeat_n(255u8, overlap as usize)
        .chain(lut.iter().copied())
        .collect();
    let n = band.len().min(inner.len());
    if grown_start {
        for (dst, &v) in inner[..n].iter_mut().zip(&band) {
            *dst = (*dst).max(v);
        }
    }
    if grown_end {
        for (dst, &v) in inner.iter_mut().rev().zip(&band[..n]) {
            *dst = (*dst).max(v);
        }
    }
    p
}

/// A mask as two profiles: `value(x, y) = max(h[x], v[y])`.
pub(crate) struct Profiles {
    pub h: Vec<u8>,
    pub v: Vec<u8>,
}

impl Profiles {
    /// Writes one mask row.
    #[inline]
    pub(crate) fn write_row(&self, y: usize, row: &mut [u8]) {
        match self.v[y] {
            255 => row.fill(255),
            0 => row.copy_from_slice(&self.h),
            v => {
                for (d, &hv) in row.iter_mut().zip(&self.h) {
                    *d = hv.max(v);
                }
            }
        }
    }
}

/// A span of a profile: one repeated byte (`fill`) or bytes to copy.
struct Segment {
    start: usize,
    end: usize,
    fill: Option<u8>,
}

impl Segment {
    /// Runs of one byte at least this long are filled rather than copied.
    const MIN_RUN: usize = 64;

    /// Splits `p` into fills (long runs of one byte) and copies (the rest).
    fn split(p: &[u8]) -> Vec<Segment> {
        let mut out: Vec<Segment> = Vec::new();
        let mut i = 0;
        while i < p.len() {
            let run = p[i..].iter().take_while(|&&b| b == p[i]).count();
            if run >= Self::MIN_RUN {
                out.push(Segment {
                    start: i,
                    end: i + run,
                    fill: Some(p[i]),
                });
            } else {
                match out.last_mut() {
                    Some(last) if last.fill.is_none() => last.end = i + run,
                    _ => out.push(Segment {
                        start: i,
                        end: i + run,
                        fill: None,
                    }),
                }
            }
            i += run;
        }
        out
    }
}

/// Builds a mask for `layout` (use [`Layout::of`] for an [`crate::Expansion`]), returning
/// it with the effective seam.
///
/// `kind` is `Feathered`, `Binary` or `Inverted`; for `Alpha` use [`apply_alpha`].
pub fn build_mask(layout: &Layout, opts: &SeamOptions, kind: MaskKind) -> Result<(Mask, Seam)> {
    layout.check()?;
    let (w, h) = (layout.canvas_width, layout.canvas_height);
    let mut rows = Rows::grow(h as usize, w as usize)?;
    let seam = mask_rows(layout, opts, kind, &mut rows)?;
    Ok((Mask::from_bytes(w, h, rows.into_vec())?, seam))
}

/// Writes a mask into a caller-provided buffer of `canvas_width * canvas_height` bytes
/// (no allocation proportional to the canvas). Returns the effective seam.
pub fn mask_into(
    layout: &Layout,
    opts: &SeamOptions,
    kind: MaskKind,
    out: &mut [u8],
) -> Result<Seam> {
    layout.check()?;
    check_out(out.len(), layout.canvas_width, layout.canvas_height, 1)?;
    mask_rows(
        layout,
        opts,
        kind,
        &mut Rows::slice(out, layout.canvas_width as usize),
    )
}

/// Writes the mask top to bottom, each row once.
fn mask_rows(
    layout: &Layout,
    opts: &SeamOptions,
    kind: MaskKind,
    out: &mut Rows<'_>,
) -> Result<Seam> {
    let (mask, seam) = MaskRows::new(layout, opts, kind)?;
    let prof = &mask.prof;
    let w = layout.canvas_width as usize;
    let segments = Segment::split(&prof.h);
    for y in 0..layout.canvas_height as usize {
        match (prof.v[y], mask.invert) {
            (255, false) => out.fill(w, 255),
            // Rows inside the vertical ramp-free band are the horizontal profile: runs of
            // 255 and 0 are memsets, the ramps copies.
            (0, false) => {
                for sg in &segments {
                    match sg.fill {
                        Some(b) => out.fill(sg.end - sg.start, b),
                        None => out.copy(&prof.h[sg.start..sg.end]),
                    }
                }
            }
            _ => out.next(|row| mask.write(y, row)),
        }
    }
    Ok(seam)
}

/// Any row of a mask, computed on its own: what `prepare_png` streams into the PNG
/// encoder without the mask ever existing whole.
pub(crate) struct MaskRows {
    prof: Profiles,
    invert: bool,
}

impl MaskRows {
    /// The rows of a `kind` mask (not `Alpha`) for `layout`, with the effective seam.
    pub(crate) fn new(
        layout: &Layout,
        opts: &SeamOptions,
        kind: MaskKind,
    ) -> Result<(MaskRows, Seam)> {
        if kind == MaskKind::Alpha {
            bail!(
                InvalidOption,
                "an alpha mask lives in the canvas's alpha channel: use apply_alpha"
            );
        }
        layout.check()?;
        let seam = layout.seam(opts)?;
        let rows = MaskRows {
            prof: layout.profiles(&seam, kind != MaskKind::Binary),
            invert: kind == MaskKind::Inverted,
        };
        Ok((rows, seam))
    }

    /// Writes mask row `y` (`canvas_width` bytes).
    pub(crate) fn write(&self, y: usize, row: &mut [u8]) {
        self.prof.write_row(y, row);
        if self.invert {
            for v in row.iter_mut() {
                *v = 255 - *v;
            }
        }
    }
}

/// Lowers each pixel's alpha to `255 - mask` where that is lower: the pixels to paint
/// become transparent (OpenAI's alpha mask).
pub(crate) fn apply_alpha_row(px_row: &mut [u8], mask_row: &[u8]) {
    for (px, &m) in px_row.chunks_exact_mut(RGBA).zip(mask_row) {
        px[3] = px[3].min(255 - m);
    }
}

/// Makes the area to paint transparent: each pixel's alpha becomes
/// `min(alpha, 255 - mask)` with the feathered mask of `layout`. The canvas must be
/// `canvas_width x canvas_height`.
pub fn apply_alpha(canvas: &mut Image, layout: &Layout, opts: &SeamOptions) -> Result<Seam> {
    layout.check()?;
    check_out(
        canvas.data().len(),
        layout.canvas_width,
        layout.canvas_height,
        RGBA,
    )?;
    let seam = layout.seam(opts)?;
    let prof = layout.profiles(&seam, true);
    let w = layout.canvas_width as usize;
    let mut row = vec![0u8; w];
    for (y, px_row) in canvas.data_mut().chunks_exact_mut(w * RGBA).enumerate() {
        prof.write_row(y, &mut row);
        apply_alpha_row(px_row, &row);
    }
    Ok(seam)
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn profiles_split_into_fills_and_copies() {
        let mut p = vec![255u8; 70];
        p.extend([200, 100]);
        p.extend([0; 64]);
        p.extend([0, 9, 9]);
        p.extend([7; 63]);
        let s = Segment::split(&p);
        let got: Vec<_> = s.iter().map(|g| (g.start, g.end, g.fill)).collect();
        // The 65 zeros are one run; the 63 sevens are too short to fill.
        assert_eq!(
            got,
            [
                (0, 70, Some(255)),
                (70, 72, None),
                (72, 137, Some(0)),
                (137, 202, None)
            ]
        );
        assert!(Segment::split(&[]).is_empty());
    }

    #[test]
    fn layouts_outside_the_canvas_are_refused() {
        let ok = Layout {
            canvas_width: 10,
            canvas_height: 4,
            x: 2,
            y: 0,
            width: 8,
            height: 4,
        };
        assert!(ok.check().is_ok());
        for bad in [
            Layout { x: 3, ..ok },
            Layout { width: 0, ..ok },
            Layout { y: 1, ..ok },
            Layout { x: u32::MAX, ..ok },
            Layout {
                height: u32::MAX,
                ..ok
            },
        ] {
            assert_eq!(
                bad.check().unwrap_err().code(),
                crate::ErrorCode::InvalidDimensions
            );
            let mut out = vec![0; 40];
            let e = mask_into(&bad, &SeamOptions::default(), MaskKind::Feathered, &mut out);
            assert_eq!(e.unwrap_err().code(), crate::ErrorCode::InvalidDimensions);
        }
        // An inconsistent expansion (sides larger than the canvas) is an empty original.
        let e = crate::Expansion {
            left: 10,
            right: 10,
            top: 0,
            bottom: 0,
            new_width: 5,
            new_height: 5,
        };
        assert_eq!(e.width(), 0);
        assert!(Layout::of(&e).check().is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expand, Anchor, ErrorCode};

    fn layout(w: u32, h: u32, t: &str, a: Anchor) -> Layout {
        Layout::of(&expand(w, h, &t.parse().unwrap(), a).unwrap())
    }

    fn opts(feather: u32, overlap: u32, curve: Curve) -> SeamOptions {
        SeamOptions::plain(feather, overlap, curve)
    }

    #[test]
    fn allocating_and_into_forms_write_the_same_rows() {
        for t in ["16:9", "9:16", "edges:3,0,5,1"] {
            for kind in [MaskKind::Feathered, MaskKind::Binary, MaskKind::Inverted] {
                let l = layout(40, 30, t, Anchor::Center);
                let (a, _) = build_mask(&l, &opts(6, 2, Curve::Smoothstep), kind).unwrap();
                let mut b = vec![7u8; a.data().len()];
                mask_into(&l, &opts(6, 2, Curve::Smoothstep), kind, &mut b).unwrap();
                assert_eq!(a.data(), &b[..], "{t} {kind:?}");
            }
        }
    }

    #[test]
    fn ramps_are_exact() {
        assert_eq!(ramp(1, Curve::Linear), [128]);
        assert_eq!(ramp(3, Curve::Linear), [191, 128, 64]);
        assert_eq!(ramp(3, Curve::Smoothstep), [215, 128, 40]);
        assert_eq!(ramp(3, Curve::Quadratic), [239, 191, 112]);
        assert!(ramp(0, Curve::Linear).is_empty());
        // Never increasing; linear stays strictly between keep and generate, while
        // smoothstep is flat at both ends.
        for c in [Curve::Linear, Curve::Smoothstep, Curve::Quadratic] {
            let r = ramp(64, c);
            assert!(r.windows(2).all(|w| w[0] >= w[1]), "{c}");
            assert!(r[0] > 240 && r[63] < 15, "{c}");
        }
        assert!(ramp(64, Curve::Linear).iter().all(|&v| v > 0 && v < 255));
        assert_eq!(ramp(64, Curve::Smoothstep)[0], 255);
    }

    #[test]
    fn binary_mask_has_new_area_and_overlap_only() {
        // 4x2 -> edges 2 left, 0 elsewhere; overlap 1.
        let l = layout(4, 2, "edges:2,0,0,0", Anchor::Center);
        let (m, seam) = build_mask(&l, &opts(2, 1, Curve::Linear), MaskKind::Binary).unwrap();
        assert_eq!(seam.overlap, 1);
        assert_eq!(m.data(), &[255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0]);
        assert!(m.data().iter().all(|&v| v == 0 || v == 255));
    }

    #[test]
    fn feather_only_along_expanded_edges() {
        // 8x4 original, grows right by 2 only: ramp on the right inside edge only.
        let l = layout(8, 4, "edges:0,2,0,0", Anchor::Center);
        let (m, _) = build_mask(&l, &opts(3, 0, Curve::Linear), MaskKind::Feathered).unwrap();
        let row: Vec<u8> = (0..10).map(|x| m.get(x, 0)).collect();
        assert_eq!(row, [0, 0, 0, 0, 0, 64, 128, 191, 255, 255]);
        // Every row the same: top and bottom did not grow.
        for y in 1..4 {
            assert_eq!((0..10).map(|x| m.get(x, y)).collect::<Vec<_>>(), row);
        }
        let (inv, _) = build_mask(&l, &opts(3, 0, Curve::Linear), MaskKind::Inverted).unwrap();
        assert!(inv.data().iter().zip(m.data()).all(|(a, b)| *a == 255 - *b));
    }

    #[test]
    fn corners_take_the_max_of_both_ramps() {
        let l = layout(6, 6, "edges:1,0,1,0", Anchor::Center);
        let (m, _) = build_mask(&l, &opts(2, 0, Curve::Linear), MaskKind::Feathered).unwrap();
        // ramp(2, linear) = [170, 85]
        assert_eq!(m.get(1, 1), 170);
        assert_eq!(m.get(2, 1), 170);
        assert_eq!(m.get(2, 2), 85);
        assert_eq!(m.get(3, 3), 0);
        assert_eq!(m.get(0, 3), 255);
    }

    #[test]
    fn too_wide_feather_is_clamped_and_reported() {
        let l = layout(10, 10, "edges:5,5,0,0", Anchor::Center);
        let (m, seam) =
            build_mask(&l, &opts(100, 2, Curve::Smoothstep), MaskKind::Feathered).unwrap();
        assert_eq!((seam.overlap, seam.feather), (2, 3));
        assert!(seam.clamped());
        // The middle of the original still reaches 0? room = 5 per side, band = 5: the two
        // bands meet exactly in the middle without overlapping.
        let row: Vec<u8> = (0..20).map(|x| m.get(x, 0)).collect();
        assert_eq!(&row[5..10], &[255, 255, 215, 128, 40]);
        assert_eq!(&row[10..15], &[40, 128, 215, 255, 255]);
    }

    #[test]
    fn alpha_canvas_is_transparent_where_generating() {
        let l = layout(2, 1, "edges:1,1,0,0", Anchor::Center);
        let mut c = Image::from_rgba(4, 1, vec![9; 16]).unwrap();
        apply_alpha(&mut c, &l, &opts(0, 0, Curve::Linear)).unwrap();
        let alphas: Vec<u8> = c.data().chunks(4).map(|p| p[3]).collect();
        assert_eq!(alphas, [0, 9, 9, 0]);
    }

    #[test]
    fn bad_options_and_buffers() {
        let l = layout(4, 4, "16:9", Anchor::Center);
        assert_eq!(
            build_mask(&l, &opts(MAX_SEAM + 1, 0, Curve::Linear), MaskKind::Binary)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidOption
        );
        let mut small = vec![0u8; 3];
        assert_eq!(
            mask_into(&l, &SeamOptions::default(), MaskKind::Binary, &mut small)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidDimensions
        );
        assert_eq!(
            "soft".parse::<Curve>().unwrap_err().code(),
            ErrorCode::InvalidOption
        );
    }
}
