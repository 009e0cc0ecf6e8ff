//! The model registry for C: `outpaint_registry` writes it as JSON, patched or not.

use outpaint_core::providers::Registry;
use outpaint_core::{Error, ErrorCode};

use crate::boundary::{boundary, present};
use crate::buffer::{opt_str, outpaint_bytes, outpaint_str};
use crate::status::outpaint_status;

/// The model registry (which model serves each operation, the outpaint profiles, every
/// upload limit) as JSON: the built-in one, or it with `patch` merged in (an RFC 7396
/// JSON merge patch; an empty string is none). A patch that breaks the table is
/// `INVALID_OPTION` naming the problem. The same patch goes into an engine config as
/// `"registry"`. On success `*registry_json` receives the JSON (free with
/// `outpaint_bytes_free`).
///
/// # Safety
/// `patch` must point at its bytes, `registry_json` at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_registry(
    patch: outpaint_str,
    registry_json: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let out = present(registry_json, "registry_json")?;
        let registry = match opt_str(patch)?.map(str::trim).filter(|p| !p.is_empty()) {
            None => Registry::builtin(),
            Some(p) => {
                let v: serde_json::Value = serde_json::from_str(p).map_err(|e| {
                    Error::new(ErrorCode::InvalidOption, format!("the registry patch is not JSON: {e}"))
                })?;
                Registry::patched(&v)?
            }
        };
        let json = serde_json::to_vec(&registry.to_json()).expect("JSON serialises");
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_bytes::from_vec(json)) };
        Ok(())
    }
}
