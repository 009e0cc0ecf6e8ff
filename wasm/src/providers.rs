//! The real providers from JS: `callProvider(job, options)` drives the core's sans-IO
//! adapter for the job's model, sending each request with `fetch` (the global one, or
//! `options.fetch`), so a browser or Node app passes it as `run`'s provider.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use outpaint::providers::{
    Exchange, FailureKind, HttpReply as Reply, Method, Next, ProviderConfig, ProviderFailure,
    Registry, Request, Response, TransportError,
};
use outpaint::ErrorCode;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::convert::{bad, from_js, get, js_error, set};
use crate::session::{job_in, message_of, timeout};

/// Calls the job's provider (Black Forest Labs for `flux`, Recraft, Gemini, OpenAI) and
/// resolves to the image bytes. Rejects with an `OutpaintError` (`PROVIDER_ERROR` or
/// `PROVIDER_TIMEOUT`) carrying `retryable`, `timeout` and `retryAfterMs`, which `run`
/// reads to decide on its one retry.
#[wasm_bindgen(js_name = callProvider)]
pub async fn call_provider(
    #[wasm_bindgen(unchecked_param_type = "Job")] job: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ProviderOptions")] options: JsValue,
) -> Result<Uint8Array, JsValue> {
    let job = job_in(&job)?;
    let fields = Object::assign(&Object::new(), &options.clone().unchecked_into());
    for k in ["fetch", "sleep", "registry"] {
        let _ = Reflect::delete_property(&fields, &k.into());
    }
    let registry = match get(&options, "registry") {
        r if r.is_undefined() || r.is_null() => Registry::builtin(),
        r => {
            let patch: serde_json::Value = from_js(Some(r), "registry")?;
            Registry::patched(&patch).map_err(js_error)?
        }
    };
    let config: ProviderConfig = from_js(Some(fields.into()), "provider options")?;
    config.validate().map_err(js_error)?;
    let fetch = match get(&options, "fetch") {
        f if f.is_undefined() || f.is_null() => get(&js_sys::global(), "fetch"),
        f => f,
    };
    let fetch: Function = fetch.dyn_into().map_err(|_| {
        bad(
            ErrorCode::InvalidOption,
            "no fetch here; pass options.fetch",
        )
    })?;
    let sleep = get(&options, "sleep").dyn_into::<Function>().ok();
    let mut x = Exchange::new(job.model, &job, &config, &registry);
    let mut reply = None;
    loop {
        match x.step(reply.take()) {
            Next::Send(req) => reply = Some(send(&fetch, &req).await),
            Next::Wait(ms) => {
                let waited = match &sleep {
                    Some(f) => f.call1(&JsValue::NULL, &(ms as f64).into()),
                    None => Ok(timeout(ms).into()),
                };
                JsFuture::from(Promise::resolve(&waited?)).await?;
            }
            Next::Done(Ok(bytes)) => return Ok(Uint8Array::from(&bytes[..])),
            Next::Done(Err(f)) => return Err(failure_error(f)),
        }
    }
}

/// The model registry as JSON: the built-in one, or it with `patch` (a JSON merge patch,
/// RFC 7396) merged in. A patch that breaks the table throws `INVALID_OPTION` naming
/// the problem. The same patch goes into `config.registry` and `callProvider`'s options.
#[wasm_bindgen(js_name = registry, unchecked_return_type = "Registry")]
pub fn registry(
    #[wasm_bindgen(unchecked_param_type = "RegistryPatch | undefined")] patch: JsValue,
) -> Result<JsValue, JsValue> {
    let r = if patch.is_undefined() || patch.is_null() {
        Registry::builtin()
    } else {
        let v: serde_json::Value = from_js(Some(patch), "registry patch")?;
        Registry::patched(&v).map_err(js_error)?
    };
    crate::convert::to_js(&r.to_json())
}

fn failure_error(f: ProviderFailure) -> JsValue {
    let (code, retryable, kind) = (f.code(), f.retryable(), f.kind);
    let e = bad(code, f.message);
    let o: &Object = e.unchecked_ref();
    set(o, "kind", &kind.as_str().into());
    set(o, "retryable", &retryable.into());
    set(o, "timeout", &(kind == FailureKind::Timeout).into());
    if let Some(ms) = f.retry_after_ms {
        set(o, "retryAfterMs", &(ms as f64).into());
    }
    e
}

/// One request through `fetch`: status, the headers the adapters read, the body.
pub(crate) async fn send(fetch: &Function, r: &Request) -> Reply {
    let transport = |e: &JsValue| {
        let name = get(e, "name").as_string().unwrap_or_default();
        TransportError {
            timeout: name == "TimeoutError" || name == "AbortError",
            message: message_of(e),
        }
    };
    let init = Object::new();
    set(&init, "method", &r.method.as_str().into());
    let headers = Object::new();
    for (k, v) in &r.headers {
        set(&headers, k, &v.as_str().into());
    }
    set(&init, "headers", &headers);
    if r.method == Method::Post {
        set(&init, "body", &Uint8Array::from(&r.body[..]));
    }
    if r.carries_credentials() {
        // A keyed request is never followed across a redirect (fetch would forward
        // x-key and x-goog-api-key to the other origin).
        set(&init, "redirect", &"error".into());
    }
    let abort = get(&js_sys::global(), "AbortSignal");
    if let Ok(f) = get(&abort, "timeout").dyn_into::<Function>() {
        if let Ok(signal) = f.call1(&abort, &(r.timeout_ms as f64).into()) {
            set(&init, "signal", &signal);
        }
    }
    let called = fetch
        .call2(&JsValue::NULL, &r.url.as_str().into(), &init)
        .map_err(|e| transport(&e))?;
    let resp = JsFuture::from(Promise::resolve(&called))
        .await
        .map_err(|e| transport(&e))?;
    let status = get(&resp, "status").as_f64().unwrap_or(0.0) as u16;
    let mut head = Vec::new();
    let h = get(&resp, "headers");
    if let Ok(getter) = get(&h, "get").dyn_into::<Function>() {
        for name in ["retry-after", "content-type", "date"] {
            if let Some(v) = getter
                .call1(&h, &name.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                head.push((name.to_string(), v));
            }
        }
    }
    let buffer = match get(&resp, "arrayBuffer").dyn_into::<Function>() {
        Ok(f) => f.call0(&resp).map_err(|e| transport(&e))?,
        Err(_) => {
            return Err(TransportError {
                timeout: false,
                message: "fetch answered something that is not a Response".into(),
            })
        }
    };
    let buffer = JsFuture::from(Promise::resolve(&buffer))
        .await
        .map_err(|e| transport(&e))?;
    let body = Uint8Array::new(&buffer).to_vec();
    if body.len() as u64 > r.max_response_bytes {
        return Err(TransportError {
            timeout: false,
            message: format!("the response is over {} bytes", r.max_response_bytes),
        });
    }
    Ok(Response {
        status,
        headers: head,
        body,
    })
}
