//! Decoding (with limits) and encoding (PNG, JPEG, WebP) from JS.

use outpaint::{Limits, PngCompression};
use wasm_bindgen::prelude::*;

use crate::convert::{image_in, image_out, js_error};

/// Decodes PNG, JPEG or WebP bytes (by content; EXIF orientation applied; limits checked
/// before pixels are allocated).
#[wasm_bindgen(unchecked_return_type = "RgbaImage")]
pub fn decode(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
) -> Result<JsValue, JsValue> {
    let bytes = crate::convert::byte_arg(&bytes, "bytes")?;
    let img = outpaint::decode(&bytes, &Limits::default()).map_err(js_error)?;
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

/// Encodes an RGBA image as `"png"` (fast), `"jpeg"` (at `quality` 1..=100, default 90;
/// alpha dropped) or `"webp"` (lossless). An unknown format or quality is
/// `INVALID_OPTION`.
#[wasm_bindgen]
pub fn encode(
    #[wasm_bindgen(unchecked_param_type = "RgbaImage")] image: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"png\" | \"jpeg\" | \"webp\"")] format: JsValue,
    quality: Option<u8>,
) -> Result<Vec<u8>, JsValue> {
    let img = image_in(&image)?;
    let format: outpaint::codec::Format = crate::convert::text(&format, "format")?
        .parse()
        .map_err(js_error)?;
    match (format, quality) {
        (outpaint::codec::Format::Jpeg, Some(q)) => outpaint::codec::encode_jpeg(img.view(), q),
        (f, _) => outpaint::codec::encode(img.view(), f),
    }
    .map_err(js_error)
}
