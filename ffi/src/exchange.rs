//! The provider adapters over C: an `outpaint_exchange` turns the engine's waiting CALL
//! into HTTP requests for the host to send (with any client: libcurl, WinHTTP, a
//! platform stack), one at a time, and hands back the image or a typed failure.
//!
//! ```c
//! outpaint_exchange *x;
//! outpaint_exchange_new(engine, outpaint_str_c("{\"apiKey\":\"...\"}"), &x);
//! outpaint_http_step s;
//! for (;;) {
//!   outpaint_exchange_step(x, &s);
//!   if (s.kind == OUTPAINT_HTTP_SEND) { send s.url ...; outpaint_exchange_submit_response(x, ...); }
//!   else if (s.kind == OUTPAINT_HTTP_WAIT) { sleep s.wait_ms; outpaint_exchange_submit_waited(x); }
//!   else break;
//! }
//! outpaint_engine_submit_exchange(engine, x);
//! outpaint_exchange_free(x);
//! ```

use outpaint_core::http::{Method, Reply, Request, Response, TransportError};
use outpaint_core::{Effect, Error, ErrorCode, Exchange, Next, ProviderConfig, ProviderFailure};

use crate::boundary::{guard, guard_unit, live};
use crate::buffer::{byte_slice, none, opt_str, outpaint_str, owned, sv};
use crate::engine::{outpaint_engine, submit_call, waiting_call};
use crate::status::{fail, fail_with, outpaint_status};

/// One provider call in progress (opaque). Create with `outpaint_exchange_new`, release
/// with `outpaint_exchange_free`. Not safe for concurrent use from several threads.
pub struct outpaint_exchange {
    exchange: Exchange,
    /// What the last step returned, owning what the C view points at.
    current: Option<Current>,
    /// Set by a submit; cleared by step.
    answered: bool,
}

/// What the last step returned.
enum Current {
    Send {
        request: Request,
        /// The headers as views into `request`.
        headers: Vec<outpaint_header>,
    },
    Wait(u64),
    Done(Result<Vec<u8>, ProviderFailure>),
}

/// One HTTP header, as two string views.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_header {
    /// The name (lowercase in requests).
    pub name: outpaint_str,
    /// The value.
    pub value: outpaint_str,
}

/// What an exchange asks for next.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum outpaint_http_kind {
    /// Send the request (`method`, `url`, `headers`, `body`) within `timeout_ms`,
    /// reading at most `max_response_bytes` of its body; answer with
    /// `outpaint_exchange_submit_response` or `outpaint_exchange_submit_transport_error`.
    OUTPAINT_HTTP_SEND = 1,
    /// Wait `wait_ms` (polling an asynchronous result); answer with
    /// `outpaint_exchange_submit_waited`.
    OUTPAINT_HTTP_WAIT = 2,
    /// Finished: `status` OK with `image`, or the failure (`status`, `retryable`,
    /// `timeout`, `retry_after_ms`, `message`). Hand it to the engine with
    /// `outpaint_engine_submit_exchange`.
    OUTPAINT_HTTP_DONE = 3,
}

/// One step of an exchange, as views into it: valid until the next step, submit or
/// free on the same exchange. Fields not used by `kind` are zero / `{NULL, 0}`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_http_step {
    /// What is asked.
    pub kind: outpaint_http_kind,
    /// SEND: `GET` or `POST`.
    pub method: outpaint_str,
    /// SEND: the absolute URL.
    pub url: outpaint_str,
    /// SEND: the headers to set, in order (the API key among them: do not log them).
    pub headers: *const outpaint_header,
    /// SEND: their count.
    pub headers_len: usize,
    /// SEND: the body (NULL for GET).
    pub body: *const u8,
    /// SEND: its size.
    pub body_len: usize,
    /// SEND: give up after this long (connect to last byte), then answer with a
    /// transport error whose `timeout` is true.
    pub timeout_ms: u64,
    /// SEND: stop reading a response body longer than this and answer with a transport
    /// error.
    pub max_response_bytes: u64,
    /// WAIT: milliseconds.
    pub wait_ms: u64,
    /// DONE: `OUTPAINT_STATUS_OK`, `OUTPAINT_STATUS_PROVIDER_ERROR` or
    /// `OUTPAINT_STATUS_PROVIDER_TIMEOUT`.
    pub status: outpaint_status,
    /// DONE with OK: the image (PNG, JPEG or WebP bytes).
    pub image: *const u8,
    /// DONE with OK: its size.
    pub image_len: usize,
    /// DONE with a failure: whether one retry may help.
    pub retryable: bool,
    /// DONE with a failure: whether time ran out.
    pub timeout: bool,
    /// DONE with a failure: how long the provider asked to wait before a retry (its
    /// `retry-after`), 0 when it did not say.
    pub retry_after_ms: u64,
    /// DONE with a failure: what went wrong (the API key redacted).
    pub message: outpaint_str,
}

fn empty(kind: outpaint_http_kind) -> outpaint_http_step {
    outpaint_http_step {
        kind,
        method: none(),
        url: none(),
        headers: std::ptr::null(),
        headers_len: 0,
        body: std::ptr::null(),
        body_len: 0,
        timeout_ms: 0,
        max_response_bytes: 0,
        wait_ms: 0,
        status: outpaint_status::OUTPAINT_STATUS_OK,
        image: std::ptr::null(),
        image_len: 0,
        retryable: false,
        timeout: false,
        retry_after_ms: 0,
        message: none(),
    }
}

impl Current {
    fn new(next: Next) -> Current {
        match next {
            Next::Send(request) => {
                let headers = request
                    .headers
                    .iter()
                    .map(|(k, v)| outpaint_header {
                        name: sv(k),
                        value: sv(v),
                    })
                    .collect();
                Current::Send { request, headers }
            }
            Next::Wait(ms) => Current::Wait(ms),
            Next::Done(r) => Current::Done(r),
        }
    }

    fn view(&self) -> outpaint_http_step {
        use outpaint_http_kind::*;
        match self {
            Current::Send { request, headers } => outpaint_http_step {
                method: sv(request.method.as_str()),
                url: sv(&request.url),
                headers: headers.as_ptr(),
                headers_len: headers.len(),
                body: if request.method == Method::Get {
                    std::ptr::null()
                } else {
                    request.body.as_ptr()
                },
                body_len: request.body.len(),
                timeout_ms: request.timeout_ms,
                max_response_bytes: request.max_response_bytes,
                ..empty(OUTPAINT_HTTP_SEND)
            },
            Current::Wait(ms) => outpaint_http_step {
                wait_ms: *ms,
                ..empty(OUTPAINT_HTTP_WAIT)
            },
            Current::Done(Ok(image)) => outpaint_http_step {
                image: image.as_ptr(),
                image_len: image.len(),
                ..empty(OUTPAINT_HTTP_DONE)
            },
            Current::Done(Err(f)) => outpaint_http_step {
                status: f.code().into(),
                retryable: f.retryable,
                timeout: f.timeout,
                retry_after_ms: f.retry_after_ms.unwrap_or(0),
                message: sv(&f.message),
                ..empty(OUTPAINT_HTTP_DONE)
            },
        }
    }
}

fn provider_config(json: outpaint_str) -> Result<ProviderConfig, Error> {
    let text = opt_str(json)?.ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidOption,
            "the provider config JSON is required (at least {\"apiKey\":\"...\"})",
        )
    })?;
    let config: ProviderConfig = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("the provider config JSON is not a config: {e}"),
        )
    })?;
    if config.api_key.trim().is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidOption,
            "the provider config's apiKey is required",
        ));
    }
    if config.timeout_ms == 0 || config.max_response_bytes == 0 {
        return Err(Error::new(
            ErrorCode::InvalidOption,
            "the provider config's timeoutMs and maxResponseBytes must be positive",
        ));
    }
    Ok(config)
}

/// Starts the provider call the engine is waiting for (its last poll returned a CALL):
/// the job goes to the model's provider (`flux` -> Black Forest Labs, `recraft`,
/// `gemini`, `openai`) configured by `config_json`, a JSON object in camelCase:
/// `apiKey` (required), `baseUrl` (default: the provider's own), `model` (generation
/// model id), `pollIntervalMs` (1000), `maxPolls` (300), `timeoutMs` per request
/// (120000), `maxResponseBytes` (64 MiB). On success `*out` receives the exchange; free
/// it with `outpaint_exchange_free`. `OUTPAINT_STATUS_CONFLICT` when no CALL is waiting.
///
/// # Safety
/// `engine` must be a live engine; `config_json` must point at its bytes; `out` at a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_new(
    engine: *const outpaint_engine,
    config_json: outpaint_str,
    out: *mut *mut outpaint_exchange,
) -> outpaint_status {
    guard(|| {
        if engine.is_null() || out.is_null() {
            return fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: engine and out must not be NULL",
            );
        }
        // SAFETY: checked non-NULL; per the contract a live engine.
        let job = match waiting_call(unsafe { &*engine }) {
            Some(Effect::Call(job)) => job,
            _ => {
                return fail(
                    outpaint_status::OUTPAINT_STATUS_CONFLICT,
                    "CONFLICT: the engine is not waiting for a provider call",
                )
            }
        };
        match provider_config(config_json) {
            Ok(config) => {
                let x = Box::new(outpaint_exchange {
                    exchange: Exchange::new(job.model, job, &config),
                    current: None,
                    answered: true,
                });
                // SAFETY: checked non-NULL; the caller promises it is writable.
                unsafe { *out = Box::into_raw(x) };
                outpaint_status::OUTPAINT_STATUS_OK
            }
            Err(e) => fail_with(&e),
        }
    })
}

/// Frees an exchange (NULL is a no-op). Views from its steps become invalid.
///
/// # Safety
/// `exchange` must be NULL or come from `outpaint_exchange_new`, and not be used after.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_free(exchange: *mut outpaint_exchange) {
    guard_unit(|| {
        if !exchange.is_null() {
            // SAFETY: per the contract, made by Box::into_raw in outpaint_exchange_new.
            drop(unsafe { Box::from_raw(exchange) });
        }
    })
}

fn exchange_mut<'a>(
    exchange: *mut outpaint_exchange,
) -> Result<&'a mut outpaint_exchange, outpaint_status> {
    live(exchange, "exchange")
}

/// Advances the exchange and describes the next step (or the end) in `*step`. Step
/// again after answering a SEND or WAIT; stepping before answering repeats the same
/// step, stepping after DONE repeats DONE.
///
/// # Safety
/// `exchange` must be a live exchange; `step` a writable `outpaint_http_step`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_step(
    exchange: *mut outpaint_exchange,
    step: *mut outpaint_http_step,
) -> outpaint_status {
    guard(|| {
        let x = match exchange_mut(exchange) {
            Ok(x) => x,
            Err(s) => return s,
        };
        if step.is_null() {
            return fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: step must not be NULL",
            );
        }
        if x.current.is_none() {
            x.current = Some(Current::new(x.exchange.step(None)));
        }
        x.answered = false;
        let view = x.current.as_ref().expect("set above").view();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { step.write(view) };
        outpaint_status::OUTPAINT_STATUS_OK
    })
}

/// Feeds the answer to the step waiting for one and computes the next step.
fn answer(
    exchange: *mut outpaint_exchange,
    wanted: outpaint_http_kind,
    reply: impl FnOnce() -> Result<Option<Reply>, Error>,
) -> outpaint_status {
    guard(|| {
        let x = match exchange_mut(exchange) {
            Ok(x) => x,
            Err(s) => return s,
        };
        let kind = x.current.as_ref().map(|c| c.view().kind);
        if x.answered || kind != Some(wanted) {
            let what = match wanted {
                outpaint_http_kind::OUTPAINT_HTTP_SEND => "no request is waiting for a response",
                _ => "no wait is waiting to be acknowledged",
            };
            return fail(
                outpaint_status::OUTPAINT_STATUS_CONFLICT,
                &format!("CONFLICT: {what} (step first, answer once)"),
            );
        }
        match reply() {
            Ok(r) => {
                x.current = Some(Current::new(x.exchange.step(r)));
                x.answered = true;
                outpaint_status::OUTPAINT_STATUS_OK
            }
            Err(e) => fail_with(&e),
        }
    })
}

/// Answers a SEND with the HTTP response: its status code, `headers_len` headers (NULL
/// allowed when 0; `retry-after` and `content-type` are read) and the body.
///
/// # Safety
/// `exchange` must be a live exchange; `headers` must point at `headers_len` headers
/// and `body` at `body_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_submit_response(
    exchange: *mut outpaint_exchange,
    status: u16,
    headers: *const outpaint_header,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
) -> outpaint_status {
    answer(exchange, outpaint_http_kind::OUTPAINT_HTTP_SEND, || {
        if headers.is_null() && headers_len > 0 {
            return Err(Error::new(
                ErrorCode::InvalidOption,
                "headers is NULL but headers_len is not 0",
            ));
        }
        let list = if headers_len == 0 {
            &[][..]
        } else {
            // SAFETY: the caller promises `headers` points at `headers_len` headers.
            unsafe { std::slice::from_raw_parts(headers, headers_len) }
        };
        let headers = list
            .iter()
            .map(|h| Ok((owned(h.name)?, owned(h.value)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Some(Ok(Response {
            status,
            headers,
            body: byte_slice(body, body_len)?.to_vec(),
        })))
    })
}

/// Answers a SEND that got no response: `timeout` true when its time ran out; the
/// message says what happened (connection refused, TLS, body too large...).
///
/// # Safety
/// `exchange` must be a live exchange; `message` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_submit_transport_error(
    exchange: *mut outpaint_exchange,
    timeout: bool,
    message: outpaint_str,
) -> outpaint_status {
    answer(exchange, outpaint_http_kind::OUTPAINT_HTTP_SEND, || {
        Ok(Some(Err(TransportError {
            timeout,
            message: owned(message)?,
        })))
    })
}

/// Acknowledges a WAIT once its time has passed.
///
/// # Safety
/// `exchange` must be a live exchange.
#[no_mangle]
pub unsafe extern "C" fn outpaint_exchange_submit_waited(
    exchange: *mut outpaint_exchange,
) -> outpaint_status {
    answer(exchange, outpaint_http_kind::OUTPAINT_HTTP_WAIT, || {
        Ok(None)
    })
}

/// Answers the engine's waiting CALL with the finished exchange's result: the image, or
/// the failure with its retry hints (the engine waits the provider's `retry-after`
/// before its one retry). `OUTPAINT_STATUS_CONFLICT` when the exchange is not DONE or
/// no CALL is waiting. The exchange stays valid (free it as usual).
///
/// # Safety
/// `engine` must be a live engine and `exchange` a live exchange.
#[no_mangle]
pub unsafe extern "C" fn outpaint_engine_submit_exchange(
    engine: *mut outpaint_engine,
    exchange: *const outpaint_exchange,
) -> outpaint_status {
    if exchange.is_null() {
        return guard(|| {
            fail(
                outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER,
                "NULL_PARAMETER: exchange must not be NULL",
            )
        });
    }
    // SAFETY: non-NULL and, per the contract, a live exchange.
    let result = match unsafe { &(*exchange).current } {
        Some(Current::Done(r)) => Some(r.clone()),
        _ => None,
    };
    submit_call(engine, move || match result {
        Some(r) => Ok(r),
        None => Err(Error::new(
            ErrorCode::Conflict,
            "the exchange has not finished (step it until DONE)",
        )),
    })
}
