//! OpenAI Images: JSON generation, multipart edits; results come back as `b64_json`.
//! Outpainting sends the RGBA canvas whose transparent pixels are the area to paint
//! (also as the mask), at the size the openai profile chose. Header
//! `Authorization: Bearer`.

use serde_json::json;

use super::{base, model, outpaint, post_form, post_json, source, Parse};
use crate::codec::Format;
use crate::engine::{Job, JobKind};
use crate::providers::ProviderConfig;
use crate::providers::ProviderFailure;
use crate::providers::{Multipart, Request};

const BASE: &str = "https://api.openai.com";
/// The model when the config names none.
pub(super) const MODEL: &str = "gpt-image-1";
/// The sizes `gpt-image-1` makes.
pub(super) const SIZES: [(u32, u32); 3] = [(1024, 1024), (1536, 1024), (1024, 1536)];

/// The request of a job.
pub(super) fn request(job: &Job, c: &ProviderConfig) -> Result<(Request, Parse), ProviderFailure> {
    let root = base(c, BASE);
    let auth = vec![("authorization".to_string(), format!("Bearer {}", c.api_key))];
    let m = model(c, MODEL);
    let req = match job.kind {
        JobKind::Generate => post_json(
            format!("{root}/v1/images/generations"),
            auth,
            &json!({ "model": m, "prompt": job.prompt, "n": 1, "size": "1024x1024" }),
            c,
        ),
        JobKind::Iterate => {
            let bytes = source(job)?.to_vec();
            let (name, mime) = match Format::detect(&bytes) {
                Some(Format::Jpeg) => ("image.jpg", "image/jpeg"),
                Some(Format::Webp) => ("image.webp", "image/webp"),
                _ => ("image.png", "image/png"),
            };
            let form = Multipart::new()
                .text("model", m)
                .file("image", name, mime, bytes)
                .text("prompt", job.prompt.clone())
                .text("n", "1")
                .text("size", "auto");
            post_form(format!("{root}/v1/images/edits"), auth, form, c)
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            let (w, h) = (o.plan.size.width, o.plan.size.height);
            if !SIZES.contains(&(w, h)) {
                return Err(ProviderFailure::rejected(format!("openai edits take 1024x1024, 1536x1024 or 1024x1536; the plan is {w}x{h} (use the openai profile)"),
                ));
            }
            let form = Multipart::new()
                .text("model", m)
                .file("image", "canvas.png", "image/png", o.canvas_png.clone())
                .file("mask", "mask.png", "image/png", o.canvas_png.clone())
                .text("prompt", job.prompt.clone())
                .text("n", "1")
                .text("size", format!("{w}x{h}"));
            post_form(format!("{root}/v1/images/edits"), auth, form, c)
        }
    };
    Ok((req, Parse::DataB64))
}
