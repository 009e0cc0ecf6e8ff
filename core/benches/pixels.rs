//! Pixel throughput of expand, pad, mask, composite and PNG encode, side by side with the
//! physical limit: a memset / memcpy of the same output bytes into a reused buffer.
//!
//! `cargo bench -p outpaint-core --bench pixels`; set `OUTPAINT_BENCH_SMOKE=1` for a
//! tiny-size run (the test command does that with `-- --test`).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use outpaint_core::codec::encode_mask_png;
use outpaint_core::geometry::Layout;
use outpaint_core::pixels::{composite_into, mask_into, pad, pad_into, Curve};
use outpaint_core::{
    composite, encode_png, expand, fit, Anchor, Expansion, Fill, Image, Limits, Mask, MaskKind,
    PngCompression, Profile, SeamOptions, Target,
};

fn sizes() -> Vec<u32> {
    if std::env::var_os("OUTPAINT_BENCH_SMOKE").is_some() {
        vec![64]
    } else {
        vec![1024, 2048, 4096]
    }
}

fn photo(side: u32) -> Image {
    let mut d = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            d.extend_from_slice(&[
                (x & 0xFF) as u8,
                (y & 0xFF) as u8,
                ((x ^ y) & 0xFF) as u8,
                255,
            ]);
        }
    }
    Image::from_rgba(side, side, d).unwrap()
}

fn setup(side: u32) -> (Image, Expansion, Target) {
    let t: Target = "16:9".parse().unwrap();
    let e = expand(side, side, &t, Anchor::Center).unwrap();
    (photo(side), e, t)
}

fn limits() -> Limits {
    Limits {
        max_canvas_pixels: u64::MAX,
        ..Limits::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pixels");
    g.sample_size(10);
    for side in sizes() {
        let (src, e, t) = setup(side);
        let canvas_bytes = e.new_width as usize * e.new_height as usize * 4;
        let mask_bytes = canvas_bytes / 4;
        let name = format!("{side}");
        g.throughput(Throughput::Bytes(canvas_bytes as u64));

        g.bench_function(BenchmarkId::new("expand", &name), |b| {
            b.iter(|| expand(black_box(side), black_box(side), &t, Anchor::Center))
        });

        // The limit: memset and memcpy of the canvas's bytes into a reused buffer.
        let mut buf = vec![0u8; canvas_bytes];
        let other = vec![7u8; canvas_bytes];
        g.bench_function(BenchmarkId::new("limit-memset-canvas", &name), |b| {
            b.iter(|| buf.fill(black_box(1)))
        });
        g.bench_function(BenchmarkId::new("limit-memcpy-canvas", &name), |b| {
            b.iter(|| buf.copy_from_slice(black_box(&other)))
        });
        g.bench_function(BenchmarkId::new("limit-alloc-memset-canvas", &name), |b| {
            b.iter(|| black_box(vec![1u8; canvas_bytes]))
        });

        for fill in [
            Fill::Transparent,
            Fill::Color([128, 128, 128, 255]),
            Fill::Edge,
            Fill::Mirror,
            Fill::Blur,
        ] {
            let label = match fill {
                Fill::Color(_) => "color".to_string(),
                f => f.to_string(),
            };
            g.bench_function(BenchmarkId::new(format!("pad_into-{label}"), &name), |b| {
                b.iter(|| pad_into(src.view(), &e, fill, &mut buf).unwrap())
            });
            g.bench_function(BenchmarkId::new(format!("pad-{label}"), &name), |b| {
                b.iter(|| black_box(pad(src.view(), &e, fill, &limits()).unwrap()))
            });
        }

        let layout = Layout::of(&e);
        let mut mbuf = vec![0u8; mask_bytes];
        g.throughput(Throughput::Bytes(mask_bytes as u64));
        g.bench_function(BenchmarkId::new("limit-memset-mask", &name), |b| {
            b.iter(|| mbuf.fill(black_box(1)))
        });
        for feather in [0, 64] {
            let opts = SeamOptions {
                feather,
                overlap: 0,
                curve: Curve::Smoothstep,
                ..SeamOptions::default()
            };
            g.bench_function(
                BenchmarkId::new(format!("mask_into-feather{feather}"), &name),
                |b| b.iter(|| mask_into(&layout, &opts, MaskKind::Feathered, &mut mbuf).unwrap()),
            );
        }

        g.throughput(Throughput::Bytes(canvas_bytes as u64));
        let plan = fit(&e, &t, &Profile::full()).unwrap();
        let result = pad(src.view(), &e, Fill::Edge, &limits()).unwrap();
        for feather in [0, 32] {
            let seam = SeamOptions {
                feather,
                overlap: 0,
                curve: Curve::Smoothstep,
                ..SeamOptions::default()
            };
            g.bench_function(
                BenchmarkId::new(format!("composite_into-feather{feather}"), &name),
                |b| {
                    b.iter(|| {
                        composite_into(src.view(), result.view(), &plan, &seam, &mut buf).unwrap()
                    })
                },
            );
            g.bench_function(
                BenchmarkId::new(format!("composite-feather{feather}"), &name),
                |b| {
                    b.iter(|| {
                        black_box(
                            composite(src.view(), result.view(), &plan, &seam, &limits()).unwrap(),
                        )
                    })
                },
            );
        }

        let canvas = pad(src.view(), &e, Fill::Edge, &limits()).unwrap();
        let mask = Mask::from_bytes(e.new_width, e.new_height, mbuf.clone()).unwrap();
        g.bench_function(BenchmarkId::new("png-fast-canvas", &name), |b| {
            b.iter(|| encode_png(canvas.view(), PngCompression::Fast).unwrap())
        });
        g.bench_function(BenchmarkId::new("png-fast-mask", &name), |b| {
            b.iter(|| encode_mask_png(&mask, PngCompression::Fast).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
