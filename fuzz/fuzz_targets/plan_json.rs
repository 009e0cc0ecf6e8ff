//! A plan as JSON, as the CLI's `composite --plan`, the C `outpaint_composite` and the npm
//! `composite` receive it from anywhere, then the composite of a small original and answer
//! through it: a typed error for a plan that does not hold together, never a panic or an
//! out-of-bounds read; a composite that is made has the plan's canvas size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint_core::pixels::Curve;
use outpaint_core::{composite, Image, Limits, Plan, SeamOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = serde_json::from_slice::<Plan>(data) else {
        return;
    };
    let limits = Limits {
        max_canvas_pixels: 1_000_000,
        max_memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let e = plan.expansion;
    let ow = e
        .new_width
        .saturating_sub(e.left.saturating_add(e.right))
        .clamp(1, 64);
    let oh = e
        .new_height
        .saturating_sub(e.top.saturating_add(e.bottom))
        .clamp(1, 64);
    let original = Image::from_rgba(ow, oh, vec![90; (ow * oh * 4) as usize]).unwrap();
    let (rw, rh) = (
        plan.size.width.clamp(1, 128),
        plan.size.height.clamp(1, 128),
    );
    let answer = Image::from_rgba(rw, rh, vec![200; (rw * rh * 4) as usize]).unwrap();
    for seam in [
        SeamOptions::plain(0, 0, Curve::Linear),
        SeamOptions {
            feather: 8,
            ..SeamOptions::default()
        },
    ] {
        if let Ok((img, _)) = composite(original.view(), answer.view(), &plan, &seam, &limits) {
            assert_eq!((img.width(), img.height()), (e.new_width, e.new_height));
        }
    }
});
