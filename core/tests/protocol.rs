//! The engine's interface, driven by hand: several effects in flight, answers in any
//! order, misuse refused at once, deadlines instead of sleeps, effects moved out.

use outpaint_core::engine::{Effect, EffectId, EffectKind, Engine, Expect, Misuse};
use outpaint_core::host::Storage;
use outpaint_core::providers::{local_call, ProviderConfig, ProviderFailure, Response};
use outpaint_core::session::{Model, Session, SessionStatus};
use outpaint_core::{EngineConfig, ErrorCode, Operation};

const T0: u64 = 1_767_225_600_000;

mod support;
use support::TestStore;

/// The session document the store holds.
fn session(store: &TestStore) -> Session {
    let keys = store.list("sessions/").unwrap();
    let key = keys.iter().find(|k| k.ends_with("/status.json")).unwrap();
    Session::from_json(&store.bytes(key).unwrap()).unwrap()
}

fn generate(models: &[Model]) -> Operation {
    Operation::Generate {
        prompt: "a lake".into(),
        models: models.to_vec(),
        image: None,
    }
}

/// Answers storage effects until only provider calls are outstanding; returns those.
fn calls(engine: &mut Engine, store: &TestStore, now: u64) -> Vec<(EffectId, Effect)> {
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
    let store = TestStore::new();
    let mut engine = Engine::new(generate(&[]), EngineConfig::default(), T0, 1);
    let pending = calls(&mut engine, &store, T0);
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
        calls(&mut engine, &store, T0 + 5);
    }
    let out = engine.poll_outcome().unwrap().unwrap();
    let s = out.session.unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    assert_eq!(s, session(&store));
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
    let store = TestStore::new();
    let cfg = EngineConfig {
        retry_backoff_ms: 500,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(generate(&[Model::Flux, Model::Openai]), cfg, T0, 2);
    let pending = calls(&mut engine, &store, T0);
    let (flux, openai) = (&pending[0], &pending[1]);
    engine
        .handle_call(flux.0, Err(ProviderFailure::transient("503 busy")))
        .unwrap();
    let Effect::Call { job } = &openai.1 else {
        unreachable!()
    };
    engine.handle_call(openai.0, local_call(job)).unwrap();
    // Flux waits for its retry: a deadline, not a sleep effect.
    assert!(calls(&mut engine, &store, T0 + 10).is_empty());
    assert_eq!(engine.poll_timeout(), Some(T0 + 10 + 500));
    engine.handle_timeout(T0 + 300);
    assert!(engine.poll_effect(T0 + 300).is_none());
    engine.handle_timeout(T0 + 510);
    let retry = calls(&mut engine, &store, T0 + 510);
    assert_eq!(retry.len(), 1);
    engine
        .handle_call(retry[0].0, Err(ProviderFailure::rejected("no credit")))
        .unwrap();
    calls(&mut engine, &store, T0 + 600);
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
    let store = TestStore::new();
    let models = [Model::Flux, Model::Gemini];
    let mut engine = Engine::new(generate(&models), EngineConfig::default(), T0, 3);
    for (id, e) in calls(&mut engine, &store, T0) {
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
                    let bytes = store.bytes(key).unwrap();
                    store.put(key, &bytes, &Expect::Any).unwrap();
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
    assert_eq!(s, session(&store));
}

#[test]
fn misuse_is_refused_at_once_and_changes_nothing() {
    let store = TestStore::new();
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
    let pending = calls(&mut engine, &store, T0);
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
    calls(&mut engine, &store, T0);
    assert!(engine.poll_outcome().unwrap().is_ok());
    assert_eq!(
        engine.handle_call(*id, local_call(job)),
        Err(Misuse::AlreadyAnswered(*id))
    );
}

#[test]
fn a_provider_config_makes_the_engine_send_http_itself() {
    let store = TestStore::new();
    let config = ProviderConfig {
        api_key: "sk-test-0123456789abcdefXYZ".into(),
        ..ProviderConfig::default()
    };
    let cfg = EngineConfig {
        providers: [(Model::Openai, config)].into_iter().collect(),
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(generate(&[Model::Openai, Model::Flux]), cfg, T0, 5);
    let pending = calls(&mut engine, &store, T0);
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
    calls(&mut engine, &store, T0);
    let s = engine.poll_outcome().unwrap().unwrap().session.unwrap();
    let err = s.models.openai.iterations[0].error.clone().unwrap();
    assert!(
        err.starts_with("PROVIDER_AUTH: openai refused the API key (HTTP 401)"),
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
        Operation::parse(r#"{"op":"iterate","sessionId":"x","model":"Dall-E"}"#, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ModelNotFound);
}

#[test]
fn a_gallery_reads_sixteen_sessions_at_a_time_and_lists_the_newest_fifty() {
    use outpaint_core::engine::{GALLERY_READS_IN_FLIGHT, GALLERY_SIZE};
    use outpaint_core::host::{run, LocalProvider};
    let store = TestStore::new();
    let clock = support::TestClock::ticking();
    let mut ids = Vec::new();
    for i in 0..60 {
        let op = Operation::Generate {
            prompt: format!("lake {i}"),
            models: vec![Model::Flux],
            image: None,
        };
        let out = run(
            op,
            EngineConfig::default(),
            &store,
            &LocalProvider,
            &clock,
            i,
        )
        .unwrap();
        ids.push(out.session.unwrap().session_id);
    }
    let mut engine = Engine::new(Operation::Gallery, EngineConfig::default(), T0, 1);
    let (id, list) = engine.poll_effect(T0).unwrap();
    assert!(matches!(list, Effect::List { .. }));
    assert!(
        engine.poll_effect(T0).is_none(),
        "reads wait for the listing"
    );
    store.answer(&mut engine, id, &list);
    let mut batches = Vec::new();
    loop {
        let batch: Vec<_> = std::iter::from_fn(|| engine.poll_effect(T0)).collect();
        if batch.is_empty() {
            break;
        }
        assert!(batch.iter().all(|(_, e)| matches!(e, Effect::Get { .. })));
        assert_eq!(engine.in_flight(), batch.len());
        batches.push(batch.len());
        for (id, e) in batch {
            store.answer(&mut engine, id, &e);
        }
    }
    assert_eq!(GALLERY_READS_IN_FLIGHT, 16);
    assert_eq!(batches, [16, 16, 16, 12]);
    let gallery = engine.poll_outcome().unwrap().unwrap().gallery.unwrap();
    assert_eq!(gallery.len(), GALLERY_SIZE);
    // Newest first: the ticking clock made each session later than the one before.
    let newest: Vec<_> = ids.iter().rev().take(GALLERY_SIZE).cloned().collect();
    assert_eq!(
        gallery
            .iter()
            .map(|g| g.session_id.clone())
            .collect::<Vec<_>>(),
        newest
    );
    assert_eq!(gallery[0].prompt, "lake 59");
}
