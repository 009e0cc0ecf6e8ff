//! The C entry points, called as a C program would (raw pointers, lengths, string views)
//! with fuzzed bytes, strings and JSON: decode, expand, fit, prepare, run_local,
//! composite with any plan JSON, the engine from any operation and config JSON, the
//! registry patch and the context prompt. Every call returns a status; the library's
//! panic boundary turning a bug into `OUTPAINT_STATUS_PANIC` counts as a crash here, and
//! whatever the library allocates is freed through its own functions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint::*;

fn view(s: &str) -> outpaint_str {
    outpaint_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

fn ok_or_typed(what: &str, s: outpaint_status) -> bool {
    assert!(
        s != outpaint_status::OUTPAINT_STATUS_PANIC,
        "{what} panicked inside the library"
    );
    s == outpaint_status::OUTPAINT_STATUS_OK
}

fn empty_image() -> outpaint_image {
    outpaint_image {
        width: 0,
        height: 0,
        data: std::ptr::null_mut(),
        len: 0,
    }
}

fn empty_bytes() -> outpaint_bytes {
    outpaint_bytes {
        data: std::ptr::null_mut(),
        len: 0,
    }
}

fuzz_target!(|data: &[u8]| {
    // A little-endian u16 length, that many bytes (an image to decode), then
    // NUL-separated strings.
    let n = data
        .get(..2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let rest = data.get(2..).unwrap_or(&[]);
    let (bytes, rest) = rest.split_at(n.min(rest.len()));
    let mut parts = rest.split(|&b| b == 0);
    let mut text = || {
        parts
            .next()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default()
    };
    let (target, anchor, profile, plan_json, op_json, config_json) =
        (text(), text(), text(), text(), text(), text());

    unsafe {
        let mut img = empty_image();
        let mut limits = outpaint_limits_default();
        limits.max_pixels = 1_000_000;
        limits.max_canvas_pixels = 1_000_000;
        limits.max_memory_bytes = 64 << 20;
        if ok_or_typed(
            "outpaint_decode_limited",
            outpaint_decode_limited(bytes.as_ptr(), bytes.len(), &limits, &mut img),
        ) {
            assert_eq!(img.len, img.width as usize * img.height as usize * 4);
        }
        let (w, h) = if img.data.is_null() {
            (5, 3)
        } else {
            (img.width, img.height)
        };
        let px = vec![77u8; w as usize * h as usize * 4];
        let src = outpaint_image_view {
            width: w,
            height: h,
            data: if img.data.is_null() {
                px.as_ptr()
            } else {
                img.data
            },
            len: w as usize * h as usize * 4,
        };

        let mut e = std::mem::zeroed::<outpaint_expansion>();
        if ok_or_typed(
            "outpaint_expand",
            outpaint_expand(w, h, view(&target), view(&anchor), &mut e),
        ) {
            let mut plan = empty_bytes();
            if ok_or_typed(
                "outpaint_fit",
                outpaint_fit(&e, view(&target), view(&profile), &mut plan),
            ) {
                outpaint_bytes_free(&mut plan);
            }
        }

        let mut o = outpaint_prepare_options_default();
        o.target = view(&target);
        o.anchor = view(&anchor);
        o.profile = view(&profile);
        o.feather = 4;
        o.limits = &limits;
        let (mut canvas, mut mask, mut plan) = (empty_image(), empty_bytes(), empty_bytes());
        if ok_or_typed(
            "outpaint_prepare",
            outpaint_prepare(src, &o, &mut canvas, &mut mask, &mut plan),
        ) {
            let answer = outpaint_image_view {
                width: canvas.width,
                height: canvas.height,
                data: canvas.data,
                len: canvas.len,
            };
            let mut out = empty_image();
            let plan_s = outpaint_str {
                ptr: plan.data.cast(),
                len: plan.len,
            };
            if ok_or_typed(
                "outpaint_composite",
                outpaint_composite(src, answer, plan_s, 4, 0, view(""), &mut out),
            ) {
                outpaint_image_free(&mut out);
            }
            // The same answer through the fuzzed plan.
            if ok_or_typed(
                "outpaint_composite (fuzzed plan)",
                outpaint_composite(src, answer, view(&plan_json), 0, 0, view(""), &mut out),
            ) {
                outpaint_image_free(&mut out);
            }
            outpaint_image_free(&mut canvas);
            outpaint_bytes_free(&mut mask);
            outpaint_bytes_free(&mut plan);
        }
        let mut out = empty_image();
        if ok_or_typed("outpaint_run_local", outpaint_run_local(src, &o, &mut out)) {
            outpaint_image_free(&mut out);
        }

        let mut engine = std::ptr::null_mut();
        if ok_or_typed(
            "outpaint_engine_new",
            outpaint_engine_new(
                view(&op_json),
                view(&config_json),
                bytes.as_ptr(),
                bytes.len().min(4096),
                1_700_000_000_000,
                7,
                &mut engine,
            ),
        ) {
            outpaint_engine_free(engine);
        }
        let mut reg = empty_bytes();
        if ok_or_typed(
            "outpaint_registry",
            outpaint_registry(view(&config_json), &mut reg),
        ) {
            outpaint_bytes_free(&mut reg);
        }
        outpaint_image_free(&mut img);
    }
});
