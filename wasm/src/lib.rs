//! WebAssembly bindings of `outpaint-core`: the npm package `outpaint-wasm`.
//!
//! This crate only translates. JS values in (plain objects, typed arrays), core calls,
//! JS values out; errors become `Error` objects whose `.code` is the SPEC's stable code.
//! Images are `{ width, height, data }` with RGBA8 `data` (an `ImageData` fits as is):
//! one copy into wasm memory on the way in, one copy out.

use js_sys::{Object, Reflect, Uint8Array, Uint8ClampedArray};
use outpaint::{
    Anchor, Curve, Error, ErrorCode, Fill, Image, Limits, MaskKind, Plan, PngCompression,
    PrepareOptions, Profile, SeamOptions, Target,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** An RGBA8 image: `data.length === width * height * 4`. `ImageData` fits. */
export interface RgbaImage { width: number; height: number; data: Uint8ClampedArray | Uint8Array; }
/** A single-channel mask: 255 = generate, 0 = keep. */
export interface MaskImage { width: number; height: number; data: Uint8Array; }
/** Pixels added per side and the new canvas size. */
export interface Expansion { left: number; right: number; top: number; bottom: number; newWidth: number; newHeight: number; }
export interface Size { width: number; height: number; }
export interface Rect { x: number; y: number; width: number; height: number; }
export interface Edges { left: number; right: number; top: number; bottom: number; }
/** How a canvas is sent to a provider and mapped back. */
export interface Plan {
  profile: string; send: "canvas" | "imageAndEdges"; expansion: Expansion; scale: number;
  size: Size; content: Rect; padding: Edges; image: Rect; edges: Edges;
  aspectRatio?: string; direction: string;
}
export type Anchor = "center" | "left" | "right" | "top" | "bottom" | "top-left" | "top-right" | "bottom-left" | "bottom-right";
export type Curve = "linear" | "smoothstep" | "quadratic";
export type MaskKind = "feathered" | "binary" | "inverted" | "alpha";
/** Options of `prepare`, `runLocal` (and the seam of `composite`). */
export interface PrepareOptions {
  anchor?: Anchor;
  /** "transparent" | "edge" | "mirror" | "blur" | "color" | "color:#rrggbbaa" */
  fill?: string;
  feather?: number; overlap?: number; curve?: Curve; mask?: MaskKind;
  /** "full" | "flux-fill" | "flux-expand" | "recraft-outpaint" | "openai" | "gemini" | "custom:..." */
  profile?: string;
}
export interface SeamOptions { feather?: number; overlap?: number; curve?: Curve; }
export interface Prepared { canvas: RgbaImage; mask: MaskImage; plan: Plan; seam: Seam; }
export interface Seam { featherRequested: number; feather: number; overlapRequested: number; overlap: number; curve: Curve; }
/** Errors thrown by outpaint carry a stable code. */
export interface OutpaintError extends Error { code: string; }
"#;

/// Turns a core error into a JS `Error` whose `.code` is the stable error code.
fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("OutpaintError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &"code".into(), &e.code().as_str().into());
    err.into()
}

fn bad(code: ErrorCode, msg: impl Into<String>) -> JsValue {
    js_error(Error::new(code, msg))
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| bad(ErrorCode::InvalidOption, e.to_string()))
}

/// Reads an optional options object (`undefined`/`null`/absent = defaults).
fn from_js<T: for<'de> Deserialize<'de> + Default>(
    v: Option<JsValue>,
    what: &str,
) -> Result<T, JsValue> {
    match v {
        Some(v) if !v.is_undefined() && !v.is_null() => required(v, what),
        _ => Ok(T::default()),
    }
}

/// Reads a required value (an expansion, a plan): `INVALID_OPTION` when it does not fit.
fn required<T: for<'de> Deserialize<'de>>(v: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v)
        .map_err(|e| bad(ErrorCode::InvalidOption, format!("bad {what}: {e}")))
}

fn dimension(v: f64, what: &str) -> Result<u32, JsValue> {
    if !(v.is_finite() && v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX)) {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            format!("{what} must be a whole number of at least 1, got {v}"),
        ));
    }
    Ok(v as u32)
}

/// Reads `{ width, height, data }` (one copy into wasm memory).
fn image_in(v: &JsValue) -> Result<Image, JsValue> {
    let get = |k: &str| Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if !v.is_object() {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            "expected an image { width, height, data }",
        ));
    }
    let w = dimension(get("width").as_f64().unwrap_or(0.0), "width")?;
    let h = dimension(get("height").as_f64().unwrap_or(0.0), "height")?;
    let data = get("data");
    let bytes = if let Some(a) = data.dyn_ref::<Uint8ClampedArray>() {
        a.to_vec()
    } else if let Some(a) = data.dyn_ref::<Uint8Array>() {
        a.to_vec()
    } else {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            "image data must be a Uint8ClampedArray or Uint8Array",
        ));
    };
    Image::from_rgba(w, h, bytes).map_err(js_error)
}

/// Accepts an image object or encoded bytes (PNG, JPEG, WebP).
fn image_or_bytes(v: &JsValue) -> Result<Image, JsValue> {
    if let Some(b) = v.dyn_ref::<Uint8Array>() {
        return outpaint::decode(&b.to_vec(), &Limits::default()).map_err(js_error);
    }
    image_in(v)
}

/// `{ width, height, data: Uint8ClampedArray }` (one copy out of wasm memory).
fn image_out(img: &Image) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"width".into(), &img.width().into());
    let _ = Reflect::set(&o, &"height".into(), &img.height().into());
    let _ = Reflect::set(
        &o,
        &"data".into(),
        &Uint8ClampedArray::from(img.data()).into(),
    );
    o.into()
}

/// `{ width, height, data: Uint8Array }` for a mask (one copy out).
fn mask_out(m: &outpaint::Mask) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"width".into(), &m.width().into());
    let _ = Reflect::set(&o, &"height".into(), &m.height().into());
    let _ = Reflect::set(&o, &"data".into(), &Uint8Array::from(m.data()).into());
    o.into()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsOptions {
    anchor: Option<String>,
    fill: Option<String>,
    feather: u32,
    overlap: u32,
    curve: Option<String>,
    mask: Option<String>,
    profile: Option<String>,
}

fn parse_or<T: std::str::FromStr<Err = Error>>(s: &Option<String>, d: T) -> Result<T, JsValue> {
    match s {
        Some(v) => v.parse().map_err(js_error),
        None => Ok(d),
    }
}

impl JsOptions {
    fn seam(&self) -> Result<SeamOptions, JsValue> {
        Ok(SeamOptions {
            feather: self.feather,
            overlap: self.overlap,
            curve: parse_or(&self.curve, Curve::Smoothstep)?,
        })
    }

    fn prepare(&self, target: &str) -> Result<PrepareOptions, JsValue> {
        Ok(PrepareOptions {
            target: target.parse().map_err(js_error)?,
            anchor: parse_or(&self.anchor, Anchor::Center)?,
            fill: parse_or(&self.fill, Fill::Transparent)?,
            seam: self.seam()?,
            mask: match &self.mask {
                Some(m) => Some(m.parse::<MaskKind>().map_err(js_error)?),
                None => None,
            },
            profile: parse_or(&self.profile, Profile::Full)?,
            limits: Limits::default(),
        })
    }
}

/// The expansion of a `width x height` image to `target` (`16:9`, any `A:B`,
/// `expand_all`, `expand_all:F`, `edges:L,R,T,B`).
#[wasm_bindgen(unchecked_return_type = "Expansion")]
pub fn expand(
    width: f64,
    height: f64,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "{ anchor?: Anchor }")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (w, h) = (dimension(width, "width")?, dimension(height, "height")?);
    let o: JsOptions = from_js(options, "options")?;
    let t: Target = target.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, parse_or(&o.anchor, Anchor::Center)?).map_err(js_error)?;
    to_js(&e)
}

/// The plan for sending a `width x height` image expanded to `target` to a provider
/// profile (`options.profile`, default `full`).
#[wasm_bindgen(unchecked_return_type = "Plan")]
pub fn fit(
    width: f64,
    height: f64,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "{ anchor?: Anchor; profile?: string }")]
    options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (w, h) = (dimension(width, "width")?, dimension(height, "height")?);
    let o: JsOptions = from_js(options, "options")?;
    let t: Target = target.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, parse_or(&o.anchor, Anchor::Center)?).map_err(js_error)?;
    let plan = outpaint::fit(&e, &t, &parse_or(&o.profile, Profile::Full)?).map_err(js_error)?;
    to_js(&plan)
}

/// Decodes PNG, JPEG or WebP bytes (by content; EXIF orientation applied; limits checked
/// before pixels are allocated).
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn decode(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let img = outpaint::decode(bytes, &Limits::default()).map_err(js_error)?;
    Ok(image_out(&img))
}

/// Encodes an RGBA image as PNG (fast compression).
#[wasm_bindgen(js_name = encodePng)]
pub fn encode_png(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage")] image: JsValue,
) -> Result<Vec<u8>, JsValue> {
    let img = image_in(&image)?;
    outpaint::encode_png(img.view(), PngCompression::Fast).map_err(js_error)
}

/// Expands, fits, pre-fills and masks an image (object or encoded bytes).
#[wasm_bindgen(unchecked_return_type = "Prepared")]
pub fn prepare(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array")] image: JsValue,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let img = image_or_bytes(&image)?;
    let o: JsOptions = from_js(options, "options")?;
    let p = outpaint::prepare(img.view(), &o.prepare(target)?).map_err(js_error)?;
    let out = Object::new();
    let _ = Reflect::set(&out, &"canvas".into(), &image_out(&p.canvas));
    let _ = Reflect::set(&out, &"mask".into(), &mask_out(&p.mask));
    let _ = Reflect::set(&out, &"plan".into(), &to_js(&p.plan)?);
    let _ = Reflect::set(&out, &"seam".into(), &to_js(&p.seam)?);
    Ok(out.into())
}

/// Maps a provider's result (any size; object or encoded bytes) back through `plan` and
/// composites it with the original at full resolution, feathering the seam.
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn composite(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array")] original: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array")] result: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let orig = image_or_bytes(&original)?;
    let res = image_or_bytes(&result)?;
    let plan: Plan = required(plan, "plan")?;
    let o: JsOptions = from_js(options, "options")?;
    let (img, _) = outpaint::composite(
        orig.view(),
        res.view(),
        &plan,
        &o.seam()?,
        &Limits::default(),
    )
    .map_err(js_error)?;
    Ok(image_out(&img))
}

/// Prepares an image, fills it with the offline `local` provider and composites it back.
#[wasm_bindgen(js_name = runLocal, unchecked_return_type = "RgbaImage")]
pub fn run_local(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array")] image: JsValue,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let img = image_or_bytes(&image)?;
    let o: JsOptions = from_js(options, "options")?;
    let (_, out) = outpaint::run_local(img.view(), &o.prepare(target)?).map_err(js_error)?;
    Ok(image_out(&out))
}

/// The mask (255 = generate) of an expansion, with the seam actually used.
#[wasm_bindgen(unchecked_return_type = "{ mask: MaskImage; seam: Seam }")]
pub fn mask(
    #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions & { kind?: MaskKind }")]
    options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let e: outpaint::Expansion = required(expansion, "expansion")?;
    let o: JsOptions = from_js(options.clone(), "options")?;
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let kind = match Reflect::get(&options, &"kind".into())
        .ok()
        .and_then(|k| k.as_string())
    {
        Some(k) => k.parse::<MaskKind>().map_err(js_error)?,
        None => MaskKind::Feathered,
    };
    let (m, seam) =
        outpaint::build_mask(&outpaint::Layout::of(&e), &o.seam()?, kind).map_err(js_error)?;
    let out = Object::new();
    let _ = Reflect::set(&out, &"mask".into(), &mask_out(&m));
    let _ = Reflect::set(&out, &"seam".into(), &to_js(&seam)?);
    Ok(out.into())
}

/// Places an image on its expanded canvas with a fill (`transparent`, `edge`, `mirror`,
/// `blur`, `color:#rrggbbaa`).
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn pad(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage")] image: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
    fill: &str,
) -> Result<JsValue, JsValue> {
    let img = image_in(&image)?;
    let e: outpaint::Expansion = required(expansion, "expansion")?;
    let f: Fill = fill.parse().map_err(js_error)?;
    let out = outpaint::pad(img.view(), &e, f, &Limits::default()).map_err(js_error)?;
    Ok(image_out(&out))
}

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
