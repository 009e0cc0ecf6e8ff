//! The session engine over C: an `outpaint_engine` handle with the core's shape
//! (`poll_effect` hands out effects under ids, several at once; the host answers each by
//! id, in any order, from any thread, with the typed `handle_*` of its kind; waits are
//! deadlines), and `outpaint_engine_run`, which drives it with callbacks.
//!
//! The handle locks inside, so answers may come from other threads while
//! `outpaint_engine_run` (or another thread) polls. Each effect handed out is kept here
//! until it is answered: its views stay valid until then.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use outpaint_core::engine::{
    Effect, EffectId, EffectKind, Event, Expect, HostError, JobKind, Stored,
};
use outpaint_core::providers::{
    local_call, FailureKind, Method, ProviderFailure, Response, TransportError,
};
use outpaint_core::session::Model;
use outpaint_core::{Engine, EngineConfig, Error, ErrorCode, Operation};

use crate::boundary::{boundary, guard_unit, present, shared, Fail};
use crate::buffer::{byte_slice, none, opt_str, outpaint_bytes, outpaint_str, owned, sv};
use crate::status::outpaint_status;

/// A running session operation (opaque). Create with `outpaint_engine_new`, release with
/// `outpaint_engine_free` (after every thread is done with it). Safe to use from several
/// threads: answers may come from any thread.
pub struct outpaint_engine {
    inner: Mutex<Inner>,
    /// Signalled on every answer (`outpaint_engine_run` waits on it).
    answered: Condvar,
}

struct Inner {
    engine: Engine,
    /// Effects handed out and not yet answered, with what their views point at.
    held: BTreeMap<u64, Box<Held>>,
    /// The outcome once taken from the engine: its status and text (the outcome JSON,
    /// or the error message).
    done: Option<(outpaint_status, String)>,
    /// The last event handed out (its message view points here).
    event: Option<Event>,
    /// Answers taken so far: a driver that saw this many at its last poll knows whether
    /// one came in since (and polls again instead of waiting).
    answers: u64,
}

/// An effect handed out, owning the bytes its C view points at.
struct Held {
    effect: Effect,
    /// CALL: the plan as JSON; HTTP: unused.
    plan_json: String,
    /// HTTP: the request's headers as views.
    headers: Vec<outpaint_header>,
}

/// What an effect asks for.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_effect_kind {
    /// Nothing to do now: answer effects in flight, or wait for the deadline
    /// (`outpaint_engine_poll_timeout`), or read the outcome.
    OUTPAINT_EFFECT_NONE = 0,
    /// Read `data.get.key`: answer with `outpaint_engine_handle_get`.
    OUTPAINT_EFFECT_GET = 1,
    /// Write `data.put.body` at `data.put.key` if `data.put.expect` holds: answer with
    /// `outpaint_engine_handle_put`.
    OUTPAINT_EFFECT_PUT = 2,
    /// List keys starting with `data.list.prefix`: answer with
    /// `outpaint_engine_handle_list`.
    OUTPAINT_EFFECT_LIST = 3,
    /// Run a provider job (`data.call`): answer with `outpaint_engine_handle_image`,
    /// `_failure` or `_local`.
    OUTPAINT_EFFECT_CALL = 4,
    /// Send an HTTP request of a provider exchange the engine runs itself (`data.http`):
    /// answer with `outpaint_engine_handle_response` or `_transport_error`.
    OUTPAINT_EFFECT_HTTP = 5,
}

/// The precondition of a PUT.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_expect {
    /// Write unconditionally.
    OUTPAINT_EXPECT_ANY = 0,
    /// Write only if the key does not exist.
    OUTPAINT_EXPECT_ABSENT = 1,
    /// Write only if the key's current tag equals `expect_tag`.
    OUTPAINT_EXPECT_TAG = 2,
}

/// A model column.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_model {
    /// Black Forest Labs FLUX.
    OUTPAINT_MODEL_FLUX = 0,
    /// Recraft.
    OUTPAINT_MODEL_RECRAFT = 1,
    /// Google Gemini.
    OUTPAINT_MODEL_GEMINI = 2,
    /// OpenAI.
    OUTPAINT_MODEL_OPENAI = 3,
    /// A column of the host's registry: its name from `outpaint_engine_effect_model`
    /// (effects) or `outpaint_engine_event_model` (events).
    OUTPAINT_MODEL_CUSTOM = 4,
}

impl From<Model> for outpaint_model {
    fn from(m: Model) -> Self {
        match m {
            Model::Flux => outpaint_model::OUTPAINT_MODEL_FLUX,
            Model::Recraft => outpaint_model::OUTPAINT_MODEL_RECRAFT,
            Model::Gemini => outpaint_model::OUTPAINT_MODEL_GEMINI,
            Model::Openai => outpaint_model::OUTPAINT_MODEL_OPENAI,
            _ => outpaint_model::OUTPAINT_MODEL_CUSTOM,
        }
    }
}

/// What kind of step a provider job is.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_job_kind {
    /// Make index 0.
    OUTPAINT_JOB_GENERATE = 0,
    /// Refine the source.
    OUTPAINT_JOB_ITERATE = 1,
    /// Expand the source (canvas, mask and plan given).
    OUTPAINT_JOB_OUTPAINT = 2,
}

/// An HTTP method.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_method {
    /// `GET`.
    OUTPAINT_METHOD_GET = 0,
    /// `POST`.
    OUTPAINT_METHOD_POST = 1,
}

/// A provider failure's kind, as `outpaint_engine_handle_failure` takes it (a
/// `uint32_t`; any other value is `INVALID_OPTION`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_failure_kind {
    /// The request was refused: not retried. `PROVIDER_ERROR`.
    OUTPAINT_FAILURE_REJECTED = 0,
    /// Worth one more try (rate limit, 5xx, broken connection). `PROVIDER_ERROR`.
    OUTPAINT_FAILURE_TRANSIENT = 1,
    /// No answer in time: retried once. `PROVIDER_TIMEOUT`.
    OUTPAINT_FAILURE_TIMEOUT = 2,
    /// The prompt or image was refused on policy grounds: not retried. `CONTENT_POLICY`.
    OUTPAINT_FAILURE_CONTENT_POLICY = 3,
    /// The key was refused: not retried. `PROVIDER_AUTH`.
    OUTPAINT_FAILURE_AUTH = 4,
    /// Out of credits or quota: not retried. `QUOTA_EXCEEDED`.
    OUTPAINT_FAILURE_QUOTA = 5,
}

/// The core's kind for an `outpaint_failure_kind` value from C (`INVALID_OPTION` for
/// any other number): the numbers are the enum's own, written once.
fn failure_kind(v: u32) -> Result<FailureKind, Error> {
    use outpaint_failure_kind::*;
    [
        (OUTPAINT_FAILURE_REJECTED, FailureKind::Rejected),
        (OUTPAINT_FAILURE_TRANSIENT, FailureKind::Transient),
        (OUTPAINT_FAILURE_TIMEOUT, FailureKind::Timeout),
        (OUTPAINT_FAILURE_CONTENT_POLICY, FailureKind::ContentPolicy),
        (OUTPAINT_FAILURE_AUTH, FailureKind::Auth),
        (OUTPAINT_FAILURE_QUOTA, FailureKind::Quota),
    ]
    .into_iter()
    .find(|(c, _)| *c as u32 == v)
    .map(|(_, k)| k)
    .ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("{v} is not an outpaint_failure_kind (0 rejected, 1 transient, 2 timeout, 3 content policy, 4 auth, 5 quota)"),
        )
    })
}

/// One HTTP header, as views.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_header {
    /// Its name (lowercase in requests).
    pub name: outpaint_str,
    /// Its value.
    pub value: outpaint_str,
}

/// GET: the key.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect_get {
    /// The key to read.
    pub key: outpaint_str,
}

/// PUT: the key, the bytes and the precondition.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect_put {
    /// The key to write.
    pub key: outpaint_str,
    /// The bytes to write.
    pub body: *const u8,
    /// Their count.
    pub body_len: usize,
    /// The precondition.
    pub expect: outpaint_expect,
    /// With `OUTPAINT_EXPECT_TAG`: the tag the key must have.
    pub expect_tag: outpaint_str,
}

/// LIST: the prefix.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect_list {
    /// Keys starting with this.
    pub prefix: outpaint_str,
}

/// CALL: a whole provider job.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect_call {
    /// The model column.
    pub model: outpaint_model,
    /// The kind of step.
    pub job: outpaint_job_kind,
    /// The final prompt (with context for iterations).
    pub prompt: outpaint_str,
    /// The source image bytes (NULL with 0 for a generate without one).
    pub source: *const u8,
    /// Their count.
    pub source_len: usize,
    /// Its MIME type (`{NULL, 0}` without a source).
    pub source_mime: outpaint_str,
    /// OUTPAINT: the pre-filled canvas PNG in the sent geometry (else NULL).
    pub canvas_png: *const u8,
    /// Its size.
    pub canvas_png_len: usize,
    /// OUTPAINT: the mask PNG (255 = generate).
    pub mask_png: *const u8,
    /// Its size.
    pub mask_png_len: usize,
    /// OUTPAINT: the target as given (`16:9`, ...).
    pub target: outpaint_str,
    /// OUTPAINT: the direction sentence.
    pub direction: outpaint_str,
    /// OUTPAINT: the plan as JSON (sent size, edges, aspect ratio, how the result maps
    /// back), as `outpaint_fit` writes it.
    pub plan_json: outpaint_str,
}

/// HTTP: one request to send.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect_http {
    /// Whose exchange this is.
    pub model: outpaint_model,
    /// The method.
    pub method: outpaint_method,
    /// The absolute URL.
    pub url: outpaint_str,
    /// The headers, in order.
    pub headers: *const outpaint_header,
    /// Their count.
    pub header_count: usize,
    /// The body (NULL with 0 for a GET).
    pub body: *const u8,
    /// Its size.
    pub body_len: usize,
    /// Give up after this long.
    pub timeout_ms: u64,
    /// Refuse a longer response body.
    pub max_response_bytes: u64,
    /// Whether the host may follow redirects: false when the request carries a provider
    /// key (`authorization`, `x-key`, `x-goog-api-key`), which a redirect would take to
    /// another origin. A host must not follow those (libcurl: `CURLOPT_FOLLOWLOCATION`
    /// 0); it answers the 3xx itself.
    pub follow_redirects: bool,
}

/// The part of an effect its `kind` names.
#[repr(C)]
#[derive(Clone, Copy)]
pub union outpaint_effect_data {
    /// `OUTPAINT_EFFECT_GET`.
    pub get: outpaint_effect_get,
    /// `OUTPAINT_EFFECT_PUT`.
    pub put: outpaint_effect_put,
    /// `OUTPAINT_EFFECT_LIST`.
    pub list: outpaint_effect_list,
    /// `OUTPAINT_EFFECT_CALL`.
    pub call: outpaint_effect_call,
    /// `OUTPAINT_EFFECT_HTTP`.
    pub http: outpaint_effect_http,
}

/// One effect: its id (quote it in the answer), its kind and the matching member of
/// `data`. Views are valid until the effect is answered or the engine freed.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct outpaint_effect {
    /// The id to answer with.
    pub id: u64,
    /// What is asked; `OUTPAINT_EFFECT_NONE` when nothing is to be done now.
    pub kind: outpaint_effect_kind,
    /// The details of `kind`.
    pub data: outpaint_effect_data,
}

/// What a progress event tells.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_event_kind {
    /// No event.
    OUTPAINT_EVENT_NONE = 0,
    /// Waiting `ms` before poll number `polls` of an asynchronous provider result.
    OUTPAINT_EVENT_POLLING = 1,
    /// A provider call failed (`message`, redacted) and is tried again after `ms`.
    OUTPAINT_EVENT_RETRYING = 2,
}

/// A progress event (nothing to answer). `message` is valid until the next
/// `outpaint_engine_poll_event` on the same engine, or its free.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_event {
    /// What happened; `OUTPAINT_EVENT_NONE` when there is no event.
    pub kind: outpaint_event_kind,
    /// Whose provider.
    pub model: outpaint_model,
    /// POLLING: polls so far, this one included.
    pub polls: u32,
    /// The wait, ms.
    pub ms: u64,
    /// RETRYING: why the call failed.
    pub message: outpaint_str,
}

/// The end of an operation.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_outcome {
    /// Whether the operation is over (the other fields are set only then).
    pub done: bool,
    /// `OUTPAINT_STATUS_OK`, or the operation's error.
    pub status: outpaint_status,
    /// The outcome JSON on success, else the error message. Valid until the engine is
    /// freed.
    pub text: outpaint_str,
}

fn nothing() -> outpaint_effect {
    outpaint_effect {
        id: 0,
        kind: outpaint_effect_kind::OUTPAINT_EFFECT_NONE,
        data: outpaint_effect_data {
            get: outpaint_effect_get { key: none() },
        },
    }
}

fn bytes_view(b: &[u8]) -> *const u8 {
    if b.is_empty() {
        std::ptr::null()
    } else {
        b.as_ptr()
    }
}

impl Held {
    fn new(effect: Effect) -> Box<Held> {
        let mut held = Box::new(Held {
            effect,
            plan_json: String::new(),
            headers: Vec::new(),
        });
        match &held.effect {
            Effect::Call { job } => {
                if let Some(o) = &job.outpaint {
                    held.plan_json = serde_json::to_string(&o.plan).expect("plans serialise");
                }
            }
            Effect::Http { request, .. } => {
                let headers = request
                    .headers
                    .iter()
                    .map(|(n, v)| outpaint_header {
                        name: sv(n),
                        value: sv(v),
                    })
                    .collect();
                held.headers = headers;
            }
            _ => {}
        }
        held
    }

    /// The C view (pointing into `self`, which is boxed and never moves).
    fn view(&self, id: u64) -> outpaint_effect {
        use outpaint_effect_kind::*;
        let (kind, data) = match &self.effect {
            Effect::Get { key } => (
                OUTPAINT_EFFECT_GET,
                outpaint_effect_data {
                    get: outpaint_effect_get { key: sv(key) },
                },
            ),
            Effect::List { prefix } => (
                OUTPAINT_EFFECT_LIST,
                outpaint_effect_data {
                    list: outpaint_effect_list { prefix: sv(prefix) },
                },
            ),
            Effect::Put {
                key,
                body,
                expected,
            } => {
                let (expect, expect_tag) = match expected {
                    Expect::Any => (outpaint_expect::OUTPAINT_EXPECT_ANY, none()),
                    Expect::Absent => (outpaint_expect::OUTPAINT_EXPECT_ABSENT, none()),
                    Expect::Tag(t) => (outpaint_expect::OUTPAINT_EXPECT_TAG, sv(t)),
                };
                (
                    OUTPAINT_EFFECT_PUT,
                    outpaint_effect_data {
                        put: outpaint_effect_put {
                            key: sv(key),
                            body: bytes_view(body),
                            body_len: body.len(),
                            expect,
                            expect_tag,
                        },
                    },
                )
            }
            Effect::Call { job } => {
                let src = job.source_bytes().unwrap_or_default();
                let o = job.outpaint.as_ref();
                let canvas = o.map_or(&[][..], |o| &o.canvas_png);
                let mask = o.map_or(&[][..], |o| &o.mask_png);
                let call = outpaint_effect_call {
                    model: job.model.into(),
                    job: match job.kind {
                        JobKind::Generate => outpaint_job_kind::OUTPAINT_JOB_GENERATE,
                        JobKind::Iterate => outpaint_job_kind::OUTPAINT_JOB_ITERATE,
                        JobKind::Outpaint => outpaint_job_kind::OUTPAINT_JOB_OUTPAINT,
                    },
                    prompt: sv(&job.prompt),
                    source: bytes_view(src),
                    source_len: src.len(),
                    source_mime: job.source_mime.as_deref().map_or(none(), sv),
                    canvas_png: bytes_view(canvas),
                    canvas_png_len: canvas.len(),
                    mask_png: bytes_view(mask),
                    mask_png_len: mask.len(),
                    target: o.map_or(none(), |o| sv(&o.target)),
                    direction: o.map_or(none(), |o| sv(&o.direction)),
                    plan_json: if o.is_some() {
                        sv(&self.plan_json)
                    } else {
                        none()
                    },
                };
                (OUTPAINT_EFFECT_CALL, outpaint_effect_data { call })
            }
            Effect::Http { model, request } => {
                let http = outpaint_effect_http {
                    model: (*model).into(),
                    method: match request.method {
                        Method::Get => outpaint_method::OUTPAINT_METHOD_GET,
                        Method::Post => outpaint_method::OUTPAINT_METHOD_POST,
                    },
                    url: sv(&request.url),
                    headers: if self.headers.is_empty() {
                        std::ptr::null()
                    } else {
                        self.headers.as_ptr()
                    },
                    header_count: self.headers.len(),
                    body: bytes_view(&request.body),
                    body_len: request.body.len(),
                    timeout_ms: request.timeout_ms,
                    max_response_bytes: request.max_response_bytes,
                    follow_redirects: !request.carries_credentials(),
                };
                (OUTPAINT_EFFECT_HTTP, outpaint_effect_data { http })
            }
        };
        outpaint_effect { id, kind, data }
    }
}

impl outpaint_engine {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic inside is caught at the boundary; the state is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands out the next effect, keeping it until answered; also the answer count it
    /// saw.
    fn poll(&self, now_ms: u64) -> (outpaint_effect, u64) {
        let mut inner = self.lock();
        let view = match inner.engine.poll_effect(now_ms) {
            Some((id, effect)) => {
                let held = Held::new(effect);
                let view = held.view(id.0);
                inner.held.insert(id.0, held);
                view
            }
            None => nothing(),
        };
        (view, inner.answers)
    }

    /// Answers effect `id` with `f` and wakes a waiting driver. The effect's views die
    /// here (unless the answer was refused).
    fn answer(
        &self,
        id: u64,
        f: impl FnOnce(&mut Engine, EffectId) -> Result<(), outpaint_core::engine::Misuse>,
    ) -> Result<(), Fail> {
        let mut inner = self.lock();
        f(&mut inner.engine, EffectId(id))?;
        inner.held.remove(&id);
        inner.answers += 1;
        drop(inner);
        self.answered.notify_all();
        Ok(())
    }

    /// The next progress event, kept for its view.
    fn event(&self) -> outpaint_event {
        let mut inner = self.lock();
        inner.event = inner.engine.poll_event();
        match &inner.event {
            None => outpaint_event {
                kind: outpaint_event_kind::OUTPAINT_EVENT_NONE,
                model: outpaint_model::OUTPAINT_MODEL_FLUX,
                polls: 0,
                ms: 0,
                message: none(),
            },
            Some(Event::Polling { model, polls, ms }) => outpaint_event {
                kind: outpaint_event_kind::OUTPAINT_EVENT_POLLING,
                model: (*model).into(),
                polls: *polls,
                ms: *ms,
                message: none(),
            },
            Some(Event::Retrying { model, message, ms }) => outpaint_event {
                kind: outpaint_event_kind::OUTPAINT_EVENT_RETRYING,
                model: (*model).into(),
                polls: 0,
                ms: *ms,
                message: sv(message),
            },
        }
    }

    /// The outcome, taken from the engine once and kept for the views.
    fn outcome(&self) -> outpaint_outcome {
        let mut inner = self.lock();
        if inner.done.is_none() {
            if let Some(r) = inner.engine.poll_outcome() {
                inner.done = Some(match r {
                    Ok(o) => (
                        outpaint_status::OUTPAINT_STATUS_OK,
                        serde_json::to_string(&o).expect("outcomes serialise"),
                    ),
                    Err(e) => (e.code().into(), e.to_string()),
                });
            }
        }
        match &inner.done {
            Some((status, text)) => outpaint_outcome {
                done: true,
                status: *status,
                text: sv(text),
            },
            None => outpaint_outcome {
                done: false,
                status: outpaint_status::OUTPAINT_STATUS_OK,
                text: none(),
            },
        }
    }
}

/// Reads an operation (JSON) and generate's optional image.
fn operation(json: outpaint_str, image: &[u8]) -> Result<Operation, Error> {
    let text = opt_str(json)?
        .ok_or_else(|| Error::new(ErrorCode::InvalidOption, "the operation JSON is required"))?;
    Operation::parse(text, (!image.is_empty()).then(|| image.to_vec()))
}

/// Reads an engine config (JSON; `{NULL, 0}` = defaults).
fn config(json: outpaint_str) -> Result<EngineConfig, Error> {
    match opt_str(json)? {
        None => Ok(EngineConfig::default()),
        Some(text) => EngineConfig::from_json(serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorCode::InvalidOption,
                format!("the engine config is not JSON: {e}"),
            )
        })?),
    }
}

fn make(
    operation_json: outpaint_str,
    config_json: outpaint_str,
    image: *const u8,
    image_len: usize,
    now_ms: u64,
    seed: u64,
) -> Result<Box<outpaint_engine>, Fail> {
    let op = operation(operation_json, byte_slice(image, image_len)?)?;
    let engine = Engine::new(op, config(config_json)?, now_ms, seed);
    Ok(Box::new(outpaint_engine {
        inner: Mutex::new(Inner {
            engine,
            held: BTreeMap::new(),
            done: None,
            event: None,
            answers: 0,
        }),
        answered: Condvar::new(),
    }))
}

/// Starts an operation: JSON such as `{"op":"iterate","sessionId":"...","model":"flux",
/// "prompt":"..."}`, `{"op":"generate","prompt":"...","models":["flux"]}`,
/// `{"op":"outpaint",...,"preset":"16:9","iterationIndex":0}`, `{"op":"status",...}` or
/// `{"op":"gallery"}`; an engine config (JSON of `EngineConfig`, camelCase, `{NULL, 0}` =
/// defaults; `"providers": {"flux": {"apiKey": "..."}}` makes the engine run that model's
/// HTTP exchanges itself). `image` (NULL with 0 allowed) is generate's starting image.
/// `now_ms` is the host's clock, `seed` its randomness. On success `*out` receives the
/// engine; free it with `outpaint_engine_free`.
///
/// # Safety
/// The strings and `image` must point at their bytes; `out` at a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_new(
    operation_json: outpaint_str,
    config_json: outpaint_str,
    image: *const u8,
    image_len: usize,
    now_ms: u64,
    seed: u64,
    out: *mut *mut outpaint_engine,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let engine = make(operation_json, config_json, image, image_len, now_ms, seed)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { *out = Box::into_raw(engine) };
        Ok(())
    }
}

/// Frees an engine (NULL is a no-op). Views of its effects and outcome become invalid.
///
/// # Safety
/// `engine` must be NULL or come from `outpaint_engine_new`, and no thread may use it
/// after.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_free(engine: *mut outpaint_engine) {
    guard_unit(|| {
        if !engine.is_null() {
            // SAFETY: per the contract, made by Box::into_raw in outpaint_engine_new.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

/// Writes the next effect to perform into `*effect` (`kind` NONE when there is nothing
/// to do now). Call it until it gives NONE, perform (or start) each effect, and answer
/// each by its id with the `outpaint_engine_handle_*` of its kind, in any order.
///
/// # Safety
/// `engine` must be a live engine; `effect` a writable `outpaint_effect`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_poll_effect(
    engine: *const outpaint_engine,
    now_ms: u64,
    effect: *mut outpaint_effect,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let out = present(effect, "effect")?;
        let (view, _) = e.poll(now_ms);
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(view) };
        Ok(())
    }
}

/// The next deadline: `*has_deadline` is true and `*deadline_ms` the time (ms since the
/// Unix epoch) at which to call `outpaint_engine_handle_timeout`, or false when no wait
/// is pending.
///
/// # Safety
/// `engine` must be a live engine; the outputs writable.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_poll_timeout(
    engine: *const outpaint_engine,
    has_deadline: *mut bool,
    deadline_ms: *mut u64,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let has = present(has_deadline, "has_deadline")?;
        let at = present(deadline_ms, "deadline_ms")?;
        let t = e.lock().engine.poll_timeout();
        // SAFETY: checked non-NULL; the caller promises they are writable.
        unsafe {
            has.write(t.is_some());
            at.write(t.unwrap_or(0));
        }
        Ok(())
    }
}

/// Tells the engine the time (`now_ms`): waits whose deadline has passed end.
///
/// # Safety
/// `engine` must be a live engine.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_timeout(
    engine: *const outpaint_engine,
    now_ms: u64,
) -> outpaint_status {
    boundary! {
        shared(engine, "engine")?.lock().engine.handle_timeout(now_ms);
        Ok(())
    }
}

/// The outcome: `done` false while the operation runs; then its status and text (the
/// outcome JSON, or the error message), the same on every later call.
///
/// # Safety
/// `engine` must be a live engine; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_poll_outcome(
    engine: *const outpaint_engine,
    out: *mut outpaint_outcome,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let out = present(out, "out")?;
        let o = e.outcome();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(o) };
        Ok(())
    }
}

/// The next progress event into `*event` (`kind` NONE when there is none): a provider
/// being polled, a call about to be retried. Nothing to answer.
///
/// # Safety
/// `engine` must be a live engine; `event` writable.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_poll_event(
    engine: *const outpaint_engine,
    event: *mut outpaint_event,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let out = present(event, "event")?;
        let ev = e.event();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(ev) };
        Ok(())
    }
}

/// The model column's name (`flux`, ..., or a column of the host's registry) of effect
/// `id`, a CALL or HTTP effect not yet answered, into `*name`: valid as long as the
/// effect's views. `UNKNOWN_EFFECT` for any other id.
///
/// # Safety
/// `engine` must be a live engine; `name` writable.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_effect_model(
    engine: *const outpaint_engine,
    id: u64,
    name: *mut outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let out = present(name, "name")?;
        let inner = e.lock();
        let model = match inner.held.get(&id).map(|h| &h.effect) {
            Some(Effect::Call { job }) => job.model.as_str(),
            Some(Effect::Http { model, .. }) => model.as_str(),
            _ => {
                return Err(Fail::new(
                    outpaint_status::OUTPAINT_STATUS_UNKNOWN_EFFECT,
                    format!("UNKNOWN_EFFECT: effect {id} is no CALL or HTTP effect waiting for its answer"),
                ))
            }
        };
        // SAFETY: checked non-NULL; the caller promises it is writable. The name lives
        // in the held effect (boxed), so the view stays valid until it is answered.
        unsafe { out.write(sv(model)) };
        Ok(())
    }
}

/// The model column's name of the event `outpaint_engine_poll_event` gave last, into
/// `*name` (`{NULL, 0}` when it gave none): valid until the next poll of an event.
///
/// # Safety
/// `engine` must be a live engine; `name` writable.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_event_model(
    engine: *const outpaint_engine,
    name: *mut outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let out = present(name, "name")?;
        let inner = e.lock();
        let view = match &inner.event {
            Some(Event::Polling { model, .. } | Event::Retrying { model, .. }) => sv(model.as_str()),
            None => none(),
        };
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(view) };
        Ok(())
    }
}

/// Answers GET `id`: `found` false for a missing key; else `data`/`len` and its `tag`.
///
/// # Safety
/// `engine` must be a live engine; `data` and `tag` must point at their bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_get(
    engine: *const outpaint_engine,
    id: u64,
    found: bool,
    data: *const u8,
    len: usize,
    tag: outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let value = if found {
            Some(Stored {
                bytes: byte_slice(data, len)?.to_vec(),
                tag: owned(tag)?,
            })
        } else {
            None
        };
        e.answer(id, |en, id| en.handle_get(id, Ok(value)))
    }
}

/// Answers PUT `id`: `written` false when the precondition did not hold; else the new
/// `tag`.
///
/// # Safety
/// `engine` must be a live engine; `tag` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_put(
    engine: *const outpaint_engine,
    id: u64,
    written: bool,
    tag: outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let tag = if written { Some(owned(tag)?) } else { None };
        e.answer(id, |en, id| en.handle_put(id, Ok(tag)))
    }
}

/// Answers LIST `id` with `count` keys (`keys` may be NULL when `count` is 0).
///
/// # Safety
/// `engine` must be a live engine; `keys` must point at `count` string views.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_list(
    engine: *const outpaint_engine,
    id: u64,
    keys: *const outpaint_str,
    count: usize,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let list = if count == 0 {
            &[][..]
        } else {
            let keys = present(keys, "keys")?;
            // SAFETY: the caller promises `keys` points at `count` views.
            unsafe { std::slice::from_raw_parts(keys, count) }
        };
        let list = list.iter().map(|&k| owned(k)).collect::<Result<Vec<_>, _>>()?;
        e.answer(id, |en, id| en.handle_list(id, Ok(list)))
    }
}

/// Answers GET, PUT or LIST `id` with a storage failure: the operation fails with
/// `STORAGE_ERROR` carrying `message`.
///
/// # Safety
/// `engine` must be a live engine; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_storage_error(
    engine: *const outpaint_engine,
    id: u64,
    message: outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let err = HostError::new(owned(message)?);
        let kind = e.lock().held.get(&id).map(|h| h.effect.kind());
        e.answer(id, |en, id| match kind {
            Some(EffectKind::Put) => en.handle_put(id, Err(err)),
            Some(EffectKind::List) => en.handle_list(id, Err(err)),
            // A GET, or not a storage effect in flight: the engine says which misuse.
            _ => en.handle_get(id, Err(err)),
        })
    }
}

/// Answers CALL `id` with the provider's image (PNG, JPEG or WebP bytes).
///
/// # Safety
/// `engine` must be a live engine; `data` must point at `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_image(
    engine: *const outpaint_engine,
    id: u64,
    data: *const u8,
    len: usize,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let bytes = byte_slice(data, len)?.to_vec();
        e.answer(id, |en, id| en.handle_call(id, Ok(bytes)))
    }
}

/// Answers CALL `id` with a failure: its `kind` (an `outpaint_failure_kind` value; any
/// other is `INVALID_OPTION`), the provider's message (redacted before it is stored) and
/// the wait it asked for before a retry (0 = none).
///
/// # Safety
/// `engine` must be a live engine; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_failure(
    engine: *const outpaint_engine,
    id: u64,
    kind: u32,
    message: outpaint_str,
    retry_after_ms: u64,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let kind = failure_kind(kind)?;
        let f = ProviderFailure::new(kind, owned(message)?)
            .with_retry_after((retry_after_ms > 0).then_some(retry_after_ms));
        e.answer(id, |en, id| en.handle_call(id, Err(f)))
    }
}

/// Answers CALL `id` with the built-in offline `local` provider (generate returns the
/// job's source or a picture made from the prompt; iterate regrades the source; outpaint
/// fills the canvas from the image itself).
///
/// # Safety
/// `engine` must be a live engine.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_local(
    engine: *const outpaint_engine,
    id: u64,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        // The job out of the lock first: other threads answer while this one paints.
        let job = match e.lock().held.get(&id).map(|h| &h.effect) {
            Some(Effect::Call { job }) => Some(std::sync::Arc::clone(job)),
            _ => None,
        };
        let answer = job.map(|job| local_call(&job));
        match answer {
            Some(r) => e.answer(id, |en, id| en.handle_call(id, r)),
            // Not a CALL in flight: let the engine say which misuse it is.
            None => e.answer(id, |en, id| en.handle_call(id, Ok(Vec::new()))),
        }
    }
}

/// Answers HTTP `id` with the response: its status, `header_count` headers (NULL
/// allowed with 0) and the body.
///
/// # Safety
/// `engine` must be a live engine; `headers` must point at `header_count` headers and
/// `body` at `body_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_response(
    engine: *const outpaint_engine,
    id: u64,
    status: u16,
    headers: *const outpaint_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let hs = if header_count == 0 {
            &[][..]
        } else {
            let headers = present(headers, "headers")?;
            // SAFETY: the caller promises `headers` points at `header_count` headers.
            unsafe { std::slice::from_raw_parts(headers, header_count) }
        };
        let response = Response {
            status,
            headers: hs
                .iter()
                .map(|h| Ok((owned(h.name)?, owned(h.value)?)))
                .collect::<Result<Vec<_>, Error>>()?,
            body: byte_slice(body, body_len)?.to_vec(),
        };
        e.answer(id, |en, id| en.handle_http(id, Ok(response)))
    }
}

/// Answers HTTP `id` with no response: `timeout` when its time ran out, and what
/// happened (connection refused, DNS, TLS, body too large, ...).
///
/// # Safety
/// `engine` must be a live engine; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_handle_transport_error(
    engine: *const outpaint_engine,
    id: u64,
    timeout: bool,
    message: outpaint_str,
) -> outpaint_status {
    boundary! {
        let e = shared(engine, "engine")?;
        let err = TransportError {
            timeout,
            message: owned(message)?,
        };
        e.answer(id, |en, id| en.handle_http(id, Err(err)))
    }
}

/// A callback that performs one effect. It receives `user_data`, the engine and the
/// effect, and answers it with the `outpaint_engine_handle_*` of its kind, quoting
/// `effect->id`: before returning, or later from any thread (copy what it needs first:
/// the views are valid until the answer).
pub type outpaint_effect_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        engine: *const outpaint_engine,
        effect: *const outpaint_effect,
    ),
>;

/// Host callbacks for `outpaint_engine_run`. A NULL callback fails its effects
/// (`STORAGE_ERROR` for storage, `PROVIDER_ERROR` for calls and HTTP). `now_ms` may be
/// NULL: the system clock is used. `wait_until` may be NULL: waits (retry backoff,
/// polls of an asynchronous provider) then sleep on the system clock; a host with a
/// clock of its own (a test advancing fake time) sets it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_host {
    /// Passed to every callback.
    pub user_data: *mut c_void,
    /// Milliseconds since the Unix epoch.
    pub now_ms: Option<unsafe extern "C" fn(user_data: *mut c_void) -> u64>,
    /// Performs GET, PUT and LIST effects.
    pub storage: outpaint_effect_fn,
    /// Performs CALL effects (models without a provider config).
    pub provider: outpaint_effect_fn,
    /// Performs HTTP effects (models with a provider config in the engine config).
    pub http: outpaint_effect_fn,
    /// Waits until `deadline_ms` on the host's clock (called when nothing is in flight).
    pub wait_until: Option<unsafe extern "C" fn(user_data: *mut c_void, deadline_ms: u64)>,
    /// Hears progress events (may be NULL); the event's views last for the call.
    pub on_event:
        Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const outpaint_event)>,
}

fn system_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The driver behind `outpaint_engine_run`: every effect is handed to its callback at
/// once; answers are awaited (from any thread) until the outcome, deadlines on the
/// host's clock.
fn drive(engine: &outpaint_engine, h: &outpaint_host) -> Result<(), Fail> {
    // SAFETY: the callback is the host's, called with its own user_data.
    let now = || {
        h.now_ms
            .map_or_else(system_now, |f| unsafe { f(h.user_data) })
    };
    loop {
        let mut seen;
        loop {
            let (effect, answers) = engine.poll(now());
            seen = answers;
            let callback = match effect.kind {
                outpaint_effect_kind::OUTPAINT_EFFECT_NONE => break,
                outpaint_effect_kind::OUTPAINT_EFFECT_CALL => h.provider,
                outpaint_effect_kind::OUTPAINT_EFFECT_HTTP => h.http,
                _ => h.storage,
            };
            match callback {
                // SAFETY: the host's callback with its user_data, the live engine and an
                // effect whose views live until it is answered.
                Some(f) => unsafe { f(h.user_data, engine, &effect) },
                None => refuse(engine, &effect)?,
            }
        }
        let done = engine.outcome().done;
        loop {
            let ev = engine.event();
            if ev.kind == outpaint_event_kind::OUTPAINT_EVENT_NONE {
                break;
            }
            if let Some(f) = h.on_event {
                // SAFETY: the host's callback with its user_data and a live event view.
                unsafe { f(h.user_data, &ev) };
            }
        }
        if done {
            return Ok(());
        }
        let inner = engine.lock();
        let deadline = inner.engine.poll_timeout();
        if inner.answers != seen || (inner.engine.in_flight() == 0 && deadline.is_none()) {
            // An answer came in since the last poll (from another thread), or nothing is
            // out and nothing is awaited: poll again.
            drop(inner);
            continue;
        }
        if let (Some(t), Some(wait_until), 0) = (deadline, h.wait_until, inner.engine.in_flight()) {
            drop(inner);
            // SAFETY: the host's callback with its user_data.
            unsafe { wait_until(h.user_data, t) };
            engine.lock().engine.handle_timeout(now().max(t));
            continue;
        }
        let wait = deadline.map_or(Duration::from_secs(3600), |t| {
            Duration::from_millis(t.saturating_sub(now()))
        });
        let (inner, _) = engine
            .answered
            .wait_timeout(inner, wait)
            .unwrap_or_else(|p| p.into_inner());
        drop(inner);
        if let Some(t) = deadline {
            if now() >= t {
                engine.lock().engine.handle_timeout(now());
            }
        }
    }
}

/// Answers an effect that has no callback.
fn refuse(engine: &outpaint_engine, effect: &outpaint_effect) -> Result<(), Fail> {
    let msg = "this host has no callback for it".to_string();
    engine.answer(effect.id, |en, id| match effect.kind {
        outpaint_effect_kind::OUTPAINT_EFFECT_CALL => {
            en.handle_call(id, Err(ProviderFailure::rejected(msg)))
        }
        outpaint_effect_kind::OUTPAINT_EFFECT_HTTP => en.handle_http(
            id,
            Err(TransportError {
                timeout: false,
                message: msg,
            }),
        ),
        outpaint_effect_kind::OUTPAINT_EFFECT_PUT => en.handle_put(id, Err(HostError::new(msg))),
        outpaint_effect_kind::OUTPAINT_EFFECT_LIST => en.handle_list(id, Err(HostError::new(msg))),
        _ => en.handle_get(id, Err(HostError::new(msg))),
    })
}

/// Runs an operation to the end with the host's callbacks (see `outpaint_host`). On
/// success `*outcome_json` receives the outcome JSON (free with `outpaint_bytes_free`); on
/// failure the operation's status is returned and `outpaint_last_error_message()` has the
/// detail. A callback that never answers blocks this call.
///
/// # Safety
/// As `outpaint_engine_new`; `host` must point at a valid `outpaint_host` whose callbacks
/// follow their contract; `outcome_json` at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_run(
    operation_json: outpaint_str,
    config_json: outpaint_str,
    image: *const u8,
    image_len: usize,
    host: *const outpaint_host,
    seed: u64,
    outcome_json: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let h = unsafe { *present(host, "host")? };
        let out = present(outcome_json, "outcome_json")?;
        // SAFETY: the host's clock callback with its user_data.
        let start = h.now_ms.map_or_else(system_now, |f| unsafe { f(h.user_data) });
        let engine = make(operation_json, config_json, image, image_len, start, seed)?;
        drive(&engine, &h)?;
        let done = engine.lock().done.take().expect("drive ends with the outcome");
        match done {
            (outpaint_status::OUTPAINT_STATUS_OK, json) => {
                // SAFETY: checked non-NULL; the caller promises it is writable.
                unsafe { out.write(outpaint_bytes::from_vec(json.into_bytes())) };
                Ok(())
            }
            (status, message) => Err(Fail::new(status, message)),
        }
    }
}
