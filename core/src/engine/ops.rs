//! The workflows, written as the SPEC reads: generate (every enabled model at once),
//! iterate and outpaint (one model), status, gallery; every session write a
//! compare-and-swap loop; provider calls retried once.

use std::sync::Arc;

use crate::codec::{decode, encode_png, Format, PngCompression};
use crate::engine::io::{join_all, Io};
use crate::engine::protocol::{
    Event, Expect, GalleryItem, Job, JobKind, Operation, Outcome, OutpaintJob, Tag,
};
use crate::engine::EngineConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::geometry::Target;
use crate::pixels::composite;
use crate::plan::Plan;
use crate::prepare::PrepareOptions;
use crate::providers::{check_image, Exchange, Next, ProviderFailure, Sent};
use crate::session::{
    context_key, image_key, is_session_key, redact, session_key, validate, ContextEntry,
    ContextWindow, IterationStatus, Model, Session, SessionId, Timestamp, SESSIONS_PREFIX,
};

/// Most sessions a gallery lists (SPEC 6).
pub const GALLERY_SIZE: usize = 50;
/// Most session documents a gallery reads at once.
pub const GALLERY_READS_IN_FLIGHT: usize = 16;
/// Longest single wait between compare-and-swap attempts, ms.
const MAX_WRITE_BACKOFF_MS: u64 = 1000;

pub(crate) async fn run(io: &Io, cfg: &EngineConfig, op: Operation) -> Result<Outcome> {
    cfg.check()?;
    match op {
        Operation::Generate {
            prompt,
            models,
            image,
        } => generate(io, cfg, &prompt, &models, image).await,
        Operation::Iterate {
            session_id,
            model,
            prompt,
        } => step(io, cfg, &session_id, model, &prompt, StepKind::Iterate).await,
        Operation::Outpaint {
            session_id,
            model,
            preset,
            prompt,
            iteration_index,
        } => {
            let p = validate::outpaint_prompt(prompt.as_deref())?;
            let target = validate::preset(&preset)?;
            let kind = StepKind::Outpaint {
                target,
                preset,
                index: iteration_index,
            };
            step(io, cfg, &session_id, model, &p, kind).await
        }
        Operation::Status { session_id } => {
            let (s, _) = load(io, &session_id).await?;
            Ok(Outcome::of(Some(s), None, Vec::new()))
        }
        Operation::Gallery => gallery(io).await,
    }
}

async fn load(io: &Io, id: &SessionId) -> Result<(Session, Tag)> {
    match io.get(&session_key(id)).await? {
        Some(stored) => Ok((Session::from_json(&stored.bytes)?, stored.tag)),
        None => Err(Error::new(
            ErrorCode::SessionNotFound,
            format!("no session {id}"),
        )),
    }
}

/// Read-modify-write of a session with compare-and-swap: `change` is re-applied to a
/// fresh read after every conflict. Stale `in_progress` iterations are failed first.
async fn update<T>(
    io: &Io,
    cfg: &EngineConfig,
    id: &SessionId,
    mut change: impl FnMut(&mut Session, Timestamp) -> Result<T>,
) -> Result<(Session, T)> {
    let _guard = io.write_lock().await;
    let key = session_key(id);
    for attempt in 0..cfg.max_write_attempts {
        let (mut s, tag) = load(io, id).await?;
        let now = io.now();
        expire_stale(&mut s, cfg, now);
        let value = change(&mut s, now)?;
        s.version = s.version.checked_add(1).ok_or_else(|| {
            Error::new(
                ErrorCode::StorageError,
                format!(
                    "session {id} is at version {}: it cannot be written again",
                    s.version
                ),
            )
        })?;
        s.refresh(now);
        if io.put(&key, s.to_json(), Expect::Tag(tag)).await?.is_some() {
            return Ok((s, value));
        }
        io.count(|s| s.conflicts += 1);
        let cap = cfg
            .write_backoff_ms
            .saturating_mul(1 << attempt.min(16))
            .min(MAX_WRITE_BACKOFF_MS);
        let wait = if cap == 0 { 0 } else { io.random() % (cap + 1) };
        if wait > 0 {
            io.sleep(wait).await;
        }
    }
    Err(Error::new(
        ErrorCode::Conflict,
        format!(
            "session {id} kept changing under {} write attempts",
            cfg.max_write_attempts
        ),
    ))
}

fn expire_stale(s: &mut Session, cfg: &EngineConfig, now: Timestamp) {
    for m in s.models.names() {
        let stale: Vec<u32> = s
            .models
            .get(m)
            .iterations
            .iter()
            .filter(|i| i.status == IterationStatus::InProgress)
            .filter(|i| match Timestamp::parse(&i.started_at) {
                // A start nobody can read (damaged, before 1970) could never go stale.
                None => true,
                // Stale either way: long ago, or implausibly far in the future.
                Some(t) => now.ms().abs_diff(t.ms()) > cfg.stale_after_ms,
            })
            .map(|i| i.index)
            .collect();
        for index in stale {
            let _ = s.fail(
                m,
                index,
                "interrupted: no result before the deadline".into(),
                now,
            );
        }
    }
}

/// One provider call: the host's whole answer, or the provider's HTTP exchange run
/// here when the config has the model's [`ProviderConfig`](crate::providers::ProviderConfig),
/// with what it uploaded.
async fn call(
    io: &Io,
    cfg: &EngineConfig,
    job: &Arc<Job>,
) -> std::result::Result<(Vec<u8>, Vec<Sent>), ProviderFailure> {
    let Some(config) = cfg.providers.get(&job.model) else {
        return io.call(Arc::clone(job)).await.map(|b| (b, Vec::new()));
    };
    let mut x = Exchange::new(job.model, job, config, &cfg.registry);
    let mut reply = None;
    let mut polls = 0;
    loop {
        match x.step(reply.take()) {
            Next::Send(request) => reply = Some(io.http(job.model, request).await),
            Next::Wait(ms) => {
                polls += 1;
                io.tell(Event::Polling {
                    model: job.model,
                    polls,
                    ms,
                });
                io.sleep(ms).await;
            }
            Next::Done(out) => return out.map(|b| (b, x.uploads().to_vec())),
        }
    }
}

/// Calls a provider, retrying once after the configured backoff when it failed with a
/// retryable error. Returns the checked image and what was uploaded, or the (unredacted)
/// failure as an error.
async fn call_with_retry(io: &Io, cfg: &EngineConfig, job: Arc<Job>) -> Result<Answered> {
    let mut tries = 0;
    loop {
        tries += 1;
        let failure = match call(io, cfg, &job).await {
            Ok((bytes, sent)) => match check_image(&bytes, &cfg.limits) {
                Ok(()) => return Ok((bytes, sent)),
                Err(f) => f,
            },
            Err(f) => f,
        };
        let Some(ms) = failure.retry_after(tries, cfg.retry_backoff_ms) else {
            return Err(failure.into());
        };
        io.count(|s| s.provider_retries += 1);
        io.tell(Event::Retrying {
            model: job.model,
            message: redact(&failure.message, &cfg.all_secrets()),
            ms,
        });
        io.sleep(ms).await;
    }
}

async fn generate(
    io: &Io,
    cfg: &EngineConfig,
    prompt: &str,
    models: &[Model],
    image: Option<Vec<u8>>,
) -> Result<Outcome> {
    let prompt = validate::prompt(prompt)?;
    let mut enabled: Vec<Model> = if models.is_empty() {
        cfg.registry.models()
    } else {
        models.to_vec()
    };
    for &m in &enabled {
        cfg.registry.column(m)?;
    }
    enabled.sort();
    enabled.dedup();
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&io.random().to_le_bytes());
    random[8..].copy_from_slice(&io.random().to_le_bytes());
    let id = SessionId::from_random(random);
    let now = io.now();
    let mut s = Session::new(id.clone(), prompt.clone(), &enabled, now);
    for &m in &enabled {
        s.begin(m, &prompt, None, None, &cfg.budget, now)?;
    }
    s.refresh(now);
    if io
        .put(&session_key(&id), s.to_json(), Expect::Absent)
        .await?
        .is_none()
    {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!("a session {id} already exists (reused randomness?)"),
        ));
    }
    let source_mime = image
        .as_deref()
        .and_then(Format::detect)
        .map(|f| f.mime().to_string());
    // One buffer for every model's job.
    let image = image.map(Arc::new);
    // Every model at once: each call, its retry and its write go on side by side.
    let calls = enabled.iter().map(|&m| {
        let job = Arc::new(Job {
            model: m,
            kind: JobKind::Generate,
            prompt: prompt.clone(),
            source: image.clone(),
            source_mime: source_mime.clone(),
            outpaint: None,
        });
        let step = StepRef {
            id: &id,
            model: m,
            index: 0,
            prompt: &prompt,
            preset: None,
        };
        async move { finish(io, cfg, step, call_with_retry(io, cfg, job).await).await }
    });
    for done in join_all(calls.collect()).await {
        done?;
    }
    let (s, _) = load(io, &id).await?;
    Ok(Outcome::of(Some(s), None, Vec::new()))
}

/// The iteration a provider call was for.
#[derive(Clone, Copy)]
struct StepRef<'a> {
    id: &'a SessionId,
    model: Model,
    index: u32,
    prompt: &'a str,
    preset: Option<&'a str>,
}

/// A provider's image and what it was sent.
type Answered = (Vec<u8>, Vec<Sent>);

/// Stores a provider's result (or failure) for an iteration, with what was uploaded, and,
/// on success, pushes the step onto the model's context window.
async fn finish(
    io: &Io,
    cfg: &EngineConfig,
    step: StepRef<'_>,
    result: Result<Answered>,
) -> Result<(Session, Vec<String>)> {
    let StepRef {
        id, model, index, ..
    } = step;
    match result {
        Ok((bytes, sent)) => {
            let format = Format::detect(&bytes).unwrap_or(Format::Png);
            let key = image_key(id, model, index, format);
            io.put(&key, bytes, Expect::Any).await?;
            let (s, ()) = update(io, cfg, id, |s, now| {
                s.complete(model, index, key.clone(), now)?;
                if let Some(it) = s.models.get_mut(model).get_mut(index) {
                    it.sent = sent.clone();
                }
                Ok(())
            })
            .await?;
            let warnings = push_context(io, cfg, step, &key).await;
            Ok((s, warnings))
        }
        Err(e) => {
            let msg = format!("{}: {}", e.code(), redact(e.message(), &cfg.all_secrets()));
            let (s, ()) =
                update(io, cfg, id, |s, now| s.fail(model, index, msg.clone(), now)).await?;
            Ok((s, Vec::new()))
        }
    }
}

/// Adds a successful step to the context window (CAS like sessions). Context is an aid,
/// not a record: a failure here becomes a warning, never the operation's failure.
async fn push_context(
    io: &Io,
    cfg: &EngineConfig,
    step: StepRef<'_>,
    image_key: &str,
) -> Vec<String> {
    let StepRef {
        id,
        model,
        index,
        prompt,
        preset,
    } = step;
    let key = context_key(id, model);
    let mut warnings = Vec::new();
    for _ in 0..cfg.max_write_attempts {
        let (mut w, expect, warn) = match io.get(&key).await {
            Ok(Some(stored)) => {
                let (w, warn) = ContextWindow::from_json(&stored.bytes, id, model);
                (w, Expect::Tag(stored.tag), warn)
            }
            Ok(None) => (ContextWindow::new(id, model), Expect::Absent, Vec::new()),
            Err(e) => {
                warnings.push(format!("context not saved: {e}"));
                return warnings;
            }
        };
        w.push(ContextEntry {
            iteration: index,
            prompt: prompt.to_string(),
            image_key: image_key.to_string(),
            timestamp: io.now().to_string(),
            outpaint_preset: preset.map(str::to_string),
        });
        match io.put(&key, w.to_json(), expect).await {
            Ok(Some(_)) => {
                warnings.extend(warn);
                return warnings;
            }
            Ok(None) => io.count(|s| s.conflicts += 1),
            Err(e) => {
                warnings.push(format!("context not saved: {e}"));
                return warnings;
            }
        }
    }
    warnings.push("context not saved: kept conflicting".into());
    warnings
}

/// What a step of one model column does.
enum StepKind {
    /// Refine the newest completed iteration.
    Iterate,
    /// Expand an iteration (`index`, default the newest completed) to `target`.
    Outpaint {
        target: Target,
        preset: String,
        index: Option<u32>,
    },
}

/// Iterate or outpaint one model column.
async fn step(
    io: &Io,
    cfg: &EngineConfig,
    id: &SessionId,
    model: Model,
    prompt: &str,
    kind: StepKind,
) -> Result<Outcome> {
    let prompt = validate::prompt(prompt)?;
    cfg.registry.column(model)?;
    let (pick, preset) = match &kind {
        StepKind::Iterate => (None, None),
        StepKind::Outpaint { preset, index, .. } => (*index, Some(preset.clone())),
    };
    let (_, (index, parent, source_key, warning)) = update(io, cfg, id, |s, now| {
        let src = s.source(model, pick)?;
        let (parent, key) = (src.index, src.image_key.clone());
        let started = s.begin(
            model,
            &prompt,
            Some(parent),
            preset.clone(),
            &cfg.budget,
            now,
        )?;
        Ok((started.index, parent, key, started.warning))
    })
    .await?;
    let mut warnings: Vec<String> = warning.into_iter().collect();

    // From here on the iteration exists: any failure is recorded on it.
    let result = match build_job(io, cfg, id, model, &prompt, &kind, parent, source_key).await {
        Ok((job, warn)) => {
            warnings.extend(warn);
            run_job(io, cfg, job).await
        }
        Err(e) => Err(e),
    };
    let step = StepRef {
        id,
        model,
        index,
        prompt: &prompt,
        preset: preset.as_deref(),
    };
    let (s, warn) = finish(io, cfg, step, result).await?;
    warnings.extend(warn);
    Ok(Outcome::of(Some(s), Some(index), warnings))
}

/// Reads the source image and the context window and builds the job (with the canvas
/// prepared for the model's profile when outpainting).
#[allow(clippy::too_many_arguments)]
async fn build_job(
    io: &Io,
    cfg: &EngineConfig,
    id: &SessionId,
    model: Model,
    prompt: &str,
    kind: &StepKind,
    parent: u32,
    source_key: Option<String>,
) -> Result<(Job, Vec<String>)> {
    let key = source_key.ok_or_else(|| {
        Error::new(
            ErrorCode::IterationNotFound,
            format!("iteration {parent} of {model} has no image"),
        )
    })?;
    let source = io.get(&key).await?.ok_or_else(|| {
        Error::new(
            ErrorCode::StorageError,
            format!("image {key} of iteration {parent} is missing"),
        )
    })?;
    let (window, warn) = match io.get(&context_key(id, model)).await? {
        Some(c) => ContextWindow::from_json(&c.bytes, id, model),
        None => (ContextWindow::new(id, model), Vec::new()),
    };
    let outpaint = match kind {
        StepKind::Iterate => None,
        StepKind::Outpaint { target, preset, .. } => {
            Some(outpaint_job(cfg, model, target, preset, &source.bytes)?)
        }
    };
    let job = Job {
        model,
        kind: if outpaint.is_some() {
            JobKind::Outpaint
        } else {
            JobKind::Iterate
        },
        prompt: window.prompt(prompt, &cfg.template),
        source_mime: Format::detect(&source.bytes).map(|f| f.mime().to_string()),
        source: Some(Arc::new(source.bytes)),
        outpaint,
    };
    Ok((job, warn))
}

/// Calls the provider and, for an outpaint, composites its answer with the original.
async fn run_job(io: &Io, cfg: &EngineConfig, job: Job) -> Result<Answered> {
    let job = Arc::new(job);
    let (bytes, sent) = call_with_retry(io, cfg, Arc::clone(&job)).await?;
    match (&job.outpaint, job.source_bytes()) {
        (Some(o), Some(original)) => Ok((composite_result(cfg, original, &bytes, &o.plan)?, sent)),
        _ => Ok((bytes, sent)),
    }
}

fn outpaint_job(
    cfg: &EngineConfig,
    model: Model,
    target: &Target,
    preset: &str,
    source: &[u8],
) -> Result<OutpaintJob> {
    let img = decode(source, &cfg.limits)?;
    let profile = cfg.registry.outpaint_profile(model)?;
    // The model's upload limits, when the engine itself sends the job (a host's provider
    // has its own).
    let limits = cfg
        .providers
        .contains_key(&model)
        .then(|| cfg.registry.models.get(&profile.model))
        .flatten()
        .map(|m| &m.upload);
    let opts = PrepareOptions {
        fill: cfg.fill,
        seam: cfg.seam,
        profile,
        limits: cfg.limits,
        ..PrepareOptions::new(*target)
    };
    Ok(crate::providers::prepare_within(img.view(), &opts, preset, limits)?.1)
}

/// Maps an outpaint result back through the plan and composites it with the original at
/// full resolution (PNG).
fn composite_result(
    cfg: &EngineConfig,
    original: &[u8],
    result: &[u8],
    plan: &Plan,
) -> Result<Vec<u8>> {
    let orig = decode(original, &cfg.limits)?;
    let res = decode(result, &cfg.limits)?;
    let (out, _) = composite(orig.view(), res.view(), plan, &cfg.seam, &cfg.limits)?;
    encode_png(out.view(), PngCompression::Fast)
}

/// Every session document, [`GALLERY_READS_IN_FLIGHT`] reads side by side at a time (so
/// a store of 10,000 sessions is not asked for 10,000 objects at once). The newest 50 by
/// `createdAt` can only be told from the documents themselves: session ids are UUID v4
/// (SPEC 6), so the listing's order says nothing about age.
async fn gallery(io: &Io) -> Result<Outcome> {
    let keys = io.list(SESSIONS_PREFIX).await?;
    let keys: Vec<&String> = keys.iter().filter(|k| is_session_key(k)).collect();
    let mut reads = Vec::with_capacity(keys.len());
    for batch in keys.chunks(GALLERY_READS_IN_FLIGHT) {
        for read in join_all(batch.iter().map(|key| io.get(key)).collect()).await {
            reads.push(read?);
        }
    }
    let mut items = Vec::new();
    for read in reads {
        let Some(stored) = read else {
            continue;
        };
        let Ok(s) = Session::from_json(&stored.bytes) else {
            continue;
        };
        let thumbnail = s
            .models
            .iter()
            .flat_map(|(_, c)| c.iterations.iter())
            .find(|i| i.status == IterationStatus::Completed)
            .and_then(|i| i.image_key.clone());
        items.push(GalleryItem {
            model_count: s.models.iter().filter(|(_, c)| c.enabled).count() as u32,
            total_iterations: s.total_iterations(),
            session_id: s.session_id,
            prompt: s.prompt,
            created_at: s.created_at,
            thumbnail,
        });
    }
    items.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.session_id.cmp(&a.session_id))
    });
    items.truncate(GALLERY_SIZE);
    Ok(Outcome {
        gallery: Some(items),
        ..Outcome::of(None, None, Vec::new())
    })
}
