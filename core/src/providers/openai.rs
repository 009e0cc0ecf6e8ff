//! OpenAI Images (`gpt-image-2`): JSON generation, multipart edits; results come back
//! as `b64_json`. Outpainting sends the RGBA canvas at the size the openai profile chose
//! (any size divisible by 16, 1:3 to 3:1, up to 3840x2160) and a separate small mask
//! PNG whose transparent pixels are the area to paint (the mask must be under 4 MB).
//! Header `Authorization: Bearer`.

use serde_json::json;

use super::{decoded_canvas, Sent};
use super::{outpaint, post_form, post_json, sent_canvas, source, source_within, Call, Parse};
use crate::codec::{encode_png, Format, PngCompression};
use crate::engine::JobKind;
use crate::pixels::Image;
use crate::plan::Upload;
use crate::providers::{Adapter, ProviderFailure};
use crate::providers::{Multipart, Request};

/// The request of a job.
pub(super) fn request(c: &Call, sent: &mut Vec<Sent>) -> Result<(Request, Parse), ProviderFailure> {
    let job = c.job;
    let auth = c.bearer();
    let m = c.id.as_str();
    let req = match job.kind {
        JobKind::Generate => post_json(
            c.url(&c.endpoints.generate, m),
            auth,
            &json!({ "model": m, "prompt": job.prompt, "n": 1, "size": "1024x1024" }),
            c.config,
        ),
        JobKind::Iterate => {
            let image = source_within(source(job)?, &c.info.upload, "image")?;
            sent.push(image.sent.clone());
            let form = Multipart::new()
                .text("model", m)
                .file(
                    "image",
                    &image.file_name("image"),
                    image.mime(),
                    image.bytes,
                )
                .text("prompt", job.prompt.clone())
                .text("n", "1")
                .text("size", "auto");
            post_form(c.url(&c.endpoints.iterate, m), auth, form, c.config)
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            let (w, h) = (o.plan.size.width, o.plan.size.height);
            let ours = c
                .registry
                .profiles
                .get(&o.plan.profile)
                .and_then(|p| c.registry.models.get(&p.model))
                .is_some_and(|i| i.adapter == Adapter::Openai);
            if !ours || o.plan.send != Upload::Canvas {
                return Err(ProviderFailure::rejected(format!(
                    "openai edits take a canvas fitted by the openai profile; this plan is {w}x{h} from profile {:?}",
                    o.plan.profile
                )));
            }
            let image = sent_canvas(o, &c.info.upload, "image", sent)?;
            let mask = mask(o)?;
            if !c.info.mask.admits(w, h, mask.len(), Format::Png) {
                return Err(ProviderFailure::rejected(format!(
                    "openai: the mask is {} bytes; the model takes {}",
                    mask.len(),
                    c.info.mask.describe()
                )));
            }
            sent.push(Sent::png("mask", w, h, mask.len()));
            let form = Multipart::new()
                .text("model", m)
                .file(
                    "image",
                    &image.file_name("canvas"),
                    image.mime(),
                    image.bytes,
                )
                .file("mask", "mask.png", "image/png", mask)
                .text("prompt", job.prompt.clone())
                .text("n", "1")
                .text("size", format!("{w}x{h}"));
            post_form(c.url(&c.endpoints.inpaint, m), auth, form, c.config)
        }
    };
    Ok((req, Parse::DataB64))
}

/// The mask OpenAI reads: black, with the canvas's alpha (0 where the model may paint).
/// Flat colour compresses to a few KB whatever the photo.
fn mask(o: &crate::engine::OutpaintJob) -> Result<Vec<u8>, ProviderFailure> {
    let canvas = decoded_canvas(o)?;
    let data: Vec<u8> = canvas
        .data()
        .chunks_exact(4)
        .flat_map(|p| [0, 0, 0, p[3]])
        .collect();
    let img = Image::from_rgba(canvas.width(), canvas.height(), data)
        .map_err(|e| ProviderFailure::rejected(e.to_string()))?;
    encode_png(img.view(), PngCompression::Fast)
        .map_err(|e| ProviderFailure::rejected(e.to_string()))
}
