//! The session engine end to end through the blocking host driver (threads, a clock):
//! provider faults, concurrency through a compare-and-swap store, storage faults, the
//! stale-iteration rule. The flows themselves (generate, iterate, outpaint, status,
//! gallery, the budget) are transcripts in `tests/vectors/engine`, replayed by every door.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

use outpaint_core::engine::{EffectKind, Job, JobKind};
use outpaint_core::host::{run, Clock, LocalProvider, MemoryStore, Provider, Storage};
use outpaint_core::providers::{FailureKind, ProviderFailure};
use outpaint_core::session::{
    IterationStatus, Model, ModelStatus, Session, SessionId, SessionStatus,
};
use outpaint_core::{EngineConfig, ErrorCode, Operation, Outcome};

mod support;
use support::{TestClock, TestStore};

fn go(op: Operation, store: &dyn Storage, provider: &dyn Provider, clock: &TestClock) -> Outcome {
    // A fresh seed per operation, as a host's randomness would be.
    let seed = clock.peek();
    run(op, EngineConfig::default(), store, provider, clock, seed).unwrap()
}

fn generate(store: &MemoryStore, clock: &TestClock, models: &[Model]) -> Session {
    go(
        Operation::Generate {
            prompt: "  a lake at dawn ".into(),
            models: models.to_vec(),
            image: None,
        },
        store,
        &LocalProvider,
        clock,
    )
    .session
    .unwrap()
}

/// A provider that fails according to a script, then behaves like `local`.
struct Faulty {
    fails_left: Counter,
    failure: ProviderFailure,
    garbage: bool,
    calls: Counter,
}

/// A shared counter (providers are called from the driver's threads).
#[derive(Default)]
struct Counter(AtomicU32);

impl Counter {
    fn new(n: u32) -> Self {
        Counter(AtomicU32::new(n))
    }
    fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
    fn set(&self, n: u32) {
        self.0.store(n, Ordering::SeqCst)
    }
}

impl Faulty {
    fn new(fails: u32, failure: ProviderFailure) -> Self {
        Faulty {
            fails_left: Counter::new(fails),
            failure,
            garbage: false,
            calls: Counter::new(0),
        }
    }
}

impl Provider for Faulty {
    fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
        self.calls.set(self.calls.get() + 1);
        if job.kind != JobKind::Generate && self.fails_left.get() > 0 {
            self.fails_left.set(self.fails_left.get() - 1);
            if self.garbage {
                return Ok(b"\x89PNG\r\n\x1a\nnot really".to_vec());
            }
            return Err(self.failure.clone());
        }
        LocalProvider.call(job)
    }
}

fn failing(msg: &str, kind: FailureKind) -> ProviderFailure {
    ProviderFailure::new(kind, msg)
}

fn iterate_with(
    store: &MemoryStore,
    clock: &TestClock,
    id: &SessionId,
    p: &dyn Provider,
    cfg: EngineConfig,
) -> Outcome {
    run(
        Operation::Iterate {
            session_id: id.clone(),
            model: Model::Flux,
            prompt: "brighter".into(),
        },
        cfg,
        store,
        p,
        clock,
        7,
    )
    .unwrap()
}

#[test]
fn provider_faults() {
    let store = MemoryStore::new();
    let clock = TestClock::ticking();
    let id = generate(&store, &clock, &[Model::Flux, Model::Openai]).session_id;

    // Fails once: retried after 2 s and succeeds.
    let p = Faulty::new(1, failing("503 busy", FailureKind::Transient));
    let out = iterate_with(&store, &clock, &id, &p, EngineConfig::default());
    assert_eq!(p.calls.get(), 2);
    assert_eq!(out.stats.provider_retries, 1);
    // The retry waits until 2 s after the failure (this clock ticks 1 ms per read, so
    // the host sleeps what is left of the 2 s when it gets there).
    let slept = clock.waits();
    assert!(
        slept.iter().any(|ms| (1990..=2000).contains(ms)),
        "{slept:?}"
    );
    let s = out.session.unwrap();
    assert_eq!(
        s.models.flux.iterations[1].status,
        IterationStatus::Completed
    );

    // Fails twice: the iteration is in error; the column has completions -> partial.
    let p = Faulty::new(2, failing("500 internal", FailureKind::Transient));
    let s = iterate_with(&store, &clock, &id, &p, EngineConfig::default())
        .session
        .unwrap();
    let it = &s.models.flux.iterations[2];
    assert_eq!(it.status, IterationStatus::Error);
    assert_eq!(it.error.as_deref(), Some("PROVIDER_ERROR: 500 internal"));
    assert_eq!(s.models.flux.status, ModelStatus::Partial);
    assert_eq!(s.models.flux.iteration_count, 2);

    // Times out twice (a timeout is retried once): PROVIDER_TIMEOUT recorded.
    let p = Faulty::new(2, failing("no answer in 120 s", FailureKind::Timeout));
    let s = iterate_with(&store, &clock, &id, &p, EngineConfig::default())
        .session
        .unwrap();
    assert_eq!(p.calls.get(), 2);
    assert_eq!(
        s.models.flux.iterations[3].error.as_deref(),
        Some("PROVIDER_TIMEOUT: no answer in 120 s")
    );

    // Returns a corrupt image twice: an error, nothing stored under an image key.
    let mut p = Faulty::new(2, failing("", FailureKind::Transient));
    p.garbage = true;
    let s = iterate_with(&store, &clock, &id, &p, EngineConfig::default())
        .session
        .unwrap();
    let it = &s.models.flux.iterations[4];
    assert_eq!(it.status, IterationStatus::Error);
    assert!(
        it.error.as_deref().unwrap().contains("unusable image"),
        "{:?}",
        it.error
    );
    assert!(it.image_key.is_none());

    // An error message with an sk- key and a registered secret: redacted when stored.
    let p = Faulty::new(
        2,
        failing(
            "401 Incorrect API key provided: sk-proj-abcDEF1234567890xyz (account acct-SECRET-77)",
            FailureKind::Transient,
        ),
    );
    let cfg = EngineConfig {
        secrets: vec!["acct-SECRET-77".into()],
        ..EngineConfig::default()
    };
    iterate_with(&store, &clock, &id, &p, cfg);
    let stored =
        String::from_utf8(store.bytes(&format!("sessions/{id}/status.json")).unwrap()).unwrap();
    assert!(!stored.contains("sk-proj"), "{stored}");
    assert!(!stored.contains("acct-SECRET-77"));
    assert!(stored.contains("Incorrect API key provided: [REDACTED] (account [REDACTED])"));

    // The other model is untouched; the session has completions everywhere -> completed.
    let st = go(
        Operation::Status { session_id: id },
        &store,
        &LocalProvider,
        &clock,
    )
    .session
    .unwrap();
    assert_eq!(st.models.openai.status, ModelStatus::Completed);
    assert_eq!(st.status, SessionStatus::Completed);
}

#[test]
fn a_model_that_fails_generate_makes_the_session_partial() {
    struct FailFlux;
    impl Provider for FailFlux {
        fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
            if job.model == Model::Flux {
                return Err(failing("boom", FailureKind::Transient));
            }
            LocalProvider.call(job)
        }
    }
    let store = MemoryStore::new();
    let clock = TestClock::ticking();
    let out = go(
        Operation::Generate {
            prompt: "x".into(),
            models: vec![Model::Flux, Model::Recraft],
            image: None,
        },
        &store,
        &FailFlux,
        &clock,
    );
    let s = out.session.unwrap();
    assert_eq!(s.models.flux.status, ModelStatus::Error);
    assert_eq!(s.models.recraft.status, ModelStatus::Completed);
    assert_eq!(s.status, SessionStatus::Partial);
    assert_eq!(out.stats.provider_retries, 1);
    // Iterating a model with nothing completed is ITERATION_NOT_FOUND.
    let err = run(
        Operation::Iterate {
            session_id: s.session_id.clone(),
            model: Model::Flux,
            prompt: "p".into(),
        },
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &clock,
        3,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IterationNotFound);
}

#[test]
fn concurrent_writers_lose_nothing() {
    let store = Arc::new(TestStore::yielding());
    let clock = TestClock::ticking();
    let id = run(
        Operation::Generate {
            prompt: "busy".into(),
            models: vec![],
            image: None,
        },
        EngineConfig::default(),
        &*store,
        &LocalProvider,
        &clock,
        1,
    )
    .unwrap()
    .session
    .unwrap()
    .session_id;
    // 8 threads, 2 per model, 3 steps each: 6 new iterations per model = the budget.
    let conflicts = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, id, conflicts) = (store.clone(), id.clone(), conflicts.clone());
            std::thread::spawn(move || {
                let model = Model::ALL[t % 4];
                let mut done = Vec::new();
                for k in 0..3 {
                    let op = if k == 1 {
                        Operation::Outpaint {
                            session_id: id.clone(),
                            model,
                            preset: "4:3".into(),
                            prompt: Some(format!("t{t} k{k}")),
                            iteration_index: Some(0),
                        }
                    } else {
                        Operation::Iterate {
                            session_id: id.clone(),
                            model,
                            prompt: format!("t{t} k{k}"),
                        }
                    };
                    let out = run(
                        op,
                        EngineConfig::default(),
                        &*store,
                        &LocalProvider,
                        &TestClock::still(),
                        (t * 10 + k) as u64,
                    )
                    .unwrap();
                    conflicts.fetch_add(out.stats.conflicts as usize, Ordering::SeqCst);
                    done.push((model, out.iteration_index.unwrap(), format!("t{t} k{k}")));
                }
                done
            })
        })
        .collect();
    let done: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(done.len(), 24);
    let s =
        Session::from_json(&store.bytes(&format!("sessions/{id}/status.json")).unwrap()).unwrap();
    for (model, index, prompt) in &done {
        let it = s.models.get(*model).get(*index).unwrap();
        assert_eq!(it.status, IterationStatus::Completed, "{model} {index}");
        assert_eq!(&it.prompt, prompt);
    }
    for (m, c) in s.models.iter() {
        assert_eq!(c.iterations.len(), 7, "{m}");
        assert_eq!(c.iteration_count, 7, "{m}");
        let mut idx: Vec<u32> = c.iterations.iter().map(|i| i.index).collect();
        idx.dedup();
        assert_eq!(idx, (0..7).collect::<Vec<_>>());
    }
    // 4 generate completions + 1 create + 24 x 2 writes, each exactly once.
    assert_eq!(s.version, 4 + 24 * 2);
    let refused = store.refused();
    println!(
        "concurrency: 8 threads, 24 steps, {} write conflicts (engine count {}), all retried",
        refused,
        conflicts.load(Ordering::SeqCst)
    );
    assert!(refused >= conflicts.load(Ordering::SeqCst));
}

#[test]
fn storage_faults_and_the_stuck_iteration_rule() {
    let store = TestStore::new();
    let clock = TestClock::ticking();
    let id = go(
        Operation::Generate {
            prompt: "p".into(),
            models: vec![Model::Flux],
            image: None,
        },
        &store,
        &LocalProvider,
        &clock,
    )
    .session
    .unwrap()
    .session_id;
    let iterate = || Operation::Iterate {
        session_id: id.clone(),
        model: Model::Flux,
        prompt: "again".into(),
    };
    store.fail_always(EffectKind::Get, "", "disk on fire");
    store.fail_always(EffectKind::List, "", "disk on fire");
    for op in [
        iterate(),
        Operation::Status {
            session_id: id.clone(),
        },
        Operation::Gallery,
    ] {
        let e = run(
            op,
            EngineConfig::default(),
            &store,
            &LocalProvider,
            &clock,
            1,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::StorageError);
        assert!(e.message().contains("disk on fire"));
    }
    store.heal();
    // The image write fails after the iteration was started: the operation fails with
    // STORAGE_ERROR and the iteration is left in_progress ...
    store.fail_always(EffectKind::Put, "/images/", "quota exceeded");
    let e = run(
        iterate(),
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &clock,
        2,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::StorageError);
    store.heal();
    let s =
        Session::from_json(&store.bytes(&format!("sessions/{id}/status.json")).unwrap()).unwrap();
    assert_eq!(
        s.models.flux.iterations[1].status,
        IterationStatus::InProgress
    );
    // ... until it is older than stale_after_ms: the next write fails it as interrupted.
    let cfg = EngineConfig {
        stale_after_ms: 1000,
        ..EngineConfig::default()
    };
    clock.sleep(5000);
    let out = run(iterate(), cfg, &store, &LocalProvider, &clock, 3).unwrap();
    let s = out.session.unwrap();
    assert_eq!(s.models.flux.iterations[1].status, IterationStatus::Error);
    assert!(s.models.flux.iterations[1]
        .error
        .as_deref()
        .unwrap()
        .starts_with("interrupted"));
    assert_eq!(
        s.models.flux.iterations[2].status,
        IterationStatus::Completed
    );
    assert_eq!(s.models.flux.iteration_count, 2);
}

#[test]
fn operations_parse_from_json_with_codes() {
    let parse = |j: &str| Operation::from_json(serde_json::from_str(j).unwrap(), None);
    assert_eq!(
        parse(r#"{"op":"generate","prompt":"a lake","models":["flux","openai"]}"#).unwrap(),
        Operation::Generate {
            prompt: "a lake".into(),
            models: vec![Model::Flux, Model::Openai],
            image: None
        }
    );
    assert_eq!(
        parse(r#"{"op":"outpaint","sessionId":"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b","model":"gemini","preset":"16:9","iterationIndex":2}"#)
            .unwrap(),
        Operation::Outpaint {
            session_id: SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap(),
            model: Model::Gemini,
            preset: "16:9".into(),
            prompt: None,
            iteration_index: Some(2)
        }
    );
    let code = |j: &str| parse(j).unwrap_err().code();
    // A name that cannot be a column's; whether the registry has it is checked when the
    // operation runs (a_hosts_own_columns).
    assert_eq!(
        code(r#"{"op":"iterate","sessionId":"s","model":"Dall E","prompt":"p"}"#),
        ErrorCode::ModelNotFound
    );
    assert_eq!(
        code(r#"{"op":"generate","prompt":"p","models":["flux","mid/journey"]}"#),
        ErrorCode::ModelNotFound
    );
    assert_eq!(code(r#"{"op":"teleport"}"#), ErrorCode::InvalidOption);
    assert_eq!(code(r#"{"op":"status"}"#), ErrorCode::InvalidOption);
    assert_eq!(
        code(r#"{"op":"status","sessionId":"s"}"#),
        ErrorCode::InvalidSessionId
    );
    assert_eq!(
        code(r#"{"op":"iterate","sessionId":"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b","model":7}"#),
        ErrorCode::InvalidOption
    );
    // A missing prompt reads as empty, which running refuses with PROMPT_REQUIRED.
    assert_eq!(
        parse(r#"{"op":"generate"}"#).unwrap(),
        Operation::Generate {
            prompt: String::new(),
            models: vec![],
            image: None
        }
    );
}

#[test]
fn bad_requests_have_codes() {
    let store = MemoryStore::new();
    let clock = TestClock::ticking();
    let err = |op| {
        run(
            op,
            EngineConfig::default(),
            &store,
            &LocalProvider,
            &clock,
            1,
        )
        .unwrap_err()
        .code()
    };
    assert_eq!(
        err(Operation::Generate {
            prompt: "   ".into(),
            models: vec![],
            image: None
        }),
        ErrorCode::PromptRequired
    );
    assert_eq!(
        err(Operation::Generate {
            prompt: "x".repeat(1001),
            models: vec![],
            image: None
        }),
        ErrorCode::PromptTooLong
    );
    // A malformed id cannot make an operation: it is refused where it comes in.
    assert_eq!(
        Operation::parse(r#"{"op":"status","sessionId":"nope"}"#, None)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidSessionId
    );
    let missing = SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap();
    assert_eq!(
        err(Operation::Status {
            session_id: missing.clone()
        }),
        ErrorCode::SessionNotFound
    );
    let id = generate(&store, &clock, &[Model::Gemini]).session_id;
    assert_eq!(
        err(Operation::Iterate {
            session_id: id.clone(),
            model: Model::Flux,
            prompt: "p".into()
        }),
        ErrorCode::ModelDisabled
    );
    assert_eq!(
        err(Operation::Outpaint {
            session_id: id.clone(),
            model: Model::Gemini,
            preset: "wide".into(),
            prompt: None,
            iteration_index: None
        }),
        ErrorCode::InvalidTarget
    );
    assert_eq!(
        err(Operation::Outpaint {
            session_id: id.clone(),
            model: Model::Gemini,
            preset: "16:9".into(),
            prompt: None,
            iteration_index: Some(5)
        }),
        ErrorCode::IterationNotFound
    );
    // Outpaint honours iterationIndex.
    run(
        Operation::Iterate {
            session_id: id.clone(),
            model: Model::Gemini,
            prompt: "p".into(),
        },
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &clock,
        2,
    )
    .unwrap();
    let out = run(
        Operation::Outpaint {
            session_id: id.clone(),
            model: Model::Gemini,
            preset: "9:16".into(),
            prompt: Some("more sky".into()),
            iteration_index: Some(0),
        },
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &clock,
        3,
    )
    .unwrap();
    let it = out.session.unwrap().models.gemini.iterations[2].clone();
    assert_eq!(
        (it.parent_index, it.is_outpaint, it.prompt.as_str()),
        (Some(0), true, "more sky")
    );
}

#[test]
fn damaged_counters_and_starts_are_typed_errors_or_go_stale() {
    let store = MemoryStore::new();
    let clock = TestClock::ticking();
    let s = generate(&store, &clock, &[Model::Flux]);
    let key = format!("sessions/{}/status.json", s.session_id);
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&store.get(&key).unwrap().unwrap().bytes).unwrap();
        f(&mut v);
        let tag = store.get(&key).unwrap().unwrap().tag;
        store
            .put(
                &key,
                &serde_json::to_vec(&v).unwrap(),
                &outpaint_core::engine::Expect::Tag(tag),
            )
            .unwrap()
            .unwrap();
    };
    let iterate = || Operation::Iterate {
        session_id: s.session_id.clone(),
        model: Model::Flux,
        prompt: "again".into(),
    };
    let attempt = || {
        run(
            iterate(),
            EngineConfig::default(),
            &store,
            &LocalProvider,
            &clock,
            9,
        )
    };
    // A version at its maximum: STORAGE_ERROR, not a panic or a wrap.
    edit(&|v| v["version"] = serde_json::json!(u64::MAX));
    let e = attempt().unwrap_err();
    assert_eq!(e.code(), ErrorCode::StorageError);
    assert!(
        e.message().contains("cannot be written again"),
        "{}",
        e.message()
    );
    edit(&|v| v["version"] = serde_json::json!(3));
    // An iteration index at its maximum: STORAGE_ERROR.
    edit(&|v| v["models"]["flux"]["iterations"][0]["index"] = serde_json::json!(u32::MAX));
    let e = attempt().unwrap_err();
    assert_eq!(e.code(), ErrorCode::StorageError);
    assert!(e.message().contains("no index is left"), "{}", e.message());
    edit(&|v| v["models"]["flux"]["iterations"][0]["index"] = serde_json::json!(0));
    // In-progress iterations whose start is unreadable, before 1970 or far in the future
    // are failed as interrupted by the next write, as any stale one.
    edit(&|v| {
        let its = v["models"]["flux"]["iterations"].as_array_mut().unwrap();
        for (i, start) in [
            "garbage",
            "0000-01-01T00:00:00.000Z",
            "9999-01-01T00:00:00.000Z",
        ]
        .into_iter()
        .enumerate()
        {
            its.push(serde_json::json!({
                "index": i + 1, "status": "in_progress", "prompt": "p",
                "startedAt": start, "isOutpaint": false
            }));
        }
    });
    let out = attempt().unwrap();
    let its = &out.session.unwrap().models.flux.iterations;
    for it in &its[1..=3] {
        assert_eq!(it.status, IterationStatus::Error, "{}", it.started_at);
        assert!(it.error.as_deref().unwrap().starts_with("interrupted"));
    }
    assert_eq!(its[4].status, IterationStatus::Completed);
}

/// A host's own model column: declared in the registry (answered by the host, or `from`
/// a built-in column), enabled by default beside the four, stored in the session, and
/// iterated and outpainted like them; names the registry lacks are MODEL_NOT_FOUND.
#[test]
fn a_hosts_own_columns() {
    let store = MemoryStore::new();
    let clock = TestClock::ticking();
    let registry = outpaint_core::providers::Registry::patched(&serde_json::json!({
        "columns": {
            "studio": {"adapter": "host", "outpaint": "flux-fill", "generate": "studio-xl"},
            "flux-eu": {"from": "flux", "baseUrl": "https://api.eu.bfl.ai"}
        }
    }))
    .unwrap();
    let studio = Model::new("studio").unwrap();
    let eu = Model::new("flux-eu").unwrap();
    assert_eq!(
        registry.models(),
        [
            Model::Flux,
            Model::Recraft,
            Model::Gemini,
            Model::Openai,
            eu,
            studio
        ]
    );
    assert_eq!(
        registry.column(eu).unwrap().endpoints,
        registry.column(Model::Flux).unwrap().endpoints
    );
    let cfg = EngineConfig {
        registry,
        ..EngineConfig::default()
    };
    let go = |op| {
        run(
            op,
            cfg.clone(),
            &store,
            &LocalProvider,
            &clock,
            clock.peek(),
        )
    };
    let s = go(Operation::Generate {
        prompt: "a lake".into(),
        models: vec![],
        image: None,
    })
    .unwrap()
    .session
    .unwrap();
    let names: Vec<Model> = s.models.iter().map(|(m, _)| m).collect();
    assert_eq!(names, cfg.registry.models());
    assert_eq!(s.models.custom.len(), 2);
    assert_eq!(s.models.get(studio).status, ModelStatus::Completed);
    let stored = String::from_utf8(s.to_json()).unwrap();
    assert!(stored.contains("\"studio\": {"), "{stored}");
    assert!(stored.contains(&format!("sessions/{}/images/studio-0.png", s.session_id)));
    let id = s.session_id.clone();
    let out = go(Operation::Iterate {
        session_id: id.clone(),
        model: studio,
        prompt: "at dusk".into(),
    })
    .unwrap();
    assert_eq!(out.iteration_index, Some(1));
    let out = go(Operation::Outpaint {
        session_id: id.clone(),
        model: studio,
        preset: "16:9".into(),
        prompt: None,
        iteration_index: None,
    })
    .unwrap();
    let s = out.session.unwrap();
    let it = s.models.get(studio).get(2).unwrap();
    assert_eq!(it.status, IterationStatus::Completed);
    assert!(it.is_outpaint);
    // A session read back keeps the host's columns (with no registry at all).
    let back = Session::from_json(&s.to_json()).unwrap();
    assert_eq!(back, s);

    // Names the registry has no column of.
    let err = go(Operation::Generate {
        prompt: "a lake".into(),
        models: vec![Model::Flux, Model::new("midjourney").unwrap()],
        image: None,
    })
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ModelNotFound);
    assert_eq!(
        err.message(),
        "unknown model \"midjourney\"; expected flux, recraft, gemini, openai, flux-eu or studio"
    );
    let plain = run(
        Operation::Iterate {
            session_id: id,
            model: studio,
            prompt: "again".into(),
        },
        EngineConfig::default(),
        &store,
        &LocalProvider,
        &clock,
        1,
    )
    .unwrap_err();
    assert_eq!(plain.code(), ErrorCode::ModelNotFound);

    // A host's column takes no provider config; an unknown one is no column.
    for (name, why) in [
        ("studio", "answered by the host"),
        ("nowhere", "unknown model \"nowhere\""),
    ] {
        let mut c = cfg.clone();
        c.providers.insert(
            Model::new(name).unwrap(),
            outpaint_core::providers::ProviderConfig {
                api_key: "k".into(),
                ..Default::default()
            },
        );
        let e = c.check().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidOption);
        assert!(
            e.message().starts_with(&format!("providers.{name}: ")),
            "{}",
            e.message()
        );
        assert!(e.message().contains(why), "{}", e.message());
    }
}
