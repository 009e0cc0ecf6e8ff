//! Google Gemini: one `generateContent` call with the prompt (and the image inline);
//! the image comes back inline as base64. Header `x-goog-api-key`.

use serde_json::{json, Value};

use super::{base, base64, model, outpaint, post_json, sent_original, source, unbase64, Parse};
use crate::codec::Format;
use crate::engine::{Job, JobKind};
use crate::providers::ProviderConfig;
use crate::providers::{escape, Request};
use crate::providers::{FailureKind, ProviderFailure};

const BASE: &str = "https://generativelanguage.googleapis.com";
/// The model when the config names none.
pub(super) const MODEL: &str = "gemini-2.5-flash-image";

/// The request of a job.
pub(super) fn request(job: &Job, c: &ProviderConfig) -> Result<(Request, Parse), ProviderFailure> {
    let (text, image, aspect) = match job.kind {
        JobKind::Generate => (job.prompt.clone(), None, None),
        JobKind::Iterate => (job.prompt.clone(), Some(source(job)?.to_vec()), None),
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            (
                format!("Extend this image {}. {}", o.direction, job.prompt),
                Some(sent_original(o)?),
                o.plan.aspect_ratio.clone(),
            )
        }
    };
    let mut parts = vec![json!({ "text": text })];
    if let Some(bytes) = image {
        let mime = Format::detect(&bytes).map_or("image/png", Format::mime);
        parts.push(json!({ "inline_data": { "mime_type": mime, "data": base64(&bytes) } }));
    }
    let mut generation = json!({ "responseModalities": ["IMAGE"] });
    if let Some(a) = aspect {
        generation["imageConfig"] = json!({ "aspectRatio": a });
    }
    let body = json!({
        "contents": [{ "role": "user", "parts": parts }],
        "generationConfig": generation,
    });
    let url = format!(
        "{}/v1beta/models/{}:generateContent",
        base(c, BASE),
        escape(model(c, MODEL))
    );
    let key = vec![("x-goog-api-key".to_string(), c.api_key.clone())];
    Ok((post_json(url, key, &body, c), Parse::GeminiParts))
}

/// The first inline image of the answer, or why there is none (blocked prompt, safety
/// stop, text only).
pub(super) fn image(v: &Value) -> Result<Vec<u8>, ProviderFailure> {
    let parts = v
        .pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for p in parts {
        let inline = p.get("inlineData").or_else(|| p.get("inline_data"));
        if let Some(data) = inline.and_then(|i| i.get("data")).and_then(Value::as_str) {
            return unbase64(data);
        }
    }
    if let Some(reason) = v
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        return Err(ProviderFailure::rejected(format!(
            "gemini blocked the prompt: {reason}"
        )));
    }
    let text: Vec<&str> = parts
        .iter()
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    let finish = v
        .pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)
        .unwrap_or("no candidates");
    let kind = if finish == "no candidates" {
        FailureKind::Transient
    } else {
        FailureKind::Rejected
    };
    Err(ProviderFailure::new(
        kind,
        format!(
            "gemini returned no image (finishReason {finish}){}",
            if text.is_empty() {
                String::new()
            } else {
                format!(": {}", text.join(" "))
            }
        ),
    ))
}
