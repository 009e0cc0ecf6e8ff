//! The rolling conversation context: per session and model, the last 3 successful steps,
//! stored at `sessions/{sessionId}/context/{model}.json`.
//!
//! Damaged JSON never fails an operation: it yields an empty (or partial) window plus a
//! warning, because losing context is better than losing the user's step.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::session::{Model, SessionId};

/// How many steps a window keeps.
pub const CONTEXT_CAPACITY: usize = 3;

/// One remembered step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextEntry {
    /// The iteration's index.
    pub iteration: u32,
    /// The user's prompt.
    pub prompt: String,
    /// Storage key of the image.
    pub image_key: String,
    /// ISO 8601 UTC.
    pub timestamp: String,
    /// For outpaint steps, the target (`16:9`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outpaint_preset: Option<String>,
}

/// The stored window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindow {
    /// The model column.
    pub model: Model,
    /// The session.
    pub session_id: SessionId,
    /// Oldest first, at most [`CONTEXT_CAPACITY`].
    pub window: Vec<ContextEntry>,
}

/// How the prompt sent to a provider is built from the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PromptTemplate {
    /// With `{previous}` and `{prompt}` placeholders.
    pub template: String,
    /// Between previous prompts.
    pub separator: String,
}

impl Default for PromptTemplate {
    fn default() -> Self {
        PromptTemplate {
            template: "Previous: {previous}. Now: {prompt}".into(),
            separator: " | ".into(),
        }
    }
}

impl ContextWindow {
    /// An empty window.
    pub fn new(session_id: &SessionId, model: Model) -> Self {
        ContextWindow {
            model,
            session_id: session_id.clone(),
            window: Vec::new(),
        }
    }

    /// Adds a successful step, dropping the oldest beyond the capacity.
    pub fn push(&mut self, entry: ContextEntry) {
        self.window.push(entry);
        if self.window.len() > CONTEXT_CAPACITY {
            let extra = self.window.len() - CONTEXT_CAPACITY;
            self.window.drain(..extra);
        }
    }

    /// Parses a stored window. Never fails: damaged JSON gives an empty window and a
    /// warning; malformed entries are skipped, each with a warning; only the newest
    /// [`CONTEXT_CAPACITY`] entries are kept.
    pub fn from_json(bytes: &[u8], session_id: &SessionId, model: Model) -> (Self, Vec<String>) {
        let mut w = ContextWindow::new(session_id, model);
        let mut warnings = Vec::new();
        let v: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!(
                    "context for {model} is damaged ({e}); starting empty"
                ));
                return (w, warnings);
            }
        };
        let Some(entries) = v.get("window").and_then(Value::as_array) else {
            warnings.push(format!(
                "context for {model} has no window list; starting empty"
            ));
            return (w, warnings);
        };
        for (i, e) in entries.iter().enumerate() {
            match serde_json::from_value::<ContextEntry>(e.clone()) {
                Ok(entry) => w.push(entry),
                Err(err) => warnings.push(format!("context entry {i} for {model} skipped: {err}")),
            }
        }
        (w, warnings)
    }

    /// The JSON to store.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("windows serialise")
    }

    /// The prompt to send: the template filled with the previous prompts (outpaint steps
    /// shown as `outpaint 16:9: <prompt>`), or the prompt alone for an empty window.
    pub fn prompt(&self, prompt: &str, template: &PromptTemplate) -> String {
        if self.window.is_empty() {
            return prompt.to_string();
        }
        let previous: Vec<String> = self
            .window
            .iter()
            .map(|e| match &e.outpaint_preset {
                Some(p) => format!("outpaint {p}: {}", e.prompt),
                None => e.prompt.clone(),
            })
            .collect();
        template
            .template
            .replace("{previous}", &previous.join(&template.separator))
            .replace("{prompt}", prompt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid() -> SessionId {
        SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap()
    }

    fn entry(i: u32, p: &str) -> ContextEntry {
        ContextEntry {
            iteration: i,
            prompt: p.into(),
            image_key: format!("k{i}"),
            timestamp: "2026-01-01T00:00:00Z".into(),
            outpaint_preset: None,
        }
    }

    #[test]
    fn fifo_of_three_and_prompt() {
        let mut w = ContextWindow::new(&sid(), Model::Flux);
        let t = PromptTemplate::default();
        assert_eq!(w.prompt("now", &t), "now");
        for (i, p) in ["a", "b", "c", "d"].iter().enumerate() {
            w.push(entry(i as u32, p));
        }
        assert_eq!(
            w.window.iter().map(|e| e.iteration).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(w.prompt("e", &t), "Previous: b | c | d. Now: e");
        w.push(ContextEntry {
            outpaint_preset: Some("16:9".into()),
            ..entry(4, "wider")
        });
        assert_eq!(
            w.prompt("f", &t),
            "Previous: c | d | outpaint 16:9: wider. Now: f"
        );
        let custom = PromptTemplate {
            template: "{prompt} (after {previous})".into(),
            separator: "; ".into(),
        };
        assert_eq!(
            w.prompt("g", &custom),
            "g (after c; d; outpaint 16:9: wider)"
        );
    }

    #[test]
    fn exact_json_and_round_trip() {
        let mut w = ContextWindow::new(&sid(), Model::Gemini);
        w.push(entry(0, "a lake"));
        assert_eq!(
            String::from_utf8(w.to_json()).unwrap(),
            r#"{"model":"gemini","sessionId":"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b","window":[{"iteration":0,"prompt":"a lake","imageKey":"k0","timestamp":"2026-01-01T00:00:00Z"}]}"#
        );
        let (back, warnings) = ContextWindow::from_json(&w.to_json(), &sid(), Model::Gemini);
        assert_eq!(back, w);
        assert!(warnings.is_empty());
    }

    #[test]
    fn damage_gives_empty_or_partial_windows_with_warnings() {
        let (w, warn) = ContextWindow::from_json(b"{not json", &sid(), Model::Flux);
        assert!(w.window.is_empty());
        assert_eq!(warn.len(), 1);
        let (w, warn) = ContextWindow::from_json(br#"{"window": 5}"#, &sid(), Model::Flux);
        assert!(w.window.is_empty() && warn.len() == 1);
        let partial = br#"{"window":[
            {"iteration":0,"prompt":"a","imageKey":"k","timestamp":"t"},
            {"iteration":"one","prompt":"b"},
            {"iteration":2,"prompt":"c","imageKey":"k2","timestamp":"t"}]}"#;
        let (w, warn) = ContextWindow::from_json(partial, &sid(), Model::Flux);
        assert_eq!(
            w.window
                .iter()
                .map(|e| e.prompt.as_str())
                .collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert_eq!(warn.len(), 1);
        assert!(warn[0].contains("entry 1"));
        // More than three stored: the newest three are kept.
        let many: Vec<ContextEntry> = (0..5).map(|i| entry(i, "p")).collect();
        let json = serde_json::json!({"model":"flux","sessionId":"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b","window": many});
        let (w, _) = ContextWindow::from_json(json.to_string().as_bytes(), &sid(), Model::Flux);
        assert_eq!(
            w.window.iter().map(|e| e.iteration).collect::<Vec<_>>(),
            [2, 3, 4]
        );
    }
}
