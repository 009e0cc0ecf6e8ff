//! Target, anchor, fill, curve, mask, colour, profile and seam names as every door
//! receives them (lines of text; the first is the target), then the geometry they give
//! for a small picture: typed errors, never a panic; a plan that is made fits its canvas.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint_core::prepare::OptionNames;
use outpaint_core::providers::Registry;
use outpaint_core::{expand, fit, prepare, Image, PrepareOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let target = lines.next().unwrap_or("");
    let mut line = || lines.next().map(str::to_string);
    let names = OptionNames {
        anchor: line(),
        fill: line(),
        curve: line(),
        mask: line(),
        colour: line(),
        profile: line(),
        feather: line().and_then(|s| s.parse().ok()).unwrap_or(0),
        overlap: line().and_then(|s| s.parse().ok()).unwrap_or(0),
        ..OptionNames::default()
    };
    // The same names as a JSON options object, the npm door's form.
    let _ = OptionNames::from_json(serde_json::json!({
        "anchor": names.anchor, "fill": names.fill, "profile": names.profile,
        "feather": names.feather, "overlap": names.overlap,
    }));
    if let Some(p) = &names.profile {
        let _ = Registry::builtin().profile(p);
    }
    let Ok(mut opts) = PrepareOptions::from_names(target, &names) else {
        return;
    };
    opts.limits.max_canvas_pixels = 1_000_000;
    opts.limits.max_memory_bytes = 64 << 20;
    for (w, h) in [(1, 1), (37, 23), (64, 48)] {
        let Ok(e) = expand(w, h, &opts.target, opts.anchor) else {
            continue;
        };
        assert!(e.new_width >= w && e.new_height >= h);
        if let Ok(plan) = fit(&e, &opts.target, &opts.profile) {
            assert!(plan.content.x + plan.content.width <= plan.size.width);
            assert!(plan.content.y + plan.content.height <= plan.size.height);
        }
        let img = Image::from_rgba(w, h, vec![128; (w * h * 4) as usize]).unwrap();
        if let Ok(p) = prepare(img.view(), &opts) {
            assert_eq!(
                (p.canvas.width(), p.canvas.height()),
                (p.plan.size.width, p.plan.size.height)
            );
        }
    }
});
