//! Black Forest Labs (FLUX): every call is a task: submit to `/v1/{model}`, poll
//! `polling_url` until `Ready`, download `result.sample`. Header `x-key` (sent only to
//! the configured host or https under `bfl.ai`), JSON bodies, images as base64. The
//! model's `request` in the registry picks the body: `flux2` (FLUX.2 and FLUX1.1:
//! `width`/`height`, `input_image` to edit), `kontext` (`input_image`, `aspect_ratio`),
//! `outpainting` (`/v1/flux-tools/outpainting-v1`: the original placed on a canvas),
//! `fill` (canvas + mask) and `expand` (original + edges).

use serde_json::{json, Value};

use super::{
    base64, outpaint, post_json, sent_canvas, sent_original, source, source_within, Call, Parse,
    Sent,
};
use crate::engine::JobKind;
use crate::plan::Upload;
use crate::providers::ProviderFailure;
use crate::providers::{escape, Adapter, Request};

/// The submit request of a job.
pub(super) fn request(c: &Call, sent: &mut Vec<Sent>) -> Result<(Request, Parse), ProviderFailure> {
    let job = c.job;
    let mut id = c.id.clone();
    let body = match job.kind {
        JobKind::Generate => match c.info.request.as_str() {
            "kontext" => {
                json!({ "prompt": job.prompt, "aspect_ratio": "1:1", "output_format": "png" })
            }
            _ => {
                json!({ "prompt": job.prompt, "width": 1024, "height": 1024, "output_format": "png" })
            }
        },
        JobKind::Iterate => {
            let image = source_within(source(job)?, &c.info.upload, "input_image")?;
            sent.push(image.sent.clone());
            json!({ "prompt": job.prompt, "input_image": base64(&image.bytes), "output_format": "png" })
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            let mut info = c.info.clone();
            if o.plan.send == Upload::Canvas && info.request != "fill" {
                // A canvas plan (a geometry-only profile such as `full`): Fill takes it.
                let fill = c
                    .registry
                    .models
                    .iter()
                    .find(|(_, m)| m.adapter == Adapter::Bfl && m.request == "fill");
                if let Some((fid, f)) = fill {
                    id = fid.clone();
                    info = f.clone();
                }
            }
            let e = o.plan.edges;
            match (info.request.as_str(), o.plan.send) {
                ("fill", Upload::Canvas) => {
                    let image = sent_canvas(o, &info.upload, "image", sent)?;
                    json!({
                        "prompt": job.prompt,
                        "image": base64(&image.bytes),
                        "mask": base64(&o.mask_png),
                        "output_format": "png",
                    })
                }
                ("expand", Upload::ImageAndEdges) => {
                    let image = sent_original(o, &info.upload, "image", sent)?;
                    json!({
                        "prompt": job.prompt,
                        "image": base64(&image.bytes),
                        "top": e.top, "bottom": e.bottom, "left": e.left, "right": e.right,
                        "output_format": "png",
                    })
                }
                ("outpainting", Upload::ImageAndEdges) => {
                    let image = sent_original(o, &info.upload, "input_image", sent)?;
                    json!({
                        "prompt": job.prompt,
                        "input_image": base64(&image.bytes),
                        "width": o.plan.size.width,
                        "height": o.plan.size.height,
                        "reference_offset_x": o.plan.image.x,
                        "reference_offset_y": o.plan.image.y,
                        "auto_crop": false,
                        "output_format": "png",
                    })
                }
                (shape, send) => {
                    return Err(ProviderFailure::rejected(format!(
                        "flux: model {id:?} ({shape}) cannot take a plan that sends {send:?} (profile {})",
                        o.plan.profile
                    )))
                }
            }
        }
    };
    let endpoint = match job.kind {
        JobKind::Generate => &c.endpoints.generate,
        JobKind::Iterate => &c.endpoints.iterate,
        JobKind::Outpaint if outpaint(job)?.plan.send == Upload::Canvas => &c.endpoints.inpaint,
        JobKind::Outpaint => &c.endpoints.outpaint,
    };
    let url = c.url(endpoint, &id);
    let key = vec![("x-key".to_string(), c.config.api_key.clone())];
    Ok((post_json(url, key, &body, c.config), Parse::BflTask))
}

/// Where to poll a submitted task: its `polling_url`, else the `poll` endpoint
/// (`/v1/get_result?id={id}`) under `base`.
pub(super) fn task(v: &Value, base: &str, poll: &str) -> Result<String, ProviderFailure> {
    if let Some(u) = v.get("polling_url").and_then(Value::as_str) {
        return Ok(u.to_string());
    }
    match v
        .get("id")
        .and_then(Value::as_str)
        .filter(|_| !poll.is_empty())
    {
        Some(id) => Ok(format!("{base}{}", poll.replace("{id}", &escape(id)))),
        None => Err(ProviderFailure::transient(format!(
            "flux: the task answer has neither polling_url nor id: {v}"
        ))),
    }
}

/// A poll's answer.
pub(super) enum Status {
    /// Not yet.
    Pending,
    /// Done: the sample's URL.
    Ready(String),
    /// Over without an image.
    Failed(ProviderFailure),
}

/// Reads a poll answer `{ status, result: { sample } }`.
pub(super) fn status(v: &Value) -> Status {
    let s = v.get("status").and_then(Value::as_str).unwrap_or("");
    match s {
        "Pending" | "Queued" | "Processing" => Status::Pending,
        "Ready" => match v.pointer("/result/sample").and_then(Value::as_str) {
            Some(u) => Status::Ready(u.to_string()),
            None => Status::Failed(ProviderFailure::transient(
                "flux: Ready without result.sample",
            )),
        },
        "Request Moderated" | "Content Moderated" => Status::Failed(ProviderFailure::new(
            crate::providers::FailureKind::ContentPolicy,
            format!("flux: {s}{}", details(v)),
        )),
        "Error" | "Task not found" => Status::Failed(ProviderFailure::transient(format!(
            "flux: {s}{}",
            details(v)
        ))),
        other => Status::Failed(ProviderFailure::rejected(format!(
            "flux: unknown task status {other:?}{}",
            details(v)
        ))),
    }
}

fn details(v: &Value) -> String {
    match v.get("details").or_else(|| v.get("result")) {
        Some(Value::Null) | None => String::new(),
        Some(d) => format!(" ({d})"),
    }
}
