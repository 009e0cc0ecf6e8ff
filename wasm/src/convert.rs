//! Crossing the boundary: JS values in, core values out and back; core errors become
//! `Error` objects whose `.code` is the stable error code.

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array, Uint8ClampedArray};
use outpaint::{Error, ErrorCode, Image, Limits, Mask};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

// The error class every entry of the npm package exports (`build-wasm.sh` re-exports it
// from this snippet), so `e instanceof OutpaintError` holds for what outpaint throws.
#[wasm_bindgen(inline_js = r#"
export class OutpaintError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "OutpaintError";
    this.code = code;
  }
}
export function outpaintError(code, message) {
  return new OutpaintError(code, message);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = outpaintError)]
    fn outpaint_error(code: &str, message: &str) -> JsValue;
}

/// Turns a core error into an `OutpaintError` (a JS `Error` subclass) whose `.code` is
/// the stable error code.
pub(crate) fn js_error(e: Error) -> JsValue {
    outpaint_error(e.code().as_str(), e.message())
}

pub(crate) fn bad(code: ErrorCode, msg: impl Into<String>) -> JsValue {
    js_error(Error::new(code, msg))
}

/// A value as plain JS data: objects for maps and structs, `null` for none, and bytes as
/// `Uint8Array` (`json_compatible` alone would make a canvas a JS array of numbers).
pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false))
        .map_err(|e| bad(ErrorCode::InvalidOption, e.to_string()))
}

/// Reads an optional options object (`undefined`/`null`/absent = defaults).
pub(crate) fn from_js<T: for<'de> Deserialize<'de> + Default>(
    v: Option<JsValue>,
    what: &str,
) -> Result<T, JsValue> {
    match v {
        Some(v) if !v.is_undefined() && !v.is_null() => required(v, what),
        _ => Ok(T::default()),
    }
}

/// Reads a required value (an expansion, a plan): `INVALID_OPTION` when it does not fit.
pub(crate) fn required<T: for<'de> Deserialize<'de>>(v: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v)
        .map_err(|e| bad(ErrorCode::InvalidOption, format!("bad {what}: {e}")))
}

/// What kind of JS value `v` is, for messages (`number`, `null`, `array`, ...).
fn kind_of(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// A string argument: `INVALID_OPTION` naming `what` when it is anything else (a number
/// where a string belongs used to trap in the allocator).
pub(crate) fn text(v: &JsValue, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            format!("{what} must be a string, got {}", kind_of(v)),
        )
    })
}

/// A number argument: `INVALID_OPTION` naming `what` for anything but a JS number (no
/// `"10"` quietly becoming 10).
pub(crate) fn number(v: &JsValue, what: &str) -> Result<f64, JsValue> {
    v.as_f64().ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            format!("{what} must be a number, got {}", kind_of(v)),
        )
    })
}

/// A byte argument (`Uint8Array` or `ArrayBuffer`): `INVALID_OPTION` naming `what`
/// otherwise.
pub(crate) fn byte_arg(v: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(v).to_vec());
    }
    Err(bad(
        ErrorCode::InvalidOption,
        format!(
            "{what} must be a Uint8Array or ArrayBuffer, got {}",
            kind_of(v)
        ),
    ))
}

pub(crate) fn dimension(v: f64, what: &str) -> Result<u32, JsValue> {
    if !(v.is_finite() && v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX)) {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            format!("{what} must be a whole number of at least 1, got {v}"),
        ));
    }
    Ok(v as u32)
}

/// Reads `{ width, height, data }`'s size and bytes (one copy into wasm memory); `what`
/// names it in errors ("image", "mask").
fn sized_bytes(v: &JsValue, what: &str) -> Result<(u32, u32, Vec<u8>), JsValue> {
    let get = |k: &str| get(v, k);
    if !v.is_object() {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            format!("expected {what} {{ width, height, data }}"),
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
            format!("{what} data must be a Uint8ClampedArray or Uint8Array"),
        ));
    };
    Ok((w, h, bytes))
}

/// Reads an RGBA image `{ width, height, data }` (one copy into wasm memory).
pub(crate) fn image_in(v: &JsValue) -> Result<Image, JsValue> {
    let (w, h, bytes) = sized_bytes(v, "an image")?;
    Image::from_rgba(w, h, bytes).map_err(js_error)
}

/// Reads a mask `{ width, height, data }`, one byte per pixel (one copy into wasm memory).
pub(crate) fn mask_in(v: &JsValue) -> Result<Mask, JsValue> {
    let (w, h, bytes) = sized_bytes(v, "a mask")?;
    Mask::from_bytes(w, h, bytes).map_err(js_error)
}

/// The bytes of a `Uint8Array` or `ArrayBuffer` (one copy into wasm memory).
pub(crate) fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(b) = v.dyn_ref::<Uint8Array>() {
        Some(b.to_vec())
    } else {
        v.dyn_ref::<ArrayBuffer>()
            .map(|b| Uint8Array::new(b).to_vec())
    }
}

/// Accepts an image object or encoded bytes (PNG, JPEG, WebP, decoded within the default
/// limits).
pub(crate) fn image_or_bytes(v: &JsValue) -> Result<Image, JsValue> {
    image_or_bytes_within(v, &Limits::default())
}

/// [`image_or_bytes`] with the call's own limits.
pub(crate) fn image_or_bytes_within(v: &JsValue, limits: &Limits) -> Result<Image, JsValue> {
    match bytes_of(v) {
        Some(b) => outpaint::decode(&b, limits).map_err(js_error),
        None => image_in(v),
    }
}

/// Sets `o[key] = value` (cannot fail on the plain objects made here).
pub(crate) fn set(o: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &key.into(), value);
}

/// Reads `o[key]` (`undefined` when absent or when `o` is neither object nor function).
pub(crate) fn get(o: &JsValue, key: &str) -> JsValue {
    if o.is_object() || o.is_function() {
        Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `{ width, height, data: Uint8ClampedArray }` (one copy out of wasm memory).
pub(crate) fn image_out(img: &Image) -> JsValue {
    let o = Object::new();
    set(&o, "width", &img.width().into());
    set(&o, "height", &img.height().into());
    set(&o, "data", &Uint8ClampedArray::from(img.data()).into());
    o.into()
}

/// `{ width, height, data: Uint8Array }` for a mask (one copy out).
pub(crate) fn mask_out(m: &outpaint::Mask) -> JsValue {
    let o = Object::new();
    set(&o, "width", &m.width().into());
    set(&o, "height", &m.height().into());
    set(&o, "data", &Uint8Array::from(m.data()).into());
    o.into()
}
