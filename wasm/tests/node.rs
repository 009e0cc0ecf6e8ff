//! `wasm-bindgen-test` unit tests of the exported API, run under Node by
//! `wasm-bindgen-test-runner` (`cargo test -p outpaint-wasm --target wasm32-unknown-unknown`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export function memoryStore() {
  const items = new Map();
  let next = 0;
  return {
    items,
    async get(key) { const v = items.get(key); return v ? { bytes: v.bytes, tag: v.tag } : null; },
    async put(key, bytes, expected) {
      const cur = items.get(key)?.tag ?? null;
      const ok = expected.kind === "any" || (expected.kind === "absent" && cur === null)
        || (expected.kind === "tag" && cur === expected.tag);
      if (!ok) return null;
      const tag = "t" + (++next);
      items.set(key, { bytes: bytes.slice(), tag });
      return tag;
    },
    async list(prefix) { return [...items.keys()].filter((k) => k.startsWith(prefix)); },
  };
}
export function host(storage, provider) {
  return { storage, provider, now: () => 1767225600000, random: () => 0.5 };
}
export function failingStorage() {
  return { get: async () => { throw new Error("bucket gone"); }, put: async () => null, list: async () => [] };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = memoryStore)]
    fn memory_store() -> JsValue;
    fn host(storage: &JsValue, provider: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = failingStorage)]
    fn failing_storage() -> JsValue;
}

/// Bytes as the Uint8Array JS hands over.
fn u8a(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}

fn prop(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |o, k| {
        Reflect::get(&o, &k.into()).unwrap_or(JsValue::UNDEFINED)
    })
}

fn num(v: &JsValue, path: &str) -> f64 {
    prop(v, path).as_f64().unwrap_or(f64::NAN)
}

fn code(e: JsValue) -> String {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(
        prop(&e, "name").as_string().as_deref(),
        Some("OutpaintError")
    );
    prop(&e, "code").as_string().unwrap_or_default()
}

fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// `{ width, height, data: Uint8ClampedArray }`.
fn rgba(w: u32, h: u32, data: &[u8]) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"width".into(), &w.into()).unwrap();
    Reflect::set(&o, &"height".into(), &h.into()).unwrap();
    Reflect::set(&o, &"data".into(), &Uint8ClampedArray::from(data).into()).unwrap();
    o.into()
}

/// A `w x h` RGBA image with every pixel `px`.
fn solid(w: u32, h: u32, px: [u8; 4]) -> JsValue {
    let data: Vec<u8> = px
        .iter()
        .copied()
        .cycle()
        .take((w * h * 4) as usize)
        .collect();
    rgba(w, h, &data)
}

fn bytes(v: &JsValue, path: &str) -> Vec<u8> {
    let d = prop(v, path);
    match d.dyn_ref::<Uint8ClampedArray>() {
        Some(a) => a.to_vec(),
        None => d.unchecked_into::<Uint8Array>().to_vec(),
    }
}

#[wasm_bindgen_test]
fn expand_is_exact() {
    let e = outpaint_wasm::expand(1024.0.into(), 1024.0.into(), "16:9".into(), None).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&e).unwrap().as_string().unwrap(),
        r#"{"left":398,"right":398,"top":0,"bottom":0,"newWidth":1820,"newHeight":1024}"#
    );
    let e = outpaint_wasm::expand(
        1000.0.into(),
        500.0.into(),
        "1:1".into(),
        Some(obj(r#"{"anchor":"bottom"}"#)),
    )
    .unwrap();
    assert_eq!((num(&e, "top"), num(&e, "bottom")), (500.0, 0.0));
}

#[wasm_bindgen_test]
fn bad_input_throws_coded_errors() {
    let e = |r: Result<JsValue, JsValue>| code(r.unwrap_err());
    assert_eq!(
        e(outpaint_wasm::expand(
            0.0.into(),
            5.0.into(),
            "16:9".into(),
            None
        )),
        "INVALID_DIMENSIONS"
    );
    assert_eq!(
        e(outpaint_wasm::expand(
            1.5.into(),
            5.0.into(),
            "16:9".into(),
            None
        )),
        "INVALID_DIMENSIONS"
    );
    assert_eq!(
        e(outpaint_wasm::expand(
            5.0.into(),
            5.0.into(),
            "16:x".into(),
            None
        )),
        "INVALID_TARGET"
    );
    let opts = Some(obj(r#"{"anchor":"middle"}"#));
    assert_eq!(
        e(outpaint_wasm::expand(
            5.0.into(),
            5.0.into(),
            "16:9".into(),
            opts
        )),
        "INVALID_OPTION"
    );
    assert_eq!(
        e(outpaint_wasm::decode(u8a(b"GIF89a...."))),
        "UNSUPPORTED_FORMAT"
    );
    let img = solid(4, 4, [1, 2, 3, 255]);
    let opts = Some(obj(r#"{"fill":"plaid"}"#));
    assert_eq!(
        e(outpaint_wasm::prepare(img.clone(), "16:9".into(), opts)),
        "INVALID_OPTION"
    );
    let short = obj(r#"{"width":4,"height":4,"data":null}"#);
    assert_eq!(
        e(outpaint_wasm::prepare(short, "16:9".into(), None)),
        "INVALID_DIMENSIONS"
    );
    assert_eq!(
        e(outpaint_wasm::composite(img.clone(), img, obj("{}"), None)),
        "INVALID_OPTION"
    );
    assert_eq!(
        e(outpaint_wasm::read_canvas(5.into()).map(Into::into)),
        "INVALID_OPTION"
    );
}

#[wasm_bindgen_test]
fn prepare_pads_masks_and_composites_back() {
    let img = solid(4, 4, [200, 100, 50, 255]);
    let opts = obj(r#"{"fill":"edge","feather":1}"#);
    let p = outpaint_wasm::prepare(img.clone(), "2:1".into(), Some(opts)).unwrap();
    assert_eq!(
        (num(&p, "canvas.width"), num(&p, "canvas.height")),
        (8.0, 4.0)
    );
    let canvas = bytes(&p, "canvas.data");
    // Edge fill: the added columns repeat the border colour.
    assert_eq!(&canvas[..4], &[200, 100, 50, 255]);
    let mask = bytes(&p, "mask.data");
    // Row 0: 2 generated columns each side; the 1-px feather ramps into the original's
    // outer columns (128), its middle columns are kept (0).
    assert_eq!(mask[..8], [255, 255, 128, 0, 0, 128, 255, 255]);
    assert_eq!(num(&p, "seam.feather"), 1.0);
    let out =
        outpaint_wasm::composite(img.clone(), prop(&p, "canvas"), prop(&p, "plan"), None).unwrap();
    assert_eq!(bytes(&out, "data"), canvas);
    let png = outpaint_wasm::encode_png(out).unwrap();
    let back = outpaint_wasm::decode(u8a(&png)).unwrap();
    assert_eq!(bytes(&back, "data"), canvas);

    // preparePng: the same canvas and mask, as PNG files, from pixels or from bytes.
    let src_png = outpaint_wasm::encode_png(img.clone()).unwrap();
    for input in [img.clone(), js_sys::Uint8Array::from(&src_png[..]).into()] {
        let opts = obj(r#"{"fill":"edge","feather":1}"#);
        let q = outpaint_wasm::prepare_png(input, "2:1".into(), Some(opts)).unwrap();
        let c = outpaint_wasm::decode(u8a(&bytes(&q, "canvasPng"))).unwrap();
        assert_eq!(bytes(&c, "data"), canvas);
        let m = outpaint_wasm::decode(u8a(&bytes(&q, "maskPng"))).unwrap();
        let grey: Vec<u8> = bytes(&m, "data").chunks(4).map(|p| p[0]).collect();
        assert_eq!(grey, mask);
        assert_eq!(num(&q, "plan.size.width"), 8.0);
    }
    let bad = outpaint_wasm::prepare_png(
        js_sys::Uint8Array::from(&b"nope"[..]).into(),
        "2:1".into(),
        None,
    );
    assert_eq!(code(bad.unwrap_err()), "UNSUPPORTED_FORMAT");
}

#[wasm_bindgen_test]
async fn run_drives_a_session_over_js_promises() {
    let store = memory_store();
    let h = host(&store, &"local".into());
    let op = obj(r#"{"op":"generate","prompt":"a lake","models":["flux","gemini"]}"#);
    let out = outpaint_wasm::run(op, h.clone()).await.unwrap();
    assert_eq!(
        prop(&out, "session.status").as_string().unwrap(),
        "completed"
    );
    assert_eq!(
        prop(&out, "session.createdAt").as_string().unwrap(),
        "2026-01-01T00:00:00.000Z"
    );
    let id = prop(&out, "session.sessionId").as_string().unwrap();
    let op = obj(&format!(
        r#"{{"op":"outpaint","sessionId":"{id}","model":"gemini","preset":"16:9"}}"#
    ));
    let out = outpaint_wasm::run(op, h.clone()).await.unwrap();
    assert_eq!(num(&out, "iterationIndex"), 1.0);
    assert_eq!(
        prop(&out, "session.models.gemini.iterations.1.imageKey")
            .as_string()
            .unwrap(),
        format!("sessions/{id}/images/gemini-1.png")
    );
    let op = obj(&format!(r#"{{"op":"status","sessionId":"{id}"}}"#));
    let bad = host(&failing_storage(), &"local".into());
    let err = outpaint_wasm::run(op, bad).await.unwrap_err();
    assert_eq!(code(err.clone()), "STORAGE_ERROR");
    assert!(prop(&err, "message")
        .as_string()
        .unwrap()
        .contains("bucket gone"));
}

#[wasm_bindgen_test]
fn context_window_from_rust() {
    let id = "8f14e45f-ceea-467f-a0e6-6f9a2b1c3d4e";
    let mut w = outpaint_wasm::ContextWindow::new(id.into(), "openai".into()).unwrap();
    for i in 0..5 {
        let e = format!(r#"{{"iteration":{i},"prompt":"p{i}","imageKey":"k","timestamp":"t"}}"#);
        w.push(obj(&e)).unwrap();
    }
    assert_eq!(
        w.prompt("go".into(), None).unwrap(),
        "Previous: p2 | p3 | p4. Now: go"
    );
    assert_eq!(w.key(), format!("sessions/{id}/context/openai.json"));
    let again = outpaint_wasm::ContextWindow::parse(w.to_json().into(), id.into(), "openai".into())
        .unwrap();
    assert_eq!(again.to_json(), w.to_json());
    assert_eq!(
        code(
            outpaint_wasm::ContextWindow::new(id.into(), "Mid Journey".into())
                .err()
                .unwrap()
        ),
        "MODEL_NOT_FOUND"
    );
}

/// An 8x4 image whose every byte differs from its neighbours'.
fn gradient() -> JsValue {
    let data: Vec<u8> = (0..8 * 4 * 4u32)
        .map(|i| if i % 4 == 3 { 255 } else { (i * 7) as u8 })
        .collect();
    rgba(8, 4, &data)
}

/// Calls `v.name()` (a method of a class instance held in a plain object).
fn call(v: &JsValue, name: &str) -> JsValue {
    let f: js_sys::Function = prop(v, name).unchecked_into();
    f.call0(v).unwrap()
}

#[wasm_bindgen_test]
fn pictures_chain_in_wasm_memory_and_agree_with_the_functions() {
    use outpaint_wasm::{MaskPicture, Picture};
    let src = gradient();
    let p = Picture::from_rgba(src.clone()).unwrap();
    assert_eq!((p.width(), p.height()), (8, 4));
    // view() is wasm memory itself: a write through it changes the picture.
    let view = p.view();
    assert_eq!(view.to_vec(), bytes(&src, "data"));
    view.set_index(0, 99);
    assert_eq!(bytes(&p.to_image(), "data")[0], 99);
    view.set_index(0, 0);

    let e = outpaint_wasm::expand(8.0.into(), 4.0.into(), "16:9".into(), None).unwrap();
    let (cw, ch) = (num(&e, "newWidth") as u32, num(&e, "newHeight") as u32);
    assert_eq!((cw, ch), (8, 4 + 1)); // 8:4.5 -> one row added
    let e = outpaint_wasm::expand(8.0.into(), 4.0.into(), "edges:3,2,1,2".into(), None).unwrap();
    let mut out = Picture::from_rgba(solid(13, 7, [1, 2, 3, 4])).unwrap();
    for fill in ["transparent", "edge", "mirror", "blur", "color:#10203040"] {
        let want = bytes(
            &outpaint_wasm::pad(src.clone(), e.clone(), fill.into()).unwrap(),
            "data",
        );
        let got = p.pad(e.clone(), fill.into()).unwrap();
        assert_eq!((got.width(), got.height()), (13, 7), "{fill}");
        assert_eq!(bytes(&got.to_image(), "data"), want, "{fill}");
        p.pad_into(e.clone(), fill.into(), &mut out).unwrap();
        assert_eq!(out.view().to_vec(), want, "{fill} into");
    }

    let opts = || Some(obj(r#"{"feather":2,"curve":"linear"}"#));
    let want = outpaint_wasm::mask(e.clone(), opts()).unwrap();
    let m = MaskPicture::build(e.clone(), opts()).unwrap();
    assert_eq!(m.view().to_vec(), bytes(&want, "mask.data"));
    assert_eq!(
        js_sys::JSON::stringify(&m.seam().unwrap()).unwrap(),
        js_sys::JSON::stringify(&prop(&want, "seam")).unwrap()
    );
    let mut m2 = MaskPicture::from_image(prop(&want, "mask")).unwrap();
    assert!(m2.seam().unwrap().is_undefined());
    let binary = Some(obj(r#"{"kind":"binary"}"#));
    MaskPicture::build_into(e.clone(), &mut m2, binary.clone()).unwrap();
    let want_binary = outpaint_wasm::mask(e.clone(), binary).unwrap();
    assert_eq!(
        bytes(&m2.to_image(), "data"),
        bytes(&want_binary, "mask.data")
    );
    assert_eq!(num(&m2.seam().unwrap(), "feather"), 0.0);
    // The mask PNG decodes to the mask, as grey.
    let back = outpaint_wasm::decode(u8a(&m.encode_png().unwrap())).unwrap();
    let grey: Vec<u8> = bytes(&back, "data").chunks(4).map(|p| p[0]).collect();
    assert_eq!(grey, bytes(&want, "mask.data"));

    // composite / compositeInto agree with composite() on objects.
    let plan = outpaint_wasm::fit(8.0.into(), 4.0.into(), "edges:3,2,1,2".into(), None).unwrap();
    let gen = p.pad(e.clone(), "edge".into()).unwrap();
    let seam = || Some(obj(r#"{"feather":2}"#));
    let want = bytes(
        &outpaint_wasm::composite(src.clone(), gen.to_image(), plan.clone(), seam()).unwrap(),
        "data",
    );
    let c = p.composite(&gen, plan.clone(), seam()).unwrap();
    assert_eq!(bytes(&c.to_image(), "data"), want);
    let mut into = Picture::from_rgba(solid(13, 7, [0, 0, 0, 0])).unwrap();
    p.composite_into(&gen, plan.clone(), &mut into, seam())
        .unwrap();
    assert_eq!(into.view().to_vec(), want);

    // PNG: the same bytes as encodePng on the object; decode gives the picture back.
    let png = c.encode_png().unwrap();
    assert_eq!(png, outpaint_wasm::encode_png(c.to_image()).unwrap());
    let back = Picture::decode(Uint8Array::from(&png[..]).into()).unwrap();
    assert_eq!(back.view().to_vec(), want);
    let back = Picture::decode(Uint8Array::from(&png[..]).buffer().into()).unwrap();
    assert_eq!((back.width(), back.height()), (13, 7));

    // prepare / runLocal: the same pixels as the functions, as pictures.
    let popts = || Some(obj(r#"{"fill":"blur","feather":2}"#));
    let want = outpaint_wasm::prepare(src.clone(), "16:9".into(), popts()).unwrap();
    let got = p.prepare("16:9".into(), popts()).unwrap();
    assert_eq!(
        bytes(&call(&prop(&got, "canvas"), "toImage"), "data"),
        bytes(&want, "canvas.data")
    );
    assert_eq!(
        bytes(&call(&prop(&got, "mask"), "toImage"), "data"),
        bytes(&want, "mask.data")
    );
    assert_eq!(
        js_sys::JSON::stringify(&prop(&got, "plan")).unwrap(),
        js_sys::JSON::stringify(&prop(&want, "plan")).unwrap()
    );
    assert_eq!(num(&got, "mask.seam.feather"), 2.0);
    let want = outpaint_wasm::run_local(src.clone(), "16:9".into(), popts()).unwrap();
    let got = p.run_local("16:9".into(), popts()).unwrap();
    assert_eq!(bytes(&got.to_image(), "data"), bytes(&want, "data"));
}

#[wasm_bindgen_test]
fn pictures_refuse_bad_input_with_codes() {
    use outpaint_wasm::{MaskPicture, Picture};
    let e = |r: Result<(), JsValue>| code(r.unwrap_err());
    let short = obj(r#"{"width":4,"height":4,"data":null}"#);
    assert_eq!(e(Picture::from_rgba(short).map(drop)), "INVALID_DIMENSIONS");
    let wrong = solid(4, 4, [1, 2, 3, 4]);
    Reflect::set(&wrong, &"width".into(), &5.into()).unwrap();
    assert_eq!(e(Picture::from_rgba(wrong).map(drop)), "INVALID_DIMENSIONS");
    let gif = Uint8Array::from(&b"GIF89a...."[..]);
    assert_eq!(
        e(Picture::decode(gif.into()).map(drop)),
        "UNSUPPORTED_FORMAT"
    );
    assert_eq!(
        e(Picture::decode("a.png".into()).map(drop)),
        "INVALID_OPTION"
    );

    let p = Picture::from_rgba(gradient()).unwrap();
    let other = outpaint_wasm::expand(9.0.into(), 4.0.into(), "16:9".into(), None).unwrap();
    assert_eq!(
        e(p.pad(other, "edge".into()).map(drop)),
        "INVALID_DIMENSIONS"
    );
    let ex =
        || outpaint_wasm::expand(8.0.into(), 4.0.into(), "edges:1,1,0,0".into(), None).unwrap();
    assert_eq!(e(p.pad(ex(), "plaid".into()).map(drop)), "INVALID_OPTION");
    assert_eq!(
        e(p.pad(obj("{}"), "edge".into()).map(drop)),
        "INVALID_OPTION"
    );
    let mut small = Picture::from_rgba(solid(9, 4, [0; 4])).unwrap();
    assert_eq!(
        e(p.pad_into(ex(), "edge".into(), &mut small)),
        "INVALID_DIMENSIONS"
    );
    let plan = outpaint_wasm::fit(8.0.into(), 4.0.into(), "edges:1,1,0,0".into(), None).unwrap();
    let gen = p.pad(ex(), "edge".into()).unwrap();
    assert_eq!(
        e(gen.composite(&p, plan.clone(), None).map(drop)),
        "INVALID_DIMENSIONS"
    );
    assert_eq!(
        e(p.composite(&gen, obj("{}"), None).map(drop)),
        "INVALID_OPTION"
    );
    assert_eq!(
        e(p.composite_into(&gen, plan, &mut small, None)),
        "INVALID_DIMENSIONS"
    );
    let mut m = MaskPicture::build(ex(), None).unwrap();
    assert_eq!((m.width(), m.height()), (10, 4));
    let huge =
        obj(r#"{"left":0,"right":0,"top":0,"bottom":0,"newWidth":100000,"newHeight":100000}"#);
    assert_eq!(
        e(MaskPicture::build(huge, None).map(drop)),
        "IMAGE_TOO_LARGE"
    );
    let curve = Some(obj(r#"{"curve":"zigzag"}"#));
    assert_eq!(
        e(MaskPicture::build(ex(), curve).map(drop)),
        "INVALID_OPTION"
    );
    assert_eq!(
        e(MaskPicture::build_into(
            outpaint_wasm::expand(9.0.into(), 4.0.into(), "16:9".into(), None).unwrap(),
            &mut m,
            None
        )),
        "INVALID_DIMENSIONS"
    );
    let bad = obj(r#"{"width":3,"height":3,"data":null}"#);
    assert_eq!(
        e(MaskPicture::from_image(bad).map(drop)),
        "INVALID_DIMENSIONS"
    );
}

#[wasm_bindgen_test]
fn large_pictures_start_on_a_page() {
    // The allocator page-aligns buffers of 64 KiB and more (no 4K aliasing between rows).
    use outpaint_wasm::Picture;
    let a = Picture::from_rgba(solid(128, 128, [1, 2, 3, 4])).unwrap();
    let e = outpaint_wasm::expand(128.0.into(), 128.0.into(), "16:9".into(), None).unwrap();
    let b = a.pad(e.clone(), "edge".into()).unwrap();
    let c = a.pad(e, "blur".into()).unwrap();
    for p in [&a, &b, &c] {
        assert_eq!(p.view().byte_offset() % 4096, 0);
    }
    assert_eq!(b.view().to_vec()[..4], [1, 2, 3, 4]);
}
