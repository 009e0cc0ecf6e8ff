//! The blocking Rust driver of the [`Engine`](crate::engine::Engine): traits for the
//! host's storage, provider and clock, a loop that performs each effect, an in-memory
//! store, and the offline `local` provider.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::codec::{decode, encode_png, PngCompression};
use crate::engine::{
    Effect, Engine, EngineConfig, Expect, Job, JobKind, Operation, Outcome, ProviderFailure, Reply,
    Step, Stored, Tag,
};
use crate::error::Result;
use crate::http::{Reply as HttpReply, Request};
use crate::image::Image;
use crate::local;
use crate::providers::{Exchange, Next, ProviderConfig};
use crate::session::Model;

/// A key-value store with version tags (compare-and-swap).
pub trait Storage {
    /// The value and its tag, `None` when absent; `Err` is a storage failure.
    fn get(&self, key: &str) -> std::result::Result<Option<Stored>, String>;
    /// Writes if `expected` holds: `Some(new tag)`, or `None` when it did not.
    fn put(
        &self,
        key: &str,
        body: &[u8],
        expected: &Expect,
    ) -> std::result::Result<Option<Tag>, String>;
    /// Keys starting with `prefix`.
    fn list(&self, prefix: &str) -> std::result::Result<Vec<String>, String>;
}

/// An image provider.
pub trait Provider {
    /// Runs one job: image bytes (PNG, JPEG or WebP) or a failure.
    fn call(&self, job: &Job) -> std::result::Result<Vec<u8>, ProviderFailure>;
}

/// The host's clock.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits (a test clock just advances).
    fn sleep(&self, ms: u64);
}

/// Runs `op` to the end, performing every effect with the given host parts.
pub fn run(
    op: Operation,
    config: EngineConfig,
    storage: &dyn Storage,
    provider: &dyn Provider,
    clock: &dyn Clock,
    seed: u64,
) -> Result<Outcome> {
    let mut engine = Engine::new(op, config, clock.now_ms(), seed);
    loop {
        let reply = match engine.poll(clock.now_ms()) {
            Step::Done(out) => return out,
            Step::Effect(Effect::Get { key }) => match storage.get(&key) {
                Ok(v) => Reply::Got(v),
                Err(e) => Reply::StorageFailed(e),
            },
            Step::Effect(Effect::Put {
                key,
                body,
                expected,
            }) => match storage.put(&key, &body, &expected) {
                Ok(t) => Reply::Put(t),
                Err(e) => Reply::StorageFailed(e),
            },
            Step::Effect(Effect::List { prefix }) => match storage.list(&prefix) {
                Ok(v) => Reply::Listed(v),
                Err(e) => Reply::StorageFailed(e),
            },
            Step::Effect(Effect::Call(job)) => Reply::Called(provider.call(&job)),
            Step::Effect(Effect::Sleep { ms }) => {
                clock.sleep(ms);
                Reply::Slept
            }
        };
        engine.submit(reply);
    }
}

/// Sends HTTP requests: the host's client (the core never opens a socket).
pub trait Transport {
    /// Sends `request`, honouring its timeout and response size cap.
    fn send(&self, request: &Request) -> HttpReply;
}

/// Runs one provider call to the end: each request of the provider's [`Exchange`]
/// through `transport`, each wait through `clock`; `progress` hears about waits.
pub fn exchange(
    model: Model,
    job: &Job,
    config: &ProviderConfig,
    transport: &dyn Transport,
    clock: &dyn Clock,
    progress: &dyn Fn(Progress),
) -> std::result::Result<Vec<u8>, ProviderFailure> {
    let mut x = Exchange::new(model, job, config);
    let mut reply = None;
    let mut polls = 0;
    loop {
        match x.step(reply.take()) {
            Next::Send(req) => reply = Some(transport.send(&req)),
            Next::Wait(ms) => {
                polls += 1;
                progress(Progress::Waiting { model, polls, ms });
                clock.sleep(ms);
            }
            Next::Done(out) => return out,
        }
    }
}

/// What [`exchange`] reports while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Waiting before poll number `polls` of an asynchronous result.
    Waiting {
        /// Whose result.
        model: Model,
        /// Polls so far, this one included.
        polls: u32,
        /// The wait.
        ms: u64,
    },
}

/// The four real providers over a [`Transport`]: each model's jobs go to its provider
/// with its [`ProviderConfig`]; a model without one fails its calls (not retried).
pub struct HttpProvider<'a> {
    /// Per-model settings (API keys, base URLs).
    pub configs: Vec<(Model, ProviderConfig)>,
    /// The HTTP client.
    pub transport: &'a dyn Transport,
    /// Waits between polls.
    pub clock: &'a dyn Clock,
    /// Hears about waits (a CLI prints a progress line).
    pub progress: &'a dyn Fn(Progress),
}

impl Provider for HttpProvider<'_> {
    fn call(&self, job: &Job) -> std::result::Result<Vec<u8>, ProviderFailure> {
        match self.configs.iter().find(|(m, _)| *m == job.model) {
            Some((m, c)) => exchange(*m, job, c, self.transport, self.clock, self.progress),
            None => Err(ProviderFailure {
                retryable: false,
                timeout: false,
                message: format!("no provider is configured for {}", job.model),
                retry_after_ms: None,
            }),
        }
    }
}

/// Keys to `(bytes, tag)`, plus the last tag handed out.
type Entries = (u64, BTreeMap<String, (Vec<u8>, u64)>);

/// A thread-safe in-memory store; tags are per-store write counters.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Entries>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes under `key` (for tests and inspection).
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.get(key).map(|(b, _)| b.clone())
    }
}

impl Storage for MemoryStore {
    fn get(&self, key: &str) -> std::result::Result<Option<Stored>, String> {
        let g = self
            .inner
            .lock()
            .map_err(|_| "store lock poisoned".to_string())?;
        Ok(g.1.get(key).map(|(b, t)| Stored {
            bytes: b.clone(),
            tag: t.to_string(),
        }))
    }

    fn put(
        &self,
        key: &str,
        body: &[u8],
        expected: &Expect,
    ) -> std::result::Result<Option<Tag>, String> {
        let mut g = self
            .inner
            .lock()
            .map_err(|_| "store lock poisoned".to_string())?;
        let current = g.1.get(key).map(|(_, t)| t.to_string());
        if !expected.holds(current.as_deref()) {
            return Ok(None);
        }
        g.0 += 1;
        let tag = g.0;
        g.1.insert(key.to_string(), (body.to_vec(), tag));
        Ok(Some(tag.to_string()))
    }

    fn list(&self, prefix: &str) -> std::result::Result<Vec<String>, String> {
        let g = self
            .inner
            .lock()
            .map_err(|_| "store lock poisoned".to_string())?;
        Ok(g.1
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

/// The offline `local` provider: generate returns the job's source image (or a
/// procedural picture seeded by the prompt), iterate returns the source with a gentle
/// prompt-dependent colour grade, outpaint fills the canvas with [`local::generate`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalProvider;

fn failure(e: crate::Error) -> ProviderFailure {
    ProviderFailure {
        retryable: false,
        timeout: false,
        message: e.to_string(),
        retry_after_ms: None,
    }
}

fn seed_of(s: &str) -> u32 {
    s.bytes().fold(0x811C_9DC5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A 256x256 gradient scene whose colours come from the prompt.
pub fn procedural(prompt: &str) -> Image {
    let h = seed_of(prompt);
    let sky = [
        (h & 0xFF) as u8 / 2 + 60,
        ((h >> 8) & 0xFF) as u8 / 2 + 90,
        220,
    ];
    let ground = [
        60,
        ((h >> 16) & 0xFF) as u8 / 2 + 80,
        ((h >> 24) & 0xFF) as u8 / 3 + 30,
    ];
    let mut d = Vec::with_capacity(256 * 256 * 4);
    for y in 0..256u32 {
        for x in 0..256u32 {
            let horizon = 150 + ((x as f32 / 20.0).sin() * 8.0) as u32;
            let c = if y < horizon { sky } else { ground };
            let shade = 255 - (y / 4) as u8;
            for ch in c {
                d.push((u32::from(ch) * u32::from(shade) / 255) as u8);
            }
            d.push(255);
        }
    }
    Image::from_rgba(256, 256, d).expect("fixed size")
}

impl Provider for LocalProvider {
    fn call(&self, job: &Job) -> std::result::Result<Vec<u8>, ProviderFailure> {
        let limits = crate::Limits::default();
        let png = |img: &Image| encode_png(img.view(), PngCompression::Fast).map_err(failure);
        match job.kind {
            JobKind::Generate => match &job.source {
                Some(bytes) => Ok(bytes.clone()),
                None => png(&procedural(&job.prompt)),
            },
            JobKind::Iterate => {
                let src = job.source.as_deref().unwrap_or_default();
                let mut img = decode(src, &limits).map_err(failure)?;
                let h = seed_of(&job.prompt);
                let gain = [
                    (h & 0x1F) as i32 - 16,
                    ((h >> 5) & 0x1F) as i32 - 16,
                    ((h >> 10) & 0x1F) as i32 - 16,
                ];
                for p in img.data_mut().chunks_exact_mut(4) {
                    for c in 0..3 {
                        p[c] = (i32::from(p[c]) + gain[c]).clamp(0, 255) as u8;
                    }
                }
                png(&img)
            }
            JobKind::Outpaint => {
                let o = job.outpaint.as_ref().ok_or_else(|| ProviderFailure {
                    retryable: false,
                    timeout: false,
                    message: "outpaint job without a canvas".into(),
                    retry_after_ms: None,
                })?;
                let canvas = decode(&o.canvas_png, &limits).map_err(failure)?;
                let out =
                    local::generate(&canvas, &o.plan.sent_layout(), &limits).map_err(failure)?;
                png(&out)
            }
        }
    }
}
