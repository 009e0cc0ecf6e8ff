//! Property tests of the expansion invariants and of the seam/composite guarantees.

use outpaint_core::geometry::{Edges, Fraction, Layout, Ratio};
use outpaint_core::pixels::{build_mask, pad, Curve};
use outpaint_core::{
    composite, expand, fit, Anchor, Fill, Image, Limits, MaskKind, Profile, SeamOptions, Target,
};
use proptest::prelude::*;

fn anchor() -> impl Strategy<Value = Anchor> {
    prop::sample::select(Anchor::ALL.to_vec())
}

fn ratio_target() -> impl Strategy<Value = Target> {
    (1u32..=10_000, 1u32..=10_000).prop_map(|(a, b)| Target::Ratio(Ratio::new(a, b).unwrap()))
}

fn any_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => ratio_target(),
        1 => (1u32..=400, 1u32..=100)
            .prop_filter("in (0, 4]", |(n, d)| n <= &(4 * d))
            .prop_map(|(n, d)| Target::ExpandAll(Fraction::new(n, d).unwrap())),
        1 => (0u32..5000, 0u32..5000, 0u32..5000, 0u32..5000)
            .prop_map(|(l, r, t, b)| Target::Edges(Edges::new(l, r, t, b))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn expansion_invariants(w in 1u32..=16384, h in 1u32..=16384, t in any_target(), a in anchor()) {
        let e = expand(w, h, &t, a).unwrap();
        // Edges sum; never shrinks; the original fits at its offset.
        prop_assert_eq!(e.new_width, w + e.left + e.right);
        prop_assert_eq!(e.new_height, h + e.top + e.bottom);
        prop_assert_eq!(e.width(), w);
        prop_assert_eq!(e.height(), h);
        if let Target::Ratio(r) = t {
            let (ra, rb) = r.reduced();
            let (ra, rb) = (u64::from(ra), u64::from(rb));
            // Only one axis grows.
            prop_assert!(e.left + e.right == 0 || e.top + e.bottom == 0);
            // Within 1 px of the exact ratio: |W'*B - H'*A| <= max(A, B) / 2 + ... i.e. the
            // grown side is the rounded exact value.
            let (nw, nh) = (u64::from(e.new_width), u64::from(e.new_height));
            if e.left + e.right > 0 {
                let exact = nh as f64 * ra as f64 / rb as f64;
                prop_assert!((nw as f64 - exact).abs() <= 0.5 + 1e-9, "{} vs {}", nw, exact);
            } else if e.top + e.bottom > 0 {
                let exact = nw as f64 * rb as f64 / ra as f64;
                prop_assert!((nh as f64 - exact).abs() <= 0.5 + 1e-9, "{} vs {}", nh, exact);
            }
        }
        // Anchors: growth only on the side opposite the anchor.
        match a {
            Anchor::Left | Anchor::TopLeft | Anchor::BottomLeft if !matches!(t, Target::Edges(_)) =>
                prop_assert_eq!(e.left, 0),
            Anchor::Right | Anchor::TopRight | Anchor::BottomRight if !matches!(t, Target::Edges(_)) =>
                prop_assert_eq!(e.right, 0),
            Anchor::Center if !matches!(t, Target::Edges(_)) => {
                prop_assert!(e.right == e.left || e.right == e.left + 1);
                prop_assert!(e.bottom == e.top || e.bottom == e.top + 1);
            }
            _ => {}
        }
    }

    #[test]
    fn target_strings_round_trip(t in any_target()) {
        let back: Target = t.to_string().parse().unwrap();
        prop_assert_eq!(back, t);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn composite_keeps_the_original_outside_the_band(
        w in 1u32..40, h in 1u32..40, t in ratio_target(), a in anchor(),
        feather in 0u32..12, overlap in 0u32..6, seed in any::<u8>(),
    ) {
        let Ok(e) = expand(w, h, &t, a) else { return Ok(()) };
        prop_assume!(u64::from(e.new_width) * u64::from(e.new_height) < 200_000);
        let data: Vec<u8> = (0..w * h * 4).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let orig = Image::from_rgba(w, h, data).unwrap();
        let plan = fit(&e, &t, &Profile::full()).unwrap();
        let result = Image::filled(e.new_width, e.new_height, [1, 2, 3, 4], &Limits::default()).unwrap();
        let seam = SeamOptions::plain(feather, overlap, Curve::Smoothstep);
        let (out, eff) = composite(orig.view(), result.view(), &plan, &seam, &Limits::default()).unwrap();
        let (mask, _) = build_mask(&Layout::of(&e), &seam, MaskKind::Feathered).unwrap();
        prop_assert!(eff.feather <= feather && eff.overlap <= overlap);
        for y in 0..e.new_height {
            for x in 0..e.new_width {
                let m = mask.get(x, y);
                let inside = x >= e.left && x < e.left + w && y >= e.top && y < e.top + h;
                if m == 0 {
                    prop_assert!(inside);
                    prop_assert_eq!(out.pixel(x, y), orig.pixel(x - e.left, y - e.top));
                } else if m == 255 {
                    prop_assert_eq!(out.pixel(x, y), [1, 2, 3, 4]);
                }
            }
        }
        // The pre-filled canvas holds the original at its offset, whatever the fill.
        let c = pad(orig.view(), &e, Fill::Mirror, &Limits::default()).unwrap();
        prop_assert_eq!(c.pixel(e.left, e.top), orig.pixel(0, 0));
        prop_assert_eq!(c.pixel(e.left + w - 1, e.top + h - 1), orig.pixel(w - 1, h - 1));
    }
}
