//! The context window and session documents for C hosts.

use outpaint_core::session::{validate, ContextWindow, Model, PromptTemplate, Session, SessionId};

use crate::boundary::{boundary, present};
use crate::buffer::{opt_str, outpaint_bytes, outpaint_str};
use crate::status::outpaint_status;

/// Builds the prompt sent to a provider from a stored context window (JSON as kept at
/// `sessions/{id}/context/{model}.json`; `{NULL, 0}` or damaged JSON = empty window)
/// and the user's `prompt`, with `template` (`{NULL, 0}` = `Previous: {previous}. Now:
/// {prompt}`). On success `*out` receives the prompt (UTF-8, not NUL-terminated; free
/// with `outpaint_bytes_free`). No pointer may be NULL.
///
/// # Safety
/// The strings must point at their bytes; `out` at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_context_prompt(
    window_json: outpaint_str,
    model: outpaint_str,
    prompt: outpaint_str,
    template: outpaint_str,
    out: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let model: Model = opt_str(model)?.unwrap_or_default().parse()?;
        let prompt = validate::prompt(opt_str(prompt)?.unwrap_or_default())?;
        let t = match opt_str(template)? {
            Some(t) => PromptTemplate {
                template: t.to_string(),
                ..PromptTemplate::default()
            },
            None => PromptTemplate::default(),
        };
        let bytes = opt_str(window_json)?.unwrap_or_default().as_bytes();
        // Only the prompt is read: whose window it is does not matter here.
        let anyone = SessionId::from_random([0; 16]);
        let (w, _) = ContextWindow::from_json(bytes, &anyone, model);
        let text = w.prompt(&prompt, &t);
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(text.into_bytes())) };
        Ok(())
    }
}

/// Parses stored session JSON tolerantly (unknown fields ignored, missing columns
/// disabled), recomputes every status and count by the SPEC's rules, and writes the
/// normalised JSON to `*out` (free with `outpaint_bytes_free`). Damaged JSON is
/// `OUTPAINT_STATUS_STORAGE_ERROR`. No pointer may be NULL.
///
/// # Safety
/// `json` must point at its bytes; `out` at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_session_normalize(
    json: outpaint_str,
    out: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let text = opt_str(json)?.unwrap_or_default();
        let s = Session::from_json(text.as_bytes())?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(s.to_json())) };
        Ok(())
    }
}
