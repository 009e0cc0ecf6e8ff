//! Where everything of a session is stored: the one place that spells the key layout
//! (SPEC 5-6). Stores, the engine and hosts all build keys here.

use crate::codec::Format;
use crate::session::Model;

/// The prefix every session key starts with.
pub const SESSIONS_PREFIX: &str = "sessions/";

/// The file name of a session document under its folder.
pub const STATUS_FILE: &str = "status.json";

/// `sessions/{id}/status.json`: the session document.
pub fn session_key(session_id: &str) -> String {
    format!("{SESSIONS_PREFIX}{session_id}/{STATUS_FILE}")
}

/// `sessions/{id}/context/{model}.json`: a model's context window.
pub fn context_key(session_id: &str, model: Model) -> String {
    format!("{SESSIONS_PREFIX}{session_id}/context/{model}.json")
}

/// `sessions/{id}/images/{model}-{index}.{png|jpg|webp}`: an iteration's image.
pub fn image_key(session_id: &str, model: Model, index: u32, format: Format) -> String {
    format!(
        "{SESSIONS_PREFIX}{session_id}/images/{model}-{index}.{}",
        format.extension()
    )
}

/// Whether `key` is a session document (what a gallery lists).
pub fn is_session_key(key: &str) -> bool {
    key.strip_prefix(SESSIONS_PREFIX)
        .and_then(|rest| rest.strip_suffix(STATUS_FILE))
        .is_some_and(|id| id.ends_with('/') && !id[..id.len() - 1].contains('/'))
}

/// Refuses a key a store must not take: empty, `.` or `..` parts (which could leave a
/// folder store's root or alias another key), or a backslash. Every store checks its keys
/// here, so all of them take and refuse the same ones.
pub fn check_key(key: &str) -> Result<(), String> {
    if key
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
        || key.contains('\\')
    {
        return Err(format!("refusing key {key:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_spec_layout() {
        let id = "6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b";
        assert_eq!(session_key(id), format!("sessions/{id}/status.json"));
        assert_eq!(
            context_key(id, Model::Gemini),
            format!("sessions/{id}/context/gemini.json")
        );
        assert_eq!(
            image_key(id, Model::Flux, 3, Format::Jpeg),
            format!("sessions/{id}/images/flux-3.jpg")
        );
        assert!(is_session_key(&session_key(id)));
        assert!(!is_session_key(&context_key(id, Model::Flux)));
        assert!(!is_session_key("sessions/status.json"));
        assert!(!is_session_key("sessions/a/b/status.json"));
    }

    #[test]
    fn keys_that_escape_or_alias_are_refused() {
        for bad in ["", "/a", "a/", "a//b", "a/./b", "../a", "a/..", "a\\b"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
        assert!(check_key(&session_key("x")).is_ok());
    }
}
