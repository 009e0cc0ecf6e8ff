//! The engine itself from JS, for hosts that drive it by hand (and for the transcript
//! replay): `new Engine(operation, config, nowMs, seed)`, then `pollEffect(nowMs)` until
//! it gives `undefined`, answering each effect by its id with the `handle*` of its kind,
//! in any order; `pollTimeout`/`handleTimeout` for deadlines, `pollOutcome` at the end.
//! A wrong, unknown or repeated answer throws an `OutpaintError` whose code is
//! `UNKNOWN_EFFECT`, `ALREADY_ANSWERED` or `WRONG_ANSWER`, and changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use js_sys::{Array, Object, Uint8Array};
use outpaint::engine::{Effect, EffectId, EffectKind, HostError, Job, Misuse, Stored};
use outpaint::providers::{local_call, FailureKind, ProviderFailure, Response, TransportError};
use outpaint::{Engine as Core, EngineConfig, Error, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::convert::{bad, bytes_of, get, js_error, required, set, to_js};
use crate::session::{event_out, expect_out, message_of, operation_in};

/// A running operation (see the module docs).
#[wasm_bindgen]
pub struct Engine {
    core: Core,
    /// Provider calls handed out and not answered (for `handleLocal`).
    calls: BTreeMap<u64, Arc<Job>>,
}

fn id_of(id: f64) -> Result<EffectId, JsValue> {
    if !(id.is_finite() && id.fract() == 0.0 && id >= 0.0) {
        return Err(bad(
            ErrorCode::InvalidOption,
            format!("an effect id is a whole number, got {id}"),
        ));
    }
    Ok(EffectId(id as u64))
}

/// A misuse as an `OutpaintError` whose code names it.
fn misuse(m: Misuse) -> JsValue {
    let code = match m {
        Misuse::UnknownEffect(_) => "UNKNOWN_EFFECT",
        Misuse::AlreadyAnswered(_) => "ALREADY_ANSWERED",
        Misuse::WrongAnswer { .. } => "WRONG_ANSWER",
    };
    let e = js_error(Error::new(ErrorCode::InvalidOption, m.to_string()));
    set(e.unchecked_ref(), "code", &code.into());
    e
}

fn time(ms: f64, what: &str) -> Result<u64, JsValue> {
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(bad(
            ErrorCode::InvalidOption,
            format!("{what} must be milliseconds since the epoch, got {ms}"),
        ));
    }
    Ok(ms as u64)
}

fn effect_out(id: EffectId, e: &Effect) -> Result<JsValue, JsValue> {
    let o = Object::new();
    set(&o, "id", &(id.0 as f64).into());
    set(&o, "kind", &e.kind().as_str().into());
    match e {
        Effect::Get { key } => set(&o, "key", &key.as_str().into()),
        Effect::List { prefix } => set(&o, "prefix", &prefix.as_str().into()),
        Effect::Put {
            key,
            body,
            expected,
        } => {
            set(&o, "key", &key.as_str().into());
            set(&o, "body", &Uint8Array::from(&body[..]).into());
            set(&o, "expected", &expect_out(expected));
        }
        Effect::Call { job } => {
            set(&o, "job", &to_js(&**job)?);
            // The plan as the core writes it (as C hosts get it), for hosts that forward it.
            if let Some(p) = &job.outpaint {
                let text = serde_json::to_string(&p.plan).expect("plans serialise");
                set(&o, "planJson", &text.into());
            }
        }
        Effect::Http { model, request } => {
            set(&o, "model", &model.as_str().into());
            let r = Object::new();
            set(&r, "method", &request.method.as_str().into());
            set(&r, "url", &request.url.as_str().into());
            let headers = Array::new();
            for (k, v) in &request.headers {
                headers.push(&Array::of2(&k.as_str().into(), &v.as_str().into()));
            }
            set(&r, "headers", &headers);
            set(&r, "body", &Uint8Array::from(&request.body[..]).into());
            set(&r, "timeoutMs", &(request.timeout_ms as f64).into());
            set(
                &r,
                "maxResponseBytes",
                &(request.max_response_bytes as f64).into(),
            );
            set(&o, "request", &r);
        }
    }
    Ok(o.into())
}

#[wasm_bindgen]
impl Engine {
    /// Starts an operation (the same object `run` takes) with an engine config (or
    /// `undefined`) at `nowMs`, with `seed` (a whole number) as its randomness.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Operation")] operation: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EngineConfig | undefined")] config: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
        seed: f64,
    ) -> Result<Engine, JsValue> {
        let op = operation_in(operation)?;
        let config = if config.is_undefined() || config.is_null() {
            EngineConfig::default()
        } else {
            EngineConfig::from_json(required(config, "config")?).map_err(js_error)?
        };
        if !(seed.is_finite() && seed >= 0.0) {
            return Err(bad(ErrorCode::InvalidOption, "seed must be a whole number"));
        }
        Ok(Engine {
            core: Core::new(op, config, time(now_ms, "nowMs")?, seed as u64),
            calls: BTreeMap::new(),
        })
    }

    /// The next effect to perform, or `undefined` when there is nothing to do now.
    #[wasm_bindgen(js_name = pollEffect, unchecked_return_type = "Effect | undefined")]
    pub fn poll_effect(
        &mut self,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let Some((id, effect)) = self.core.poll_effect(time(now_ms, "nowMs")?) else {
            return Ok(JsValue::UNDEFINED);
        };
        let out = effect_out(id, &effect)?;
        if let Effect::Call { job } = effect {
            self.calls.insert(id.0, job);
        }
        Ok(out)
    }

    /// Answers a get: `{ bytes, tag }`, or `null` when the key is absent.
    #[wasm_bindgen(js_name = handleGet)]
    pub fn handle_get(
        &mut self,
        id: f64,
        #[wasm_bindgen(unchecked_param_type = "Stored | null")] stored: JsValue,
    ) -> Result<(), JsValue> {
        let value = if stored.is_null() || stored.is_undefined() {
            None
        } else {
            match (
                bytes_of(&get(&stored, "bytes")),
                get(&stored, "tag").as_string(),
            ) {
                (Some(bytes), Some(tag)) => Some(Stored { bytes, tag }),
                _ => {
                    return Err(bad(
                        ErrorCode::InvalidOption,
                        "a get is answered with null or { bytes: Uint8Array, tag: string }",
                    ))
                }
            }
        };
        self.core.handle_get(id_of(id)?, Ok(value)).map_err(misuse)
    }

    /// Answers a put: the new tag, or `null` when the precondition did not hold.
    #[wasm_bindgen(js_name = handlePut)]
    pub fn handle_put(&mut self, id: f64, tag: Option<String>) -> Result<(), JsValue> {
        self.core.handle_put(id_of(id)?, Ok(tag)).map_err(misuse)
    }

    /// Answers a list with the keys.
    #[wasm_bindgen(js_name = handleList)]
    pub fn handle_list(&mut self, id: f64, keys: Vec<String>) -> Result<(), JsValue> {
        self.core.handle_list(id_of(id)?, Ok(keys)).map_err(misuse)
    }

    /// Answers a get, put or list with a storage failure (`STORAGE_ERROR`).
    #[wasm_bindgen(js_name = handleStorageError)]
    pub fn handle_storage_error(&mut self, id: f64, message: String) -> Result<(), JsValue> {
        let id = id_of(id)?;
        let e = HostError::new(message);
        // Try each storage kind: only the one in flight takes it; a wrong id is the
        // engine's to name.
        match self.core.handle_get(id, Err(e.clone())) {
            Err(Misuse::WrongAnswer { expected, .. }) => match expected {
                EffectKind::Put => self.core.handle_put(id, Err(e)),
                EffectKind::List => self.core.handle_list(id, Err(e)),
                _ => self.core.handle_get(id, Err(e)),
            },
            r => r,
        }
        .map_err(misuse)
    }

    /// Answers a call with the image bytes (PNG, JPEG or WebP).
    #[wasm_bindgen(js_name = handleImage)]
    pub fn handle_image(&mut self, id: f64, bytes: Vec<u8>) -> Result<(), JsValue> {
        let id = id_of(id)?;
        self.core.handle_call(id, Ok(bytes)).map_err(misuse)?;
        self.calls.remove(&id.0);
        Ok(())
    }

    /// Answers a call with a failure `{ kind, message, retryAfterMs? }`.
    #[wasm_bindgen(js_name = handleFailure)]
    pub fn handle_failure(
        &mut self,
        id: f64,
        #[wasm_bindgen(unchecked_param_type = "Failure")] failure: JsValue,
    ) -> Result<(), JsValue> {
        let id = id_of(id)?;
        let kind: FailureKind = get(&failure, "kind")
            .as_string()
            .ok_or_else(|| bad(ErrorCode::InvalidOption, "failure.kind is required"))?
            .parse()
            .map_err(js_error)?;
        let f = ProviderFailure::new(kind, message_of(&failure)).with_retry_after(
            get(&failure, "retryAfterMs")
                .as_f64()
                .filter(|ms| ms.is_finite() && *ms > 0.0)
                .map(|ms| ms as u64),
        );
        self.core.handle_call(id, Err(f)).map_err(misuse)?;
        self.calls.remove(&id.0);
        Ok(())
    }

    /// Answers a call with the built-in offline `local` provider.
    #[wasm_bindgen(js_name = handleLocal)]
    pub fn handle_local(&mut self, id: f64) -> Result<(), JsValue> {
        let id = id_of(id)?;
        let answer = match self.calls.get(&id.0) {
            Some(job) => local_call(job),
            // Not a call in flight: the engine names the misuse.
            None => Ok(Vec::new()),
        };
        self.core.handle_call(id, answer).map_err(misuse)?;
        self.calls.remove(&id.0);
        Ok(())
    }

    /// Answers an HTTP request with the response `{ status, headers?, body }`.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        id: f64,
        #[wasm_bindgen(unchecked_param_type = "HttpResponse")] response: JsValue,
    ) -> Result<(), JsValue> {
        let status = get(&response, "status").as_f64().unwrap_or(0.0);
        if !(100.0..=599.0).contains(&status) {
            return Err(bad(
                ErrorCode::InvalidOption,
                format!("response.status must be an HTTP status, got {status}"),
            ));
        }
        let headers: Vec<(String, String)> = match get(&response, "headers") {
            h if h.is_undefined() || h.is_null() => Vec::new(),
            h => required(h, "response.headers")?,
        };
        let b = get(&response, "body");
        let body = match b.as_string() {
            Some(s) => s.into_bytes(),
            None => bytes_of(&b).ok_or_else(|| {
                bad(
                    ErrorCode::InvalidOption,
                    "response.body must be a string or a Uint8Array",
                )
            })?,
        };
        let r = Response {
            status: status as u16,
            headers,
            body,
        };
        self.core.handle_http(id_of(id)?, Ok(r)).map_err(misuse)
    }

    /// Answers an HTTP request with no response: `{ timeout, message }`.
    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(
        &mut self,
        id: f64,
        timeout: bool,
        message: String,
    ) -> Result<(), JsValue> {
        self.core
            .handle_http(id_of(id)?, Err(TransportError { timeout, message }))
            .map_err(misuse)
    }

    /// The next deadline (ms since the epoch), or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.core.poll_timeout().map(|t| t as f64)
    }

    /// The time has come: waits whose deadline passed end.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(
        &mut self,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<(), JsValue> {
        self.core.handle_timeout(time(now_ms, "nowMs")?);
        Ok(())
    }

    /// The outcome once the operation is over (`undefined` before, and after it was
    /// taken); throws the operation's error.
    #[wasm_bindgen(js_name = pollOutcome, unchecked_return_type = "Outcome | undefined")]
    pub fn poll_outcome(&mut self) -> Result<JsValue, JsValue> {
        match self.core.poll_outcome() {
            None => Ok(JsValue::UNDEFINED),
            Some(Ok(o)) => to_js(&o),
            Some(Err(e)) => Err(js_error(e)),
        }
    }

    /// The next progress event, or `undefined`.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "EngineEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        match self.core.poll_event() {
            None => JsValue::UNDEFINED,
            Some(e) => event_out(e).into(),
        }
    }
}
