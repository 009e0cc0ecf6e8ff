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
    apply_alpha, apply_alpha_row, build_mask, composite, continue_scene, continue_scene_in_place,
    pad, pad_into, prefilled, resize, ColourMatch, Curve, Fill, Image, ImageRef, Mask, MaskKind,
    MaskRows, PadRows, Seam, SeamOptions,
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
            profile: names.profile()?,
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
    /// `gemini`, `custom:...`, or a profile `registry` adds.
    pub profile: Option<String>,
    /// A JSON merge patch of the model registry that `profile` is read from (default:
    /// the built-in registry), the same patch an engine config's `registry` takes.
    pub registry: Option<serde_json::Value>,
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

    /// The profile (default `full`), read from the patched registry when there is a
    /// patch: `INVALID_OPTION` for an unknown name or a patch the registry refuses.
    pub fn profile(&self) -> Result<Profile> {
        match (&self.registry, self.profile.as_deref().map(str::trim)) {
            (Some(patch), Some(n)) if !n.is_empty() => {
                crate::providers::Registry::patched(patch)?.profile(n)
            }
            (Some(patch), _) => crate::providers::Registry::patched(patch).map(|_| Profile::full()),
            (None, _) => parse_or(&self.profile, Profile::full()),
        }
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
        let fill = kept
            + budget::local_fill(
                (w, h),
                original,
                crate::pixels::detail_px(&self.plan.sent_layout()),
            );
        let comp =
            kept + budget::picture(w, h) + budget::composite((w, h), canvas, src, resampled, true);
        self.prepare_memory(src).max(fill).max(comp)
    }

    /// Whether the canvas goes to the provider as it is and the answer maps back by
    /// cropping alone: no scale, no padding, no alpha mask (what [`run_local_image`]
    /// paints in place).
    fn sends_as_is(&self, src: ImageRef<'_>) -> bool {
        let canvas = (self.e.new_width, self.e.new_height);
        (self.plan.image.width, self.plan.image.height) == (src.width(), src.height())
            && (self.plan.size.width, self.plan.size.height) == canvas
            && (self.plan.content.width, self.plan.content.height) == canvas
            && (self.sent.new_width, self.sent.new_height) == canvas
            && self.kind != MaskKind::Alpha
    }

    /// Working memory of [`run_local_image`] painting in place: the canvas (beside the
    /// original while it is built, when the original is to be dropped after), then the
    /// texture pass beside the canvas.
    fn run_in_place_memory(&self, src: (u32, u32), owned: bool) -> u64 {
        let (w, h) = (self.sent.new_width, self.sent.new_height);
        let canvas = budget::pad(w, h);
        let texture = budget::texture(w, src, crate::pixels::detail_px(&self.plan.sent_layout()));
        let original = if owned {
            budget::picture(src.0, src.1)
        } else {
            0
        };
        (canvas + original).max(canvas + texture)
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

/// The original of [`run_local_image`]: borrowed, or owned and released once it is on the
/// canvas.
pub enum Source<'a> {
    /// The caller keeps the picture.
    Borrowed(ImageRef<'a>),
    /// The picture is dropped as soon as the canvas holds it.
    Owned(Image),
}

impl Source<'_> {
    fn view(&self) -> ImageRef<'_> {
        match self {
            Source::Borrowed(v) => *v,
            Source::Owned(img) => img.view(),
        }
    }
}

/// [`run_local`] for a host that wants the result alone, in the least memory: when the
/// plan sends the canvas as it is (the `full` profile, and any that neither scales nor
/// pads), the canvas is built once (with the blur cascade under the texture when the fill
/// is `transparent`), an owned original is dropped, and the texture is painted into it:
/// the canvas, plus the original's detail along the expanded sides, is the peak (no mask,
/// no second canvas, no composite: the offline fill keeps the original's pixels, so the
/// composite of its own result is that result, byte for byte, which a test checks). Other
/// plans take [`run_local`]'s way. The bytes are [`run_local`]'s.
pub fn run_local_image(src: Source<'_>, opts: &PrepareOptions) -> Result<Image> {
    let view = src.view();
    let p = Planned::new(view.width(), view.height(), opts)?;
    if !p.sends_as_is(view) {
        return run_local(view, opts).map(|(_, img)| img);
    }
    opts.limits.check_memory(
        "this offline run",
        p.run_in_place_memory(
            (view.width(), view.height()),
            matches!(src, Source::Owned(_)),
        ),
    )?;
    // A transparent canvas gets the blur cascade first, as `continue_scene` would give it.
    let fill = if opts.fill == Fill::Transparent {
        Fill::Blur
    } else {
        opts.fill
    };
    let mut canvas = pad(view, &p.sent, fill, &opts.limits)?;
    let layout = p.plan.sent_layout();
    if !prefilled(&canvas, &layout) {
        // A fully transparent colour: the blur cascade, as `continue_scene` would.
        pad_into(view, &p.sent, Fill::Blur, canvas.data_mut())?;
    }
    drop(src);
    continue_scene_in_place(&mut canvas, &layout, &opts.limits)?;
    Ok(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standalone planning reads its profile from the patched registry when given one,
    /// as a session with that registry does.
    #[test]
    fn option_names_read_the_profile_from_a_patched_registry() {
        let patch = serde_json::json!({ "profiles": {
            "studio": { "send": "canvas", "multipleOf": 64, "maxPixels": 1048576 },
            "openai": { "multipleOf": 32 }
        } });
        let names = |profile: &str, registry: Option<serde_json::Value>| OptionNames {
            profile: Some(profile.into()),
            registry,
            ..OptionNames::default()
        };
        let p = PrepareOptions::from_names("16:9", &names("studio", Some(patch.clone()))).unwrap();
        assert_eq!(p.profile.name, "studio");
        let e =
            crate::geometry::expand(1000, 1000, &"16:9".parse().unwrap(), Anchor::Center).unwrap();
        let plan = fit(&e, &p.target, &p.profile).unwrap();
        assert_eq!((plan.size.width % 64, plan.size.height % 64), (0, 0));
        assert_eq!(plan.profile, "studio");
        assert!(u64::from(plan.size.width) * u64::from(plan.size.height) <= 1_048_576);
        // A built-in profile the patch changes plans as changed; unpatched, as built in.
        let changed = names("openai", Some(patch.clone())).profile().unwrap();
        assert_eq!(
            changed,
            crate::providers::Registry::patched(&patch)
                .unwrap()
                .profile("openai")
                .unwrap()
        );
        assert_ne!(changed, names("openai", None).profile().unwrap());
        // Without the patch the name is unknown; a patch the registry refuses is named.
        let e = names("studio", None).profile().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidOption);
        assert!(
            e.message().starts_with("unknown profile \"studio\""),
            "{}",
            e.message()
        );
        let bad = serde_json::json!({ "profiles": { "studio": { "send": "sideways" } } });
        let e =
            PrepareOptions::from_names("16:9", &names("studio", Some(bad.clone()))).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidOption);
        assert!(e.message().starts_with("not a registry"), "{}", e.message());
        // No profile with a patch: full, once the patch is known to be good.
        let none = OptionNames {
            registry: Some(patch),
            ..OptionNames::default()
        };
        assert_eq!(none.profile().unwrap(), Profile::full());
        let none = OptionNames {
            registry: Some(bad),
            ..OptionNames::default()
        };
        assert_eq!(none.profile().unwrap_err().code(), ErrorCode::InvalidOption);
        // From JSON, the npm door's form.
        let j = OptionNames::from_json(serde_json::json!({
            "profile": "studio",
            "registry": { "profiles": { "studio": { "send": "canvas", "multipleOf": 8 } } }
        }))
        .unwrap();
        assert_eq!(j.profile().unwrap().name, "studio");
    }

    /// The in-place run gives `run_local`'s bytes: for every fill (a transparent colour
    /// included), several targets and anchors, seam options, profiles that send the canvas
    /// as it is and ones that scale or pad (those take `run_local`'s way), borrowed and
    /// owned originals.
    #[test]
    fn run_local_image_is_run_local_to_the_byte() {
        let fills = [
            "transparent",
            "blur",
            "edge",
            "mirror",
            "color:#336699ff",
            "color:#00000000",
        ];
        let cases = [
            (300, 200, "16:9", "center", "full"),
            (200, 300, "16:9", "left", "full"),
            (180, 170, "expand_all", "center", "full"),
            (120, 90, "edges:0,40,10,0", "center", "full"),
            (64, 64, "9:16", "top", "flux-fill"),
            (256, 192, "16:9", "center", "openai"),
            (90, 200, "1:1", "right", "gemini"),
            // Nothing to add: the picture is already 1:1.
            (96, 96, "1:1", "center", "full"),
            (80, 45, "16:9", "center", "full"),
        ];
        for (w, h, target, anchor, profile) in cases {
            let img = crate::pixels::test_photo(w, h);
            for fill in fills {
                for feather in [0, 12] {
                    let mut opts = PrepareOptions::new(target.parse().unwrap());
                    opts.anchor = anchor.parse().unwrap();
                    opts.fill = fill.parse().unwrap();
                    opts.profile = profile.parse().unwrap();
                    opts.seam.feather = feather;
                    let (_, want) = run_local(img.view(), &opts).unwrap();
                    let borrowed = run_local_image(Source::Borrowed(img.view()), &opts).unwrap();
                    let owned = run_local_image(Source::Owned(img.clone()), &opts).unwrap();
                    let at =
                        format!("{w}x{h} {target} {anchor} {profile} {fill} feather {feather}");
                    assert_eq!(
                        (borrowed.width(), borrowed.height()),
                        (want.width(), want.height()),
                        "{at}"
                    );
                    assert!(
                        borrowed.data() == want.data(),
                        "{at}: the in-place run differs"
                    );
                    assert!(owned.data() == want.data(), "{at}: the owned run differs");
                }
            }
        }
    }

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
