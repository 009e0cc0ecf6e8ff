//! Sessions, model columns and iterations: the JSON stored at
//! `sessions/{sessionId}/status.json`, the status rules and the iteration budget.
//!
//! Parsing is tolerant: unknown fields are ignored, missing optional fields default, a
//! missing model column is a disabled one. Every state change goes through a method that
//! refuses illegal moves with an error, never a panic.

mod context;
mod id;
mod keys;
mod model;
mod redact;
mod time;
pub mod validate;

pub use context::*;
pub use id::*;
pub use keys::*;
pub use model::*;
pub use redact::*;
pub use time::*;

use serde::{Deserialize, Serialize};

use crate::error::{bail, Error, ErrorCode, Result};

/// Status of one iteration: `in_progress` -> `completed` | `error`, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IterationStatus {
    /// Started, no result yet.
    InProgress,
    /// Has an image.
    Completed,
    /// Failed; kept in history.
    Error,
}

/// Status of a model column (derived, see [`ModelColumn::derived_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Not enabled for this session.
    Disabled,
    /// No iterations yet.
    Pending,
    /// An iteration is running.
    InProgress,
    /// Errors and nothing completed.
    Error,
    /// Errors and completions.
    Partial,
    /// Only completions.
    Completed,
}

/// Status of a session (derived, see [`Session::derived_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// No model enabled, or every enabled model in error.
    Failed,
    /// Some model is running.
    InProgress,
    /// Some model has not started.
    Pending,
    /// Some, not all, enabled models in error.
    Partial,
    /// Every enabled model has a result.
    Completed,
}

/// One step of a model column: index 0 is the generated original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Iteration {
    /// Position in the column's history (failed attempts included).
    pub index: u32,
    /// Where it is.
    pub status: IterationStatus,
    /// The user's prompt for this step.
    #[serde(default)]
    pub prompt: String,
    /// ISO 8601 UTC.
    #[serde(default)]
    pub started_at: String,
    /// ISO 8601 UTC, once completed or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Storage key of the image, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_key: Option<String>,
    /// Redacted error message, once failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True for an outpaint step.
    #[serde(default)]
    pub is_outpaint: bool,
    /// The outpaint target (`16:9`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpaint_preset: Option<String>,
    /// The iteration this one was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_index: Option<u32>,
    /// What the provider was sent, each image as encoded to fit the model's limits (the
    /// calls the engine made itself; empty for a host's own provider).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<crate::providers::Sent>,
}

impl Iteration {
    fn check_in_progress(&self, to: &str) -> Result<()> {
        if self.status != IterationStatus::InProgress {
            bail!(
                Conflict,
                "iteration {} is {}; only an in_progress iteration can become {to}",
                self.index,
                status_name(self.status)
            );
        }
        Ok(())
    }

    /// `in_progress` -> `completed` with its image.
    pub fn complete(&mut self, image_key: String, now: Timestamp) -> Result<()> {
        self.check_in_progress("completed")?;
        self.status = IterationStatus::Completed;
        self.image_key = Some(image_key);
        self.completed_at = Some(now.to_string());
        Ok(())
    }

    /// `in_progress` -> `error` with a (redacted) message.
    pub fn fail(&mut self, error: String, now: Timestamp) -> Result<()> {
        self.check_in_progress("error")?;
        self.status = IterationStatus::Error;
        self.error = Some(error);
        self.completed_at = Some(now.to_string());
        Ok(())
    }
}

fn status_name(s: IterationStatus) -> &'static str {
    match s {
        IterationStatus::InProgress => "in_progress",
        IterationStatus::Completed => "completed",
        IterationStatus::Error => "error",
    }
}

/// How many iterations a column may use and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Budget {
    /// Iterations per column, index 0 included (default 7). Failed ones do not count.
    pub max_iterations: u32,
    /// From this many used iterations on, responses warn (default 5).
    pub warn_from: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_iterations: 7,
            warn_from: 5,
        }
    }
}

/// One model's column of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelColumn {
    /// Whether this model takes part.
    #[serde(default)]
    pub enabled: bool,
    /// Stored status (recomputed on every change; see [`ModelColumn::derived_status`]).
    #[serde(default = "disabled")]
    pub status: ModelStatus,
    /// Iterations that count against the budget (in progress or completed).
    #[serde(default)]
    pub iteration_count: u32,
    /// Every attempt, failed ones included, by index.
    #[serde(default)]
    pub iterations: Vec<Iteration>,
}

fn pending() -> SessionStatus {
    SessionStatus::Pending
}

fn disabled() -> ModelStatus {
    ModelStatus::Disabled
}

impl Default for ModelColumn {
    fn default() -> Self {
        ModelColumn::DISABLED
    }
}

impl ModelColumn {
    /// A disabled, empty column.
    pub const DISABLED: ModelColumn = ModelColumn {
        enabled: false,
        status: ModelStatus::Disabled,
        iteration_count: 0,
        iterations: Vec::new(),
    };

    /// An enabled, empty column.
    pub fn enabled() -> Self {
        ModelColumn {
            enabled: true,
            status: ModelStatus::Pending,
            ..ModelColumn::default()
        }
    }

    /// The status rule, first that holds: disabled; pending (no iterations); in_progress
    /// (any in progress); error (errors, nothing completed); partial (errors and
    /// completions); completed.
    pub fn derived_status(&self) -> ModelStatus {
        if !self.enabled {
            return ModelStatus::Disabled;
        }
        if self.iterations.is_empty() {
            return ModelStatus::Pending;
        }
        let has = |s| self.iterations.iter().any(|i| i.status == s);
        if has(IterationStatus::InProgress) {
            ModelStatus::InProgress
        } else if has(IterationStatus::Error) && !has(IterationStatus::Completed) {
            ModelStatus::Error
        } else if has(IterationStatus::Error) {
            ModelStatus::Partial
        } else {
            ModelStatus::Completed
        }
    }

    /// Iterations that use the budget: in progress or completed.
    pub fn used(&self) -> u32 {
        self.iterations
            .iter()
            .filter(|i| i.status != IterationStatus::Error)
            .count() as u32
    }

    /// The newest completed iteration.
    pub fn newest_completed(&self) -> Option<&Iteration> {
        self.iterations
            .iter()
            .rev()
            .find(|i| i.status == IterationStatus::Completed)
    }

    /// The iteration at `index`.
    pub fn get(&self, index: u32) -> Option<&Iteration> {
        self.iterations.iter().find(|i| i.index == index)
    }

    /// The iteration at `index`, mutable.
    pub fn get_mut(&mut self, index: u32) -> Option<&mut Iteration> {
        self.iterations.iter_mut().find(|i| i.index == index)
    }

    /// Recomputes the stored `status` and `iterationCount`.
    pub fn refresh(&mut self) {
        self.status = self.derived_status();
        self.iteration_count = self.used();
    }
}

/// A session as stored at `sessions/{sessionId}/status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// UUID v4.
    pub session_id: SessionId,
    /// Stored status (recomputed on every change).
    #[serde(default = "pending")]
    pub status: SessionStatus,
    /// Bumped by every write.
    #[serde(default)]
    pub version: u64,
    /// The generating prompt.
    #[serde(default)]
    pub prompt: String,
    /// ISO 8601 UTC.
    #[serde(default)]
    pub created_at: String,
    /// ISO 8601 UTC.
    #[serde(default)]
    pub updated_at: String,
    /// The columns: the four built-in ones, then a host's own.
    #[serde(default)]
    pub models: Models,
}

/// What [`Session::begin`] answers: the new iteration's index and any budget warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// Index of the new iteration.
    pub index: u32,
    /// `Only N iterations remaining`, from the budget's `warn_from` on.
    pub warning: Option<String>,
}

impl Session {
    /// A new session with `enabled` models (pending), version 0.
    pub fn new(session_id: SessionId, prompt: String, enabled: &[Model], now: Timestamp) -> Self {
        let mut models = Models::default();
        for &m in enabled {
            *models.get_mut(m) = ModelColumn::enabled();
        }
        let mut s = Session {
            session_id,
            status: SessionStatus::Pending,
            version: 0,
            prompt,
            created_at: now.to_string(),
            updated_at: now.to_string(),
            models,
        };
        s.refresh(now);
        s
    }

    /// Parses stored JSON; a damaged file is `STORAGE_ERROR` (never a panic). Stored
    /// statuses and counts are recomputed from the iterations.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let mut s: Session = serde_json::from_slice(bytes).map_err(|e| {
            Error::new(
                ErrorCode::StorageError,
                format!("stored session JSON is damaged: {e}"),
            )
        })?;
        s.recompute();
        Ok(s)
    }

    /// The JSON to store (camelCase, as the original app).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("sessions serialise")
    }

    /// The status rule, first that holds: failed (no model enabled); in_progress (any
    /// model in progress); pending (any model pending); failed (every enabled model in
    /// error); partial (some enabled model in error); completed. A model whose column is
    /// `partial` has results, so it counts as completed here.
    pub fn derived_status(&self) -> SessionStatus {
        let enabled: Vec<ModelStatus> = self
            .models
            .iter()
            .filter(|(_, c)| c.enabled)
            .map(|(_, c)| c.derived_status())
            .collect();
        if enabled.is_empty() {
            return SessionStatus::Failed;
        }
        let any = |s| enabled.contains(&s);
        if any(ModelStatus::InProgress) {
            SessionStatus::InProgress
        } else if any(ModelStatus::Pending) {
            SessionStatus::Pending
        } else if enabled.iter().all(|&s| s == ModelStatus::Error) {
            SessionStatus::Failed
        } else if any(ModelStatus::Error) {
            SessionStatus::Partial
        } else {
            SessionStatus::Completed
        }
    }

    /// Recomputes every stored status and count and stamps `updatedAt`.
    pub fn refresh(&mut self, now: Timestamp) {
        self.recompute();
        self.updated_at = now.to_string();
    }

    /// Recomputes every stored status and count from the iterations.
    fn recompute(&mut self) {
        for c in self.models.iter_mut() {
            c.refresh();
        }
        self.status = self.derived_status();
    }

    /// The column of an enabled model (`MODEL_DISABLED` otherwise).
    pub fn column(&self, model: Model) -> Result<&ModelColumn> {
        let c = self.models.get(model);
        if !c.enabled {
            bail!(
                ModelDisabled,
                "model {model} is not enabled in this session"
            );
        }
        Ok(c)
    }

    /// The completed iteration to work from: `index` if given (it must exist and be
    /// completed), else the newest completed one. `ITERATION_NOT_FOUND` otherwise.
    pub fn source(&self, model: Model, index: Option<u32>) -> Result<&Iteration> {
        let c = self.column(model)?;
        match index {
            Some(i) => match c.get(i) {
                Some(it) if it.status == IterationStatus::Completed => Ok(it),
                Some(it) => bail!(
                    IterationNotFound,
                    "iteration {i} of {model} is {}, not completed",
                    status_name(it.status)
                ),
                None => bail!(IterationNotFound, "{model} has no iteration {i}"),
            },
            None => c.newest_completed().ok_or_else(|| {
                Error::new(
                    ErrorCode::IterationNotFound,
                    format!("{model} has no completed iteration to work from"),
                )
            }),
        }
    }

    /// Starts a new iteration in `model`'s column, `in_progress`, checking the budget
    /// (`ITERATION_LIMIT` when it is used up; failed attempts do not count).
    #[allow(clippy::too_many_arguments)]
    pub fn begin(
        &mut self,
        model: Model,
        prompt: &str,
        parent: Option<u32>,
        outpaint_preset: Option<String>,
        budget: &Budget,
        now: Timestamp,
    ) -> Result<Started> {
        let used = self.column(model)?.used();
        if used >= budget.max_iterations {
            bail!(
                IterationLimit,
                "{model} has used all {} iterations of this session",
                budget.max_iterations
            );
        }
        let col = self.models.get_mut(model);
        let index = match col.iterations.iter().map(|i| i.index).max() {
            None => 0,
            Some(last) => last.checked_add(1).ok_or_else(|| {
                Error::new(
                    ErrorCode::StorageError,
                    format!("{model} has an iteration numbered {last}: no index is left"),
                )
            })?,
        };
        col.iterations.push(Iteration {
            index,
            status: IterationStatus::InProgress,
            prompt: prompt.to_string(),
            started_at: now.to_string(),
            completed_at: None,
            image_key: None,
            error: None,
            is_outpaint: outpaint_preset.is_some(),
            outpaint_preset,
            parent_index: parent,
            sent: Vec::new(),
        });
        self.refresh(now);
        let used = used + 1;
        let warning = (used >= budget.warn_from).then(|| {
            format!(
                "Only {} iterations remaining",
                budget.max_iterations.saturating_sub(used)
            )
        });
        Ok(Started { index, warning })
    }

    /// Completes iteration `index` of `model` with its image.
    pub fn complete(
        &mut self,
        model: Model,
        index: u32,
        image_key: String,
        now: Timestamp,
    ) -> Result<()> {
        self.iteration_mut(model, index)?.complete(image_key, now)?;
        self.refresh(now);
        Ok(())
    }

    /// Fails iteration `index` of `model` with a (redacted) message.
    pub fn fail(&mut self, model: Model, index: u32, error: String, now: Timestamp) -> Result<()> {
        self.iteration_mut(model, index)?.fail(error, now)?;
        self.refresh(now);
        Ok(())
    }

    fn iteration_mut(&mut self, model: Model, index: u32) -> Result<&mut Iteration> {
        self.models.get_mut(model).get_mut(index).ok_or_else(|| {
            Error::new(
                ErrorCode::IterationNotFound,
                format!("{model} has no iteration {index}"),
            )
        })
    }

    /// Iterations that use the budget, over all models.
    pub fn total_iterations(&self) -> u32 {
        self.models.iter().map(|(_, c)| c.used()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_ms(1_767_225_600_000); // 2026-01-01T00:00:00Z
    const T1: Timestamp = Timestamp::from_ms(1_767_225_605_000);

    fn it(status: IterationStatus) -> Iteration {
        Iteration {
            index: 0,
            status,
            prompt: "p".into(),
            started_at: T0.to_string(),
            completed_at: None,
            image_key: None,
            error: None,
            is_outpaint: false,
            outpaint_preset: None,
            parent_index: None,
            sent: Vec::new(),
        }
    }

    fn col(enabled: bool, its: &[IterationStatus]) -> ModelColumn {
        ModelColumn {
            enabled,
            status: ModelStatus::Pending,
            iteration_count: 0,
            iterations: its.iter().map(|&s| it(s)).collect(),
        }
    }

    use IterationStatus::{Completed as C, Error as E, InProgress as P};

    #[test]
    fn model_status_rules_every_row() {
        assert_eq!(col(false, &[C]).derived_status(), ModelStatus::Disabled);
        assert_eq!(col(true, &[]).derived_status(), ModelStatus::Pending);
        assert_eq!(
            col(true, &[C, E, P]).derived_status(),
            ModelStatus::InProgress
        );
        assert_eq!(col(true, &[E, E]).derived_status(), ModelStatus::Error);
        assert_eq!(col(true, &[C, E]).derived_status(), ModelStatus::Partial);
        assert_eq!(col(true, &[C, C]).derived_status(), ModelStatus::Completed);
    }

    fn session(cols: [ModelColumn; 4]) -> Session {
        let [flux, recraft, gemini, openai] = cols;
        Session {
            session_id: SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap(),
            status: SessionStatus::Pending,
            version: 0,
            prompt: "p".into(),
            created_at: T0.to_string(),
            updated_at: T0.to_string(),
            models: Models {
                flux,
                recraft,
                gemini,
                openai,
                custom: Default::default(),
            },
        }
    }

    #[test]
    fn session_status_rules_every_row() {
        let off = || col(false, &[]);
        let s = |cols| session(cols).derived_status();
        assert_eq!(s([off(), off(), off(), off()]), SessionStatus::Failed);
        assert_eq!(
            s([col(true, &[P]), col(true, &[]), col(true, &[E]), off()]),
            SessionStatus::InProgress
        );
        assert_eq!(
            s([col(true, &[C]), col(true, &[]), col(true, &[E]), off()]),
            SessionStatus::Pending
        );
        assert_eq!(
            s([col(true, &[E]), col(true, &[E, E]), off(), off()]),
            SessionStatus::Failed
        );
        assert_eq!(
            s([col(true, &[E]), col(true, &[C]), off(), off()]),
            SessionStatus::Partial
        );
        // A partial column has results: the session is completed.
        assert_eq!(
            s([col(true, &[C, E]), col(true, &[C]), off(), off()]),
            SessionStatus::Completed
        );
    }

    #[test]
    fn only_in_progress_moves() {
        for from in [C, E] {
            let mut i = it(from);
            assert_eq!(
                i.complete("k".into(), T1).unwrap_err().code(),
                ErrorCode::Conflict
            );
            assert_eq!(
                i.fail("x".into(), T1).unwrap_err().code(),
                ErrorCode::Conflict
            );
            assert_eq!(i.status, from);
        }
        let mut i = it(P);
        i.complete("k".into(), T1).unwrap();
        assert_eq!(
            (i.status, i.image_key.as_deref(), i.completed_at.as_deref()),
            (C, Some("k"), Some(T1.to_string().as_str()))
        );
        let mut j = it(P);
        j.fail("boom".into(), T1).unwrap();
        assert_eq!((j.status, j.error.as_deref()), (E, Some("boom")));
    }

    #[test]
    fn budget_counts_successes_and_warns() {
        let mut s = Session::new(
            SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap(),
            "p".into(),
            &[Model::Flux],
            T0,
        );
        let b = Budget::default();
        let mut warnings = Vec::new();
        for n in 0..7 {
            let st = s.begin(Model::Flux, "p", None, None, &b, T0).unwrap();
            // Indices run over every attempt: the failed one after step 2 takes index 3.
            assert_eq!(st.index, if n > 2 { n + 1 } else { n });
            warnings.push(st.warning);
            // A failed attempt in between does not use the budget.
            if n == 2 {
                let extra = s.begin(Model::Flux, "p", None, None, &b, T0).unwrap();
                s.fail(Model::Flux, extra.index, "nope".into(), T1).unwrap();
            }
            s.complete(Model::Flux, st.index, format!("k{n}"), T1)
                .unwrap();
        }
        assert_eq!(
            warnings,
            [
                None,
                None,
                None,
                None,
                Some("Only 2 iterations remaining".to_string()),
                Some("Only 1 iterations remaining".to_string()),
                Some("Only 0 iterations remaining".to_string()),
            ]
        );
        let err = s.begin(Model::Flux, "p", None, None, &b, T0).unwrap_err();
        assert_eq!(err.code(), ErrorCode::IterationLimit);
        let c = s.column(Model::Flux).unwrap();
        assert_eq!((c.iteration_count, c.iterations.len()), (7, 8));
        assert_eq!(c.status, ModelStatus::Partial);
        assert_eq!(
            s.begin(Model::Openai, "p", None, None, &b, T0)
                .unwrap_err()
                .code(),
            ErrorCode::ModelDisabled
        );
    }

    #[test]
    fn source_rules() {
        let mut s = Session::new(
            SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap(),
            "p".into(),
            &[Model::Gemini],
            T0,
        );
        let b = Budget::default();
        assert_eq!(
            s.source(Model::Gemini, None).unwrap_err().code(),
            ErrorCode::IterationNotFound
        );
        s.begin(Model::Gemini, "p", None, None, &b, T0).unwrap();
        s.complete(Model::Gemini, 0, "a".into(), T1).unwrap();
        s.begin(Model::Gemini, "p", Some(0), None, &b, T0).unwrap();
        assert_eq!(s.source(Model::Gemini, None).unwrap().index, 0);
        assert_eq!(
            s.source(Model::Gemini, Some(1)).unwrap_err().code(),
            ErrorCode::IterationNotFound
        );
        assert_eq!(
            s.source(Model::Gemini, Some(9)).unwrap_err().code(),
            ErrorCode::IterationNotFound
        );
        assert_eq!(
            s.complete(Model::Gemini, 9, "x".into(), T1)
                .unwrap_err()
                .code(),
            ErrorCode::IterationNotFound
        );
    }

    #[test]
    fn json_is_camel_case_exact_and_tolerant() {
        let mut s = Session::new(
            SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap(),
            "a lake".into(),
            &[Model::Flux],
            T0,
        );
        s.begin(Model::Flux, "a lake", None, None, &Budget::default(), T0)
            .unwrap();
        s.complete(Model::Flux, 0, "sessions/x/images/flux-0.png".into(), T1)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&s.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "sessionId": "6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b",
                "status": "completed",
                "version": 0,
                "prompt": "a lake",
                "createdAt": T0.to_string(),
                "updatedAt": T1.to_string(),
                "models": {
                    "flux": {"enabled": true, "status": "completed", "iterationCount": 1,
                        "iterations": [{"index": 0, "status": "completed", "prompt": "a lake",
                            "startedAt": T0.to_string(), "completedAt": T1.to_string(),
                            "imageKey": "sessions/x/images/flux-0.png", "isOutpaint": false}]},
                    "recraft": {"enabled": false, "status": "disabled", "iterationCount": 0, "iterations": []},
                    "gemini": {"enabled": false, "status": "disabled", "iterationCount": 0, "iterations": []},
                    "openai": {"enabled": false, "status": "disabled", "iterationCount": 0, "iterations": []},
                }
            })
        );
        // Unknown fields ignored, missing columns disabled, stale statuses recomputed.
        let loose = br#"{"sessionId":"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b","status":"pending","extra":1,
            "models":{"flux":{"enabled":true,"status":"pending","iterations":[
              {"index":0,"status":"completed","prompt":"p","startedAt":"t","imageKey":"k","future":true}]}}}"#;
        let s = Session::from_json(loose).unwrap();
        assert_eq!(s.status, SessionStatus::Completed);
        assert_eq!(s.models.flux.iteration_count, 1);
        assert!(!s.models.openai.enabled);
        // A damaged id is a damaged document.
        for bad in [
            &b"{"[..],
            b"[]",
            b"{\"sessionId\":1}",
            b"{\"sessionId\":\"x\"}",
            b"",
            b"\xff",
        ] {
            assert_eq!(
                Session::from_json(bad).unwrap_err().code(),
                ErrorCode::StorageError
            );
        }
    }
}
