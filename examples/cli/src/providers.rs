//! `--provider`: the real providers over HTTP (a blocking `ureq` client), keys from the
//! environment, base URLs overridable (for mock servers and proxies).

use std::io::{IsTerminal, Write as _};
use std::time::Duration;

use clap::Args;
use outpaint_core::engine::Event;
use outpaint_core::host::Transport;
use outpaint_core::providers::{
    Adapter, HttpReply as Reply, Method, ProviderConfig, Registry, Request, Response,
    TransportError,
};
use outpaint_core::session::Model;
use outpaint_core::{Error, ErrorCode};

/// Provider options shared by `run` and `session`.
#[derive(Args, Clone)]
pub struct ProviderArgs {
    /// local (offline), flux, recraft, gemini, openai or a column of the registry's.
    /// Keys come from BFL_API_KEY, RECRAFT_API_KEY, GEMINI_API_KEY and OPENAI_API_KEY; a
    /// column of the registry patch's own from {NAME}_API_KEY (`flux-eu`: FLUX_EU_API_KEY),
    /// else its adapter's.
    #[arg(long, default_value = "local", global = true)]
    pub provider: String,
    /// Base URL of the provider's API (default: the registry column's, or
    /// BFL_BASE_URL / RECRAFT_BASE_URL / GEMINI_BASE_URL / OPENAI_BASE_URL /
    /// {NAME}_BASE_URL).
    #[arg(long, global = true)]
    pub base_url: Option<String>,
    /// The provider's model id for generation (default: the provider's own).
    #[arg(long, global = true)]
    pub provider_model: Option<String>,
    /// Seconds before a request gives up.
    #[arg(long, default_value = "120", global = true)]
    pub timeout: u64,
    /// Milliseconds between polls of an asynchronous result (Black Forest Labs).
    #[arg(long, default_value = "1000", global = true)]
    pub poll_interval: u64,
    /// A JSON merge patch of the model registry (`outpaint registry` prints it): newer
    /// model ids, other defaults, other limits.
    #[arg(long, global = true)]
    pub registry: Option<std::path::PathBuf>,
}

/// The environment variable prefix of a model column: `BFL`, `RECRAFT`, `GEMINI`,
/// `OPENAI`, or a host's column's name in capitals (`flux-eu`: `FLUX_EU`).
fn prefix(model: Model) -> String {
    match model {
        Model::Flux => "BFL".into(),
        Model::Recraft => "RECRAFT".into(),
        Model::Gemini => "GEMINI".into(),
        Model::Openai => "OPENAI".into(),
        m => m.as_str().to_ascii_uppercase().replace('-', "_"),
    }
}

/// The prefix of the built-in column an adapter speaks for (where a host's column's key
/// is looked up when it has none of its own).
fn adapter_prefix(adapter: Adapter) -> Option<&'static str> {
    match adapter {
        Adapter::Bfl => Some("BFL"),
        Adapter::Recraft => Some("RECRAFT"),
        Adapter::Gemini => Some("GEMINI"),
        Adapter::Openai => Some("OPENAI"),
        Adapter::Host => None,
    }
}

/// The model registry, with the patch in `file` merged in when there is one.
pub fn registry(file: Option<&std::path::Path>) -> Result<Registry, Error> {
    let Some(path) = file else {
        return Ok(Registry::builtin());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("cannot read the registry patch {}: {e}", path.display()),
        )
    })?;
    let patch: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("the registry patch {} is not JSON: {e}", path.display()),
        )
    })?;
    Registry::patched(&patch)
}

impl ProviderArgs {
    /// The chosen provider's model column, `None` for `local`: `INVALID_OPTION` for a
    /// name `registry` has no column of, or a column its host must answer.
    pub fn model(&self, registry: &Registry) -> Result<Option<Model>, Error> {
        let name = self.provider.trim();
        if name == "local" {
            return Ok(None);
        }
        let m = registry.model(name).map_err(|_| {
            let names: Vec<String> = registry.models().iter().map(|m| m.to_string()).collect();
            Error::new(
                ErrorCode::InvalidOption,
                format!(
                    "unknown provider {name:?}; expected local, {}",
                    names.join(", ")
                ),
            )
        })?;
        if adapter_prefix(registry.column(m)?.adapter).is_none() {
            return Err(Error::new(
                ErrorCode::InvalidOption,
                format!(
                    "the registry's column {m} is answered by its host (adapter host); this \
                     program has no provider for it"
                ),
            ));
        }
        Ok(Some(m))
    }

    /// The settings of `model`'s provider: `None` when its API key is not set (or the
    /// column is its host's).
    pub fn config(&self, model: Model, registry: &Registry) -> Option<ProviderConfig> {
        let adapter = adapter_prefix(registry.column(model).ok()?.adapter)?;
        let own = prefix(model);
        let env = |p: &str, k: &str| {
            std::env::var(format!("{p}_{k}"))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        let api_key = env(&own, "API_KEY").or_else(|| env(adapter, "API_KEY"))?;
        Some(ProviderConfig {
            api_key: api_key.trim().to_string(),
            base_url: self
                .base_url
                .clone()
                .or_else(|| env(&own, "BASE_URL"))
                .unwrap_or_default(),
            model: self.provider_model.clone().unwrap_or_default(),
            poll_interval_ms: self.poll_interval,
            timeout_ms: self.timeout.saturating_mul(1000),
            ..ProviderConfig::default()
        })
    }

    /// Like [`ProviderArgs::config`], but a missing key is an error that says what to set.
    pub fn required(&self, model: Model, registry: &Registry) -> Result<ProviderConfig, Error> {
        self.config(model, registry).ok_or_else(|| {
            let adapter = registry
                .column(model)
                .ok()
                .and_then(|c| adapter_prefix(c.adapter));
            let message = match adapter {
                None => format!(
                    "the {model} column is answered by its host (adapter host): this program \
                     answers it only with --provider local"
                ),
                Some(a) if model.is_builtin() => {
                    format!("set {a}_API_KEY to use the {model} provider")
                }
                Some(a) => format!(
                    "set {}_API_KEY (or {a}_API_KEY) to use the {model} provider",
                    prefix(model)
                ),
            };
            Error::new(ErrorCode::InvalidOption, message)
        })
    }
}

/// The HTTP client.
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// A client that reports statuses as responses (the adapters read them).
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("outpaint/", env!("CARGO_PKG_VERSION")))
            .build();
        Http {
            agent: config.into(),
        }
    }
}

fn transport_error(e: ureq::Error) -> TransportError {
    TransportError {
        timeout: matches!(e, ureq::Error::Timeout(_)),
        message: e.to_string(),
    }
}

impl Transport for Http {
    fn send(&self, r: &Request) -> Reply {
        let timeout = Some(Duration::from_millis(r.timeout_ms));
        // A keyed request is never followed across a redirect (the key would go along).
        let redirects = if r.carries_credentials() { 0 } else { 10 };
        let sent = match r.method {
            Method::Get => {
                let mut b = self.agent.get(&r.url);
                for (k, v) in &r.headers {
                    b = b.header(k, v);
                }
                b.config()
                    .timeout_global(timeout)
                    .max_redirects(redirects)
                    .build()
                    .call()
            }
            Method::Post => {
                let mut b = self.agent.post(&r.url);
                for (k, v) in &r.headers {
                    b = b.header(k, v);
                }
                b.config()
                    .timeout_global(timeout)
                    .max_redirects(redirects)
                    .build()
                    .send(&r.body[..])
            }
        };
        let mut resp = sent.map_err(transport_error)?;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(r.max_response_bytes)
            .read_to_vec()
            .map_err(transport_error)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// A call's progress on stderr: polls as a line rewritten in place, retries as a line.
pub fn event(e: Event) {
    match e {
        Event::Polling { model, polls, ms } => polling(model, polls, ms),
        Event::Retrying { model, message, ms } => {
            eprintln!("{model}: {message} (retrying in {ms} ms)")
        }
    }
}

/// The progress line while polling: rewritten in place on a terminal, else a line at
/// the first poll and every tenth.
fn polling(model: Model, polls: u32, ms: u64) {
    let line = format!("{model}: waiting for the result (poll {polls}, every {ms} ms)");
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    } else if polls == 1 || polls.is_multiple_of(10) {
        let _ = writeln!(err, "{line}");
    }
}
