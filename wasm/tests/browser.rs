//! `wasm-bindgen-test` tests of the canvas helpers in headless Chromium
//! (`CHROMEDRIVER=/usr/bin/chromedriver`, see `scripts/test.sh`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlCanvasElement, HtmlImageElement, ImageData, OffscreenCanvas};

wasm_bindgen_test_configure!(run_in_browser);

fn prop(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn code(e: JsValue) -> String {
    prop(&e, "code").as_string().unwrap_or_default()
}

/// A 3x2 opaque image with distinct pixels (opaque: canvases premultiply alpha).
fn sample() -> (JsValue, Vec<u8>) {
    let data: Vec<u8> = (0..6u8)
        .flat_map(|i| [i * 40, 255 - i * 40, i * 7, 255])
        .collect();
    let o = js_sys::Object::new();
    Reflect::set(&o, &"width".into(), &3.into()).unwrap();
    Reflect::set(&o, &"height".into(), &2.into()).unwrap();
    Reflect::set(
        &o,
        &"data".into(),
        &Uint8ClampedArray::from(&data[..]).into(),
    )
    .unwrap();
    (o.into(), data)
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn html_canvas() -> HtmlCanvasElement {
    document()
        .create_element("canvas")
        .unwrap()
        .unchecked_into()
}

fn pixels(d: &ImageData) -> (u32, u32, Vec<u8>) {
    (d.width(), d.height(), d.data().0)
}

#[wasm_bindgen_test]
fn html_canvas_round_trip() {
    let (img, data) = sample();
    let c = html_canvas();
    outpaint_wasm::draw_to_canvas(c.clone().into(), img).unwrap();
    assert_eq!((c.width(), c.height()), (3, 2));
    assert_eq!(
        pixels(&outpaint_wasm::read_canvas(c.into()).unwrap()),
        (3, 2, data)
    );
}

#[wasm_bindgen_test]
fn offscreen_canvas_round_trip_and_masks_draw_grey() {
    let (img, data) = sample();
    let c = OffscreenCanvas::new(1, 1).unwrap();
    outpaint_wasm::draw_to_canvas(c.clone().into(), img).unwrap();
    assert_eq!(
        pixels(&outpaint_wasm::read_canvas(c.clone().into()).unwrap()).2,
        data
    );
    let mask = js_sys::Object::new();
    Reflect::set(&mask, &"width".into(), &2.into()).unwrap();
    Reflect::set(&mask, &"height".into(), &1.into()).unwrap();
    Reflect::set(
        &mask,
        &"data".into(),
        &Uint8Array::from(&[0u8, 255][..]).into(),
    )
    .unwrap();
    outpaint_wasm::draw_to_canvas(c.clone().into(), mask.into()).unwrap();
    assert_eq!(
        pixels(&outpaint_wasm::read_canvas(c.into()).unwrap()),
        (2, 1, vec![0, 0, 0, 255, 255, 255, 255, 255])
    );
}

#[wasm_bindgen_test]
async fn image_bitmap_and_img_element_are_read() {
    let (img, data) = sample();
    let c = html_canvas();
    outpaint_wasm::draw_to_canvas(c.clone().into(), img.clone()).unwrap();
    let window = web_sys::window().unwrap();
    let bitmap = JsFuture::from(
        window
            .create_image_bitmap_with_html_canvas_element(&c)
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(pixels(&outpaint_wasm::read_canvas(bitmap).unwrap()).2, data);

    let png = outpaint_wasm::encode_png(img).unwrap();
    let parts = js_sys::Array::of1(&Uint8Array::from(&png[..]));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
    let el = HtmlImageElement::new().unwrap();
    assert_eq!(
        code(outpaint_wasm::read_canvas(el.clone().into()).unwrap_err()),
        "INVALID_DIMENSIONS"
    );
    el.set_src(&url);
    JsFuture::from(el.decode()).await.unwrap();
    assert_eq!(
        pixels(&outpaint_wasm::read_canvas(el.into()).unwrap()).2,
        data
    );

    let decoded = outpaint_wasm::decode_blob(blob.into()).await.unwrap();
    let d: Uint8ClampedArray = prop(&decoded, "data").unchecked_into();
    assert_eq!(d.to_vec(), data);
}

#[wasm_bindgen_test]
async fn bad_sources_and_targets_throw_coded_errors() {
    assert_eq!(
        code(outpaint_wasm::read_canvas("canvas".into()).unwrap_err()),
        "INVALID_OPTION"
    );
    let (img, _) = sample();
    let div = document().create_element("div").unwrap();
    assert_eq!(
        code(outpaint_wasm::draw_to_canvas(div.into(), img).unwrap_err()),
        "INVALID_OPTION"
    );
    let short = js_sys::JSON::parse(r#"{"width":3,"height":2,"data":null}"#).unwrap();
    assert_eq!(
        code(outpaint_wasm::draw_to_canvas(html_canvas().into(), short).unwrap_err()),
        "INVALID_DIMENSIONS"
    );
    assert_eq!(
        code(outpaint_wasm::decode_blob(5.into()).await.unwrap_err()),
        "INVALID_OPTION"
    );
}

#[wasm_bindgen_test]
fn prepare_and_run_local_from_a_canvas() {
    let (img, _) = sample();
    let c = html_canvas();
    outpaint_wasm::draw_to_canvas(c.clone().into(), img).unwrap();
    let source: JsValue = outpaint_wasm::read_canvas(c.clone().into()).unwrap().into();
    let out = outpaint_wasm::run_local(source, "16:9".into(), None).unwrap();
    outpaint_wasm::draw_to_canvas(c.clone().into(), out).unwrap();
    // 3x2 -> 16:9 keeps the height: round_half_up(2 * 16 / 9) = 4 wide.
    assert_eq!((c.width(), c.height()), (4, 2));
}
