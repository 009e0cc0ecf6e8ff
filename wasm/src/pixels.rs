//! The pixel API from JS: pad, mask, composite.

use js_sys::Object;
use outpaint::{Fill, Limits, Plan};
use wasm_bindgen::prelude::*;

use crate::convert::{
    image_in, image_or_bytes, image_out, js_error, mask_out, required, set, to_js,
};
use crate::prepare::{mask_options, seam_options};

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
    let (orig, res, plan, seam) = composite_args(&original, &result, plan, options)?;
    let (img, _) = outpaint::composite(orig.view(), res.view(), &plan, &seam, &Limits::default())
        .map_err(js_error)?;
    Ok(image_out(&img))
}

/// The arguments of `composite` and `compositeReport`, read.
fn composite_args(
    original: &JsValue,
    result: &JsValue,
    plan: JsValue,
    options: Option<JsValue>,
) -> Result<
    (
        outpaint::Image,
        outpaint::Image,
        Plan,
        outpaint::SeamOptions,
    ),
    JsValue,
> {
    Ok((
        image_or_bytes(original)?,
        image_or_bytes(result)?,
        required(plan, "plan")?,
        seam_options(options)?,
    ))
}

/// `composite`, and the seam report: how visible the seam is (per edge: seam jump,
/// colour step, Oklab difference, band sharpness; the residual cast and the overlap
/// residual) and what the colour match did.
#[wasm_bindgen(js_name = compositeReport, unchecked_return_type = "{ image: RgbaImage; seam: Seam; report: SeamReport }")]
pub fn composite_report(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")]
    original: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] result: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (orig, res, plan, seam) = composite_args(&original, &result, plan, options)?;
    let (c, report) = outpaint::pixels::composite_reported(
        orig.view(),
        res.view(),
        &plan,
        &seam,
        &Limits::default(),
    )
    .map_err(js_error)?;
    let out = Object::new();
    set(&out, "image", &image_out(&c.image));
    set(&out, "seam", &to_js(&c.seam)?);
    set(&out, "report", &to_js(&report)?);
    Ok(out.into())
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

/// Places an image on its expanded canvas with a fill (`transparent`, `edge`, `mirror`,
/// `blur`, `color:#rrggbbaa`).
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn pad(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage")] image: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Fill")] fill: JsValue,
) -> Result<JsValue, JsValue> {
    let img = image_in(&image)?;
    let e: outpaint::Expansion = required(expansion, "expansion")?;
    let f: Fill = crate::convert::text(&fill, "fill")?
        .parse()
        .map_err(js_error)?;
    let out = outpaint::pixels::pad(img.view(), &e, f, &Limits::default()).map_err(js_error)?;
    Ok(image_out(&out))
}
