//! Session ids: canonical hyphenated UUIDs, checked once when they come in, so every key
//! built from one is safe.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{bail, Error, Result};

/// A session id: a UUID in its canonical hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    /// Checks `id`: `INVALID_SESSION_ID` unless it is a UUID like
    /// `6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b`.
    pub fn parse(id: &str) -> Result<SessionId> {
        if id.len() != 36 || uuid::Uuid::try_parse(id).is_err() {
            bail!(
                InvalidSessionId,
                "session id {:?} is not a UUID like 6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b",
                id.chars().take(64).collect::<String>()
            );
        }
        Ok(SessionId(id.to_string()))
    }

    /// A new UUID v4 from 16 random bytes the host supplies (the core has no randomness
    /// of its own).
    pub fn from_random(random: [u8; 16]) -> SessionId {
        SessionId(
            uuid::Builder::from_random_bytes(random)
                .into_uuid()
                .hyphenated()
                .to_string(),
        )
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SessionId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SessionId {
    type Err = Error;

    fn from_str(s: &str) -> Result<SessionId> {
        SessionId::parse(s)
    }
}

impl Serialize for SessionId {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SessionId::parse(&s).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once_and_made_from_host_randomness() {
        let id = SessionId::from_random([7; 16]);
        assert_eq!(id.as_str(), "07070707-0707-4707-8707-070707070707");
        assert_eq!(SessionId::parse(id.as_str()).unwrap(), id);
        for bad in [
            "",
            "nope",
            "07070707070747078707070707070707",
            "../../etc/passwd",
        ] {
            assert_eq!(
                SessionId::parse(bad).unwrap_err().code(),
                crate::ErrorCode::InvalidSessionId,
                "{bad}"
            );
        }
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
        assert!(serde_json::from_str::<SessionId>("\"nope\"").is_err());
    }

    #[test]
    fn every_bad_form_is_refused() {
        SessionId::parse("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap();
        SessionId::parse("6F1C2B8E-3A4D-4F5E-8A9B-0C1D2E3F4A5B").unwrap();
        for bad in [
            "",
            "abc",
            "6f1c2b8e3a4d4f5e8a9b0c1d2e3f4a5b",
            "{6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b}",
            "6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5g",
            "../../etc/passwd-aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                SessionId::parse(bad).unwrap_err().code(),
                crate::ErrorCode::InvalidSessionId,
                "{bad}"
            );
        }
        let id = SessionId::from_random([7; 16]);
        SessionId::parse(&id).unwrap();
        assert_eq!(&id[14..15], "4", "version 4: {id}");
        assert_eq!(id.as_str(), "07070707-0707-4707-8707-070707070707");
    }
}
