//! Browser helpers over web-sys: read pixels from a canvas, an `ImageBitmap` or an
//! `<img>`; draw images and masks into a canvas; decode a `Blob`.
//!
//! Copies: reading a 2D canvas is one copy (`getImageData`); an `ImageBitmap`, an
//! `<img>` or a WebGL canvas is first drawn into a scratch canvas (two). Drawing wraps
//! the image's own `Uint8ClampedArray` in an `ImageData` without copying, then
//! `putImageData` copies it into the canvas (one); masks are widened to grey RGBA first.

use js_sys::{Uint8Array, Uint8ClampedArray};
use outpaint::{ErrorCode, Limits};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageBitmap, ImageData,
    OffscreenCanvas, OffscreenCanvasRenderingContext2d,
};

use crate::convert::{bad, dimension, get, image_out, js_error};

/// A 2D context of either kind of canvas.
enum Context2d {
    Html(CanvasRenderingContext2d),
    Offscreen(OffscreenCanvasRenderingContext2d),
}

/// A canvas to read from or draw into.
enum Canvas {
    Html(HtmlCanvasElement),
    Offscreen(OffscreenCanvas),
}

impl Canvas {
    fn of(v: &JsValue) -> Option<Canvas> {
        if let Some(c) = v.dyn_ref::<HtmlCanvasElement>() {
            Some(Canvas::Html(c.clone()))
        } else {
            v.dyn_ref::<OffscreenCanvas>()
                .map(|c| Canvas::Offscreen(c.clone()))
        }
    }

    /// A scratch canvas: an `OffscreenCanvas` where there is one, else a `<canvas>`.
    fn scratch(width: u32, height: u32) -> Result<Canvas, JsValue> {
        let global = js_sys::global();
        if !get(&global, "OffscreenCanvas").is_undefined() {
            return Ok(Canvas::Offscreen(OffscreenCanvas::new(width, height)?));
        }
        let document = get(&global, "document");
        let Some(document) = document.dyn_ref::<web_sys::Document>() else {
            return Err(bad(
                ErrorCode::UnsupportedFormat,
                "drawing needs OffscreenCanvas or a document (a browser)",
            ));
        };
        let c: HtmlCanvasElement = document.create_element("canvas")?.unchecked_into();
        c.set_width(width);
        c.set_height(height);
        Ok(Canvas::Html(c))
    }

    fn size(&self) -> (u32, u32) {
        match self {
            Canvas::Html(c) => (c.width(), c.height()),
            Canvas::Offscreen(c) => (c.width(), c.height()),
        }
    }

    fn resize(&self, width: u32, height: u32) {
        match self {
            Canvas::Html(c) => {
                c.set_width(width);
                c.set_height(height);
            }
            Canvas::Offscreen(c) => {
                c.set_width(width);
                c.set_height(height);
            }
        }
    }

    /// The canvas's 2D context, `None` when it already has another kind (WebGL).
    fn context(&self) -> Result<Option<Context2d>, JsValue> {
        Ok(match self {
            Canvas::Html(c) => c
                .get_context("2d")?
                .map(|x| Context2d::Html(x.unchecked_into())),
            Canvas::Offscreen(c) => c
                .get_context("2d")?
                .map(|x| Context2d::Offscreen(x.unchecked_into())),
        })
    }
}

impl Context2d {
    fn read(&self, width: u32, height: u32) -> Result<ImageData, JsValue> {
        let (w, h) = (f64::from(width), f64::from(height));
        match self {
            Context2d::Html(x) => x.get_image_data(0.0, 0.0, w, h),
            Context2d::Offscreen(x) => x.get_image_data(0.0, 0.0, w, h),
        }
    }

    fn write(&self, data: &ImageData) -> Result<(), JsValue> {
        match self {
            Context2d::Html(x) => x.put_image_data(data, 0.0, 0.0),
            Context2d::Offscreen(x) => x.put_image_data(data, 0.0, 0.0),
        }
    }

    /// Draws a canvas image source at the origin.
    fn draw(&self, source: &JsValue) -> Result<(), JsValue> {
        macro_rules! draw {
            ($x:expr) => {
                if let Some(s) = source.dyn_ref::<ImageBitmap>() {
                    $x.draw_image_with_image_bitmap(s, 0.0, 0.0)
                } else if let Some(s) = source.dyn_ref::<HtmlImageElement>() {
                    $x.draw_image_with_html_image_element(s, 0.0, 0.0)
                } else if let Some(s) = source.dyn_ref::<HtmlCanvasElement>() {
                    $x.draw_image_with_html_canvas_element(s, 0.0, 0.0)
                } else if let Some(s) = source.dyn_ref::<OffscreenCanvas>() {
                    $x.draw_image_with_offscreen_canvas(s, 0.0, 0.0)
                } else {
                    Err(not_a_source())
                }
            };
        }
        match self {
            Context2d::Html(x) => draw!(x),
            Context2d::Offscreen(x) => draw!(x),
        }
    }
}

fn not_a_source() -> JsValue {
    bad(
        ErrorCode::InvalidOption,
        "expected an HTMLCanvasElement, OffscreenCanvas, ImageBitmap or HTMLImageElement",
    )
}

/// The pixel size of a drawable source (`naturalWidth` for `<img>`).
fn source_size(source: &JsValue) -> Result<(u32, u32), JsValue> {
    let (w, h) = if let Some(i) = source.dyn_ref::<HtmlImageElement>() {
        (i.natural_width(), i.natural_height())
    } else if let Some(b) = source.dyn_ref::<ImageBitmap>() {
        (b.width(), b.height())
    } else if let Some(c) = Canvas::of(source) {
        c.size()
    } else {
        return Err(not_a_source());
    };
    if w == 0 || h == 0 {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            format!("the source is {w}x{h} (not loaded yet, or a closed bitmap)"),
        ));
    }
    Ok((w, h))
}

/// Reads the pixels of an `HTMLCanvasElement`, `OffscreenCanvas`, `ImageBitmap` or
/// loaded `HTMLImageElement` as `ImageData` (which every function here takes as an
/// image). A 2D canvas is read directly; other sources are drawn into a scratch canvas.
#[wasm_bindgen(js_name = readCanvas)]
pub fn read_canvas(
    #[wasm_bindgen(
        unchecked_param_type = "HTMLCanvasElement | OffscreenCanvas | ImageBitmap | HTMLImageElement"
    )]
    source: JsValue,
) -> Result<ImageData, JsValue> {
    let (w, h) = source_size(&source)?;
    if let Some(ctx) = Canvas::of(&source)
        .map(|c| c.context())
        .transpose()?
        .flatten()
    {
        return ctx.read(w, h);
    }
    let scratch = Canvas::scratch(w, h)?;
    let ctx = scratch
        .context()?
        .ok_or_else(|| bad(ErrorCode::InvalidOption, "no 2D context on a new canvas"))?;
    ctx.draw(&source)?;
    ctx.read(w, h)
}

/// Draws an image (`{ width, height, data }` RGBA, e.g. a result or a canvas) or a mask
/// (one byte per pixel, drawn grey) into a canvas, resizing the canvas to fit.
#[wasm_bindgen(js_name = drawToCanvas)]
pub fn draw_to_canvas(
    #[wasm_bindgen(unchecked_param_type = "HTMLCanvasElement | OffscreenCanvas")] canvas: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RgbaImage | MaskImage")] image: JsValue,
) -> Result<(), JsValue> {
    let target = Canvas::of(&canvas).ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            "expected an HTMLCanvasElement or OffscreenCanvas to draw into",
        )
    })?;
    let w = dimension(get(&image, "width").as_f64().unwrap_or(0.0), "width")?;
    let h = dimension(get(&image, "height").as_f64().unwrap_or(0.0), "height")?;
    let pixels = u64::from(w) * u64::from(h);
    let data = get(&image, "data");
    let view = if let Some(a) = data.dyn_ref::<Uint8ClampedArray>() {
        a.clone()
    } else if let Some(a) = data.dyn_ref::<Uint8Array>() {
        Uint8ClampedArray::new_with_byte_offset_and_length(&a.buffer(), a.byte_offset(), a.length())
    } else {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            "image data must be a Uint8ClampedArray or Uint8Array",
        ));
    };
    let len = u64::from(view.length());
    let image_data = if len == pixels * 4 {
        ImageData::new_with_js_u8_clamped_array_and_sh(&view, w, h)?
    } else if len == pixels {
        let grey = view.to_vec();
        let mut rgba = Vec::with_capacity(grey.len() * 4);
        for g in grey {
            rgba.extend_from_slice(&[g, g, g, 255]);
        }
        ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w, h)?
    } else {
        return Err(bad(
            ErrorCode::InvalidDimensions,
            format!(
                "{w}x{h} needs {} (RGBA) or {pixels} (mask) bytes, got {len}",
                pixels * 4
            ),
        ));
    };
    target.resize(w, h);
    let ctx = target.context()?.ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            "the canvas already has a non-2D (WebGL) context",
        )
    })?;
    ctx.write(&image_data)
}

/// Decodes a `Blob` or `File` of PNG, JPEG or WebP bytes (by content, EXIF orientation
/// applied; limits checked before pixels are allocated).
#[wasm_bindgen(js_name = decodeBlob, unchecked_return_type = "RgbaImage")]
pub async fn decode_blob(
    #[wasm_bindgen(unchecked_param_type = "Blob")] blob: JsValue,
) -> Result<JsValue, JsValue> {
    let Some(blob) = blob.dyn_ref::<Blob>() else {
        return Err(bad(ErrorCode::InvalidOption, "expected a Blob or File"));
    };
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    let img = outpaint::decode(&bytes, &Limits::default()).map_err(js_error)?;
    Ok(image_out(&img))
}
