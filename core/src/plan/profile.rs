//! Provider profiles: the geometry each provider accepts (a canvas with rules, or the
//! original plus edges), parsed from their names (`flux-fill`, `custom:multiple=16,...`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{bail, Error, ErrorCode, Result};
use crate::geometry::Size;
use crate::plan::Upload;

/// Constraints of a provider that takes a whole canvas (and a mask).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanvasRules {
    /// Both sides padded up to a multiple of this (1 = any size).
    pub multiple_of: u32,
    /// Smallest side; smaller canvases are scaled up.
    pub min_side: u32,
    /// Largest side (0 = no limit); larger canvases are scaled down.
    pub max_side: u32,
    /// Largest pixel count (0 = no limit).
    pub max_pixels: u64,
    /// If not empty, the only sizes accepted: the one with the closest aspect ratio is
    /// picked, the canvas scaled to fit inside it and the rest padded.
    pub sizes: Vec<Size>,
}

/// A provider profile: what geometry is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Profile {
    /// The full-resolution canvas, unchanged (the `local` provider; the default).
    #[default]
    Full,
    /// BFL FLUX Fill: padded canvas + separate mask, sides multiples of 16.
    FluxFill,
    /// BFL FLUX Expand: original + top/bottom/left/right pixels, each 0..=2048.
    FluxExpand,
    /// Recraft outpaint: original (sides 256..=4096, at most 16 MP) + `expand_*`; result
    /// sides at most 4096.
    RecraftOutpaint,
    /// OpenAI image edits: RGBA canvas of 1024x1024, 1536x1024 or 1024x1536.
    OpenAi,
    /// Gemini: original + a direction sentence; output aspect from a fixed list.
    Gemini,
    /// Caller-given canvas constraints.
    Custom(CanvasRules),
}

/// The aspect ratios Gemini can produce.
pub const GEMINI_ASPECTS: [(u32, u32); 10] = [
    (1, 1),
    (2, 3),
    (3, 2),
    (3, 4),
    (4, 3),
    (4, 5),
    (5, 4),
    (9, 16),
    (16, 9),
    (21, 9),
];

/// The sizes OpenAI's image edit endpoint accepts.
pub const OPENAI_SIZES: [Size; 3] = [
    Size::new(1024, 1024),
    Size::new(1536, 1024),
    Size::new(1024, 1536),
];

impl Profile {
    /// The profile's name (`flux-fill`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Profile::Full => "full",
            Profile::FluxFill => "flux-fill",
            Profile::FluxExpand => "flux-expand",
            Profile::RecraftOutpaint => "recraft-outpaint",
            Profile::OpenAi => "openai",
            Profile::Gemini => "gemini",
            Profile::Custom(_) => "custom",
        }
    }

    /// What crosses the wire for this profile.
    pub fn send(&self) -> Upload {
        match self {
            Profile::FluxExpand | Profile::RecraftOutpaint | Profile::Gemini => {
                Upload::ImageAndEdges
            }
            _ => Upload::Canvas,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::Custom(r) => {
                write!(
                    f,
                    "custom:multiple={},min={},max={},pixels={}",
                    r.multiple_of, r.min_side, r.max_side, r.max_pixels
                )?;
                if !r.sizes.is_empty() {
                    let s: Vec<String> = r
                        .sizes
                        .iter()
                        .map(|s| format!("{}x{}", s.width, s.height))
                        .collect();
                    write!(f, ",sizes={}", s.join("|"))?;
                }
                Ok(())
            }
            p => f.write_str(p.name()),
        }
    }
}

impl FromStr for Profile {
    type Err = Error;

    /// Parses a profile name, or `custom:multiple=16,min=256,max=2048,pixels=4194304,sizes=1024x1024|1536x1024`
    /// (every key optional).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        Ok(match t {
            "full" => Profile::Full,
            "flux-fill" => Profile::FluxFill,
            "flux-expand" => Profile::FluxExpand,
            "recraft-outpaint" => Profile::RecraftOutpaint,
            "openai" => Profile::OpenAi,
            "gemini" => Profile::Gemini,
            "custom" => Profile::Custom(CanvasRules::default()),
            _ => match t.strip_prefix("custom:") {
                Some(spec) => Profile::Custom(parse_rules(spec)?),
                None => bail!(
                    InvalidOption,
                    "unknown profile {t:?}; expected full, flux-fill, flux-expand, recraft-outpaint, openai, gemini or custom:..."
                ),
            },
        })
    }
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
    r.validate()?;
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
        if self.sizes.iter().any(|s| s.width == 0 || s.height == 0) {
            bail!(InvalidOption, "allowed sizes must be at least 1x1");
        }
        Ok(())
    }
}
