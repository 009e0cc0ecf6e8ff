//! The engine's interface, driven by hand: several effects in flight, answers in any
//! order, misuse refused at once, deadlines instead of sleeps, effects moved out.

use std::collections::BTreeMap;

use outpaint_core::engine::{Effect, EffectId, EffectKind, Engine, Misuse, Stored};
use outpaint_core::providers::{local_call, ProviderConfig, ProviderFailure, Response};
use outpaint_core::session::{Model, Session, SessionStatus};
use outpaint_core::{EngineConfig, ErrorCode, Operation};

const T0: u64 = 1_767_225_600_000;

/// A tiny store for hand-driven engines: tags count writes.
#[derive(Default)]
struct Store {
    data: BTreeMap<String, (Vec<u8>, u64)>,
    writes: u64,
}

impl Store {
    /// Performs a storage effect and answers it; returns false for other kinds.
    fn answer(&mut self, engine: &mut Engine, id: EffectId, effect: &Effect) -> bool {
        match effect {
            Effect::Get { key } => {
                let v = self.data.get(key).map(|(b, t)| Stored {
                    bytes: b.clone(),
                    tag: t.to_string(),
                });
                engine.handle_get(id, Ok(v)).unwrap();
            }
            Effect::Put {
                key,
                body,
                expected,
            } => {
                let current = self.data.get(key).map(|(_, t)| t.to_string());
                let tag = expected.holds(current.as_deref()).then(|| {
                    self.writes += 1;
                    self.data.insert(key.clone(), (body.clone(), self.writes));
                    self.writes.to_string()
                });
                engine.handle_put(id, Ok(tag)).unwrap();
            }
            Effect::List { prefix } => {
                let keys = self.data.keys().filter(|k| k.starts_with(prefix.as_str()));
                engine.handle_list(id, Ok(keys.cloned().collect())).unwrap();
            }
            Effect::Call { .. } | Effect::Http { .. } => return false,
        }
        true
    }

    fn session(&self) -> Session {
        let (key, (bytes, _)) = self
            .data
            .iter()
            .find(|(k, _)| k.ends_with("/status.json"))
            .unwrap();
        assert!(key.starts_with("sessions/"));
        Session::from_json(bytes).unwrap()
    }
}

fn generate(models: &[Model]) -> Operation {
    Operation::Generate {
        prompt: "a lake".into(),
        models: models.to_vec(),
        image: None,
    }
}

/// Answers storage effects until only provider calls are outstanding; returns those.
fn calls(engine: &mut Engine, store: &mut Store, now: u64) -> Vec<(EffectId, Effect)> {
    let mut out = Vec::new();
    while let Some((id, e)) = engine.poll_effect(now) {
        if !store.answer(engine, id, &e) {
            out.push((id, e));
        }
    }
    out
}

#[test]
fn the_engine_is_send() {
    fn send<T: Send>() {}
    send::<Engine>();
}

#[test]
fn generate_calls_every_model_at_once_and_takes_answers_in_any_order() {
    let mut store = Store::default();
    let mut engine = Engine::new(generate(&[]), EngineConfig::default(), T0, 1);
    let pending = calls(&mut engine, &mut store, T0);
    let models: Vec<Model> = pending
        .iter()
        .map(|(_, e)| match e {
            Effect::Call { job } => job.model,
            other => panic!("expected a call, got {other:?}"),
        })
        .collect();
    assert_eq!(models, Model::ALL);
    assert_eq!(engine.in_flight(), 4);
    assert!(engine.poll_outcome().is_none());
    // Answer the last first.
    for (id, e) in pending.into_iter().rev() {
        let Effect::Call { job } = e else {
            unreachable!()
        };
        engine.handle_call(id, local_call(&job)).unwrap();
        calls(&mut engine, &mut store, T0 + 5);
    }
    let out = engine.poll_outcome().unwrap().unwrap();
    let s = out.session.unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s, store.session());
    // Four completions after the create, each a compare-and-swap that never conflicted:
    // session writes take turns inside one engine.
    assert_eq!(s.version, 4);
    assert_eq!(out.stats.conflicts, 0);
    for (m, c) in s.models.iter() {
        assert_eq!(
            c.iterations[0].completed_at.as_deref(),
            Some("2026-01-01T00:00:00.005Z"),
            "{m}"
        );
    }
    assert!(engine.poll_outcome().is_none());
    assert!(engine.is_finished());
}

#[test]
fn one_provider_failing_leaves_the_others_completed() {
    let mut store = Store::default();
    let cfg = EngineConfig {
        retry_backoff_ms: 500,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(generate(&[Model::Flux, Model::Openai]), cfg, T0, 2);
    let pending = calls(&mut engine, &mut store, T0);
    let (flux, openai) = (&pending[0], &pending[1]);
    engine
        .handle_call(flux.0, Err(ProviderFailure::transient("503 busy")))
        .unwrap();
    let Effect::Call { job } = &openai.1 else {
        unreachable!()
    };
    engine.handle_call(openai.0, local_call(job)).unwrap();
    // Flux waits for its retry: a deadline, not a sleep effect.
    assert!(calls(&mut engine, &mut store, T0 + 10).is_empty());
    assert_eq!(engine.poll_timeout(), Some(T0 + 10 + 500));
    engine.handle_timeout(T0 + 300);
    assert!(engine.poll_effect(T0 + 300).is_none());
    engine.handle_timeout(T0 + 510);
    let retry = calls(&mut engine, &mut store, T0 + 510);
    assert_eq!(retry.len(), 1);
    engine
        .handle_call(retry[0].0, Err(ProviderFailure::rejected("no credit")))
        .unwrap();
    calls(&mut engine, &mut store, T0 + 600);
    let out = engine.poll_outcome().unwrap().unwrap();
    let s = out.session.unwrap();
    assert_eq!(out.stats.provider_retries, 1);
    assert_eq!(s.status, SessionStatus::Partial);
    assert_eq!(
        s.models.flux.iterations[0].error.as_deref(),
        Some("PROVIDER_ERROR: no credit")
    );
    assert!(s.models.openai.iterations[0].image_key.is_some());
}

#[test]
fn a_conflict_in_the_middle_of_a_fan_out_is_re_applied() {
    let mut store = Store::default();
    let models = [Model::Flux, Model::Gemini];
    let mut engine = Engine::new(generate(&models), EngineConfig::default(), T0, 3);
    for (id, e) in calls(&mut engine, &mut store, T0) {
        let Effect::Call { job } = e else {
            unreachable!()
        };
        engine.handle_call(id, local_call(&job)).unwrap();
    }
    // Another writer gets in between the engine's read and its write of the session.
    let mut interfered = false;
    let mut now = T0 + 1;
    let out = loop {
        while let Some((id, e)) = engine.poll_effect(now) {
            if let Effect::Put { key, .. } = &e {
                if key.ends_with("/status.json") && !interfered {
                    interfered = true;
                    let (bytes, _) = store.data[key].clone();
                    store.writes += 1;
                    store.data.insert(key.clone(), (bytes, store.writes));
                }
            }
            assert!(store.answer(&mut engine, id, &e));
        }
        if let Some(out) = engine.poll_outcome() {
            break out.unwrap();
        }
        // The conflict's backoff: a deadline.
        let t = engine.poll_timeout().expect("waiting for nothing");
        now = t;
        engine.handle_timeout(t);
    };
    assert!(interfered);
    assert_eq!(out.stats.conflicts, 1);
    let s = out.session.unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s, store.session());
}

#[test]
fn misuse_is_refused_at_once_and_changes_nothing() {
    let mut store = Store::default();
    let mut engine = Engine::new(generate(&[Model::Flux]), EngineConfig::default(), T0, 4);
    let (put, effect) = engine.poll_effect(T0).unwrap();
    assert_eq!(effect.kind(), EffectKind::Put);
    // An id never handed out.
    assert_eq!(
        engine.handle_get(EffectId(99), Ok(None)),
        Err(Misuse::UnknownEffect(EffectId(99)))
    );
    // The wrong kind of answer.
    assert_eq!(
        engine.handle_get(put, Ok(None)),
        Err(Misuse::WrongAnswer {
            id: put,
            expected: EffectKind::Put,
            got: EffectKind::Get
        })
    );
    assert_eq!(
        Misuse::WrongAnswer {
            id: put,
            expected: EffectKind::Put,
            got: EffectKind::Get
        }
        .to_string(),
        "effect #1 is a put effect, answered as get"
    );
    assert!(store.answer(&mut engine, put, &effect));
    // Twice.
    assert_eq!(
        engine.handle_put(put, Ok(Some("1".into()))),
        Err(Misuse::AlreadyAnswered(put))
    );
    // The engine went on as if nothing happened.
    let pending = calls(&mut engine, &mut store, T0);
    assert_eq!(pending.len(), 1);
    let (id, Effect::Call { job }) = &pending[0] else {
        unreachable!()
    };
    assert_eq!(
        engine.handle_http(*id, Ok(Response::default())),
        Err(Misuse::WrongAnswer {
            id: *id,
            expected: EffectKind::Call,
            got: EffectKind::Http
        })
    );
    engine.handle_call(*id, local_call(job)).unwrap();
    calls(&mut engine, &mut store, T0);
    assert!(engine.poll_outcome().unwrap().is_ok());
    assert_eq!(
        engine.handle_call(*id, local_call(job)),
        Err(Misuse::AlreadyAnswered(*id))
    );
}

#[test]
fn a_provider_config_makes_the_engine_send_http_itself() {
    let mut store = Store::default();
    let config = ProviderConfig {
        api_key: "sk-test-0123456789abcdefXYZ".into(),
        ..ProviderConfig::default()
    };
    let cfg = EngineConfig {
        providers: [(Model::Openai, config)].into_iter().collect(),
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(generate(&[Model::Openai, Model::Flux]), cfg, T0, 5);
    let pending = calls(&mut engine, &mut store, T0);
    assert_eq!(pending.len(), 2);
    assert!(matches!(&pending[0].1, Effect::Call { job } if job.model == Model::Flux));
    let Effect::Http { model, request } = &pending[1].1 else {
        panic!("expected HTTP for openai, got {:?}", pending[1].1)
    };
    assert_eq!(*model, Model::Openai);
    assert_eq!(request.url, "https://api.openai.com/v1/images/generations");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-test-0123456789abcdefXYZ")
    );
    // A 401 is not retried; its message is stored without the key.
    engine
        .handle_http(
            pending[1].0,
            Ok(Response {
                status: 401,
                headers: vec![],
                body: br#"{"error":{"message":"Incorrect API key provided: sk-test-0123456789abcdefXYZ"}}"#
                    .to_vec(),
            }),
        )
        .unwrap();
    let Effect::Call { job } = &pending[0].1 else {
        unreachable!()
    };
    engine.handle_call(pending[0].0, local_call(job)).unwrap();
    calls(&mut engine, &mut store, T0);
    let s = engine.poll_outcome().unwrap().unwrap().session.unwrap();
    let err = s.models.openai.iterations[0].error.clone().unwrap();
    assert!(
        err.starts_with("PROVIDER_ERROR: openai refused the API key (HTTP 401)"),
        "{err}"
    );
    assert!(!err.contains("0123456789abcdef"), "{err}");
    assert_eq!(s.status, SessionStatus::Partial);
}

#[test]
fn effects_are_moved_out_not_repeated() {
    let mut engine = Engine::new(generate(&[Model::Flux]), EngineConfig::default(), T0, 6);
    let (_, first) = engine.poll_effect(T0).unwrap();
    let Effect::Put { body, .. } = first else {
        panic!()
    };
    assert!(Session::from_json(&body).is_ok());
    // Handed out once: polling again gives nothing new until it is answered.
    assert!(engine.poll_effect(T0).is_none());
    assert_eq!(engine.in_flight(), 1);
}

#[test]
fn operations_read_their_image_beside_the_json() {
    let op = Operation::parse(r#"{"op":"generate","prompt":"p"}"#, Some(vec![1, 2, 3])).unwrap();
    assert!(matches!(op, Operation::Generate { image: Some(ref b), .. } if b == &[1, 2, 3]));
    let e = Operation::parse(r#"{"op":"gallery"}"#, Some(vec![1])).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidOption);
    let e = Operation::parse("{", None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidOption);
    let e =
        Operation::parse(r#"{"op":"iterate","sessionId":"x","model":"dalle"}"#, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ModelNotFound);
}
