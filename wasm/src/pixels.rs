//! The image API: expansion maths, masks, fills, prepare, composite, codecs.

use js_sys::{Object, Uint8Array};
use outpaint::prepare::OptionNames;
use outpaint::{Fill, Limits, MaskKind, Plan, PngCompression, PrepareOptions, SeamOptions, Target};
use wasm_bindgen::prelude::*;

use crate::convert::{
    bytes_of, dimension, from_js, get, image_in, image_or_bytes, image_out, js_error, mask_out,
    required, set, to_js,
};

/// The options object of `prepare`, `runLocal`, `composite` and `mask`: the core's
/// [`OptionNames`], read as is.
fn options_in(options: Option<JsValue>) -> Result<OptionNames, JsValue> {
    from_js::<OptionNames>(options, "options")
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
    let o = options_in(options)?;
    let t: Target = target.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, o.anchor().map_err(js_error)?).map_err(js_error)?;
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
    let o = options_in(options)?;
    let t: Target = target.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, o.anchor().map_err(js_error)?).map_err(js_error)?;
    let profile = PrepareOptions::from_names(target, &o)
        .map_err(js_error)?
        .profile;
    let plan = outpaint::fit(&e, &t, &profile).map_err(js_error)?;
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
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] image: JsValue,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let img = image_or_bytes(&image)?;
    let p = outpaint::prepare(img.view(), &prepare_options(target, options)?).map_err(js_error)?;
    let out = Object::new();
    set(&out, "canvas", &image_out(&p.canvas));
    set(&out, "mask", &mask_out(&p.mask));
    set(&out, "plan", &to_js(&p.plan)?);
    set(&out, "seam", &to_js(&p.seam)?);
    Ok(out.into())
}

/// `prepare`, then the canvas and mask encoded as PNG inside wasm: what an upload needs,
/// with no pixels copied out to JavaScript. The canvas and mask rows stream into the PNG
/// encoder; neither picture is built.
#[wasm_bindgen(js_name = preparePng, unchecked_return_type = "PreparedPng")]
pub fn prepare_png(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] image: JsValue,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts = prepare_options(target, options)?;
    let p = match bytes_of(&image) {
        Some(bytes) => outpaint::prepare_png(&bytes, &opts),
        None => outpaint::prepare::prepare_png_image(image_in(&image)?.view(), &opts),
    }
    .map_err(js_error)?;
    let out = Object::new();
    set(
        &out,
        "canvasPng",
        &Uint8Array::from(&p.canvas_png[..]).into(),
    );
    set(&out, "maskPng", &Uint8Array::from(&p.mask_png[..]).into());
    set(&out, "plan", &to_js(&p.plan)?);
    set(&out, "seam", &to_js(&p.seam)?);
    Ok(out.into())
}

/// Maps a provider's result (any size; object or encoded bytes) back through `plan` and
/// composites it with the original at full resolution, feathering the seam.
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn composite(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")]
    original: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] result: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let orig = image_or_bytes(&original)?;
    let res = image_or_bytes(&result)?;
    let plan: Plan = required(plan, "plan")?;
    let seam = seam_options(options)?;
    let (img, _) = outpaint::composite(orig.view(), res.view(), &plan, &seam, &Limits::default())
        .map_err(js_error)?;
    Ok(image_out(&img))
}

/// Prepares an image, fills it with the offline `local` provider and composites it back.
#[wasm_bindgen(js_name = runLocal, unchecked_return_type = "RgbaImage")]
pub fn run_local(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] image: JsValue,
    target: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let img = image_or_bytes(&image)?;
    let (_, out) =
        outpaint::run_local(img.view(), &prepare_options(target, options)?).map_err(js_error)?;
    Ok(image_out(&out))
}

/// The mask (255 = generate) of an expansion, with the seam actually used.
#[wasm_bindgen(unchecked_return_type = "{ mask: MaskImage; seam: Seam }")]
pub fn mask(
    #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions & { kind?: MaskKind }")]
    options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (m, seam) = build_mask(&required(expansion, "expansion")?, options)?;
    let out = Object::new();
    set(&out, "mask", &mask_out(&m));
    set(&out, "seam", &to_js(&seam)?);
    Ok(out.into())
}

/// The mask of `e` for a JS options object (`feather`, `overlap`, `curve`, `kind`), with
/// the seam used; the canvas is checked against the default limits first.
pub(crate) fn build_mask(
    e: &outpaint::Expansion,
    options: Option<JsValue>,
) -> Result<(outpaint::Mask, outpaint::pixels::Seam), JsValue> {
    Limits::default()
        .check_canvas(e.new_width, e.new_height)
        .map_err(js_error)?;
    let (seam, kind) = mask_options(options)?;
    outpaint::pixels::build_mask(&outpaint::geometry::Layout::of(e), &seam, kind).map_err(js_error)
}

/// The `PrepareOptions` of `target` and a JS options object.
pub(crate) fn prepare_options(
    target: &str,
    options: Option<JsValue>,
) -> Result<PrepareOptions, JsValue> {
    PrepareOptions::from_names(target, &options_in(options)?).map_err(js_error)
}

/// The seam of a JS options object (`feather`, `overlap`, `curve`).
pub(crate) fn seam_options(options: Option<JsValue>) -> Result<SeamOptions, JsValue> {
    options_in(options)?.seam().map_err(js_error)
}

/// The seam and mask kind (`kind`, default `feathered`) of a mask's options object.
pub(crate) fn mask_options(options: Option<JsValue>) -> Result<(SeamOptions, MaskKind), JsValue> {
    let seam = seam_options(options.clone())?;
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let kind = match get(&options, "kind").as_string() {
        Some(k) => k.parse::<MaskKind>().map_err(js_error)?,
        None => MaskKind::Feathered,
    };
    Ok((seam, kind))
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
    let out = outpaint::pixels::pad(img.view(), &e, f, &Limits::default()).map_err(js_error)?;
    Ok(image_out(&out))
}

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
