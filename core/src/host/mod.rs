//! The blocking Rust host (feature `host`; never in the wasm build): traits for the
//! host's storage, provider, HTTP client and clock, and [`drive`], which runs an
//! [`Engine`] over them with every effect of a step in flight at once (a thread each, in
//! a scope that ends with the operation). Plus an in-memory store and the offline
//! `local` provider. The pure core below has no threads; this module is where they live.

mod memory;

use std::sync::mpsc;
use std::time::Duration;

pub use memory::MemoryStore;

use crate::engine::{
    Answer, Effect, EffectId, Engine, EngineConfig, Event, Expect, HostError, Job, Operation,
    Outcome, Stored, Tag,
};
use crate::error::{Error, ErrorCode, Result};
use crate::providers::{
    check_image, local_call, Exchange, HttpReply, Next, ProviderConfig, ProviderFailure, Request,
    Sent, TransportError,
};
use crate::session::{redact, Model};

/// A key-value store with version tags (compare-and-swap). Shared by the threads that
/// perform effects side by side.
pub trait Storage: Sync {
    /// The value and its tag, `None` when absent.
    fn get(&self, key: &str) -> std::result::Result<Option<Stored>, HostError>;
    /// Writes if `expected` holds: `Some(new tag)`, or `None` when it did not.
    fn put(
        &self,
        key: &str,
        body: &[u8],
        expected: &Expect,
    ) -> std::result::Result<Option<Tag>, HostError>;
    /// Keys starting with `prefix`.
    fn list(&self, prefix: &str) -> std::result::Result<Vec<String>, HostError>;
}

/// An image provider answering whole jobs.
pub trait Provider: Sync {
    /// Runs one job: image bytes (PNG, JPEG or WebP) or a failure.
    fn call(&self, job: &Job) -> std::result::Result<Vec<u8>, ProviderFailure>;
}

/// Sends HTTP requests: the host's client (the core never opens a socket).
pub trait Transport: Sync {
    /// Sends `request`, honouring its timeout and response size cap.
    fn send(&self, request: &Request) -> HttpReply;
}

/// The host's clock.
pub trait Clock: Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits `ms` (a test clock just advances).
    fn sleep(&self, ms: u64);
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn sleep(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// The offline `local` provider ([`local_call`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalProvider;

impl Provider for LocalProvider {
    fn call(&self, job: &Job) -> std::result::Result<Vec<u8>, ProviderFailure> {
        local_call(job)
    }
}

/// What [`drive`] performs effects with.
pub struct Host<'a> {
    /// Sessions, context windows and images.
    pub storage: &'a dyn Storage,
    /// Answers [`Effect::Call`]s (models without a provider config).
    pub provider: &'a dyn Provider,
    /// Sends [`Effect::Http`] requests (models with a provider config); without one they
    /// fail as transport errors.
    pub transport: Option<&'a dyn Transport>,
    /// Now, and waits until deadlines.
    pub clock: &'a dyn Clock,
    /// Hears progress events (polls, retries) as they happen; `None` ignores them.
    pub on_event: Option<&'a (dyn Fn(Event) + Sync)>,
}

/// Runs `op` to the end over storage, a whole-job provider and a clock.
pub fn run(
    op: Operation,
    config: EngineConfig,
    storage: &dyn Storage,
    provider: &dyn Provider,
    clock: &dyn Clock,
    seed: u64,
) -> Result<Outcome> {
    let host = Host {
        storage,
        provider,
        transport: None,
        clock,
        on_event: None,
    };
    drive(op, config, &host, seed)
}

fn perform(host: &Host<'_>, effect: Effect) -> Answer {
    match effect {
        Effect::Get { key } => Answer::Get(host.storage.get(&key)),
        Effect::Put {
            key,
            body,
            expected,
        } => Answer::Put(host.storage.put(&key, &body, &expected)),
        Effect::List { prefix } => Answer::List(host.storage.list(&prefix)),
        Effect::Call { job } => Answer::Call(host.provider.call(&job)),
        Effect::Http { request, .. } => Answer::Http(match host.transport {
            Some(t) => t.send(&request),
            None => Err(TransportError {
                timeout: false,
                message: "this host has no HTTP transport".into(),
            }),
        }),
    }
}

fn answer(engine: &mut Engine, id: EffectId, done: Answer) -> Result<()> {
    engine
        .handle(id, done)
        .map_err(|m| Error::new(ErrorCode::StorageError, format!("host driver: {m}")))
}

/// Runs `op` to the end with `host`: every effect the engine hands out is performed on a
/// thread of its own at once, answers are handed back as they come, and deadlines are
/// waited for on the host's clock.
pub fn drive(op: Operation, config: EngineConfig, host: &Host<'_>, seed: u64) -> Result<Outcome> {
    let clock = host.clock;
    let mut engine = Engine::new(op, config, clock.now_ms(), seed);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(EffectId, Answer)>();
        let mut in_flight = 0usize;
        loop {
            while let Some((id, effect)) = engine.poll_effect(clock.now_ms()) {
                in_flight += 1;
                let tx = tx.clone();
                scope.spawn(move || {
                    // The receiver outlives every sender: the loop below waits for all.
                    let _ = tx.send((id, perform(host, effect)));
                });
            }
            let outcome = engine.poll_outcome();
            while let Some(event) = engine.poll_event() {
                if let Some(tell) = host.on_event {
                    tell(event);
                }
            }
            if let Some(out) = outcome {
                return out;
            }
            let deadline = engine.poll_timeout();
            if in_flight > 0 {
                let got = match deadline {
                    Some(t) => {
                        let wait = t.saturating_sub(clock.now_ms());
                        match rx.recv_timeout(Duration::from_millis(wait)) {
                            Ok(got) => Some(got),
                            Err(mpsc::RecvTimeoutError::Timeout) => None,
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        }
                    }
                    None => match rx.recv() {
                        Ok(got) => Some(got),
                        Err(_) => break,
                    },
                };
                match got {
                    Some((id, done)) => {
                        in_flight -= 1;
                        answer(&mut engine, id, done)?;
                        while let Ok((id, done)) = rx.try_recv() {
                            in_flight -= 1;
                            answer(&mut engine, id, done)?;
                        }
                    }
                    None => engine.handle_timeout(clock.now_ms()),
                }
            } else if let Some(t) = deadline {
                let now = clock.now_ms();
                if t > now {
                    clock.sleep(t - now);
                }
                engine.handle_timeout(clock.now_ms().max(t));
            } else {
                break;
            }
        }
        Err(Error::new(
            ErrorCode::StorageError,
            "the engine waits for nothing and has no outcome (a bug in outpaint)",
        ))
    })
}

/// Runs one provider call to the end outside a session, under the engine's own rules:
/// each request of the provider's [`Exchange`] through `transport`, each wait through
/// `clock`, the answer checked as an image within `config.limits`, and a failed try
/// retried as [`ProviderFailure::retry_after`] says (after `config.retry_backoff_ms`, or
/// the provider's `retry-after`). `on_event` hears about polls and retries (messages
/// redacted).
pub fn exchange(
    model: Model,
    job: &Job,
    provider: &ProviderConfig,
    config: &EngineConfig,
    transport: &dyn Transport,
    clock: &dyn Clock,
    on_event: &dyn Fn(Event),
) -> std::result::Result<Called, ProviderFailure> {
    let mut tries = 0;
    loop {
        tries += 1;
        let failure = match once(model, job, provider, config, transport, clock, on_event) {
            Ok(called) => match check_image(&called.image, &config.limits) {
                Ok(()) => return Ok(called),
                Err(f) => f,
            },
            Err(f) => f,
        };
        let Some(ms) = failure.retry_after(tries, config.retry_backoff_ms) else {
            return Err(failure);
        };
        on_event(Event::Retrying {
            model,
            message: redact(&failure.message, std::slice::from_ref(&provider.api_key)),
            ms,
        });
        clock.sleep(ms);
    }
}

/// What [`exchange`] got: the image, and what was sent for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Called {
    /// The image bytes (PNG, JPEG or WebP), checked to decode.
    pub image: Vec<u8>,
    /// The provider's model id that made it.
    pub model: String,
    /// The images uploaded, as encoded to fit the model's limits.
    pub sent: Vec<Sent>,
}

/// One try of [`exchange`].
fn once(
    model: Model,
    job: &Job,
    provider: &ProviderConfig,
    config: &EngineConfig,
    transport: &dyn Transport,
    clock: &dyn Clock,
    on_event: &dyn Fn(Event),
) -> std::result::Result<Called, ProviderFailure> {
    let mut x = Exchange::new(model, job, provider, &config.registry);
    let mut reply = None;
    let mut polls = 0;
    loop {
        match x.step(reply.take()) {
            Next::Send(req) => reply = Some(transport.send(&req)),
            Next::Wait(ms) => {
                polls += 1;
                on_event(Event::Polling { model, polls, ms });
                clock.sleep(ms);
            }
            Next::Done(out) => {
                return out.map(|image| Called {
                    image,
                    model: x.model_id().to_string(),
                    sent: x.uploads().to_vec(),
                })
            }
        }
    }
}
