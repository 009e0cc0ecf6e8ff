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

mod cascade;
mod mirror;

use cascade::{Cascade, SideRuns};
use mirror::{gather, mirror, MirrorRuns};

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
