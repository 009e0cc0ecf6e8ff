//! The provider adapters against scripted replies: every request exactly as each
//! provider documents it, polling, downloads, and the failure of every bad answer.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use outpaint_core::codec::encode_mask_png;
use outpaint_core::engine::{Event, Job, JobKind, OutpaintJob};
use outpaint_core::host::{drive, exchange, run, Host, LocalProvider, MemoryStore};
use outpaint_core::providers::{
    Exchange, FailureKind, HttpReply as Reply, Method, Next, ProviderConfig, ProviderFailure,
    Registry, Request, Response, TransportError,
};
use outpaint_core::session::{IterationStatus, Model};
use outpaint_core::{
    decode, encode_png, prepare, EngineConfig, Image, Limits, Operation, PngCompression,
    PrepareOptions, Profile,
};
use serde_json::{json, Value};

mod support;
use support::{ScriptedTransport, TestClock};

const KEY: &str = "sk-test-0123456789abcdefXYZ";

fn config() -> ProviderConfig {
    ProviderConfig {
        api_key: KEY.into(),
        base_url: "http://mock".into(),
        ..ProviderConfig::default()
    }
}

/// A `w x h` opaque gradient.
fn picture(w: u32, h: u32) -> Image {
    let mut d = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            d.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 90, 255]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

fn profile(name: &str) -> Profile {
    name.parse().unwrap()
}

fn png(img: &Image) -> Vec<u8> {
    encode_png(img.view(), PngCompression::Fast).unwrap()
}

/// An outpaint job as the engine makes it, for a profile.
fn outpaint_job(model: Model, profile: Profile, w: u32, h: u32, target: &str) -> Job {
    let img = picture(w, h);
    let opts = PrepareOptions {
        profile,
        seam: outpaint_core::SeamOptions {
            feather: 16,
            ..Default::default()
        },
        ..PrepareOptions::new(target.parse().unwrap())
    };
    let p = prepare(img.view(), &opts).unwrap();
    Job {
        model,
        kind: JobKind::Outpaint,
        prompt: "more sky".into(),
        source: Some(Arc::new(png(&img))),
        source_mime: Some("image/png".into()),
        outpaint: Some(OutpaintJob {
            target: target.into(),
            canvas_png: png(&p.canvas),
            mask_png: encode_mask_png(&p.mask, PngCompression::Fast).unwrap(),
            expansion: p.expansion,
            direction: p.plan.direction.clone(),
            plan: p.plan,
        }),
    }
}

fn job(model: Model, kind: JobKind, source: Option<Vec<u8>>) -> Job {
    Job {
        model,
        kind,
        prompt: "a lake at dawn".into(),
        source_mime: source.as_ref().map(|_| "image/png".into()),
        source: source.map(Arc::new),
        outpaint: None,
    }
}

fn ok(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Ok(Response {
        status,
        headers: vec![],
        body: body.into(),
    })
}

fn json_reply(v: Value) -> Reply {
    ok(200, serde_json::to_vec(&v).unwrap())
}

/// Runs an exchange against scripted replies: the requests it sent, its waits, the end.
fn script(
    model: Model,
    job: &Job,
    c: &ProviderConfig,
    replies: Vec<Reply>,
) -> (Vec<Request>, Vec<u64>, Result<Vec<u8>, ProviderFailure>) {
    let mut x = Exchange::new(model, job, c, &Registry::builtin());
    let mut replies = replies.into_iter();
    let (mut sent, mut waits) = (vec![], vec![]);
    let mut reply = None;
    loop {
        match x.step(reply.take()) {
            Next::Send(r) => {
                sent.push(r);
                reply = Some(replies.next().expect("a scripted reply for every request"));
            }
            Next::Wait(ms) => waits.push(ms),
            Next::Done(out) => {
                assert!(replies.next().is_none(), "replies left over");
                return (sent, waits, out);
            }
        }
    }
}

fn body_json(r: &Request) -> Value {
    assert_eq!(r.header("content-type"), Some("application/json"));
    serde_json::from_slice(&r.body).unwrap()
}

fn unb64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

/// One multipart part: name, filename, content type, bytes.
type Part = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart body.
fn parts(r: &Request) -> Vec<Part> {
    let ct = r.header("content-type").unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let sep = format!("--{boundary}");
    let text = r.body.clone();
    let mut out = vec![];
    let mut rest = &text[..];
    loop {
        let at = find(rest, sep.as_bytes()).expect("boundary");
        rest = &rest[at + sep.len()..];
        if rest.starts_with(b"--") {
            return out;
        }
        let head_end = find(rest, b"\r\n\r\n").unwrap();
        let head = String::from_utf8(rest[2..head_end].to_vec()).unwrap();
        let body_start = head_end + 4;
        let next = find(&rest[body_start..], sep.as_bytes()).unwrap();
        let body = rest[body_start..body_start + next - 2].to_vec();
        let field = |k: &str| {
            head.split(&format!("{k}=\"")[..])
                .nth(1)
                .map(|s| s.split('"').next().unwrap().to_string())
        };
        let ctype = head
            .lines()
            .find_map(|l| l.strip_prefix("content-type: "))
            .map(str::to_string);
        out.push((field("name").unwrap(), field("filename"), ctype, body));
        rest = &rest[body_start + next..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn part<'a>(ps: &'a [Part], name: &str) -> &'a [u8] {
    &ps.iter()
        .find(|p| p.0 == name)
        .unwrap_or_else(|| panic!("no part {name}"))
        .3
}

fn text(ps: &[Part], name: &str) -> String {
    String::from_utf8(part(ps, name).to_vec()).unwrap()
}

fn names(ps: &[Part]) -> Vec<&str> {
    ps.iter().map(|p| p.0.as_str()).collect()
}

fn result_png() -> Vec<u8> {
    png(&picture(8, 8))
}

#[test]
fn flux_fill_submits_polls_and_downloads() {
    let j = outpaint_job(Model::Flux, profile("flux-fill"), 300, 200, "16:9");
    let o = j.outpaint.as_ref().unwrap();
    let (sent, waits, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![
            json_reply(
                json!({ "id": "task-1", "polling_url": "http://mock/v1/get_result?id=task-1" }),
            ),
            json_reply(json!({ "id": "task-1", "status": "Pending" })),
            json_reply(
                json!({ "id": "task-1", "status": "Ready", "result": { "sample": "http://cdn/sample.png" } }),
            ),
            ok(200, result_png()),
        ],
    );
    assert_eq!(out.unwrap(), result_png());
    assert_eq!(waits, vec![1000, 1000]);
    let submit = &sent[0];
    assert_eq!(submit.method, Method::Post);
    assert_eq!(submit.url, "http://mock/v1/flux-pro-1.0-fill");
    assert_eq!(submit.header("x-key"), Some(KEY));
    assert_eq!(submit.timeout_ms, 120_000);
    let b = body_json(submit);
    assert_eq!(b["prompt"], "more sky");
    assert_eq!(b["output_format"], "png");
    assert_eq!(unb64(&b["image"]), o.canvas_png);
    assert_eq!(unb64(&b["mask"]), o.mask_png);
    // Fill sizes are multiples of 16; the mask is white where new pixels go.
    let mask = decode(&o.mask_png, &Limits::default()).unwrap();
    assert_eq!((mask.width() % 16, mask.height() % 16), (0, 0));
    assert_eq!(mask.pixel(0, mask.height() / 2)[0], 255);
    assert_eq!(mask.pixel(mask.width() / 2, mask.height() / 2)[0], 0);
    for poll in &sent[1..3] {
        assert_eq!(
            (poll.method, poll.url.as_str()),
            (Method::Get, "http://mock/v1/get_result?id=task-1")
        );
        assert_eq!(poll.header("x-key"), Some(KEY));
    }
    assert_eq!(sent[3].url, "http://cdn/sample.png");
    assert_eq!(
        sent[3].header("x-key"),
        None,
        "the key never goes to the delivery host"
    );
}

#[test]
fn flux_generate_iterate_and_expand_requests() {
    let src = png(&picture(64, 48));
    let ready = || {
        vec![
            json_reply(json!({ "id": "t" })),
            json_reply(json!({ "status": "Ready", "result": { "sample": "http://cdn/s" } })),
            ok(200, result_png()),
        ]
    };
    let (sent, _, out) = script(
        Model::Flux,
        &job(Model::Flux, JobKind::Generate, None),
        &config(),
        ready(),
    );
    assert!(out.is_ok());
    assert_eq!(sent[0].url, "http://mock/v1/flux-2-pro");
    assert_eq!(
        body_json(&sent[0]),
        json!({ "prompt": "a lake at dawn", "width": 1024, "height": 1024, "output_format": "png" })
    );
    // No polling_url: poll get_result by id.
    assert_eq!(sent[1].url, "http://mock/v1/get_result?id=t");

    let custom = ProviderConfig {
        model: "flux-dev".into(),
        ..config()
    };
    let (sent, _, _) = script(
        Model::Flux,
        &job(Model::Flux, JobKind::Generate, None),
        &custom,
        ready(),
    );
    assert_eq!(sent[0].url, "http://mock/v1/flux-dev");

    let (sent, _, _) = script(
        Model::Flux,
        &job(Model::Flux, JobKind::Iterate, Some(src.clone())),
        &config(),
        ready(),
    );
    assert_eq!(sent[0].url, "http://mock/v1/flux-2-pro");
    let b = body_json(&sent[0]);
    assert_eq!(unb64(&b["input_image"]), src);
    assert_eq!(b["prompt"], "a lake at dawn");
    // Kontext when the host picks it for editing.
    let kontext = ProviderConfig {
        model: "flux-kontext-pro".into(),
        ..config()
    };
    let (sent, _, _) = script(
        Model::Flux,
        &job(Model::Flux, JobKind::Iterate, Some(src.clone())),
        &kontext,
        ready(),
    );
    assert_eq!(sent[0].url, "http://mock/v1/flux-kontext-pro");
    assert_eq!(unb64(&body_json(&sent[0])["input_image"]), src);
    // The default outpaint: the dedicated endpoint, the original placed on the canvas.
    let j = outpaint_job(Model::Flux, profile("flux-outpaint"), 300, 200, "16:9");
    let (sent, _, _) = script(Model::Flux, &j, &config(), ready());
    assert_eq!(sent[0].url, "http://mock/v1/flux-tools/outpainting-v1");
    let b = body_json(&sent[0]);
    assert_eq!(
        (
            &b["width"],
            &b["height"],
            &b["reference_offset_x"],
            &b["reference_offset_y"],
            &b["auto_crop"]
        ),
        (
            &json!(356),
            &json!(200),
            &json!(28),
            &json!(0),
            &json!(false)
        )
    );
    assert_eq!(
        decode(&unb64(&b["input_image"]), &Limits::default()).unwrap(),
        picture(300, 200)
    );
    assert_eq!(b["prompt"], "more sky");

    let j = outpaint_job(Model::Flux, profile("flux-expand"), 300, 200, "16:9");
    let (sent, _, _) = script(Model::Flux, &j, &config(), ready());
    assert_eq!(sent[0].url, "http://mock/v1/flux-pro-1.0-expand");
    let b = body_json(&sent[0]);
    let e = j.outpaint.as_ref().unwrap().plan.edges;
    assert_eq!((e.left, e.right, e.top, e.bottom), (28, 28, 0, 0));
    assert_eq!(
        (&b["left"], &b["right"], &b["top"], &b["bottom"]),
        (&json!(28), &json!(28), &json!(0), &json!(0))
    );
    let sent_img = decode(&unb64(&b["image"]), &Limits::default()).unwrap();
    assert_eq!(
        sent_img,
        picture(300, 200),
        "expand sends the original, not the canvas"
    );
}

#[test]
fn flux_task_endings() {
    let j = job(Model::Flux, JobKind::Generate, None);
    let submit = || json_reply(json!({ "id": "t", "polling_url": "http://mock/p" }));
    let (_, _, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![
            submit(),
            json_reply(json!({ "status": "Content Moderated", "details": { "reason": "nsfw" } })),
        ],
    );
    let f = out.unwrap_err();
    assert_eq!((f.kind, f.retryable()), (FailureKind::ContentPolicy, false));
    assert_eq!(f.code(), outpaint_core::ErrorCode::ContentPolicy);
    assert_eq!(f.message, r#"flux: Content Moderated ({"reason":"nsfw"})"#);
    let (_, _, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![submit(), json_reply(json!({ "status": "Error" }))],
    );
    assert!(out.unwrap_err().retryable());
    // Bounded polling: max_polls pending answers, then PROVIDER_TIMEOUT.
    let short = ProviderConfig {
        max_polls: 3,
        poll_interval_ms: 250,
        ..config()
    };
    let mut replies = vec![submit()];
    replies.extend((0..3).map(|_| json_reply(json!({ "status": "Pending" }))));
    let (sent, waits, out) = script(Model::Flux, &j, &short, replies);
    assert_eq!((sent.len(), waits), (4, vec![250, 250, 250]));
    let f = out.unwrap_err();
    assert!((f.kind == FailureKind::Timeout) && f.retryable());
    assert_eq!(f.message, "flux: no result after 3 polls 250 ms apart");
    // A download that is not an image.
    let (_, _, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![
            submit(),
            json_reply(json!({ "status": "Ready", "result": { "sample": "http://cdn/s" } })),
            ok(200, "<html>gone</html>"),
        ],
    );
    assert_eq!(
        out.unwrap_err().message,
        "flux: the download is not a PNG, JPEG or WebP image: <html>gone</html>"
    );
    // The flux-expand profile keeps edges within 2048; a hand-made plan that does not
    // fails before anything is sent.
    let mut bad = outpaint_job(Model::Flux, profile("flux-expand"), 300, 100, "16:9");
    bad.outpaint.as_mut().unwrap().plan.edges.left = 2049;
    let (sent, _, out) = script(Model::Flux, &bad, &config(), vec![]);
    assert!(sent.is_empty());
    assert!(out
        .unwrap_err()
        .message
        .starts_with("profile flux-expand adds at most 2048 px per side"));
}

#[test]
fn recraft_outpaint_is_multipart_with_expand_fields() {
    let j = outpaint_job(
        Model::Recraft,
        profile("recraft-outpaint"),
        600,
        400,
        "16:9",
    );
    let (sent, waits, out) = script(
        Model::Recraft,
        &j,
        &config(),
        vec![
            json_reply(
                json!({ "created": 1, "credits": 40, "data": [{ "image_id": "i", "url": "http://cdn/r.png" }] }),
            ),
            ok(200, result_png()),
        ],
    );
    assert_eq!(out.unwrap(), result_png());
    assert!(waits.is_empty());
    let r = &sent[0];
    assert_eq!(
        (r.method, r.url.as_str()),
        (Method::Post, "http://mock/v1/images/outpaint")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let ps = parts(r);
    assert_eq!(
        names(&ps),
        [
            "image",
            "prompt",
            "expand_left",
            "expand_right",
            "model",
            "response_format"
        ]
    );
    assert_eq!(ps[0].1.as_deref(), Some("image.png"));
    assert_eq!(ps[0].2.as_deref(), Some("image/png"));
    assert_eq!(
        decode(part(&ps, "image"), &Limits::default()).unwrap(),
        picture(600, 400)
    );
    assert_eq!(
        (text(&ps, "expand_left"), text(&ps, "expand_right")),
        ("55".into(), "56".into())
    );
    assert_eq!(text(&ps, "prompt"), "more sky");
    assert_eq!(text(&ps, "model"), "recraftv3");
    assert_eq!(text(&ps, "response_format"), "url");
    assert_eq!(
        (sent[1].method, sent[1].url.as_str()),
        (Method::Get, "http://cdn/r.png")
    );
    assert_eq!(sent[1].header("authorization"), None);
}

#[test]
fn recraft_generate_iterate_and_inpaint() {
    let done = || {
        vec![
            json_reply(json!({ "data": [{ "url": "http://cdn/x" }] })),
            ok(200, result_png()),
        ]
    };
    let (sent, _, _) = script(
        Model::Recraft,
        &job(Model::Recraft, JobKind::Generate, None),
        &config(),
        done(),
    );
    assert_eq!(sent[0].url, "http://mock/v1/images/generations");
    assert_eq!(
        body_json(&sent[0]),
        json!({ "prompt": "a lake at dawn", "model": "recraftv4_1", "size": "1:1", "response_format": "url" })
    );
    // A source below Recraft's 256 px minimum side is scaled up (aspect kept).
    let small = png(&picture(128, 100));
    let (sent, _, _) = script(
        Model::Recraft,
        &job(Model::Recraft, JobKind::Iterate, Some(small)),
        &config(),
        done(),
    );
    assert_eq!(sent[0].url, "http://mock/v1/images/imageToImage");
    let ps = parts(&sent[0]);
    assert_eq!(
        names(&ps),
        ["image", "prompt", "strength", "model", "response_format"]
    );
    let img = decode(part(&ps, "image"), &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (328, 256));
    // One that fits goes as is.
    let fits = png(&picture(300, 300));
    let (sent, _, _) = script(
        Model::Recraft,
        &job(Model::Recraft, JobKind::Iterate, Some(fits.clone())),
        &config(),
        done(),
    );
    assert_eq!(part(&parts(&sent[0]), "image"), fits);
    // An impossible aspect fails before sending.
    let strip = png(&picture(4000, 40));
    let (sent, _, out) = script(
        Model::Recraft,
        &job(Model::Recraft, JobKind::Iterate, Some(strip)),
        &config(),
        vec![],
    );
    assert!(sent.is_empty());
    assert!(!out.unwrap_err().retryable());
    // A canvas plan goes to inpaint with a binary mask (Recraft rejects anything else).
    let j = outpaint_job(Model::Recraft, Profile::full(), 300, 300, "16:9");
    let (sent, _, _) = script(Model::Recraft, &j, &config(), done());
    assert_eq!(sent[0].url, "http://mock/v1/images/inpaint");
    let ps = parts(&sent[0]);
    let mask = decode(part(&ps, "mask"), &Limits::default()).unwrap();
    let mut values: Vec<u8> = mask.data().chunks_exact(4).map(|p| p[0]).collect();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values, [0, 255]);
    let original = decode(&j.outpaint.as_ref().unwrap().mask_png, &Limits::default()).unwrap();
    assert!(
        original
            .data()
            .chunks_exact(4)
            .any(|p| p[0] != 0 && p[0] != 255),
        "the job's own mask is feathered"
    );
}

#[test]
fn gemini_sends_image_direction_and_aspect() {
    let j = outpaint_job(Model::Gemini, profile("gemini"), 400, 300, "16:9");
    let answer = base64::engine::general_purpose::STANDARD.encode(result_png());
    let (sent, _, out) = script(
        Model::Gemini,
        &j,
        &config(),
        vec![json_reply(json!({ "candidates": [{ "content": { "parts": [
            { "text": "Here you go" },
            { "inlineData": { "mimeType": "image/png", "data": answer } }
        ] }, "finishReason": "STOP" }] }))],
    );
    assert_eq!(out.unwrap(), result_png());
    let r = &sent[0];
    assert_eq!(
        r.url,
        "http://mock/v1beta/models/gemini-3.1-flash-image:generateContent"
    );
    assert_eq!(r.header("x-goog-api-key"), Some(KEY));
    let b = body_json(r);
    let o = j.outpaint.as_ref().unwrap();
    assert_eq!(
        b["contents"][0]["parts"][1]["text"],
        format!("Extend this image {}. more sky", o.direction)
    );
    assert_eq!(
        o.direction,
        "horizontally to the left and right to create a wider landscape view"
    );
    assert_eq!(
        b["contents"][0]["parts"][0]["inline_data"]["mime_type"],
        "image/png"
    );
    let sent_img = decode(
        &unb64(&b["contents"][0]["parts"][0]["inline_data"]["data"]),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(sent_img, picture(400, 300));
    assert_eq!(
        b["generationConfig"]["responseModalities"],
        json!(["IMAGE"])
    );
    assert_eq!(
        b["generationConfig"]["imageConfig"],
        json!({ "aspectRatio": "16:9", "imageSize": "1K" })
    );

    // Generate: the prompt alone, no aspect ratio.
    let (sent, _, _) = script(
        Model::Gemini,
        &job(Model::Gemini, JobKind::Generate, None),
        &config(),
        vec![json_reply(
            json!({ "candidates": [{ "content": { "parts": [{ "inline_data": { "data": base64::engine::general_purpose::STANDARD.encode(result_png()) } }] } }] }),
        )],
    );
    assert_eq!(
        body_json(&sent[0]),
        json!({ "contents": [{ "role": "user", "parts": [{ "text": "a lake at dawn" }] }], "generationConfig": { "responseModalities": ["IMAGE"] } })
    );
    // No image: blocked prompt, safety stop with text.
    let g = job(Model::Gemini, JobKind::Generate, None);
    let (_, _, out) = script(
        Model::Gemini,
        &g,
        &config(),
        vec![json_reply(
            json!({ "promptFeedback": { "blockReason": "SAFETY" } }),
        )],
    );
    let f = out.unwrap_err();
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FailureKind::ContentPolicy,
            "gemini blocked the prompt: SAFETY"
        )
    );
    let (_, _, out) = script(
        Model::Gemini,
        &g,
        &config(),
        vec![json_reply(
            json!({ "candidates": [{ "content": { "parts": [{ "text": "I can't draw that" }] }, "finishReason": "IMAGE_SAFETY" }] }),
        )],
    );
    let f = out.unwrap_err();
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FailureKind::ContentPolicy,
            "gemini returned no image (finishReason IMAGE_SAFETY): I can't draw that"
        )
    );
    // No image for another reason is worth the retry, and says what Gemini said.
    let (_, _, out) = script(
        Model::Gemini,
        &g,
        &config(),
        vec![json_reply(
            json!({ "candidates": [{ "content": { "parts": [] }, "finishReason": "NO_IMAGE", "finishMessage": "Try again" }] }),
        )],
    );
    let f = out.unwrap_err();
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FailureKind::Transient,
            "gemini returned no image (finishReason NO_IMAGE): Try again"
        )
    );
}

#[test]
fn gemini_takes_the_final_image_not_a_thought() {
    let b64 = |img: &Image| base64::engine::general_purpose::STANDARD.encode(png(img));
    let (draft, last) = (picture(4, 4), picture(6, 6));
    let (_, _, out) = script(
        Model::Gemini,
        &job(Model::Gemini, JobKind::Generate, None),
        &config(),
        vec![json_reply(json!({ "candidates": [{ "content": { "parts": [
            { "text": "Planning the scene", "thought": true },
            { "inlineData": { "mimeType": "image/png", "data": b64(&draft) }, "thought": true },
            { "text": "Here it is" },
            { "inlineData": { "mimeType": "image/png", "data": b64(&last) } }
        ] }, "finishReason": "STOP" }] }))],
    );
    assert_eq!(out.unwrap(), png(&last));
    // Only thoughts: no image.
    let (_, _, out) = script(
        Model::Gemini,
        &job(Model::Gemini, JobKind::Generate, None),
        &config(),
        vec![json_reply(json!({ "candidates": [{ "content": { "parts": [
            { "inlineData": { "mimeType": "image/png", "data": b64(&draft) }, "thought": true }
        ] }, "finishReason": "STOP" }] }))],
    );
    assert_eq!(out.unwrap_err().kind, FailureKind::Transient);
}

#[test]
fn gemini_asks_for_the_output_size_and_sends_the_original_at_it() {
    // 3000x2000 to 16:9: a 3556x2000 canvas; 4K holds it, the original goes as is.
    let j = outpaint_job(Model::Gemini, profile("gemini"), 3000, 2000, "16:9");
    let plan = &j.outpaint.as_ref().unwrap().plan;
    assert_eq!((plan.image_size.as_deref(), plan.scale), (Some("4K"), 1.0));
    // 6000x1000 to 21:9 asks for 4K and sends the original scaled to it.
    let j = outpaint_job(Model::Gemini, profile("gemini"), 6000, 1000, "21:9");
    let plan = &j.outpaint.as_ref().unwrap().plan;
    assert_eq!(plan.aspect_ratio.as_deref(), Some("21:9"));
    assert_eq!(plan.image_size.as_deref(), Some("4K"));
    assert!(plan.scale < 1.0 && plan.size.width == 4096, "{plan:?}");
    // Gemini 2.5 has no sizes: 1024 px on the long side.
    let j = outpaint_job(Model::Gemini, profile("gemini-2.5"), 3000, 2000, "16:9");
    let plan = &j.outpaint.as_ref().unwrap().plan;
    assert_eq!((plan.image_size.as_deref(), plan.size.width), (None, 1024));
    // Banners wider than 21:9 are asked for directly on 3.1 Flash Image.
    let j = outpaint_job(
        Model::Gemini,
        profile("gemini"),
        1000,
        250,
        "edges:0,0,10,10",
    );
    assert_eq!(
        j.outpaint.as_ref().unwrap().plan.aspect_ratio.as_deref(),
        Some("4:1")
    );
}

#[test]
fn openai_edits_send_the_alpha_canvas_at_the_profile_size() {
    let j = outpaint_job(Model::Openai, profile("openai"), 600, 400, "16:9");
    let answer = base64::engine::general_purpose::STANDARD.encode(result_png());
    let (sent, _, out) = script(
        Model::Openai,
        &j,
        &config(),
        vec![json_reply(
            json!({ "created": 1, "data": [{ "b64_json": answer }] }),
        )],
    );
    assert_eq!(out.unwrap(), result_png());
    let r = &sent[0];
    assert_eq!(
        (r.method, r.url.as_str()),
        (Method::Post, "http://mock/v1/images/edits")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let ps = parts(r);
    assert_eq!(
        names(&ps),
        ["model", "image", "mask", "prompt", "n", "size"]
    );
    assert_eq!(text(&ps, "model"), "gpt-image-2");
    // gpt-image-2 takes any size divisible by 16 from 655,360 pixels up: the 711x400
    // canvas is scaled up to it, with no padding beyond the multiple of 16.
    let size = text(&ps, "size");
    let canvas = decode(part(&ps, "image"), &Limits::default()).unwrap();
    let (w, h) = (canvas.width(), canvas.height());
    assert_eq!(size, format!("{w}x{h}"));
    assert_eq!((w % 16, h % 16), (0, 0));
    assert!(u64::from(w) * u64::from(h) >= 655_360, "{w}x{h}");
    assert_eq!((w, h), (1088, 608));
    // Transparent = editable: the new side areas, opaque in the middle.
    assert_eq!(canvas.pixel(0, h / 2)[3], 0);
    assert_eq!(canvas.pixel(w / 2, h / 2)[3], 255);
    // The mask is its own small PNG: black, transparent where the model may paint.
    let mask_png = part(&ps, "mask");
    assert!(mask_png.len() < 32_000, "{} bytes", mask_png.len());
    let mask = decode(mask_png, &Limits::default()).unwrap();
    assert_eq!((mask.width(), mask.height()), (w, h));
    assert_eq!(mask.pixel(0, h / 2), [0, 0, 0, 0]);
    assert_eq!(mask.pixel(w / 2, h / 2), [0, 0, 0, 255]);

    let (sent, _, _) = script(
        Model::Openai,
        &job(Model::Openai, JobKind::Generate, None),
        &config(),
        vec![json_reply(json!({ "data": [{ "b64_json": answer }] }))],
    );
    assert_eq!(sent[0].url, "http://mock/v1/images/generations");
    assert_eq!(
        body_json(&sent[0]),
        json!({ "model": "gpt-image-2", "prompt": "a lake at dawn", "n": 1, "size": "1024x1024" })
    );
    let src = png(&picture(50, 50));
    let (sent, _, _) = script(
        Model::Openai,
        &job(Model::Openai, JobKind::Iterate, Some(src.clone())),
        &config(),
        vec![json_reply(json!({ "data": [{ "b64_json": answer }] }))],
    );
    let ps = parts(&sent[0]);
    assert_eq!(names(&ps), ["model", "image", "prompt", "n", "size"]);
    assert_eq!(
        (part(&ps, "image"), text(&ps, "size").as_str()),
        (src.as_slice(), "auto")
    );
    // A plan of another size cannot go to the edits endpoint.
    let wrong = outpaint_job(Model::Openai, Profile::full(), 600, 400, "16:9");
    let (sent, _, out) = script(Model::Openai, &wrong, &config(), vec![]);
    assert!(sent.is_empty());
    assert!(out
        .unwrap_err()
        .message
        .starts_with("openai edits take a canvas fitted by the openai profile"));
}

#[test]
fn http_errors_map_to_typed_failures() {
    let g = job(Model::Openai, JobKind::Generate, None);
    let one = |reply: Reply| {
        script(Model::Openai, &g, &config(), vec![reply])
            .2
            .unwrap_err()
    };
    let f = one(ok(
        400,
        r#"{"error":{"message":"Invalid prompt","type":"invalid_request_error"}}"#,
    ));
    assert_eq!(
        (f.retryable(), (f.kind == FailureKind::Timeout)),
        (false, false)
    );
    assert_eq!(
        f.message,
        "openai rejected the request (HTTP 400): Invalid prompt"
    );
    let f = one(ok(
        401,
        format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#),
    ));
    assert_eq!((f.kind, f.retryable()), (FailureKind::Auth, false));
    assert_eq!(f.code(), outpaint_core::ErrorCode::ProviderAuth);
    assert_eq!(
        f.message,
        "openai refused the API key (HTTP 401): Incorrect API key provided: [REDACTED]"
    );
    let f = one(ok(
        403,
        r#"{"error":{"message":"Your organization must be verified to use the model `gpt-image-2`"}}"#,
    ));
    assert_eq!(f.kind, FailureKind::Auth);
    // Out of credits (BFL's 402) and a used-up quota (OpenAI's 429) are not retried.
    let f = one(ok(402, r#"{"detail":"Insufficient credits"}"#));
    assert_eq!(
        (f.kind, f.code()),
        (FailureKind::Quota, outpaint_core::ErrorCode::QuotaExceeded)
    );
    assert_eq!(
        f.message,
        "openai is out of credits (HTTP 402): Insufficient credits"
    );
    let f = one(ok(
        429,
        r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
    ));
    assert_eq!((f.kind, f.retryable()), (FailureKind::Quota, false));
    // Moderation: CONTENT_POLICY, not retried.
    let f = one(ok(
        400,
        r#"{"error":{"message":"Your request was rejected by the safety system.","type":"image_generation_user_error","code":"moderation_blocked"}}"#,
    ));
    assert_eq!((f.kind, f.retryable()), (FailureKind::ContentPolicy, false));
    // Gemini: a bad key is a 400 with API_KEY_INVALID; a quota 429 with RetryInfo is
    // retried after the delay it gives; one with only QuotaFailure is not.
    let f = one(ok(
        400,
        r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#,
    ));
    assert_eq!(f.kind, FailureKind::Auth);
    let f = one(ok(
        429,
        r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Quota exceeded","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}"#,
    ));
    assert_eq!(
        (f.kind, f.retry_after_ms),
        (FailureKind::Transient, Some(22_000))
    );
    let f = one(ok(
        429,
        r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Daily limit","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"}]}}"#,
    ));
    assert_eq!(f.kind, FailureKind::Quota);
    // retry-after as an HTTP date, measured from the response's own date.
    let f = one(Ok(Response {
        status: 503,
        headers: vec![
            ("date".into(), "Wed, 02 Dec 2026 02:00:00 GMT".into()),
            ("retry-after".into(), "Wed, 02 Dec 2026 02:00:09 GMT".into()),
        ],
        body: vec![],
    }));
    assert_eq!(f.retry_after_ms, Some(9000));
    assert!(!one(ok(404, "")).message.is_empty());
    assert_eq!(
        one(ok(413, "")).message,
        "openai says the upload is too large (HTTP 413): (empty body)"
    );
    assert!(!one(ok(422, r#"{"detail":[{"msg":"field required"}]}"#)).retryable());
    let f = one(Ok(Response {
        status: 429,
        headers: vec![("Retry-After".into(), "7".into())],
        body: br#"{"error":{"message":"Rate limit reached"}}"#.to_vec(),
    }));
    assert_eq!((f.retryable(), f.retry_after_ms), (true, Some(7000)));
    assert_eq!(
        f.message,
        "openai is rate limiting (HTTP 429): Rate limit reached"
    );
    let f = one(ok(503, "<html>upstream</html>"));
    assert!(f.retryable() && !(f.kind == FailureKind::Timeout));
    assert!((one(ok(504, "")).kind == FailureKind::Timeout));
    let f = one(ok(200, "{not json"));
    assert!(f.retryable());
    assert!(f.message.starts_with("openai: the response is not JSON"));
    let f = one(ok(200, r#"{"data":[]}"#));
    assert_eq!(
        f.message,
        "openai: the response has no image at /data/0/b64_json"
    );
    let f = one(Err(TransportError {
        timeout: true,
        message: "no answer in 120 s".into(),
    }));
    assert_eq!(
        (
            (f.kind == FailureKind::Timeout),
            f.retryable(),
            f.message.as_str()
        ),
        (true, true, "openai: no answer in 120 s")
    );
    let f = one(ok(200, r#"{"data":[{"b64_json":"%%%"}]}"#));
    assert!(f.message.starts_with("the image is not valid base64"));
}

#[test]
fn a_hand_made_plan_outside_the_canvas_is_refused_not_a_panic() {
    for model in [Model::Flux, Model::Recraft, Model::Gemini] {
        let profile = match model {
            Model::Flux => profile("flux-expand"),
            Model::Recraft => profile("recraft-outpaint"),
            _ => profile("gemini"),
        };
        let mut j = outpaint_job(model, profile, 300, 300, "16:9");
        let plan = &mut j.outpaint.as_mut().unwrap().plan;
        plan.image.x = u32::MAX - 5;
        let (sent, _, out) = script(model, &j, &config(), vec![]);
        assert!(sent.is_empty());
        let f = out.unwrap_err();
        assert!(!f.retryable());
        assert!(f.message.contains("outside the"), "{}", f.message);
    }
}

#[test]
fn a_step_out_of_turn_ends_the_exchange() {
    let mut x = Exchange::new(
        Model::Openai,
        &job(Model::Openai, JobKind::Generate, None),
        &config(),
        &Registry::builtin(),
    );
    assert!(matches!(x.step(None), Next::Send(_)));
    // Answering a Send with nothing.
    assert!(matches!(x.step(None), Next::Done(Err(_))));
    assert!(
        matches!(x.step(None), Next::Done(Err(f)) if f.message == "the exchange is already over")
    );
}

#[test]
fn the_engine_runs_the_exchange_and_honours_retry_after() {
    let answer = base64::engine::general_purpose::STANDARD.encode(result_png());
    let t = ScriptedTransport::new(vec![
        Ok(Response {
            status: 429,
            headers: vec![("retry-after".into(), "7".into())],
            body: b"{}".to_vec(),
        }),
        json_reply(json!({ "data": [{ "b64_json": answer }] })),
    ]);
    let clock = TestClock::still();
    let store = MemoryStore::new();
    let events = Mutex::new(vec![]);
    let host = Host {
        storage: &store,
        provider: &LocalProvider,
        transport: Some(&t),
        clock: &clock,
        on_event: Some(&|e| events.lock().unwrap().push(e)),
    };
    let out = drive(
        Operation::Generate {
            prompt: "a lake".into(),
            models: vec![Model::Openai],
            image: None,
        },
        EngineConfig {
            providers: [(Model::Openai, config())].into_iter().collect(),
            ..EngineConfig::default()
        },
        &host,
        7,
    )
    .unwrap();
    assert_eq!(out.stats.provider_retries, 1);
    // The one wait: the provider's 7 s, longer than the 2 s backoff.
    assert_eq!(clock.waits(), [7000]);
    assert_eq!(
        *events.lock().unwrap(),
        [Event::Retrying {
            model: Model::Openai,
            message: "openai is rate limiting (HTTP 429): {}".into(),
            ms: 7000
        }]
    );
    assert_eq!(
        out.session.unwrap().models.openai.iterations[0].status,
        IterationStatus::Completed
    );
    let sent = t.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent
        .iter()
        .all(|r| r.url.ends_with("/v1/images/generations")
            && r.header("authorization") == Some(&format!("Bearer {KEY}"))));
}

#[test]
fn an_unusable_provider_config_ends_the_operation_with_invalid_option() {
    let store = MemoryStore::new();
    let bad = ProviderConfig {
        timeout_ms: 0,
        ..config()
    };
    let err = run(
        Operation::Gallery,
        EngineConfig {
            providers: [(Model::Flux, bad)].into_iter().collect(),
            ..EngineConfig::default()
        },
        &store,
        &LocalProvider,
        &TestClock::still(),
        1,
    )
    .unwrap_err();
    assert_eq!(err.code(), outpaint_core::ErrorCode::InvalidOption);
    assert_eq!(
        err.message(),
        "providers.flux: timeoutMs is 0: every request would time out at once"
    );
    let keyless = ProviderConfig {
        api_key: " ".into(),
        ..config()
    };
    assert_eq!(
        keyless.validate().unwrap_err().message(),
        "apiKey is empty: the provider needs a key"
    );
}

#[test]
fn exchange_reports_polls() {
    let t = ScriptedTransport::new(vec![
        json_reply(json!({ "id": "t" })),
        json_reply(json!({ "status": "Pending" })),
        json_reply(json!({ "status": "Ready", "result": { "sample": "http://cdn/s" } })),
        ok(200, result_png()),
    ]);
    let clock = TestClock::still();
    let seen = RefCell::new(vec![]);
    let out = exchange(
        Model::Flux,
        &job(Model::Flux, JobKind::Generate, None),
        &config(),
        &EngineConfig::default(),
        &t,
        &clock,
        &|e| seen.borrow_mut().push(e),
    );
    let called = out.unwrap();
    assert_eq!(called.image, result_png());
    assert_eq!(
        (called.model.as_str(), called.sent.len()),
        ("flux-2-pro", 0)
    );
    assert_eq!(
        *seen.borrow(),
        [
            Event::Polling {
                model: Model::Flux,
                polls: 1,
                ms: 1000
            },
            Event::Polling {
                model: Model::Flux,
                polls: 2,
                ms: 1000
            }
        ]
    );
    assert_eq!(clock.waits(), [1000, 1000]);
}

#[test]
fn exchange_retries_as_the_engine_does() {
    let t = ScriptedTransport::new(vec![
        ok(500, r#"{"error":{"message":"boom"}}"#),
        json_reply(
            json!({ "data": [{ "b64_json": base64::engine::general_purpose::STANDARD.encode(result_png()) }] }),
        ),
    ]);
    let clock = TestClock::still();
    let seen = RefCell::new(vec![]);
    let out = exchange(
        Model::Openai,
        &job(Model::Openai, JobKind::Generate, None),
        &config(),
        &EngineConfig::default(),
        &t,
        &clock,
        &|e| seen.borrow_mut().push(e),
    );
    assert_eq!(out.unwrap().image, result_png());
    assert_eq!(clock.waits(), [2000]);
    assert_eq!(
        *seen.borrow(),
        [Event::Retrying {
            model: Model::Openai,
            message: "openai failed on its side (HTTP 500): boom".into(),
            ms: 2000
        }]
    );
    // A final failure is not retried; an answer that is not an image is.
    let t = ScriptedTransport::new(vec![ok(401, "{}")]);
    let out = exchange(
        Model::Openai,
        &job(Model::Openai, JobKind::Generate, None),
        &config(),
        &EngineConfig::default(),
        &t,
        &TestClock::still(),
        &|_| {},
    );
    assert_eq!(out.unwrap_err().kind, FailureKind::Auth);
    let not_image = json!({ "data": [{ "b64_json": "aGVsbG8=" }] });
    let t = ScriptedTransport::new(vec![json_reply(not_image.clone()), json_reply(not_image)]);
    let out = exchange(
        Model::Openai,
        &job(Model::Openai, JobKind::Generate, None),
        &config(),
        &EngineConfig::default(),
        &t,
        &TestClock::still(),
        &|_| {},
    );
    assert_eq!(
        out.unwrap_err().message,
        "provider returned an unusable image (UNSUPPORTED_FORMAT)"
    );
    assert_eq!(t.sent().len(), 2);
}

#[test]
fn the_bfl_key_goes_only_to_the_configured_host_or_https_under_bfl_ai() {
    let j = job(Model::Flux, JobKind::Generate, None);
    let ready = || json_reply(json!({ "status": "Ready", "result": { "sample": "http://cdn/s" } }));
    // A regional polling host under bfl.ai over https: polled with the key.
    let (sent, _, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![
            json_reply(
                json!({ "id": "t", "polling_url": "https://api.eu.bfl.ai/v1/get_result?id=t" }),
            ),
            ready(),
            ok(200, result_png()),
        ],
    );
    assert!(out.is_ok());
    assert_eq!(sent[1].header("x-key"), Some(KEY));
    // Anywhere else (another host, http under bfl.ai, a look-alike): nothing is sent.
    for url in [
        "https://evil.example/v1/get_result?id=t",
        "http://api.bfl.ai/v1/get_result?id=t",
        "https://api.bfl.ai.evil.example/x",
        "https://notbfl.ai/x",
        "http://mock.evil/x",
        // Read by a browser or an HTTP client (WHATWG URLs: a backslash ends the host, as
        // a slash does) as evil.example, whatever a naive split on '@' says.
        "http://evil.example\\@mock/x",
        "https://evil.example\\@api.bfl.ai/x",
        // User info, percent-escapes, whitespace and control characters in the authority:
        // no key goes to a host that has to be worked out.
        "http://user@mock/x",
        "https://x:y@api.bfl.ai/x",
        "https://api%2ebfl.ai/x",
        "http://mo\tck/x",
        "https://api.bfl.ai\n.evil.example/x",
    ] {
        let (sent, _, out) = script(
            Model::Flux,
            &j,
            &config(),
            vec![json_reply(json!({ "id": "t", "polling_url": url }))],
        );
        assert_eq!(sent.len(), 1, "{url}");
        let f = out.unwrap_err();
        assert!(!f.retryable());
        assert!(
            f.message.contains("the key is not sent there"),
            "{}",
            f.message
        );
        assert!(!f.message.contains(KEY));
    }
}

/// A photo-like `w x h` picture: a gradient with grain, which PNG cannot shrink much.
fn grainy(w: u32, h: u32) -> Image {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut d = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for xx in 0..w {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x >> 59) as u8; // 0..32
            d.extend_from_slice(&[
                ((xx * 200 / w) as u8).saturating_add(n),
                ((y * 200 / h) as u8).saturating_add(n / 2),
                90u8.saturating_add(n),
                255,
            ]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

#[test]
fn recraft_takes_a_large_photo_under_its_10_mb() {
    // 4000x3000 to 16:9: the original goes at 3072x2304 (the result's 4096 px side); as
    // PNG that is over Recraft's 10 MB, so it goes in another encoding Recraft takes.
    let img = grainy(4000, 3000);
    let opts = PrepareOptions {
        profile: profile("recraft-outpaint"),
        ..PrepareOptions::new("16:9".parse().unwrap())
    };
    let p = prepare(img.view(), &opts).unwrap();
    assert_eq!((p.plan.image.width, p.plan.image.height), (3072, 2304));
    let crop = p.canvas.view().crop(p.plan.image).unwrap();
    let as_png = png(&crop);
    assert!(as_png.len() > 10_000_000, "PNG is {} bytes", as_png.len());
    let j = Job {
        model: Model::Recraft,
        kind: JobKind::Outpaint,
        prompt: "more sky".into(),
        source: Some(Arc::new(png(&picture(8, 8)))),
        source_mime: Some("image/png".into()),
        outpaint: Some(OutpaintJob {
            target: "16:9".into(),
            canvas_png: png(&p.canvas),
            mask_png: encode_mask_png(&p.mask, PngCompression::Fast).unwrap(),
            expansion: p.expansion,
            direction: p.plan.direction.clone(),
            plan: p.plan.clone(),
        }),
    };
    let mut x = Exchange::new(Model::Recraft, &j, &config(), &Registry::builtin());
    let Next::Send(r) = x.step(None) else {
        panic!("a request")
    };
    let ps = parts(&r);
    let image = part(&ps, "image");
    assert!(image.len() <= 10_000_000, "{} bytes", image.len());
    let format = outpaint_core::codec::Format::detect(image).unwrap();
    assert_ne!(format, outpaint_core::codec::Format::Png);
    assert_eq!(ps[0].2.as_deref(), Some(format.mime()));
    let back = decode(image, &Limits::default()).unwrap();
    assert_eq!((back.width(), back.height()), (3072, 2304));
    let sent = x.uploads();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (
            sent[0].part.as_str(),
            sent[0].format,
            sent[0].width,
            sent[0].bytes
        ),
        ("image", format, 3072, image.len() as u64)
    );
}

#[test]
fn recraft_outpaints_on_v3_whatever_model_generates() {
    let v4 = ProviderConfig {
        model: "recraftv4_1".into(),
        ..config()
    };
    let j = outpaint_job(
        Model::Recraft,
        profile("recraft-outpaint"),
        600,
        400,
        "16:9",
    );
    let done = || {
        vec![
            json_reply(json!({ "data": [{ "url": "http://cdn/x" }] })),
            ok(200, result_png()),
        ]
    };
    let (sent, _, _) = script(Model::Recraft, &j, &v4, done());
    assert_eq!(text(&parts(&sent[0]), "model"), "recraftv3");
    let (sent, _, _) = script(
        Model::Recraft,
        &job(Model::Recraft, JobKind::Generate, None),
        &v4,
        done(),
    );
    assert_eq!(body_json(&sent[0])["model"], "recraftv4_1");
    // V3 takes prompts of at most 1000 characters: a longer one fails before sending.
    let mut long = j.clone();
    long.prompt = "sky ".repeat(300);
    let (sent, _, out) = script(Model::Recraft, &long, &config(), vec![]);
    assert!(sent.is_empty());
    assert_eq!(
        out.unwrap_err().message,
        "recraft: recraftv3 takes prompts of at most 1000 characters; this one has 1200"
    );
}

#[test]
fn flux_polls_through_a_few_404s_and_202s() {
    let j = job(Model::Flux, JobKind::Generate, None);
    let submit = || json_reply(json!({ "id": "t", "polling_url": "http://mock/p" }));
    let ready = || json_reply(json!({ "status": "Ready", "result": { "sample": "http://cdn/s" } }));
    // Two 404s and a 202 (a lagging cluster), then Ready: still one task.
    let (sent, waits, out) = script(
        Model::Flux,
        &j,
        &config(),
        vec![
            submit(),
            ok(404, ""),
            ok(202, ""),
            ok(404, "{}"),
            ready(),
            ok(200, result_png()),
        ],
    );
    assert_eq!(out.unwrap(), result_png());
    assert_eq!((sent.len(), waits.len()), (6, 4));
    // A sixth 404 is a lost task: worth the engine's one resubmission.
    let mut replies = vec![submit()];
    replies.extend((0..6).map(|_| ok(404, r#"{"detail":"Not Found"}"#)));
    let (sent, _, out) = script(Model::Flux, &j, &config(), replies);
    assert_eq!(sent.len(), 7);
    let f = out.unwrap_err();
    assert_eq!(
        (f.kind, f.message.as_str()),
        (
            FailureKind::Transient,
            "flux: the task was not found after 6 polls (HTTP 404)"
        )
    );
}
