//! The whole preparation of an outpaint step: expand, fit, pre-fill, mask; and the
//! offline `run` with the `local` provider.

use serde::Deserialize;

use crate::budget;
use crate::codec::png_fast::{self, Generated, PngColor};
use crate::codec::{decode, encode_mask_png, encode_png, PngCompression};
use crate::error::{Error, ErrorCode, Result};
use crate::geometry::{expand_with_limits, Anchor, Expansion, Target};
use crate::limits::Limits;
use crate::pixels::{
    apply_alpha, apply_alpha_row, build_mask, composite, continue_scene, pad, resize, ColourMatch,
    Curve, Fill, Image, ImageRef, Mask, MaskKind, MaskRows, PadRows, Seam, SeamOptions,
};
use crate::plan::{fit, Plan, Profile};

/// Everything [`prepare`] needs besides the image.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareOptions {
    /// What to expand to.
    pub target: Target,
    /// Where the original sits.
    pub anchor: Anchor,
    /// How the new area is pre-filled.
    pub fill: Fill,
    /// Feather, overlap and curve, in full-resolution pixels.
    pub seam: SeamOptions,
    /// Mask kind; `None` picks the profile's own (OpenAI alpha, Recraft binary, else
    /// feathered).
    pub mask: Option<MaskKind>,
    /// The provider profile.
    pub profile: Profile,
    /// Decode and allocation limits.
    pub limits: Limits,
}

impl PrepareOptions {
    /// Defaults for a target: centre anchor, transparent fill, no feather, full profile.
    pub fn new(target: Target) -> Self {
        PrepareOptions {
            target,
            anchor: Anchor::Center,
            fill: Fill::Transparent,
            seam: SeamOptions::default(),
            mask: None,
            profile: Profile::full(),
            limits: Limits::default(),
        }
    }

    /// Options from their names, as every door receives them: `target` (`16:9`,
    /// `expand_all`, `edges:L,R,T,B`, ...; empty is `INVALID_TARGET`) and the rest from
    /// `names`, each missing one at its default. A bad name is the error of its kind.
    pub fn from_names(target: &str, names: &OptionNames) -> Result<PrepareOptions> {
        if target.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidTarget,
                "the target is required",
            ));
        }
        Ok(PrepareOptions {
            target: target.parse()?,
            anchor: parse_or(&names.anchor, Anchor::Center)?,
            fill: parse_or(&names.fill, Fill::Transparent)?,
            seam: names.seam()?,
            mask: names.mask.as_deref().map(str::parse).transpose()?,
            profile: parse_or(&names.profile, Profile::full())?,
            limits: names.limits.unwrap_or_default(),
        })
    }

    /// The mask kind used: the asked one or the profile's default.
    pub fn mask_kind(&self) -> MaskKind {
        self.mask.unwrap_or(self.profile.mask)
    }
}

/// Preparation options as names and numbers (C strings, a JS options object, command-line
/// flags): the one place they are read. `None` (or absent in JSON) is the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OptionNames {
    /// `center` (default), `left`, ..., `bottom-right`.
    pub anchor: Option<String>,
    /// `transparent` (default), `color:#rrggbbaa`, `edge`, `mirror`, `blur`.
    pub fill: Option<String>,
    /// Feather width in pixels (default 0).
    pub feather: u32,
    /// Overlap in pixels (default 0).
    pub overlap: u32,
    /// `linear`, `smoothstep` (default), `quadratic`.
    pub curve: Option<String>,
    /// `feathered`, `binary`, `inverted`, `alpha` (default: the profile's).
    pub mask: Option<String>,
    /// The composite's colour match: `off`, `global`, `field` (default).
    pub colour: Option<String>,
    /// The composite's detail-preserving band (default on).
    pub detail: Option<bool>,
    /// The composite's registration of the provider's picture (default on).
    pub register: Option<bool>,
    /// `full` (default), `flux-fill`, `flux-expand`, `recraft-outpaint`, `openai`,
    /// `gemini`, `custom:...`.
    pub profile: Option<String>,
    /// Decode, pixel and working-memory limits (default [`Limits::default`]; absent
    /// fields at their defaults).
    pub limits: Option<Limits>,
}

impl OptionNames {
    /// The seam part: feather, overlap, curve, colour match, detail band.
    pub fn seam(&self) -> Result<SeamOptions> {
        Ok(SeamOptions {
            feather: self.feather,
            overlap: self.overlap,
            curve: parse_or(&self.curve, Curve::Smoothstep)?,
            colour: parse_or(&self.colour, ColourMatch::Field)?,
            detail: self.detail.unwrap_or(true),
            register: self.register.unwrap_or(true),
        })
    }

    /// The anchor (default centre).
    pub fn anchor(&self) -> Result<Anchor> {
        parse_or(&self.anchor, Anchor::Center)
    }

    /// Reads names from JSON (`{"fill":"blur","feather":32}`); a value of the wrong kind
    /// is `INVALID_OPTION` (other keys are ignored).
    pub fn from_json(v: serde_json::Value) -> Result<OptionNames> {
        serde_json::from_value(v)
            .map_err(|e| Error::new(ErrorCode::InvalidOption, format!("bad options: {e}")))
    }
}

fn parse_or<T: std::str::FromStr<Err = Error>>(name: &Option<String>, default: T) -> Result<T> {
    match name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.parse(),
        _ => Ok(default),
    }
}

/// What [`prepare`] returns: the sent canvas and mask (at the plan's `size`), the plan,
/// and the seam as it will be used at full resolution.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The full-resolution expansion.
    pub expansion: Expansion,
    /// How the canvas is sent and mapped back.
    pub plan: Plan,
    /// The canvas in sent geometry, pre-filled (alpha applied for `MaskKind::Alpha`).
    pub canvas: Image,
    /// The mask in sent geometry (the feathered one for `MaskKind::Alpha`).
    pub mask: Mask,
    /// The mask kind used.
    pub mask_kind: MaskKind,
    /// The full-resolution seam (asked and effective values).
    pub seam: Seam,
}

/// What a preparation works out before it touches a pixel.
struct Planned {
    /// The full-resolution expansion.
    e: Expansion,
    /// How the canvas is sent.
    plan: Plan,
    /// The full-resolution seam.
    seam: Seam,
    /// The expansion in sent geometry.
    sent: Expansion,
    /// The seam in sent pixels.
    sent_seam: SeamOptions,
    /// The mask kind used.
    kind: MaskKind,
}

impl Planned {
    /// Checks the limits and works out the geometry for a `width x height` source.
    fn new(width: u32, height: u32, opts: &PrepareOptions) -> Result<Planned> {
        let limits = &opts.limits;
        limits.check_input(width, height)?;
        let e = expand_with_limits(width, height, &opts.target, opts.anchor, limits)?;
        limits.check_canvas(e.new_width, e.new_height)?;
        let plan = fit(&e, &opts.target, &opts.profile)?;
        limits.check_canvas(plan.size.width, plan.size.height)?;
        let seam = crate::geometry::Layout::of(&e).seam(&opts.seam)?;
        let sent = Expansion::from_edges(plan.image.width, plan.image.height, plan.edges)?;
        let scale_px = |v: u32| (f64::from(v) * plan.scale).round() as u32;
        let sent_seam = SeamOptions {
            feather: scale_px(seam.feather),
            overlap: scale_px(seam.overlap),
            curve: seam.curve,
            ..opts.seam
        };
        Ok(Planned {
            e,
            plan,
            seam,
            sent,
            sent_seam,
            kind: opts.mask_kind(),
        })
    }

    /// `src` at the sent size: itself, or resized when the profile scales it.
    fn scaled(&self, src: ImageRef<'_>, limits: &Limits) -> Result<Option<Image>> {
        let size = self.plan.image;
        if size.width == src.width() && size.height == src.height() {
            return Ok(None);
        }
        resize(src, size.width, size.height, limits).map(Some)
    }

    /// The pre-fill of the sent canvas from a `src`-sized picture: its resized copy when
    /// the profile scales it, then the canvas.
    fn fill_memory(&self, src: (u32, u32)) -> u64 {
        self.scaled_memory(src) + budget::pad(self.sent.new_width, self.sent.new_height)
    }

    /// The resized copy of a `src`-sized picture when the profile scales it.
    fn scaled_memory(&self, src: (u32, u32)) -> u64 {
        let size = (self.plan.image.width, self.plan.image.height);
        if size == src {
            0
        } else {
            budget::resize(src, size)
        }
    }

    /// Working memory of [`prepare`]: the pre-fill and the mask.
    fn prepare_memory(&self, src: (u32, u32)) -> u64 {
        self.fill_memory(src) + budget::mask(self.sent.new_width, self.sent.new_height)
    }

    /// Working memory of [`prepare_png`] after the decode: the resized copy and the two
    /// PNGs (the rows themselves stream).
    fn png_memory(&self, src: (u32, u32)) -> u64 {
        let (w, h) = (self.sent.new_width, self.sent.new_height);
        self.scaled_memory(src) + budget::png(w, h) + budget::mask_png(w, h)
    }

    /// Working memory of [`run_local`]: the preparation, then the offline fill beside
    /// its canvas and mask, then the composite beside those and the fill's picture.
    fn run_memory(&self, src: (u32, u32)) -> u64 {
        let (w, h) = (self.sent.new_width, self.sent.new_height);
        let kept = budget::pad(w, h) + budget::mask(w, h);
        let original = (self.plan.image.width, self.plan.image.height);
        let canvas = (self.e.new_width, self.e.new_height);
        // The fill's picture has the sent size, so it maps back by cropping alone when
        // its content is the canvas's size (the composite's own rule).
        let resampled = (self.plan.content.width, self.plan.content.height) != canvas;
        let fill = kept + budget::local_fill((w, h), original);
        let comp =
            kept + budget::picture(w, h) + budget::composite((w, h), canvas, src, resampled, true);
        self.prepare_memory(src).max(fill).max(comp)
    }

    /// The kind the mask picture is built as: an alpha mask's own picture is feathered.
    fn picture_kind(&self) -> MaskKind {
        match self.kind {
            MaskKind::Alpha => MaskKind::Feathered,
            k => k,
        }
    }
}

/// Expands, fits to the profile, pre-fills and masks `src`.
pub fn prepare(src: ImageRef<'_>, opts: &PrepareOptions) -> Result<Prepared> {
    let p = Planned::new(src.width(), src.height(), opts)?;
    opts.limits.check_memory(
        "this preparation",
        p.prepare_memory((src.width(), src.height())),
    )?;
    let scaled = p.scaled(src, &opts.limits)?;
    let view = scaled.as_ref().map_or(src, Image::view);
    let mut canvas = pad(view, &p.sent, opts.fill, &opts.limits)?;
    drop(scaled);
    let layout = p.plan.sent_layout();
    if p.kind == MaskKind::Alpha {
        apply_alpha(&mut canvas, &layout, &p.sent_seam)?;
    }
    let mask = build_mask(&layout, &p.sent_seam, p.picture_kind())?.0;
    Ok(Prepared {
        expansion: p.e,
        plan: p.plan,
        canvas,
        mask,
        mask_kind: p.kind,
        seam: p.seam,
    })
}

/// What [`prepare_png`] returns: the canvas and mask as PNG files, ready to upload.
#[derive(Debug, Clone)]
pub struct PreparedPng {
    /// The full-resolution expansion.
    pub expansion: Expansion,
    /// How the canvas is sent and mapped back.
    pub plan: Plan,
    /// The canvas PNG (RGBA, sent geometry).
    pub canvas_png: Vec<u8>,
    /// The mask PNG (greyscale, 255 = generate).
    pub mask_png: Vec<u8>,
    /// The mask kind used.
    pub mask_kind: MaskKind,
    /// The full-resolution seam.
    pub seam: Seam,
}

/// Decodes `bytes` (PNG, JPEG or WebP), prepares them and encodes canvas and mask as PNG
/// (fast compression). The canvas and the mask are never pictures in memory: each row is
/// computed into a buffer that stays in cache and goes straight into the PNG encoder, so
/// peak memory is the decoded source and the two PNGs. The bytes are those of
/// [`prepare`] followed by [`PreparedPng::encode`].
pub fn prepare_png(bytes: &[u8], opts: &PrepareOptions) -> Result<PreparedPng> {
    let src = decode(bytes, &opts.limits)?;
    prepare_png_image(src.view(), opts)
}

/// [`prepare_png`] for a picture already decoded: the canvas and mask rows stream into
/// the PNG encoder, so the bytes are those of [`prepare`] followed by
/// [`PreparedPng::encode`] without either picture being built.
pub fn prepare_png_image(src: ImageRef<'_>, opts: &PrepareOptions) -> Result<PreparedPng> {
    let p = Planned::new(src.width(), src.height(), opts)?;
    opts.limits.check_memory(
        "this preparation",
        p.png_memory((src.width(), src.height())),
    )?;
    let (mask, _) = MaskRows::new(&p.plan.sent_layout(), &p.sent_seam, p.picture_kind())?;
    let (w, h) = (p.sent.new_width, p.sent.new_height);
    let canvas_png = {
        // A resized copy of the source is released once the canvas is encoded.
        let scaled = p.scaled(src, &opts.limits)?;
        let canvas = PadRows::new(scaled.as_ref().map_or(src, Image::view), &p.sent, opts.fill);
        if p.kind == MaskKind::Alpha {
            let mut mask_row = vec![0u8; w as usize];
            png_rows(w, h, PngColor::Rgba, |y, row| {
                canvas.write(y, row);
                mask.write(y, &mut mask_row);
                apply_alpha_row(row, &mask_row);
            })?
        } else {
            png_rows(w, h, PngColor::Rgba, |y, row| canvas.write(y, row))?
        }
    };
    let mask_png = png_rows(w, h, PngColor::Grey, |y, row| mask.write(y, row))?;
    Ok(PreparedPng {
        expansion: p.e,
        plan: p.plan,
        canvas_png,
        mask_png,
        mask_kind: p.kind,
        seam: p.seam,
    })
}

/// Encodes rows that `write` computes one at a time as a fast PNG.
fn png_rows(
    width: u32,
    height: u32,
    color: PngColor,
    write: impl FnMut(usize, &mut [u8]),
) -> Result<Vec<u8>> {
    let stride = width as usize * color.bytes();
    let mut rows = Generated {
        stride,
        rows: height as usize,
        write,
    };
    png_fast::encode(width, height, color, &mut rows)
}

impl PreparedPng {
    /// Encodes a prepared canvas and mask as PNG (fast compression), releasing the canvas
    /// before the mask is encoded.
    pub fn encode(p: Prepared) -> Result<PreparedPng> {
        let canvas_png = encode_png(p.canvas.view(), PngCompression::Fast)?;
        drop(p.canvas);
        let mask_png = encode_mask_png(&p.mask, PngCompression::Fast)?;
        Ok(PreparedPng {
            expansion: p.expansion,
            plan: p.plan,
            canvas_png,
            mask_png,
            mask_kind: p.mask_kind,
            seam: p.seam,
        })
    }
}

/// Prepares `src`, fills it with the offline `local` provider and composites the result
/// back at full resolution.
pub fn run_local(src: ImageRef<'_>, opts: &PrepareOptions) -> Result<(Prepared, Image)> {
    let p = Planned::new(src.width(), src.height(), opts)?;
    opts.limits.check_memory(
        "this offline run",
        p.run_memory((src.width(), src.height())),
    )?;
    let prepared = prepare(src, opts)?;
    let generated = continue_scene(&prepared.canvas, &prepared.plan.sent_layout(), &opts.limits)?;
    let (out, _) = composite(
        src,
        generated.view(),
        &prepared.plan,
        &opts.seam,
        &opts.limits,
    )?;
    Ok((prepared, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default pixel limits are chosen so that every default operation on a picture
    /// they admit fits the default memory budget: the costliest, the offline run, when the
    /// original is nearly the whole canvas (its detail planes are then largest), at the
    /// largest canvas, for a wide, a square and a tall picture.
    #[test]
    fn the_default_limits_fit_the_default_budget() {
        let limits = Limits::default();
        let side = |px: u64, aspect: f64| {
            let h = (px as f64 / aspect).sqrt().floor() as u32;
            ((px / u64::from(h)) as u32, h)
        };
        for aspect in [16.0 / 9.0, 1.0, 9.0 / 16.0] {
            let (cw, ch) = side(limits.max_canvas_pixels, aspect);
            assert!(u64::from(cw) * u64::from(ch) <= limits.max_canvas_pixels);
            let target = Target::Edges(crate::geometry::Edges::new(1, 1, 1, 1));
            let (w, h) = (cw - 2, ch - 2);
            let opts = PrepareOptions {
                fill: Fill::Blur,
                ..PrepareOptions::new(target)
            };
            let p = Planned::new(w, h, &opts).unwrap();
            for (what, bytes) in [
                ("run", p.run_memory((w, h))),
                ("prepare", p.prepare_memory((w, h))),
                ("prepare_png", p.png_memory((w, h))),
            ] {
                limits
                    .check_memory(what, bytes)
                    .unwrap_or_else(|e| panic!("{cw}x{ch}: {e}"));
            }
            // And the decode of the largest input, even 16-bit RGBA turned a quarter.
            let px = u64::from(w) * u64::from(h);
            limits
                .check_memory("decode", px * 8 * 2 + px * 4 + (16 << 20))
                .unwrap();
        }
    }
}
