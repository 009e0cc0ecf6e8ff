//! Google Gemini: one `generateContent` call with the image inline (before the text, as
//! Google advises) and the prompt; the image comes back inline as base64. Outpainting
//! asks for the plan's aspect ratio and, on the Gemini 3 models, its `imageSize`; the
//! original goes at about the output's size. Header `x-goog-api-key`.

use serde_json::{json, Value};

use super::{base64, outpaint, post_json, sent_original, source, source_within, unbase64, Call};
use super::{Parse, Sent};
use crate::engine::JobKind;
use crate::providers::Request;
use crate::providers::{FailureKind, ProviderFailure};

/// Finish reasons that mean the content was refused (not worth a retry).
const POLICY_REASONS: [&str; 6] = [
    "SAFETY",
    "PROHIBITED_CONTENT",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
];

/// The request of a job.
pub(super) fn request(c: &Call, sent: &mut Vec<Sent>) -> Result<(Request, Parse), ProviderFailure> {
    let job = c.job;
    let (text, image, config) = match job.kind {
        JobKind::Generate => (job.prompt.clone(), None, None),
        JobKind::Iterate => {
            let e = source_within(source(job)?, &c.info.upload, "image")?;
            sent.push(e.sent.clone());
            (job.prompt.clone(), Some(e), None)
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            let mut image_config = serde_json::Map::new();
            if let Some(a) = &o.plan.aspect_ratio {
                image_config.insert("aspectRatio".into(), json!(a));
            }
            if let Some(s) = &o.plan.image_size {
                image_config.insert("imageSize".into(), json!(s));
            }
            (
                format!("Extend this image {}. {}", o.direction, job.prompt),
                Some(sent_original(o, &c.info.upload, "image", sent)?),
                Some(Value::Object(image_config)),
            )
        }
    };
    let mut parts = Vec::new();
    if let Some(e) = image {
        parts.push(json!({ "inline_data": { "mime_type": e.mime(), "data": base64(&e.bytes) } }));
    }
    parts.push(json!({ "text": text }));
    let mut generation = json!({ "responseModalities": ["IMAGE"] });
    if let Some(ic) = config.filter(|v| v.as_object().is_some_and(|o| !o.is_empty())) {
        generation["imageConfig"] = ic;
    }
    let body = json!({
        "contents": [{ "role": "user", "parts": parts }],
        "generationConfig": generation,
    });
    let endpoint = match job.kind {
        JobKind::Generate => &c.endpoints.generate,
        JobKind::Iterate => &c.endpoints.iterate,
        JobKind::Outpaint => &c.endpoints.outpaint,
    };
    let url = c.url(endpoint, &c.id);
    let key = vec![("x-goog-api-key".to_string(), c.config.api_key.clone())];
    Ok((post_json(url, key, &body, c.config), Parse::GeminiParts))
}

/// The final inline image of the answer (parts marked `thought` are drafts and are
/// skipped), or why there is none: a blocked prompt or a safety stop is
/// `CONTENT_POLICY`; no image for another reason (`NO_IMAGE`, text only) is worth a
/// retry.
pub(super) fn image(v: &Value) -> Result<Vec<u8>, ProviderFailure> {
    let parts = v
        .pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let last = parts
        .iter()
        .rev()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| {
            p.get("inlineData")
                .or_else(|| p.get("inline_data"))
                .and_then(|i| i.get("data"))
                .and_then(Value::as_str)
        })
        .next();
    if let Some(data) = last {
        return unbase64(data);
    }
    if let Some(reason) = v
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        return Err(ProviderFailure::new(
            FailureKind::ContentPolicy,
            format!("gemini blocked the prompt: {reason}"),
        ));
    }
    let text: Vec<&str> = parts
        .iter()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    let finish = v
        .pointer("/candidates/0/finishReason")
        .and_then(Value::as_str)
        .unwrap_or("no candidates");
    let message = v
        .pointer("/candidates/0/finishMessage")
        .and_then(Value::as_str);
    let kind = if POLICY_REASONS.contains(&finish) {
        FailureKind::ContentPolicy
    } else {
        FailureKind::Transient
    };
    let said: Vec<&str> = message.into_iter().chain(text).collect();
    Err(ProviderFailure::new(
        kind,
        format!(
            "gemini returned no image (finishReason {finish}){}",
            if said.is_empty() {
                String::new()
            } else {
                format!(": {}", said.join(" "))
            }
        ),
    ))
}
