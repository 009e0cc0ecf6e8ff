//! Any bytes through the decoder (PNG, APNG, JPEG, WebP: the seeds hold each) with small
//! limits: a typed error or a picture of the size its header said, never a panic, and
//! never more memory than the budget (libFuzzer's -rss_limit_mb catches the rest).
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint_core::codec::{decode, probe};
use outpaint_core::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pixels: 4_000_000,
        max_canvas_pixels: 4_000_000,
        max_memory_bytes: 256 << 20,
        ..Limits::default()
    };
    let header = probe(data, &limits);
    match decode(data, &limits) {
        Ok(img) => {
            let h = header.expect("a decodable image has a header");
            // EXIF orientation may turn it a quarter.
            let (w, hh) = (img.width(), img.height());
            assert!(
                (w, hh) == (h.width, h.height) || (w, hh) == (h.height, h.width),
                "decoded {w}x{hh} from a {}x{} header",
                h.width,
                h.height
            );
            assert_eq!(img.data().len(), w as usize * hh as usize * 4);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
