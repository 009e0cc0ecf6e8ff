//! Sessions from JS: the context window, session helpers, the built-in `local`
//! provider and the async driver `run(operation, host)`.
//!
//! `run` owns its sans-IO `Engine` for the whole operation. Every effect the engine hands
//! out starts at once as a promise of its own (a storage call, a provider call, a
//! `fetch`); the driver waits for whichever settles first (or the next deadline) and
//! hands that answer back, so a four-model generate calls all four providers side by
//! side. No wasm-bindgen object with `&mut self` is held across an `await`, so concurrent
//! `run` calls cannot trip a borrow.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use outpaint::engine::{
    Answer, Effect, EffectId, Event, Expect, HostError, Job, Operation, Stored,
};
use outpaint::providers::{local_call, FailureKind, ProviderFailure};
use outpaint::session::{context_key, Model, PromptTemplate, SessionId};
use outpaint::{Engine, EngineConfig, ErrorCode, PngCompression};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::convert::{
    bad, byte_arg, bytes_of, from_js, get, image_in, js_error, required, set, text, to_js,
};
use crate::providers::send;

/// The rolling context of one session and model: the last 3 successful steps.
#[wasm_bindgen]
pub struct ContextWindow {
    inner: outpaint::session::ContextWindow,
    warnings: Vec<String>,
}

fn model_of(name: &str) -> Result<Model, JsValue> {
    name.parse().map_err(js_error)
}

fn text_or_bytes(v: &JsValue) -> Result<Vec<u8>, JsValue> {
    match v.as_string() {
        Some(s) => Ok(s.into_bytes()),
        None => bytes_of(v).ok_or_else(|| {
            bad(
                ErrorCode::InvalidOption,
                "expected JSON as a string, Uint8Array or ArrayBuffer",
            )
        }),
    }
}

#[wasm_bindgen]
impl ContextWindow {
    /// An empty window for `sessionId` (a UUID) and `model`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Model")] model: JsValue,
    ) -> Result<ContextWindow, JsValue> {
        let id = SessionId::parse(&text(&session_id, "sessionId")?).map_err(js_error)?;
        let model = text(&model, "model")?;
        let model = model.as_str();
        Ok(ContextWindow {
            inner: outpaint::session::ContextWindow::new(&id, model_of(model)?),
            warnings: Vec::new(),
        })
    }

    /// Reads a stored window. Never throws for damaged JSON: the window starts empty (or
    /// skips bad entries) and `warnings` says what was dropped.
    pub fn parse(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] json: JsValue,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Model")] model: JsValue,
    ) -> Result<ContextWindow, JsValue> {
        let id = SessionId::parse(&text(&session_id, "sessionId")?).map_err(js_error)?;
        let model = text(&model, "model")?;
        let model = model.as_str();
        let bytes = text_or_bytes(&json)?;
        let (inner, warnings) =
            outpaint::session::ContextWindow::from_json(&bytes, &id, model_of(model)?);
        Ok(ContextWindow { inner, warnings })
    }

    /// Adds a successful step, dropping the oldest beyond 3.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ContextEntry")] entry: JsValue,
    ) -> Result<(), JsValue> {
        let entry: outpaint::session::ContextEntry = required(entry, "context entry")?;
        self.inner.push(entry);
        Ok(())
    }

    /// The prompt to send: the template filled with the previous prompts, or `prompt`
    /// alone when the window is empty.
    pub fn prompt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] prompt: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PromptTemplate")] template: Option<JsValue>,
    ) -> Result<String, JsValue> {
        let t: PromptTemplate = from_js(template, "template")?;
        Ok(self.inner.prompt(&text(&prompt, "prompt")?, &t))
    }

    /// The entries, oldest first.
    #[wasm_bindgen(getter, unchecked_return_type = "ContextEntry[]")]
    pub fn entries(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.window)
    }

    /// What `parse` dropped.
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Where the window is stored: `sessions/{sessionId}/context/{model}.json`.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        context_key(&self.inner.session_id, self.inner.model)
    }

    /// The JSON to store.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        String::from_utf8_lossy(&self.inner.to_json()).into_owned()
    }
}

/// Parses a stored session document tolerantly (unknown fields ignored, missing columns
/// disabled, statuses and counts recomputed); damaged JSON throws `STORAGE_ERROR`.
#[wasm_bindgen(js_name = parseSession, unchecked_return_type = "Session")]
pub fn parse_session(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] json: JsValue,
) -> Result<JsValue, JsValue> {
    let s = outpaint::session::Session::from_json(&text_or_bytes(&json)?).map_err(js_error)?;
    to_js(&s)
}

/// A canonical UUID v4 from 16 random bytes (e.g. `crypto.getRandomValues`).
#[wasm_bindgen(js_name = newSessionId)]
pub fn new_session_id(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] random: JsValue,
) -> Result<String, JsValue> {
    let random = byte_arg(&random, "random")?;
    let bytes: [u8; 16] = random.as_slice().try_into().map_err(|_| {
        bad(
            ErrorCode::InvalidOption,
            format!("newSessionId needs 16 random bytes, got {}", random.len()),
        )
    })?;
    Ok(SessionId::from_random(bytes).to_string())
}

/// The built-in offline provider: generate returns the job's source (or a procedural
/// picture), iterate grades the source by the prompt, outpaint continues the canvas.
#[wasm_bindgen(js_name = localProvider)]
pub fn local_provider(
    #[wasm_bindgen(unchecked_param_type = "Job")] job: JsValue,
) -> Result<Vec<u8>, JsValue> {
    let job = job_in(&job)?;
    local_call(&job).map_err(|f| bad(ErrorCode::ProviderError, f.message))
}

/// A job as JS sees it (the core's serde: bytes as `Uint8Array`, camelCase).
fn job_out(job: &Job) -> Result<JsValue, JsValue> {
    to_js(job)
}

/// A job from JS; `sourceMime` is read from the bytes when not given.
pub(crate) fn job_in(v: &JsValue) -> Result<Job, JsValue> {
    let mut job: Job = required(v.clone(), "job")?;
    if job.source_mime.is_none() {
        job.source_mime = job
            .source_bytes()
            .and_then(outpaint::codec::Format::detect)
            .map(|f| f.mime().to_string());
    }
    Ok(job)
}

pub(crate) fn operation_in(v: JsValue) -> Result<Operation, JsValue> {
    let image = get(&v, "image");
    // The JSON part without the image bytes.
    let fields = Object::assign(&Object::new(), &v.clone().unchecked_into());
    let _ = js_sys::Reflect::delete_property(&fields, &"image".into());
    let json: serde_json::Value = required(fields.into(), "operation")?;
    let image = if image.is_undefined() || image.is_null() {
        None
    } else {
        Some(bytes_of(&image).ok_or_else(|| {
            bad(
                ErrorCode::InvalidOption,
                "operation.image must be a Uint8Array or ArrayBuffer of PNG, JPEG or WebP",
            )
        })?)
    };
    Operation::from_json(json, image).map_err(js_error)
}

/// The host's callbacks, read once at the start of `run`.
struct Host {
    provider: Option<Function>,
    storage: JsValue,
    get: Function,
    put: Function,
    list: Function,
    now: Option<Function>,
    random: Option<Function>,
    sleep: Option<Function>,
    fetch: Option<Function>,
    on_event: Option<Function>,
}

fn function(v: &JsValue, key: &str, what: &str) -> Result<Option<Function>, JsValue> {
    let f = get(v, key);
    if f.is_undefined() || f.is_null() {
        return Ok(None);
    }
    f.dyn_into::<Function>().map(Some).map_err(|_| {
        bad(
            ErrorCode::InvalidOption,
            format!("{what} must be a function"),
        )
    })
}

fn needed(v: &JsValue, key: &str, what: &str) -> Result<Function, JsValue> {
    function(v, key, what)?
        .ok_or_else(|| bad(ErrorCode::InvalidOption, format!("{what} is required")))
}

/// The message of a thrown value: `.message` of an `Error`, else its string form.
pub(crate) fn message_of(e: &JsValue) -> String {
    get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Awaits a value that may or may not be a promise.
async fn settle(v: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&v?)).await
}

fn host_error(e: &JsValue) -> HostError {
    HostError::new(message_of(e))
}

impl Host {
    fn read(v: &JsValue) -> Result<Host, JsValue> {
        if !v.is_object() {
            return Err(bad(
                ErrorCode::InvalidOption,
                "run needs a host { storage, provider? }",
            ));
        }
        let p = get(v, "provider");
        let provider = if p.is_undefined() || p.as_string().as_deref() == Some("local") {
            None
        } else {
            Some(p.dyn_into::<Function>().map_err(|_| {
                bad(
                    ErrorCode::InvalidOption,
                    "host.provider must be a function or \"local\"",
                )
            })?)
        };
        let storage = get(v, "storage");
        Ok(Host {
            provider,
            get: needed(&storage, "get", "host.storage.get")?,
            put: needed(&storage, "put", "host.storage.put")?,
            list: needed(&storage, "list", "host.storage.list")?,
            storage,
            now: function(v, "now", "host.now")?,
            random: function(v, "random", "host.random")?,
            sleep: function(v, "sleep", "host.sleep")?,
            fetch: function(v, "fetch", "host.fetch")?,
            on_event: function(v, "onEvent", "host.onEvent")?,
        })
    }

    fn now(&self) -> Result<u64, JsValue> {
        let ms = match &self.now {
            Some(f) => f.call0(&JsValue::NULL)?.as_f64().unwrap_or(f64::NAN),
            None => js_sys::Date::now(),
        };
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(bad(
                ErrorCode::InvalidOption,
                format!("host.now() must return milliseconds since the epoch, got {ms}"),
            ));
        }
        Ok(ms as u64)
    }

    /// 64 random bits from two draws of `random()`.
    fn seed(&self) -> Result<u64, JsValue> {
        let draw = || -> Result<u64, JsValue> {
            let r = match &self.random {
                Some(f) => f.call0(&JsValue::NULL)?.as_f64().unwrap_or(f64::NAN),
                None => js_sys::Math::random(),
            };
            if !(0.0..1.0).contains(&r) {
                return Err(bad(
                    ErrorCode::InvalidOption,
                    format!("host.random() must be in [0, 1), got {r}"),
                ));
            }
            Ok((r * 4_294_967_296.0) as u64)
        };
        Ok(draw()? << 32 | draw()?)
    }

    /// A promise that resolves after `ms` (the host's `sleep`, else `setTimeout`).
    fn wait(&self, ms: u64) -> Result<Promise, JsValue> {
        let p = match &self.sleep {
            Some(f) => f.call1(&JsValue::NULL, &(ms as f64).into())?,
            None => timeout(ms).into(),
        };
        Ok(Promise::resolve(&p))
    }

    fn tell(&self, event: Event) -> Result<(), JsValue> {
        match &self.on_event {
            Some(f) => f.call1(&JsValue::NULL, &event_out(event)).map(|_| ()),
            None => Ok(()),
        }
    }

    async fn perform(&self, effect: Effect) -> Answer {
        match effect {
            Effect::Get { key } => Answer::Get(self.storage_get(&key).await),
            Effect::Put {
                key,
                body,
                expected,
            } => Answer::Put(self.storage_put(&key, &body, &expected).await),
            Effect::List { prefix } => Answer::List(self.storage_list(&prefix).await),
            Effect::Call { job } => Answer::Call(self.call(&job).await),
            Effect::Http { request, .. } => Answer::Http(match self.fetch_fn() {
                Ok(f) => send(&f, &request).await,
                Err(message) => Err(outpaint::providers::TransportError {
                    timeout: false,
                    message,
                }),
            }),
        }
    }

    fn fetch_fn(&self) -> Result<Function, String> {
        match &self.fetch {
            Some(f) => Ok(f.clone()),
            None => get(&js_sys::global(), "fetch")
                .dyn_into::<Function>()
                .map_err(|_| "no fetch here; pass host.fetch".to_string()),
        }
    }

    async fn storage_list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        let v = settle(self.list.call1(&self.storage, &prefix.into()))
            .await
            .map_err(|e| host_error(&e))?;
        let a = v
            .dyn_into::<Array>()
            .map_err(|_| HostError::new("storage.list must answer an array"))?;
        a.iter()
            .map(|k| k.as_string())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| HostError::new("storage.list must answer an array of strings"))
    }

    async fn storage_get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        let v = settle(self.get.call1(&self.storage, &key.into()))
            .await
            .map_err(|e| host_error(&e))?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        match (bytes_of(&get(&v, "bytes")), get(&v, "tag").as_string()) {
            (Some(bytes), Some(tag)) => Ok(Some(Stored { bytes, tag })),
            _ => Err(HostError::new(format!(
                "storage.get({key:?}) must answer null or {{ bytes: Uint8Array, tag: string }}"
            ))),
        }
    }

    async fn storage_put(
        &self,
        key: &str,
        body: &[u8],
        expected: &Expect,
    ) -> Result<Option<String>, HostError> {
        let expect = expect_out(expected);
        let call = self.put.call3(
            &self.storage,
            &key.into(),
            &Uint8Array::from(body).into(),
            &expect.into(),
        );
        match settle(call).await.map_err(|e| host_error(&e))? {
            v if v.is_null() || v.is_undefined() => Ok(None),
            v => v.as_string().map(Some).ok_or_else(|| {
                HostError::new(format!(
                    "storage.put({key:?}) must answer the new tag (a string) or null"
                ))
            }),
        }
    }

    async fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
        let Some(f) = &self.provider else {
            return local_call(job);
        };
        let js_job = job_out(job).map_err(|e| failure(&e, FailureKind::Rejected))?;
        let v = settle(f.call1(&JsValue::NULL, &js_job))
            .await
            .map_err(|e| failure(&e, FailureKind::Transient))?;
        if let Some(b) = bytes_of(&v) {
            return Ok(b);
        }
        if let Some(blob) = v.dyn_ref::<web_sys::Blob>() {
            let buffer = JsFuture::from(blob.array_buffer())
                .await
                .map_err(|e| failure(&e, FailureKind::Transient))?;
            return Ok(Uint8Array::new(&buffer).to_vec());
        }
        let img = image_in(&v).map_err(|_| {
            ProviderFailure::rejected(
                "the provider must answer image bytes (Uint8Array, ArrayBuffer, Blob) \
                 or { width, height, data }",
            )
        })?;
        outpaint::encode_png(img.view(), PngCompression::Fast)
            .map_err(|e| ProviderFailure::rejected(e.to_string()))
    }
}

/// A write's precondition as JS sees it (`Expect`).
pub(crate) fn expect_out(expected: &Expect) -> Object {
    let o = Object::new();
    match expected {
        Expect::Any => set(&o, "kind", &"any".into()),
        Expect::Absent => set(&o, "kind", &"absent".into()),
        Expect::Tag(t) => {
            set(&o, "kind", &"tag".into());
            set(&o, "tag", &t.as_str().into());
        }
    }
    o
}

/// A progress event as JS sees it (`EngineEvent`).
pub(crate) fn event_out(event: Event) -> Object {
    let o = Object::new();
    let (kind, model, ms) = match &event {
        Event::Polling { model, ms, .. } => ("polling", *model, *ms),
        Event::Retrying { model, ms, .. } => ("retrying", *model, *ms),
    };
    set(&o, "kind", &kind.into());
    set(&o, "model", &model.as_str().into());
    set(&o, "ms", &(ms as f64).into());
    match event {
        Event::Polling { polls, .. } => set(&o, "polls", &polls.into()),
        Event::Retrying { message, .. } => set(&o, "message", &message.into()),
    }
    o
}

/// A provider rejection as a failure: its `kind` when it names one (`rejected`,
/// `transient`, `timeout`, `content_policy`, `auth`, `quota`), or its `code` when that is
/// `CONTENT_POLICY`, `PROVIDER_AUTH` or `QUOTA_EXCEEDED`; else a timeout when `timeout` is true, its name is
/// `TimeoutError` or its code `PROVIDER_TIMEOUT`; else not retried when `retryable` is
/// false; else `default`.
fn failure(e: &JsValue, default: FailureKind) -> ProviderFailure {
    let code = get(e, "code")
        .as_string()
        .and_then(|c| ErrorCode::from_str_code(&c));
    let by_code = match code {
        Some(ErrorCode::ContentPolicy) => Some(FailureKind::ContentPolicy),
        Some(ErrorCode::ProviderAuth) => Some(FailureKind::Auth),
        Some(ErrorCode::QuotaExceeded) => Some(FailureKind::Quota),
        _ => None,
    };
    let named = get(e, "kind")
        .as_string()
        .and_then(|k| k.parse::<FailureKind>().ok())
        .or(by_code);
    let timeout = get(e, "timeout").as_bool() == Some(true)
        || get(e, "name").as_string().as_deref() == Some("TimeoutError")
        || get(e, "code").as_string().as_deref() == Some(ErrorCode::ProviderTimeout.as_str());
    let kind = named.unwrap_or(if timeout {
        FailureKind::Timeout
    } else if get(e, "retryable").as_bool() == Some(false) {
        FailureKind::Rejected
    } else if get(e, "retryable").as_bool() == Some(true) {
        FailureKind::Transient
    } else {
        default
    });
    ProviderFailure::new(kind, message_of(e)).with_retry_after(
        get(e, "retryAfterMs")
            .as_f64()
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| ms as u64),
    )
}

/// A promise resolved after `ms` by the global `setTimeout` (browsers, workers, Node).
pub(crate) fn timeout(ms: u64) -> Promise {
    Promise::new(&mut |resolve, reject| {
        let set_timeout = get(&js_sys::global(), "setTimeout");
        match set_timeout.dyn_ref::<Function>() {
            Some(f) => {
                if let Err(e) = f.call2(&JsValue::NULL, &resolve, &(ms as f64).into()) {
                    let _ = reject.call1(&JsValue::NULL, &e);
                }
            }
            None => {
                let _ = reject.call1(
                    &JsValue::NULL,
                    &"no setTimeout here; pass host.sleep".into(),
                );
            }
        }
    })
}

fn answer(engine: &mut Engine, id: EffectId, done: Answer) -> Result<(), JsValue> {
    engine
        .handle(id, done)
        .map_err(|m| bad(ErrorCode::StorageError, format!("the JS driver: {m}")))
}

/// Reads `host.config` (every field optional).
fn config_in(host: &JsValue) -> Result<EngineConfig, JsValue> {
    let v = get(host, "config");
    if v.is_undefined() || v.is_null() {
        return Ok(EngineConfig::default());
    }
    let json: serde_json::Value = required(v, "host.config")?;
    EngineConfig::from_json(json).map_err(js_error)
}

/// Runs one session operation to the end against the host's storage and providers:
/// `generate`, `iterate`, `outpaint`, `status` or `gallery`. Every effect starts as soon
/// as the engine asks for it (a generate calls all its models at once). Resolves to the
/// outcome; rejects with an `OutpaintError` carrying the SPEC code (`ITERATION_LIMIT`,
/// `PROVIDER_ERROR`, `STORAGE_ERROR`, ...). Several runs may be in flight at once;
/// writes to one session are compare-and-swap, so none is lost.
#[wasm_bindgen(unchecked_return_type = "Outcome")]
pub async fn run(
    #[wasm_bindgen(unchecked_param_type = "Operation")] operation: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
) -> Result<JsValue, JsValue> {
    let config = config_in(&host)?;
    let host = Rc::new(Host::read(&host)?);
    let op = operation_in(operation)?;
    let mut engine = Engine::new(op, config, host.now()?, host.seed()?);
    // Effects in flight: each a promise resolving to its id once its answer is in `done`.
    let done: Rc<RefCell<BTreeMap<u64, Answer>>> = Rc::default();
    let mut pending: BTreeMap<u64, Promise> = BTreeMap::new();
    let mut timer: Option<(u64, Promise)> = None;
    loop {
        while let Some((id, effect)) = engine.poll_effect(host.now()?) {
            let (h, d) = (Rc::clone(&host), Rc::clone(&done));
            let p = future_to_promise(async move {
                let result = h.perform(effect).await;
                d.borrow_mut().insert(id.0, result);
                Ok(JsValue::from(id.0 as f64))
            });
            pending.insert(id.0, p);
        }
        let outcome = engine.poll_outcome();
        while let Some(event) = engine.poll_event() {
            host.tell(event)?;
        }
        if let Some(out) = outcome {
            return out.map_err(js_error).and_then(|o| to_js(&o));
        }
        let deadline = engine.poll_timeout();
        let racers = Array::new();
        for p in pending.values() {
            racers.push(p);
        }
        if let Some(t) = deadline {
            // One wait per deadline: racing again for the same deadline reuses it, so no
            // stray timers pile up while answers come in.
            let wait = match &timer {
                Some((at, p)) if *at == t => p.clone(),
                _ => host.wait(t.saturating_sub(host.now()?))?,
            };
            racers.push(&wait.clone().into());
            timer = Some((t, wait));
        }
        if racers.length() == 0 {
            return Err(bad(
                ErrorCode::StorageError,
                "the engine waits for nothing and has no outcome (a bug in outpaint)",
            ));
        }
        // Effects' promises never reject; only the host's wait can.
        let first = JsFuture::from(Promise::race(&racers)).await.map_err(|e| {
            bad(
                ErrorCode::StorageError,
                format!("host.sleep failed: {}", message_of(&e)),
            )
        })?;
        match first.as_f64().map(|id| id as u64) {
            Some(id) if pending.contains_key(&id) => {
                pending.remove(&id);
                let result = done.borrow_mut().remove(&id);
                if let Some(result) = result {
                    answer(&mut engine, EffectId(id), result)?;
                }
                // Others may have settled in the same turn: hand those back too.
                let ready: Vec<u64> = done.borrow().keys().copied().collect();
                for id in ready {
                    pending.remove(&id);
                    let result = done.borrow_mut().remove(&id);
                    if let Some(result) = result {
                        answer(&mut engine, EffectId(id), result)?;
                    }
                }
            }
            // The deadline came first (the wait resolves to anything but an effect id).
            _ => engine.handle_timeout(host.now()?.max(deadline.unwrap_or(0))),
        }
    }
}
