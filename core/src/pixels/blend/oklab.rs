//! sRGB and Oklab (Björn Ottosson, 2020) in plain arithmetic: the roots are Newton
//! iterations and `sqrt`, never the platform's `cbrt` or `pow`, so every door (native,
//! wasm, C) computes the same floats and writes the same bytes.

/// Cube root of `a >= 0`: a bit-level first guess, then Newton steps.
#[inline]
pub(crate) fn cbrt(a: f32) -> f32 {
    if a <= 0.0 {
        return 0.0;
    }
    let mut y = f32::from_bits(a.to_bits() / 3 + 709_921_077);
    for _ in 0..3 {
        y -= (y * y * y - a) / (3.0 * y * y);
    }
    y
}

/// Fifth root of `a` in `(0, 1]`, by Newton's method from 1 (monotone from above).
fn root5(a: f64) -> f64 {
    let mut y = 1.0f64;
    for _ in 0..40 {
        let y4 = y * y * y * y;
        y -= (y4 * y - a) / (5.0 * y4);
    }
    y
}

/// sRGB level (0..=255) to linear light in 0..=1.
pub(crate) fn decode(v: f64) -> f64 {
    let x = v / 255.0;
    if x <= 0.04045 {
        x / 12.92
    } else {
        // ((x + 0.055) / 1.055)^2.4 = t^2 * (t^2)^(1/5)
        let t = (x + 0.055) / 1.055;
        let t2 = t * t;
        t2 * root5(t2)
    }
}

/// Linear light (clamped to 0..=1) to an sRGB level in 0..=255 (not rounded).
pub(crate) fn encode(l: f64) -> f64 {
    let l = l.clamp(0.0, 1.0);
    let x = if l <= 0.003_130_8 {
        12.92 * l
    } else {
        // l^(1/2.4) = c^(5/4) with c = cbrt(l): c * sqrt(sqrt(c)).
        let c = f64::from(cbrt(l as f32));
        let c = c - (c * c * c - l) / (3.0 * c * c);
        1.055 * c * c.sqrt().sqrt() - 0.055
    };
    x * 255.0
}

/// The 256 sRGB levels in linear light.
pub(crate) fn decode_table() -> [f32; 256] {
    let mut t = [0.0f32; 256];
    for (v, slot) in t.iter_mut().enumerate() {
        *slot = decode(v as f64) as f32;
    }
    t
}

/// Linear RGB to Oklab `[L, a, b]`.
#[inline]
pub(crate) fn to_oklab([r, g, b]: [f32; 3]) -> [f32; 3] {
    let l = cbrt(0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b);
    let m = cbrt(0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b);
    let s = cbrt(0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b);
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// Oklab `[L, a, b]` to linear RGB (not clamped).
#[inline]
pub(crate) fn from_oklab([ll, a, b]: [f32; 3]) -> [f32; 3] {
    let l = ll + 0.396_337_78 * a + 0.215_803_76 * b;
    let m = ll - 0.105_561_346 * a - 0.063_854_17 * b;
    let s = ll - 0.089_484_18 * a - 1.291_485_5 * b;
    let (l, m, s) = (l * l * l, m * m * m, s * s * s);
    [
        4.076_741_7 * l - 3.307_711_6 * m + 0.230_969_94 * s,
        -1.268_438 * l + 2.609_757_4 * m - 0.341_319_38 * s,
        -0.004_196_086_3 * l - 0.703_418_6 * m + 1.707_614_7 * s,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_match_the_platform_within_rounding() {
        for i in 0..=1000 {
            let a = i as f32 / 1000.0;
            assert!((cbrt(a) - a.cbrt()).abs() <= 2e-7, "cbrt {a}");
            let a = f64::from(a).max(1e-3);
            assert!((root5(a) - a.powf(0.2)).abs() < 1e-12, "root5 {a}");
        }
    }

    #[test]
    fn srgb_round_trips_every_level() {
        for v in 0..=255 {
            let l = decode(f64::from(v));
            let want = if v as f64 / 255.0 <= 0.04045 {
                v as f64 / 255.0 / 12.92
            } else {
                ((v as f64 / 255.0 + 0.055) / 1.055).powf(2.4)
            };
            assert!((l - want).abs() < 1e-12, "decode {v}");
            assert!((encode(l) - f64::from(v)).abs() < 1e-4, "encode {v}");
        }
    }

    #[test]
    fn oklab_of_white_and_a_round_trip() {
        let w = to_oklab([1.0, 1.0, 1.0]);
        assert!((w[0] - 1.0).abs() < 1e-4 && w[1].abs() < 1e-4 && w[2].abs() < 1e-4);
        // Ottosson's published value for linear sRGB red: L 0.6279, a 0.2249, b 0.1258.
        let r = to_oklab([1.0, 0.0, 0.0]);
        assert!((r[0] - 0.6279).abs() < 1e-3 && (r[1] - 0.2249).abs() < 1e-3);
        assert!((r[2] - 0.1258).abs() < 1e-3);
        let c = [0.2, 0.5, 0.9];
        let back = from_oklab(to_oklab(c));
        for k in 0..3 {
            assert!((back[k] - c[k]).abs() < 1e-4);
        }
    }
}
