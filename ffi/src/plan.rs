//! Provider fitting for C: `outpaint_fit` writes the plan as JSON.

use outpaint_core::prepare::OptionNames;

use crate::boundary::{boundary, present};
use crate::buffer::{opt_str, outpaint_bytes, outpaint_str};
use crate::geometry::{expansion_of, outpaint_expansion, required_target};
use crate::status::outpaint_status;

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
    // SAFETY: the caller's promises, passed on; no registry patch.
    unsafe { outpaint_fit_registry(expansion, target, profile, crate::buffer::none(), plan_json) }
}

/// `outpaint_fit` with `profile` read from the model registry patched by `registry` (a
/// JSON merge patch, as an engine config's `registry`; `{NULL, 0}`: the built-in one):
/// a host's own profiles and changed limits plan the same here as in its sessions.
///
/// # Safety
/// As `outpaint_fit`; `registry` must point at its bytes.
#[no_mangle]
pub unsafe extern "C" fn outpaint_fit_registry(
    expansion: *const outpaint_expansion,
    target: outpaint_str,
    profile: outpaint_str,
    registry: outpaint_str,
    plan_json: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let expansion = present(expansion, "expansion")?;
        let plan_json = present(plan_json, "plan_json")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let e = expansion_of(unsafe { &*expansion })?;
        let t = required_target(target)?;
        let names = OptionNames {
            profile: opt_str(profile)?.map(str::to_string),
            registry: crate::pixels::registry_patch(registry)?,
            ..OptionNames::default()
        };
        let plan = outpaint_core::fit(&e, &t, &names.profile()?)?;
        let json = serde_json::to_vec(&plan).expect("plans serialise");
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { plan_json.write(outpaint_bytes::from_vec(json)) };
        Ok(())
    }
}
