//! Fitting, limits, the context window and session JSON for C hosts.

use outpaint_core::session::{validate, ContextWindow, Model, PromptTemplate, Session};
use outpaint_core::{Limits, Profile};

use crate::api::{expansion_of, null, outpaint_expansion, required_target, run};
use crate::boundary::guard;
use crate::buffer::{byte_slice, opt_str, outpaint_bytes, outpaint_image, outpaint_str};
use crate::status::outpaint_status;

/// Decode and allocation limits (see `outpaint_limits_default`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_limits {
    /// Largest encoded input in bytes.
    pub max_bytes: u64,
    /// Largest input side in pixels.
    pub max_side: u32,
    /// Largest input pixel count.
    pub max_pixels: u64,
    /// Largest canvas pixel count.
    pub max_canvas_pixels: u64,
}

impl From<outpaint_limits> for Limits {
    fn from(l: outpaint_limits) -> Self {
        Limits {
            max_bytes: l.max_bytes,
            max_side: l.max_side,
            max_pixels: l.max_pixels,
            max_canvas_pixels: l.max_canvas_pixels,
        }
    }
}

/// The default limits: 50 MB, 16384 px per side, 100 MP, 400 MP canvases.
#[no_mangle]
pub extern "C" fn outpaint_limits_default() -> outpaint_limits {
    let l = Limits::default();
    outpaint_limits {
        max_bytes: l.max_bytes,
        max_side: l.max_side,
        max_pixels: l.max_pixels,
        max_canvas_pixels: l.max_canvas_pixels,
    }
}

/// Like `outpaint_decode` with the caller's limits (checked before pixels are
/// allocated: a decompression bomb is `OUTPAINT_STATUS_IMAGE_TOO_LARGE`). No pointer may
/// be NULL; free the result with `outpaint_image_free`.
///
/// # Safety
/// `data` must point at `len` bytes, `limits` at valid limits, `out` at a writable
/// `outpaint_image`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_decode_limited(
    data: *const u8,
    len: usize,
    limits: *const outpaint_limits,
    out: *mut outpaint_image,
) -> outpaint_status {
    if data.is_null() || limits.is_null() || out.is_null() {
        return guard(|| null("data, limits and out"));
    }
    run(|| {
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let l: Limits = unsafe { *limits }.into();
        let img = outpaint_core::decode(byte_slice(data, len)?, &l)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    })
}

/// Fits an expansion to a provider profile (`full`, `flux-fill`, `flux-expand`,
/// `recraft-outpaint`, `openai`, `gemini`, `custom:...`); `target` picks the direction
/// sentence. On success `*plan_json` receives the plan as JSON (free with
/// `outpaint_bytes_free`). No pointer may be NULL.
///
/// # Safety
/// `expansion` must point at a valid expansion, the strings at their bytes, `plan_json`
/// at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_fit(
    expansion: *const outpaint_expansion,
    target: outpaint_str,
    profile: outpaint_str,
    plan_json: *mut outpaint_bytes,
) -> outpaint_status {
    if expansion.is_null() || plan_json.is_null() {
        return guard(|| null("expansion and plan_json"));
    }
    run(|| {
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let e = expansion_of(unsafe { &*expansion })?;
        let t = required_target(target)?;
        let p: Profile = match opt_str(profile)? {
            Some(p) => p.parse()?,
            None => Profile::Full,
        };
        let plan = outpaint_core::fit(&e, &t, &p)?;
        let json = serde_json::to_vec(&plan).expect("plans serialise");
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { plan_json.write(outpaint_bytes::from_vec(json)) };
        Ok(())
    })
}

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
    if out.is_null() {
        return guard(|| null("out"));
    }
    run(|| {
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
        let (w, _) = ContextWindow::from_json(bytes, "", model);
        let text = w.prompt(&prompt, &t);
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(text.into_bytes())) };
        Ok(())
    })
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
    if out.is_null() {
        return guard(|| null("out"));
    }
    run(|| {
        let text = opt_str(json)?.unwrap_or_default();
        let s = Session::from_json(text.as_bytes())?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(s.to_json())) };
        Ok(())
    })
}
