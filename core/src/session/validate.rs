//! Validation of request fields, with the SPEC's error codes.

use crate::error::{bail, Result};
use crate::geometry::Target;
use crate::session::Model;

/// Longest prompt, in characters after trimming.
pub const MAX_PROMPT_CHARS: usize = 1000;

/// The outpaint prompt used when none is given.
pub const DEFAULT_OUTPAINT_PROMPT: &str = "continue the scene naturally";

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

/// Parses a model column's name: `MODEL_NOT_FOUND` for one that cannot be a name
/// (whether a registry has the column is [`Registry::model`]).
///
/// [`Registry::model`]: crate::providers::Registry::model
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
        assert_eq!(model("GPT 4").unwrap_err().code(), ErrorCode::ModelNotFound);
        assert_eq!(preset("wide").unwrap_err().code(), ErrorCode::InvalidTarget);
    }
}
