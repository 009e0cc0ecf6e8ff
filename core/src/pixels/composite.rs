//! Compositing: the provider's result mapped back to the full canvas, the original laid
//! over it at full resolution with a feathered blend along the seam.
//!
//! Pixels of the original outside the blend band are copied, so they come back
//! byte-identical; inside the band `out = round((o * (255 - a) + g * a) / 255)` with `a`
//! the same profile the mask used (or, with the detail band, its short version), and `g`
//! the provider's picture after the colour match and the seam field
//! ([`SeamOptions::colour`]).

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Rgba};

use crate::error::{bail, Result};
use crate::geometry::Layout;
use crate::limits::Limits;
use crate::pixels::blend::{register, CanvasRows, Corrector};
use crate::pixels::report::{measure, Residual};
use crate::pixels::{check_out, Correction, Image, ImageRef, Registration, Rows, RGBA};
use crate::pixels::{Seam, SeamOptions, SeamReport};
use crate::plan::Plan;

/// Rows of a canvas-sized picture: either a crop of the provider's result (no copy) or a
/// resampled copy.
struct Generated<'a> {
    data: &'a [u8],
    stride: usize,
    x: usize,
    y: usize,
    width: usize,
}

impl Generated<'_> {
    #[inline]
    fn row(&self, y: usize) -> &[u8] {
        let start = (self.y + y) * self.stride + self.x * RGBA;
        &self.data[start..start + self.width * RGBA]
    }
}

impl CanvasRows for Generated<'_> {
    fn canvas_row(&self, y: usize) -> &[u8] {
        self.row(y)
    }
}

/// Maps a provider result (any size) back onto the full-resolution canvas of `plan`,
/// cropping the extra padding and resampling when the scale is not 1.
pub fn map_back(result: ImageRef<'_>, plan: &Plan, limits: &Limits) -> Result<Image> {
    let (cw, ch) = (plan.expansion.new_width, plan.expansion.new_height);
    limits.check_canvas(cw, ch)?;
    let resampled = if maps_as_is(result, plan) {
        0
    } else {
        crate::budget::resize((result.width(), result.height()), (cw, ch))
    };
    limits.check_memory("mapping back", resampled + crate::budget::picture(cw, ch))?;
    let mut scratch = None;
    let g = generated(result, plan, &mut scratch)?;
    let mut data =
        crate::pixels::image::room((cw as usize * RGBA).checked_mul(ch as usize), || {
            format!("the mapped-back {cw}x{ch} picture")
        })?;
    for y in 0..ch as usize {
        data.extend_from_slice(g.row(y));
    }
    Image::from_rgba(cw, ch, data)
}

/// Working memory of a composite of `result` for `plan` (with its output when `owned`).
fn memory(original: ImageRef<'_>, result: ImageRef<'_>, plan: &Plan, owned: bool) -> u64 {
    let e = &plan.expansion;
    crate::budget::composite(
        (result.width(), result.height()),
        (e.new_width, e.new_height),
        (original.width(), original.height()),
        !maps_as_is(result, plan),
        owned,
    )
}

/// True when `result` maps back onto the canvas by cropping alone (no resampling).
fn maps_as_is(result: ImageRef<'_>, plan: &Plan) -> bool {
    let (cw, ch) = (plan.expansion.new_width, plan.expansion.new_height);
    let c = plan.content;
    result.width() == plan.size.width
        && result.height() == plan.size.height
        && c.width == cw
        && c.height == ch
}

fn generated<'a>(
    result: ImageRef<'a>,
    plan: &Plan,
    scratch: &'a mut Option<Image>,
) -> Result<Generated<'a>> {
    let (cw, ch) = (plan.expansion.new_width, plan.expansion.new_height);
    let c = plan.content;
    if maps_as_is(result, plan) {
        return Ok(Generated {
            data: result.data(),
            stride: result.width() as usize * RGBA,
            x: c.x as usize,
            y: c.y as usize,
            width: cw as usize,
        });
    }
    // Where the content sits in the result, proportionally.
    let fx = f64::from(result.width()) / f64::from(plan.size.width);
    let fy = f64::from(result.height()) / f64::from(plan.size.height);
    let x0 = (f64::from(c.x) * fx).round() as u32;
    let y0 = (f64::from(c.y) * fy).round() as u32;
    let x1 = ((f64::from(c.x + c.width) * fx).round() as u32).clamp(x0 + 1, result.width());
    let y1 = ((f64::from(c.y + c.height) * fy).round() as u32).clamp(y0 + 1, result.height());
    if x0 >= result.width() || y0 >= result.height() {
        bail!(
            InvalidDimensions,
            "result {}x{} is too small to hold the plan's content",
            result.width(),
            result.height()
        );
    }
    let buf: ImageBuffer<Rgba<u8>, &[u8]> =
        ImageBuffer::from_raw(result.width(), result.height(), result.data())
            .expect("ImageRef guarantees the length");
    let view = imageops::crop_imm(&buf, x0, y0, x1 - x0, y1 - y0);
    let resized = imageops::resize(&*view, cw, ch, FilterType::Triangle);
    let img = scratch.insert(Image::from_rgba(cw, ch, resized.into_raw())?);
    Ok(Generated {
        data: img.data(),
        stride: cw as usize * RGBA,
        x: 0,
        y: 0,
        width: cw as usize,
    })
}

/// Composites `result` (the provider's picture for `plan`, any size) with `original` at
/// full resolution. Returns the canvas and the effective seam.
pub fn composite(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    limits: &Limits,
) -> Result<(Image, Seam)> {
    let c = composite_corrected(original, result, plan, seam, limits)?;
    Ok((c.image, c.seam))
}

/// A composite and what it corrected.
#[derive(Debug, Clone)]
pub struct Composited {
    /// The canvas.
    pub image: Image,
    /// The effective seam.
    pub seam: Seam,
    /// The corrections made (`colour: off` and an identity fit when none were asked).
    pub correction: Correction,
}

/// Like [`composite`], and also says what the colour match and the seam field did.
pub fn composite_corrected(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    limits: &Limits,
) -> Result<Composited> {
    composite_owned(original, result, plan, seam, limits, None)
}

/// The composite in a new image, the residuals summed into `residual` when given.
fn composite_owned(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    limits: &Limits,
    residual: Option<&mut Residual>,
) -> Result<Composited> {
    let e = &plan.expansion;
    limits.check_canvas(e.new_width, e.new_height)?;
    limits.check_memory("this composite", memory(original, result, plan, true))?;
    let mut rows = Rows::grow(e.new_height as usize, e.new_width as usize * RGBA)?;
    let (s, correction) = composite_rows(original, result, plan, seam, &mut rows, residual)?;
    Ok(Composited {
        image: Image::from_rgba(e.new_width, e.new_height, rows.into_vec())?,
        seam: s,
        correction,
    })
}

/// Like [`composite_corrected`], and also measures the seam ([`SeamReport`]).
pub fn composite_reported(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    limits: &Limits,
) -> Result<(Composited, SeamReport)> {
    let mut residual = Residual::default();
    let c = composite_owned(original, result, plan, seam, limits, Some(&mut residual))?;
    let report = measure(
        original,
        c.image.view(),
        &Layout::of(&plan.expansion),
        &c.seam,
        &residual,
        c.correction,
    );
    Ok((c, report))
}

/// The seam report of compositing `result` with `original` under `seam`: how visible the
/// seam is and what the corrections did (the composite itself is dropped).
pub fn seam_report(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    limits: &Limits,
) -> Result<SeamReport> {
    Ok(composite_reported(original, result, plan, seam, limits)?.1)
}

/// Like [`composite`], but writes into a caller-provided `new_width * new_height * 4`
/// buffer. With the plain blend and a result that needs no resampling nothing is
/// allocated but two profiles; the colour corrections add a small grid, a colour table
/// and one row, and a frame that registration maps back one canvas-sized picture.
pub fn composite_into(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    out: &mut [u8],
) -> Result<Seam> {
    let e = &plan.expansion;
    check_out(out.len(), e.new_width, e.new_height, RGBA)?;
    let (s, _) = composite_rows(
        original,
        result,
        plan,
        seam,
        &mut Rows::slice(out, e.new_width as usize * RGBA),
        None,
    )?;
    Ok(s)
}

/// Writes the composite top to bottom, each row once.
fn composite_rows(
    original: ImageRef<'_>,
    result: ImageRef<'_>,
    plan: &Plan,
    seam: &SeamOptions,
    out: &mut Rows<'_>,
    mut residual: Option<&mut Residual>,
) -> Result<(Seam, Correction)> {
    let e = &plan.expansion;
    if original.width() != e.width() || original.height() != e.height() {
        bail!(
            InvalidDimensions,
            "original is {}x{} but the plan was made for {}x{}",
            original.width(),
            original.height(),
            e.width(),
            e.height()
        );
    }
    let layout = Layout::of(e);
    let eff = layout.seam(seam)?;
    let mut scratch = None;
    let gen = generated(result, plan, &mut scratch)?;
    // Registration first: everything after reads the picture mapped back.
    let registration = if seam.register {
        register::estimate(original, &gen, &layout)
    } else {
        Registration::none()
    };
    let warped = if registration.applied {
        Some(register::warp(&gen, &layout, &registration)?)
    } else {
        None
    };
    let gen = match &warped {
        Some(img) => Generated {
            data: img.data(),
            stride: e.new_width as usize * RGBA,
            x: 0,
            y: 0,
            width: e.new_width as usize,
        },
        None => gen,
    };
    let mut fix = Corrector::estimate(original, &gen, &layout, &eff, seam.colour, seam.detail);
    let correction = Correction {
        registration,
        ..fix
            .as_ref()
            .map_or(Correction::none(eff.feather), |f| f.report)
    };
    if fix.as_ref().is_some_and(Corrector::is_identity) {
        fix = None;
    }
    // The blend's ramp: the mask's, or its short version when the field carries the low
    // frequencies.
    let blend_seam = Seam {
        feather: correction.detail_feather,
        ..eff
    };
    let prof = layout.profiles(&blend_seam, true);

    let (cw, l, w, top, h) = (
        e.new_width as usize,
        e.left as usize,
        e.width() as usize,
        e.top as usize,
        e.height() as usize,
    );
    // Runs of the horizontal profile over the original's columns.
    let hin = &prof.h[l..l + w];
    let runs = runs(hin);
    // Canvas columns that need the provider's pixels on rows outside the vertical band.
    let mut needed: Vec<(usize, usize)> = vec![(0, l)];
    needed.extend(
        runs.iter()
            .filter(|r| r.2 != Run::Keep)
            .map(|&(a, b, _)| (l + a, l + b)),
    );
    needed.push((l + w, cw));
    // The same weights once per channel, so blending is byte by byte.
    let weights: Vec<u8> = hin.iter().flat_map(|&a| [a; RGBA]).collect();
    let mut fixed = if fix.is_some() {
        vec![0u8; cw * RGBA]
    } else {
        Vec::new()
    };
    for y in 0..e.new_height as usize {
        let inside = y >= top && y < top + h && prof.v[y] != 255;
        let raw = gen.row(y);
        let g: &[u8] = match &mut fix {
            None => raw,
            Some(f) => {
                f.start_row(y as u32);
                let spans: &[(usize, usize)] = if inside && prof.v[y] == 0 && residual.is_none() {
                    &needed
                } else {
                    &[(0, cw)]
                };
                for &(a, b) in spans {
                    let (a4, b4) = (a * RGBA, b * RGBA);
                    f.apply(a, &raw[a4..b4], &mut fixed[a4..b4]);
                }
                &fixed
            }
        };
        if let Some(r) = residual.as_deref_mut() {
            if y >= top && y < top + h && (y - top) % 2 == 0 {
                let o = original.row((y - top) as u32);
                let gm = &g[l * RGBA..(l + w) * RGBA];
                let yy = (y - top) as u32;
                for x in (0..w).step_by(2) {
                    r.add(
                        &layout,
                        x as u32,
                        yy,
                        &o[x * RGBA..][..RGBA],
                        &gm[x * RGBA..][..RGBA],
                    );
                }
            }
        }
        out.next(|row| {
            if !inside {
                row.copy_from_slice(g);
                return;
            }
            let o = original.row((y - top) as u32);
            let (gl, rest) = g.split_at(l * RGBA);
            let (gm, gr) = rest.split_at(w * RGBA);
            let (dl, rest) = row.split_at_mut(l * RGBA);
            let (dm, dr) = rest.split_at_mut(w * RGBA);
            dl.copy_from_slice(gl);
            dr.copy_from_slice(gr);
            let v = prof.v[y];
            if v == 0 {
                for &(start, end, kind) in &runs {
                    let (a, b) = (start * RGBA, end * RGBA);
                    match kind {
                        Run::Keep => dm[a..b].copy_from_slice(&o[a..b]),
                        Run::Generate => dm[a..b].copy_from_slice(&gm[a..b]),
                        Run::Blend => blend(&mut dm[a..b], &o[a..b], &gm[a..b], &weights[a..b], 0),
                    }
                }
            } else {
                blend(dm, o, gm, &weights, v);
            }
        });
    }
    Ok((eff, correction))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    Keep,
    Generate,
    Blend,
}

fn runs(p: &[u8]) -> Vec<(usize, usize, Run)> {
    let kind = |v: u8| match v {
        0 => Run::Keep,
        255 => Run::Generate,
        _ => Run::Blend,
    };
    let mut out: Vec<(usize, usize, Run)> = Vec::new();
    for (i, &v) in p.iter().enumerate() {
        let k = kind(v);
        match out.last_mut() {
            Some(last) if last.2 == k => last.1 = i + 1,
            _ => out.push((i, i + 1, k)),
        }
    }
    out
}

/// `dst = round((o * (255 - w) + g * w) / 255)` byte by byte, `w = max(weight, floor)`,
/// with `weights` holding each pixel's alpha once per channel. Lane by lane in 16 bits
/// (`o (255 - w) + g w + 128 <= 65153`, and the rounding step `t + (t >> 8)` stays below
/// 65536), so the loop vectorises.
#[inline]
fn blend(dst: &mut [u8], o: &[u8], g: &[u8], weights: &[u8], floor: u8) {
    for (((d, &o), &g), &w) in dst.iter_mut().zip(o).zip(g).zip(weights) {
        *d = mix255(o, g, u16::from(w.max(floor)));
    }
}

/// `round((o (255 - a) + g a) / 255)` for `a <= 255`, in 16 bits.
#[inline(always)]
fn mix255(o: u8, g: u8, a: u16) -> u8 {
    let t = u16::from(o) * (255 - a) + u16::from(g) * a + 128;
    ((t + (t >> 8)) >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::Curve;
    use crate::plan::{fit, Profile};
    use crate::{expand, Anchor, ErrorCode, Target};

    fn setup(t: &str, profile: Profile) -> (Image, Plan) {
        let mut d = Vec::new();
        for i in 0..(8 * 4) as u32 {
            d.extend_from_slice(&[(i * 7) as u8, (i * 3) as u8, 200, 255]);
        }
        let orig = Image::from_rgba(8, 4, d).unwrap();
        let target: Target = t.parse().unwrap();
        let e = expand(8, 4, &target, Anchor::Center).unwrap();
        (orig, fit(&e, &target, &profile).unwrap())
    }

    fn seam(feather: u32) -> SeamOptions {
        SeamOptions::plain(feather, 0, Curve::Linear)
    }

    #[test]
    fn allocating_and_into_forms_write_the_same_rows() {
        for (t, profile) in [
            ("16:9", Profile::full()),
            ("9:16", Profile::full()),
            ("1:1", Profile::full()),
        ] {
            let (orig, plan) = setup(t, profile);
            let e = &plan.expansion;
            let gen = Image::filled(
                e.new_width,
                e.new_height,
                [200, 10, 90, 255],
                &Limits::default(),
            )
            .unwrap();
            let (a, _) =
                composite(orig.view(), gen.view(), &plan, &seam(2), &Limits::default()).unwrap();
            let mut b = vec![7u8; a.data().len()];
            composite_into(orig.view(), gen.view(), &plan, &seam(2), &mut b).unwrap();
            assert_eq!(a.data(), &b[..], "{t}");
        }
    }

    #[test]
    fn blend_rounds_exactly() {
        let mut d = [0u8; 4];
        blend(&mut d, &[10, 0, 255, 255], &[20, 255, 0, 255], &[128; 4], 0);
        // (10*127 + 20*128)/255 = 15.02; 255*128/255 = 128; 255*127/255 = 127.
        assert_eq!(d, [15, 128, 127, 255]);
        blend(&mut d, &[1, 2, 3, 4], &[9, 9, 9, 9], &[0; 4], 0);
        assert_eq!(d, [1, 2, 3, 4]);
        blend(&mut d, &[1, 2, 3, 4], &[9, 9, 9, 9], &[255; 4], 0);
        assert_eq!(d, [9, 9, 9, 9]);
        // The floor lifts every weight (rows inside the vertical band).
        d = [0; 4];
        blend(&mut d, &[1, 2, 3, 4], &[9, 9, 9, 9], &[0; 4], 255);
        assert_eq!(d, [9, 9, 9, 9]);
    }

    #[test]
    fn mix255_is_the_rounded_quotient_everywhere() {
        // 16-bit arithmetic must not overflow anywhere: every (o, g, a).
        for a in 0..=255u16 {
            for o in 0..=255u8 {
                for g in 0..=255u8 {
                    let exact = u32::from(o) * (255 - u32::from(a)) + u32::from(g) * u32::from(a);
                    let want = ((exact + 127) / 255) as u8;
                    assert_eq!(mix255(o, g, a), want, "o {o} g {g} a {a}");
                }
            }
        }
    }

    #[test]
    fn original_outside_the_band_is_byte_identical() {
        let (orig, plan) = setup("edges:4,4,0,0", Profile::full());
        let result = Image::filled(16, 4, [1, 2, 3, 255], &Limits::default()).unwrap();
        let (out, s) = composite(
            orig.view(),
            result.view(),
            &plan,
            &seam(2),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(s.feather, 2);
        for y in 0..4 {
            // New area: the result.
            assert_eq!(out.pixel(0, y), [1, 2, 3, 255]);
            assert_eq!(out.pixel(15, y), [1, 2, 3, 255]);
            // Band: ramp(2, linear) = [170, 85] from each side.
            let o = orig.pixel(0, y);
            let want = |o: u8, g: u8, a: u32| {
                ((u32::from(o) * (255 - a) + u32::from(g) * a + 127) / 255) as u8
            };
            assert_eq!(out.pixel(4, y)[0], want(o[0], 1, 170));
            // Middle: untouched.
            for x in 2..6 {
                assert_eq!(out.pixel(4 + x, y), orig.pixel(x, y));
            }
        }
    }

    #[test]
    fn scaled_results_map_back() {
        // openai sends 1536x1024 for a 16:9 canvas; a result of half that size still maps.
        let target: Target = "16:9".parse().unwrap();
        let e = expand(64, 64, &target, Anchor::Center).unwrap();
        let plan = fit(&e, &target, &"openai".parse::<Profile>().unwrap()).unwrap();
        let orig = Image::filled(64, 64, [50, 60, 70, 255], &Limits::default()).unwrap();
        let result = Image::filled(768, 512, [5, 6, 7, 255], &Limits::default()).unwrap();
        let (out, _) = composite(
            orig.view(),
            result.view(),
            &plan,
            &seam(0),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((out.width(), out.height()), (114, 64));
        assert_eq!(out.pixel(0, 0), [5, 6, 7, 255]);
        assert_eq!(out.pixel(60, 30), [50, 60, 70, 255]);
        let back = map_back(result.view(), &plan, &Limits::default()).unwrap();
        assert_eq!((back.width(), back.height()), (114, 64));
    }

    #[test]
    fn crop_of_flux_padding_is_exact() {
        // flux-fill pads 12x4 (edges 2,2) to 16x16: padding is cropped, not resampled.
        let (orig, plan) = setup("edges:2,2,0,0", "flux-fill".parse::<Profile>().unwrap());
        assert_eq!((plan.size.width, plan.size.height), (16, 16));
        let mut d = Vec::new();
        for y in 0..16u8 {
            for x in 0..16u8 {
                d.extend_from_slice(&[x, y, 0, 255]);
            }
        }
        let result = Image::from_rgba(16, 16, d).unwrap();
        let (out, _) = composite(
            orig.view(),
            result.view(),
            &plan,
            &seam(0),
            &Limits::default(),
        )
        .unwrap();
        let c = plan.content;
        assert_eq!(out.pixel(0, 0), [c.x as u8, c.y as u8, 0, 255]);
        assert_eq!(
            out.pixel(11, 3),
            [(c.x + 11) as u8, (c.y + 3) as u8, 0, 255]
        );
        assert_eq!(out.pixel(2, 0), orig.pixel(0, 0));
    }

    #[test]
    fn wrong_original_is_an_error() {
        let (_, plan) = setup("16:9", Profile::full());
        let other = Image::filled(3, 3, [0; 4], &Limits::default()).unwrap();
        assert_eq!(
            composite(
                other.view(),
                other.view(),
                &plan,
                &seam(0),
                &Limits::default()
            )
            .unwrap_err()
            .code(),
            ErrorCode::InvalidDimensions
        );
    }
}
