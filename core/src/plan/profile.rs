//! Provider profiles: the geometry each provider accepts (a canvas with rules, the
//! original plus edges, or the original plus an aspect), found by name in the model
//! registry (`flux-fill`) or given as rules (`custom:multiple=16,...`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::error::{bail, Error, ErrorCode, Result};
use crate::geometry::Size;
use crate::pixels::MaskKind;
use crate::plan::Upload;

/// Constraints of a provider that takes a whole canvas (and a mask). Zero means no limit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanvasRules {
    /// Both sides padded up to a multiple of this (0 or 1 = any size).
    pub multiple_of: u32,
    /// Smallest side; smaller canvases are scaled up.
    pub min_side: u32,
    /// Largest side; larger canvases are scaled down.
    pub max_side: u32,
    /// Fewest pixels; smaller canvases are scaled up.
    pub min_pixels: u64,
    /// Most pixels; larger canvases are scaled down.
    pub max_pixels: u64,
    /// Longest side at most this many times the shorter: a longer canvas is padded.
    pub max_aspect: u32,
    /// If not empty, the only sizes accepted: the one with the closest aspect ratio is
    /// picked, the canvas scaled to fit inside it and the rest padded.
    pub sizes: Vec<Size>,
}

/// Constraints of a provider that takes the original plus the pixels to add on each side
/// (or, the same numbers, the original placed on a larger canvas). Zero means no limit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EdgeRules {
    /// Most pixels added on one side.
    pub max_edge: u32,
    /// Smallest side of the sent original (scaled up to it).
    pub min_side: u32,
    /// Largest side of the sent original.
    pub max_side: u32,
    /// Most pixels of the sent original.
    pub max_pixels: u64,
    /// Smallest side of the result (scaled up to it).
    pub min_result_side: u32,
    /// Largest side of the result.
    pub max_result_side: u32,
    /// Most pixels of the result.
    pub max_result_pixels: u64,
}

/// Constraints of a provider that redraws the whole frame from the original and an
/// aspect ratio from a list (Gemini).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AspectRules {
    /// The aspect ratios offered, as `w:h`.
    pub aspects: Vec<String>,
    /// Output sizes offered by name (`1K`) with their long side in pixels: the smallest
    /// that holds the canvas is asked for (else the largest), and the original is sent
    /// scaled to it.
    pub image_sizes: BTreeMap<String, u32>,
    /// With no `image_sizes`: the long side the original is sent at, at most (0 = as is).
    pub sent_side: u32,
}

/// The geometry of a profile: what shape of request it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "send", rename_all = "camelCase")]
pub enum Geometry {
    /// A canvas (with a mask) within rules; default rules send the full canvas as is.
    Canvas(CanvasRules),
    /// The original scaled, plus per-side pixel counts.
    Edges(EdgeRules),
    /// The original plus an aspect ratio (and an output size) from a list.
    Aspect(AspectRules),
}

/// A provider profile: the geometry a provider accepts, the mask it wants and the model
/// that outpaints with it. The built-in ones are read from the model registry
/// ([`crate::providers::Registry`]); `custom:...` names give canvas rules directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The name it was found by (`flux-fill`, `custom:multiple=16`).
    #[serde(skip)]
    pub name: String,
    /// What is sent.
    #[serde(flatten)]
    pub geometry: Geometry,
    /// The registry model that outpaints with this profile (empty for geometry only).
    #[serde(default)]
    pub model: String,
    /// The mask the provider wants.
    #[serde(default)]
    pub mask: MaskKind,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::full()
    }
}

impl Profile {
    /// This profile with its caps lowered so that a plan like `plan` (made with it) sends
    /// a smaller picture: about `factor` (< 1) of its pixels for canvas and edge profiles,
    /// the next smaller output size for an aspect profile. `None` when nothing can be
    /// lowered (fixed sizes, a minimum in the way, the smallest size already).
    pub fn shrunk(&self, plan: &super::Plan, factor: f64) -> Option<Profile> {
        let pixels = |w: u32, h: u32| u64::from(w) * u64::from(h);
        let lower = |cap: u64, now: u64| {
            let want = (now as f64 * factor).floor() as u64;
            if cap == 0 {
                want
            } else {
                cap.min(want)
            }
        };
        let mut p = self.clone();
        match &mut p.geometry {
            Geometry::Canvas(r) => {
                let now = pixels(plan.size.width, plan.size.height);
                let want = lower(r.max_pixels, now);
                if !r.sizes.is_empty() || want == 0 || want < r.min_pixels {
                    return None;
                }
                r.max_pixels = want;
            }
            Geometry::Edges(r) => {
                r.max_pixels = lower(r.max_pixels, pixels(plan.image.width, plan.image.height));
                r.max_result_pixels = lower(
                    r.max_result_pixels,
                    pixels(plan.size.width, plan.size.height),
                );
                if r.max_pixels == 0 || r.max_result_pixels == 0 {
                    return None;
                }
            }
            Geometry::Aspect(r) => {
                if r.image_sizes.is_empty() {
                    let side = plan.image.width.max(plan.image.height);
                    let want = (f64::from(side) * factor.sqrt()).floor() as u32;
                    if want == 0 {
                        return None;
                    }
                    r.sent_side = if r.sent_side == 0 {
                        want
                    } else {
                        r.sent_side.min(want)
                    };
                } else {
                    let now = plan
                        .image_size
                        .as_ref()
                        .and_then(|n| r.image_sizes.get(n).copied())?;
                    r.image_sizes.retain(|_, &mut px| px < now);
                    if r.image_sizes.is_empty() {
                        return None;
                    }
                }
            }
        }
        Some(p)
    }

    /// The full-resolution canvas, unchanged (the `local` provider; the default).
    pub fn full() -> Profile {
        Profile {
            name: "full".into(),
            geometry: Geometry::Canvas(CanvasRules::default()),
            model: String::new(),
            mask: MaskKind::Feathered,
        }
    }

    /// A canvas profile with caller-given rules (named `custom:...`).
    pub fn custom(rules: CanvasRules) -> Result<Profile> {
        rules.validate()?;
        let mut name = format!(
            "custom:multiple={},min={},max={},pixels={}",
            rules.multiple_of, rules.min_side, rules.max_side, rules.max_pixels
        );
        if !rules.sizes.is_empty() {
            let s: Vec<String> = rules
                .sizes
                .iter()
                .map(|s| format!("{}x{}", s.width, s.height))
                .collect();
            name.push_str(&format!(",sizes={}", s.join("|")));
        }
        Ok(Profile {
            name,
            geometry: Geometry::Canvas(rules),
            model: String::new(),
            mask: MaskKind::Feathered,
        })
    }

    /// The profile's short name (`flux-fill`; `custom` for custom rules).
    pub fn short_name(&self) -> &str {
        self.name.split(':').next().unwrap_or("")
    }

    /// What crosses the wire for this profile.
    pub fn send(&self) -> Upload {
        match self.geometry {
            Geometry::Canvas(_) => Upload::Canvas,
            Geometry::Edges(_) | Geometry::Aspect(_) => Upload::ImageAndEdges,
        }
    }

    /// Checks that the rules can be satisfied at all (`INVALID_OPTION`).
    pub fn validate(&self) -> Result<()> {
        match &self.geometry {
            Geometry::Canvas(r) => r.validate(),
            Geometry::Edges(_) => Ok(()),
            Geometry::Aspect(a) => {
                if a.aspects.is_empty() {
                    bail!(
                        InvalidOption,
                        "profile {:?} offers no aspect ratio",
                        self.name
                    );
                }
                for t in &a.aspects {
                    parse_aspect(t)?;
                }
                if a.image_sizes.values().any(|&v| v == 0) {
                    bail!(
                        InvalidOption,
                        "profile {:?} has an image size of 0 px",
                        self.name
                    );
                }
                Ok(())
            }
        }
    }
}

/// `16:9` as `(16, 9)`.
pub(crate) fn parse_aspect(t: &str) -> Result<(u32, u32)> {
    let bad = || {
        Error::new(
            ErrorCode::InvalidOption,
            format!("bad aspect ratio {t:?}; expected w:h"),
        )
    };
    let (a, b) = t.split_once(':').ok_or_else(bad)?;
    let a: u32 = a.trim().parse().map_err(|_| bad())?;
    let b: u32 = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || b == 0 {
        return Err(bad());
    }
    Ok((a, b))
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Profile {
    type Err = Error;

    /// A profile of the built-in registry by name, or
    /// `custom:multiple=16,min=256,max=2048,pixels=4194304,sizes=1024x1024|1536x1024`
    /// (every key optional).
    fn from_str(s: &str) -> Result<Self> {
        crate::providers::Registry::builtin().profile(s)
    }
}

/// Canvas rules from a `custom:` spec (the part after the colon).
pub(crate) fn parse_custom(spec: &str) -> Result<Profile> {
    Profile::custom(parse_rules(spec)?)
}

fn parse_rules(spec: &str) -> Result<CanvasRules> {
    let bad = |what: &str| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("bad custom profile {spec:?}: {what}; expected keys multiple, min, max, pixels, sizes=WxH|WxH"),
        )
    };
    let mut r = CanvasRules::default();
    for kv in spec.split(',').filter(|s| !s.trim().is_empty()) {
        let (k, v) = kv.split_once('=').ok_or_else(|| bad(kv))?;
        let num = |v: &str| v.trim().parse::<u64>().map_err(|_| bad(kv));
        match k.trim() {
            "multiple" => r.multiple_of = u32::try_from(num(v)?).map_err(|_| bad(kv))?,
            "min" => r.min_side = u32::try_from(num(v)?).map_err(|_| bad(kv))?,
            "max" => r.max_side = u32::try_from(num(v)?).map_err(|_| bad(kv))?,
            "pixels" => r.max_pixels = num(v)?,
            "sizes" => {
                for s in v.split('|') {
                    let (w, h) = s.trim().split_once('x').ok_or_else(|| bad(s))?;
                    let w = u32::try_from(num(w)?).map_err(|_| bad(s))?;
                    let h = u32::try_from(num(h)?).map_err(|_| bad(s))?;
                    r.sizes.push(Size::new(w, h));
                }
            }
            _ => return Err(bad(k)),
        }
    }
    Ok(r)
}

impl CanvasRules {
    /// Checks that the rules can be satisfied at all.
    pub fn validate(&self) -> Result<()> {
        let m = self.multiple_of.max(1);
        if self.multiple_of > 4096 {
            bail!(InvalidOption, "multiple_of must be at most 4096, got {m}");
        }
        if self.max_side != 0 && (self.max_side < m || self.max_side < self.min_side) {
            bail!(
                InvalidOption,
                "max side {} is below the multiple {m} or the min side {}",
                self.max_side,
                self.min_side
            );
        }
        if self.max_pixels != 0 && self.max_pixels < u64::from(m) * u64::from(m) {
            bail!(InvalidOption, "max pixels {} is too small", self.max_pixels);
        }
        if self.min_pixels != 0 && self.max_pixels != 0 && self.min_pixels > self.max_pixels {
            bail!(
                InvalidOption,
                "min pixels {} is above max pixels {}",
                self.min_pixels,
                self.max_pixels
            );
        }
        if self.sizes.iter().any(|s| s.width == 0 || s.height == 0) {
            bail!(InvalidOption, "allowed sizes must be at least 1x1");
        }
        Ok(())
    }
}
