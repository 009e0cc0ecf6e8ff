//! Provider fitting: turning the full-resolution canvas into what a provider accepts, and
//! remembering how to map its result back.
//!
//! Every profile yields the same geometry: a sent canvas of `size`, in which the full
//! canvas, scaled by `scale`, sits at `content` (any rest is extra padding the provider
//! also fills) and the original sits at `image`. Canvas profiles send that canvas and a
//! mask; edge profiles send only the original, scaled to `image`, plus the per-edge
//! pixel counts `edges`, and get back a picture of `size`.

use serde::{Deserialize, Serialize};

use crate::error::{bail, Result};
use crate::geometry::Expansion;
use crate::geometry::Layout;
use crate::geometry::{Edges, Rect, Side, Size, Target};

mod direction;
mod profile;

pub use direction::*;
pub use profile::*;

/// What is sent to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Upload {
    /// A canvas of `size` (with a mask, or transparency for OpenAI).
    Canvas,
    /// The original scaled to `image`, plus the `edges` pixel counts.
    ImageAndEdges,
}

/// How a canvas is sent to a provider and mapped back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Profile name.
    pub profile: String,
    /// What is sent.
    pub send: Upload,
    /// The full-resolution canvas's expansion.
    pub expansion: Expansion,
    /// Sent pixels per canvas pixel.
    pub scale: f64,
    /// Size of the sent canvas (and of the result expected back).
    pub size: Size,
    /// Where the full canvas sits in the sent canvas (the rest is extra padding).
    pub content: Rect,
    /// Extra padding around `content`.
    pub padding: Edges,
    /// Where the original sits in the sent canvas.
    pub image: Rect,
    /// Pixels to generate on each side of `image` in the sent canvas (what edge profiles
    /// send as `left/right/top/bottom`).
    pub edges: Edges,
    /// Output aspect ratio asked of the provider (Gemini), such as `16:9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Output size asked of the provider by name (Gemini's `imageSize`, such as `2K`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size: Option<String>,
    /// A sentence saying where to extend (Gemini's prompt; useful for any provider).
    pub direction: String,
}

impl Plan {
    /// The layout of the sent canvas, for making its mask.
    pub fn sent_layout(&self) -> Layout {
        Layout {
            canvas_width: self.size.width,
            canvas_height: self.size.height,
            x: self.image.x,
            y: self.image.y,
            width: self.image.width,
            height: self.image.height,
        }
    }

    /// True when the sent canvas is the full canvas, pixel for pixel.
    pub fn is_identity(&self) -> bool {
        self.size.width == self.expansion.new_width
            && self.size.height == self.expansion.new_height
            && self.content.x == 0
            && self.content.y == 0
    }
}

fn padding_side(before: u32, after: u32) -> Side {
    match (before > 0, after > 0) {
        (true, false) => Side::End,
        (false, true) => Side::Start,
        _ => Side::Middle,
    }
}

fn round_scaled(v: u32, s: f64) -> u32 {
    ((f64::from(v) * s).round() as u32).max(1)
}

/// Fits an expansion to a provider profile. `target` picks the direction sentence.
pub fn fit(expansion: &Expansion, target: &Target, profile: &Profile) -> Result<Plan> {
    let e = *expansion;
    let direction = direction_sentence(target, &e);
    profile.validate()?;
    let plan = match &profile.geometry {
        Geometry::Canvas(rules) => fit_canvas(&e, rules)?,
        Geometry::Edges(rules) => fit_edges(&e, rules)?,
        Geometry::Aspect(rules) => fit_aspect(&e, rules)?,
    };
    Ok(Plan {
        profile: profile.short_name().to_string(),
        direction,
        ..plan
    })
}

/// The largest scale (at most 1) at which a `w x h` picture has no side over `max_side`
/// and no more than `max_pixels` pixels (0 = no limit).
pub(crate) fn scale_into(w: f64, h: f64, max_side: u32, max_pixels: u64) -> f64 {
    let mut s: f64 = 1.0;
    if max_side != 0 {
        s = s.min(f64::from(max_side) / w.max(h));
    }
    if max_pixels != 0 {
        s = s.min((max_pixels as f64 / (w * h)).sqrt());
    }
    s
}

/// The original scaled within the rules, each side's new pixels scaled with it.
fn fit_edges(e: &Expansion, r: &EdgeRules) -> Result<Plan> {
    let (w, h) = (f64::from(e.width()), f64::from(e.height()));
    let (cw, ch) = (f64::from(e.new_width), f64::from(e.new_height));
    let max_edge = [e.left, e.right, e.top, e.bottom]
        .into_iter()
        .max()
        .unwrap_or(0);
    let mut s: f64 = 1.0;
    if r.max_edge != 0 && max_edge > r.max_edge {
        s = s.min(f64::from(r.max_edge) / f64::from(max_edge));
    }
    s = s.min(scale_into(w, h, r.max_side, r.max_pixels));
    s = s.min(scale_into(cw, ch, r.max_result_side, r.max_result_pixels));
    if r.min_side != 0 && w.min(h) * s < f64::from(r.min_side) {
        s = f64::from(r.min_side) / w.min(h);
    }
    if r.min_result_side != 0 && cw.min(ch) * s < f64::from(r.min_result_side) {
        s = f64::from(r.min_result_side) / cw.min(ch);
    }
    let over = |limit: u32, v: f64| limit != 0 && v > f64::from(limit) + 0.5;
    if over(r.max_side, w.max(h) * s) || over(r.max_result_side, cw.max(ch) * s) {
        bail!(
            InvalidOption,
            "a {}x{} image to {}x{} cannot be scaled into the profile's side limits",
            e.width(),
            e.height(),
            e.new_width,
            e.new_height
        );
    }
    let edge = if r.max_edge == 0 {
        u32::MAX
    } else {
        r.max_edge
    };
    let result = if r.max_result_side == 0 {
        u32::MAX
    } else {
        r.max_result_side
    };
    Ok(edge_plan(e, s, edge, result))
}

/// The smallest box of an offered aspect that holds the canvas, scaled to the output
/// size asked for; the original is sent at that scale.
fn fit_aspect(e: &Expansion, r: &AspectRules) -> Result<Plan> {
    let (cw, ch) = (e.new_width, e.new_height);
    let aspects = r
        .aspects
        .iter()
        .map(|t| parse_aspect(t))
        .collect::<Result<Vec<_>>>()?;
    let (a, b) = closest_aspect(cw, ch, aspects.into_iter());
    let (a64, b64) = (u64::from(a), u64::from(b));
    let (bw, bh) = if u64::from(cw) * b64 >= u64::from(ch) * a64 {
        (cw, (u64::from(cw) * b64).div_ceil(a64) as u32)
    } else {
        ((u64::from(ch) * a64).div_ceil(b64) as u32, ch)
    };
    let long = bw.max(bh);
    let (image_size, side) = match r
        .image_sizes
        .iter()
        .filter(|(_, &px)| px >= long)
        .min_by_key(|(_, &px)| px)
        .or_else(|| r.image_sizes.iter().max_by_key(|(_, &px)| px))
    {
        Some((name, &px)) => (Some(name.clone()), px),
        None => (None, r.sent_side),
    };
    let s = if side != 0 && side < long {
        f64::from(side) / f64::from(long)
    } else {
        1.0
    };
    let size = if s == 1.0 {
        Size::new(bw, bh)
    } else {
        Size::new(round_scaled(bw, s), round_scaled(bh, s))
    };
    let mut p = canvas_plan(e, s, size);
    p.send = Upload::ImageAndEdges;
    p.aspect_ratio = Some(format!("{a}:{b}"));
    p.image_size = image_size;
    Ok(p)
}

/// A canvas plan: the canvas scaled by `s` and padded to `size`.
fn canvas_plan(e: &Expansion, s: f64, size: Size) -> Plan {
    let (sw, sh) = if s == 1.0 {
        (e.new_width, e.new_height)
    } else {
        (
            round_scaled(e.new_width, s).min(size.width),
            round_scaled(e.new_height, s).min(size.height),
        )
    };
    let (pl, pr) = padding_side(e.left, e.right).split(size.width - sw);
    let (pt, pb) = padding_side(e.top, e.bottom).split(size.height - sh);
    let (ix, iy) = if s == 1.0 {
        (e.left, e.top)
    } else {
        (
            ((f64::from(e.left) * s).round() as u32).min(sw - 1),
            ((f64::from(e.top) * s).round() as u32).min(sh - 1),
        )
    };
    let iw = if s == 1.0 {
        e.width()
    } else {
        round_scaled(e.width(), s).min(sw - ix)
    };
    let ih = if s == 1.0 {
        e.height()
    } else {
        round_scaled(e.height(), s).min(sh - iy)
    };
    let image = Rect {
        x: pl + ix,
        y: pt + iy,
        width: iw,
        height: ih,
    };
    Plan {
        profile: String::new(),
        send: Upload::Canvas,
        expansion: *e,
        scale: s,
        size,
        content: Rect {
            x: pl,
            y: pt,
            width: sw,
            height: sh,
        },
        padding: Edges::new(pl, pr, pt, pb),
        image,
        edges: Edges::new(
            image.x,
            size.width - image.x - image.width,
            image.y,
            size.height - image.y - image.height,
        ),
        aspect_ratio: None,
        image_size: None,
        direction: String::new(),
    }
}

/// An edge plan: the original scaled by `s`, each edge at most `max_edge`, each result
/// side at most `max_result`.
fn edge_plan(e: &Expansion, s: f64, max_edge: u32, max_result: u32) -> Plan {
    let iw = round_scaled(e.width(), s);
    let ih = round_scaled(e.height(), s);
    let sc = |v: u32| ((f64::from(v) * s).round() as u32).min(max_edge);
    let (mut l, mut r, mut t, mut b) = (sc(e.left), sc(e.right), sc(e.top), sc(e.bottom));
    // Rounding may push a side 1 px over the result limit: take it from the larger edge.
    trim(iw, &mut l, &mut r, max_result);
    trim(ih, &mut t, &mut b, max_result);
    let size = Size::new(iw + l + r, ih + t + b);
    let image = Rect {
        x: l,
        y: t,
        width: iw,
        height: ih,
    };
    Plan {
        profile: String::new(),
        send: Upload::ImageAndEdges,
        expansion: *e,
        scale: s,
        size,
        content: Rect {
            x: 0,
            y: 0,
            width: size.width,
            height: size.height,
        },
        padding: Edges::default(),
        image,
        edges: Edges::new(l, r, t, b),
        aspect_ratio: None,
        image_size: None,
        direction: String::new(),
    }
}

/// Shrinks the larger of two edges until `side + a + b <= max` (never below zero; the
/// side itself is kept within `max` by the caller's scale).
fn trim(side: u32, a: &mut u32, b: &mut u32, max: u32) {
    let over = u64::from(side) + u64::from(*a) + u64::from(*b);
    let mut excess = over.saturating_sub(u64::from(max));
    while excess > 0 && *a + *b > 0 {
        if *a >= *b {
            *a -= 1
        } else {
            *b -= 1
        }
        excess -= 1;
    }
}

/// The aspect in `choices` closest to `w:h` on a log scale (ties: first listed).
fn closest_aspect(w: u32, h: u32, choices: impl Iterator<Item = (u32, u32)>) -> (u32, u32) {
    let r = (f64::from(w) / f64::from(h)).ln();
    choices
        .fold(None::<((u32, u32), f64)>, |best, (a, b)| {
            let d = ((f64::from(a) / f64::from(b)).ln() - r).abs();
            match best {
                Some((_, bd)) if bd <= d + 1e-12 => best,
                _ => Some(((a, b), d)),
            }
        })
        .map(|(ab, _)| ab)
        .unwrap_or((w, h))
}

fn fit_canvas(e: &Expansion, rules: &CanvasRules) -> Result<Plan> {
    let (cw, ch) = (e.new_width, e.new_height);
    if !rules.sizes.is_empty() {
        let (tw, th) = closest_aspect(cw, ch, rules.sizes.iter().map(|s| (s.width, s.height)));
        let s = (f64::from(tw) / f64::from(cw)).min(f64::from(th) / f64::from(ch));
        return Ok(canvas_plan(e, s, Size::new(tw, th)));
    }
    let m = rules.multiple_of.max(1);
    let max_side = if rules.max_side == 0 {
        u32::MAX
    } else {
        rules.max_side / m * m
    };
    // The sent box of a canvas of sw x sh: padded to the aspect limit, then to the multiple.
    let boxed = |sw: u32, sh: u32| {
        let (mut bw, mut bh) = (u64::from(sw), u64::from(sh));
        if rules.max_aspect != 0 {
            let a = u64::from(rules.max_aspect);
            bw = bw.max(bh.div_ceil(a));
            bh = bh.max(bw.div_ceil(a));
        }
        let m = u64::from(m);
        (bw.div_ceil(m) * m, bh.div_ceil(m) * m)
    };
    let (bw, bh) = boxed(cw, ch);
    let (bw, bh) = (bw as f64, bh as f64);
    let mut s: f64 = 1.0;
    s = s.min(f64::from(max_side) / bw.max(bh));
    if rules.max_pixels != 0 {
        s = s.min((rules.max_pixels as f64 / (bw * bh)).sqrt());
    }
    if rules.min_side != 0 && f64::from(cw.min(ch)) * s < f64::from(rules.min_side) {
        s = f64::from(rules.min_side) / f64::from(cw.min(ch));
    }
    if rules.min_pixels != 0 && bw * bh * s * s < rules.min_pixels as f64 {
        s = (rules.min_pixels as f64 / (bw * bh)).sqrt();
    }
    for _ in 0..64 {
        let (sw, sh) = if s == 1.0 {
            (cw, ch)
        } else {
            (round_scaled(cw, s), round_scaled(ch, s))
        };
        let (w, h) = boxed(sw, sh);
        let px = w * h;
        let too_big = w > u64::from(max_side)
            || h > u64::from(max_side)
            || (rules.max_pixels != 0 && px > rules.max_pixels);
        let too_small = rules.min_pixels != 0 && px < rules.min_pixels;
        match (too_big, too_small) {
            (false, false) => return Ok(canvas_plan(e, s, Size::new(w as u32, h as u32))),
            (true, _) => s *= 0.995,
            (false, true) => s *= 1.005,
        }
    }
    bail!(
        InvalidOption,
        "a {cw}x{ch} canvas cannot be fitted to the profile's limits"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{expand, Anchor, ErrorCode};

    fn plan(w: u32, h: u32, t: &str, p: &str) -> Plan {
        let t: Target = t.parse().unwrap();
        let e = expand(w, h, &t, Anchor::Center).unwrap();
        fit(&e, &t, &p.parse().unwrap()).unwrap()
    }

    #[test]
    fn full_is_identity() {
        let p = plan(1024, 1024, "16:9", "full");
        assert!(p.is_identity());
        assert_eq!(p.size, Size::new(1820, 1024));
        assert_eq!(p.edges, Edges::new(398, 398, 0, 0));
    }

    #[test]
    fn flux_fill_pads_to_sixteen_on_grown_sides() {
        let p = plan(1024, 1024, "16:9", "flux-fill");
        assert_eq!(p.size, Size::new(1824, 1024));
        assert_eq!(p.padding, Edges::new(2, 2, 0, 0));
        assert_eq!(
            p.image,
            Rect {
                x: 400,
                y: 0,
                width: 1024,
                height: 1024
            }
        );
        assert_eq!(p.edges, Edges::new(400, 400, 0, 0));
        assert_eq!(p.scale, 1.0);
        // 1000x1000 -> 4:3: 1333x1000 -> 1344x1008; height did not grow: centred padding.
        let q = plan(1000, 1000, "4:3", "flux-fill");
        assert_eq!(q.size, Size::new(1344, 1008));
        assert_eq!(q.padding, Edges::new(5, 6, 4, 4));
    }

    #[test]
    fn openai_fits_gpt_image_2_sizes() {
        // Any size divisible by 16: the 1820x1024 canvas padded by 4 px, not scaled.
        let p = plan(1024, 1024, "16:9", "openai");
        assert_eq!((p.size, p.scale), (Size::new(1824, 1024), 1.0));
        assert_eq!(p.padding, Edges::new(2, 2, 0, 0));
        // At most 3840x2160 pixels: a 16:9 canvas of 4000x3000 goes scaled to it.
        let q = plan(4000, 3000, "16:9", "openai");
        assert!(q.size.width * q.size.height <= 3840 * 2160, "{:?}", q.size);
        assert_eq!((q.size.width % 16, q.size.height % 16), (0, 0));
        assert_eq!(q.size, Size::new(3840, 2160));
        // At least 655,360 pixels: small canvases are scaled up.
        let r = plan(300, 300, "1:1", "openai");
        assert_eq!(r.size, Size::new(816, 816));
        assert!(r.scale > 2.6, "{}", r.scale);
        // Longer than 3:1: padded to 3:1.
        let t = plan(4000, 1000, "edges:0,0,10,10", "openai");
        assert_eq!(t.size.width, t.size.height * 3);
        assert!(t.padding.top + t.padding.bottom > 0);
    }

    #[test]
    fn custom_min_pixels_and_aspect_are_checked() {
        let upside_down = CanvasRules {
            min_pixels: 100,
            max_pixels: 99,
            ..CanvasRules::default()
        };
        assert_eq!(
            upside_down.validate().unwrap_err().message(),
            "min pixels 100 is above max pixels 99"
        );
    }

    #[test]
    fn flux_expand_scales_so_edges_fit() {
        let p = plan(1000, 1000, "edges:3000,0,0,0", "flux-expand");
        assert_eq!(p.edges.left, 2048);
        assert_eq!(p.image.width, 683);
        assert_eq!(p.send, Upload::ImageAndEdges);
        let q = plan(1024, 1024, "16:9", "flux-expand");
        assert_eq!(q.edges, Edges::new(398, 398, 0, 0));
        assert_eq!(q.scale, 1.0);
    }

    #[test]
    fn trimming_never_underflows() {
        let (mut l, mut r) = (3, 1);
        trim(10, &mut l, &mut r, 12);
        assert_eq!((l, r), (1, 1));
        let (mut l, mut r) = (2, 2);
        trim(20, &mut l, &mut r, 10); // the side alone is over: edges go to 0, no panic
        assert_eq!((l, r), (0, 0));
    }

    #[test]
    fn recraft_limits() {
        let p = plan(4000, 4000, "16:9", "recraft-outpaint");
        assert!(p.size.width <= 4096 && p.size.height <= 4096);
        assert!(p.image.width * p.image.height <= 16_000_000);
        let small = plan(100, 100, "16:9", "recraft-outpaint");
        assert_eq!(small.image.width, 256);
        assert_eq!(small.size.height, 256);
    }

    #[test]
    fn gemini_aspect_and_sentence() {
        let p = plan(1024, 1024, "16:9", "gemini");
        assert_eq!(p.aspect_ratio.as_deref(), Some("16:9"));
        assert_eq!(
            p.direction,
            "horizontally to the left and right to create a wider landscape view"
        );
        assert_eq!(
            plan(1024, 1024, "4:3", "gemini").direction,
            "to reach a 4:3 aspect ratio"
        );
        let t: Target = "4:3".parse().unwrap();
        let e = expand(1024, 1024, &t, Anchor::Left).unwrap();
        assert_eq!(
            fit(&e, &t, &"gemini".parse::<Profile>().unwrap())
                .unwrap()
                .direction,
            "to the right to reach a 4:3 aspect ratio"
        );
    }

    #[test]
    fn custom_rules_parse_and_apply() {
        let p = plan(
            3000,
            1000,
            "expand_all",
            "custom:multiple=64,max=2048,pixels=2000000",
        );
        assert_eq!(p.size.width % 64, 0);
        assert_eq!(p.size.height % 64, 0);
        assert!(p.size.width <= 2048);
        assert!(u64::from(p.size.width) * u64::from(p.size.height) <= 2_000_000);
        for bad in [
            "custom:foo=1",
            "custom:max=8,multiple=16",
            "nope",
            "custom:sizes=0x5",
        ] {
            assert_eq!(
                bad.parse::<Profile>().unwrap_err().code(),
                ErrorCode::InvalidOption,
                "{bad}"
            );
        }
    }
}
