//! The engine's wire types: what a host is asked to do ([`Effect`]), how it answers, what
//! a provider call carries ([`Job`]) and what an operation produces ([`Outcome`]).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::geometry::Expansion;
use crate::plan::Plan;
use crate::providers::Request;
use crate::session::{Model, Session, SessionId};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "op")]
pub enum Operation {
    /// Create a session and generate index 0 in every enabled model, all at once.
    Generate {
        /// The prompt (missing = empty: `PROMPT_REQUIRED`).
        #[serde(default)]
        prompt: String,
        /// Models to enable (every column of the registry when empty).
        #[serde(default)]
        models: Vec<Model>,
        /// A starting image handed to providers as the job's source (the `local`
        /// provider returns it as the "generated" original). Not part of the JSON: see
        /// [`Operation::from_json`].
        #[serde(default, skip)]
        image: Option<Vec<u8>>,
    },
    /// Refine the newest completed iteration of a model.
    Iterate {
        /// The session.
        session_id: SessionId,
        /// The model column to refine.
        model: Model,
        /// What to change (missing = empty: `PROMPT_REQUIRED`).
        #[serde(default)]
        prompt: String,
    },
    /// Expand an iteration of a model to a target.
    Outpaint {
        /// The session.
        session_id: SessionId,
        /// The model column to expand.
        model: Model,
        /// Target (`16:9`, `expand_all`, ...).
        preset: String,
        /// What to show in the new area (default "continue the scene naturally").
        #[serde(default)]
        prompt: Option<String>,
        /// Which completed iteration to expand (default: the newest).
        #[serde(default)]
        iteration_index: Option<u32>,
    },
    /// Read a session.
    Status {
        /// The session.
        session_id: SessionId,
    },
    /// List sessions, newest first.
    Gallery,
}

impl Operation {
    /// Reads an operation from JSON (`{"op":"iterate","sessionId":...,"model":"flux",
    /// "prompt":...}`), with generate's optional starting `image` (encoded bytes) given
    /// beside it: every door reads operations this way. An unknown model name is
    /// `MODEL_NOT_FOUND`; an image for another operation, or anything else that does not
    /// fit, `INVALID_OPTION`; a malformed session id `INVALID_SESSION_ID`. Prompts are
    /// checked when it runs.
    pub fn from_json(v: serde_json::Value, image: Option<Vec<u8>>) -> Result<Operation> {
        let names = v.get("model").into_iter().chain(
            v.get("models")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten(),
        );
        for name in names.filter_map(serde_json::Value::as_str) {
            name.parse::<Model>()?;
        }
        // A malformed id is INVALID_SESSION_ID, not just JSON that does not fit.
        if let Some(id) = v.get("sessionId").and_then(serde_json::Value::as_str) {
            SessionId::parse(id)?;
        }
        let mut op: Operation = serde_json::from_value(v)
            .map_err(|e| Error::new(ErrorCode::InvalidOption, format!("not an operation: {e}")))?;
        match (&mut op, image) {
            (_, None) => {}
            (Operation::Generate { image, .. }, Some(bytes)) => *image = Some(bytes),
            (_, Some(_)) => {
                return Err(Error::new(
                    ErrorCode::InvalidOption,
                    "only generate takes a starting image",
                ))
            }
        }
        Ok(op)
    }

    /// [`Operation::from_json`] of JSON text.
    pub fn parse(json: &str, image: Option<Vec<u8>>) -> Result<Operation> {
        let v = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorCode::InvalidOption,
                format!("the operation is not JSON: {e}"),
            )
        })?;
        Operation::from_json(v, image)
    }
}

/// A storage version tag (opaque to the engine).
pub type Tag = String;

/// The precondition of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The key must not exist.
    Absent,
    /// The key's current tag must be this.
    Tag(Tag),
    /// Unconditional (image blobs, written once under fresh keys).
    Any,
}

impl Expect {
    /// Whether a write may proceed given the key's current tag (`None` = absent).
    pub fn holds(&self, current: Option<&str>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => current.is_none(),
            Expect::Tag(t) => current == Some(t.as_str()),
        }
    }
}

/// A stored value and its version tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The value as written.
    pub bytes: Vec<u8>,
    /// Its version tag, for the next compare-and-swap.
    pub tag: Tag,
}

/// A storage operation the host could not perform (surfaces as `STORAGE_ERROR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    /// What went wrong, in the host's words.
    pub message: String,
}

impl HostError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        HostError {
            message: message.into(),
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Names an effect handed out by [`Engine::poll_effect`](crate::engine::Engine::poll_effect);
/// the answer quotes it. Ids count up from 1 within one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EffectId(pub u64);

impl fmt::Display for EffectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Something the host must do, then answer with the `handle_*` of its kind.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Read `key`: answer with `handle_get`.
    Get {
        /// The key to read.
        key: String,
    },
    /// Write `body` at `key` if `expected` holds: answer with `handle_put`.
    Put {
        /// The key to write.
        key: String,
        /// The bytes to write (moved out of the engine, never copied).
        body: Vec<u8>,
        /// The precondition.
        expected: Expect,
    },
    /// List keys starting with `prefix`: answer with `handle_list`.
    List {
        /// The prefix.
        prefix: String,
    },
    /// Run a provider job and answer the image (or the failure) with `handle_call`.
    /// Asked only for models without a [`ProviderConfig`](crate::providers::ProviderConfig)
    /// in the engine's config.
    Call {
        /// The job (shared with the engine, which keeps it for the one retry).
        job: Arc<Job>,
    },
    /// Send one HTTP request of a provider exchange the engine runs itself, and answer
    /// the response with `handle_http`. Asked for models with a `ProviderConfig`.
    Http {
        /// Whose exchange this is.
        model: Model,
        /// The request to send.
        request: Request,
    },
}

impl Effect {
    /// Which `handle_*` answers it.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Get { .. } => EffectKind::Get,
            Effect::Put { .. } => EffectKind::Put,
            Effect::List { .. } => EffectKind::List,
            Effect::Call { .. } => EffectKind::Call,
            Effect::Http { .. } => EffectKind::Http,
        }
    }
}

/// The kinds of effect, as named on every door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectKind {
    /// A storage read.
    Get,
    /// A storage write.
    Put,
    /// A storage listing.
    List,
    /// A whole provider call.
    Call,
    /// One HTTP request.
    Http,
}

crate::names::named_enum!(EffectKind, "effect kind", InvalidOption {
    Get => "get",
    Put => "put",
    List => "list",
    Call => "call",
    Http => "http",
});

/// Something worth telling a person while an operation runs (a progress line); nothing
/// to answer. Read with [`Engine::poll_event`](crate::engine::Engine::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Waiting `ms` before poll number `polls` of an asynchronous provider result.
    Polling {
        /// Whose result.
        model: Model,
        /// Polls so far, this one included.
        polls: u32,
        /// The wait.
        ms: u64,
    },
    /// A provider call failed and is tried once more after `ms`.
    Retrying {
        /// Whose call.
        model: Model,
        /// Why it failed (redacted).
        message: String,
        /// The wait before the retry.
        ms: u64,
    },
}

/// A host answered wrongly; the answer was ignored and the engine is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Misuse {
    /// No effect with this id has been handed out.
    #[error("effect {0} was never handed out by this engine")]
    UnknownEffect(EffectId),
    /// The effect has an answer already.
    #[error("effect {0} was already answered")]
    AlreadyAnswered(EffectId),
    /// The answer is for another kind of effect.
    #[error("effect {id} is a {expected} effect, answered as {got}")]
    WrongAnswer {
        /// The effect.
        id: EffectId,
        /// Its kind.
        expected: EffectKind,
        /// The kind of answer given.
        got: EffectKind,
    },
}

/// What kind of step a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Make index 0.
    Generate,
    /// Refine the source.
    Iterate,
    /// Expand the source.
    Outpaint,
}

crate::names::named_enum!(JobKind, "job kind", InvalidOption {
    Generate => "generate",
    Iterate => "iterate",
    Outpaint => "outpaint",
});

/// Everything a provider needs for one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The model column.
    pub model: Model,
    /// The kind of step.
    pub kind: JobKind,
    /// The final prompt (with context for iterations).
    pub prompt: String,
    /// The source image (iterate, outpaint; generate when the host gave one), shared:
    /// the jobs of one generate hold the same bytes, and the engine keeps them for the
    /// retry and the composite without a copy.
    #[serde(
        default,
        with = "shared_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<Arc<Vec<u8>>>,
    /// Its MIME type (`image/png`, `image/jpeg`, `image/webp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_mime: Option<String>,
    /// For outpaint: canvas, mask and geometry prepared for the model's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpaint: Option<OutpaintJob>,
}

impl Job {
    /// The source image's bytes, if any.
    pub fn source_bytes(&self) -> Option<&[u8]> {
        self.source.as_ref().map(|b| b.as_slice())
    }
}

/// Serde of shared bytes (as bytes: a `Uint8Array` in JS).
mod shared_bytes {
    use std::sync::Arc;

    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Arc<Vec<u8>>>, s: S) -> Result<S::Ok, S::Error> {
        serde_bytes::serialize(&v.as_ref().map(|b| b.as_slice()), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<Vec<u8>>>, D::Error> {
        let v: Option<serde_bytes::ByteBuf> = serde_bytes::deserialize(d)?;
        Ok(v.map(|b| Arc::new(b.into_vec())))
    }
}

/// The outpaint part of a job, prepared with the model's profile (flux -> flux-fill,
/// recraft -> recraft-outpaint, gemini -> gemini, openai -> openai).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutpaintJob {
    /// The target as given.
    pub target: String,
    /// The pre-filled canvas in the plan's sent geometry (PNG; RGBA with transparent
    /// area to paint for OpenAI).
    #[serde(with = "serde_bytes")]
    pub canvas_png: Vec<u8>,
    /// The mask in the sent geometry (PNG, 255 = generate).
    #[serde(with = "serde_bytes")]
    pub mask_png: Vec<u8>,
    /// The full-resolution expansion.
    pub expansion: Expansion,
    /// How the canvas is sent and mapped back.
    pub plan: Plan,
    /// The direction sentence.
    pub direction: String,
}

/// One row of the gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GalleryItem {
    /// The session.
    pub session_id: SessionId,
    /// The generating prompt.
    pub prompt: String,
    /// When it was created, ISO 8601 UTC.
    pub created_at: String,
    /// Enabled models.
    pub model_count: u32,
    /// Iterations that used the budget, over all models.
    pub total_iterations: u32,
    /// Image key of the first completed iteration (models in order), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

/// Counters of what an operation went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Writes refused because another writer got there first.
    pub conflicts: u32,
    /// Provider calls retried.
    pub provider_retries: u32,
}

/// What an operation produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The session as stored at the end (generate, iterate, outpaint, status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// The iteration this operation made (iterate, outpaint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iteration_index: Option<u32>,
    /// Budget and context warnings.
    pub warnings: Vec<String>,
    /// Sessions, newest first (gallery).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gallery: Option<Vec<GalleryItem>>,
    /// Conflict and retry counts.
    pub stats: Stats,
}

impl Outcome {
    pub(crate) fn of(session: Option<Session>, index: Option<u32>, warnings: Vec<String>) -> Self {
        Outcome {
            session,
            iteration_index: index,
            warnings,
            gallery: None,
            stats: Stats::default(),
        }
    }
}
