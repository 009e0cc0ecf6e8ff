//! Engine transcripts (`tests/vectors/engine/*.json`), replayed through the Rust engine:
//! each is one or more operations, each a list of steps (drain the effects, answering
//! storage from a shared in-memory store; answer calls and HTTP requests; pass deadlines;
//! misuse) with the effects every drain must hand out and the outcome. The npm package
//! (`tests/js/transcripts.test.mjs`) and the C library (`tests/c/transcripts.c`) replay the
//! same files; the three must agree byte for byte.
//!
//! Each run has `operation` and `config` as JSON text (`{session}` stands for the session
//! id the previous run produced), `now`, `seed` and `steps`: `{"drain": now}` polls until
//! nothing is left, answering storage effects from the store, and lists every effect
//! handed out as one digest line (`effects`); `{"local": [ids] | "all"}`, `{"fail": id,
//! "kind", "message"}`, `{"respond": id, "status", "headers", "body"}`, `{"transport":
//! id, "timeout", "message"}` answer calls and HTTP requests; `{"timeout": now}` checks the
//! `deadline` and passes the time; `{"interfere": suffix}` arms another writer;
//! `{"failStorage": kind, "message"}` fails the next storage effect of that kind;
//! `{"misuse": kind, "id"}` answers wrongly and checks the `status`. The run ends with its
//! `outcome` (JSON text) or `error` (`CODE: message`).
//!
//! Used by `core/tests/transcripts.rs` (over memory) and `store/tests/transcripts.rs`
//! (over a real S3 server). `OUTPAINT_RECORD=1 cargo test -p outpaint-core --test
//! transcripts` rewrites the expectations (`effects`, `deadline`, `status`, `outcome`) from
//! this engine: review the diff.

use std::collections::BTreeMap;
use std::sync::Arc;

use outpaint_core::engine::{Effect, EffectId, EffectKind, Engine, Expect, Job};
use outpaint_core::providers::{
    local_call, FailureKind, ProviderFailure, Response, TransportError,
};
use outpaint_core::{EngineConfig, Operation};
use serde_json::{json, Value};

use super::TestStore;

/// What the runs of one transcript share: the store, and the last session id an
/// operation produced (`{session}` in later operations).
struct Shared {
    store: TestStore,
    session: String,
}

/// A body as the digest shows it: JSON text as is, anything else by its size.
fn body(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(t) if t.starts_with('{') => t.to_string(),
        _ => format!("<{} bytes>", b.len()),
    }
}

/// One line per effect, the same on every door.
fn digest(id: EffectId, e: &Effect) -> String {
    let id = id.0;
    match e {
        Effect::Get { key } => format!("#{id} get {key}"),
        Effect::List { prefix } => format!("#{id} list {prefix}"),
        Effect::Put {
            key,
            body: b,
            expected,
        } => {
            let expect = match expected {
                Expect::Any => "any".to_string(),
                Expect::Absent => "absent".to_string(),
                Expect::Tag(t) => format!("tag:{t}"),
            };
            format!("#{id} put {key} {expect} {}", body(b))
        }
        Effect::Call { job } => {
            let mut d = format!("#{id} call {} {} {}", job.model, job.kind, job.prompt);
            if let Some(o) = &job.outpaint {
                let plan = serde_json::to_string(&o.plan).expect("plans serialise");
                d += &format!(
                    " canvas <{} bytes> mask <{} bytes> plan {plan}",
                    o.canvas_png.len(),
                    o.mask_png.len()
                );
            }
            d
        }
        Effect::Http { model, request } => format!(
            "#{id} http {model} {} {} {}",
            request.method.as_str(),
            request.url,
            body(&request.body)
        ),
    }
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} must be a number in {v}"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} must be a string in {v}"))
}

/// Replays one operation's steps; with `record`, writes the expectations instead of
/// checking them.
fn replay_run(run: &mut Value, shared: &mut Shared, record: bool, name: &str) {
    let store = &shared.store;
    let text = str_of(run, "operation").replace("{session}", &shared.session);
    let op = Operation::parse(&text, None).expect("an operation");
    let config = match run.get("config").and_then(Value::as_str) {
        Some(c) => {
            EngineConfig::from_json(serde_json::from_str(c).expect("JSON")).expect("a config")
        }
        None => EngineConfig::default(),
    };
    let mut engine = Engine::new(op, config, u64_of(run, "now"), u64_of(run, "seed"));
    let mut jobs: BTreeMap<u64, Arc<Job>> = BTreeMap::new();
    let steps = run["steps"].as_array_mut().expect("steps");
    for (n, step) in steps.iter_mut().enumerate() {
        let at = format!("{name} step {n}");
        if let Some(t) = step.get("drain").and_then(Value::as_u64) {
            let mut seen = Vec::new();
            while let Some((id, e)) = engine.poll_effect(t) {
                seen.push(Value::String(digest(id, &e)));
                match e {
                    Effect::Call { job } => {
                        jobs.insert(id.0, job);
                    }
                    Effect::Http { .. } => {}
                    e => {
                        store.answer(&mut engine, id, &e);
                    }
                }
            }
            if record {
                step["effects"] = Value::Array(seen);
            } else {
                assert_eq!(&Value::Array(seen), &step["effects"], "{at}");
            }
        } else if let Some(ids) = step.get("local") {
            // `"all"`: every call in flight, oldest first.
            let ids: Vec<u64> = match ids.as_str() {
                Some("all") => jobs.keys().copied().collect(),
                _ => ids
                    .as_array()
                    .expect("ids")
                    .iter()
                    .map(|i| i.as_u64().expect("an id"))
                    .collect(),
            };
            for id in ids {
                let job = jobs
                    .remove(&id)
                    .unwrap_or_else(|| panic!("{at}: no call #{id} in flight ({:?})", jobs.keys()));
                engine
                    .handle_call(EffectId(id), local_call(&job))
                    .expect(&at);
            }
        } else if step.get("fail").is_some() {
            let f = ProviderFailure::new(
                str_of(step, "kind").parse::<FailureKind>().expect("a kind"),
                str_of(step, "message"),
            )
            .with_retry_after(step["retryAfterMs"].as_u64());
            let id = u64_of(step, "fail");
            jobs.remove(&id);
            engine.handle_call(EffectId(id), Err(f)).expect(&at);
        } else if step.get("respond").is_some() {
            let headers = step["headers"]
                .as_array()
                .map(|hs| {
                    hs.iter()
                        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
                        .collect()
                })
                .unwrap_or_default();
            let r = Response {
                status: u64_of(step, "status") as u16,
                headers,
                body: str_of(step, "body").as_bytes().to_vec(),
            };
            engine
                .handle_http(EffectId(u64_of(step, "respond")), Ok(r))
                .expect(&at);
        } else if step.get("transport").is_some() {
            let e = TransportError {
                timeout: step["timeout"].as_bool() == Some(true),
                message: str_of(step, "message").into(),
            };
            engine
                .handle_http(EffectId(u64_of(step, "transport")), Err(e))
                .expect(&at);
        } else if let Some(t) = step.get("timeout").and_then(Value::as_u64) {
            let deadline = engine.poll_timeout().map_or(Value::Null, |d| json!(d));
            if record {
                step["deadline"] = deadline;
            } else {
                assert_eq!(deadline, step["deadline"], "{at}");
            }
            engine.handle_timeout(t);
        } else if let Some(suffix) = step.get("interfere").and_then(Value::as_str) {
            store.interfere_after_get(suffix);
        } else if let Some(kind) = step.get("failStorage").and_then(Value::as_str) {
            let kind: EffectKind = kind.parse().expect("get, put or list");
            store.fail_once(kind, str_of(step, "message"));
        } else if let Some(kind) = step.get("misuse").and_then(Value::as_str) {
            let id = EffectId(u64_of(step, "id"));
            let r = match kind {
                "get" => engine.handle_get(id, Ok(None)),
                "put" => engine.handle_put(id, Ok(None)),
                "list" => engine.handle_list(id, Ok(Vec::new())),
                "call" => engine.handle_call(id, Err(ProviderFailure::rejected("misuse"))),
                "http" => engine.handle_http(id, Ok(Response::default())),
                other => panic!("{at}: unknown misuse {other}"),
            };
            let got = match r {
                Ok(()) => "OK".to_string(),
                Err(m) => misuse_name(&m).to_string(),
            };
            if record {
                step["status"] = json!(got);
            } else {
                assert_eq!(json!(got), step["status"], "{at}");
            }
        } else {
            panic!("{at}: unknown step {step}");
        }
    }
    let outcome = engine.poll_outcome().expect("the operation is over");
    let (key, value) = match outcome {
        Ok(o) => {
            if let Some(s) = &o.session {
                shared.session = s.session_id.to_string();
            }
            (
                "outcome",
                json!(serde_json::to_string(&o).expect("serialises")),
            )
        }
        Err(e) => ("error", json!(e.to_string())),
    };
    if record {
        run.as_object_mut().unwrap().remove("outcome");
        run.as_object_mut().unwrap().remove("error");
        run[key] = value;
    } else {
        assert_eq!(&run[key], &value, "{name}: the {key}");
    }
}

fn misuse_name(m: &outpaint_core::engine::Misuse) -> &'static str {
    use outpaint_core::engine::Misuse;
    match m {
        Misuse::UnknownEffect(_) => "UNKNOWN_EFFECT",
        Misuse::AlreadyAnswered(_) => "ALREADY_ANSWERED",
        Misuse::WrongAnswer { .. } => "WRONG_ANSWER",
    }
}

/// Replays every transcript, each over a fresh store from `store(name)`; with `record`,
/// rewrites the files instead of checking them.
pub fn replay_all(store: impl Fn(&str) -> TestStore, record: bool) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/engine");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/vectors/engine")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 12,
        "expected the transcripts, found {}",
        names.len()
    );
    for path in names {
        let text = std::fs::read_to_string(&path).expect("reads");
        let mut t: Value = serde_json::from_str(&text).expect("JSON");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut shared = Shared {
            store: store(&name),
            session: String::new(),
        };
        for run in t["runs"].as_array_mut().expect("runs") {
            replay_run(run, &mut shared, record, &name);
        }
        if record {
            let out = serde_json::to_string_pretty(&t).expect("serialises") + "\n";
            std::fs::write(&path, out).expect("writes");
        }
    }
}
