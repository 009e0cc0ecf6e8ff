//! Expansion targets (`16:9`, `expand_all:0.25`, `edges:10,20,0,0`) and anchors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{bail, Error, ErrorCode, Result};

/// Largest term accepted in a custom `A:B` ratio.
pub const MAX_RATIO_TERM: u32 = 10_000;

/// The ten named aspect-ratio presets, in the order the docs list them.
pub const NAMED_RATIOS: [(u32, u32); 10] = [
    (16, 9),
    (9, 16),
    (1, 1),
    (4, 3),
    (3, 2),
    (2, 3),
    (4, 5),
    (5, 4),
    (3, 4),
    (21, 9),
];

/// An aspect ratio `a:b` with both terms in `1..=10000`, kept as written (`32:18` stays
/// `32:18`; the maths reduces it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    a: u32,
    b: u32,
}

impl Ratio {
    /// Makes a ratio; each term must be in `1..=10000`.
    pub fn new(a: u32, b: u32) -> Result<Self> {
        if !(1..=MAX_RATIO_TERM).contains(&a) || !(1..=MAX_RATIO_TERM).contains(&b) {
            bail!(
                InvalidTarget,
                "ratio terms must be integers in 1..={MAX_RATIO_TERM}, got {a}:{b}"
            );
        }
        Ok(Ratio { a, b })
    }

    /// The first (horizontal) term as written.
    pub fn a(self) -> u32 {
        self.a
    }

    /// The second (vertical) term as written.
    pub fn b(self) -> u32 {
        self.b
    }

    /// The ratio in lowest terms.
    pub fn reduced(self) -> (u32, u32) {
        let g = gcd(self.a, self.b);
        (self.a / g, self.b / g)
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// An exact fraction in `(0, 4]`, the growth factor of `expand_all:F` (each axis grows by
/// `floor(side * F)`). Parsed from decimals with at most 6 fractional digits (`0.25`) or
/// from `n/d` (`1/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u32,
    den: u32,
}

impl Fraction {
    /// One half: the growth of plain `expand_all`.
    pub const HALF: Fraction = Fraction { num: 1, den: 2 };

    /// Makes `num/den`, reduced; must lie in `(0, 4]`.
    pub fn new(num: u32, den: u32) -> Result<Self> {
        if den == 0 || num == 0 || u64::from(num) > 4 * u64::from(den) {
            bail!(
                InvalidTarget,
                "expand_all fraction must be in (0, 4], got {num}/{den}"
            );
        }
        let g = gcd(num, den);
        Ok(Fraction {
            num: num / g,
            den: den / g,
        })
    }

    /// Numerator in lowest terms.
    pub fn num(self) -> u32 {
        self.num
    }

    /// Denominator in lowest terms.
    pub fn den(self) -> u32 {
        self.den
    }

    /// `floor(side * self)`, exactly.
    pub fn of(self, side: u32) -> u64 {
        u64::from(side) * u64::from(self.num) / u64::from(self.den)
    }
}

impl fmt::Display for Fraction {
    /// Writes a decimal when the fraction has one of at most 6 digits, else `n/d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut den = self.den;
        let mut twos = 0;
        let mut fives = 0;
        while den.is_multiple_of(2) {
            den /= 2;
            twos += 1;
        }
        while den.is_multiple_of(5) {
            den /= 5;
            fives += 1;
        }
        let digits = twos.max(fives);
        if den != 1 || digits > 6 {
            return write!(f, "{}/{}", self.num, self.den);
        }
        let scale = 10u64.pow(digits);
        let scaled = u64::from(self.num) * scale / u64::from(self.den);
        let (int, frac) = (scaled / scale, scaled % scale);
        if digits == 0 {
            write!(f, "{int}")
        } else {
            let s = format!("{frac:0width$}", width = digits as usize);
            write!(f, "{int}.{}", s.trim_end_matches('0'))
        }
    }
}

impl FromStr for Fraction {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::new(
                ErrorCode::InvalidTarget,
                format!("expand_all fraction {s:?} is not a number in (0, 4] such as 0.25 or 1/3"),
            )
        };
        if let Some((n, d)) = s.split_once('/') {
            let n: u32 = parse_digits(n).ok_or_else(bad)?;
            let d: u32 = parse_digits(d).ok_or_else(bad)?;
            return Fraction::new(n, d).map_err(|_| bad());
        }
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() || frac.len() > 6 {
            return Err(bad());
        }
        let int: u32 = if int.is_empty() {
            0
        } else {
            parse_digits(int).ok_or_else(bad)?
        };
        let frac_val: u32 = if frac.is_empty() {
            0
        } else {
            parse_digits(frac).ok_or_else(bad)?
        };
        if int > 4 {
            return Err(bad());
        }
        let den = 10u32.pow(frac.len() as u32);
        Fraction::new(int * den + frac_val, den).map_err(|_| bad())
    }
}

/// Parses ASCII digits only (no sign, no spaces), with a length guard against overflow.
fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Pixels added on each side of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Edges {
    /// Pixels added left of the original.
    pub left: u32,
    /// Pixels added right of the original.
    pub right: u32,
    /// Pixels added above the original.
    pub top: u32,
    /// Pixels added below the original.
    pub bottom: u32,
}

impl Edges {
    /// Makes edges from `left, right, top, bottom`.
    pub const fn new(left: u32, right: u32, top: u32, bottom: u32) -> Self {
        Edges {
            left,
            right,
            top,
            bottom,
        }
    }

    /// True when no side grows.
    pub fn is_zero(&self) -> bool {
        *self == Edges::default()
    }
}

/// What to expand an image to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Grow one axis until the canvas has this aspect ratio.
    Ratio(Ratio),
    /// Grow each axis by `floor(side * fraction)`, split over both of its sides.
    ExpandAll(Fraction),
    /// Grow by explicit pixel counts per side (the anchor is not used).
    Edges(Edges),
}

impl Target {
    /// Every named preset, as parsed targets (ratios, then `expand_all`).
    pub fn presets() -> Vec<Target> {
        let mut v: Vec<Target> = NAMED_RATIOS
            .iter()
            .map(|&(a, b)| Target::Ratio(Ratio { a, b }))
            .collect();
        v.push(Target::ExpandAll(Fraction::HALF));
        v
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ratio(r) => write!(f, "{}:{}", r.a, r.b),
            Target::ExpandAll(fr) if *fr == Fraction::HALF => f.write_str("expand_all"),
            Target::ExpandAll(fr) => write!(f, "expand_all:{fr}"),
            Target::Edges(e) => write!(f, "edges:{},{},{},{}", e.left, e.right, e.top, e.bottom),
        }
    }
}

impl FromStr for Target {
    type Err = Error;

    /// Parses `16:9` (any `A:B`, terms 1..=10000), `expand_all`, `expand_all:F` and
    /// `edges:LEFT,RIGHT,TOP,BOTTOM`. Surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t == "expand_all" {
            return Ok(Target::ExpandAll(Fraction::HALF));
        }
        if let Some(f) = t.strip_prefix("expand_all:") {
            return Ok(Target::ExpandAll(f.parse()?));
        }
        if let Some(rest) = t.strip_prefix("edges:") {
            let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
            let nums: Option<Vec<u32>> = parts.iter().map(|p| parse_digits(p)).collect();
            match nums.as_deref() {
                Some(&[l, r, tp, b]) => return Ok(Target::Edges(Edges::new(l, r, tp, b))),
                _ => bail!(
                    InvalidTarget,
                    "edges target {t:?} must be edges:LEFT,RIGHT,TOP,BOTTOM with four whole pixel counts"
                ),
            }
        }
        if let Some((a, b)) = t.split_once(':') {
            return match (parse_digits(a), parse_digits(b)) {
                (Some(a), Some(b)) => Ratio::new(a, b).map(Target::Ratio),
                _ => bail!(
                    InvalidTarget,
                    "ratio target {t:?} must be A:B with whole numbers in 1..={MAX_RATIO_TERM}"
                ),
            };
        }
        bail!(
            InvalidTarget,
            "unknown target {t:?}; expected a ratio like 16:9, expand_all, expand_all:0.25 or edges:L,R,T,B"
        )
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where the original sits on the expanded canvas: growth goes to the opposite side(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Anchor {
    /// Centred: growth split evenly, the odd pixel going right / bottom.
    #[default]
    Center,
    /// Against the left side: all horizontal growth goes right.
    Left,
    /// Against the right side.
    Right,
    /// Against the top: all vertical growth goes below.
    Top,
    /// Against the bottom.
    Bottom,
    /// Top-left corner.
    TopLeft,
    /// Top-right corner.
    TopRight,
    /// Bottom-left corner.
    BottomLeft,
    /// Bottom-right corner.
    BottomRight,
}

/// Where, along one axis, the original sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Start,
    Middle,
    End,
}

impl Side {
    /// Splits `total` growth into (before, after).
    pub(crate) fn split(self, total: u32) -> (u32, u32) {
        match self {
            Side::Start => (0, total),
            Side::Middle => (total / 2, total - total / 2),
            Side::End => (total, 0),
        }
    }
}

crate::names::named_enum!(Anchor, "anchor", InvalidOption {
    Center => "center",
    Left => "left",
    Right => "right",
    Top => "top",
    Bottom => "bottom",
    TopLeft => "top-left",
    TopRight => "top-right",
    BottomLeft => "bottom-left",
    BottomRight => "bottom-right",
});

impl Anchor {
    pub(crate) fn horizontal(self) -> Side {
        match self {
            Anchor::Left | Anchor::TopLeft | Anchor::BottomLeft => Side::Start,
            Anchor::Right | Anchor::TopRight | Anchor::BottomRight => Side::End,
            _ => Side::Middle,
        }
    }

    pub(crate) fn vertical(self) -> Side {
        match self {
            Anchor::Top | Anchor::TopLeft | Anchor::TopRight => Side::Start,
            Anchor::Bottom | Anchor::BottomLeft | Anchor::BottomRight => Side::End,
            _ => Side::Middle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> ErrorCode {
        s.parse::<Target>().unwrap_err().code()
    }

    #[test]
    fn parses_every_form_and_prints_it_back() {
        for s in [
            "16:9",
            "9:16",
            "21:9",
            "32:18",
            "1:10000",
            "expand_all",
            "expand_all:0.25",
            "expand_all:4",
            "expand_all:1/3",
            "expand_all:0.000001",
            "edges:10,20,0,0",
        ] {
            let t: Target = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            "expand_all:0.5".parse::<Target>().unwrap(),
            Target::ExpandAll(Fraction::HALF)
        );
        assert_eq!(
            " edges: 1, 2 ,3,4 ".parse::<Target>().unwrap(),
            Target::Edges(Edges::new(1, 2, 3, 4))
        );
    }

    #[test]
    fn malformed_targets_are_invalid_target() {
        for s in [
            "",
            "wide",
            "16:0",
            "0:9",
            "10001:1",
            "16:9:1",
            "-16:9",
            "16.5:9",
            "16 :9x",
            "expand_all:0",
            "expand_all:4.000001",
            "expand_all:5",
            "expand_all:-1",
            "expand_all:0.1234567",
            "expand_all:abc",
            "expand_all:.",
            "expand_all:1/0",
            "edges:1,2,3",
            "edges:1,2,3,4,5",
            "edges:-1,0,0,0",
            "edges:a,b,c,d",
            "99999999999:1",
        ] {
            assert_eq!(code(s), ErrorCode::InvalidTarget, "{s:?}");
        }
    }

    #[test]
    fn ratio_reduces() {
        assert_eq!(Ratio::new(32, 18).unwrap().reduced(), (16, 9));
        assert_eq!(Ratio::new(7, 7).unwrap().reduced(), (1, 1));
    }

    #[test]
    fn anchors_parse_and_reject_unknown() {
        for a in Anchor::ALL {
            assert_eq!(a.as_str().parse::<Anchor>().unwrap(), a);
        }
        assert_eq!(
            "middle".parse::<Anchor>().unwrap_err().code(),
            ErrorCode::InvalidOption
        );
    }

    #[test]
    fn fraction_display() {
        assert_eq!(Fraction::new(1, 4).unwrap().to_string(), "0.25");
        assert_eq!(Fraction::new(3, 2).unwrap().to_string(), "1.5");
        assert_eq!(Fraction::new(2, 1).unwrap().to_string(), "2");
        assert_eq!(Fraction::new(1, 3).unwrap().to_string(), "1/3");
    }
}
