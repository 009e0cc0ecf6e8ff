//! Replays the conformance vectors in `tests/vectors/` (made by an independent Python
//! oracle, `generate.py`). The wasm and C surfaces replay the same files.

use std::path::PathBuf;

use outpaint_core::geometry::Layout;
use outpaint_core::pixels::{build_mask, pad, Curve};
use outpaint_core::{
    expand, fit, Anchor, Expansion, Fill, Image, Limits, MaskKind, Profile, SeamOptions, Target,
};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("vector file");
    let v: Value = serde_json::from_str(&text).expect("vector JSON");
    v["cases"].as_array().expect("cases").clone()
}

fn u32_of(v: &Value) -> u32 {
    v.as_u64().expect("number") as u32
}

fn expansion_of(c: &Value) -> Result<Expansion, outpaint_core::Error> {
    let target: Target = c["target"].as_str().unwrap().parse()?;
    let anchor: Anchor = c["anchor"].as_str().unwrap().parse()?;
    expand(u32_of(&c["width"]), u32_of(&c["height"]), &target, anchor)
}

fn bytes(v: &Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect()
}

#[test]
fn expansion_vectors() {
    let cases = load("expansion.json");
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    for c in &cases {
        let got = expansion_of(c);
        match (&c["expect"], &c["error"]) {
            (Value::Object(_), _) => {
                let e = got.unwrap_or_else(|e| panic!("{c}: {e}"));
                assert_eq!(serde_json::to_value(e).unwrap(), c["expect"], "{c}");
            }
            (_, Value::String(code)) => {
                let err = got.expect_err(&c.to_string());
                assert_eq!(err.code().as_str(), code, "{c}");
            }
            _ => panic!("case without expect or error: {c}"),
        }
    }
}

#[test]
fn mask_vectors() {
    for c in load("mask.json") {
        let e = expansion_of(&c).unwrap();
        let opts = SeamOptions::plain(
            u32_of(&c["feather"]),
            u32_of(&c["overlap"]),
            c["curve"].as_str().unwrap().parse::<Curve>().unwrap(),
        );
        let kind: MaskKind = c["kind"].as_str().unwrap().parse().unwrap();
        let (m, seam) = build_mask(&Layout::of(&e), &opts, kind).unwrap();
        let x = &c["expect"];
        assert_eq!(m.width(), u32_of(&x["width"]), "{c}");
        assert_eq!(m.height(), u32_of(&x["height"]), "{c}");
        assert_eq!(seam.feather, u32_of(&x["feather"]), "{c}");
        assert_eq!(seam.overlap, u32_of(&x["overlap"]), "{c}");
        assert_eq!(m.data(), bytes(&x["data"]).as_slice(), "{c}");
    }
}

#[test]
fn canvas_vectors() {
    for c in load("canvas.json") {
        let e = expansion_of(&c).unwrap();
        let src = Image::from_rgba(
            u32_of(&c["width"]),
            u32_of(&c["height"]),
            bytes(&c["source"]),
        )
        .unwrap();
        let fill: Fill = c["fill"].as_str().unwrap().parse().unwrap();
        let out = pad(src.view(), &e, fill, &Limits::default()).unwrap();
        let x = &c["expect"];
        assert_eq!(out.width(), u32_of(&x["width"]));
        assert_eq!(out.height(), u32_of(&x["height"]));
        assert_eq!(
            out.data(),
            bytes(&x["data"]).as_slice(),
            "{} {} {}",
            c["target"],
            c["anchor"],
            c["fill"]
        );
    }
}

#[test]
fn fit_vectors() {
    for c in load("fit.json") {
        let e = expansion_of(&c).unwrap();
        let target: Target = c["target"].as_str().unwrap().parse().unwrap();
        let profile: Profile = c["profile"].as_str().unwrap().parse().unwrap();
        let p = fit(&e, &target, &profile).unwrap();
        let x = &c["expect"];
        if let Some(size) = x.get("size") {
            assert_eq!(
                [p.size.width, p.size.height],
                [u32_of(&size[0]), u32_of(&size[1])],
                "{c}"
            );
        }
        if let Some(scale) = x.get("scale") {
            assert_eq!(p.scale, scale.as_f64().unwrap(), "{c}");
        }
        if let Some(r) = x.get("image") {
            assert_eq!(
                [p.image.x, p.image.y, p.image.width, p.image.height],
                [u32_of(&r[0]), u32_of(&r[1]), u32_of(&r[2]), u32_of(&r[3])],
                "{c}"
            );
        }
        let four = |e: outpaint_core::geometry::Edges| [e.left, e.right, e.top, e.bottom];
        if let Some(r) = x.get("edges") {
            let want: Vec<u32> = r.as_array().unwrap().iter().map(u32_of).collect();
            assert_eq!(four(p.edges).to_vec(), want, "{c}");
        }
        if let Some(r) = x.get("padding") {
            let want: Vec<u32> = r.as_array().unwrap().iter().map(u32_of).collect();
            assert_eq!(four(p.padding).to_vec(), want, "{c}");
        }
        if let Some(a) = x.get("aspectRatio") {
            assert_eq!(p.aspect_ratio.as_deref(), a.as_str(), "{c}");
        }
    }
}
