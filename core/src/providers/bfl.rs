//! Black Forest Labs (FLUX): every call is a task: submit, poll `polling_url` until
//! `Ready`, download `result.sample`. Header `x-key`, JSON bodies, images as base64.

use serde_json::{json, Value};

use super::{base, base64, model, outpaint, post_json, sent_original, source, Parse};
use crate::engine::{Job, JobKind};
use crate::plan::Upload;
use crate::providers::ProviderConfig;
use crate::providers::ProviderFailure;
use crate::providers::{escape, Request};

const BASE: &str = "https://api.bfl.ai";
/// The generation model when the config names none.
pub(super) const GENERATE: &str = "flux-pro-1.1";
/// Editing with a reference image.
const KONTEXT: &str = "flux-kontext-pro";
/// Inpainting: image + mask (white = fill).
const FILL: &str = "flux-pro-1.0-fill";
/// Outpainting by edges.
const EXPAND: &str = "flux-pro-1.0-expand";
/// Most pixels `flux-pro-1.0-expand` adds on one side.
pub(super) const MAX_EXPAND: u32 = 2048;

/// The submit request of a job.
pub(super) fn request(job: &Job, c: &ProviderConfig) -> Result<(Request, Parse), ProviderFailure> {
    let (endpoint, body) = match job.kind {
        JobKind::Generate => (
            model(c, GENERATE).to_string(),
            json!({ "prompt": job.prompt, "width": 1024, "height": 1024, "output_format": "png" }),
        ),
        JobKind::Iterate => (
            KONTEXT.to_string(),
            json!({ "prompt": job.prompt, "input_image": base64(source(job)?), "output_format": "png" }),
        ),
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            match o.plan.send {
                Upload::Canvas => (
                    FILL.to_string(),
                    json!({
                        "prompt": job.prompt,
                        "image": base64(&o.canvas_png),
                        "mask": base64(&o.mask_png),
                        "output_format": "png",
                    }),
                ),
                Upload::ImageAndEdges => {
                    let e = o.plan.edges;
                    if [e.left, e.right, e.top, e.bottom]
                        .iter()
                        .any(|&p| p > MAX_EXPAND)
                    {
                        return Err(ProviderFailure::rejected(format!("flux expand adds at most {MAX_EXPAND} px per side; the plan asks left {}, right {}, top {}, bottom {}", e.left, e.right, e.top, e.bottom),
                        ));
                    }
                    (
                        EXPAND.to_string(),
                        json!({
                            "prompt": job.prompt,
                            "image": base64(&sent_original(o)?),
                            "top": e.top, "bottom": e.bottom, "left": e.left, "right": e.right,
                            "output_format": "png",
                        }),
                    )
                }
            }
        }
    };
    let url = format!("{}/v1/{}", base(c, BASE), escape(&endpoint));
    let key = vec![("x-key".to_string(), c.api_key.clone())];
    Ok((post_json(url, key, &body, c), Parse::BflTask))
}

/// Where to poll a submitted task: its `polling_url`, else `get_result?id=`.
pub(super) fn task(v: &Value, c: &ProviderConfig) -> Result<String, ProviderFailure> {
    if let Some(u) = v.get("polling_url").and_then(Value::as_str) {
        return Ok(u.to_string());
    }
    match v.get("id").and_then(Value::as_str) {
        Some(id) => Ok(format!("{}/v1/get_result?id={}", base(c, BASE), escape(id))),
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
        "Request Moderated" | "Content Moderated" => Status::Failed(ProviderFailure::rejected(
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
