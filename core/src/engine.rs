//! The sans-IO session engine.
//!
//! An [`Engine`] runs one [`Operation`] (generate, iterate, outpaint, status, gallery).
//! It performs no I/O: [`Engine::poll`] either hands out the next [`Effect`] (read a
//! key, write a key with an expected version tag, list keys, call a provider, sleep) or
//! the finished [`Outcome`]; the host performs the effect and hands the [`Reply`] back
//! with [`Engine::submit`]. Time comes in with every poll; randomness (session ids,
//! backoff jitter) from a seed the host gives. The same engine therefore runs under the
//! blocking Rust driver, an async JS loop and C callbacks.
//!
//! Inside, each operation is plain sequential code (an `async fn` whose only awaits are
//! effects), driven by a no-op waker: no threads, no executor, no unsafe code.
//!
//! Writes: every session write is read-modify-write with compare-and-swap on the store's
//! version tag; on conflict it re-reads and re-applies the change, with bounded, jittered
//! exponential backoff, so concurrent writers never lose an update.
//!
//! Interrupted operations: an iteration left `in_progress` longer than
//! [`EngineConfig::stale_after_ms`] (a host that died mid-call) is failed with
//! "interrupted" by the next write to its session, so no iteration stays stuck.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode_mask_png, encode_png, Format, PngCompression};
use crate::composite::composite;
use crate::context::{context_key, ContextEntry, ContextWindow, PromptTemplate};
use crate::error::{Error, ErrorCode, Result};
use crate::expansion::Expansion;
use crate::fit::{Plan, Profile};
use crate::limits::Limits;
use crate::mask::{Curve, SeamOptions};
use crate::prepare::{prepare, PrepareOptions};
use crate::redact::redact;
use crate::session::{Budget, IterationStatus, Model, Session};
use crate::target::Target;
use crate::{validate, Fill};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "op")]
pub enum Operation {
    /// Create a session and generate index 0 in every enabled model.
    Generate {
        /// The prompt (missing = empty: `PROMPT_REQUIRED`).
        #[serde(default)]
        prompt: String,
        /// Models to enable (all four when empty).
        #[serde(default)]
        models: Vec<Model>,
        /// A starting image handed to providers as the job's source (the `local`
        /// provider returns it as the "generated" original).
        #[serde(default, skip)]
        image: Option<Vec<u8>>,
    },
    /// Refine the newest completed iteration of a model.
    Iterate {
        /// Session id.
        session_id: String,
        /// Model column.
        model: Model,
        /// What to change (missing = empty: `PROMPT_REQUIRED`).
        #[serde(default)]
        prompt: String,
    },
    /// Expand an iteration of a model to a target.
    Outpaint {
        /// Session id.
        session_id: String,
        /// Model column.
        model: Model,
        /// Target (`16:9`, `expand_all`, ...).
        preset: String,
        /// What to show in the new area (default "continue the scene naturally").
        #[serde(default)]
        prompt: Option<String>,
        /// Which completed iteration to expand (default: the newest).
        #[serde(default)]
        iteration_index: Option<u32>,
    },
    /// Read a session.
    Status {
        /// Session id.
        session_id: String,
    },
    /// List sessions, newest first.
    Gallery,
}

impl Operation {
    /// Reads an operation from JSON (`{"op":"iterate","sessionId":...,"model":"flux",
    /// "prompt":...}`): an unknown model name is `MODEL_NOT_FOUND`, anything else that
    /// does not fit `INVALID_OPTION`. Session ids and prompts are checked when it runs.
    pub fn from_json(v: serde_json::Value) -> Result<Operation> {
        let names = v.get("model").into_iter().chain(
            v.get("models")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten(),
        );
        for name in names.filter_map(serde_json::Value::as_str) {
            validate::model(name)?;
        }
        serde_json::from_value(v)
            .map_err(|e| Error::new(ErrorCode::InvalidOption, format!("not an operation: {e}")))
    }
}

/// A storage version tag (opaque to the engine).
pub type Tag = String;

/// The precondition of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The key must not exist.
    Absent,
    /// The key's current tag must be this.
    Tag(Tag),
    /// Unconditional (image blobs, written once under fresh keys).
    Any,
}

impl Expect {
    /// Whether a write may proceed given the key's current tag (`None` = absent).
    pub fn holds(&self, current: Option<&str>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => current.is_none(),
            Expect::Tag(t) => current == Some(t.as_str()),
        }
    }
}

/// Something the host must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read a key: reply [`Reply::Got`].
    Get {
        /// The key.
        key: String,
    },
    /// Write a key if `expected` holds: reply [`Reply::Put`].
    Put {
        /// The key.
        key: String,
        /// The bytes.
        body: Vec<u8>,
        /// The precondition.
        expected: Expect,
    },
    /// List keys under a prefix: reply [`Reply::Listed`].
    List {
        /// The prefix.
        prefix: String,
    },
    /// Call a provider: reply [`Reply::Called`].
    Call(Box<Job>),
    /// Wait: reply [`Reply::Slept`].
    Sleep {
        /// Milliseconds.
        ms: u64,
    },
}

/// A stored value and its version tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The version tag.
    pub tag: Tag,
}

/// The host's answer to an effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// For `Get`: the value, or `None` when the key does not exist.
    Got(Option<Stored>),
    /// For `Put`: the new tag, or `None` when the precondition failed.
    Put(Option<Tag>),
    /// For `List`: the keys.
    Listed(Vec<String>),
    /// For `Call`: the image bytes (PNG, JPEG or WebP) or a failure.
    Called(std::result::Result<Vec<u8>, ProviderFailure>),
    /// For `Sleep`.
    Slept,
    /// For `Get`, `Put` and `List`: the storage failed (surfaces as `STORAGE_ERROR`).
    StorageFailed(String),
}

/// A provider call that did not produce an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFailure {
    /// True when trying again may help (rate limits, 5xx, timeouts).
    pub retryable: bool,
    /// True for a timeout (`PROVIDER_TIMEOUT`), else `PROVIDER_ERROR`.
    pub timeout: bool,
    /// The provider's message (redacted before it is stored).
    pub message: String,
    /// How long the provider asked to wait before trying again (`retry-after`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ProviderFailure {
    /// `PROVIDER_TIMEOUT` for a timeout, else `PROVIDER_ERROR`.
    pub fn code(&self) -> ErrorCode {
        if self.timeout {
            ErrorCode::ProviderTimeout
        } else {
            ErrorCode::ProviderError
        }
    }

    /// How long to wait before the one retry: `backoff_ms`, or the provider's own
    /// `retry-after` when it asks for longer (capped: a minute is as long as a person
    /// waits for one step).
    pub fn retry_wait(&self, backoff_ms: u64) -> u64 {
        self.retry_after_ms
            .map_or(backoff_ms, |ms| ms.min(60_000).max(backoff_ms))
    }
}

impl From<ProviderFailure> for Error {
    fn from(f: ProviderFailure) -> Error {
        Error::new(f.code(), f.message)
    }
}

/// What kind of step a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Make index 0.
    Generate,
    /// Refine the source.
    Iterate,
    /// Expand the source.
    Outpaint,
}

/// Everything a provider needs for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The model column.
    pub model: Model,
    /// The kind of step.
    pub kind: JobKind,
    /// The final prompt (with context for iterations).
    pub prompt: String,
    /// The source image (iterate, outpaint; generate when the host gave one).
    pub source: Option<Vec<u8>>,
    /// Its MIME type.
    pub source_mime: Option<&'static str>,
    /// For outpaint: canvas, mask and geometry prepared for the model's profile.
    pub outpaint: Option<OutpaintJob>,
}

/// The outpaint part of a job, prepared with the model's profile (flux -> flux-fill,
/// recraft -> recraft-outpaint, gemini -> gemini, openai -> openai).
#[derive(Debug, Clone, PartialEq)]
pub struct OutpaintJob {
    /// The target as given.
    pub target: String,
    /// The pre-filled canvas in the plan's sent geometry (PNG; RGBA with transparent
    /// area to paint for OpenAI).
    pub canvas_png: Vec<u8>,
    /// The mask in the sent geometry (PNG, 255 = generate).
    pub mask_png: Vec<u8>,
    /// The full-resolution expansion.
    pub expansion: Expansion,
    /// How the canvas is sent and mapped back.
    pub plan: Plan,
    /// The direction sentence.
    pub direction: String,
}

/// The provider profile of each model column.
pub fn profile_of(model: Model) -> Profile {
    match model {
        Model::Flux => Profile::FluxFill,
        Model::Recraft => Profile::RecraftOutpaint,
        Model::Gemini => Profile::Gemini,
        Model::Openai => Profile::OpenAi,
    }
}

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
    /// Secrets the host holds (API keys), redacted from stored errors.
    pub secrets: Vec<String>,
    /// Outpaint seam (default feather 32, smoothstep).
    pub seam: SeamOptions,
    /// Outpaint pre-fill (default edge).
    pub fill: Fill,
    /// Decode and canvas limits.
    pub limits: Limits,
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
            },
            fill: Fill::Edge,
            limits: Limits::default(),
        }
    }
}

/// One row of the gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GalleryItem {
    /// Session id.
    pub session_id: String,
    /// The generating prompt.
    pub prompt: String,
    /// ISO 8601 UTC.
    pub created_at: String,
    /// Enabled models.
    pub model_count: u32,
    /// Iterations that used the budget, over all models.
    pub total_iterations: u32,
    /// Image key of the first completed iteration (models in order), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

/// Counters of what an operation went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Writes refused because another writer got there first.
    pub conflicts: u32,
    /// Provider calls retried.
    pub provider_retries: u32,
}

/// What an operation produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The session as stored at the end (generate, iterate, outpaint, status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// The iteration this operation made (iterate, outpaint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iteration_index: Option<u32>,
    /// Budget and context warnings.
    pub warnings: Vec<String>,
    /// Sessions, newest first (gallery).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gallery: Option<Vec<GalleryItem>>,
    /// Conflict and retry counts.
    pub stats: Stats,
}

/// What [`Engine::poll`] answers.
#[derive(Debug, Clone, PartialEq)]
// `Done` carries the whole outcome once per operation; boxing it would only add an
// allocation to every effect's answer.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Perform this, then [`Engine::submit`] the reply.
    Effect(Effect),
    /// Finished.
    Done(Result<Outcome>),
}

struct Shared {
    effect: Option<Effect>,
    reply: Option<Reply>,
    now_ms: u64,
    rng: u64,
    stats: Stats,
}

/// The engine's handle on its host: every await is an effect.
#[derive(Clone)]
struct Io(Rc<RefCell<Shared>>);

struct EffectFuture {
    io: Io,
    effect: Option<Effect>,
}

impl Future for EffectFuture {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Reply> {
        let this = self.get_mut();
        if let Some(e) = this.effect.take() {
            this.io.0.borrow_mut().effect = Some(e);
            return Poll::Pending;
        }
        match this.io.0.borrow_mut().reply.take() {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

fn storage_error(what: &str, key: &str, msg: &str) -> Error {
    Error::new(
        ErrorCode::StorageError,
        format!("{what} {key} failed: {msg}"),
    )
}

fn unexpected(reply: &Reply) -> Error {
    Error::new(
        ErrorCode::StorageError,
        format!("the host answered an effect with the wrong reply: {reply:?}"),
    )
}

impl Io {
    fn perform(&self, effect: Effect) -> EffectFuture {
        EffectFuture {
            io: self.clone(),
            effect: Some(effect),
        }
    }

    fn now_ms(&self) -> u64 {
        self.0.borrow().now_ms
    }

    fn now(&self) -> String {
        iso8601(self.now_ms())
    }

    fn random(&self) -> u64 {
        // SplitMix64 over the host's seed.
        let mut s = self.0.borrow_mut();
        s.rng = s.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn stats(&self) -> std::cell::RefMut<'_, Stats> {
        std::cell::RefMut::map(self.0.borrow_mut(), |s| &mut s.stats)
    }

    async fn get(&self, key: &str) -> Result<Option<Stored>> {
        match self.perform(Effect::Get { key: key.into() }).await {
            Reply::Got(v) => Ok(v),
            Reply::StorageFailed(m) => Err(storage_error("reading", key, &m)),
            r => Err(unexpected(&r)),
        }
    }

    async fn put(&self, key: &str, body: Vec<u8>, expected: Expect) -> Result<Option<Tag>> {
        let e = Effect::Put {
            key: key.into(),
            body,
            expected,
        };
        match self.perform(e).await {
            Reply::Put(t) => Ok(t),
            Reply::StorageFailed(m) => Err(storage_error("writing", key, &m)),
            r => Err(unexpected(&r)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        match self
            .perform(Effect::List {
                prefix: prefix.into(),
            })
            .await
        {
            Reply::Listed(v) => Ok(v),
            Reply::StorageFailed(m) => Err(storage_error("listing", prefix, &m)),
            r => Err(unexpected(&r)),
        }
    }

    async fn sleep(&self, ms: u64) {
        let _ = self.perform(Effect::Sleep { ms }).await;
    }

    async fn call(&self, job: Job) -> std::result::Result<Vec<u8>, ProviderFailure> {
        match self.perform(Effect::Call(Box::new(job))).await {
            Reply::Called(r) => r,
            r => Err(ProviderFailure {
                retryable: false,
                timeout: false,
                message: format!("the host answered a provider call with {r:?}"),
                retry_after_ms: None,
            }),
        }
    }
}

/// Runs one operation; see the module docs.
pub struct Engine {
    io: Io,
    fut: Option<Pin<Box<dyn Future<Output = Result<Outcome>>>>>,
}

impl Engine {
    /// Starts `op`. `seed` is the host's randomness (session ids, jitter).
    pub fn new(op: Operation, config: EngineConfig, now_ms: u64, seed: u64) -> Engine {
        let io = Io(Rc::new(RefCell::new(Shared {
            effect: None,
            reply: None,
            now_ms,
            rng: seed,
            stats: Stats::default(),
        })));
        let run_io = io.clone();
        let fut = Box::pin(async move { run(&run_io, &config, op).await });
        Engine { io, fut: Some(fut) }
    }

    /// Advances to the next effect or the end. `now_ms` is the host's clock (ms since
    /// the Unix epoch). After `Done`, polling again answers `Done` with a `CONFLICT`
    /// error saying the operation is over.
    pub fn poll(&mut self, now_ms: u64) -> Step {
        self.io.0.borrow_mut().now_ms = now_ms;
        if let Some(e) = self.io.0.borrow().effect.clone() {
            return Step::Effect(e);
        }
        let Some(fut) = self.fut.as_mut() else {
            return Step::Done(Err(Error::new(
                ErrorCode::Conflict,
                "this operation has already finished",
            )));
        };
        let mut cx = Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(out) => {
                self.fut = None;
                Step::Done(out.map(|mut o| {
                    o.stats = self.io.0.borrow().stats;
                    o
                }))
            }
            Poll::Pending => match self.io.0.borrow().effect.clone() {
                Some(e) => Step::Effect(e),
                None => Step::Done(Err(Error::new(
                    ErrorCode::StorageError,
                    "engine stalled without an effect (a bug in outpaint)",
                ))),
            },
        }
    }

    /// Hands back the reply to the effect [`Engine::poll`] gave.
    pub fn submit(&mut self, reply: Reply) {
        let mut s = self.io.0.borrow_mut();
        s.effect = None;
        s.reply = Some(reply);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch (civil calendar,
/// Howard Hinnant's days-from-civil inverse).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let sod = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        ms % 1000
    )
}

fn session_key(id: &str) -> String {
    format!("sessions/{id}/status.json")
}

fn image_key(id: &str, model: Model, index: u32, format: Format) -> String {
    let ext = match format {
        Format::Png => "png",
        Format::Jpeg => "jpg",
        Format::Webp => "webp",
    };
    format!("sessions/{id}/images/{model}-{index}.{ext}")
}

async fn run(io: &Io, cfg: &EngineConfig, op: Operation) -> Result<Outcome> {
    match op {
        Operation::Generate {
            prompt,
            models,
            image,
        } => generate(io, cfg, &prompt, &models, image).await,
        Operation::Iterate {
            session_id,
            model,
            prompt,
        } => step(io, cfg, &session_id, model, &prompt, None).await,
        Operation::Outpaint {
            session_id,
            model,
            preset,
            prompt,
            iteration_index,
        } => {
            let p = validate::outpaint_prompt(prompt.as_deref())?;
            let target = validate::preset(&preset)?;
            step(
                io,
                cfg,
                &session_id,
                model,
                &p,
                Some((target, preset, iteration_index)),
            )
            .await
        }
        Operation::Status { session_id } => {
            validate::session_id(&session_id)?;
            let (s, _) = load(io, &session_id).await?;
            Ok(outcome(Some(s), None, Vec::new()))
        }
        Operation::Gallery => gallery(io).await,
    }
}

fn outcome(session: Option<Session>, index: Option<u32>, warnings: Vec<String>) -> Outcome {
    Outcome {
        session,
        iteration_index: index,
        warnings,
        gallery: None,
        stats: Stats::default(),
    }
}

async fn load(io: &Io, id: &str) -> Result<(Session, Tag)> {
    match io.get(&session_key(id)).await? {
        Some(stored) => Ok((Session::from_json(&stored.bytes)?, stored.tag)),
        None => Err(Error::new(
            ErrorCode::SessionNotFound,
            format!("no session {id}"),
        )),
    }
}

/// Read-modify-write of a session with compare-and-swap: `change` is re-applied to a
/// fresh read after every conflict. Stale `in_progress` iterations are failed first.
async fn update<T>(
    io: &Io,
    cfg: &EngineConfig,
    id: &str,
    mut change: impl FnMut(&mut Session, &str) -> Result<T>,
) -> Result<(Session, T)> {
    let key = session_key(id);
    for attempt in 0..cfg.max_write_attempts {
        let (mut s, tag) = load(io, id).await?;
        let now = io.now();
        expire_stale(&mut s, cfg, io.now_ms(), &now);
        let value = change(&mut s, &now)?;
        s.version += 1;
        s.refresh(&now);
        if io.put(&key, s.to_json(), Expect::Tag(tag)).await?.is_some() {
            return Ok((s, value));
        }
        io.stats().conflicts += 1;
        let cap = cfg
            .write_backoff_ms
            .saturating_mul(1 << attempt.min(16))
            .min(1000);
        let wait = if cap == 0 { 0 } else { io.random() % (cap + 1) };
        if wait > 0 {
            io.sleep(wait).await;
        }
    }
    Err(Error::new(
        ErrorCode::Conflict,
        format!(
            "session {id} kept changing under {} write attempts",
            cfg.max_write_attempts
        ),
    ))
}

fn expire_stale(s: &mut Session, cfg: &EngineConfig, now_ms: u64, now: &str) {
    for m in Model::ALL {
        let stale: Vec<u32> = s
            .models
            .get(m)
            .iterations
            .iter()
            .filter(|i| i.status == IterationStatus::InProgress)
            .filter(|i| {
                parse_ms(&i.started_at)
                    .is_some_and(|t| now_ms.saturating_sub(t) > cfg.stale_after_ms)
            })
            .map(|i| i.index)
            .collect();
        for index in stale {
            let _ = s.fail(
                m,
                index,
                "interrupted: no result before the deadline".into(),
                now,
            );
        }
    }
}

/// Milliseconds since the epoch of an ISO 8601 UTC time as written by [`iso8601`]
/// (seconds and an optional fraction; `Z`).
fn parse_ms(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = if b.get(19) == Some(&b'.') {
        t.get(20..23)
            .and_then(|f| f.parse::<i64>().ok())
            .unwrap_or(0)
    } else {
        0
    };
    // days_from_civil
    let y = y - i64::from(mo <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total = ((days * 86_400 + h * 3600 + mi * 60 + s) * 1000) + ms;
    u64::try_from(total).ok()
}

/// Calls a provider, retrying once after the configured backoff when it failed with a
/// retryable error. Returns the validated image or the (unredacted) failure as an error.
async fn call_with_retry(io: &Io, cfg: &EngineConfig, job: Job) -> Result<Vec<u8>> {
    let mut tries = 0;
    loop {
        tries += 1;
        let failure = match io.call(job.clone()).await {
            Ok(bytes) => match Format::detect(&bytes)
                .ok_or(ErrorCode::UnsupportedFormat)
                .and_then(|_| decode(&bytes, &cfg.limits).map_err(|e| e.code()))
            {
                Ok(_) => return Ok(bytes),
                Err(code) => ProviderFailure {
                    retryable: true,
                    timeout: false,
                    message: format!("provider returned an unusable image ({code})"),
                    retry_after_ms: None,
                },
            },
            Err(f) => f,
        };
        if tries >= 2 || !failure.retryable {
            return Err(failure.into());
        }
        io.stats().provider_retries += 1;
        io.sleep(failure.retry_wait(cfg.retry_backoff_ms)).await;
    }
}

async fn generate(
    io: &Io,
    cfg: &EngineConfig,
    prompt: &str,
    models: &[Model],
    image: Option<Vec<u8>>,
) -> Result<Outcome> {
    let prompt = validate::prompt(prompt)?;
    let mut enabled: Vec<Model> = if models.is_empty() {
        Model::ALL.to_vec()
    } else {
        models.to_vec()
    };
    enabled.sort();
    enabled.dedup();
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&io.random().to_le_bytes());
    random[8..].copy_from_slice(&io.random().to_le_bytes());
    let id = validate::new_session_id(random);
    let now = io.now();
    let mut s = Session::new(id.clone(), prompt.clone(), &enabled, &now);
    for &m in &enabled {
        s.begin(m, &prompt, None, None, &cfg.budget, &now)?;
    }
    s.refresh(&now);
    if io
        .put(&session_key(&id), s.to_json(), Expect::Absent)
        .await?
        .is_none()
    {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!("a session {id} already exists (reused randomness?)"),
        ));
    }
    let source_mime = image.as_deref().and_then(Format::detect).map(Format::mime);
    for &m in &enabled {
        let job = Job {
            model: m,
            kind: JobKind::Generate,
            prompt: prompt.clone(),
            source: image.clone(),
            source_mime,
            outpaint: None,
        };
        let step = StepRef {
            id: &id,
            model: m,
            index: 0,
            prompt: &prompt,
            preset: None,
        };
        finish(io, cfg, step, call_with_retry(io, cfg, job).await).await?;
    }
    let (s, _) = load(io, &id).await?;
    Ok(outcome(Some(s), None, Vec::new()))
}

/// The iteration a provider call was for.
#[derive(Clone, Copy)]
struct StepRef<'a> {
    id: &'a str,
    model: Model,
    index: u32,
    prompt: &'a str,
    preset: Option<&'a str>,
}

/// Stores a provider's result (or failure) for an iteration and, on success, pushes the
/// step onto the model's context window.
async fn finish(
    io: &Io,
    cfg: &EngineConfig,
    step: StepRef<'_>,
    result: Result<Vec<u8>>,
) -> Result<(Session, Vec<String>)> {
    let StepRef {
        id, model, index, ..
    } = step;
    match result {
        Ok(bytes) => {
            let format = Format::detect(&bytes).unwrap_or(Format::Png);
            let key = image_key(id, model, index, format);
            io.put(&key, bytes, Expect::Any).await?;
            let (s, ()) = update(io, cfg, id, |s, now| {
                s.complete(model, index, key.clone(), now)
            })
            .await?;
            let warnings = push_context(io, cfg, step, &key).await;
            Ok((s, warnings))
        }
        Err(e) => {
            let msg = format!("{}: {}", e.code(), redact(e.message(), &cfg.secrets));
            let (s, ()) =
                update(io, cfg, id, |s, now| s.fail(model, index, msg.clone(), now)).await?;
            Ok((s, Vec::new()))
        }
    }
}

/// Adds a successful step to the context window (CAS like sessions). Context is an aid,
/// not a record: a failure here becomes a warning, never the operation's failure.
async fn push_context(
    io: &Io,
    cfg: &EngineConfig,
    step: StepRef<'_>,
    image_key: &str,
) -> Vec<String> {
    let StepRef {
        id,
        model,
        index,
        prompt,
        preset,
    } = step;
    let key = context_key(id, model);
    let mut warnings = Vec::new();
    for _ in 0..cfg.max_write_attempts {
        let (mut w, expect, warn) = match io.get(&key).await {
            Ok(Some(stored)) => {
                let (w, warn) = ContextWindow::from_json(&stored.bytes, id, model);
                (w, Expect::Tag(stored.tag), warn)
            }
            Ok(None) => (ContextWindow::new(id, model), Expect::Absent, Vec::new()),
            Err(e) => {
                warnings.push(format!("context not saved: {e}"));
                return warnings;
            }
        };
        w.push(ContextEntry {
            iteration: index,
            prompt: prompt.to_string(),
            image_key: image_key.to_string(),
            timestamp: io.now(),
            outpaint_preset: preset.map(str::to_string),
        });
        match io.put(&key, w.to_json(), expect).await {
            Ok(Some(_)) => {
                warnings.extend(warn);
                return warnings;
            }
            Ok(None) => io.stats().conflicts += 1,
            Err(e) => {
                warnings.push(format!("context not saved: {e}"));
                return warnings;
            }
        }
    }
    warnings.push("context not saved: kept conflicting".into());
    warnings
}

/// Iterate (no outpaint part) or outpaint one model column.
async fn step(
    io: &Io,
    cfg: &EngineConfig,
    id: &str,
    model: Model,
    prompt: &str,
    outpaint: Option<(Target, String, Option<u32>)>,
) -> Result<Outcome> {
    validate::session_id(id)?;
    let prompt = validate::prompt(prompt)?;
    let pick = outpaint.as_ref().and_then(|o| o.2);
    let preset = outpaint.as_ref().map(|o| o.1.clone());
    let (_, (index, parent, source_key, warning)) = update(io, cfg, id, |s, now| {
        let src = s.source(model, pick)?;
        let (parent, key) = (src.index, src.image_key.clone());
        let started = s.begin(
            model,
            &prompt,
            Some(parent),
            preset.clone(),
            &cfg.budget,
            now,
        )?;
        Ok((started.index, parent, key, started.warning))
    })
    .await?;
    let mut warnings: Vec<String> = warning.into_iter().collect();

    // From here on the iteration exists: any failure is recorded on it.
    let prepared = async {
        let key = source_key.ok_or_else(|| {
            Error::new(
                ErrorCode::IterationNotFound,
                format!("iteration {parent} of {model} has no image"),
            )
        })?;
        let source = io.get(&key).await?.ok_or_else(|| {
            Error::new(
                ErrorCode::StorageError,
                format!("image {key} of iteration {parent} is missing"),
            )
        })?;
        let (window, warn) = match io.get(&context_key(id, model)).await? {
            Some(c) => ContextWindow::from_json(&c.bytes, id, model),
            None => (ContextWindow::new(id, model), Vec::new()),
        };
        let mime = Format::detect(&source.bytes).map(Format::mime);
        let mut job = Job {
            model,
            kind: JobKind::Iterate,
            prompt: window.prompt(&prompt, &cfg.template),
            source: Some(source.bytes),
            source_mime: mime,
            outpaint: None,
        };
        if let Some((target, preset, _)) = &outpaint {
            job.kind = JobKind::Outpaint;
            job.outpaint = Some(outpaint_job(
                cfg,
                model,
                target,
                preset,
                job.source.as_deref().unwrap_or_default(),
            )?);
        }
        Ok::<_, Error>((job, warn))
    }
    .await;
    let result = match prepared {
        Ok((job, warn)) => {
            warnings.extend(warn);
            let original = job.source.clone();
            let plan = job.outpaint.as_ref().map(|o| o.plan.clone());
            match (call_with_retry(io, cfg, job).await, plan, original) {
                (Ok(bytes), Some(plan), Some(orig)) => composite_result(cfg, &orig, &bytes, &plan),
                (r, _, _) => r,
            }
        }
        Err(e) => Err(e),
    };
    let step = StepRef {
        id,
        model,
        index,
        prompt: &prompt,
        preset: preset.as_deref(),
    };
    let (s, warn) = finish(io, cfg, step, result).await?;
    warnings.extend(warn);
    Ok(outcome(Some(s), Some(index), warnings))
}

fn outpaint_job(
    cfg: &EngineConfig,
    model: Model,
    target: &Target,
    preset: &str,
    source: &[u8],
) -> Result<OutpaintJob> {
    let img = decode(source, &cfg.limits)?;
    let opts = PrepareOptions {
        fill: cfg.fill,
        seam: cfg.seam,
        profile: profile_of(model),
        limits: cfg.limits,
        ..PrepareOptions::new(*target)
    };
    let p = prepare(img.view(), &opts)?;
    Ok(OutpaintJob {
        target: preset.to_string(),
        canvas_png: encode_png(p.canvas.view(), PngCompression::Fast)?,
        mask_png: encode_mask_png(&p.mask, PngCompression::Fast)?,
        expansion: p.expansion,
        direction: p.plan.direction.clone(),
        plan: p.plan,
    })
}

/// Maps an outpaint result back through the plan and composites it with the original at
/// full resolution (PNG).
fn composite_result(
    cfg: &EngineConfig,
    original: &[u8],
    result: &[u8],
    plan: &Plan,
) -> Result<Vec<u8>> {
    let orig = decode(original, &cfg.limits)?;
    let res = decode(result, &cfg.limits)?;
    let (out, _) = composite(orig.view(), res.view(), plan, &cfg.seam, &cfg.limits)?;
    encode_png(out.view(), PngCompression::Fast)
}

async fn gallery(io: &Io) -> Result<Outcome> {
    let keys = io.list("sessions/").await?;
    let mut items = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with("/status.json")) {
        let Some(stored) = io.get(key).await? else {
            continue;
        };
        let Ok(s) = Session::from_json(&stored.bytes) else {
            continue;
        };
        let thumbnail = s
            .models
            .iter()
            .flat_map(|(_, c)| c.iterations.iter())
            .find(|i| i.status == IterationStatus::Completed)
            .and_then(|i| i.image_key.clone());
        items.push(GalleryItem {
            model_count: s.models.iter().filter(|(_, c)| c.enabled).count() as u32,
            total_iterations: s.total_iterations(),
            session_id: s.session_id,
            prompt: s.prompt,
            created_at: s.created_at,
            thumbnail,
        });
    }
    items.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.session_id.cmp(&a.session_id))
    });
    items.truncate(50);
    Ok(Outcome {
        gallery: Some(items),
        ..outcome(None, None, Vec::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_round_trips() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_763_700_000_123), "2025-11-21T04:40:00.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        for ms in [
            0u64,
            1,
            951_782_400_000,
            1_763_700_000_123,
            4_102_444_800_000,
        ] {
            assert_eq!(parse_ms(&iso8601(ms)), Some(ms));
        }
        assert_eq!(parse_ms("2026-01-01T00:00:05Z"), Some(1_767_225_605_000));
        assert_eq!(parse_ms("yesterday"), None);
    }
}
