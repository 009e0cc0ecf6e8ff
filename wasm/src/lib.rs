//! WebAssembly bindings of `outpaint-core` (the npm package `outpaint-wasm`).
//!
//! This crate only translates: JS values in, core calls, JS values or `Error`s with a
//! `.code` out. The full surface arrives with the wasm issue; today it exposes the
//! expansion maths.

use wasm_bindgen::prelude::*;

/// Turns a core error into a JS `Error` whose `.code` is the stable error code.
fn js_error(e: outpaint::Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("OutpaintError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().as_str().into());
    err.into()
}

/// `expand(width, height, target, anchor?)`: the expansion as
/// `{ left, right, top, bottom, newWidth, newHeight }`.
#[wasm_bindgen]
pub fn expand(
    width: f64,
    height: f64,
    target: &str,
    anchor: Option<String>,
) -> Result<JsValue, JsValue> {
    let dim = |v: f64| -> Result<u32, JsValue> {
        if v.fract() != 0.0 || v < 1.0 || v > f64::from(u32::MAX) {
            return Err(js_error(outpaint::Error::new(
                outpaint::ErrorCode::InvalidDimensions,
                format!("dimensions must be whole numbers of at least 1, got {v}"),
            )));
        }
        Ok(v as u32)
    };
    let (w, h) = (dim(width)?, dim(height)?);
    let target: outpaint::Target = target.parse().map_err(js_error)?;
    let anchor: outpaint::Anchor = match anchor {
        Some(a) => a.parse().map_err(js_error)?,
        None => outpaint::Anchor::Center,
    };
    let e = outpaint::expand(w, h, &target, anchor).map_err(js_error)?;
    serde_wasm_bindgen::to_value(&e).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
