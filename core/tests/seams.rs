//! Seam corrections on a real photograph (NASA's astronaut, as scikit-image ships it): a
//! 16:9 region is the ground truth, its centre square the original, and the provider's
//! answer is the whole truth with a colour cast and noise, as a VAE round trip leaves it.

use outpaint_core::pixels::{
    build_mask, composite_corrected, composite_reported, seam_report, ColourMatch, Curve, MaskKind,
};
use outpaint_core::{decode, expand, fit, Anchor, Image, Limits, Profile, SeamOptions, Target};

const W: u32 = 512;
const H: u32 = 288;
const S: u32 = 288;
const L: u32 = (W - S) / 2;

/// The truth (512x288 from the photo's middle rows) and the original (its centre square).
fn scene() -> (Image, Image) {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/images/astronaut.png"
    ))
    .unwrap();
    let photo = decode(&bytes, &Limits::default()).unwrap();
    let y0 = (photo.height() - H) / 2;
    let truth = photo
        .view()
        .crop(outpaint_core::geometry::Rect {
            x: 0,
            y: y0,
            width: W,
            height: H,
        })
        .unwrap();
    let orig = truth
        .view()
        .crop(outpaint_core::geometry::Rect {
            x: L,
            y: 0,
            width: S,
            height: H,
        })
        .unwrap();
    (truth, orig)
}

/// The provider's answer: the truth softened by a [1 2 1] / 4 blur each way, then
/// R x (1 + 1.5s), G x (1 + s), B x (1 + 0.5s) and plus or minus 2 levels of noise (a
/// fixed sequence), where `s` goes from `s0` at the left to `s1` at the right.
fn provider(truth: &Image, s0: f32, s1: f32) -> Image {
    let at = |x: i64, y: i64, c: usize| {
        let (x, y) = (x.clamp(0, W as i64 - 1), y.clamp(0, H as i64 - 1));
        u32::from(truth.pixel(x as u32, y as u32)[c])
    };
    let mut d = truth.data().to_vec();
    for y in 0..H as i64 {
        for x in 0..W as i64 {
            for c in 0..3 {
                let mut s = 0;
                for (dy, wy) in [(-1, 1), (0, 2), (1, 1)] {
                    for (dx, wx) in [(-1, 1), (0, 2), (1, 1)] {
                        s += wy * wx * at(x + dx, y + dy, c);
                    }
                }
                d[((y * W as i64 + x) * 4) as usize + c] = ((s + 8) / 16) as u8;
            }
        }
    }
    let mut seed = 12345u32;
    for (i, px) in d.chunks_exact_mut(4).enumerate() {
        let x = (i as u32 % W) as f32 / (W - 1) as f32;
        let s = s0 + (s1 - s0) * x;
        for (c, k) in [1.5f32, 1.0, 0.5].iter().enumerate() {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let noise = ((seed >> 16) % 5) as f32 - 2.0;
            px[c] = (f32::from(px[c]) * (1.0 + k * s) + noise)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    Image::from_rgba(W, H, d).unwrap()
}

fn plan() -> outpaint_core::Plan {
    let t: Target = "16:9".parse().unwrap();
    let e = expand(S, H, &t, Anchor::Center).unwrap();
    assert_eq!((e.new_width, e.new_height, e.left), (W, H, L));
    fit(&e, &t, &Profile::full()).unwrap()
}

fn opts(feather: u32, colour: ColourMatch, detail: bool) -> SeamOptions {
    SeamOptions {
        feather,
        overlap: 0,
        curve: Curve::Smoothstep,
        colour,
        detail,
        register: true,
    }
}

/// Mean of `out - truth` over the new area, per channel.
fn cast_in_new_area(out: &Image, truth: &Image) -> [f32; 3] {
    let mut s = [0.0f64; 3];
    let mut n = 0.0;
    for y in 0..H {
        for x in (0..L).chain(L + S..W) {
            let (a, b) = (out.pixel(x, y), truth.pixel(x, y));
            for c in 0..3 {
                s[c] += f64::from(a[c]) - f64::from(b[c]);
            }
            n += 1.0;
        }
    }
    s.map(|v| (v / n) as f32)
}

/// The low-frequency step at the left and right seams, against the truth: the largest
/// channel change of the row-averaged signed residual between 4-px strips either side of
/// any column from 8 px outside to 40 px inside.
fn step_against_truth(out: &Image, truth: &Image) -> f32 {
    let col = |x: u32| -> [f64; 3] {
        let mut s = [0.0f64; 3];
        for y in 0..H {
            let (a, b) = (out.pixel(x, y), truth.pixel(x, y));
            for c in 0..3 {
                s[c] += f64::from(a[c]) - f64::from(b[c]);
            }
        }
        s.map(|v| v / f64::from(H))
    };
    let strip = |x0: u32| -> [f64; 3] {
        let mut s = [0.0f64; 3];
        for x in x0..x0 + 4 {
            let c = col(x);
            for k in 0..3 {
                s[k] += c[k] / 4.0;
            }
        }
        s
    };
    let mut worst = 0.0f64;
    for s in (L - 8)..(L + 40) {
        let (a, b) = (strip(s - 4), strip(s));
        for c in 0..3 {
            worst = worst.max((a[c] - b[c]).abs());
        }
        // The right seam, mirrored.
        let r = W - s;
        let (a, b) = (strip(r), strip(r - 4));
        for c in 0..3 {
            worst = worst.max((a[c] - b[c]).abs());
        }
    }
    worst as f32
}

#[test]
fn the_original_outside_the_band_is_byte_identical_with_everything_on() {
    let (truth, orig) = scene();
    let plan = plan();
    let result = provider(&truth, 0.08, 0.16);
    for feather in [0, 16, 32] {
        for colour in [ColourMatch::Off, ColourMatch::Global, ColourMatch::Field] {
            for detail in [false, true] {
                let o = opts(feather, colour, detail);
                let c =
                    composite_corrected(orig.view(), result.view(), &plan, &o, &Limits::default())
                        .unwrap();
                let layout = outpaint_core::geometry::Layout::of(&plan.expansion);
                let (mask, _) = build_mask(&layout, &o, MaskKind::Feathered).unwrap();
                let mut kept = 0;
                for y in 0..H {
                    for x in L..L + S {
                        if mask.get(x, y) == 0 {
                            assert_eq!(
                                c.image.pixel(x, y),
                                orig.pixel(x - L, y),
                                "{feather} {colour} {detail} at {x},{y}"
                            );
                            kept += 1;
                        }
                    }
                }
                assert_eq!(kept, (S - 2 * feather) * H);
            }
        }
    }
}

#[test]
fn the_cast_is_removed_from_the_new_area_and_the_seam() {
    let (truth, orig) = scene();
    let plan = plan();
    let result = provider(&truth, 0.08, 0.08);
    let run = |colour| {
        composite_reported(
            orig.view(),
            result.view(),
            &plan,
            &opts(32, colour, true),
            &Limits::default(),
        )
        .unwrap()
    };
    let (off, off_report) = run(ColourMatch::Off);
    let (field, report) = run(ColourMatch::Field);
    let (global, _) = run(ColourMatch::Global);
    let before = cast_in_new_area(&off.image, &truth);
    // The plain blend keeps the cast: red about 1.5 x 8% of the mean level.
    assert!(before[0] > 6.0 && before[2] > 1.0, "{before:?}");
    for (name, c) in [("field", &field), ("global", &global)] {
        let after = cast_in_new_area(&c.image, &truth);
        for k in 0..3 {
            assert!(after[k].abs() < 1.0, "{name} {k}: {after:?}");
        }
    }
    let (s_off, s_field) = (
        step_against_truth(&off.image, &truth),
        step_against_truth(&field.image, &truth),
    );
    assert!(s_off > 4.0, "plain blend step {s_off}");
    let s_global = step_against_truth(&global.image, &truth);
    // (4.45, 1.30 and 1.37 levels when written.)
    assert!(
        s_global < 0.35 * s_off,
        "global step {s_global} (plain {s_off})"
    );
    assert!(
        s_field < 0.4 * s_off,
        "field step {s_field} (plain {s_off})"
    );
    // The report sees the same from the composite alone.
    assert_eq!(report.correction.colour, ColourMatch::Field);
    assert_eq!(report.correction.fit.strength, 1.0);
    assert!(
        report.correction.fit.cast[0] < -6.0,
        "{:?}",
        report.correction.fit
    );
    assert!(report.colour_step < off_report.colour_step);
    assert!(report.delta_e < off_report.delta_e);
    for k in 0..3 {
        assert!(
            report.residual_cast[k].abs() < 1.0,
            "{:?}",
            report.residual_cast
        );
        assert!(
            off_report.residual_cast[0] < -6.0,
            "{:?}",
            off_report.residual_cast
        );
    }
    assert_eq!(report.edges.len(), 2);
    assert_eq!(report.edges[0].edge, "left");
    // The detail band keeps the original's sharpness; the plain band softens it.
    assert!(report.band_sharpness > 0.97, "{}", report.band_sharpness);
    assert!(report.band_sharpness > off_report.band_sharpness);
    assert_eq!(report.correction.detail_feather, 4);
    assert_eq!(off_report.correction.detail_feather, 32);
}

#[test]
fn a_cast_that_changes_across_the_frame_is_followed() {
    let (truth, orig) = scene();
    let plan = plan();
    // Darker towards the right (a cast that brightens would clip the bright suit).
    let result = provider(&truth, 0.0, -0.16);
    let run = |colour| {
        composite_corrected(
            orig.view(),
            result.view(),
            &plan,
            &opts(32, colour, true),
            &Limits::default(),
        )
        .unwrap()
        .image
    };
    let (off, global, field) = (
        run(ColourMatch::Off),
        run(ColourMatch::Global),
        run(ColourMatch::Field),
    );
    let (so, sg, sf) = (
        step_against_truth(&off, &truth),
        step_against_truth(&global, &truth),
        step_against_truth(&field, &truth),
    );
    // (6.13, 3.14 and 2.25 levels when written: one global fit over-corrects one side and
    // under-corrects the other; the field follows the cast along the seam.)
    assert!(sf < 0.45 * so, "field {sf} plain {so}");
    assert!(sf < 0.8 * sg, "field {sf} global {sg}");
}

#[test]
fn an_exact_redraw_is_the_plain_blend() {
    let (truth, orig) = scene();
    let plan = plan();
    for feather in [0, 8, 32] {
        let plain = composite_corrected(
            orig.view(),
            truth.view(),
            &plan,
            &SeamOptions::plain(feather, 0, Curve::Smoothstep),
            &Limits::default(),
        )
        .unwrap();
        let ours = composite_corrected(
            orig.view(),
            truth.view(),
            &plan,
            &opts(feather, ColourMatch::Field, true),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(plain.image, ours.image, "feather {feather}");
        assert!(ours.correction.fit.is_identity());
        assert_eq!(ours.correction.field_cell, 0);
    }
}

#[test]
fn a_provider_that_drew_something_else_is_not_matched() {
    let (truth, orig) = scene();
    let plan = plan();
    // Upside down: nothing of the kept area is where it was.
    let mut d = truth.data().to_vec();
    d.reverse();
    let flipped = Image::from_rgba(W, H, d).unwrap();
    let r = seam_report(
        orig.view(),
        flipped.view(),
        &plan,
        &opts(16, ColourMatch::Field, true),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(r.correction.fit.strength, 0.0, "{:?}", r.correction.fit);
    assert!(r.correction.fit.is_identity());
    assert_eq!(r.correction.field_max, 0.0);
    assert!(r.overlap_residual > 30.0, "{}", r.overlap_residual);
}

/// The truth as a provider that moved the frame draws it: the original's point `p` lands
/// at `c + scale (p - c) + d` (`c` the original's centre), read from the whole photo.
fn moved(d: (f32, f32), scale: f32) -> Image {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/images/astronaut.png"
    ))
    .unwrap();
    let photo = decode(&bytes, &Limits::default()).unwrap();
    let y0 = ((photo.height() - H) / 2) as f32;
    let (cx, cy) = (L as f32 + S as f32 / 2.0, H as f32 / 2.0);
    let mut out = Vec::new();
    for y in 0..H {
        for x in 0..W {
            let px = cx + (x as f32 + 0.5 - cx - d.0) / scale - 0.5;
            let py = cy + (y as f32 + 0.5 - cy - d.1) / scale - 0.5 + y0;
            let (x0, y0i) = (
                px.floor().clamp(0.0, 510.0) as u32,
                py.floor().clamp(0.0, 510.0) as u32,
            );
            let (fx, fy) = (
                (px - x0 as f32).clamp(0.0, 1.0),
                (py - y0i as f32).clamp(0.0, 1.0),
            );
            for c in 0..4 {
                let v = |x: u32, y: u32| f32::from(photo.pixel(x, y)[c]);
                let top = v(x0, y0i) + (v(x0 + 1, y0i) - v(x0, y0i)) * fx;
                let bot = v(x0, y0i + 1) + (v(x0 + 1, y0i + 1) - v(x0, y0i + 1)) * fx;
                out.push((top + (bot - top) * fy).round() as u8);
            }
        }
    }
    Image::from_rgba(W, H, out).unwrap()
}

#[test]
fn a_shifted_and_rescaled_frame_is_registered_back() {
    let (truth, orig) = scene();
    let plan = plan();
    for (d, scale) in [
        ((4.0f32, -3.0f32), 1.0f32),
        ((2.0, 1.0), 1.02),
        ((-3.0, 2.5), 0.985),
    ] {
        let answer = moved(d, scale);
        let run = |register| {
            let o = SeamOptions {
                register,
                ..opts(32, ColourMatch::Field, true)
            };
            composite_corrected(orig.view(), answer.view(), &plan, &o, &Limits::default()).unwrap()
        };
        let (on, off) = (run(true), run(false));
        let r = on.correction.registration;
        assert!(r.applied, "{d:?} {scale}: {r:?}");
        assert!(
            (r.dx - d.0).abs() < 0.5 && (r.dy - d.1).abs() < 0.5,
            "{d:?} {scale}: {r:?}"
        );
        assert!((r.scale - scale).abs() < 0.004, "{d:?} {scale}: {r:?}");
        assert!(r.correlation > r.correlation_before);
        assert!(!off.correction.registration.applied);
        // Ghosting in the band (the original over a moved copy of itself): less.
        let band = |img: &Image| {
            let mut s = 0.0f64;
            let mut n = 0.0;
            for y in 8..H - 8 {
                for x in (L - 16..L + 4).chain(L + S - 4..L + S + 16) {
                    for c in 0..3 {
                        s += (f64::from(img.pixel(x, y)[c]) - f64::from(truth.pixel(x, y)[c]))
                            .powi(2);
                        n += 1.0;
                    }
                }
            }
            (s / n).sqrt()
        };
        assert!(
            band(&on.image) < 0.6 * band(&off.image),
            "{d:?} {scale}: {} vs {}",
            band(&on.image),
            band(&off.image)
        );
    }
    // A frame that did not move is left as it is.
    let c = composite_corrected(
        orig.view(),
        truth.view(),
        &plan,
        &opts(32, ColourMatch::Field, true),
        &Limits::default(),
    )
    .unwrap();
    assert!(
        !c.correction.registration.applied,
        "{:?}",
        c.correction.registration
    );
}
