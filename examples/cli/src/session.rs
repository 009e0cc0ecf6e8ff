//! `outpaint session ...`: the session engine on a store (a folder, or an object store such
//! as `s3://bucket/prefix`), with the `local` provider or (`--provider live`) each model's
//! real provider.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Subcommand;
use outpaint_core::engine::Job;
use outpaint_core::host::{drive, Host, LocalProvider, Provider, SystemClock};
use outpaint_core::providers::{ProviderFailure, Registry};
use outpaint_core::session::{IterationStatus, Model, SessionId, SessionStatus};
use outpaint_core::{EngineConfig, Error, ErrorCode, Operation, Outcome};

use crate::providers::{Http, ProviderArgs};

/// Session subcommands.
#[derive(Subcommand)]
pub enum SessionCommand {
    /// Create a session; index 0 of each model comes from the `local` provider.
    New {
        /// The prompt.
        #[arg(long)]
        prompt: String,
        /// Comma-separated model columns (default: every column of the registry: flux,
        /// recraft, gemini, openai and any --registry adds).
        #[arg(long)]
        models: Option<String>,
        /// Use this image as every model's original (default: one made from the prompt).
        #[arg(long)]
        image: Option<PathBuf>,
        /// Where sessions are kept: a folder, or an object store (`s3://bucket/prefix`,
        /// `gs://...`, `az://...`; credentials and endpoint from the environment).
        #[arg(long)]
        store: String,
    },
    /// Refine the newest completed iteration of a model.
    Iterate {
        /// Session id.
        id: String,
        /// Model column.
        #[arg(long)]
        model: String,
        /// What to change.
        #[arg(long)]
        prompt: String,
        /// Where sessions are kept: a folder, or an object store (`s3://bucket/prefix`,
        /// `gs://...`, `az://...`; credentials and endpoint from the environment).
        #[arg(long)]
        store: String,
    },
    /// Expand an iteration of a model.
    Outpaint {
        /// Session id.
        id: String,
        /// Model column.
        #[arg(long)]
        model: String,
        /// Target: 16:9, 9:16, 1:1, 4:3, expand_all, ...
        #[arg(long)]
        preset: String,
        /// Which completed iteration (default: the newest).
        #[arg(long)]
        index: Option<u32>,
        /// What to show in the new area.
        #[arg(long)]
        prompt: Option<String>,
        /// Where sessions are kept: a folder, or an object store (`s3://bucket/prefix`,
        /// `gs://...`, `az://...`; credentials and endpoint from the environment).
        #[arg(long)]
        store: String,
    },
    /// Print a session.
    Status {
        /// Session id.
        id: String,
        /// Where sessions are kept: a folder, or an object store (`s3://bucket/prefix`,
        /// `gs://...`, `az://...`; credentials and endpoint from the environment).
        #[arg(long)]
        store: String,
    },
    /// List sessions, newest first.
    Gallery {
        /// Where sessions are kept: a folder, or an object store (`s3://bucket/prefix`,
        /// `gs://...`, `az://...`; credentials and endpoint from the environment).
        #[arg(long)]
        store: String,
    },
}

fn seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

fn model(s: &str) -> Result<Model, Error> {
    s.parse()
}

/// `--provider live` for a model without a key: its calls fail, saying what to set.
struct Unconfigured<'a>(&'a ProviderArgs, &'a Registry);

impl Provider for Unconfigured<'_> {
    fn call(&self, job: &Job) -> Result<Vec<u8>, ProviderFailure> {
        let message = match self.0.required(job.model, self.1) {
            Err(e) => e.message().to_string(),
            Ok(_) => format!("no provider is configured for {}", job.model),
        };
        Err(ProviderFailure::rejected(message))
    }
}

/// Runs a session subcommand and prints its JSON.
pub fn command(cmd: SessionCommand, live: &ProviderArgs) -> Result<(), Error> {
    let (op, store) = match cmd {
        SessionCommand::New {
            prompt,
            models,
            image,
            store,
        } => {
            let models = match models {
                Some(list) => list
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(model)
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            let image = match image {
                Some(p) => Some(crate::read_input(&p, &outpaint_core::Limits::default())?),
                None => None,
            };
            (
                Operation::Generate {
                    prompt,
                    models,
                    image,
                },
                store,
            )
        }
        SessionCommand::Iterate {
            id,
            model: m,
            prompt,
            store,
        } => (
            Operation::Iterate {
                session_id: SessionId::parse(&id)?,
                model: model(&m)?,
                prompt,
            },
            store,
        ),
        SessionCommand::Outpaint {
            id,
            model: m,
            preset,
            index,
            prompt,
            store,
        } => (
            Operation::Outpaint {
                session_id: SessionId::parse(&id)?,
                model: model(&m)?,
                preset,
                prompt,
                iteration_index: index,
            },
            store,
        ),
        SessionCommand::Status { id, store } => (
            Operation::Status {
                session_id: SessionId::parse(&id)?,
            },
            store,
        ),
        SessionCommand::Gallery { store } => (Operation::Gallery, store),
    };
    let store = outpaint_store::open(&store)?;
    let http = Http::new();
    let mut config = EngineConfig {
        registry: crate::providers::registry(live.registry.as_deref())?,
        ..EngineConfig::default()
    };
    match live.provider.as_str() {
        "local" => {}
        // Each model with a key in the environment goes to its real provider: the
        // engine runs the exchanges, this host only sends the requests (all models of a
        // `session new` at once). Models without a key fail their calls.
        "live" => {
            config.providers = config
                .registry
                .models()
                .into_iter()
                .filter_map(|m| live.config(m, &config.registry).map(|c| (m, c)))
                .collect();
        }
        other => {
            return Err(Error::new(
                ErrorCode::InvalidOption,
                format!("sessions take --provider local or live (each model's own provider, keys from the environment), not {other:?}"),
            ))
        }
    };
    let registry = config.registry.clone();
    let unconfigured = Unconfigured(live, &registry);
    let host = Host {
        storage: &*store,
        provider: if live.provider == "live" {
            &unconfigured
        } else {
            &LocalProvider
        },
        transport: Some(&http),
        clock: &SystemClock,
        on_event: Some(&crate::providers::event),
    };
    let step = match &op {
        Operation::Iterate { model, .. } | Operation::Outpaint { model, .. } => Some(*model),
        _ => None,
    };
    let out = drive(op, config, &host, seed())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("outcomes serialise")
    );
    failed(&out, step).map_or(Ok(()), Err)
}

/// The error of an operation whose step failed (the outcome is printed all the same): an
/// iterate or outpaint whose iteration ended in error, or a generate where every model
/// did. The stored `CODE: message` becomes the exit's error.
fn failed(out: &Outcome, step: Option<Model>) -> Option<Error> {
    let s = out.session.as_ref()?;
    let stored = |e: &str| {
        let (code, message) = e.split_once(": ").unwrap_or(("PROVIDER_ERROR", e));
        Error::new(
            ErrorCode::from_str_code(code).unwrap_or(ErrorCode::ProviderError),
            message,
        )
    };
    match (step, out.iteration_index) {
        (Some(model), Some(index)) => {
            let it = s.models.get(model).get(index)?;
            (it.status == IterationStatus::Error).then(|| stored(it.error.as_deref().unwrap_or("")))
        }
        _ if s.status == SessionStatus::Failed => {
            let first = s
                .models
                .iter()
                .find_map(|(_, c)| c.iterations.iter().find_map(|i| i.error.clone()));
            Some(first.map_or_else(
                || Error::new(ErrorCode::ProviderError, "every model failed"),
                |e| stored(&e),
            ))
        }
        _ => None,
    }
}
