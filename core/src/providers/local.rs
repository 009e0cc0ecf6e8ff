//! The offline `local` provider: no network, no key, the same answers on every door.
//! Generate returns the job's source image (or a procedural picture seeded by the
//! prompt), iterate returns the source with a gentle prompt-dependent colour grade,
//! outpaint fills the sent canvas with [`continue_scene`].

use crate::codec::{decode, encode_png, PngCompression};
use crate::engine::{Job, JobKind};
use crate::limits::Limits;
use crate::pixels::{continue_scene, Image};
use crate::providers::ProviderFailure;

/// Side of the procedural picture generate makes without a source.
const PROCEDURAL_SIDE: u32 = 256;

/// Answers `job` as the `local` provider: the image bytes (PNG, or the source as given
/// for generate) or why not.
pub fn local_call(job: &Job) -> Result<Vec<u8>, ProviderFailure> {
    let limits = Limits::default();
    let fail = |e: crate::Error| ProviderFailure::rejected(e.to_string());
    let png = |img: &Image| encode_png(img.view(), PngCompression::Fast).map_err(fail);
    match job.kind {
        JobKind::Generate => match job.source_bytes() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => png(&procedural(&job.prompt)),
        },
        JobKind::Iterate => {
            let src = job.source_bytes().unwrap_or_default();
            let mut img = decode(src, &limits).map_err(fail)?;
            let h = seed_of(&job.prompt);
            let gain = [
                (h & 0x1F) as i32 - 16,
                ((h >> 5) & 0x1F) as i32 - 16,
                ((h >> 10) & 0x1F) as i32 - 16,
            ];
            for p in img.data_mut().chunks_exact_mut(4) {
                for c in 0..3 {
                    p[c] = (i32::from(p[c]) + gain[c]).clamp(0, 255) as u8;
                }
            }
            png(&img)
        }
        JobKind::Outpaint => {
            let o = job
                .outpaint
                .as_ref()
                .ok_or_else(|| ProviderFailure::rejected("outpaint job without a canvas"))?;
            let canvas = decode(&o.canvas_png, &limits).map_err(fail)?;
            let out = continue_scene(&canvas, &o.plan.sent_layout(), &limits).map_err(fail)?;
            png(&out)
        }
    }
}

fn seed_of(s: &str) -> u32 {
    s.bytes().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A 256x256 gradient scene whose colours come from the prompt.
pub fn procedural(prompt: &str) -> Image {
    let h = seed_of(prompt);
    let sky = [
        (h & 0xFF) as u8 / 2 + 60,
        ((h >> 8) & 0xFF) as u8 / 2 + 90,
        220,
    ];
    let ground = [
        60,
        ((h >> 16) & 0xFF) as u8 / 2 + 80,
        ((h >> 24) & 0xFF) as u8 / 3 + 30,
    ];
    let side = PROCEDURAL_SIDE;
    let mut d = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            let horizon = 150 + ((x as f32 / 20.0).sin() * 8.0) as u32;
            let c = if y < horizon { sky } else { ground };
            let shade = 255 - (y / 4) as u8;
            for ch in c {
                d.push((u32::from(ch) * u32::from(shade) / 255) as u8);
            }
            d.push(255);
        }
    }
    Image::from_rgba(side, side, d).expect("fixed size")
}
