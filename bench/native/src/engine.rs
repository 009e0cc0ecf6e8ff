//! The engine benchmark, Rust side (`bench/engine.sh` runs it beside Node and C):
//!
//! 1. A four-model generate whose provider answers each call after `--delay-ms` (a real
//!    sleep, as a remote provider would take): wall time through the blocking host, which
//!    performs every effect at once. Sequential calls would take four delays.
//! 2. Bytes allocated by each `poll_effect` of an outpaint of a `--side`-pixel square
//!    image, driven by hand: the poll that prepares and hands out the provider call, polls
//!    while it is in flight, and the poll that hands out the composited image's write
//!    (moved out: its allocation is not the image's size).
//!
//! `outpaint-bench-engine [--delay-ms 1000] [--side 2048]` prints one JSON object.

mod counting;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use counting::TOTAL;
use outpaint_core::engine::{Effect, EffectId, Engine, Job};
use outpaint_core::host::{run, LocalProvider, MemoryStore, Provider, Storage, SystemClock};
use outpaint_core::providers::{local_call, ProviderFailure};
use outpaint_core::session::Model;
use outpaint_core::{encode_png, EngineConfig, Image, Limits, Operation, PngCompression};
use serde_json::json;

/// The local provider after a delay, like a remote one.
struct Slow(Duration);

impl Provider for Slow {
    fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
        std::thread::sleep(self.0);
        LocalProvider.call(job)
    }
}

fn args() -> (u64, u32) {
    let a: Vec<String> = std::env::args().collect();
    let num = |name: &str, d: u64| {
        a.iter()
            .position(|x| x == name)
            .and_then(|i| a.get(i + 1))
            .map_or(d, |v| v.parse().expect("a number"))
    };
    (num("--delay-ms", 1000), num("--side", 2048) as u32)
}

/// Performs a storage effect against `store` and answers it.
fn storage(engine: &mut Engine, store: &MemoryStore, id: EffectId, e: Effect) {
    let r = match e {
        Effect::Get { key } => engine.handle_get(id, store.get(&key)),
        Effect::Put {
            key,
            body,
            expected,
        } => engine.handle_put(id, store.put(&key, &body, &expected)),
        Effect::List { prefix } => engine.handle_list(id, store.list(&prefix)),
        other => panic!("not a storage effect: {other:?}"),
    };
    r.expect("a well-formed answer");
}

fn main() {
    let (delay_ms, side) = args();
    let models = Model::ALL.to_vec();

    // 1. Four providers at once.
    let store = MemoryStore::new();
    let start = Instant::now();
    let op = Operation::Generate {
        prompt: "a lake at dawn".into(),
        models,
        image: None,
    };
    let out = run(
        op,
        EngineConfig::default(),
        &store,
        &Slow(Duration::from_millis(delay_ms)),
        &SystemClock,
        1,
    )
    .expect("generate");
    let generate_ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(out.session.is_some_and(|s| s
        .models
        .iter()
        .all(|(_, c)| c.iterations[0].image_key.is_some())));

    // 2. Allocations per poll of an outpaint of a side x side image.
    let mut px = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            px.extend([(x * 255 / side) as u8, (y * 255 / side) as u8, 128, 255]);
        }
    }
    let img = Image::from_rgba(side, side, px).expect("an image");
    let png = encode_png(img.view(), PngCompression::Fast).expect("encodes");
    let store = MemoryStore::new();
    let op = Operation::Generate {
        prompt: "a lake".into(),
        models: vec![Model::Flux],
        image: Some(png.clone()),
    };
    let s = run(
        op,
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &SystemClock,
        2,
    )
    .expect("generate with the image")
    .session
    .expect("a session");
    let config = EngineConfig {
        limits: Limits::default(),
        ..EngineConfig::default()
    };
    let op = Operation::Outpaint {
        session_id: s.session_id,
        model: Model::Flux,
        preset: "16:9".into(),
        prompt: None,
        iteration_index: Some(0),
    };
    let mut engine = Engine::new(op, config, 1, 3);
    let mut polls = Vec::new();
    let mut call_bytes = 0usize;
    let mut image_put = None;
    loop {
        let before = TOTAL.load(Relaxed);
        let next = engine.poll_effect(2);
        let allocated = TOTAL.load(Relaxed) - before;
        let Some((id, effect)) = next else {
            polls.push(json!({ "effect": "none", "allocated": allocated }));
            if let Some(out) = engine.poll_outcome() {
                out.expect("outpaint");
                break;
            }
            continue;
        };
        match effect {
            Effect::Call { job } => {
                let o = job.outpaint.as_ref().expect("an outpaint job");
                call_bytes = o.canvas_png.len() + o.mask_png.len() + png.len();
                polls.push(
                    json!({ "effect": "call", "allocated": allocated, "jobBytes": call_bytes }),
                );
                // A poll while the call is out hands out nothing and allocates nothing.
                let before = TOTAL.load(Relaxed);
                assert!(engine.poll_effect(2).is_none());
                let again = TOTAL.load(Relaxed) - before;
                polls.push(json!({ "effect": "none (call in flight)", "allocated": again }));
                engine.handle_call(id, local_call(&job)).expect("answer");
            }
            Effect::Put {
                ref key, ref body, ..
            } if key.contains("/images/") => {
                image_put = Some((allocated, body.len()));
                polls.push(json!({ "effect": "put image", "allocated": allocated, "bodyBytes": body.len() }));
                storage(&mut engine, &store, id, effect);
            }
            e => {
                polls.push(json!({ "effect": e.kind().as_str(), "allocated": allocated }));
                storage(&mut engine, &store, id, e);
            }
        }
    }
    // 3. A four-model generate by hand: one poll queues the four calls, the next three
    // only move queued effects out (each job owned by its effect, never copied).
    let store = MemoryStore::new();
    let op = Operation::Generate {
        prompt: "a lake".into(),
        models: Model::ALL.to_vec(),
        image: Some(png.clone()),
    };
    let mut engine = Engine::new(op, EngineConfig::default(), 1, 4);
    let mut queued = Vec::new();
    let mut calls = Vec::new();
    loop {
        let before = TOTAL.load(Relaxed);
        let Some((id, effect)) = engine.poll_effect(2) else {
            break;
        };
        let allocated = TOTAL.load(Relaxed) - before;
        match effect {
            Effect::Call { job } => {
                let bytes = job.source_bytes().map_or(0, <[u8]>::len);
                queued.push(json!({ "allocated": allocated, "jobBytes": bytes }));
                calls.push((id, job));
            }
            e => storage(&mut engine, &store, id, e),
        }
    }
    assert_eq!(calls.len(), 4);
    println!(
        "{}",
        json!({
            "door": "rust",
            "delayMs": delay_ms,
            "generateMs": generate_ms,
            "side": side,
            "callJobBytes": call_bytes,
            "imagePut": image_put.map(|(a, b)| json!({ "allocated": a, "bodyBytes": b })),
            "polls": polls,
            "generateCalls": queued,
        })
    );
}
