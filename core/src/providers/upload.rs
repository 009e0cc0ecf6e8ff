//! Uploads planned against a model's limits ([`UploadLimits`]): each image is encoded
//! to fit its byte and pixel limits: PNG first (lossless), then lossless WebP, then JPEG
//! at high quality where the model takes them; a source that only has to keep its aspect
//! (iterate) is also scaled into the side and pixel limits, and down again if no encoding
//! fits. A limit that cannot be met is a failure before any request. Each upload is
//! recorded as a [`Sent`].

use serde::{Deserialize, Serialize};

use crate::codec::{
    decode, encode_jpeg, encode_mask_png, encode_png, encode_webp, Format, PngCompression,
};
use crate::engine::OutpaintJob;
use crate::pixels::{resize, Image, ImageRef};
use crate::plan::Upload;
use crate::prepare::{prepare, PrepareOptions, Prepared};
use crate::providers::{ProviderFailure, UploadLimits};
use crate::Limits;

/// The share of its pixels a plan keeps at each smaller scale of [`prepare_within`].
const SHRINK: f64 = 0.64;

/// Prepares an outpaint of `img` with `opts` (the job for `target`, its canvas and mask
/// as PNG) so that the picture it uploads fits the model's `limits` (none given: as
/// prepared): when that picture (the canvas, or the original cut out of it) fits no
/// encoding the model takes, it is prepared again at a smaller scale, the profile's caps
/// lowered ([`Profile::shrunk`]: about 0.64 of the pixels, or the next output size) so
/// every rule of the profile still holds and the answer maps back exactly, up to
/// four times. `IMAGE_TOO_LARGE` when no scale fits, before any request.
///
/// [`Profile::shrunk`]: crate::plan::Profile::shrunk
pub fn prepare_within(
    img: ImageRef<'_>,
    opts: &PrepareOptions,
    target: &str,
    limits: Option<&UploadLimits>,
) -> crate::Result<(Prepared, OutpaintJob)> {
    let mut opts = opts.clone();
    let mut tries = 0;
    loop {
        let p = prepare(img, &opts)?;
        let canvas_png = encode_png(p.canvas.view(), PngCompression::Fast)?;
        let failure = limits.and_then(|l| upload_failure(&p, canvas_png.len(), l));
        let Some(why) = failure else {
            let job = OutpaintJob {
                target: target.to_string(),
                canvas_png,
                mask_png: encode_mask_png(&p.mask, PngCompression::Fast)?,
                expansion: p.expansion,
                direction: p.plan.direction.clone(),
                plan: p.plan.clone(),
            };
            return Ok((p, job));
        };
        match (tries < SHRINKS)
            .then(|| opts.profile.shrunk(&p.plan, SHRINK))
            .flatten()
        {
            Some(profile) => {
                opts.profile = profile;
                tries += 1;
            }
            None => {
                return Err(crate::Error::new(
                    crate::ErrorCode::ImageTooLarge,
                    format!(
                        "{why}; no smaller scale the {} profile allows fits either",
                        opts.profile.name
                    ),
                ))
            }
        }
    }
}

/// Why the picture `p` uploads fits no encoding within `limits` (`None`: it fits). The
/// canvas PNG already under the byte limit settles it (any cut of it is smaller).
fn upload_failure(p: &Prepared, canvas_png: usize, limits: &UploadLimits) -> Option<String> {
    if limits.max_bytes == 0 || canvas_png as u64 <= limits.max_bytes {
        return None;
    }
    let tried = match p.plan.send {
        Upload::Canvas => encode_within(p.canvas.view(), limits, "canvas"),
        _ => match p.canvas.view().crop(p.plan.image) {
            Ok(original) => encode_within(original.view(), limits, "image"),
            Err(_) => return None, // the adapter names a plan that does not hold
        },
    };
    tried.err().map(|f| f.message)
}

/// JPEG qualities tried, best first.
const JPEG_QUALITIES: [u8; 3] = [95, 90, 85];
/// Times a source is scaled down further when no encoding fits its byte limit.
const SHRINKS: u32 = 4;

/// One uploaded image as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    /// Which part (`image`, `mask`, `input_image`).
    pub part: String,
    /// The encoding.
    pub format: Format,
    /// JPEG quality, when JPEG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// Width sent.
    pub width: u32,
    /// Height sent.
    pub height: u32,
    /// Bytes sent (before any base64).
    pub bytes: u64,
}

impl Sent {
    /// The record of a PNG `part` of `width x height` in `bytes` bytes (a mask made here).
    pub fn png(part: &str, width: u32, height: u32, bytes: usize) -> Sent {
        Sent {
            part: part.to_string(),
            format: Format::Png,
            quality: None,
            width,
            height,
            bytes: bytes as u64,
        }
    }
}

/// An encoded upload and its record.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub bytes: Vec<u8>,
    pub sent: Sent,
}

impl Encoded {
    pub fn mime(&self) -> &'static str {
        self.sent.format.mime()
    }

    pub fn file_name(&self, stem: &str) -> String {
        format!("{stem}.{}", self.sent.format.extension())
    }
}

fn rejected(e: crate::Error) -> ProviderFailure {
    ProviderFailure::rejected(e.to_string())
}

/// Encodes `img` (whose size is fixed by the plan) for `part` within `limits`: the first
/// of PNG, lossless WebP and JPEG (95, 90, 85) that the model takes and that fits.
pub(crate) fn encode_within(
    img: ImageRef<'_>,
    limits: &UploadLimits,
    part: &str,
) -> Result<Encoded, ProviderFailure> {
    let (w, h) = (img.width(), img.height());
    let geometry = UploadLimits {
        max_bytes: 0,
        encodings: Vec::new(),
        ..limits.clone()
    };
    if !geometry.admits(w, h, 0, Format::Png) {
        return Err(ProviderFailure::rejected(format!(
            "the {part} is {w}x{h}; the model takes {}",
            limits.describe()
        )));
    }
    let mut tried = Vec::new();
    for (format, quality) in candidates(limits) {
        let bytes = match (format, quality) {
            (Format::Png, _) => encode_png(img, PngCompression::Fast),
            (Format::Webp, _) => encode_webp(img),
            (Format::Jpeg, q) => encode_jpeg(img, q.unwrap_or(90)),
        }
        .map_err(rejected)?;
        if limits.admits(w, h, bytes.len(), format) {
            let sent = Sent {
                part: part.to_string(),
                format,
                quality,
                width: w,
                height: h,
                bytes: bytes.len() as u64,
            };
            return Ok(Encoded { bytes, sent });
        }
        tried.push(format!(
            "{}{} {} bytes",
            format.extension(),
            quality.map_or(String::new(), |q| format!(" q{q}")),
            bytes.len()
        ));
    }
    Err(ProviderFailure::rejected(format!(
        "the {part} ({w}x{h}) does not fit the model's limits ({}) in any encoding it takes: {}",
        limits.describe(),
        tried.join(", ")
    )))
}

/// Encodings to try, best first, among those the model takes.
fn candidates(limits: &UploadLimits) -> Vec<(Format, Option<u8>)> {
    let mut out = Vec::new();
    if limits.takes(Format::Png) {
        out.push((Format::Png, None));
    }
    if limits.takes(Format::Webp) && !limits.encodings.is_empty() {
        out.push((Format::Webp, None));
    }
    if limits.takes(Format::Jpeg) && !limits.encodings.is_empty() {
        out.extend(JPEG_QUALITIES.map(|q| (Format::Jpeg, Some(q))));
    }
    out
}

/// An already-encoded source (iterate): sent as it is when the model takes it, else
/// decoded, scaled (aspect kept) into the side and pixel limits and encoded as
/// [`encode_within`] does, scaled down further while no encoding fits the byte limit.
pub(crate) fn source_within(
    bytes: &[u8],
    limits: &UploadLimits,
    part: &str,
) -> Result<Encoded, ProviderFailure> {
    let decoded = || decode(bytes, &Limits::default()).map_err(rejected);
    let format = Format::detect(bytes).ok_or_else(|| {
        ProviderFailure::rejected(format!("the {part} is not a PNG, JPEG or WebP image"))
    })?;
    let probe = crate::codec::probe(bytes, &Limits::default()).map_err(rejected)?;
    if limits.admits(probe.width, probe.height, bytes.len(), format) {
        let sent = Sent {
            part: part.to_string(),
            format,
            quality: None,
            width: probe.width,
            height: probe.height,
            bytes: bytes.len() as u64,
        };
        return Ok(Encoded {
            bytes: bytes.to_vec(),
            sent,
        });
    }
    let img = decoded()?;
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let mut s = crate::plan::scale_into(w, h, limits.max_side, limits.max_pixels);
    if limits.min_side != 0 && w.min(h) * s < f64::from(limits.min_side) {
        s = f64::from(limits.min_side) / w.min(h);
    }
    let mut last = None;
    for _ in 0..=SHRINKS {
        let scaled = scaled(&img, s)?;
        match encode_within(scaled.view(), limits, part) {
            Ok(e) => return Ok(e),
            Err(f) => last = Some(f),
        }
        // The smallest encoding was over the byte limit: shrink by the excess, and more.
        s *= 0.7;
        if limits.min_side != 0 && w.min(h) * s < f64::from(limits.min_side) {
            break;
        }
    }
    Err(last.unwrap_or_else(|| {
        ProviderFailure::rejected(format!(
            "the {part} ({}x{}) cannot be scaled into the model's limits ({})",
            img.width(),
            img.height(),
            limits.describe()
        ))
    }))
}

fn scaled(img: &Image, s: f64) -> Result<Image, ProviderFailure> {
    if s == 1.0 {
        return Ok(img.view().to_owned());
    }
    let nw = ((f64::from(img.width()) * s).round() as u32).max(1);
    let nh = ((f64::from(img.height()) * s).round() as u32).max(1);
    resize(img.view(), nw, nh, &Limits::default()).map_err(rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A noisy picture: PNG cannot compress it much, JPEG can.
    fn noise(w: u32, h: u32) -> Image {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let data = (0..w * h * 4)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 4 == 3 {
                    255
                } else {
                    (x >> 32) as u8
                }
            })
            .collect();
        Image::from_rgba(w, h, data).unwrap()
    }

    #[test]
    fn png_when_it_fits_else_jpeg_else_a_clear_failure() {
        let img = noise(256, 256);
        let open = UploadLimits {
            encodings: vec![Format::Png, Format::Jpeg],
            ..UploadLimits::default()
        };
        let e = encode_within(img.view(), &open, "image").unwrap();
        assert_eq!(e.sent.format, Format::Png);
        assert!(
            e.sent.bytes > 200_000,
            "noise does not compress: {}",
            e.sent.bytes
        );
        let tight = UploadLimits {
            max_bytes: 200_000,
            ..open.clone()
        };
        let e = encode_within(img.view(), &tight, "image").unwrap();
        assert_eq!((e.sent.format, e.sent.quality), (Format::Jpeg, Some(95)));
        assert!(e.bytes.len() <= 200_000);
        assert_eq!(Format::detect(&e.bytes), Some(Format::Jpeg));
        let png_only = UploadLimits {
            max_bytes: 100_000,
            encodings: vec![Format::Png],
            ..UploadLimits::default()
        };
        let f = encode_within(img.view(), &png_only, "mask").unwrap_err();
        assert!(!f.retryable());
        assert!(
            f.message.contains("the mask (256x256) does not fit"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_source_is_kept_when_taken_and_scaled_when_not() {
        let png = encode_png(noise(600, 300).view(), PngCompression::Fast).unwrap();
        let taken = UploadLimits::default();
        let e = source_within(&png, &taken, "image").unwrap();
        assert_eq!(e.bytes, png);
        let small = UploadLimits {
            max_side: 400,
            encodings: vec![Format::Png],
            ..UploadLimits::default()
        };
        let e = source_within(&png, &small, "image").unwrap();
        assert_eq!((e.sent.width, e.sent.height), (400, 200));
        let bytes = UploadLimits {
            max_bytes: 60_000,
            encodings: vec![Format::Png],
            ..UploadLimits::default()
        };
        let e = source_within(&png, &bytes, "image").unwrap();
        assert!(e.bytes.len() <= 60_000 && e.sent.width < 600);
        assert_eq!(e.sent.width, e.sent.height * 2);
    }

    /// An outpaint whose upload fits no encoding is prepared again at smaller scales
    /// under every rule of its profile, down to one that fits; none fitting is
    /// IMAGE_TOO_LARGE before any request.
    #[test]
    fn an_outpaint_too_large_to_upload_is_prepared_smaller_within_its_profile() {
        let reg = crate::providers::Registry::builtin();
        let img = noise(1350, 900);
        for name in ["recraft-outpaint", "flux-fill", "openai", "gemini"] {
            let profile = reg.profile(name).unwrap();
            let opts = PrepareOptions {
                profile: profile.clone(),
                fill: crate::pixels::Fill::Blur,
                ..PrepareOptions::new("16:9".parse().unwrap())
            };
            let (full, _) = prepare_within(img.view(), &opts, "16:9", None).unwrap();
            let cut = |p: &Prepared| match p.plan.send {
                Upload::Canvas => p.canvas.clone(),
                _ => p.canvas.view().crop(p.plan.image).unwrap(),
            };
            // Just under the smallest encoding of the full-scale upload.
            let model = reg.models[&profile.model].upload.clone();
            let part = cut(&full);
            let smallest = candidates(&model)
                .into_iter()
                .map(|(f, q)| match f {
                    Format::Png => encode_png(part.view(), PngCompression::Fast),
                    Format::Webp => encode_webp(part.view()),
                    Format::Jpeg => encode_jpeg(part.view(), q.unwrap()),
                })
                .map(|b| b.unwrap().len() as u64)
                .min()
                .unwrap();
            let max_bytes = smallest * 9 / 10;
            let limits = UploadLimits { max_bytes, ..model };
            let (p, job) = prepare_within(img.view(), &opts, "16:9", Some(&limits)).unwrap();
            assert!(
                p.plan.scale < full.plan.scale,
                "{name}: {} vs {}",
                p.plan.scale,
                full.plan.scale
            );
            assert_eq!(p.plan.profile, name);
            assert_eq!(job.plan, p.plan);
            assert_eq!(
                p.expansion, full.expansion,
                "{name}: the full-resolution canvas is the same"
            );
            // What the adapter sends now fits.
            let e = encode_within(cut(&p).view(), &limits, "image").unwrap();
            assert!(e.sent.bytes <= max_bytes, "{name}");
            // Every rule of the profile still holds for the smaller plan.
            if name == "openai" || name == "flux-fill" {
                assert_eq!(
                    (p.plan.size.width % 16, p.plan.size.height % 16),
                    (0, 0),
                    "{name}"
                );
            }
            if name == "gemini" {
                assert!(
                    p.plan.image_size < full.plan.image_size,
                    "{:?}",
                    p.plan.image_size
                );
            }
        }
        // OpenAI's minimum of 655,360 pixels leaves a 900x600 picture (1088x608 sent) no
        // smaller scale; a limit nothing meets is a typed error naming the limit.
        let small = noise(900, 600);
        let opts = PrepareOptions {
            profile: reg.profile("openai").unwrap(),
            ..PrepareOptions::new("16:9".parse().unwrap())
        };
        let tight = UploadLimits {
            max_bytes: 600_000,
            ..reg.models["gpt-image-2"].upload.clone()
        };
        let e = prepare_within(small.view(), &opts, "16:9", Some(&tight)).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ImageTooLarge);
        assert!(
            e.message()
                .starts_with("the canvas (1088x608) does not fit"),
            "{}",
            e.message()
        );
        let profile = reg.profile("recraft-outpaint").unwrap();
        let opts = PrepareOptions {
            profile,
            ..PrepareOptions::new("16:9".parse().unwrap())
        };
        let tiny = UploadLimits {
            max_bytes: 2_000,
            ..UploadLimits::default()
        };
        let e = prepare_within(img.view(), &opts, "16:9", Some(&tiny)).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ImageTooLarge);
        assert!(
            e.message()
                .contains("does not fit the model's limits (at most 2000 bytes)"),
            "{}",
            e.message()
        );
        assert!(
            e.message()
                .ends_with("no smaller scale the recraft-outpaint profile allows fits either"),
            "{}",
            e.message()
        );
    }
}
