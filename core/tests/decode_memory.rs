//! What a decode allocates, measured by a counting allocator (this test binary's own):
//! a small PNG whose compressed ICC profile expands to 64 MB or 800 MB costs what its
//! pixels cost, because the decoder's budget comes from the header's own size (the
//! profile over it is dropped, the pixels decode). Before, it was allowed the budget of
//! the largest picture the limits take (864 MB), and an 800 MB profile was inflated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use outpaint_core::codec::{decode, encode_png, PngCompression};
use outpaint_core::{Image, Limits};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

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
