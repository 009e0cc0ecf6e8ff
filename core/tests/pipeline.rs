//! End to end: decode -> prepare for each profile -> a provider's result -> composite.

use outpaint_core::pixels::Curve;
use outpaint_core::prepare::PreparedPng;
use outpaint_core::{
    composite, decode, encode_png, prepare, run_local, Anchor, ErrorCode, Fill, Image, Limits,
    MaskKind, PngCompression, PrepareOptions, Profile, SeamOptions,
};

fn photo(w: u32, h: u32) -> Image {
    let mut d = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            d.extend_from_slice(&[
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x ^ y) & 0xFF) as u8,
                255,
            ]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

fn opts(target: &str, profile: Profile) -> PrepareOptions {
    PrepareOptions {
        fill: Fill::Edge,
        seam: SeamOptions {
            feather: 8,
            overlap: 2,
            curve: Curve::Smoothstep,
            ..SeamOptions::default()
        },
        profile,
        ..PrepareOptions::new(target.parse().unwrap())
    }
}

#[test]
fn every_profile_prepares_and_maps_back() {
    let img = photo(300, 200);
    let registry = outpaint_core::providers::Registry::builtin();
    let every = registry.profiles.values().cloned();
    for profile in every.chain(["custom:multiple=64,max=512".parse().unwrap()]) {
        let o = opts("16:9", profile.clone());
        let p = prepare(img.view(), &o).unwrap();
        assert_eq!(
            (p.canvas.width(), p.canvas.height()),
            (p.plan.size.width, p.plan.size.height)
        );
        assert_eq!(
            (p.mask.width(), p.mask.height()),
            (p.plan.size.width, p.plan.size.height)
        );
        assert_eq!((p.expansion.new_width, p.expansion.new_height), (356, 200));
        // The mask generates outside the original's rect and keeps its middle.
        let r = p.plan.image;
        assert_eq!(p.mask.get(0, p.plan.size.height / 2), 255, "{profile}");
        assert_eq!(
            p.mask.get(r.x + r.width / 2, r.y + r.height / 2),
            0,
            "{profile}"
        );
        // A provider's answer of the sent size (any colour) composites back to full size
        // with the original's middle untouched.
        let answer = Image::filled(
            p.plan.size.width,
            p.plan.size.height,
            [9, 9, 9, 255],
            &Limits::default(),
        )
        .unwrap();
        let (out, seam) = composite(
            img.view(),
            answer.view(),
            &p.plan,
            &o.seam,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((out.width(), out.height()), (356, 200));
        assert_eq!(seam.feather, 8);
        assert_eq!(out.pixel(28 + 150, 100), img.pixel(150, 100), "{profile}");
        assert_eq!(out.pixel(0, 100), [9, 9, 9, 255], "{profile}");
        // Mask kinds by profile.
        let want = match profile.name.as_str() {
            "openai" => MaskKind::Alpha,
            "recraft-outpaint" | "recraft-inpaint" => MaskKind::Binary,
            _ => MaskKind::Feathered,
        };
        assert_eq!(p.mask_kind, want);
        if want == MaskKind::Binary {
            assert!(p.mask.data().iter().all(|&v| v == 0 || v == 255));
        }
        if want == MaskKind::Alpha {
            assert_eq!(p.canvas.pixel(0, p.plan.size.height / 2)[3], 0);
            assert_eq!(
                p.canvas.pixel(r.x + r.width / 2, r.y + r.height / 2)[3],
                255
            );
        }
    }
}

#[test]
fn run_local_is_seamless_and_keeps_the_original() {
    let img = photo(120, 90);
    let mut o = opts("16:9", Profile::full());
    o.seam.overlap = 0;
    o.anchor = Anchor::Center;
    let (p, out) = run_local(img.view(), &o).unwrap();
    let e = p.expansion;
    assert_eq!((out.width(), out.height()), (160, 90));
    // Outside the 8 px feather band the original is byte-identical.
    for y in 0..90 {
        for x in 8..112 {
            assert_eq!(out.pixel(e.left + x, y), img.pixel(x, y));
        }
    }
    // At the seam, neighbours across it differ on average by no more than the original's
    // own neighbours do (plus a little), channel by channel: no visible step.
    let step = |x0: u32, x1: u32, c: usize| -> f64 {
        (0..90)
            .map(|y| f64::from(out.pixel(x0, y)[c].abs_diff(out.pixel(x1, y)[c])))
            .sum::<f64>()
            / 90.0
    };
    for c in 0..3 {
        let (across, own) = (step(e.left - 1, e.left, c), step(e.left, e.left + 1, c));
        assert!(across <= 1.5 * own + 4.0, "channel {c}: {across} vs {own}");
    }
    assert!(out.data().chunks(4).all(|p| p[3] == 255));
    let png = encode_png(out.view(), PngCompression::Fast).unwrap();
    assert_eq!(decode(&png, &Limits::default()).unwrap(), out);
}

#[test]
fn canvas_limits_and_bad_options() {
    let img = photo(100, 100);
    let mut o = opts("1:10000", Profile::full());
    o.limits.max_canvas_pixels = 1_000_000;
    assert_eq!(
        prepare(img.view(), &o).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
    let mut o = opts("16:9", Profile::full());
    o.seam.feather = 1_000_000;
    assert_eq!(
        prepare(img.view(), &o).unwrap_err().code(),
        ErrorCode::InvalidOption
    );
    // A feather wider than the image is clamped and reported, not an error.
    let mut o = opts("16:9", Profile::full());
    o.seam.feather = 500;
    let p = prepare(img.view(), &o).unwrap();
    assert_eq!(p.seam.feather_requested, 500);
    assert_eq!(p.seam.feather, 48);
    assert!(p.seam.clamped());
}

#[test]
fn prepare_png_encodes_exactly_what_prepare_makes() {
    // prepare_png streams rows into the encoder; prepare builds the pictures. Every fill,
    // mask kind and profile (resized or not), with rows above, below and beside the band,
    // must give the same PNG bytes as encoding prepare's pictures.
    let img = photo(300, 200);
    let png = encode_png(img.view(), PngCompression::Fast).unwrap();
    let fills = [
        Fill::Transparent,
        Fill::Color([10, 20, 30, 200]),
        Fill::Edge,
        Fill::Mirror,
        Fill::Blur,
    ];
    let kinds = [
        None,
        Some(MaskKind::Binary),
        Some(MaskKind::Feathered),
        Some(MaskKind::Inverted),
        Some(MaskKind::Alpha),
    ];
    let profiles = [
        Profile::full(),
        "flux-fill".parse::<Profile>().unwrap(),
        "openai".parse::<Profile>().unwrap(),
        "recraft-outpaint".parse::<Profile>().unwrap(),
    ];
    let mut cases = 0;
    for target in ["16:9", "edges:40,10,30,70", "9:16"] {
        for fill in fills {
            for kind in kinds {
                for profile in profiles.clone() {
                    let mut o = opts(target, profile.clone());
                    o.fill = fill;
                    o.mask = kind;
                    let p = prepare(img.view(), &o).unwrap();
                    let q = outpaint_core::prepare_png(&png, &o).unwrap();
                    let want = PreparedPng::encode(p.clone()).unwrap();
                    let case = format!("{target} {fill} {kind:?} {profile:?}");
                    assert_eq!(q.plan, p.plan, "{case}");
                    assert_eq!(q.mask_kind, p.mask_kind, "{case}");
                    assert_eq!(q.seam, p.seam, "{case}");
                    assert!(q.canvas_png == want.canvas_png, "canvas of {case}");
                    assert!(q.mask_png == want.mask_png, "mask of {case}");
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 3 * 5 * 5 * 4);
    // And the pictures decode to prepare's pixels.
    let o = opts("16:9", "openai".parse::<Profile>().unwrap());
    let (p, q) = (
        prepare(img.view(), &o).unwrap(),
        outpaint_core::prepare_png(&png, &o).unwrap(),
    );
    let r = outpaint_core::prepare::prepare_png_image(img.view(), &o).unwrap();
    assert!(r.canvas_png == q.canvas_png && r.mask_png == q.mask_png);
    let canvas = decode(&q.canvas_png, &Limits::default()).unwrap();
    assert_eq!(canvas.data(), p.canvas.data());
    let mask = decode(&q.mask_png, &Limits::default()).unwrap();
    let grey: Vec<u8> = mask.data().chunks_exact(4).map(|px| px[0]).collect();
    assert_eq!(&grey[..], p.mask.data());
    let bad = outpaint_core::prepare_png(b"not an image", &opts("16:9", Profile::full()));
    assert_eq!(bad.unwrap_err().code(), ErrorCode::UnsupportedFormat);
}
