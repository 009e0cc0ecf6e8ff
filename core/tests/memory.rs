//! The working-memory budget (`Limits::max_memory_bytes`) against what the operations
//! really allocate, measured by a counting allocator (this test binary's own).
//!
//! For each operation and picture: a budget just under the operation's measured peak
//! refuses it (the bound holds: a host that sets a budget never sees more allocated), and
//! one at three times the peak admits it (the bound does not refuse what would have fitted
//! many times over). Pictures: a photo-like gradient, white noise (its PNGs do not
//! compress), a strip, an `expand_all`, profiles that pad and that scale, results that map
//! back as they are and resampled. And the decoder's own budget: a small PNG whose
//! compressed ICC profile expands to 64 MB or 800 MB costs what its pixels cost, because
//! that budget comes from the header's own size (the profile over it is dropped, the
//! pixels decode); before, it was the budget of the largest picture the limits take.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use outpaint_core::codec::{decode, encode_jpeg, encode_png, PngCompression};
use outpaint_core::pixels::continue_scene;
use outpaint_core::prepare::OptionNames;
use outpaint_core::{
    composite, prepare, prepare_png, run_local, run_local_image, ErrorCode, Image, Limits,
    PrepareOptions, Source,
};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One test at a time: the harness runs tests on threads, and the counter is global.
static ONE: Mutex<()> = Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        NOW.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The most allocated at once while `f` runs, above what was allocated before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = NOW.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst) - base)
}

/// Limits with budget `bytes` and room for every picture here.
fn budget(bytes: u64) -> Limits {
    Limits {
        max_memory_bytes: bytes,
        max_pixels: 1 << 40,
        max_canvas_pixels: 1 << 40,
        ..Limits::default()
    }
}

/// Measures `op`'s peak, then checks the budget against it: just under the peak it is
/// refused (`IMAGE_TOO_LARGE`, about working memory, before its pixels), so the bound is
/// at least what is really allocated; at 3x the peak (plus 5 MB for the allowances of
/// small pictures) it runs, so the bound is not many times too pessimistic.
fn check(what: &str, op: impl Fn(Limits) -> Result<(), outpaint_core::Error>) {
    let (r, peak) = peak_of(|| op(budget(1 << 40)));
    r.unwrap_or_else(|e| panic!("{what}: {e}"));
    let peak = peak as u64;
    let e = op(budget(peak - 1)).expect_err(what);
    assert_eq!(e.code(), ErrorCode::ImageTooLarge, "{what}: {e}");
    let msg = e.to_string();
    assert!(msg.contains("working memory"), "{what}: {e}");
    let bound: f64 = msg
        .split("needs about ")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{what}: {msg}"));
    println!(
        "{what}: peak {:.1} MB, bound {bound} MB ({:.2}x)",
        peak as f64 / 1e6,
        bound * 1e6 / peak as f64
    );
    op(budget(3 * peak + (5 << 20))).unwrap_or_else(|e| panic!("{what}: {e}"));
}

/// A photo-like picture: smooth colour with some detail.
fn photo(w: u32, h: u32) -> Image {
    let mut d = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let t = ((x * 7 + y * 3) % 23) as u8;
            d.extend_from_slice(&[(x * 255 / w) as u8 ^ t, (y * 255 / h) as u8, 128 + t, 255]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

/// White noise (xorshift): nothing in it deflates.
fn noise(w: u32, h: u32) -> Image {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let d = (0..w * h * 4)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i % 4 == 3 {
                255
            } else {
                s as u8
            }
        })
        .collect();
    Image::from_rgba(w, h, d).unwrap()
}

fn options(target: &str, profile: &str, limits: Limits) -> PrepareOptions {
    let names = OptionNames {
        fill: Some("blur".into()),
        feather: 32,
        overlap: 8,
        profile: Some(profile.into()),
        ..OptionNames::default()
    };
    let mut o = PrepareOptions::from_names(target, &names).unwrap();
    o.limits = limits;
    o
}

const CASES: [(&str, u32, u32, &str, &str); 6] = [
    ("photo", 1200, 900, "16:9", "full"),
    ("noise", 1200, 900, "16:9", "full"),
    ("photo", 1000, 800, "expand_all", "full"),
    ("photo", 3, 2400, "16:9", "full"),
    ("photo", 1200, 900, "16:9", "openai"),
    ("photo", 1500, 1100, "16:9", "gemini"),
];

fn picture(kind: &str, w: u32, h: u32) -> Image {
    match kind {
        "noise" => noise(w, h),
        _ => photo(w, h),
    }
}

#[test]
fn every_preparation_stays_within_its_budget() {
    let _one = alone();
    for (kind, w, h, target, profile) in CASES {
        let img = picture(kind, w, h);
        let png = encode_png(img.view(), PngCompression::Fast).unwrap();
        let name = format!("{kind} {w}x{h} {target} {profile}");
        check(&format!("prepare {name}"), |l| {
            prepare(img.view(), &options(target, profile, l)).map(drop)
        });
        check(&format!("prepare_png {name}"), |l| {
            let o = options(target, profile, l);
            outpaint_core::prepare::prepare_png_image(img.view(), &o).map(drop)
        });
        check(&format!("prepare_png bytes {name}"), |l| {
            prepare_png(&png, &options(target, profile, l)).map(drop)
        });
    }
}

#[test]
fn every_offline_run_and_composite_stays_within_its_budget() {
    let _one = alone();
    for (kind, w, h, target, profile) in CASES {
        let img = picture(kind, w, h);
        let name = format!("{kind} {w}x{h} {target} {profile}");
        check(&format!("run_local {name}"), |l| {
            run_local(img.view(), &options(target, profile, l)).map(drop)
        });
        check(&format!("run_local_image {name}"), |l| {
            run_local_image(Source::Borrowed(img.view()), &options(target, profile, l)).map(drop)
        });
        let p = prepare(img.view(), &options(target, profile, budget(1 << 34))).unwrap();
        check(&format!("offline fill {name}"), |l| {
            continue_scene(&p.canvas, &p.plan.sent_layout(), &l).map(drop)
        });
        let generated = continue_scene(&p.canvas, &p.plan.sent_layout(), &budget(1 << 34)).unwrap();
        let seam = options(target, profile, Limits::default()).seam;
        check(&format!("composite {name}"), |l| {
            composite(img.view(), generated.view(), &p.plan, &seam, &l).map(drop)
        });
        // A provider's answer at another size than sent is resampled.
        let small = outpaint_core::pixels::resize(
            generated.view(),
            generated.width() / 2 + 1,
            generated.height() / 2 + 1,
            &budget(1 << 34),
        )
        .unwrap();
        check(&format!("composite of a resampled answer {name}"), |l| {
            composite(img.view(), small.view(), &p.plan, &seam, &l).map(drop)
        });
    }
}

/// What a door holds for `runLocal` of a square photo to 16:9: its copy of the original
/// (released once the canvas holds it), the canvas, the detail bands, the result: at most
/// twice the output canvas's bytes (it was 5.6 times).
#[test]
fn an_offline_run_to_16_9_peaks_under_twice_its_canvas() {
    let _one = alone();
    for side in [512u32, 1024] {
        let (out, peak) = peak_of(|| {
            let img = photo(side, side);
            run_local_image(
                Source::Owned(img),
                &options("16:9", "full", Limits::default()),
            )
            .unwrap()
        });
        let canvas = u64::from(out.width()) * u64::from(out.height()) * 4;
        let ratio = peak as f64 / canvas as f64;
        println!(
            "runLocal {side}x{side} -> {}x{}: peak {:.1} MB, {ratio:.2}x the canvas",
            out.width(),
            out.height(),
            peak as f64 / 1e6
        );
        assert!(ratio <= 2.0, "{side}: {ratio:.2}x");
        // Through `run_local` (prepare, the fill's own canvas, the composite) it is more.
        let (_, before) = peak_of(|| {
            let img = photo(side, side);
            run_local(img.view(), &options("16:9", "full", Limits::default())).unwrap()
        });
        assert!(
            before as f64 > 2.5 * canvas as f64,
            "{side}: run_local {before}"
        );
    }
}

#[test]
fn every_decode_stays_within_its_budget() {
    let _one = alone();
    // Big enough that the decoder's 16 MB header allowance is not most of the bound.
    let img = photo(3000, 2000);
    let rgba = encode_png(img.view(), PngCompression::Fast).unwrap();
    let jpeg = encode_jpeg(img.view(), 90).unwrap();
    // 16-bit RGB: the decoder's own pixels are 6 bytes each, then RGBA8.
    let mut wide = Vec::new();
    {
        let mut e = png::Encoder::new(&mut wide, 3000, 2000);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Sixteen);
        let data: Vec<u8> = img
            .data()
            .chunks_exact(4)
            .flat_map(|p| [p[0], 0, p[1], 0, p[2], 0])
            .collect();
        e.write_header().unwrap().write_image_data(&data).unwrap();
    }
    for (name, bytes) in [("png", &rgba), ("jpeg", &jpeg), ("16-bit png", &wide)] {
        check(&format!("decode {name}"), |l| decode(bytes, &l).map(drop));
    }
}

#[test]
fn a_bomb_canvas_is_refused_before_its_pixels() {
    let _one = alone();
    // The reliability audit's 147-byte strip: 1x14999 to 16:9 is a 26665x14999 canvas
    // (400 MP), which cost 5 GB natively and trapped wasm. It is refused by the default
    // budget at once, with nothing allocated but the error.
    let strip = photo(1, 14999);
    let mut o = options("16:9", "full", Limits::default());
    o.limits.max_canvas_pixels = 1 << 40;
    let (r, peak) = peak_of(|| run_local(strip.view(), &o));
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
    assert!(
        e.to_string()
            .contains("working memory; the budget is 1073 MB"),
        "{e}"
    );
    assert!(peak < 1 << 20, "{peak} bytes allocated to refuse it");
    // Within the default pixel limits the canvas is refused too, by its size.
    let e = run_local(strip.view(), &options("16:9", "full", Limits::default())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ImageTooLarge);
}

/// `png` with an iCCP chunk (profile `profile`, deflated) right after its IHDR.
fn with_icc(png: &[u8], profile_len: usize) -> Vec<u8> {
    let mut chunk = b"iCCPbomb\0\0".to_vec();
    chunk.extend_from_slice(&fdeflate::compress_to_vec(&vec![0u8; profile_len]));
    let mut out = png[..33].to_vec();
    out.extend_from_slice(&((chunk.len() - 4) as u32).to_be_bytes());
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32fast::hash(&chunk).to_be_bytes());
    out.extend_from_slice(&png[33..]);
    out
}

#[test]
fn an_icc_bomb_on_a_small_png_costs_what_its_pixels_cost() {
    let _one = alone();
    let mut data = Vec::new();
    for i in 0..24 * 16u32 {
        data.extend_from_slice(&[(i * 7) as u8, (i * 3) as u8, 90, 255]);
    }
    let img = Image::from_rgba(24, 16, data).unwrap();
    let png = encode_png(img.view(), PngCompression::Fast).unwrap();
    for mb in [64usize, 800] {
        let bomb = with_icc(&png, mb << 20);
        assert!(
            bomb.len() < mb << 20 >> 6,
            "{mb} MB: a {} byte file",
            bomb.len()
        );
        let (decoded, peak) = peak_of(|| decode(&bomb, &Limits::default()));
        assert_eq!(decoded.unwrap(), img, "{mb} MB");
        // The budget is 8 bytes a pixel plus 16 MB: the profile is inflated up to it and
        // dropped; the rest is the decoder's own buffers (before: the whole profile).
        println!(
            "{mb} MB profile in {} bytes: {peak} bytes at the peak",
            bomb.len()
        );
        assert!(peak < 32 << 20, "{mb} MB profile: {peak} bytes at the peak");
    }
}
