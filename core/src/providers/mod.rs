//! The four real providers as sans-IO adapters: a job in, one HTTP request at a time out,
//! an image (or a typed failure) at the end. The same adapters run under the blocking
//! Rust driver, the async JS driver and the C driver; none of them touches the network.
//!
//! ```text
//! let mut x = Exchange::new(&job, &config);
//! let mut reply = None;
//! loop {
//!     match x.step(reply.take()) {
//!         Next::Send(request) => reply = Some(host_sends(request)),
//!         Next::Wait(ms) => host_sleeps(ms),
//!         Next::Done(result) => break result,
//!     }
//! }
//! ```
//!
//! | provider | generate | iterate | outpaint |
//! |---|---|---|---|
//! | `flux` (Black Forest Labs) | `POST /v1/{model}` | `POST /v1/flux-kontext-pro` | `POST /v1/flux-pro-1.0-fill` (canvas + mask) or `-expand` (image + edges), then poll `polling_url`, then download `result.sample` |
//! | `recraft` | `POST /v1/images/generations` | `POST /v1/images/imageToImage` | `POST /v1/images/outpaint` (`expand_*`), then download `data[0].url` |
//! | `gemini` | `generateContent` | `generateContent` with the image | `generateContent` with the image, the direction sentence and the aspect ratio |
//! | `openai` | `POST /v1/images/generations` | `POST /v1/images/edits` | `POST /v1/images/edits` with the RGBA canvas (transparent = editable) |

mod bfl;
mod failure;
mod gemini;
mod http;
mod local;
mod openai;
mod recraft;
mod registry;
mod upload;

pub use failure::*;
pub use http::*;
pub use local::*;
pub use registry::*;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::{Job, JobKind, OutpaintJob};
use upload::{encode_within, source_within, Encoded};

use crate::session::redact;
use crate::session::Model;
pub use upload::{prepare_within, Sent};

/// How to reach one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProviderConfig {
    /// The API key (sent as the provider wants it; redacted from every message).
    pub api_key: String,
    /// Base URL without a trailing slash (empty = the provider's own; tests point it
    /// at a mock server).
    pub base_url: String,
    /// Model id for generation (empty = the provider's default).
    pub model: String,
    /// Wait between polls of an asynchronous result (Black Forest Labs), ms.
    pub poll_interval_ms: u64,
    /// Polls before giving up with `PROVIDER_TIMEOUT`.
    pub max_polls: u32,
    /// Timeout of each request, ms.
    pub timeout_ms: u64,
    /// Largest response body accepted, bytes.
    pub max_response_bytes: u64,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            api_key: String::new(),
            base_url: String::new(),
            model: String::new(),
            poll_interval_ms: 1000,
            max_polls: 300,
            timeout_ms: 120_000,
            max_response_bytes: 64 << 20,
        }
    }
}

impl ProviderConfig {
    /// Checks what a request cannot do without: a key, a timeout, room for a response
    /// (`INVALID_OPTION` naming the field). Every door checks configs here.
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |what: &str| Err(crate::Error::new(crate::ErrorCode::InvalidOption, what));
        if self.api_key.trim().is_empty() {
            return bad("apiKey is empty: the provider needs a key");
        }
        if self.timeout_ms == 0 {
            return bad("timeoutMs is 0: every request would time out at once");
        }
        if self.max_response_bytes == 0 {
            return bad("maxResponseBytes is 0: no response would fit");
        }
        if self.max_polls == 0 {
            return bad("maxPolls is 0: an asynchronous result could never be read");
        }
        Ok(())
    }

    /// Reads a config from JSON (every field optional, camelCase) and validates it.
    pub fn from_json(v: serde_json::Value) -> crate::Result<ProviderConfig> {
        let c: ProviderConfig = serde_json::from_value(v).map_err(|e| {
            crate::Error::new(
                crate::ErrorCode::InvalidOption,
                format!("not a provider config: {e}"),
            )
        })?;
        c.validate()?;
        Ok(c)
    }
}

/// Polls answered 404 before a task is taken to be lost (as BFL's own ComfyUI nodes do).
const POLL_MISSES: u32 = 5;

/// What an [`Exchange`] wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Send this and pass the reply to the next [`Exchange::step`].
    Send(Request),
    /// Wait this many ms, then call [`Exchange::step`] with `None`.
    Wait(u64),
    /// Finished: the image bytes (PNG, JPEG or WebP) or why not.
    Done(Result<Vec<u8>, ProviderFailure>),
}

/// One provider call in progress: a small state machine that yields one request at a
/// time (submit, poll, download).
#[derive(Debug)]
pub struct Exchange {
    ctx: Ctx,
    state: State,
    sent: Vec<Sent>,
    model: String,
}

/// What every step needs.
#[derive(Debug)]
struct Ctx {
    provider: Model,
    config: ProviderConfig,
    /// The base URL in use (configured or the provider's own).
    base: String,
    /// The provider's registered domain ([`Column::key_domain`]).
    key_domain: String,
    /// Where a task is polled when the answer names no URL ([`Endpoints::poll`]).
    poll: String,
}

/// What an adapter needs to build its first request.
pub(super) struct Call<'a> {
    /// The job.
    pub job: &'a Job,
    /// How to reach the provider.
    pub config: &'a ProviderConfig,
    /// The provider's model id.
    pub id: String,
    /// What the registry knows of it.
    pub info: ModelInfo,
    /// The base URL without a trailing slash.
    pub base: String,
    /// The whole registry (for a sibling model).
    pub registry: &'a Registry,
    /// The paths of the provider's operations.
    pub endpoints: &'a Endpoints,
}

impl Call<'_> {
    /// The URL of an endpoint (`&self.endpoints.generate`, ...) for model `id`.
    pub fn url(&self, endpoint: &str, id: &str) -> String {
        format!("{}{}", self.base, Endpoints::path(endpoint, id))
    }

    /// `authorization: Bearer <key>` (Recraft, OpenAI).
    pub fn bearer(&self) -> Vec<(String, String)> {
        vec![(
            "authorization".to_string(),
            format!("Bearer {}", self.config.api_key),
        )]
    }
}

#[derive(Debug)]
enum State {
    /// The first request is ready (or the job could not be turned into one).
    Start(Result<(Request, Parse), ProviderFailure>),
    /// Waiting for the answer to the first request.
    Submitted(Parse),
    /// Black Forest Labs: polling a task.
    Polling {
        url: String,
        polls: u32,
        /// 404 answers so far.
        misses: u32,
        waiting: bool,
    },
    /// Downloading the result from a URL.
    Downloading,
    /// Over.
    Done,
}

/// How the first answer is read.
#[derive(Debug, Clone, Copy)]
enum Parse {
    /// `{ id, polling_url }` (Black Forest Labs).
    BflTask,
    /// `{ data: [{ url }] }` (Recraft).
    DataUrl,
    /// `{ data: [{ b64_json }] }` (OpenAI).
    DataB64,
    /// `candidates[].content.parts[].inlineData` (Gemini).
    GeminiParts,
}

impl Exchange {
    /// Starts `job` for `model`'s provider, with the models and limits of `registry`.
    /// Problems with the job itself (an image the provider cannot take) surface as the
    /// first [`Next::Done`].
    pub fn new(model: Model, job: &Job, config: &ProviderConfig, registry: &Registry) -> Exchange {
        let column = match registry.column(model) {
            Ok(c) if c.adapter != Adapter::Host => c,
            found => {
                let why = match found {
                    Err(e) => e.message().to_string(),
                    Ok(_) => format!("column {model} is answered by the host, not an adapter"),
                };
                return Exchange {
                    ctx: Ctx {
                        provider: model,
                        config: config.clone(),
                        base: String::new(),
                        key_domain: String::new(),
                        poll: String::new(),
                    },
                    state: State::Start(Err(ProviderFailure::rejected(why))),
                    sent: Vec::new(),
                    model: String::new(),
                };
            }
        };
        let task = match job.kind {
            JobKind::Generate => Task::Generate,
            JobKind::Iterate => Task::Iterate,
            JobKind::Outpaint => Task::Outpaint,
        };
        let profile = job.outpaint.as_ref().map(|o| o.plan.profile.as_str());
        let (id, info) = registry.model_for(column, task, &config.model, profile);
        let base = if config.base_url.is_empty() {
            column.base_url.as_str()
        } else {
            config.base_url.as_str()
        }
        .trim_end_matches('/')
        .to_string();
        let call = Call {
            job,
            config,
            id: id.to_string(),
            info,
            base: base.clone(),
            registry,
            endpoints: &column.endpoints,
        };
        let mut sent = Vec::new();
        let built = match within_profile(job, registry).and_then(|()| within_prompt(&call)) {
            Err(f) => Err(f),
            Ok(()) => match column.adapter {
                Adapter::Bfl => bfl::request(&call, &mut sent),
                Adapter::Recraft => recraft::request(&call, &mut sent),
                Adapter::Gemini => gemini::request(&call, &mut sent),
                Adapter::Openai => openai::request(&call, &mut sent),
                Adapter::Host => Err(ProviderFailure::rejected("a host column has no adapter")),
            },
        };
        Exchange {
            ctx: Ctx {
                provider: model,
                config: config.clone(),
                base,
                key_domain: column.key_domain.clone(),
                poll: column.endpoints.poll.clone(),
            },
            state: State::Start(built),
            sent,
            model: id.to_string(),
        }
    }

    /// The provider's model id this call uses.
    pub fn model_id(&self) -> &str {
        &self.model
    }

    /// The images this call uploads, as encoded to fit the model's limits.
    pub fn uploads(&self) -> &[Sent] {
        &self.sent
    }

    /// Advances: pass the reply to the last [`Next::Send`], else `None`.
    pub fn step(&mut self, reply: Option<HttpReply>) -> Next {
        let state = std::mem::replace(&mut self.state, State::Done);
        let (state, next) = self.advance(state, reply);
        self.state = state;
        next
    }

    fn advance(&self, state: State, reply: Option<HttpReply>) -> (State, Next) {
        let c = &self.ctx;
        match (state, reply) {
            (State::Start(Ok((req, parse))), None) => (State::Submitted(parse), Next::Send(req)),
            (State::Start(Err(f)), _) => (State::Done, Next::Done(Err(c.redacted(f)))),
            (State::Submitted(parse), Some(reply)) => match c.ok_json(reply) {
                Err(f) => (State::Done, Next::Done(Err(f))),
                Ok(v) => match parse {
                    Parse::BflTask => {
                        match bfl::task(&v, &c.base, &c.poll).and_then(|u| c.keyed_url(u)) {
                            Ok(url) => self.poll(url, 0),
                            Err(f) => (State::Done, Next::Done(Err(c.redacted(f)))),
                        }
                    }
                    Parse::DataUrl => self.download(url_at(&v, "/data/0/url")),
                    Parse::DataB64 => (State::Done, Next::Done(c.b64(&v, "/data/0/b64_json"))),
                    Parse::GeminiParts => (State::Done, Next::Done(gemini::image(&v))),
                },
            },
            (
                State::Polling {
                    url,
                    polls,
                    misses,
                    waiting: true,
                },
                None,
            ) => (
                State::Polling {
                    url: url.clone(),
                    polls,
                    misses,
                    waiting: false,
                },
                Next::Send(c.get(&url, true)),
            ),
            // A task not (yet) known to the polled host (404: BFL's clusters may lag),
            // a few times; or accepted but not started (202, no body).
            (
                State::Polling {
                    url,
                    polls,
                    misses,
                    waiting: false,
                },
                Some(Ok(r)),
            ) if (r.status == 404 && misses < POLL_MISSES) || r.status == 202 => {
                self.poll_again(url, polls + 1, misses + u32::from(r.status == 404))
            }
            (State::Polling { misses, .. }, Some(Ok(r))) if r.status == 404 => (
                State::Done,
                Next::Done(Err(ProviderFailure::transient(format!(
                    "{}: the task was not found after {} polls (HTTP 404)",
                    c.provider,
                    misses + 1
                )))),
            ),
            (
                State::Polling {
                    url,
                    polls,
                    misses,
                    waiting: false,
                },
                Some(reply),
            ) => match c.ok_json(reply) {
                Err(f) => (State::Done, Next::Done(Err(f))),
                Ok(v) => match bfl::status(&v) {
                    bfl::Status::Pending => self.poll_again(url, polls + 1, misses),
                    bfl::Status::Ready(sample) => self.download(Ok(sample)),
                    bfl::Status::Failed(f) => (State::Done, Next::Done(Err(c.redacted(f)))),
                },
            },
            (State::Downloading, Some(reply)) => (State::Done, Next::Done(c.image_body(reply))),
            (State::Done, _) => (
                State::Done,
                Next::Done(Err(ProviderFailure::rejected(
                    "the exchange is already over",
                ))),
            ),
            _ => (
                State::Done,
                Next::Done(Err(ProviderFailure::rejected(
                    "a reply was expected after Send, and none after Wait",
                ))),
            ),
        }
    }

    fn poll(&self, url: String, polls: u32) -> (State, Next) {
        self.poll_again(url, polls, 0)
    }

    fn poll_again(&self, url: String, polls: u32, misses: u32) -> (State, Next) {
        if polls >= self.ctx.config.max_polls {
            let f = ProviderFailure::timeout(format!(
                "{}: no result after {polls} polls {} ms apart",
                self.ctx.provider, self.ctx.config.poll_interval_ms
            ));
            return (State::Done, Next::Done(Err(f)));
        }
        (
            State::Polling {
                url,
                polls,
                misses,
                waiting: true,
            },
            Next::Wait(self.ctx.config.poll_interval_ms),
        )
    }

    fn download(&self, url: Result<String, ProviderFailure>) -> (State, Next) {
        match url {
            Ok(u) => (State::Downloading, Next::Send(self.ctx.get(&u, false))),
            Err(f) => (State::Done, Next::Done(Err(self.ctx.redacted(f)))),
        }
    }
}

impl Ctx {
    /// `url` when the key may be sent there: the configured base URL's own origin, or
    /// https to the provider's registered domain (or a host under it). Anything else
    /// (a polling URL on another host, plain http) is refused before any request.
    fn keyed_url(&self, url: String) -> Result<String, ProviderFailure> {
        let ok = match (origin(&url), origin(&self.base)) {
            (Some(u), Some(b)) if u == b => true,
            (Some((scheme, host, _)), _) => {
                scheme == "https"
                    && !self.key_domain.is_empty()
                    && (host == self.key_domain || host.ends_with(&format!(".{}", self.key_domain)))
            }
            _ => false,
        };
        if ok {
            Ok(url)
        } else {
            Err(ProviderFailure::rejected(format!(
                "{}: the provider asked to be polled at {:?}, which is neither the configured host nor https under {}; the key is not sent there",
                self.provider,
                origin(&url).map_or("?".to_string(), |(s, h, p)| format!("{s}://{h}{p}")),
                self.key_domain
            )))
        }
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.config.api_key.clone()]
    }

    fn redacted(&self, mut f: ProviderFailure) -> ProviderFailure {
        f.message = redact(&f.message, &self.secrets());
        f
    }

    /// A GET (`keyed`: with the provider's key header, for Black Forest Labs polls).
    fn get(&self, url: &str, keyed: bool) -> Request {
        let mut headers = vec![("accept".to_string(), "*/*".to_string())];
        if keyed {
            headers.push(("x-key".into(), self.config.api_key.clone()));
        }
        Request {
            method: Method::Get,
            url: url.to_string(),
            headers,
            body: Vec::new(),
            timeout_ms: self.config.timeout_ms,
            max_response_bytes: self.config.max_response_bytes,
        }
    }

    /// A 2xx response's JSON, or the failure it means.
    fn ok_json(&self, reply: HttpReply) -> Result<Value, ProviderFailure> {
        let r = self.ok(reply)?;
        serde_json::from_slice(&r.body).map_err(|e| {
            self.redacted(ProviderFailure::transient(format!(
                "{}: the response is not JSON ({e}): {}",
                self.provider,
                snippet(&r.body)
            )))
        })
    }

    fn ok(&self, reply: HttpReply) -> Result<Response, ProviderFailure> {
        let r = reply.map_err(|t| {
            let message = format!("{}: {}", self.provider, t.message);
            self.redacted(if t.timeout {
                ProviderFailure::timeout(message)
            } else {
                ProviderFailure::transient(message)
            })
        })?;
        if (200..300).contains(&r.status) {
            Ok(r)
        } else {
            Err(self.redacted(http_failure(self.provider.as_str(), &r)))
        }
    }

    /// A downloaded image body.
    fn image_body(&self, reply: HttpReply) -> Result<Vec<u8>, ProviderFailure> {
        let r = self.ok(reply)?;
        if crate::codec::Format::detect(&r.body).is_none() {
            return Err(self.redacted(ProviderFailure::transient(format!(
                "{}: the download is not a PNG, JPEG or WebP image: {}",
                self.provider,
                snippet(&r.body)
            ))));
        }
        Ok(r.body)
    }

    /// Base64 image data at a JSON pointer.
    fn b64(&self, v: &Value, pointer: &str) -> Result<Vec<u8>, ProviderFailure> {
        let s = v.pointer(pointer).and_then(Value::as_str).ok_or_else(|| {
            ProviderFailure::transient(format!(
                "{}: the response has no image at {pointer}",
                self.provider
            ))
        })?;
        unbase64(s)
    }
}

/// A prompt longer than the model takes (the registry's `promptChars`): refused before
/// any request.
fn within_prompt(c: &Call) -> Result<(), ProviderFailure> {
    let chars = c.job.prompt.chars().count();
    if c.info.prompt_chars != 0 && chars > c.info.prompt_chars as usize {
        return Err(ProviderFailure::rejected(format!(
            "{}: {} takes prompts of at most {} characters; this one has {chars}",
            c.job.model, c.id, c.info.prompt_chars
        )));
    }
    Ok(())
}

/// A plan made by hand may break its profile's edge limit: refused before any request.
fn within_profile(job: &Job, registry: &Registry) -> Result<(), ProviderFailure> {
    let Some(o) = &job.outpaint else {
        return Ok(());
    };
    let Some(crate::plan::Profile {
        geometry: crate::plan::Geometry::Edges(rules),
        ..
    }) = registry.profiles.get(&o.plan.profile)
    else {
        return Ok(());
    };
    let e = o.plan.edges;
    if rules.max_edge != 0
        && [e.left, e.right, e.top, e.bottom]
            .iter()
            .any(|&p| p > rules.max_edge)
    {
        return Err(ProviderFailure::rejected(format!(
            "profile {} adds at most {} px per side; the plan asks left {}, right {}, top {}, bottom {}",
            o.plan.profile, rules.max_edge, e.left, e.right, e.top, e.bottom
        )));
    }
    Ok(())
}

/// The scheme, lower-case host and `:port` (or empty) of an absolute URL whose authority
/// is plainly a host: letters, digits, `.`, `-`, an IP literal's `[`, `]` and `:`, and a
/// port. Anything else (user info, a backslash, percent-escapes, whitespace or control
/// characters) is `None`, so no key goes there: a browser or an HTTP client reads such
/// URLs by the WHATWG rules, where `https://evil.example\@api.bfl.ai/` is a request to
/// evil.example, and a reading that could differ from theirs must not decide where a key
/// goes. (`fuzz/fuzz_targets/responses.rs` checks every keyed request against the `url`
/// crate's WHATWG reading.)
fn origin(url: &str) -> Option<(String, String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']');
    if authority.is_empty() || !authority.bytes().all(plain) {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h, format!(":{p}"))
        }
        _ => (authority, String::new()),
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), port))
}

/// A string at a JSON pointer (a URL to download).
fn url_at(v: &Value, pointer: &str) -> Result<String, ProviderFailure> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ProviderFailure::transient(format!("the response has no URL at {pointer}")))
}

/// Base64 (standard alphabet, padding optional) to bytes.
fn unbase64(s: &str) -> Result<Vec<u8>, ProviderFailure> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(s.trim().trim_end_matches('='))
        .map_err(|e| ProviderFailure::transient(format!("the image is not valid base64: {e}")))
}

/// Bytes to base64 (standard alphabet, padded).
fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A JSON POST.
fn post_json(
    url: String,
    headers: Vec<(String, String)>,
    body: &Value,
    c: &ProviderConfig,
) -> Request {
    let bytes = serde_json::to_vec(body).expect("JSON values serialise");
    post(url, "application/json".into(), headers, bytes, c)
}

/// A multipart POST.
fn post_form(
    url: String,
    headers: Vec<(String, String)>,
    form: Multipart,
    c: &ProviderConfig,
) -> Request {
    let (content_type, body) = form.finish();
    post(url, content_type, headers, body, c)
}

/// A POST of `body` as `content_type`, expecting JSON back, plus the provider's headers.
fn post(
    url: String,
    content_type: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    c: &ProviderConfig,
) -> Request {
    let mut h = vec![
        ("content-type".to_string(), content_type),
        ("accept".to_string(), "application/json".to_string()),
    ];
    h.extend(headers);
    Request {
        method: Method::Post,
        url,
        headers: h,
        body,
        timeout_ms: c.timeout_ms,
        max_response_bytes: c.max_response_bytes,
    }
}

/// The job's source image bytes (iterate, outpaint).
fn source(job: &Job) -> Result<&[u8], ProviderFailure> {
    job.source_bytes()
        .ok_or_else(|| ProviderFailure::rejected("this job has no source image"))
}

/// The outpaint part of a job.
fn outpaint(job: &Job) -> Result<&OutpaintJob, ProviderFailure> {
    job.outpaint
        .as_ref()
        .ok_or_else(|| ProviderFailure::rejected("an outpaint job without a canvas"))
}

/// The original as sent (`plan.image` cut out of the sent canvas), encoded within
/// `limits`.
fn sent_original(
    o: &OutpaintJob,
    limits: &UploadLimits,
    part: &str,
    sent: &mut Vec<Sent>,
) -> Result<Encoded, ProviderFailure> {
    let canvas = decoded_canvas(o)?;
    let img = canvas.view().crop(o.plan.image).map_err(|e| {
        ProviderFailure::rejected(format!(
            "the plan puts the image outside the canvas: {}",
            e.message()
        ))
    })?;
    record(encode_within(img.view(), limits, part), sent)
}

/// The sent canvas, decoded.
fn decoded_canvas(o: &OutpaintJob) -> Result<crate::pixels::Image, ProviderFailure> {
    crate::codec::decode(&o.canvas_png, &crate::Limits::default())
        .map_err(|e| ProviderFailure::rejected(e.to_string()))
}

/// The sent canvas within `limits`: the job's PNG as is when it fits, else re-encoded at
/// the same size (the plan fixed it).
fn sent_canvas(
    o: &OutpaintJob,
    limits: &UploadLimits,
    part: &str,
    sent: &mut Vec<Sent>,
) -> Result<Encoded, ProviderFailure> {
    let (w, h) = (o.plan.size.width, o.plan.size.height);
    let e = if limits.admits(w, h, o.canvas_png.len(), crate::codec::Format::Png) {
        Ok(Encoded {
            bytes: o.canvas_png.clone(),
            sent: Sent::png(part, w, h, o.canvas_png.len()),
        })
    } else {
        encode_within(decoded_canvas(o)?.view(), limits, part)
    };
    record(e, sent)
}

/// Notes an upload in `sent`.
fn record(
    e: Result<Encoded, ProviderFailure>,
    sent: &mut Vec<Sent>,
) -> Result<Encoded, ProviderFailure> {
    if let Ok(e) = &e {
        sent.push(e.sent.clone());
    }
    e
}
