//! The blur fill's box-blur cascade: the edge line at every blur level, and the runs a
//! side of a row is blended in (16-bit lanes or 32-bit words, by target).

use crate::pixels::RGBA;

/// For one side of `len` pixels, in memory order: each pixel's blend weight
/// ([`WEIGHT_BYTES`] copies of it), and the runs of pixels that share a cascade level
/// (`start..end` at level `k`).
pub(super) struct SideRuns {
    t: Vec<u8>,
    runs: Vec<(usize, usize, usize)>,
}

impl SideRuns {
    /// `edge_last`: the run ends at the edge (a left or top side), else it starts there.
    pub(super) fn new(len: usize, edge_last: bool) -> SideRuns {
        let dist = |j: usize| if edge_last { len - j } else { j + 1 };
        let t = (0..len)
            .flat_map(|j| [Cascade::level(dist(j)).1; WEIGHT_BYTES])
            .collect();
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for j in 0..len {
            let k = Cascade::level(dist(j)).0;
            match runs.last_mut() {
                Some(r) if r.2 == k => r.1 = j + 1,
                _ => runs.push((j, j + 1, k)),
            }
        }
        SideRuns { t, runs }
    }
}

/// The edge line blurred at every level of a box-blur cascade: level `k` is the line
/// averaged over windows of radius `2^k - 1` (ends replicated, rounded half up). A pixel
/// at distance `d >= 1` from the edge takes level `k = floor(log2 d)` blended towards
/// level `k + 1` by `t = floor(256 (d - 2^k) / 2^k)`:
/// `(a (256 - t) + b t + 128) >> 8`. So the blur radius grows with the distance, and
/// each pixel costs one blend of two precomputed colours.
pub(super) struct Cascade {
    /// Level `k`'s line, RGBA bytes flat.
    levels: Vec<Vec<u8>>,
}

impl Cascade {
    /// Levels for distances `1..=max_d` over `line`.
    pub(super) fn new(line: &[[u8; 4]], max_d: usize) -> Cascade {
        if max_d == 0 || line.is_empty() {
            return Cascade { levels: Vec::new() };
        }
        let top = max_d.ilog2() as usize + 1;
        let n = line.len();
        // Prefix sums over the line only: windows reaching past its ends add the
        // replicated end pixels arithmetically, so memory stays O(n) for any radius.
        let mut prefix: Vec<[u64; 4]> = Vec::with_capacity(n + 1);
        let mut acc = [0u64; 4];
        prefix.push(acc);
        for p in line {
            for c in 0..4 {
                acc[c] += u64::from(p[c]);
            }
            prefix.push(acc);
        }
        let (first, last) = (line[0], line[n - 1]);
        let levels = (0..=top)
            .map(|k| {
                let r = (1usize << k) - 1;
                let cnt = (2 * r + 1) as u64;
                let div = Divider::new(2 * cnt);
                let div = |x: u64| div.div(x) as u8;
                let mut lvl = vec![0u8; n * RGBA];
                let (px, _) = lvl.as_chunks_mut::<RGBA>();
                for (i, p) in px.iter_mut().enumerate() {
                    if i >= r && i + r < n {
                        // The window lies inside the line: two loads.
                        let (lo, hi) = (&prefix[i - r], &prefix[i + r + 1]);
                        *p = std::array::from_fn(|c| div(2 * (hi[c] - lo[c]) + cnt));
                        continue;
                    }
                    let (lo, hi) = (i as i64 - r as i64, (i + r) as i64);
                    let (a, b) = (lo.max(0) as usize, (hi as usize).min(n - 1));
                    let before = (a as i64 - lo) as u64;
                    let after = (hi - b as i64) as u64;
                    *p = std::array::from_fn(|c| {
                        let sum = prefix[b + 1][c] - prefix[a][c]
                            + before * u64::from(first[c])
                            + after * u64::from(last[c]);
                        div(2 * sum + cnt)
                    });
                }
                lvl
            })
            .collect();
        Cascade { levels }
    }

    /// The level pair and weight (`0..=255`) for distance `d >= 1`.
    #[inline]
    fn level(d: usize) -> (usize, u8) {
        let k = d.ilog2() as usize;
        let t = (((d - (1 << k)) << 8) >> k) as u8;
        (k, t)
    }

    /// `(a (256 - t) + b t + 128) >> 8`; fits u16: `a (256 - t) + b t <= 255 * 256`.
    #[inline(always)]
    fn mix(a: u8, b: u8, t: u8) -> u8 {
        let t = u16::from(t);
        ((u16::from(a) * (256 - t) + u16::from(b) * t + 128) >> 8) as u8
    }

    fn pixel(&self, k: usize, i: usize) -> [u8; 4] {
        let l = &self.levels[k][i * RGBA..i * RGBA + RGBA];
        [l[0], l[1], l[2], l[3]]
    }

    /// Writes the pixels beside position `i` of the line, laid out by `side`.
    pub(super) fn write_run(&self, dst: &mut [u8], i: usize, side: &SideRuns) {
        for &(start, end, k) in &side.runs {
            lerp_run(
                &mut dst[start * RGBA..end * RGBA],
                self.pixel(k, i),
                self.pixel(k + 1, i),
                &side.t[start * WEIGHT_BYTES..end * WEIGHT_BYTES],
            );
        }
    }

    /// Writes a whole line at distance `d` from the edge line.
    pub(super) fn write_line(&self, dst: &mut [u8], d: usize) {
        let (k, t) = Self::level(d);
        let (a, b) = (&self.levels[k], &self.levels[k + 1]);
        for ((o, &a), &b) in dst.iter_mut().zip(a).zip(b) {
            *o = Self::mix(a, b, t);
        }
    }
}

/// `floor(x / d)` for the cascade's window averages, `x = 2 sum + cnt <= 511 cnt` and
/// `d = 2 cnt`: a multiply by `m = floor(2^40 / d) + 1` and a shift, exact while
/// `x d < 2^40`, which `x d <= 1022 cnt^2` keeps for windows below 2^15 pixels; wider ones
/// (only on enormous canvases) divide plainly. 64-bit arithmetic, no 128-bit multiply
/// (a library call in wasm).
struct Divider {
    d: u64,
    m: u64,
}

impl Divider {
    const SHIFT: u32 = 40;

    fn new(d: u64) -> Divider {
        Divider {
            d,
            m: (1u64 << Self::SHIFT) / d + 1,
        }
    }

    #[inline(always)]
    fn div(&self, x: u64) -> u64 {
        if self.d < 1 << 16 {
            (x * self.m) >> Self::SHIFT
        } else {
            x / self.d
        }
    }
}

// How a run of pixels is blended between its two colours. x86 without SSE4.1 (the x86-64
// baseline) has no 32-bit vector multiply, so there each weight is repeated per channel and
// a run blends in 16-bit lanes; elsewhere (SSE4.1, NEON, wasm SIMD128) one weight per
// pixel, and a pixel is blended as one 32-bit word. Both write the bytes of
// [`Cascade::mix`], and both are tested on every target.
#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    not(target_feature = "sse4.1")
))]
use lanes::{lerp_run, WEIGHT_BYTES};
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    not(target_feature = "sse4.1")
)))]
use words::{lerp_run, WEIGHT_BYTES};

/// Runs blended in 16-bit lanes, four pixels at a time.
#[cfg_attr(
    not(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        not(target_feature = "sse4.1")
    )),
    allow(dead_code)
)]
mod lanes {
    use super::RGBA;

    /// Bytes of weight per pixel in [`super::SideRuns`]: one per channel.
    pub(super) const WEIGHT_BYTES: usize = RGBA;

    /// Blends `dst`'s pixels from `a` towards `b` by per-channel weights `t`.
    #[inline]
    pub(super) fn lerp_run(dst: &mut [u8], a: [u8; 4], b: [u8; 4], t: &[u8]) {
        const LANES: usize = 4 * RGBA;
        let a16: [u16; LANES] = std::array::from_fn(|j| u16::from(a[j % RGBA]));
        let b16: [u16; LANES] = std::array::from_fn(|j| u16::from(b[j % RGBA]));
        let mix = |a: u16, b: u16, t: u8| {
            let t = u16::from(t);
            ((a * (256 - t) + b * t + 128) >> 8) as u8
        };
        let mut d16 = dst.chunks_exact_mut(LANES);
        let mut t16 = t.chunks_exact(LANES);
        for (d, t) in (&mut d16).zip(&mut t16) {
            for j in 0..LANES {
                d[j] = mix(a16[j], b16[j], t[j]);
            }
        }
        // Whole pixels remain, so lane `j` still holds channel `j % 4`.
        for (j, (d, &t)) in d16
            .into_remainder()
            .iter_mut()
            .zip(t16.remainder())
            .enumerate()
        {
            *d = mix(a16[j], b16[j], t);
        }
    }
}

/// Runs blended one 32-bit word per pixel.
#[cfg_attr(
    all(
        any(target_arch = "x86", target_arch = "x86_64"),
        not(target_feature = "sse4.1")
    ),
    allow(dead_code)
)]
mod words {
    use super::RGBA;

    /// Bytes of weight per pixel in [`super::SideRuns`]: one.
    pub(super) const WEIGHT_BYTES: usize = 1;

    /// Blends `dst`'s pixels from `a` towards `b` by per-pixel weights `t`.
    #[inline]
    pub(super) fn lerp_run(dst: &mut [u8], a: [u8; 4], b: [u8; 4], t: &[u8]) {
        let (a, b) = (u32::from_le_bytes(a), u32::from_le_bytes(b));
        let (px, _) = dst.as_chunks_mut::<RGBA>();
        for (p, &t) in px.iter_mut().zip(t) {
            *p = lerp_word(a, b, t).to_le_bytes();
        }
    }

    /// `Cascade::mix` on the four bytes of two pixels at once: red and blue in the 16-bit
    /// halves of one word, green and alpha in another (each half holds at most
    /// `255 * 256 + 128`, so nothing carries across), exactly the bytes of four `mix` calls.
    #[inline(always)]
    pub(super) fn lerp_word(a: u32, b: u32, t: u8) -> u32 {
        const LOW: u32 = 0x00ff_00ff;
        const HALF: u32 = 0x0080_0080;
        let (t, u) = (u32::from(t), 256 - u32::from(t));
        let rb = (((a & LOW) * u + (b & LOW) * t + HALF) >> 8) & LOW;
        let ga = (((a >> 8) & LOW) * u + ((b >> 8) & LOW) * t + HALF) & !LOW;
        rb | ga
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_word_is_four_mixes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..200_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Every weight, with random colours and the extremes 0 and 255 mixed in.
            let (a, b) = match n % 4 {
                0 => (0, u32::MAX),
                1 => (u32::MAX, 0),
                _ => (seed as u32, (seed >> 32) as u32),
            };
            let t = (n % 256) as u8;
            let (ab, bb) = (a.to_le_bytes(), b.to_le_bytes());
            let want: [u8; 4] = std::array::from_fn(|c| Cascade::mix(ab[c], bb[c], t));
            assert_eq!(
                words::lerp_word(a, b, t).to_le_bytes(),
                want,
                "{a:#x} {b:#x} {t}"
            );
        }
    }

    #[test]
    fn both_run_blends_write_the_mix() {
        // 37 pixels: whole 4-pixel lane groups and a remainder.
        let (a, b) = ([10, 200, 0, 255], [250, 3, 128, 0]);
        let t: Vec<u8> = (0..37u32).map(|j| (j * 7) as u8).collect();
        let want: Vec<u8> = t
            .iter()
            .flat_map(|&t| std::array::from_fn::<u8, 4, _>(|c| Cascade::mix(a[c], b[c], t)))
            .collect();
        let mut got = vec![0u8; want.len()];
        let per_channel: Vec<u8> = t.iter().flat_map(|&t| [t; lanes::WEIGHT_BYTES]).collect();
        lanes::lerp_run(&mut got, a, b, &per_channel);
        assert_eq!(got, want);
        got.fill(0);
        words::lerp_run(&mut got, a, b, &t);
        assert_eq!(got, want);
    }

    #[test]
    fn runs_write_the_mix_of_their_two_levels() {
        let line: Vec<[u8; 4]> = (0..97u32)
            .map(|i| {
                [
                    (i * 37) as u8,
                    (i * 11 + 5) as u8,
                    255 - i as u8,
                    (i * 3) as u8,
                ]
            })
            .collect();
        for (len, edge_last) in [(300, true), (300, false), (5, true), (1, false)] {
            let c = Cascade::new(&line, len);
            let side = SideRuns::new(len, edge_last);
            for i in [0, 40, 96] {
                let mut row = vec![0u8; len * RGBA];
                c.write_run(&mut row, i, &side);
                for j in 0..len {
                    let d = if edge_last { len - j } else { j + 1 };
                    let (k, t) = Cascade::level(d);
                    let (a, b) = (c.pixel(k, i), c.pixel(k + 1, i));
                    let want: [u8; 4] = std::array::from_fn(|ch| Cascade::mix(a[ch], b[ch], t));
                    assert_eq!(
                        row[j * RGBA..j * RGBA + RGBA],
                        want,
                        "len {len} i {i} j {j}"
                    );
                }
            }
        }
    }

    #[test]
    fn divider_is_exact_over_the_window_sums() {
        // Every window width up to 600 with every sum; then the widest that multiply, and
        // a plain divide beyond, sampled.
        for cnt in 1..600u64 {
            let d = Divider::new(2 * cnt);
            for x in 0..=511 * cnt {
                assert_eq!(d.div(x), x / (2 * cnt), "{x} / {}", 2 * cnt);
            }
        }
        for cnt in [4095u64, 8191, 16383, 32767, 32768, 65535, 1 << 20] {
            let d = Divider::new(2 * cnt);
            for x in (0..=511 * cnt)
                .step_by(97)
                .chain([511 * cnt, 511 * cnt - 1])
            {
                assert_eq!(d.div(x), x / (2 * cnt), "{x} / {}", 2 * cnt);
            }
        }
    }

    #[test]
    fn cascade_levels_and_weights() {
        assert_eq!(Cascade::level(1), (0, 0));
        assert_eq!(Cascade::level(2), (1, 0));
        assert_eq!(Cascade::level(3), (1, 128));
        assert_eq!(Cascade::level(7), (2, 192));
        assert_eq!(Cascade::level(8), (3, 0));
        let line = [[0, 0, 0, 0], [30, 0, 0, 0], [90, 0, 0, 0]];
        let c = Cascade::new(&line, 3);
        // Level 0 is the line; level 1 averages 3 (ends replicated): (0+0+30)/3 = 10,
        // (0+30+90)/3 = 40, (30+90+90)/3 = 70; level 2 averages 7.
        assert_eq!(c.pixel(0, 1)[0], 30);
        assert_eq!(
            (0..3).map(|i| c.pixel(1, i)[0]).collect::<Vec<_>>(),
            [10, 40, 70]
        );
        assert_eq!(c.pixel(2, 0)[0], 30); // (0 * 4 + 30 + 90 * 2) / 7
    }

    #[test]
    fn cascade_with_radii_far_beyond_the_line() {
        // A 3-pixel line with distances up to 2^24: levels stay O(line) and match the
        // replicated-ends average computed directly.
        let line = [[0u8, 10, 200, 255], [30, 20, 100, 255], [90, 40, 0, 255]];
        let c = Cascade::new(&line, 1 << 24);
        assert_eq!(c.levels.len(), 26);
        let want = |k: usize, i: usize| -> [u8; 4] {
            let r = (1i64 << k) - 1;
            let cnt = (2 * r + 1) as u64;
            // How often each pixel falls in the window (ends replicated).
            let times = |j: i64| -> u64 {
                (i as i64 - r..=i as i64 + r)
                    .filter(|&x| x.clamp(0, 2) == j)
                    .count() as u64
            };
            let counts: [u64; 3] = if k <= 12 {
                [times(0), times(1), times(2)]
            } else {
                // Far past both ends: every replicated position counts for its end.
                let i = i as i64;
                [(r - i + 1) as u64, 1, (r + i - 1) as u64]
            };
            std::array::from_fn(|ch| {
                let sum: u64 = (0..3).map(|j| counts[j] * u64::from(line[j][ch])).sum();
                ((2 * sum + cnt) / (2 * cnt)) as u8
            })
        };
        for k in [0usize, 1, 2, 5, 12, 25] {
            for i in 0..3 {
                assert_eq!(c.pixel(k, i), want(k, i), "k={k} i={i}");
            }
        }
    }
}
