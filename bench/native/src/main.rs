//! The native side of `bench/run.sh`: times `outpaint-core` and the physical limit
//! (memcpy / memset of the same output bytes, into a reused and into a freshly allocated
//! buffer) for square sources expanded to 16:9, and measures the peak heap of `prepare`.
//! Writes the sources as PNG (`src-{side}.png`) for the other implementations, and the
//! timings as JSON (`native.json`), into the output folder.
//!
//! `outpaint-bench --out DIR [--sizes 1024,2048,4096] [--runs N]`

use std::hint::black_box;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use outpaint_core::codec::encode_mask_png;
use outpaint_core::geometry::Layout;
use outpaint_core::pixels::{build_mask, composite_into, mask_into, pad, pad_into, Curve};
use outpaint_core::{
    composite, decode, encode_png, expand, fit, prepare_png, run_local, Anchor, Fill, Image,
    Limits, MaskKind, PngCompression, PrepareOptions, Profile, SeamOptions, Target,
};
use serde_json::{json, Value};

mod counting;
use counting::{LIVE, PEAK};

/// A photo-like source: smooth gradients with a little deterministic noise, so PNG
/// sizes and codec times are realistic (neither flat nor random).
fn photo(side: u32) -> Image {
    let mut d = Vec::with_capacity((side * side * 4) as usize);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for y in 0..side {
        for x in 0..side {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed & 15) as u32;
            let (fx, fy) = (x * 200 / side, y * 200 / side);
            d.extend_from_slice(&[
                (20 + fx / 2 + fy / 3 + n) as u8,
                (60 + fy / 2 + n) as u8,
                (120 + fx / 4 + n) as u8,
                255,
            ]);
        }
    }
    Image::from_rgba(side, side, d).expect("sizes agree")
}

/// Median milliseconds of `runs` calls after one warm-up.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    black_box(f());
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Medians of `runs` pairs after one warm-up pair: the operation's milliseconds, and its
/// time over the limit's within each pair. The limit runs just before the operation, so
/// both see the same machine: on a shared host the bandwidth drifts by 20% or more
/// between runs, which a ratio of two separate medians would mistake for a difference.
fn paired<T, U>(
    runs: usize,
    mut limit: impl FnMut() -> T,
    mut op: impl FnMut() -> U,
) -> (f64, f64) {
    black_box(limit());
    black_box(op());
    let (mut ms, mut ratios): (Vec<f64>, Vec<f64>) = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(limit());
            let l = t.elapsed().as_secs_f64();
            let t = Instant::now();
            black_box(op());
            let o = t.elapsed().as_secs_f64();
            (o * 1e3, o / l)
        })
        .unzip();
    ms.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ratios[ratios.len() / 2])
}

fn args() -> (String, Vec<u32>, usize) {
    let mut out = None;
    let mut sizes = vec![1024, 2048, 4096];
    let mut runs = 7;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--out" => out = Some(v),
            "--sizes" => sizes = v.split(',').map(|s| s.parse().expect("a size")).collect(),
            "--runs" => runs = v.parse().expect("a count"),
            _ => panic!("unknown argument {a}"),
        }
    }
    (out.expect("--out DIR is required"), sizes, runs)
}

fn main() {
    let (dir, sizes, runs) = args();
    std::fs::create_dir_all(&dir).expect("the output folder");
    let unlimited = Limits {
        max_canvas_pixels: u64::MAX,
        ..Limits::default()
    };
    let t: Target = "16:9".parse().expect("a target");
    // The plain feathered blend (no seam corrections): the rows kept from earlier runs.
    let seam = |feather| SeamOptions::plain(feather, 0, Curve::Smoothstep);
    let mut rows: Vec<Value> = Vec::new();
    let mut ratios: Vec<Value> = Vec::new();
    let mut peaks: Vec<Value> = Vec::new();
    for &side in &sizes {
        let src = photo(side);
        let src_png = encode_png(src.view(), PngCompression::Default).expect("encodes");
        std::fs::write(format!("{dir}/src-{side}.png"), &src_png).expect("writes the source");
        let e = expand(side, side, &t, Anchor::Center).expect("expands");
        let (cw, ch) = (e.new_width as usize, e.new_height as usize);
        let canvas_bytes = cw * ch * 4;
        let mask_bytes = cw * ch;
        let n = if side >= 4096 {
            runs.div_ceil(2).max(3)
        } else {
            runs
        };
        let mut row = |op: &str, ms: f64| {
            rows.push(json!({ "size": side, "op": op, "ms": ms }));
            eprintln!("native {side} {op}: {ms:.3} ms");
        };
        let mut ratio = |op: &str, limit: &str, (ms, r): (f64, f64)| {
            ratios.push(json!({ "size": side, "op": op, "ms": ms, "limit": limit, "ratio": r }));
            eprintln!("native {side} {op}: {ms:.3} ms, {r:.2}x {limit} in the same pairs");
        };

        // The physical limit, canvas and mask bytes.
        let from = vec![7u8; canvas_bytes];
        let mut buf = vec![0u8; canvas_bytes];
        row(
            "limit memcpy canvas (reused)",
            time(n, || buf.copy_from_slice(&from)),
        );
        row(
            "limit memset canvas (reused)",
            time(n, || buf.fill(black_box(1))),
        );
        row(
            "limit memcpy canvas (fresh)",
            time(n, || {
                let mut v = Vec::with_capacity(canvas_bytes);
                v.extend_from_slice(&from);
                v
            }),
        );
        row(
            "limit memset canvas (fresh)",
            time(n, || vec![black_box(1u8); canvas_bytes]),
        );
        let mut mbuf = vec![0u8; mask_bytes];
        row(
            "limit memset mask (reused)",
            time(n, || mbuf.fill(black_box(1))),
        );
        row(
            "limit memset mask (fresh)",
            time(n, || vec![black_box(1u8); mask_bytes]),
        );

        row(
            "expand",
            time(n * 1000, || {
                expand(black_box(side), black_box(side), &t, Anchor::Center)
            }),
        );
        // Each operation paired with its limit: the allocating form with the same bytes
        // into a fresh buffer, the `_into` form with the same into a reused one.
        let (mut lim, mut mlim) = (vec![0u8; canvas_bytes], vec![0u8; mask_bytes]);
        let memcpy_fresh = || {
            let mut v = Vec::with_capacity(canvas_bytes);
            v.extend_from_slice(&from);
            v
        };
        let pairs = n * 3;
        for (name, fill) in [
            ("transparent", Fill::Transparent),
            ("edge", Fill::Edge),
            ("blur", Fill::Blur),
        ] {
            ratio(
                &format!("pad {name}"),
                "memcpy canvas (fresh)",
                paired(pairs, memcpy_fresh, || {
                    pad(src.view(), &e, fill, &unlimited).expect("pads")
                }),
            );
            ratio(
                &format!("pad {name} (reused)"),
                "memcpy canvas (reused)",
                paired(
                    pairs,
                    || lim.copy_from_slice(&from),
                    || pad_into(src.view(), &e, fill, &mut buf).expect("pads"),
                ),
            );
        }
        let layout = Layout::of(&e);
        for feather in [0, 32] {
            ratio(
                &format!("mask feather {feather}"),
                "memset mask (fresh)",
                paired(
                    pairs,
                    || vec![black_box(1u8); mask_bytes],
                    || build_mask(&layout, &seam(feather), MaskKind::Feathered).expect("masks"),
                ),
            );
            ratio(
                &format!("mask feather {feather} (reused)"),
                "memset mask (reused)",
                paired(
                    pairs,
                    || mlim.fill(black_box(1)),
                    || {
                        mask_into(&layout, &seam(feather), MaskKind::Feathered, &mut mbuf)
                            .expect("masks")
                    },
                ),
            );
        }
        let plan = fit(&e, &t, &Profile::full()).expect("fits");
        let generated = pad(src.view(), &e, Fill::Edge, &unlimited).expect("pads");
        ratio(
            "composite feather 32",
            "memcpy canvas (fresh)",
            paired(pairs, memcpy_fresh, || {
                composite(src.view(), generated.view(), &plan, &seam(32), &unlimited)
                    .expect("composites")
            }),
        );
        ratio(
            "composite feather 32 (reused)",
            "memcpy canvas (reused)",
            paired(
                pairs,
                || lim.copy_from_slice(&from),
                || {
                    composite_into(src.view(), generated.view(), &plan, &seam(32), &mut buf)
                        .expect("composites")
                },
            ),
        );
        // A provider's answer with a cast (the edge pad, R x 1.12, G x 1.08, B x 1.04), so
        // the corrections have something to do: the full composite (colour match, seam
        // field, detail band) against the plain blend of the same answer.
        let mut cast = generated.clone();
        for p in cast.data_mut().chunks_exact_mut(4) {
            for (c, k) in [1.12f32, 1.08, 1.04].into_iter().enumerate() {
                p[c] = (f32::from(p[c]) * k).round().min(255.0) as u8;
            }
        }
        let corrected = SeamOptions {
            feather: 32,
            ..SeamOptions::default()
        };
        ratio(
            "composite feather 32 corrected (cast answer)",
            "composite feather 32 plain",
            paired(
                pairs,
                || {
                    composite(src.view(), cast.view(), &plan, &seam(32), &unlimited)
                        .expect("composites")
                },
                || {
                    composite(src.view(), cast.view(), &plan, &corrected, &unlimited)
                        .expect("composites")
                },
            ),
        );
        let canvas = pad(src.view(), &e, Fill::Transparent, &unlimited).expect("pads");
        let (mask, _) = build_mask(&layout, &seam(32), MaskKind::Feathered).expect("masks");
        row(
            "png canvas fast",
            time(n, || {
                encode_png(canvas.view(), PngCompression::Fast).expect("encodes")
            }),
        );
        row(
            "png mask fast",
            time(n, || {
                encode_mask_png(&mask, PngCompression::Fast).expect("encodes")
            }),
        );
        row(
            "png canvas default",
            time(n.min(3), || {
                encode_png(canvas.view(), PngCompression::Default).expect("encodes")
            }),
        );
        drop((generated, canvas, mask, buf, mbuf, lim, mlim, from));

        // The whole pipelines, from the source PNG's bytes.
        let mut opts = PrepareOptions::new(t);
        opts.seam = seam(32);
        opts.limits = unlimited;
        let pipeline = |opts: &PrepareOptions| prepare_png(&src_png, opts).expect("prepares");
        row("prepare", time(n, || pipeline(&opts)));
        let mut blur = opts.clone();
        blur.fill = Fill::Blur;
        row(
            "run",
            time(n, || {
                let img = decode(&src_png, &blur.limits).expect("decodes");
                let (_, out) = run_local(img.view(), &blur).expect("runs");
                encode_png(out.view(), PngCompression::Fast).expect("encodes")
            }),
        );

        // Peak heap of one prepare, over what was live before (the source PNG's bytes).
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        black_box(pipeline(&opts));
        let peak = PEAK.load(Relaxed) - base;
        let budget = side as usize * side as usize * 4 + canvas_bytes + mask_bytes;
        eprintln!(
            "native {side} prepare peak heap: {:.1} MB = {:.2}x source + canvas + mask",
            peak as f64 / 1e6,
            peak as f64 / budget as f64
        );
        peaks.push(json!({ "size": side, "op": "prepare", "bytes": peak, "budget": budget }));
    }
    // The paired operations' own medians are results like the others.
    rows.extend(
        ratios
            .iter()
            .map(|r| json!({ "size": r["size"], "op": r["op"], "ms": r["ms"] })),
    );
    let doc = json!({ "impl": "native", "results": rows, "ratios": ratios, "peaks": peaks });
    std::fs::write(format!("{dir}/native.json"), doc.to_string()).expect("writes the results");
}
