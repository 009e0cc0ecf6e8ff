//! Recraft: JSON generation, multipart image-to-image and outpainting (`expand_*`), or
//! inpainting with a binary mask when a plan sends a canvas; results are downloaded
//! from `data[0].url`. Header `Authorization: Bearer`. Outpainting and inpainting run
//! on V3 models only: the profile's model (`recraftv3`) is sent whatever model the host
//! chose for generation. Uploads are kept under 10 MB (PNG, else WebP or JPEG).

use serde_json::json;

use super::{outpaint, post_form, post_json, sent_canvas, sent_original, source, source_within};
use super::{Call, Parse, Sent};
use crate::codec::{decode, encode_mask_png, PngCompression};
use crate::engine::JobKind;
use crate::pixels::Mask;
use crate::plan::Upload;
use crate::providers::ProviderFailure;
use crate::providers::{Multipart, Request};
use crate::Limits;

/// The request of a job.
pub(super) fn request(c: &Call, sent: &mut Vec<Sent>) -> Result<(Request, Parse), ProviderFailure> {
    let job = c.job;
    let auth = c.bearer();
    let m = c.id.as_str();
    let req = match job.kind {
        JobKind::Generate => post_json(
            c.url(&c.endpoints.generate, m),
            auth,
            &json!({ "prompt": job.prompt, "model": m, "size": "1:1", "response_format": "url" }),
            c.config,
        ),
        JobKind::Iterate => {
            let image = source_within(source(job)?, &c.info.upload, "image")?;
            sent.push(image.sent.clone());
            let form = Multipart::new()
                .file(
                    "image",
                    &image.file_name("image"),
                    image.mime(),
                    image.bytes,
                )
                .text("prompt", job.prompt.clone())
                .text("strength", "0.5")
                .text("model", m)
                .text("response_format", "url");
            post_form(c.url(&c.endpoints.iterate, m), auth, form, c.config)
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            match o.plan.send {
                Upload::ImageAndEdges => {
                    let image = sent_original(o, &c.info.upload, "image", sent)?;
                    let e = o.plan.edges;
                    let mut form = Multipart::new()
                        .file(
                            "image",
                            &image.file_name("image"),
                            image.mime(),
                            image.bytes,
                        )
                        .text("prompt", job.prompt.clone());
                    for (name, px) in [
                        ("expand_left", e.left),
                        ("expand_right", e.right),
                        ("expand_top", e.top),
                        ("expand_bottom", e.bottom),
                    ] {
                        if px > 0 {
                            form = form.text(name, px.to_string());
                        }
                    }
                    let form = form.text("model", m).text("response_format", "url");
                    post_form(c.url(&c.endpoints.outpaint, m), auth, form, c.config)
                }
                Upload::Canvas => {
                    let image = sent_canvas(o, &c.info.upload, "image", sent)?;
                    let mask = binary(&o.mask_png)?;
                    sent.push(Sent::png(
                        "mask",
                        o.plan.size.width,
                        o.plan.size.height,
                        mask.len(),
                    ));
                    let form = Multipart::new()
                        .file(
                            "image",
                            &image.file_name("image"),
                            image.mime(),
                            image.bytes,
                        )
                        .file("mask", "mask.png", "image/png", mask)
                        .text("prompt", job.prompt.clone())
                        .text("model", m)
                        .text("response_format", "url");
                    post_form(c.url(&c.endpoints.inpaint, m), auth, form, c.config)
                }
            }
        }
    };
    Ok((req, Parse::DataUrl))
}

/// The mask with every non-zero value at 255: Recraft rejects anything but 0 and 255.
fn binary(mask_png: &[u8]) -> Result<Vec<u8>, ProviderFailure> {
    let bad = |e: crate::Error| ProviderFailure::rejected(e.to_string());
    let img = decode(mask_png, &Limits::default()).map_err(bad)?;
    let values: Vec<u8> = img
        .data()
        .chunks_exact(4)
        .map(|p| if p[0] > 0 { 255 } else { 0 })
        .collect();
    let m = Mask::from_bytes(img.width(), img.height(), values).map_err(bad)?;
    encode_mask_png(&m, PngCompression::Fast).map_err(bad)
}
