//! Validation of request fields, with the SPEC's error codes.

use crate::error::{bail, Result};
use crate::geometry::Target;
use crate::session::Model;

/// Longest prompt, in characters after trimming.
pub const MAX_PROMPT_CHARS: usize = 1000;

/// The outpaint prompt used when none is given.
pub const DEFAULT_OUTPAINT_PROMPT: &str = "continue the scene naturally";

/// Checks a session id: a UUID in its canonical hyphenated form (so it is safe in
/// storage keys). `INVALID_SESSION_ID` otherwise.
pub fn session_id(id: &str) -> Result<()> {
    if id.len() != 36 || uuid::Uuid::try_parse(id).is_err() {
        bail!(
            InvalidSessionId,
            "session id {:?} is not a UUID like 6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b",
            id.chars().take(64).collect::<String>()
        );
    }
    Ok(())
}

/// A new UUID v4 session id from 16 random bytes the host supplies (the core has no
/// randomness of its own).
pub fn new_session_id(random: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(random)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Trims a prompt and checks its length: `PROMPT_REQUIRED` when empty, `PROMPT_TOO_LONG`
/// over [`MAX_PROMPT_CHARS`] characters.
pub fn prompt(p: &str) -> Result<String> {
    let t = p.trim();
    if t.is_empty() {
        bail!(PromptRequired, "the prompt is empty");
    }
    let n = t.chars().count();
    if n > MAX_PROMPT_CHARS {
        bail!(
            PromptTooLong,
            "the prompt is {n} characters; the limit is {MAX_PROMPT_CHARS}"
        );
    }
    Ok(t.to_string())
}

/// An outpaint prompt: the default when absent or blank, else as [`prompt`].
pub fn outpaint_prompt(p: Option<&str>) -> Result<String> {
    match p {
        Some(p) if !p.trim().is_empty() => prompt(p),
        _ => Ok(DEFAULT_OUTPAINT_PROMPT.to_string()),
    }
}

/// Parses a model name (`MODEL_NOT_FOUND`).
pub fn model(name: &str) -> Result<Model> {
    name.parse()
}

/// Parses an outpaint preset (`INVALID_TARGET`).
pub fn preset(p: &str) -> Result<Target> {
    p.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn session_ids() {
        session_id("6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b").unwrap();
        session_id("6F1C2B8E-3A4D-4F5E-8A9B-0C1D2E3F4A5B").unwrap();
        for bad in [
            "",
            "abc",
            "6f1c2b8e3a4d4f5e8a9b0c1d2e3f4a5b",
            "{6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b}",
            "6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5g",
            "../../etc/passwd-aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                session_id(bad).unwrap_err().code(),
                ErrorCode::InvalidSessionId,
                "{bad}"
            );
        }
        let id = new_session_id([7; 16]);
        session_id(&id).unwrap();
        assert_eq!(&id[14..15], "4", "version 4: {id}");
        assert_eq!(id, "07070707-0707-4707-8707-070707070707");
    }

    #[test]
    fn prompts() {
        assert_eq!(prompt("  a lake  ").unwrap(), "a lake");
        assert_eq!(
            prompt(" \n\t ").unwrap_err().code(),
            ErrorCode::PromptRequired
        );
        assert_eq!(prompt(&"é".repeat(1000)).unwrap().chars().count(), 1000);
        assert_eq!(
            prompt(&"é".repeat(1001)).unwrap_err().code(),
            ErrorCode::PromptTooLong
        );
        assert_eq!(outpaint_prompt(None).unwrap(), DEFAULT_OUTPAINT_PROMPT);
        assert_eq!(
            outpaint_prompt(Some("  ")).unwrap(),
            DEFAULT_OUTPAINT_PROMPT
        );
        assert_eq!(outpaint_prompt(Some(" sea ")).unwrap(), "sea");
        assert_eq!(model("gpt").unwrap_err().code(), ErrorCode::ModelNotFound);
        assert_eq!(preset("wide").unwrap_err().code(), ErrorCode::InvalidTarget);
    }
}
