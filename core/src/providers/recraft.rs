//! Recraft: JSON generation, multipart image-to-image and outpainting (`expand_*`), or
//! inpainting with a binary mask when a plan sends a canvas; results are downloaded
//! from `data[0].url`. Header `Authorization: Bearer`.

use serde_json::json;

use super::{base, model, outpaint, post_form, post_json, sent_original, source, Parse};
use crate::codec::{decode, encode_mask_png, encode_png, probe, Format, PngCompression};
use crate::engine::{Job, JobKind};
use crate::pixels::resize;
use crate::pixels::Mask;
use crate::plan::Upload;
use crate::providers::ProviderConfig;
use crate::providers::ProviderFailure;
use crate::providers::{Multipart, Request};
use crate::Limits;

const BASE: &str = "https://external.api.recraft.ai";
/// The model when the config names none (outpainting is V3 only).
pub(super) const MODEL: &str = "recraftv3";
/// Input limits: sides, pixels, bytes.
pub(super) const MIN_SIDE: u32 = 256;
/// Largest input side.
pub(super) const MAX_SIDE: u32 = 4096;
/// Most input pixels.
pub(super) const MAX_PIXELS: u64 = 16 * 1024 * 1024;
/// Largest input file.
pub(super) const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The request of a job.
pub(super) fn request(job: &Job, c: &ProviderConfig) -> Result<(Request, Parse), ProviderFailure> {
    let root = base(c, BASE);
    let auth = vec![("authorization".to_string(), format!("Bearer {}", c.api_key))];
    let m = model(c, MODEL);
    let req = match job.kind {
        JobKind::Generate => post_json(
            format!("{root}/v1/images/generations"),
            auth,
            &json!({ "prompt": job.prompt, "model": m, "size": "1024x1024", "response_format": "url" }),
            c,
        ),
        JobKind::Iterate => {
            let (bytes, mime) = within_limits(source(job)?)?;
            let form = Multipart::new()
                .file("image", file_name(mime), mime, bytes)
                .text("prompt", job.prompt.clone())
                .text("strength", "0.5")
                .text("model", m)
                .text("response_format", "url");
            post_form(format!("{root}/v1/images/imageToImage"), auth, form, c)
        }
        JobKind::Outpaint => {
            let o = outpaint(job)?;
            match o.plan.send {
                Upload::ImageAndEdges => {
                    let image = sent_original(o)?;
                    check_input(&image)?;
                    let e = o.plan.edges;
                    let mut form = Multipart::new()
                        .file("image", "image.png", "image/png", image)
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
                    post_form(format!("{root}/v1/images/outpaint"), auth, form, c)
                }
                Upload::Canvas => {
                    check_input(&o.canvas_png)?;
                    let form = Multipart::new()
                        .file("image", "image.png", "image/png", o.canvas_png.clone())
                        .file("mask", "mask.png", "image/png", binary(&o.mask_png)?)
                        .text("prompt", job.prompt.clone())
                        .text("model", m)
                        .text("response_format", "url");
                    post_form(format!("{root}/v1/images/inpaint"), auth, form, c)
                }
            }
        }
    };
    Ok((req, Parse::DataUrl))
}

fn file_name(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "image.jpg",
        "image/webp" => "image.webp",
        _ => "image.png",
    }
}

/// Recraft's input rules: sides 256..=4096, at most 16 MP and 10 MB.
fn check_input(bytes: &[u8]) -> Result<(), ProviderFailure> {
    let p =
        probe(bytes, &Limits::default()).map_err(|e| ProviderFailure::rejected(e.to_string()))?;
    let (w, h) = (p.width, p.height);
    if bytes.len() > MAX_BYTES
        || w.min(h) < MIN_SIDE
        || w.max(h) > MAX_SIDE
        || u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(ProviderFailure::rejected(format!(
                "recraft takes images with sides {MIN_SIDE}..={MAX_SIDE} px, at most 16 MP and 10 MB; this one is {w}x{h}, {} bytes",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// The source as is when Recraft takes it, else resized (aspect kept) into its limits
/// and sent as PNG.
fn within_limits(bytes: &[u8]) -> Result<(Vec<u8>, &'static str), ProviderFailure> {
    if check_input(bytes).is_ok() {
        let mime = Format::detect(bytes).map_or("image/png", Format::mime);
        return Ok((bytes.to_vec(), mime));
    }
    let bad = |e: crate::Error| ProviderFailure::rejected(e.to_string());
    let img = decode(bytes, &Limits::default()).map_err(bad)?;
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let down = (f64::from(MAX_SIDE) / w.max(h))
        .min((MAX_PIXELS as f64 / (w * h)).sqrt())
        .min(1.0);
    let scale = down.max(f64::from(MIN_SIDE) / w.min(h));
    let (nw, nh) = ((w * scale).round() as u32, (h * scale).round() as u32);
    if nw.min(nh) < MIN_SIDE || nw.max(nh) > MAX_SIDE {
        return Err(ProviderFailure::rejected(format!("recraft cannot take a {}x{} image at any scale (sides must be {MIN_SIDE}..={MAX_SIDE} px)", img.width(), img.height()),
        ));
    }
    let small = resize(img.view(), nw, nh, &crate::Limits::default()).map_err(bad)?;
    let png = encode_png(small.view(), PngCompression::Fast).map_err(bad)?;
    check_input(&png)?;
    Ok((png, "image/png"))
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
