//! Model column names and the columns of a session. Four columns are built in (`flux`,
//! `recraft`, `gemini`, `openai`); a host's registry may add its own under any name of
//! lowercase letters, digits, `-` and `_` (at most [`Model::MAX_LEN`] bytes), and
//! sessions store them beside the four.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorCode, Result};
use crate::session::ModelColumn;

/// A model column's name: one of the four built-in columns ([`Model::Flux`], ...) or a
/// host's own. `Copy`, compared by name; the built-in four sort first, in their order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Model {
    len: u8,
    bytes: [u8; Model::MAX_LEN],
}

const fn builtin(name: &str) -> Model {
    let b = name.as_bytes();
    let mut bytes = [0u8; Model::MAX_LEN];
    let mut i = 0;
    while i < b.len() {
        bytes[i] = b[i];
        i += 1;
    }
    Model {
        len: b.len() as u8,
        bytes,
    }
}

#[allow(non_upper_case_globals)]
impl Model {
    /// The longest name, in bytes.
    pub const MAX_LEN: usize = 32;
    /// Black Forest Labs FLUX.
    pub const Flux: Model = builtin("flux");
    /// Recraft.
    pub const Recraft: Model = builtin("recraft");
    /// Google Gemini.
    pub const Gemini: Model = builtin("gemini");
    /// OpenAI GPT Image.
    pub const Openai: Model = builtin("openai");
    /// The four built-in columns, in their order.
    pub const ALL: [Model; 4] = [Model::Flux, Model::Recraft, Model::Gemini, Model::Openai];

    /// A column name: `MODEL_NOT_FOUND` unless it is 1 to [`Model::MAX_LEN`] bytes of
    /// `a-z`, `0-9`, `-` and `_`, starting with a letter or digit.
    pub fn new(name: &str) -> Result<Model> {
        let b = name.as_bytes();
        let good = !b.is_empty()
            && b.len() <= Model::MAX_LEN
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
        if !good {
            return Err(Error::new(
                ErrorCode::ModelNotFound,
                format!(
                    "{name:?} is not a model name: 1 to {} characters of a-z, 0-9, - and _, \
                     starting with a letter or digit (the built-in ones are {})",
                    Model::MAX_LEN,
                    builtin_names()
                ),
            ));
        }
        let mut bytes = [0u8; Model::MAX_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Ok(Model {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("names are ASCII")
    }

    /// Whether it is one of the four built-in columns.
    pub fn is_builtin(&self) -> bool {
        self.rank() < Model::ALL.len()
    }

    /// Position among the built-in four; 4 for a host's own.
    fn rank(&self) -> usize {
        Model::ALL
            .iter()
            .position(|m| m == self)
            .unwrap_or(Model::ALL.len())
    }
}

/// `flux, recraft, gemini or openai`.
fn builtin_names() -> String {
    let all = Model::ALL;
    let names: Vec<&str> = all.iter().map(Model::as_str).collect();
    crate::names::one_of(&names)
}

impl Ord for Model {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank()
            .cmp(&other.rank())
            .then_with(|| self.as_str().cmp(other.as_str()))
    }
}

impl PartialOrd for Model {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Model({})", self.as_str())
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Model {
    type Err = Error;

    fn from_str(s: &str) -> Result<Model> {
        Model::new(s.trim())
    }
}

impl Serialize for Model {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Model {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
        s.parse()
            .map_err(|e: Error| serde::de::Error::custom(e.message()))
    }
}

/// The columns of a session, keyed by model name in JSON: the four built-in ones always
/// (a missing one is disabled), then a host's own in name order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Models {
    /// FLUX.
    pub flux: ModelColumn,
    /// Recraft.
    pub recraft: ModelColumn,
    /// Gemini.
    pub gemini: ModelColumn,
    /// OpenAI.
    pub openai: ModelColumn,
    /// A host's own columns (never a built-in name).
    pub custom: BTreeMap<Model, ModelColumn>,
}

/// What an absent column reads as.
static DISABLED: ModelColumn = ModelColumn::DISABLED;

impl Models {
    /// The column of `model` (a disabled one when a host's column is absent).
    pub fn get(&self, model: Model) -> &ModelColumn {
        match model {
            Model::Flux => &self.flux,
            Model::Recraft => &self.recraft,
            Model::Gemini => &self.gemini,
            Model::Openai => &self.openai,
            m => self.custom.get(&m).unwrap_or(&DISABLED),
        }
    }

    /// The column of `model`, mutable (a host's column is added when absent).
    pub fn get_mut(&mut self, model: Model) -> &mut ModelColumn {
        match model {
            Model::Flux => &mut self.flux,
            Model::Recraft => &mut self.recraft,
            Model::Gemini => &mut self.gemini,
            Model::Openai => &mut self.openai,
            m => self.custom.entry(m).or_default(),
        }
    }

    /// Every column's name in the stored order: the four, then a host's own.
    pub fn names(&self) -> Vec<Model> {
        Model::ALL
            .into_iter()
            .chain(self.custom.keys().copied())
            .collect()
    }

    /// `(model, column)` pairs in the stored order.
    pub fn iter(&self) -> impl Iterator<Item = (Model, &ModelColumn)> {
        Model::ALL
            .into_iter()
            .map(move |m| (m, self.get(m)))
            .chain(self.custom.iter().map(|(m, c)| (*m, c)))
    }

    /// Every column, mutable, in the stored order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut ModelColumn> {
        [
            &mut self.flux,
            &mut self.recraft,
            &mut self.gemini,
            &mut self.openai,
        ]
        .into_iter()
        .chain(self.custom.values_mut())
    }
}

impl Serialize for Models {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4 + self.custom.len()))?;
        for (m, c) in self.iter() {
            map.serialize_entry(m.as_str(), c)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Models {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Models;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of model columns")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Models, A::Error> {
                let mut models = Models::default();
                while let Some(key) = a.next_key::<String>()? {
                    // A key that is no model name, or a host's column that is not an
                    // object, is an unknown field: ignored, as every unknown field.
                    match Model::new(&key) {
                        Ok(m) if m.is_builtin() => *models.get_mut(m) = a.next_value()?,
                        Ok(m) => {
                            let v: serde_json::Value = a.next_value()?;
                            if v.is_object() {
                                let c = serde_json::from_value(v)
                                    .map_err(|e| serde::de::Error::custom(format!("{m}: {e}")))?;
                                models.custom.insert(m, c);
                            }
                        }
                        Err(_) => {
                            a.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(models)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Iteration, IterationStatus, ModelStatus};

    #[test]
    fn names_parse_print_and_sort_builtins_first() {
        for m in Model::ALL {
            assert!(m.is_builtin());
            assert_eq!(m.as_str().parse::<Model>().unwrap(), m);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
        }
        let mine: Model = " flux-eu ".parse().unwrap();
        assert_eq!(mine.as_str(), "flux-eu");
        assert!(!mine.is_builtin());
        assert_eq!(format!("{mine:?}"), "Model(flux-eu)");
        let long = "a".repeat(Model::MAX_LEN);
        assert_eq!(Model::new(&long).unwrap().as_str(), long);
        let mut all = [mine, Model::Openai, Model::new("a").unwrap(), Model::Flux];
        all.sort();
        let names: Vec<&str> = all.iter().map(Model::as_str).collect();
        assert_eq!(names, ["flux", "openai", "a", "flux-eu"]);
        for bad in [
            "",
            "Flux",
            "-a",
            "_a",
            "a b",
            "a.b",
            "a/b",
            "é",
            &"a".repeat(33),
        ] {
            let e = Model::new(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ModelNotFound, "{bad:?}");
            assert!(e.message().contains("not a model name"), "{}", e.message());
        }
        assert_eq!(
            Model::new("A").unwrap_err().message(),
            "\"A\" is not a model name: 1 to 32 characters of a-z, 0-9, - and _, starting \
             with a letter or digit (the built-in ones are flux, recraft, gemini or openai)"
        );
        assert!(serde_json::from_str::<Model>("\"no way\"").is_err());
    }

    #[test]
    fn a_hosts_columns_are_stored_after_the_four_and_unknown_keys_ignored() {
        let mine = Model::new("mine").unwrap();
        let mut models = Models::default();
        assert_eq!(models.get(mine), &ModelColumn::DISABLED);
        let c = models.get_mut(mine);
        *c = ModelColumn::enabled();
        c.iterations.push(Iteration {
            index: 0,
            status: IterationStatus::Completed,
            prompt: "p".into(),
            started_at: "2026-01-01T00:00:00.000Z".into(),
            completed_at: None,
            image_key: Some("k".into()),
            error: None,
            is_outpaint: false,
            outpaint_preset: None,
            parent_index: None,
            sent: Vec::new(),
        });
        c.refresh();
        let text = serde_json::to_string(&models).unwrap();
        let at: Vec<usize> = ["flux", "recraft", "gemini", "openai", "mine"]
            .iter()
            .map(|k| text.find(&format!("\"{k}\":{{")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        let json = serde_json::to_value(&models).unwrap();
        assert_eq!(json["mine"]["status"], "completed");
        assert_eq!(
            models.names(),
            [
                Model::Flux,
                Model::Recraft,
                Model::Gemini,
                Model::Openai,
                mine
            ]
        );
        let back: Models = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, models);
        // Not names, or not columns: unknown fields, ignored as every other.
        let mut odd = json;
        odd["Not A Name"] = serde_json::json!({"enabled": true});
        odd["other"] = serde_json::json!(3);
        let back: Models = serde_json::from_value(odd.clone()).unwrap();
        assert_eq!(back, models);
        // A host's column that is an object but not a column is damage, as a built-in one.
        odd["other"] = serde_json::json!({"enabled": "yes"});
        assert!(serde_json::from_value::<Models>(odd).is_err());
        assert_eq!(models.get(mine).derived_status(), ModelStatus::Completed);
    }
}
