//! The session engine over C: poll/submit on an opaque `outpaint_engine`, and
//! `outpaint_engine_run` driving it with a host struct of callbacks.

use std::ffi::c_void;

use outpaint_core::{
    Effect, Engine, EngineConfig, Error, ErrorCode, Expect, JobKind, LocalProvider, Operation,
    Provider, ProviderFailure, Reply, Step, Stored,
};

use crate::boundary::{guard, guard_unit, live};
use crate::buffer::{byte_slice, none, opt_str, outpaint_bytes, outpaint_str, owned, sv};
use crate::status::{fail, fail_with, outpaint_status};

/// A running session operation (opaque). Create with `outpaint_engine_new`, release
/// with `outpaint_engine_free`. Not safe for concurrent use from several threads.
pub struct outpaint_engine {
    engine: Engine,
    /// The effect handed out by the last poll, owning what the C view points at.
    current: Option<Current>,
    /// Set by a submit; cleared by poll.
    answered: bool,
    finished: bool,
}

/// What the last poll returned, kept alive for the C view.
enum Current {
    Effect(Effect),
    Done {
        status: outpaint_status,
        text: String,
    },
}

/// What an effect asks for.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_effect_kind {
    /// Read `key`: answer with `outpaint_engine_submit_get` (or `_storage_error`).
    OUTPAINT_EFFECT_GET = 1,
    /// Write `body` at `key` if `expect` holds: answer with `outpaint_engine_submit_put`.
    OUTPAINT_EFFECT_PUT = 2,
    /// List keys starting with `key`: answer with `outpaint_engine_submit_list`.
    OUTPAINT_EFFECT_LIST = 3,
    /// Call a provider with the job fields: answer with `outpaint_engine_submit_image`
    /// or `outpaint_engine_submit_failure`.
    OUTPAINT_EFFECT_CALL = 4,
    /// Wait `sleep_ms`: answer with `outpaint_engine_submit_slept`.
    OUTPAINT_EFFECT_SLEEP = 5,
    /// Finished: `status` and `text` (the outcome JSON on success, the error message
    /// otherwise). Nothing to answer.
    OUTPAINT_EFFECT_DONE = 6,
}

/// The precondition of a PUT.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_expect {
    /// Write unconditionally.
    OUTPAINT_EXPECT_ANY = 0,
    /// Write only if the key does not exist.
    OUTPAINT_EXPECT_ABSENT = 1,
    /// Write only if the key's current tag equals `expect_tag`.
    OUTPAINT_EXPECT_TAG = 2,
}

/// One effect, as views into the engine: valid until the next poll, submit or free on
/// the same engine. Fields not used by `kind` are zero / `{NULL, 0}`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_effect {
    /// What is asked.
    pub kind: outpaint_effect_kind,
    /// GET, PUT: the key; LIST: the prefix.
    pub key: outpaint_str,
    /// PUT: the bytes to write.
    pub body: *const u8,
    /// PUT: their count.
    pub body_len: usize,
    /// PUT: the precondition.
    pub expect: outpaint_expect,
    /// PUT with `OUTPAINT_EXPECT_TAG`: the tag.
    pub expect_tag: outpaint_str,
    /// SLEEP: milliseconds.
    pub sleep_ms: u64,
    /// CALL: `flux`, `recraft`, `gemini` or `openai`.
    pub model: outpaint_str,
    /// CALL: `generate`, `iterate` or `outpaint`.
    pub job: outpaint_str,
    /// CALL: the final prompt.
    pub prompt: outpaint_str,
    /// CALL: the source image bytes (may be empty for generate).
    pub source: *const u8,
    /// CALL: their count.
    pub source_len: usize,
    /// CALL outpaint: the canvas PNG in the sent geometry.
    pub canvas_png: *const u8,
    /// CALL outpaint: its size.
    pub canvas_png_len: usize,
    /// CALL outpaint: the mask PNG (255 = generate).
    pub mask_png: *const u8,
    /// CALL outpaint: its size.
    pub mask_png_len: usize,
    /// CALL outpaint: the direction sentence.
    pub direction: outpaint_str,
    /// DONE: the operation's status.
    pub status: outpaint_status,
    /// DONE: the outcome JSON (success) or the error message.
    pub text: outpaint_str,
}

fn empty(kind: outpaint_effect_kind) -> outpaint_effect {
    outpaint_effect {
        kind,
        key: none(),
        body: std::ptr::null(),
        body_len: 0,
        expect: outpaint_expect::OUTPAINT_EXPECT_ANY,
        expect_tag: none(),
        sleep_ms: 0,
        model: none(),
        job: none(),
        prompt: none(),
        source: std::ptr::null(),
        source_len: 0,
        canvas_png: std::ptr::null(),
        canvas_png_len: 0,
        mask_png: std::ptr::null(),
        mask_png_len: 0,
        direction: none(),
        status: outpaint_status::OUTPAINT_STATUS_OK,
        text: none(),
    }
}

impl Current {
    fn view(&self) -> outpaint_effect {
        use outpaint_effect_kind::*;
        match self {
            Current::Done { status, text } => outpaint_effect {
                status: *status,
                text: sv(text),
                ..empty(OUTPAINT_EFFECT_DONE)
            },
            Current::Effect(Effect::Get { key }) => outpaint_effect {
                key: sv(key),
                ..empty(OUTPAINT_EFFECT_GET)
            },
            Current::Effect(Effect::List { prefix }) => outpaint_effect {
                key: sv(prefix),
                ..empty(OUTPAINT_EFFECT_LIST)
            },
            Current::Effect(Effect::Sleep { ms }) => outpaint_effect {
                sleep_ms: *ms,
                ..empty(OUTPAINT_EFFECT_SLEEP)
            },
            Current::Effect(Effect::Put {
                key,
                body,
                expected,
            }) => {
                let (expect, expect_tag) = match expected {
                    Expect::Any => (outpaint_expect::OUTPAINT_EXPECT_ANY, none()),
                    Expect::Absent => (outpaint_expect::OUTPAINT_EXPECT_ABSENT, none()),
                    Expect::Tag(t) => (outpaint_expect::OUTPAINT_EXPECT_TAG, sv(t)),
                };
                outpaint_effect {
                    key: sv(key),
                    body: body.as_ptr(),
                    body_len: body.len(),
                    expect,
                    expect_tag,
                    ..empty(OUTPAINT_EFFECT_PUT)
                }
            }
            Current::Effect(Effect::Call(job)) => {
                let kind = match job.kind {
                    JobKind::Generate => "generate",
                    JobKind::Iterate => "iterate",
                    JobKind::Outpaint => "outpaint",
                };
                let src = job.source.as_deref().unwrap_or_default();
                let mut e = outpaint_effect {
                    model: sv(job.model.as_str()),
                    job: sv(kind),
                    prompt: sv(&job.prompt),
                    source: if src.is_empty() {
                        std::ptr::null()
                    } else {
                        src.as_ptr()
                    },
                    source_len: src.len(),
                    ..empty(OUTPAINT_EFFECT_CALL)
                };
                if let Some(o) = &job.outpaint {
                    e.canvas_png = o.canvas_png.as_ptr();
                    e.canvas_png_len = o.canvas_png.len();
                    e.mask_png = o.mask_png.as_ptr();
                    e.mask_png_len = o.mask_png.len();
                    e.direction = sv(&o.direction);
                }
                e
            }
        }
    }
}

/// Reads an operation from JSON, e.g. `{"op":"iterate","sessionId":"...","model":"flux",
/// "prompt":"..."}`; `{"op":"generate","prompt":"...","models":["flux"]}`;
/// `{"op":"outpaint",...,"preset":"16:9","iterationIndex":0}`; `{"op":"status",...}`;
/// `{"op":"gallery"}`.
fn operation(json: outpaint_str, image: &[u8]) -> Result<Operation, Error> {
    let text = opt_str(json)?
        .ok_or_else(|| Error::new(ErrorCode::InvalidOption, "the operation JSON is required"))?;
    let json = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("the operation is not JSON: {e}"),
        )
    })?;
    let mut op = Operation::from_json(json)?;
    if let Operation::Generate { image: slot, .. } = &mut op {
        if !image.is_empty() {
            *slot = Some(image.to_vec());
        }
    }
    Ok(op)
}

fn config(json: outpaint_str) -> Result<EngineConfig, Error> {
    match opt_str(json)? {
        None => Ok(EngineConfig::default()),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorCode::InvalidOption,
                format!("the engine config JSON is not a config: {e}"),
            )
        }),
    }
}

/// Starts an operation (JSON, see above) with an engine config (JSON of
/// `EngineConfig` in camelCase, `{NULL, 0}` = defaults). `image` (may be NULL with
/// length 0) is the source handed to providers by `generate`. `now_ms` is the host's
/// clock; `seed` its randomness. On success `*out` receives the engine; free it with
/// `outpaint_engine_free`.
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
    guard(|| {
        if out.is_null() {
            return fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: out must not be NULL",
            );
        }
        let made = byte_slice(image, image_len).and_then(|img| {
            Ok(Engine::new(
                operation(operation_json, img)?,
                config(config_json)?,
                now_ms,
                seed,
            ))
        });
        match made {
            Ok(engine) => {
                let e = Box::new(outpaint_engine {
                    engine,
                    current: None,
                    answered: true,
                    finished: false,
                });
                // SAFETY: checked non-NULL; the caller promises it is writable.
                unsafe { *out = Box::into_raw(e) };
                outpaint_status::OUTPAINT_STATUS_OK
            }
            Err(e) => fail_with(&e),
        }
    })
}

/// Frees an engine (NULL is a no-op). Views from its effects become invalid.
///
/// # Safety
/// `engine` must be NULL or come from `outpaint_engine_new`, and not be used after.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_free(engine: *mut outpaint_engine) {
    guard_unit(|| {
        if !engine.is_null() {
            // SAFETY: per the contract, made by Box::into_raw in outpaint_engine_new.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

fn engine_mut<'a>(
    engine: *mut outpaint_engine,
) -> Result<&'a mut outpaint_engine, outpaint_status> {
    live(engine, "engine")
}

/// Advances the engine and describes the next effect (or the end) in `*effect`. Poll
/// again after answering with a submit function. Polling before answering repeats the
/// same effect; polling after DONE repeats DONE.
///
/// # Safety
/// `engine` must be a live engine; `effect` a writable `outpaint_effect`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_poll(
    engine: *mut outpaint_engine,
    now_ms: u64,
    effect: *mut outpaint_effect,
) -> outpaint_status {
    guard(|| {
        let e = match engine_mut(engine) {
            Ok(e) => e,
            Err(s) => return s,
        };
        if effect.is_null() {
            return fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: effect must not be NULL",
            );
        }
        if !e.finished && e.answered {
            e.current = Some(match e.engine.poll(now_ms) {
                Step::Effect(x) => Current::Effect(x),
                Step::Done(r) => {
                    e.finished = true;
                    match r {
                        Ok(o) => Current::Done {
                            status: outpaint_status::OUTPAINT_STATUS_OK,
                            text: serde_json::to_string(&o).expect("outcomes serialise"),
                        },
                        Err(err) => Current::Done {
                            status: err.code().into(),
                            text: err.to_string(),
                        },
                    }
                }
            });
            e.answered = false;
        }
        let view = e.current.as_ref().expect("set above").view();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { effect.write(view) };
        outpaint_status::OUTPAINT_STATUS_OK
    })
}

fn submit(
    engine: *mut outpaint_engine,
    reply: impl FnOnce() -> Result<Reply, Error>,
) -> outpaint_status {
    guard(|| {
        let e = match engine_mut(engine) {
            Ok(e) => e,
            Err(s) => return s,
        };
        if e.finished || e.answered {
            return fail(
                outpaint_status::OUTPAINT_STATUS_CONFLICT,
                "CONFLICT: no effect is waiting for an answer (poll first, answer once)",
            );
        }
        match reply() {
            Ok(r) => {
                e.engine.submit(r);
                e.answered = true;
                outpaint_status::OUTPAINT_STATUS_OK
            }
            Err(err) => fail_with(&err),
        }
    })
}

/// Answers a GET: `found` false for a missing key; else `data`/`len` and its `tag`.
///
/// # Safety
/// `engine` must be a live engine; `data` and `tag` must point at their bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_get(
    engine: *mut outpaint_engine,
    found: bool,
    data: *const u8,
    len: usize,
    tag: outpaint_str,
) -> outpaint_status {
    submit(engine, || {
        if !found {
            return Ok(Reply::Got(None));
        }
        Ok(Reply::Got(Some(Stored {
            bytes: byte_slice(data, len)?.to_vec(),
            tag: owned(tag)?,
        })))
    })
}

/// Answers a PUT: `written` false when the precondition did not hold; else the new
/// `tag`.
///
/// # Safety
/// `engine` must be a live engine; `tag` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_put(
    engine: *mut outpaint_engine,
    written: bool,
    tag: outpaint_str,
) -> outpaint_status {
    submit(engine, || {
        Ok(Reply::Put(if written { Some(owned(tag)?) } else { None }))
    })
}

/// Answers a LIST with `count` keys.
///
/// # Safety
/// `engine` must be a live engine; `keys` must point at `count` string views (NULL
/// allowed when `count` is 0).
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_list(
    engine: *mut outpaint_engine,
    keys: *const outpaint_str,
    count: usize,
) -> outpaint_status {
    submit(engine, || {
        if keys.is_null() && count > 0 {
            return Err(Error::new(
                ErrorCode::InvalidOption,
                "keys is NULL but count is not 0",
            ));
        }
        let list = if count == 0 {
            &[][..]
        } else {
            // SAFETY: the caller promises `keys` points at `count` views.
            unsafe { std::slice::from_raw_parts(keys, count) }
        };
        Ok(Reply::Listed(
            list.iter().map(|&k| owned(k)).collect::<Result<_, _>>()?,
        ))
    })
}

/// Answers a CALL with the provider's image (PNG, JPEG or WebP bytes).
///
/// # Safety
/// `engine` must be a live engine; `data` must point at `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_image(
    engine: *mut outpaint_engine,
    data: *const u8,
    len: usize,
) -> outpaint_status {
    submit(engine, || {
        Ok(Reply::Called(Ok(byte_slice(data, len)?.to_vec())))
    })
}

/// Answers a CALL with a failure: whether a retry may help, whether it was a timeout,
/// and the provider's message (redacted before it is stored).
///
/// # Safety
/// `engine` must be a live engine; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_failure(
    engine: *mut outpaint_engine,
    retryable: bool,
    timeout: bool,
    message: outpaint_str,
) -> outpaint_status {
    submit(engine, || {
        Ok(Reply::Called(Err(ProviderFailure {
            retryable,
            timeout,
            message: owned(message)?,
            retry_after_ms: None,
        })))
    })
}

/// The CALL the engine's last poll handed out, if it is still waiting for an answer.
pub(crate) fn waiting_call(e: &outpaint_engine) -> Option<&Effect> {
    match (&e.current, e.answered) {
        (Some(Current::Effect(call @ Effect::Call(_))), false) => Some(call),
        _ => None,
    }
}

/// Answers the waiting CALL with `result()`; `OUTPAINT_STATUS_CONFLICT` when the engine
/// is not waiting for one.
pub(crate) fn submit_call(
    engine: *mut outpaint_engine,
    result: impl FnOnce() -> Result<Result<Vec<u8>, ProviderFailure>, Error>,
) -> outpaint_status {
    let waiting = match engine_mut(engine) {
        Ok(e) => waiting_call(e).is_some(),
        Err(_) => true, // submit reports the NULL engine
    };
    submit(engine, || {
        if !waiting {
            return Err(Error::new(
                ErrorCode::Conflict,
                "no provider call is waiting for an answer",
            ));
        }
        Ok(Reply::Called(result()?))
    })
}

/// Answers the waiting CALL with the built-in offline `local` provider (generate returns
/// the job's source or a picture made from the prompt; iterate regrades the source;
/// outpaint fills the canvas from the image itself). `OUTPAINT_STATUS_CONFLICT` when no
/// CALL is waiting.
///
/// # Safety
/// `engine` must be a live engine.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_local(
    engine: *mut outpaint_engine,
) -> outpaint_status {
    let job = match engine_mut(engine).ok().and_then(|e| waiting_call(e)) {
        Some(Effect::Call(job)) => Some(job.clone()),
        _ => None,
    };
    submit_call(engine, || {
        Ok(LocalProvider.call(job.as_ref().expect("checked by submit_call")))
    })
}

/// Answers a SLEEP.
///
/// # Safety
/// `engine` must be a live engine.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_slept(
    engine: *mut outpaint_engine,
) -> outpaint_status {
    submit(engine, || Ok(Reply::Slept))
}

/// Answers a GET, PUT or LIST with a storage failure (the operation fails with
/// `STORAGE_ERROR` carrying `message`).
///
/// # Safety
/// `engine` must be a live engine; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_storage_error(
    engine: *mut outpaint_engine,
    message: outpaint_str,
) -> outpaint_status {
    submit(engine, || Ok(Reply::StorageFailed(owned(message)?)))
}

/// Host callbacks for `outpaint_engine_run`. Each receives `user_data`, the engine and
/// the effect, and must answer by calling exactly one `outpaint_engine_submit_*`
/// function on that engine before returning. A NULL callback fails the operation with
/// `STORAGE_ERROR` (storage) or `PROVIDER_ERROR` (call) when its effect comes up.
/// `now_ms` may be NULL (time then stands still at 0).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_host {
    /// Passed to every callback.
    pub user_data: *mut c_void,
    /// Milliseconds since the Unix epoch.
    pub now_ms: Option<unsafe extern "C" fn(user_data: *mut c_void) -> u64>,
    /// Answers GET, PUT, LIST and SLEEP effects.
    pub storage: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            engine: *mut outpaint_engine,
            effect: *const outpaint_effect,
        ),
    >,
    /// Answers CALL effects.
    pub provider: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            engine: *mut outpaint_engine,
            effect: *const outpaint_effect,
        ),
    >,
}

/// Runs an operation to the end with the host's callbacks. On success `*outcome_json`
/// receives the outcome JSON (free with `outpaint_bytes_free`); on failure the
/// operation's status is returned and `outpaint_last_error_message()` has the detail.
///
/// # Safety
/// As `outpaint_engine_new`; `host` must point at a valid `outpaint_host` whose
/// callbacks follow its contract; `outcome_json` at a writable `outpaint_bytes`.
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
    if host.is_null() || outcome_json.is_null() {
        return guard(|| {
            fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: host and outcome_json must not be NULL",
            )
        });
    }
    // SAFETY: checked non-NULL; the caller promises it is valid.
    let h = unsafe { *host };
    // SAFETY: the callback is the host's, called with its own user_data.
    let now = || h.now_ms.map_or(0, |f| unsafe { f(h.user_data) });
    let mut engine: *mut outpaint_engine = std::ptr::null_mut();
    // SAFETY: arguments forwarded under the same contract.
    let s = unsafe {
        outpaint_engine_new(
            operation_json,
            config_json,
            image,
            image_len,
            now(),
            seed,
            &mut engine,
        )
    };
    if s != outpaint_status::OUTPAINT_STATUS_OK {
        return s;
    }
    let mut effect = empty(outpaint_effect_kind::OUTPAINT_EFFECT_DONE);
    let result = loop {
        // SAFETY: a live engine and a local effect.
        let s = unsafe { outpaint_engine_poll(engine, now(), &mut effect) };
        if s != outpaint_status::OUTPAINT_STATUS_OK {
            break s;
        }
        let callback = match effect.kind {
            outpaint_effect_kind::OUTPAINT_EFFECT_DONE => break effect.status,
            outpaint_effect_kind::OUTPAINT_EFFECT_CALL => h.provider,
            _ => h.storage,
        };
        match callback {
            // SAFETY: the host's callback, given its user_data, the live engine and an
            // effect valid until it answers.
            Some(f) => unsafe { f(h.user_data, engine, &effect) },
            None => {
                let msg = sv("no callback for this effect");
                // SAFETY: a live engine.
                unsafe {
                    if effect.kind == outpaint_effect_kind::OUTPAINT_EFFECT_CALL {
                        outpaint_engine_submit_failure(engine, false, false, msg);
                    } else {
                        outpaint_engine_submit_storage_error(engine, msg);
                    }
                }
            }
        }
        // SAFETY: a live engine.
        let e = unsafe { &*engine };
        if !e.answered {
            let msg = "the host callback returned without answering its effect";
            // SAFETY: a live engine.
            unsafe { outpaint_engine_free(engine) };
            return guard(|| {
                fail(
                    outpaint_status::OUTPAINT_STATUS_STORAGE_ERROR,
                    &format!("STORAGE_ERROR: {msg}"),
                )
            });
        }
    };
    // SAFETY: a live engine, freed once here.
    let e = unsafe { &*engine };
    let text = match &e.current {
        Some(Current::Done { text, .. }) => text.clone(),
        _ => String::new(),
    };
    unsafe { outpaint_engine_free(engine) };
    guard(|| {
        if result == outpaint_status::OUTPAINT_STATUS_OK {
            // SAFETY: checked non-NULL; the caller promises it is writable.
            unsafe { outcome_json.write(outpaint_bytes::from_vec(text.into_bytes())) };
            result
        } else {
            fail(result, &text)
        }
    })
}
