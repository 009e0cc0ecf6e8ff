//! The whole preparation from JS (`prepare`, `preparePng`, `runLocal`) and the one reader
//! of options objects (the core's `OptionNames`).

use js_sys::{Object, Uint8Array};
use outpaint::prepare::OptionNames;
use outpaint::{MaskKind, PrepareOptions, SeamOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{
    bytes_of, from_js, get, image_in, image_or_bytes_within, image_out, js_error, mask_out, set,
    to_js,
};

/// The options object of `prepare`, `runLocal`, `composite` and `mask`: the core's
/// [`OptionNames`], read as is.
pub(crate) fn options_in(options: Option<JsValue>) -> Result<OptionNames, JsValue> {
    from_js::<OptionNames>(options, "options")
}

/// Expands, fits, pre-fills and masks an image (object or encoded bytes).
#[wasm_bindgen(unchecked_return_type = "Prepared")]
pub fn prepare(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] image: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts = prepare_options(&target, options)?;
    let img = image_or_bytes_within(&image, &opts.limits)?;
    let p = outpaint::prepare(img.view(), &opts).map_err(js_error)?;
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
    #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts = prepare_options(&target, options)?;
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

/// Prepares an image, fills it with the offline `local` provider and composites it back.
#[wasm_bindgen(js_name = runLocal, unchecked_return_type = "RgbaImage")]
pub fn run_local(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | Uint8Array | ArrayBuffer")] image: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts = prepare_options(&target, options)?;
    let img = image_or_bytes_within(&image, &opts.limits)?;
    // The copy in wasm memory is released once the canvas holds it: the peak is the
    // canvas and the original's detail bands (wasm memory never shrinks).
    let out = outpaint::run_local_image(outpaint::Source::Owned(img), &opts).map_err(js_error)?;
    Ok(image_out(&out))
}

/// The `PrepareOptions` of `target` and a JS options object.
pub(crate) fn prepare_options(
    target: &JsValue,
    options: Option<JsValue>,
) -> Result<PrepareOptions, JsValue> {
    let target = crate::convert::text(target, "target")?;
    PrepareOptions::from_names(&target, &options_in(options)?).map_err(js_error)
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
