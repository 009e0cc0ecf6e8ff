//! The sans-IO session engine.
//!
//! An [`Engine`] runs one [`Operation`] (generate, iterate, outpaint, status, gallery)
//! and performs no I/O. Its shape is quinn-proto's:
//!
//! - [`Engine::poll_effect`] hands out the next [`Effect`] under an [`EffectId`], moved
//!   out (an image body is never copied); several can be in flight at once (a generate
//!   calls every enabled model side by side);
//! - the host answers each by id, in any order, with the typed `handle_*` of its kind
//!   (`handle_get`, `handle_put`, `handle_list`, `handle_call`, `handle_http`); a wrong
//!   or repeated answer is a [`Misuse`] at once and changes nothing;
//! - waits (provider retries, write backoff, polls of an asynchronous provider) are
//!   deadlines: [`Engine::poll_timeout`] says when to call [`Engine::handle_timeout`];
//! - [`Engine::poll_outcome`] gives the result once the operation is over;
//!   [`Engine::poll_event`] gives progress for people (polls, retries) on the way.
//!
//! Time comes in with `poll_effect` and `handle_timeout` (ms since the Unix epoch);
//! randomness (session ids, backoff jitter) from a seed the host gives. Provider calls are
//! answered whole ([`Effect::Call`], a host-side provider) or, for models with a
//! [`ProviderConfig`] in [`EngineConfig::providers`], as the provider's HTTP requests
//! ([`Effect::Http`]): the engine then runs the adapters itself and the host only moves
//! bytes.
//!
//! Inside, each operation is plain sequential code (an `async fn` whose awaits are
//! effects, deadlines or the session write lock), polled with a no-op waker: no threads,
//! no executor, no unsafe code.
//!
//! Writes: every session write is read-modify-write with compare-and-swap on the store's
//! version tag; on conflict it re-reads and re-applies the change, with bounded, jittered
//! exponential backoff, so concurrent writers never lose an update. Within one engine,
//! session writes take turns, so the calls of one generate never conflict with each other.
//!
//! Interrupted operations: an iteration left `in_progress` longer than
//! [`EngineConfig::stale_after_ms`] (a host that died mid-call) is failed with
//! "interrupted" by the next write to its session, so no iteration stays stuck.
//!
//! ```
//! use outpaint_core::engine::{Effect, Engine, EngineConfig, Operation};
//! use outpaint_core::session::Model;
//!
//! let op = Operation::Generate { prompt: "a lake".into(), models: vec![Model::Flux], image: None };
//! let mut engine = Engine::new(op, EngineConfig::default(), 1_767_225_600_000, 42);
//! // The first effect writes the new session document, expecting the key to be absent.
//! let (id, effect) = engine.poll_effect(1_767_225_600_000).unwrap();
//! assert!(matches!(effect, Effect::Put { ref key, .. } if key.ends_with("/status.json")));
//! engine.handle_put(id, Ok(Some("1".into()))).unwrap();
//! // Then the provider call for flux.
//! let (_, effect) = engine.poll_effect(1_767_225_600_000).unwrap();
//! assert!(matches!(effect, Effect::Call { ref job } if job.model == Model::Flux));
//! ```

mod io;
mod ops;
mod protocol;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use serde::{Deserialize, Serialize};

pub use ops::{GALLERY_READS_IN_FLIGHT, GALLERY_SIZE};
pub use protocol::*;

use crate::error::{Error, ErrorCode, Result};
use crate::limits::Limits;
use crate::pixels::{Curve, Fill, SeamOptions};
use crate::providers::{HttpReply, ProviderConfig, ProviderFailure, Registry};
use crate::session::{Budget, Model, PromptTemplate};
pub use io::Answer;
use io::Io;

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EngineConfig {
    /// Iteration budget per model column.
    pub budget: Budget,
    /// How the context prompt is built.
    pub template: PromptTemplate,
    /// Wait before the one retry of a failed provider call (default 2000 ms; longer when
    /// the provider's `retry-after` asks, up to a minute).
    pub retry_backoff_ms: u64,
    /// Compare-and-swap attempts before `CONFLICT` (default 20).
    pub max_write_attempts: u32,
    /// First CAS backoff; doubles each attempt, full jitter (default 5 ms, capped 1 s).
    pub write_backoff_ms: u64,
    /// An `in_progress` iteration older than this is failed as interrupted by the next
    /// write to its session (default 10 minutes).
    pub stale_after_ms: u64,
    /// Secrets the host holds (API keys), redacted from stored errors. The API keys of
    /// [`EngineConfig::providers`] are redacted too.
    pub secrets: Vec<String>,
    /// Outpaint seam (default feather 32, smoothstep).
    pub seam: SeamOptions,
    /// Outpaint pre-fill (default blur: the closest of the classical fills to real
    /// surroundings, and the colours the `local` provider paints its texture over).
    pub fill: Fill,
    /// Decode and canvas limits.
    pub limits: Limits,
    /// Models whose provider the engine calls itself, as HTTP requests the host sends
    /// ([`Effect::Http`]); the other models' calls are [`Effect::Call`]s.
    pub providers: BTreeMap<Model, ProviderConfig>,
    /// The model registry: which model serves each operation, the outpaint profiles and
    /// every upload limit. In JSON, a merge patch of the built-in one (RFC 7396).
    #[serde(with = "crate::providers::registry_patch")]
    pub registry: Registry,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            budget: Budget::default(),
            template: PromptTemplate::default(),
            retry_backoff_ms: 2000,
            max_write_attempts: 20,
            write_backoff_ms: 5,
            stale_after_ms: 600_000,
            secrets: Vec::new(),
            seam: SeamOptions {
                feather: 32,
                overlap: 0,
                curve: Curve::Smoothstep,
                ..SeamOptions::default()
            },
            fill: Fill::Blur,
            limits: Limits::default(),
            providers: BTreeMap::new(),
            registry: Registry::builtin(),
        }
    }
}

impl EngineConfig {
    /// Reads a config from JSON (every field optional, camelCase): `INVALID_OPTION` when
    /// it does not fit, or when a provider config is unusable
    /// ([`ProviderConfig::validate`]).
    pub fn from_json(v: serde_json::Value) -> Result<EngineConfig> {
        let cfg: EngineConfig = serde_json::from_value(v).map_err(|e| {
            Error::new(
                ErrorCode::InvalidOption,
                format!("not an engine config: {e}"),
            )
        })?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Checks the parts that JSON alone cannot (provider configs).
    pub fn check(&self) -> Result<()> {
        for (model, c) in &self.providers {
            let column = self.registry.column(*model).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidOption,
                    format!("providers.{model}: {}", e.message()),
                )
            })?;
            if column.adapter == crate::providers::Adapter::Host {
                return Err(Error::new(
                    ErrorCode::InvalidOption,
                    format!(
                        "providers.{model}: the registry's column {model} is answered by the \
                         host (adapter host), so it takes no provider config"
                    ),
                ));
            }
            c.validate()
                .map_err(|e| Error::new(e.code(), format!("providers.{model}: {}", e.message())))?;
        }
        Ok(())
    }

    /// The host's secrets and every provider API key.
    pub(crate) fn all_secrets(&self) -> Vec<String> {
        let mut all = self.secrets.clone();
        all.extend(self.providers.values().map(|c| c.api_key.clone()));
        all
    }
}

type Run = Pin<Box<dyn Future<Output = Result<Outcome>> + Send>>;

/// Runs one operation; see the module docs.
pub struct Engine {
    io: Io,
    run: Option<Run>,
    outcome: Option<Result<Outcome>>,
}

impl Engine {
    /// Starts `op` at `now_ms` (ms since the Unix epoch). `seed` is the host's
    /// randomness (session ids, jitter). A config that [`EngineConfig::check`] refuses
    /// makes the operation end at once with that error.
    pub fn new(op: Operation, config: EngineConfig, now_ms: u64, seed: u64) -> Engine {
        let io = Io::new(now_ms, seed);
        let run_io = io.clone();
        let run: Run = Box::pin(async move { ops::run(&run_io, &config, op).await });
        Engine {
            io,
            run: Some(run),
            outcome: None,
        }
    }

    /// The next effect to perform, moved out, or `None` when nothing is to be done now
    /// (answers or a deadline are awaited, or the operation is over). `now_ms` is the
    /// host's clock; it never goes back (an earlier value is ignored).
    pub fn poll_effect(&mut self, now_ms: u64) -> Option<(EffectId, Effect)> {
        self.set_now(now_ms);
        self.advance();
        let mut s = self.io.lock();
        let (id, effect) = s.queue.pop_front()?;
        s.in_flight.insert(id, effect.kind());
        Some((id, effect))
    }

    /// Answers effect `id` with `answer` (of the effect's kind): the one entry the typed
    /// `handle_*` below share, for hosts that carry answers as values.
    pub fn handle(&mut self, id: EffectId, answer: Answer) -> std::result::Result<(), Misuse> {
        self.io.lock().answer(id, answer)
    }

    /// Answers a [`Effect::Get`]: the value and its tag, `None` when the key is absent.
    pub fn handle_get(
        &mut self,
        id: EffectId,
        r: std::result::Result<Option<Stored>, HostError>,
    ) -> std::result::Result<(), Misuse> {
        self.handle(id, Answer::Get(r))
    }

    /// Answers a [`Effect::Put`]: the new tag, or `None` when the precondition did not
    /// hold.
    pub fn handle_put(
        &mut self,
        id: EffectId,
        r: std::result::Result<Option<Tag>, HostError>,
    ) -> std::result::Result<(), Misuse> {
        self.handle(id, Answer::Put(r))
    }

    /// Answers a [`Effect::List`]: the keys under the prefix.
    pub fn handle_list(
        &mut self,
        id: EffectId,
        r: std::result::Result<Vec<String>, HostError>,
    ) -> std::result::Result<(), Misuse> {
        self.handle(id, Answer::List(r))
    }

    /// Answers a [`Effect::Call`]: the image bytes (PNG, JPEG or WebP) or the failure.
    pub fn handle_call(
        &mut self,
        id: EffectId,
        r: std::result::Result<Vec<u8>, ProviderFailure>,
    ) -> std::result::Result<(), Misuse> {
        self.handle(id, Answer::Call(r))
    }

    /// Answers a [`Effect::Http`]: the response, or why there was none.
    pub fn handle_http(&mut self, id: EffectId, r: HttpReply) -> std::result::Result<(), Misuse> {
        self.handle(id, Answer::Http(r))
    }

    /// The next deadline (ms since the Unix epoch) at which [`Engine::handle_timeout`]
    /// should be called, if a wait is pending.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.io.lock().next_deadline()
    }

    /// Tells the engine the time has come (`now_ms`, the host's clock): waits whose
    /// deadline has passed end.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.set_now(now_ms);
        self.advance();
    }

    /// The result, once the operation is over (given once; `None` before and after).
    pub fn poll_outcome(&mut self) -> Option<Result<Outcome>> {
        self.advance();
        self.outcome.take()
    }

    /// The next progress event (a provider being polled, a call about to be retried),
    /// oldest first; `None` when there is none. Nothing to answer.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.io.lock().events.pop_front()
    }

    /// Whether the operation is over (its outcome may already have been taken).
    pub fn is_finished(&self) -> bool {
        self.run.is_none()
    }

    /// How many effects are handed out and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.io.lock().in_flight.len()
    }

    fn set_now(&mut self, now_ms: u64) {
        let mut s = self.io.lock();
        s.now_ms = s.now_ms.max(now_ms);
    }

    /// Polls the operation until it waits on the host (or ends).
    fn advance(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            let before = self.io.lock().progress;
            if let Poll::Ready(out) = run.as_mut().poll(&mut cx) {
                let stats = self.io.lock().stats;
                self.run = None;
                self.outcome = Some(out.map(|mut o| {
                    o.stats = stats;
                    o
                }));
                return;
            }
            if self.io.lock().progress == before {
                break;
            }
        }
        if self.io.lock().idle() {
            self.run = None;
            self.outcome = Some(Err(Error::new(
                ErrorCode::StorageError,
                "the engine stalled with nothing to wait for (a bug in outpaint)",
            )));
        }
    }
}
