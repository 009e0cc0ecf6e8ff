//! Canvas pre-fill: the original placed on the expanded canvas, the new area filled.
//!
//! Every mode writes the canvas in a single pass of rows: band rows (those holding the
//! original) are `left fill | original row | right fill`, and rows above and below are
//! either a pattern or a copy of an already-written band row.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{bail, Error, ErrorCode, Result};
use crate::geometry::Expansion;
use crate::limits::Limits;
use crate::pixels::{check_out, Image, ImageRef, Rows, RGBA};

/// How the new area of a canvas is pre-filled before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fill {
    /// Fully transparent black (the original app's behaviour; default).
    #[default]
    Transparent,
    /// One RGBA colour (mid-grey `#808080ff` is common).
    Color([u8; 4]),
    /// The nearest edge pixel, replicated outwards.
    Edge,
    /// The original reflected at its edges (edge pixel repeated), repeating as needed.
    Mirror,
    /// Edge colours spread outwards by box averages that widen with the distance from the
    /// original (a cascade of box blurs evaluated in one pass with prefix sums).
    Blur,
}

/// Mid-grey, the colour of `color` without a value.
pub const MID_GREY: [u8; 4] = [128, 128, 128, 255];

impl fmt::Display for Fill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fill::Transparent => f.write_str("transparent"),
            Fill::Color([r, g, b, a]) => write!(f, "color:#{r:02x}{g:02x}{b:02x}{a:02x}"),
            Fill::Edge => f.write_str("edge"),
            Fill::Mirror => f.write_str("mirror"),
            Fill::Blur => f.write_str("blur"),
        }
    }
}

fn parse_color(s: &str) -> Option<[u8; 4]> {
    if let Some(hex) = s.strip_prefix('#') {
        if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        let a = if hex.len() == 8 { byte(6)? } else { 255 };
        return Some([byte(0)?, byte(2)?, byte(4)?, a]);
    }
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if !(parts.len() == 3 || parts.len() == 4) {
        return None;
    }
    let mut c = [255u8; 4];
    for (slot, p) in c.iter_mut().zip(&parts) {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    Some(c)
}

impl FromStr for Fill {
    type Err = Error;

    /// Parses `transparent`, `edge`, `mirror`, `blur`, `color` (mid-grey),
    /// `color:#rrggbb[aa]` or `color:r,g,b[,a]`.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        match t {
            "transparent" => return Ok(Fill::Transparent),
            "edge" => return Ok(Fill::Edge),
            "mirror" => return Ok(Fill::Mirror),
            "blur" => return Ok(Fill::Blur),
            "color" => return Ok(Fill::Color(MID_GREY)),
            _ => {}
        }
        if let Some(c) = t.strip_prefix("color:") {
            return parse_color(c.trim()).map(Fill::Color).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidOption,
                    format!("bad fill colour {c:?}; expected #rrggbb, #rrggbbaa or r,g,b[,a] with 0..=255"),
                )
            });
        }
        bail!(
            InvalidOption,
            "unknown fill {t:?}; expected transparent, color[:#rrggbbaa], edge, mirror or blur"
        )
    }
}

impl Serialize for Fill {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fill {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Places `src` on a new canvas per `e` and fills the new area.
///
/// ```
/// use outpaint_core::pixels::pad;
/// use outpaint_core::{expand, Anchor, Fill, Image, Limits};
/// let src = Image::from_rgba(2, 1, vec![10, 20, 30, 255, 40, 50, 60, 255]).unwrap();
/// let e = expand(2, 1, &"edges:1,1,0,0".parse().unwrap(), Anchor::Center).unwrap();
/// let c = pad(src.view(), &e, Fill::Edge, &Limits::default()).unwrap();
/// assert_eq!(c.pixel(0, 0), [10, 20, 30, 255]);
/// assert_eq!(c.pixel(3, 0), [40, 50, 60, 255]);
/// ```
pub fn pad(src: ImageRef<'_>, e: &Expansion, fill: Fill, limits: &Limits) -> Result<Image> {
    check_source(src, e)?;
    limits.check_canvas(e.new_width, e.new_height)?;
    let mut rows = Rows::grow(e.new_height as usize, e.new_width as usize * RGBA)?;
    pad_rows(src, e, fill, &mut rows);
    Image::from_rgba(e.new_width, e.new_height, rows.into_vec())
}

fn check_source(src: ImageRef<'_>, e: &Expansion) -> Result<()> {
    if src.width() != e.width() || src.height() != e.height() {
        bail!(
            InvalidDimensions,
            "image is {}x{} but the expansion was computed for {}x{}",
            src.width(),
            src.height(),
            e.width(),
            e.height()
        );
    }
    Ok(())
}

/// Like [`pad`], but writes into a caller-provided `new_width * new_height * 4` buffer,
/// so repeated calls pay no allocation or page faults.
pub fn pad_into(src: ImageRef<'_>, e: &Expansion, fill: Fill, out: &mut [u8]) -> Result<()> {
    check_source(src, e)?;
    check_out(out.len(), e.new_width, e.new_height, RGBA)?;
    pad_rows(
        src,
        e,
        fill,
        &mut Rows::slice(out, e.new_width as usize * RGBA),
    );
    Ok(())
}

/// Writes the canvas top to bottom, each row once; rows that repeat an earlier one (edge
/// and mirror fills above and below the band) are copied from it.
fn pad_rows(src: ImageRef<'_>, e: &Expansion, fill: Fill, out: &mut Rows<'_>) {
    let canvas = PadRows::new(src, e, fill);
    for y in 0..e.new_height as usize {
        match canvas.copy_of(y) {
            Some(k) => out.repeat(k),
            None => out.next(|row| canvas.write(y, row)),
        }
    }
}

/// Any row of a padded canvas, computed on its own: what [`pad`] writes top to bottom, and
/// what `prepare_png` streams into the PNG encoder without the canvas ever existing whole.
pub(crate) struct PadRows<'a> {
    band: Band<'a>,
    outside: Outside,
    /// Rows above the band.
    top: usize,
    /// Rows of the band (the source's height).
    h: usize,
}

/// How the rows above and below the band are made.
enum Outside {
    /// One pixel repeated.
    Pattern([u8; 4]),
    /// The band's first row above it, its last below.
    Edge,
    /// The band's rows reflected.
    Mirror,
    /// Cascades from the band's first row (above) and last row (below).
    Blur(Cascade, Cascade),
}

impl<'a> PadRows<'a> {
    /// The canvas of `src` padded per `e` (whose source size must be `src`'s).
    pub(crate) fn new(src: ImageRef<'a>, e: &Expansion, fill: Fill) -> PadRows<'a> {
        let h = src.height() as usize;
        let (top, bottom) = (e.top as usize, e.bottom as usize);
        let band = Band::new(src, e, fill);
        let outside = match fill {
            Fill::Transparent => Outside::Pattern([0; 4]),
            Fill::Color(c) => Outside::Pattern(c),
            Fill::Edge => Outside::Edge,
            Fill::Mirror => Outside::Mirror,
            Fill::Blur => {
                let mut row = vec![0u8; e.new_width as usize * RGBA];
                band.write(&mut row, 0);
                let above = Cascade::new(&pixels(&row), top);
                band.write(&mut row, h - 1);
                Outside::Blur(above, Cascade::new(&pixels(&row), bottom))
            }
        };
        PadRows {
            band,
            outside,
            top,
            h,
        }
    }

    /// Writes canvas row `y` (all of it).
    pub(crate) fn write(&self, y: usize, row: &mut [u8]) {
        let (top, h) = (self.top, self.h);
        if (top..top + h).contains(&y) {
            return self.band.write(row, y - top);
        }
        match &self.outside {
            Outside::Pattern(px) => fill_pattern(row, *px),
            Outside::Edge => self.band.write(row, if y < top { 0 } else { h - 1 }),
            Outside::Mirror => self.band.write(row, mirror(y as i64 - top as i64, h)),
            Outside::Blur(above, _) if y < top => above.write_line(row, top - y),
            Outside::Blur(_, below) => below.write_line(row, y + 1 - (top + h)),
        }
    }

    /// The earlier row that row `y` repeats, when it repeats one: cheaper to copy than to
    /// compute for edge and mirror fills.
    fn copy_of(&self, y: usize) -> Option<usize> {
        let (top, last) = (self.top, self.top + self.h - 1);
        match self.outside {
            Outside::Edge if y > 0 && y < top => Some(0),
            Outside::Edge if y > last => Some(last),
            Outside::Mirror if y > last => Some(top + mirror(y as i64 - top as i64, self.h)),
            _ => None,
        }
    }
}

/// A row of RGBA bytes as pixels.
fn pixels(row: &[u8]) -> Vec<[u8; 4]> {
    row.chunks_exact(RGBA)
        .map(|p| [p[0], p[1], p[2], p[3]])
        .collect()
}

/// How a band row's sides are filled, with what each fill precomputes once.
struct Band<'a> {
    src: ImageRef<'a>,
    left: usize,
    sides: Sides,
}

enum Sides {
    Pattern([u8; 4]),
    Edge,
    Mirror(MirrorRuns, MirrorRuns),
    Blur {
        left: Cascade,
        right: Cascade,
        left_runs: SideRuns,
        right_runs: SideRuns,
    },
}

impl<'a> Band<'a> {
    fn new(src: ImageRef<'a>, e: &Expansion, fill: Fill) -> Band<'a> {
        let (w, h) = (src.width() as usize, src.height() as usize);
        let (left, right) = (e.left as usize, e.right as usize);
        let sides = match fill {
            Fill::Transparent => Sides::Pattern([0; 4]),
            Fill::Color(c) => Sides::Pattern(c),
            Fill::Edge => Sides::Edge,
            Fill::Mirror => Sides::Mirror(
                MirrorRuns::new((0..left).map(|i| mirror(i as i64 - left as i64, w))),
                MirrorRuns::new((0..right).map(|i| mirror((w + i) as i64, w))),
            ),
            Fill::Blur => {
                let lcol: Vec<[u8; 4]> = (0..h).map(|y| px_at(src.row(y as u32), 0)).collect();
                let rcol: Vec<[u8; 4]> = (0..h).map(|y| px_at(src.row(y as u32), w - 1)).collect();
                Sides::Blur {
                    left: Cascade::new(&lcol, left),
                    right: Cascade::new(&rcol, right),
                    left_runs: SideRuns::new(left, true),
                    right_runs: SideRuns::new(right, false),
                }
            }
        };
        Band { src, left, sides }
    }

    /// Writes band row `y` (source row `y` with its sides), left to right.
    fn write(&self, row: &mut [u8], y: usize) {
        let s = self.src.row(y as u32);
        let (l, rest) = row.split_at_mut(self.left * RGBA);
        let (mid, r) = rest.split_at_mut(s.len());
        match &self.sides {
            Sides::Pattern(px) => {
                fill_pattern(l, *px);
                mid.copy_from_slice(s);
                fill_pattern(r, *px);
            }
            Sides::Edge => {
                fill_pattern(l, px_at(s, 0));
                mid.copy_from_slice(s);
                fill_pattern(r, px_at(s, s.len() / RGBA - 1));
            }
            Sides::Mirror(lidx, ridx) => {
                gather(l, s, lidx);
                mid.copy_from_slice(s);
                gather(r, s, ridx);
            }
            Sides::Blur {
                left,
                right,
                left_runs,
                right_runs,
            } => {
                left.write_run(l, y, left_runs);
                mid.copy_from_slice(s);
                right.write_run(r, y, right_runs);
            }
        }
    }
}

/// The pixel at column `x` of a row.
#[inline]
pub(crate) fn px_at(row: &[u8], x: usize) -> [u8; 4] {
    let i = x * RGBA;
    [row[i], row[i + 1], row[i + 2], row[i + 3]]
}

/// Fills `dst` with a repeated pixel (memset when all four bytes agree).
#[inline]
pub(crate) fn fill_pattern(dst: &mut [u8], px: [u8; 4]) {
    if px[0] == px[1] && px[1] == px[2] && px[2] == px[3] {
        dst.fill(px[0]);
    } else {
        for p in dst.chunks_exact_mut(RGBA) {
            p.copy_from_slice(&px);
        }
    }
}

/// A mirrored side as runs of source columns: `(dst, src, len, reversed)`, so a row is
/// a few forward copies and reversed copies instead of a per-pixel gather.
struct MirrorRuns(Vec<(usize, usize, usize, bool)>);

impl MirrorRuns {
    fn new(cols: impl Iterator<Item = usize>) -> MirrorRuns {
        let mut runs: Vec<(usize, usize, usize, bool)> = Vec::new();
        for (d, s) in cols.enumerate() {
            if let Some(r) = runs.last_mut() {
                let next_fwd = r.1 + r.2;
                let next_rev = r.1.checked_sub(1);
                if (r.2 == 1 || !r.3) && s == next_fwd {
                    r.3 = false;
                    r.2 += 1;
                    continue;
                }
                if (r.2 == 1 || r.3) && Some(s) == next_rev {
                    r.3 = true;
                    r.1 = s;
                    r.2 += 1;
                    continue;
                }
            }
            runs.push((d, s, 1, false));
        }
        MirrorRuns(runs)
    }
}

fn gather(dst: &mut [u8], src_row: &[u8], runs: &MirrorRuns) {
    let (dst, _) = dst.as_chunks_mut::<RGBA>();
    let (src, _) = src_row.as_chunks::<RGBA>();
    for &(d, s, len, reversed) in &runs.0 {
        let (out, from) = (&mut dst[d..d + len], &src[s..s + len]);
        if reversed {
            for (o, f) in out.iter_mut().zip(from.iter().rev()) {
                *o = *f;
            }
        } else {
            out.copy_from_slice(from);
        }
    }
}

/// Symmetric reflection of any index into `0..n` (edge pixel repeated, period `2n`).
#[inline]
pub(crate) fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    let m = i.rem_euclid(2 * n);
    (if m < n { m } else { 2 * n - 1 - m }) as usize
}

/// The edge line blurred at every level of a box-blur cascade: level `k` is the line
/// averaged over windows of radius `2^k - 1` (ends replicated, rounded half up). A pixel
/// at distance `d >= 1` from the edge takes level `k = floor(log2 d)` blended towards
/// level `k + 1` by `t = floor(256 (d - 2^k) / 2^k)`:
/// `(a (256 - t) + b t + 128) >> 8`. So the blur radius grows with the distance, and
/// each pixel costs one blend of two precomputed colours.
/// For one side of `len` pixels, in memory order: each pixel's blend weight
/// ([`WEIGHT_BYTES`] copies of it), and the runs of pixels that share a cascade level
/// (`start..end` at level `k`).
pub(crate) struct SideRuns {
    t: Vec<u8>,
    runs: Vec<(usize, usize, usize)>,
}

impl SideRuns {
    /// `edge_last`: the run ends at the edge (a left or top side), else it starts there.
    pub(crate) fn new(len: usize, edge_last: bool) -> SideRuns {
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

pub(crate) struct Cascade {
    /// Level `k`'s line, RGBA bytes flat.
    levels: Vec<Vec<u8>>,
}

impl Cascade {
    /// Levels for distances `1..=max_d` over `line`.
    pub(crate) fn new(line: &[[u8; 4]], max_d: usize) -> Cascade {
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
    pub(crate) fn write_run(&self, dst: &mut [u8], i: usize, side: &SideRuns) {
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
    pub(crate) fn write_line(&self, dst: &mut [u8], d: usize) {
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
    use crate::{expand, Anchor};

    /// A 3x2 image with distinct pixels: value = 10 * (y * 3 + x + 1).
    fn src() -> Image {
        let mut d = Vec::new();
        for i in 1..=6u8 {
            d.extend_from_slice(&[i * 10, i * 10 + 1, i * 10 + 2, 255]);
        }
        Image::from_rgba(3, 2, d).unwrap()
    }

    fn padded(fill: Fill, edges: &str) -> Image {
        let s = src();
        let e = expand(3, 2, &edges.parse().unwrap(), Anchor::Center).unwrap();
        pad(s.view(), &e, fill, &Limits::default()).unwrap()
    }

    fn reds(img: &Image) -> Vec<Vec<u8>> {
        (0..img.height())
            .map(|y| (0..img.width()).map(|x| img.pixel(x, y)[0]).collect())
            .collect()
    }

    #[test]
    fn allocating_and_into_forms_write_the_same_rows() {
        let s = src();
        for fill in [
            Fill::Transparent,
            Fill::Color([1, 2, 3, 4]),
            Fill::Edge,
            Fill::Mirror,
            Fill::Blur,
        ] {
            for edges in [
                "edges:4,1,3,2",
                "edges:0,5,0,0",
                "edges:0,0,4,1",
                "edges:7,7,9,9",
            ] {
                let e = expand(3, 2, &edges.parse().unwrap(), Anchor::Center).unwrap();
                let a = pad(s.view(), &e, fill, &Limits::default()).unwrap();
                let mut b = vec![9u8; a.data().len()];
                pad_into(s.view(), &e, fill, &mut b).unwrap();
                assert_eq!(a.data(), &b[..], "{fill} {edges}");
            }
        }
    }

    #[test]
    fn transparent_and_color() {
        let c = padded(Fill::Transparent, "edges:1,1,1,1");
        assert_eq!((c.width(), c.height()), (5, 4));
        assert_eq!(c.pixel(0, 0), [0, 0, 0, 0]);
        assert_eq!(c.pixel(1, 1), [10, 11, 12, 255]);
        assert_eq!(c.pixel(3, 2), [60, 61, 62, 255]);
        assert_eq!(c.pixel(4, 3), [0, 0, 0, 0]);
        let g = padded(Fill::Color([1, 2, 3, 4]), "edges:1,1,1,1");
        assert_eq!(g.pixel(0, 0), [1, 2, 3, 4]);
        assert_eq!(g.pixel(4, 1), [1, 2, 3, 4]);
        assert_eq!(g.pixel(2, 2), [50, 51, 52, 255]);
    }

    #[test]
    fn edge_replicates_at_the_seam() {
        let c = padded(Fill::Edge, "edges:2,1,1,2");
        assert_eq!(
            reds(&c),
            vec![
                vec![10, 10, 10, 20, 30, 30],
                vec![10, 10, 10, 20, 30, 30],
                vec![40, 40, 40, 50, 60, 60],
                vec![40, 40, 40, 50, 60, 60],
                vec![40, 40, 40, 50, 60, 60],
            ]
        );
    }

    #[test]
    fn mirror_reflects_with_period_two_n() {
        let c = padded(Fill::Mirror, "edges:4,4,3,0");
        // Columns: mirror of -4..0 over width 3 -> 2,2,1,0 | 0,1,2 | 2,1,0,0
        assert_eq!(
            reds(&c)[3],
            vec![30, 30, 20, 10, 10, 20, 30, 30, 20, 10, 10]
        );
        // Rows above: mirror of -3..0 over height 2 -> 1,1,0
        assert_eq!(reds(&c)[0][4], 40);
        assert_eq!(reds(&c)[1][4], 40);
        assert_eq!(reds(&c)[2][4], 10);
    }

    #[test]
    fn blur_spreads_edge_colours() {
        let c = padded(Fill::Blur, "edges:3,0,0,0");
        // Column 0 is [10, 40]. Distance 1 is level 0 (the edge pixel itself); distance 2
        // is level 1 (radius 1: row 0 -> (10+10+40)/3 = 20, row 1 -> (10+40+40)/3 = 30);
        // distance 3 is halfway from level 1 to level 2 (radius 3: row 0 ->
        // (10*4+40*3)/7 = 22.86 -> 23): (20*128 + 23*128 + 128) >> 8 = 22.
        assert_eq!(reds(&c)[0], vec![22, 20, 10, 10, 20, 30]);
        assert_eq!(reds(&c)[1][..3], [29, 30, 40]);
        // A uniform image blurs to itself.
        let u = Image::from_rgba(4, 4, [7, 8, 9, 255].repeat(16)).unwrap();
        let e = expand(4, 4, &"expand_all:2".parse().unwrap(), Anchor::Center).unwrap();
        let b = pad(u.view(), &e, Fill::Blur, &Limits::default()).unwrap();
        assert!(b.data().chunks(4).all(|p| p == [7, 8, 9, 255]));
    }

    #[test]
    fn pad_into_matches_pad_and_checks_sizes() {
        let s = src();
        let e = expand(3, 2, &"16:9".parse().unwrap(), Anchor::Left).unwrap();
        for fill in [Fill::Transparent, Fill::Edge, Fill::Mirror, Fill::Blur] {
            let a = pad(s.view(), &e, fill, &Limits::default()).unwrap();
            let mut buf = vec![0xAB; a.data().len()];
            pad_into(s.view(), &e, fill, &mut buf).unwrap();
            assert_eq!(buf, a.data(), "{fill}");
        }
        let mut short = vec![0; 4];
        assert_eq!(
            pad_into(s.view(), &e, Fill::Edge, &mut short)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidDimensions
        );
        let other = expand(4, 2, &"16:9".parse().unwrap(), Anchor::Left).unwrap();
        assert_eq!(
            pad(s.view(), &other, Fill::Edge, &Limits::default())
                .unwrap_err()
                .code(),
            ErrorCode::InvalidDimensions
        );
    }

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
    fn mirror_runs_cover_each_column_once() {
        for (w, n) in [(1usize, 5usize), (3, 4), (3, 11), (7, 7), (5, 23)] {
            let cols: Vec<usize> = (0..n).map(|i| mirror(i as i64 - n as i64, w)).collect();
            let runs = MirrorRuns::new(cols.iter().copied());
            let mut got = vec![usize::MAX; n];
            for &(d, s, len, rev) in &runs.0 {
                for k in 0..len {
                    got[d + k] = if rev { s + len - 1 - k } else { s + k };
                }
            }
            assert_eq!(got, cols, "w={w} n={n}");
        }
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

    #[test]
    fn fill_parsing() {
        assert_eq!("color".parse::<Fill>().unwrap(), Fill::Color(MID_GREY));
        assert_eq!(
            "color:#102030".parse::<Fill>().unwrap(),
            Fill::Color([16, 32, 48, 255])
        );
        assert_eq!(
            "color:1,2,3,4".parse::<Fill>().unwrap(),
            Fill::Color([1, 2, 3, 4])
        );
        assert_eq!(Fill::Color([1, 2, 3, 4]).to_string(), "color:#01020304");
        for bad in [
            "smear",
            "color:#12",
            "color:1,2",
            "color:300,0,0",
            "color:#gg0000",
        ] {
            assert_eq!(
                bad.parse::<Fill>().unwrap_err().code(),
                ErrorCode::InvalidOption,
                "{bad}"
            );
        }
    }
}
