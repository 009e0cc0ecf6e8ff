//! Sessions from JS: the context window, session helpers, the built-in `local`
//! provider and the async driver `run(operation, host)`.
//!
//! `run` owns its sans-IO `Engine` for the whole operation and awaits only the host's
//! promises between `poll` and `submit`; no wasm-bindgen object with `&mut self` is
//! held across an `await`, so concurrent `run` calls cannot trip a borrow.

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use outpaint::{
    ContextEntry, Effect, Engine, EngineConfig, ErrorCode, Expect, Job, JobKind, Model, Operation,
    OutpaintJob, PngCompression, PromptTemplate, Provider, ProviderFailure, Reply, Step, Stored,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::convert::{bad, bytes_of, from_js, get, image_in, js_error, required, set, to_js};

#[wasm_bindgen(typescript_custom_section)]
const SESSION_TYPES: &str = r#"
export type Model = "flux" | "recraft" | "gemini" | "openai";
export type IterationStatus = "in_progress" | "completed" | "error";
export type ModelStatus = "disabled" | "pending" | "in_progress" | "error" | "partial" | "completed";
export type SessionStatus = "failed" | "in_progress" | "pending" | "partial" | "completed";
/** One step of a model column; index 0 is the generated original. */
export interface Iteration {
  index: number; status: IterationStatus; prompt: string; startedAt: string;
  completedAt?: string; imageKey?: string; error?: string;
  isOutpaint: boolean; outpaintPreset?: string; parentIndex?: number;
}
export interface ModelColumn { enabled: boolean; status: ModelStatus; iterationCount: number; iterations: Iteration[]; }
/** A session document as stored at `sessions/{sessionId}/session.json`. */
export interface Session {
  sessionId: string; status: SessionStatus; version: number; prompt: string;
  createdAt: string; updatedAt: string; models: Record<Model, ModelColumn>;
}
/** One remembered step of a context window. */
export interface ContextEntry { iteration: number; prompt: string; imageKey: string; timestamp: string; outpaintPreset?: string; }
/** How the prompt sent to a provider is built (`{previous}` and `{prompt}` placeholders). */
export interface PromptTemplate { template?: string; separator?: string; }
export interface GalleryItem { sessionId: string; prompt: string; createdAt: string; modelCount: number; totalIterations: number; thumbnail?: string; }
/** What an operation produced. */
export interface Outcome {
  session?: Session; iterationIndex?: number; warnings: string[]; gallery?: GalleryItem[];
  stats: { conflicts: number; providerRetries: number };
}
/** What to run. `image` (generate) is handed to the provider as the job's source. */
export type Operation =
  | { op: "generate"; prompt: string; models?: Model[]; image?: Uint8Array | ArrayBuffer }
  | { op: "iterate"; sessionId: string; model: Model; prompt: string }
  | { op: "outpaint"; sessionId: string; model: Model; preset: string; prompt?: string; iterationIndex?: number }
  | { op: "status"; sessionId: string }
  | { op: "gallery" };
/** Engine settings; every field optional. */
export interface EngineConfig {
  budget?: { maxIterations?: number; warnFrom?: number };
  template?: PromptTemplate;
  retryBackoffMs?: number; maxWriteAttempts?: number; writeBackoffMs?: number; staleAfterMs?: number;
  /** API keys and other secrets, redacted from stored errors. */
  secrets?: string[];
  seam?: SeamOptions; fill?: string;
  limits?: { maxBytes?: number; maxSide?: number; maxPixels?: number; maxCanvasPixels?: number };
}
/** One provider call. Outpaint jobs carry the canvas and mask prepared for the model's profile. */
export interface Job {
  model: Model; kind: "generate" | "iterate" | "outpaint"; prompt: string;
  source?: Uint8Array; sourceMime?: string;
  outpaint?: { target: string; canvasPng: Uint8Array; maskPng: Uint8Array; expansion: Expansion; plan: Plan; direction: string };
}
/** What a provider may answer: encoded bytes (PNG, JPEG, WebP) or pixels. */
export type ProviderResult = Uint8Array | ArrayBuffer | Blob | RgbaImage;
/**
 * A provider. Reject (throw) to fail the call: `retryable: false` on the error stops the
 * one retry (default: retried once), `timeout: true` (or `name === "TimeoutError"`)
 * reports PROVIDER_TIMEOUT.
 */
export type ProviderFn = (job: Job) => Promise<ProviderResult> | ProviderResult;
/** The precondition of a write. */
export type Expect = { kind: "any" } | { kind: "absent" } | { kind: "tag"; tag: string };
/** A value and its version tag. */
export interface Stored { bytes: Uint8Array | ArrayBuffer; tag: string; }
/** A key-value store with version tags (compare-and-swap). Reject to report a storage failure. */
export interface Storage {
  get(key: string): Promise<Stored | null | undefined> | Stored | null | undefined;
  /** Writes if `expected` holds: the new tag, or `null` when it did not hold. */
  put(key: string, bytes: Uint8Array, expected: Expect): Promise<string | null> | string | null;
  list(prefix: string): Promise<string[]> | string[];
}
/** What `run` needs from its host. */
export interface Host {
  /** A provider function, or `"local"` for the built-in offline provider. */
  provider: ProviderFn | "local";
  storage: Storage;
  /** Milliseconds since the Unix epoch (default `Date.now`). */
  now?: () => number;
  /** Uniform in [0, 1) (default `Math.random`): session ids and backoff jitter. */
  random?: () => number;
  /** Waits (default `setTimeout`); a test host can advance its clock instead. */
  sleep?: (ms: number) => Promise<void>;
  config?: EngineConfig;
}
"#;

/// The rolling context of one session and model: the last 3 successful steps.
#[wasm_bindgen]
pub struct ContextWindow {
    inner: outpaint::ContextWindow,
    warnings: Vec<String>,
}

fn model_of(name: &str) -> Result<Model, JsValue> {
    outpaint::validate::model(name).map_err(js_error)
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
        #[wasm_bindgen(js_name = sessionId)] session_id: &str,
        #[wasm_bindgen(unchecked_param_type = "Model")] model: &str,
    ) -> Result<ContextWindow, JsValue> {
        outpaint::validate::session_id(session_id).map_err(js_error)?;
        Ok(ContextWindow {
            inner: outpaint::ContextWindow::new(session_id, model_of(model)?),
            warnings: Vec::new(),
        })
    }

    /// Reads a stored window. Never throws for damaged JSON: the window starts empty (or
    /// skips bad entries) and `warnings` says what was dropped.
    pub fn parse(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | ArrayBuffer")] json: JsValue,
        #[wasm_bindgen(js_name = sessionId)] session_id: &str,
        #[wasm_bindgen(unchecked_param_type = "Model")] model: &str,
    ) -> Result<ContextWindow, JsValue> {
        outpaint::validate::session_id(session_id).map_err(js_error)?;
        let bytes = text_or_bytes(&json)?;
        let (inner, warnings) =
            outpaint::ContextWindow::from_json(&bytes, session_id, model_of(model)?);
        Ok(ContextWindow { inner, warnings })
    }

    /// Adds a successful step, dropping the oldest beyond 3.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ContextEntry")] entry: JsValue,
    ) -> Result<(), JsValue> {
        let entry: ContextEntry = required(entry, "context entry")?;
        self.inner.push(entry);
        Ok(())
    }

    /// The prompt to send: the template filled with the previous prompts, or `prompt`
    /// alone when the window is empty.
    pub fn prompt(
        &self,
        prompt: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "PromptTemplate")] template: Option<JsValue>,
    ) -> Result<String, JsValue> {
        let t: PromptTemplate = from_js(template, "template")?;
        Ok(self.inner.prompt(prompt, &t))
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
        outpaint::context_key(&self.inner.session_id, self.inner.model)
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
    let s = outpaint::Session::from_json(&text_or_bytes(&json)?).map_err(js_error)?;
    to_js(&s)
}

/// A canonical UUID v4 from 16 random bytes (e.g. `crypto.getRandomValues`).
#[wasm_bindgen(js_name = newSessionId)]
pub fn new_session_id(random: &[u8]) -> Result<String, JsValue> {
    let bytes: [u8; 16] = random.try_into().map_err(|_| {
        bad(
            ErrorCode::InvalidOption,
            format!("newSessionId needs 16 random bytes, got {}", random.len()),
        )
    })?;
    Ok(outpaint::validate::new_session_id(bytes))
}

/// The built-in offline provider: generate returns the job's source (or a procedural
/// picture), iterate grades the source by the prompt, outpaint continues the canvas.
#[wasm_bindgen(js_name = localProvider)]
pub fn local_provider(
    #[wasm_bindgen(unchecked_param_type = "Job")] job: JsValue,
) -> Result<Vec<u8>, JsValue> {
    let job = job_in(&job)?;
    outpaint::LocalProvider
        .call(&job)
        .map_err(|f| bad(ErrorCode::ProviderError, f.message))
}

fn job_out(job: &Job) -> Result<JsValue, JsValue> {
    let o = Object::new();
    set(&o, "model", &job.model.to_string().into());
    set(&o, "kind", &to_js(&job.kind)?);
    set(&o, "prompt", &job.prompt.as_str().into());
    if let Some(s) = &job.source {
        set(&o, "source", &Uint8Array::from(s.as_slice()).into());
    }
    if let Some(m) = job.source_mime {
        set(&o, "sourceMime", &m.into());
    }
    if let Some(p) = &job.outpaint {
        let x = Object::new();
        set(&x, "target", &p.target.as_str().into());
        set(
            &x,
            "canvasPng",
            &Uint8Array::from(p.canvas_png.as_slice()).into(),
        );
        set(
            &x,
            "maskPng",
            &Uint8Array::from(p.mask_png.as_slice()).into(),
        );
        set(&x, "expansion", &to_js(&p.expansion)?);
        set(&x, "plan", &to_js(&p.plan)?);
        set(&x, "direction", &p.direction.as_str().into());
        set(&o, "outpaint", &x);
    }
    Ok(o.into())
}

fn string_field(v: &JsValue, key: &str) -> Result<String, JsValue> {
    get(v, key).as_string().ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            format!("job.{key} must be a string"),
        )
    })
}

fn bytes_field(v: &JsValue, key: &str) -> Result<Option<Vec<u8>>, JsValue> {
    let x = get(v, key);
    if x.is_undefined() || x.is_null() {
        return Ok(None);
    }
    bytes_of(&x).map(Some).ok_or_else(|| {
        bad(
            ErrorCode::InvalidOption,
            format!("job.{key} must be a Uint8Array"),
        )
    })
}

pub(crate) fn job_in(v: &JsValue) -> Result<Job, JsValue> {
    let kind: JobKind = required(get(v, "kind"), "job.kind")?;
    let source = bytes_field(v, "source")?;
    let outpaint = match get(v, "outpaint") {
        x if x.is_undefined() || x.is_null() => None,
        x => Some(OutpaintJob {
            target: string_field(&x, "target")?,
            canvas_png: bytes_field(&x, "canvasPng")?.unwrap_or_default(),
            mask_png: bytes_field(&x, "maskPng")?.unwrap_or_default(),
            expansion: required(get(&x, "expansion"), "job.outpaint.expansion")?,
            plan: required(get(&x, "plan"), "job.outpaint.plan")?,
            direction: string_field(&x, "direction")?,
        }),
    };
    Ok(Job {
        model: model_of(&string_field(v, "model")?)?,
        kind,
        prompt: string_field(v, "prompt")?,
        source_mime: source
            .as_deref()
            .and_then(outpaint::Format::detect)
            .map(outpaint::Format::mime),
        source,
        outpaint,
    })
}

fn operation_in(v: JsValue) -> Result<Operation, JsValue> {
    let image = get(&v, "image");
    // The JSON part without the image bytes.
    let fields = Object::assign(&Object::new(), &v.clone().unchecked_into());
    let _ = js_sys::Reflect::delete_property(&fields, &"image".into());
    let json: serde_json::Value = required(fields.into(), "operation")?;
    let mut op = Operation::from_json(json).map_err(js_error)?;
    if let Operation::Generate { image: slot, .. } = &mut op {
        if !image.is_undefined() && !image.is_null() {
            *slot = Some(bytes_of(&image).ok_or_else(|| {
                bad(
                    ErrorCode::InvalidOption,
                    "operation.image must be a Uint8Array or ArrayBuffer of PNG, JPEG or WebP",
                )
            })?);
        }
    }
    Ok(op)
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

impl Host {
    fn read(v: &JsValue) -> Result<Host, JsValue> {
        if !v.is_object() {
            return Err(bad(
                ErrorCode::InvalidOption,
                "run needs a host { provider, storage }",
            ));
        }
        let p = get(v, "provider");
        let provider = if p.as_string().as_deref() == Some("local") {
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

    async fn perform(&self, effect: Effect) -> Reply {
        match effect {
            Effect::Get { key } => self.storage_get(&key).await,
            Effect::Put {
                key,
                body,
                expected,
            } => self.storage_put(&key, &body, &expected).await,
            Effect::List { prefix } => {
                match settle(self.list.call1(&self.storage, &prefix.into())).await {
                    Ok(v) => match v.dyn_into::<Array>() {
                        Ok(a) => match a.iter().map(|k| k.as_string()).collect() {
                            Some(keys) => Reply::Listed(keys),
                            None => Reply::StorageFailed(
                                "storage.list must answer an array of strings".into(),
                            ),
                        },
                        Err(_) => Reply::StorageFailed("storage.list must answer an array".into()),
                    },
                    Err(e) => Reply::StorageFailed(message_of(&e)),
                }
            }
            Effect::Call(job) => Reply::Called(self.call(&job).await),
            Effect::Sleep { ms } => {
                let waited = match &self.sleep {
                    Some(f) => settle(f.call1(&JsValue::NULL, &(ms as f64).into())).await,
                    None => settle(Ok(timeout(ms).into())).await,
                };
                match waited {
                    Ok(_) => Reply::Slept,
                    // A sleep that fails is a broken host; storage failure is the one
                    // host-side failure the engine reports as such.
                    Err(e) => {
                        Reply::StorageFailed(format!("host.sleep failed: {}", message_of(&e)))
                    }
                }
            }
        }
    }

    async fn storage_get(&self, key: &str) -> Reply {
        let v = match settle(self.get.call1(&self.storage, &key.into())).await {
            Ok(v) => v,
            Err(e) => return Reply::StorageFailed(message_of(&e)),
        };
        if v.is_null() || v.is_undefined() {
            return Reply::Got(None);
        }
        match (bytes_of(&get(&v, "bytes")), get(&v, "tag").as_string()) {
            (Some(bytes), Some(tag)) => Reply::Got(Some(Stored { bytes, tag })),
            _ => Reply::StorageFailed(format!(
                "storage.get({key:?}) must answer null or {{ bytes: Uint8Array, tag: string }}"
            )),
        }
    }

    async fn storage_put(&self, key: &str, body: &[u8], expected: &Expect) -> Reply {
        let expect = Object::new();
        match expected {
            Expect::Any => set(&expect, "kind", &"any".into()),
            Expect::Absent => set(&expect, "kind", &"absent".into()),
            Expect::Tag(t) => {
                set(&expect, "kind", &"tag".into());
                set(&expect, "tag", &t.as_str().into());
            }
        }
        let call = self.put.call3(
            &self.storage,
            &key.into(),
            &Uint8Array::from(body).into(),
            &expect.into(),
        );
        match settle(call).await {
            Ok(v) if v.is_null() || v.is_undefined() => Reply::Put(None),
            Ok(v) => match v.as_string() {
                Some(tag) => Reply::Put(Some(tag)),
                None => Reply::StorageFailed(format!(
                    "storage.put({key:?}) must answer the new tag (a string) or null"
                )),
            },
            Err(e) => Reply::StorageFailed(message_of(&e)),
        }
    }

    async fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
        let Some(f) = &self.provider else {
            return outpaint::LocalProvider.call(job);
        };
        let js_job = job_out(job).map_err(|e| failure(&e, false))?;
        let v = settle(f.call1(&JsValue::NULL, &js_job))
            .await
            .map_err(|e| failure(&e, true))?;
        if let Some(b) = bytes_of(&v) {
            return Ok(b);
        }
        if let Some(blob) = v.dyn_ref::<web_sys::Blob>() {
            let buffer = JsFuture::from(blob.array_buffer())
                .await
                .map_err(|e| failure(&e, true))?;
            return Ok(Uint8Array::new(&buffer).to_vec());
        }
        let img = image_in(&v).map_err(|_| ProviderFailure {
            retryable: false,
            timeout: false,
            message: "the provider must answer image bytes (Uint8Array, ArrayBuffer, Blob) \
                      or { width, height, data }"
                .into(),
            retry_after_ms: None,
        })?;
        outpaint::encode_png(img.view(), PngCompression::Fast).map_err(|e| ProviderFailure {
            retryable: false,
            timeout: false,
            message: e.to_string(),
            retry_after_ms: None,
        })
    }
}

/// A provider rejection as a failure: `retryable` unless the error says `false`,
/// `timeout` when it says so, is a `TimeoutError`, or has code `PROVIDER_TIMEOUT`.
fn failure(e: &JsValue, retryable_by_default: bool) -> ProviderFailure {
    let flag = |k: &str| get(e, k).as_bool();
    let timeout = flag("timeout").unwrap_or(false)
        || get(e, "name").as_string().as_deref() == Some("TimeoutError")
        || get(e, "code").as_string().as_deref() == Some(ErrorCode::ProviderTimeout.as_str());
    ProviderFailure {
        retryable: flag("retryable").unwrap_or(retryable_by_default),
        timeout,
        message: message_of(e),
        retry_after_ms: get(e, "retryAfterMs")
            .as_f64()
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| ms as u64),
    }
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

/// Runs one session operation to the end against the host's storage and provider:
/// `generate`, `iterate`, `outpaint`, `status` or `gallery`. Resolves to the outcome;
/// rejects with an `OutpaintError` carrying the SPEC code (`ITERATION_LIMIT`,
/// `PROVIDER_ERROR`, `STORAGE_ERROR`, ...). Several runs may be in flight at once;
/// writes to one session are compare-and-swap, so none is lost.
#[wasm_bindgen(unchecked_return_type = "Outcome")]
pub async fn run(
    #[wasm_bindgen(unchecked_param_type = "Operation")] operation: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
) -> Result<JsValue, JsValue> {
    let config: EngineConfig = from_js(Some(get(&host, "config")), "host.config")?;
    let host = Host::read(&host)?;
    let op = operation_in(operation)?;
    let mut engine = Engine::new(op, config, host.now()?, host.seed()?);
    loop {
        match engine.poll(host.now()?) {
            Step::Done(out) => return out.map_err(js_error).and_then(|o| to_js(&o)),
            Step::Effect(effect) => {
                let reply = host.perform(effect).await;
                engine.submit(reply);
            }
        }
    }
}
