//! The model registry: every fact about the providers' models as data, in one table
//! (`registry.json`, compiled in). Columns name the model each operation uses by default
//! and the outpaint profile; models say which operations an id serves and what its
//! uploads may be (sides, pixels, bytes, encodings, prompt length); profiles are the
//! outpaint geometries. Hosts patch it at run time with a JSON merge patch (RFC 7396):
//! a newer model id, another base URL, other limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec::Format;
use crate::error::{bail, Error, ErrorCode, Result};
use crate::plan::{parse_custom, Profile};
use crate::session::Model;

/// The built-in registry, as JSON.
pub const BUILTIN_JSON: &str = include_str!("registry.json");

/// Which adapter speaks to a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Adapter {
    /// Black Forest Labs (FLUX).
    Bfl,
    /// Recraft.
    Recraft,
    /// Google Gemini.
    Gemini,
    /// OpenAI Images.
    Openai,
    /// None: the host answers the column's calls whole ([`Effect::Call`]); it takes no
    /// provider config.
    ///
    /// [`Effect::Call`]: crate::engine::Effect::Call
    Host,
}

crate::names::named_enum!(Adapter, "provider adapter", InvalidOption {
    Bfl => "bfl",
    Recraft => "recraft",
    Gemini => "gemini",
    Openai => "openai",
    Host => "host",
});

/// An operation a model can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    /// A picture from a prompt.
    Generate,
    /// A picture edited by a prompt.
    Iterate,
    /// A picture extended on a canvas.
    Outpaint,
}

crate::names::named_enum!(Task, "operation", InvalidOption {
    Generate => "generate",
    Iterate => "iterate",
    Outpaint => "outpaint",
});

/// A model column's provider and defaults. A host's own column may be written as `from`
/// another column plus what differs (`{"from": "flux", "baseUrl": "..."}`): the fields
/// it leaves out are that column's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// The adapter that speaks to the provider ([`Adapter::Host`]: the host answers).
    pub adapter: Adapter,
    /// The provider's own base URL (a [`ProviderConfig`](crate::providers::ProviderConfig)
    /// may name another). Empty for a host's provider.
    #[serde(default)]
    pub base_url: String,
    /// The provider's registered domain: its key is sent to hosts under it (or the
    /// configured base URL's host), never elsewhere. Empty for a host's provider.
    #[serde(default)]
    pub key_domain: String,
    /// The model that generates (for a host's provider, whatever it names it).
    #[serde(default)]
    pub generate: String,
    /// The model that iterates.
    #[serde(default)]
    pub iterate: String,
    /// The profile (and so the model) that outpaints.
    pub outpaint: String,
    /// The paths of each operation under the base URL (unused for a host's provider).
    #[serde(default)]
    pub endpoints: Endpoints,
}

/// The paths of a provider's operations under its base URL: `{model}` stands for the
/// model id, `{id}` for a task id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// Generate.
    pub generate: String,
    /// Iterate (edit the source).
    pub iterate: String,
    /// Outpaint with the original and edges (or its own placement).
    pub outpaint: String,
    /// Outpaint with a canvas and a mask.
    pub inpaint: String,
    /// Where an asynchronous task is polled when the provider names no URL (empty: it
    /// always names one, or has no tasks).
    pub poll: String,
}

impl Endpoints {
    /// `template` (one of these paths) for model `id`, its path segments escaped.
    pub fn path(template: &str, id: &str) -> String {
        let escaped: Vec<String> = id.split('/').map(crate::providers::escape).collect();
        template.replace("{model}", &escaped.join("/"))
    }
}

/// What an upload may be. Zero means no limit; no encodings means any.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UploadLimits {
    /// Smallest side.
    pub min_side: u32,
    /// Largest side.
    pub max_side: u32,
    /// Most pixels.
    pub max_pixels: u64,
    /// Most bytes of the encoded file.
    pub max_bytes: u64,
    /// The encodings taken, in order of preference.
    pub encodings: Vec<Format>,
}

impl UploadLimits {
    /// Whether an encoded image of `w`x`h` in `bytes` bytes and `format` is taken.
    pub fn admits(&self, w: u32, h: u32, bytes: usize, format: Format) -> bool {
        (self.min_side == 0 || w.min(h) >= self.min_side)
            && (self.max_side == 0 || w.max(h) <= self.max_side)
            && (self.max_pixels == 0 || u64::from(w) * u64::from(h) <= self.max_pixels)
            && (self.max_bytes == 0 || bytes as u64 <= self.max_bytes)
            && self.takes(format)
    }

    /// Whether `format` is among the encodings taken.
    pub fn takes(&self, format: Format) -> bool {
        self.encodings.is_empty() || self.encodings.contains(&format)
    }

    /// The limits as a sentence, for messages.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.min_side != 0 || self.max_side != 0 {
            parts.push(format!("sides {}..={} px", self.min_side, self.max_side));
        }
        if self.max_pixels != 0 {
            parts.push(format!("at most {} pixels", self.max_pixels));
        }
        if self.max_bytes != 0 {
            parts.push(format!("at most {} bytes", self.max_bytes));
        }
        if !self.encodings.is_empty() {
            let e: Vec<&str> = self.encodings.iter().map(|f| f.extension()).collect();
            parts.push(e.join("/"));
        }
        parts.join(", ")
    }
}

/// One model id of a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// The adapter that speaks to it.
    pub adapter: Adapter,
    /// The operations it serves.
    pub serves: Vec<Task>,
    /// The request shape, where an adapter has several (Black Forest Labs: `flux2`,
    /// `kontext`, `fill`, `expand`, `outpainting`); empty otherwise.
    #[serde(default)]
    pub request: String,
    /// Longest prompt in characters (0 = no limit known).
    #[serde(default)]
    pub prompt_chars: u32,
    /// What an uploaded image may be.
    #[serde(default)]
    pub upload: UploadLimits,
    /// What an uploaded mask may be (OpenAI: a PNG under 4 MB).
    #[serde(default)]
    pub mask: UploadLimits,
}

/// The model registry (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    /// What the table is and where its facts come from.
    #[serde(default)]
    pub about: String,
    /// Each model column's provider and defaults.
    pub columns: BTreeMap<Model, Column>,
    /// Model ids.
    pub models: BTreeMap<String, ModelInfo>,
    /// Outpaint profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

fn bad(what: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidOption, what)
}

impl Registry {
    /// The built-in registry.
    pub fn builtin() -> Registry {
        let v: Value = serde_json::from_str(BUILTIN_JSON).expect("registry.json is JSON");
        Registry::from_json(v).expect("registry.json is a valid registry")
    }

    /// A registry from its whole JSON: `INVALID_OPTION` naming the problem when a field
    /// is missing, unknown or of the wrong kind, or the table contradicts itself.
    pub fn from_json(mut v: Value) -> Result<Registry> {
        inherit_columns(&mut v)?;
        let mut r: Registry =
            serde_json::from_value(v.clone()).map_err(|e| bad(format!("not a registry: {e}")))?;
        let back = serde_json::to_value(&r).expect("a registry serialises");
        if let Some(path) = unknown_key(&v, &back, String::new()) {
            bail!(InvalidOption, "the registry has an unknown field {path}");
        }
        for (name, p) in r.profiles.iter_mut() {
            p.name = name.clone();
        }
        r.validate()?;
        Ok(r)
    }

    /// The built-in registry with `patch` merged in (RFC 7396: objects merge key by key,
    /// `null` removes, anything else replaces), then checked as a whole.
    pub fn patched(patch: &Value) -> Result<Registry> {
        let mut v: Value = serde_json::from_str(BUILTIN_JSON).expect("registry.json is JSON");
        merge_patch(&mut v, patch);
        Registry::from_json(v)
    }

    /// The registry as JSON (what [`Registry::from_json`] reads).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a registry serialises")
    }

    /// Checks the table against itself: the four built-in columns present, every
    /// provider column with its adapter's models, every default serving its operation,
    /// every profile's model serving outpaint.
    pub fn validate(&self) -> Result<()> {
        for m in Model::ALL {
            if !self.columns.contains_key(&m) {
                bail!(InvalidOption, "the registry has no column {m}");
            }
        }
        for (&m, c) in &self.columns {
            self.validate_column(m, c)?;
        }
        for (name, p) in &self.profiles {
            if name.starts_with("custom") || name.contains(':') {
                bail!(InvalidOption, "profile name {name:?} is reserved");
            }
            p.validate()?;
            if !p.model.is_empty() {
                match self.models.get(&p.model) {
                    Some(i) if i.serves.contains(&Task::Outpaint) => {}
                    _ => bail!(
                        InvalidOption,
                        "profile {name:?}: model {:?} is not a model that serves outpaint",
                        p.model
                    ),
                }
            }
        }
        Ok(())
    }

    fn validate_column(&self, m: Model, c: &Column) -> Result<()> {
        if c.adapter == Adapter::Host {
            // The host's own provider: its model ids are its own; only the outpaint
            // geometry must be known.
            return self
                .profile(&c.outpaint)
                .map(drop)
                .map_err(|e| bad(format!("column {m}: {}", e.message())));
        }
        for (task, id) in [(Task::Generate, &c.generate), (Task::Iterate, &c.iterate)] {
            let info = self
                .models
                .get(id)
                .ok_or_else(|| bad(format!("column {m}: {task} model {id:?} is not in models")))?;
            if info.adapter != c.adapter || !info.serves.contains(&task) {
                bail!(
                    InvalidOption,
                    "column {m}: model {id:?} is not a {} model that serves {task}",
                    c.adapter
                );
            }
        }
        if !c.base_url.starts_with("https://") && !c.base_url.starts_with("http://") {
            bail!(
                InvalidOption,
                "column {m}: baseUrl {:?} is not an http(s) URL",
                c.base_url
            );
        }
        for (op, t) in [
            ("generate", &c.endpoints.generate),
            ("iterate", &c.endpoints.iterate),
            ("outpaint", &c.endpoints.outpaint),
            ("inpaint", &c.endpoints.inpaint),
        ] {
            if !t.starts_with('/') {
                bail!(
                    InvalidOption,
                    "column {m}: the {op} endpoint {t:?} is not a path (it must start with /)"
                );
            }
        }
        let p = self.profiles.get(&c.outpaint).ok_or_else(|| {
            bad(format!(
                "column {m}: outpaint profile {:?} is not in profiles",
                c.outpaint
            ))
        })?;
        let info = self.models.get(&p.model);
        if info.is_none_or(|i| i.adapter != c.adapter) {
            bail!(
                InvalidOption,
                "column {m}: profile {:?} outpaints with {:?}, which is not a {} model",
                c.outpaint,
                p.model,
                c.adapter
            );
        }
        Ok(())
    }

    /// The model columns, the built-in four first, then a host's own by name.
    pub fn models(&self) -> Vec<Model> {
        self.columns.keys().copied().collect()
    }

    /// A model column's provider and defaults: `MODEL_NOT_FOUND` naming the columns
    /// there are when the registry has none of that name.
    pub fn column(&self, model: Model) -> Result<&Column> {
        self.columns
            .get(&model)
            .ok_or_else(|| self.not_found(model.as_str()))
    }

    /// The model column named `name` (`MODEL_NOT_FOUND` naming the columns there are
    /// when the registry has none of that name).
    pub fn model(&self, name: &str) -> Result<Model> {
        let t = name.trim();
        Model::new(t)
            .ok()
            .filter(|m| self.columns.contains_key(m))
            .ok_or_else(|| self.not_found(t))
    }

    fn not_found(&self, name: &str) -> Error {
        let names: Vec<&str> = self.columns.keys().map(Model::as_str).collect();
        Error::new(
            ErrorCode::ModelNotFound,
            format!(
                "unknown model {name:?}; expected {}",
                crate::names::one_of(&names)
            ),
        )
    }

    /// A profile by name, or `custom:...` rules (`INVALID_OPTION` when unknown).
    pub fn profile(&self, name: &str) -> Result<Profile> {
        let t = name.trim();
        if t == "custom" {
            return parse_custom("");
        }
        if let Some(spec) = t.strip_prefix("custom:") {
            return parse_custom(spec);
        }
        self.profiles.get(t).cloned().ok_or_else(|| {
            let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            bad(format!(
                "unknown profile {t:?}; expected {}, or custom:...",
                names.join(", ")
            ))
        })
    }

    /// The profile `model`'s column outpaints with (`MODEL_NOT_FOUND` for a column the
    /// registry does not have).
    pub fn outpaint_profile(&self, model: Model) -> Result<Profile> {
        self.profile(&self.column(model)?.outpaint)
    }

    /// The model id (and what is known of it) that serves `task` for column `c` (one of
    /// this registry's provider columns, not [`Adapter::Host`]): the
    /// host's `chosen` id when it serves the task (an id the registry does not know is
    /// taken to generate and iterate like the column's default), else the column's
    /// default. Outpainting always uses the profile's model.
    pub fn model_for<'a>(
        &'a self,
        c: &'a Column,
        task: Task,
        chosen: &'a str,
        profile: Option<&'a str>,
    ) -> (&'a str, ModelInfo) {
        let default = match task {
            Task::Generate => c.generate.as_str(),
            Task::Iterate => c.iterate.as_str(),
            Task::Outpaint => profile
                .and_then(|p| self.profiles.get(p))
                .filter(|p| {
                    self.models
                        .get(&p.model)
                        .is_some_and(|m| m.adapter == c.adapter)
                })
                .map_or(self.profiles[&c.outpaint].model.as_str(), |p| {
                    p.model.as_str()
                }),
        };
        let pick = |id: &'a str| (id, self.models[id].clone());
        if chosen.is_empty() || task == Task::Outpaint {
            return pick(default);
        }
        match self.models.get(chosen) {
            Some(i) if i.serves.contains(&task) && i.adapter == c.adapter => (chosen, i.clone()),
            Some(_) => pick(default),
            None => (chosen, self.models[default].clone()),
        }
    }
}

/// Resolves `from` in the columns of a registry's JSON: each such column becomes the
/// named column merged with what it gives (RFC 7396), `from` itself dropped.
fn inherit_columns(v: &mut Value) -> Result<()> {
    let Some(cols) = v.get_mut("columns").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    loop {
        let pending: Vec<String> = cols
            .iter()
            .filter(|(_, c)| c.get("from").is_some())
            .map(|(k, _)| k.clone())
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let mut resolved = false;
        for name in &pending {
            let from = match cols[name].get("from") {
                Some(Value::String(f)) if f != name => f.clone(),
                other => bail!(
                    InvalidOption,
                    "column {name}: from {} is not another column's name",
                    other.map_or_else(String::new, Value::to_string)
                ),
            };
            let Some(source) = cols.get(&from) else {
                bail!(
                    InvalidOption,
                    "column {name}: from {from:?} is not a column"
                );
            };
            if source.get("from").is_some() {
                continue; // resolved on a later round
            }
            let mut merged = source.clone();
            let mut own = cols[name].clone();
            own.as_object_mut()
                .expect("a column with from is an object")
                .remove("from");
            merge_patch(&mut merged, &own);
            cols.insert(name.clone(), merged);
            resolved = true;
        }
        if !resolved {
            bail!(
                InvalidOption,
                "columns {} take their fields from each other in a circle",
                pending.join(", ")
            );
        }
    }
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            let t = target.as_object_mut().expect("an object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// The first key of `given` (a JSON path) that `read` (the same value read and written
/// back) does not have: a field serde ignored.
fn unknown_key(given: &Value, read: &Value, at: String) -> Option<String> {
    match (given, read) {
        (Value::Object(g), Value::Object(r)) => g.iter().find_map(|(k, v)| {
            let path = format!("{at}/{k}");
            match r.get(k) {
                None => Some(path),
                Some(rv) => unknown_key(v, rv, path),
            }
        }),
        (Value::Array(g), Value::Array(r)) => g
            .iter()
            .zip(r)
            .enumerate()
            .find_map(|(i, (a, b))| unknown_key(a, b, format!("{at}/{i}"))),
        _ => None,
    }
}

pub mod registry_patch {
    //! `#[serde(with)]` for a registry given as a patch of the built-in one.
    use super::Registry;

    /// The whole registry.
    pub fn serialize<S: serde::Serializer>(r: &Registry, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(r, s)
    }

    /// A patch of the built-in registry, checked.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Registry, D::Error> {
        let v: serde_json::Value = serde::Deserialize::deserialize(d)?;
        Registry::patched(&v).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_builtin_table_is_valid_and_round_trips() {
        let r = Registry::builtin();
        assert_eq!(Registry::from_json(r.to_json()).unwrap(), r);
        assert_eq!(r.column(Model::Openai).unwrap().generate, "gpt-image-2");
        assert_eq!(
            r.outpaint_profile(Model::Recraft).unwrap().model,
            "recraftv3"
        );
        assert_eq!(
            r.outpaint_profile(Model::Flux).unwrap().name,
            "flux-outpaint"
        );
    }

    #[test]
    fn a_patch_adds_a_model_and_changes_a_default() {
        let r = Registry::patched(&json!({
            "models": { "gpt-image-3": { "adapter": "openai", "serves": ["generate", "iterate", "outpaint"] } },
            "columns": { "openai": { "generate": "gpt-image-3" } },
            "profiles": { "openai": { "model": "gpt-image-3" } }
        }))
        .unwrap();
        assert_eq!(r.column(Model::Openai).unwrap().generate, "gpt-image-3");
        assert_eq!(r.column(Model::Openai).unwrap().iterate, "gpt-image-2");
        assert_eq!(
            r.outpaint_profile(Model::Openai).unwrap().model,
            "gpt-image-3"
        );
        // The rest of the profile is kept.
        assert_eq!(
            r.outpaint_profile(Model::Openai).unwrap().geometry,
            Registry::builtin()
                .outpaint_profile(Model::Openai)
                .unwrap()
                .geometry
        );
    }

    #[test]
    fn bad_patches_are_invalid_option_naming_the_problem() {
        for (patch, says) in [
            (
                json!({ "columns": { "openai": { "generate": "nope" } } }),
                "not in models",
            ),
            (
                json!({ "columns": { "flux": { "generate": "recraftv3" } } }),
                "not a bfl model",
            ),
            (
                json!({ "columns": { "recraft": { "outpaint": "gemini" } } }),
                "not a recraft model",
            ),
            (
                json!({ "models": { "recraftv3": { "servs": [] } } }),
                "unknown field /models/recraftv3/servs",
            ),
            (
                json!({ "profiles": { "openai": { "multipleOff": 8 } } }),
                "unknown field /profiles/openai/multipleOff",
            ),
            (
                json!({ "profiles": { "gemini": { "aspects": ["16-9"] } } }),
                "bad aspect ratio",
            ),
            (
                json!({ "profiles": { "x": { "send": "sideways" } } }),
                "not a registry",
            ),
            (json!({ "columns": { "flux": null } }), "no column flux"),
            (
                json!({ "profiles": { "custom:x": { "send": "canvas" } } }),
                "reserved",
            ),
            // A host's own columns.
            (
                json!({ "columns": { "My Column": { "from": "flux" } } }),
                "not a model name",
            ),
            (
                json!({ "columns": { "eu": { "from": "nope" } } }),
                "column eu: from \"nope\" is not a column",
            ),
            (
                json!({ "columns": { "eu": { "from": "eu" } } }),
                "column eu: from \"eu\" is not another column's name",
            ),
            (
                json!({ "columns": { "eu": { "from": 3 } } }),
                "column eu: from 3 is not",
            ),
            (
                json!({ "columns": { "a": { "from": "b" }, "b": { "from": "a" } } }),
                "columns a, b take their fields from each other in a circle",
            ),
            (
                json!({ "columns": { "eu": { "from": "flux", "adapter": "openai" } } }),
                "column eu: model \"flux-2-pro\" is not a openai model",
            ),
            (
                json!({ "columns": { "eu": { "from": "flux", "baseUrl": "ftp://x" } } }),
                "column eu: baseUrl \"ftp://x\" is not an http(s) URL",
            ),
            (
                json!({ "columns": { "studio": { "adapter": "host", "outpaint": "wide" } } }),
                "column studio: unknown profile \"wide\"",
            ),
            (
                json!({ "columns": { "studio": { "adapter": "host" } } }),
                "missing field `outpaint`",
            ),
            (
                json!({ "columns": { "studio": { "adapter": "dalle", "outpaint": "full" } } }),
                "unknown provider adapter",
            ),
        ] {
            let e = Registry::patched(&patch).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidOption, "{patch}");
            assert!(e.message().contains(says), "{patch}: {}", e.message());
        }
    }

    #[test]
    fn a_hosts_columns_copy_another_and_sort_after_the_four() {
        let r = Registry::patched(&json!({ "columns": {
            "flux-eu": { "from": "flux", "baseUrl": "https://api.eu.bfl.ai",
                         "endpoints": { "poll": "/v1/get_result" } },
            "flux-eu-fill": { "from": "flux-eu", "outpaint": "flux-fill" },
            "studio": { "adapter": "host", "outpaint": "custom:multiple=64" }
        } }))
        .unwrap();
        let m = |n: &str| r.model(n).unwrap();
        let names: Vec<String> = r.models().iter().map(Model::to_string).collect();
        assert_eq!(
            names,
            [
                "flux",
                "recraft",
                "gemini",
                "openai",
                "flux-eu",
                "flux-eu-fill",
                "studio"
            ]
        );
        let flux = r.column(Model::Flux).unwrap();
        let eu = r.column(m("flux-eu")).unwrap();
        assert_eq!(eu.base_url, "https://api.eu.bfl.ai");
        assert_eq!(eu.adapter, Adapter::Bfl);
        assert_eq!(eu.generate, flux.generate);
        // Objects merge key by key: one endpoint moved, the others kept.
        assert_eq!(eu.endpoints.poll, "/v1/get_result");
        assert_eq!(eu.endpoints.outpaint, flux.endpoints.outpaint);
        // A chain resolves in any order.
        let fill = r.column(m("flux-eu-fill")).unwrap();
        assert_eq!(fill.base_url, "https://api.eu.bfl.ai");
        assert_eq!(
            r.outpaint_profile(m("flux-eu-fill")).unwrap().name,
            "flux-fill"
        );
        let studio = r.column(m("studio")).unwrap();
        assert_eq!(
            (studio.adapter, studio.base_url.as_str()),
            (Adapter::Host, "")
        );
        assert!(r
            .outpaint_profile(m("studio"))
            .unwrap()
            .name
            .starts_with("custom:multiple=64,"));
        // Read back as written (from resolved), the table is the same.
        assert_eq!(Registry::from_json(r.to_json()).unwrap(), r);
        let e = r.model("dalle").unwrap_err();
        assert_eq!(e.code(), ErrorCode::ModelNotFound);
        assert_eq!(
            e.message(),
            "unknown model \"dalle\"; expected flux, recraft, gemini, openai, flux-eu, \
             flux-eu-fill or studio"
        );
        assert_eq!(
            r.model("Bad Name").unwrap_err().code(),
            ErrorCode::ModelNotFound
        );
        assert_eq!(
            Registry::builtin()
                .outpaint_profile(m("studio"))
                .unwrap_err()
                .code(),
            ErrorCode::ModelNotFound
        );
    }

    #[test]
    fn a_chosen_model_serves_only_what_it_can() {
        let r = Registry::builtin();
        // Recraft V4.1 generates; outpainting stays on V3 whatever the host picked.
        assert_eq!(
            r.model_for(
                r.column(Model::Recraft).unwrap(),
                Task::Generate,
                "recraftv4_1_pro",
                None
            )
            .0,
            "recraftv4_1_pro"
        );
        assert_eq!(
            r.model_for(
                r.column(Model::Recraft).unwrap(),
                Task::Outpaint,
                "recraftv4_1",
                None
            )
            .0,
            "recraftv3"
        );
        // A known id that cannot iterate falls back to the default.
        assert_eq!(
            r.model_for(
                r.column(Model::Flux).unwrap(),
                Task::Iterate,
                "flux-pro-1.1",
                None
            )
            .0,
            "flux-2-pro"
        );
        // An id the registry does not know (newer than it) is sent as is.
        assert_eq!(
            r.model_for(
                r.column(Model::Openai).unwrap(),
                Task::Generate,
                "gpt-image-3",
                None
            )
            .0,
            "gpt-image-3"
        );
        // Another provider's model is not sent to this one.
        assert_eq!(
            r.model_for(
                r.column(Model::Openai).unwrap(),
                Task::Generate,
                "recraftv3",
                None
            )
            .0,
            "gpt-image-2"
        );
        // Outpaint follows the plan's profile, when the profile is this provider's.
        assert_eq!(
            r.model_for(
                r.column(Model::Flux).unwrap(),
                Task::Outpaint,
                "",
                Some("flux-fill")
            )
            .0,
            "flux-pro-1.0-fill"
        );
        assert_eq!(
            r.model_for(
                r.column(Model::Recraft).unwrap(),
                Task::Outpaint,
                "",
                Some("flux-fill")
            )
            .0,
            "recraftv3"
        );
        assert_eq!(
            r.model_for(
                r.column(Model::Openai).unwrap(),
                Task::Outpaint,
                "",
                Some("full")
            )
            .0,
            "gpt-image-2"
        );
    }

    #[test]
    fn endpoints_are_data_a_host_can_move() {
        use crate::engine::{Job, JobKind};
        use crate::providers::{Exchange, Next, ProviderConfig};
        let r = Registry::patched(&json!({
            "columns": { "openai": { "endpoints": { "generate": "/proxy/openai/{model}/images" } } }
        }))
        .unwrap();
        let job = Job {
            model: Model::Openai,
            kind: JobKind::Generate,
            prompt: "a lake".into(),
            source: None,
            source_mime: None,
            outpaint: None,
        };
        let config = ProviderConfig {
            api_key: "k".into(),
            base_url: "https://gw.example".into(),
            ..ProviderConfig::default()
        };
        let Next::Send(req) = Exchange::new(Model::Openai, &job, &config, &r).step(None) else {
            panic!("a request")
        };
        assert_eq!(
            req.url,
            "https://gw.example/proxy/openai/gpt-image-2/images"
        );
        assert_eq!(
            Endpoints::path("/v1/{model}", "flux-tools/outpainting-v1"),
            "/v1/flux-tools/outpainting-v1"
        );
        assert_eq!(Endpoints::path("/m/{model}", "a b"), "/m/a%20b");
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut v = json!({ "a": "b", "c": { "d": "e", "f": "g" } });
        merge_patch(&mut v, &json!({ "a": "z", "c": { "f": null } }));
        assert_eq!(v, json!({ "a": "z", "c": { "d": "e" } }));
        let mut v = json!({ "a": [1, 2] });
        merge_patch(&mut v, &json!({ "a": [3] }));
        assert_eq!(v, json!({ "a": [3] }));
    }
}
