//! Canvases, masks, the whole preparation, compositing and the offline run for C, into
//! caller buffers or library-allocated images.

use outpaint_core::geometry::Layout;
use outpaint_core::pixels::{mask_into, pad_into, Curve};
use outpaint_core::prepare::OptionNames;
use outpaint_core::{Error, ErrorCode, Fill, Limits, MaskKind, Plan, PrepareOptions, SeamOptions};

use crate::boundary::{boundary, present};
use crate::buffer::{
    none, opt_str, outpaint_bytes, outpaint_image, outpaint_image_view, outpaint_str, parse, view,
};
use crate::codec::{limits_of, outpaint_limits};
use crate::geometry::{expansion_of, outpaint_expansion};
use crate::status::outpaint_status;

/// Options of `outpaint_prepare` and `outpaint_run_local`: start from
/// `outpaint_prepare_options_default()` (it sets `size`). Strings left `{NULL, 0}` take
/// their defaults: anchor `center`, fill `transparent`, curve `smoothstep`, mask kind
/// the profile's own, profile `full`. `target` is required.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct outpaint_prepare_options {
    /// `sizeof(outpaint_prepare_options)` as the caller was compiled (see the header's
    /// conventions: fields are only ever appended).
    pub size: usize,
    /// `16:9`, any `A:B`, `expand_all`, `expand_all:F`, `edges:L,R,T,B`.
    pub target: outpaint_str,
    /// `center`, `left`, ..., `bottom-right`.
    pub anchor: outpaint_str,
    /// `transparent`, `color:#rrggbbaa`, `edge`, `mirror`, `blur`.
    pub fill: outpaint_str,
    /// `linear`, `smoothstep`, `quadratic`.
    pub curve: outpaint_str,
    /// `feathered`, `binary`, `inverted`, `alpha`.
    pub mask: outpaint_str,
    /// `full`, `flux-fill`, `flux-expand`, `recraft-outpaint`, `openai`, `gemini`,
    /// `custom:...`.
    pub profile: outpaint_str,
    /// Feather width in pixels.
    pub feather: u32,
    /// Overlap in pixels.
    pub overlap: u32,
    /// Decode, pixel and working-memory limits (NULL = `outpaint_limits_default()`).
    pub limits: *const outpaint_limits,
    /// A JSON merge patch of the model registry `profile` is read from (`{NULL, 0}`: the
    /// built-in registry), as an engine config's `registry`. Appended after size 120.
    pub registry: outpaint_str,
}

// SAFETY: repr(C), `size` first, string views, integers and a pointer (read, never
// dereferenced without its own check).
unsafe impl crate::sized::Versioned for outpaint_prepare_options {
    const NAME: &'static str = "outpaint_prepare_options";
    /// 120: before `registry`.
    const SIZES: &'static [usize] = &[120, std::mem::size_of::<outpaint_prepare_options>()];
    fn defaults() -> Self {
        outpaint_prepare_options_default()
    }
}

/// Every option at its default (`target` empty: set it), `size` set.
#[no_mangle]
pub extern "C" fn outpaint_prepare_options_default() -> outpaint_prepare_options {
    outpaint_prepare_options {
        size: std::mem::size_of::<outpaint_prepare_options>(),
        target: none(),
        anchor: none(),
        fill: none(),
        curve: none(),
        mask: none(),
        profile: none(),
        feather: 0,
        overlap: 0,
        limits: std::ptr::null(),
        registry: none(),
    }
}

/// Reads the caller's options: its version of the struct, then the names.
///
/// # Safety
/// `p` is non-NULL and points at an `outpaint_prepare_options` of its own `size` whose
/// strings and limits are valid.
unsafe fn prepare_options(p: *const outpaint_prepare_options) -> Result<PrepareOptions, Error> {
    // SAFETY: the caller's promise.
    let o = unsafe { crate::sized::read(p) }?;
    let mut opts = names_of(&o)?;
    // SAFETY: NULL or the caller's valid limits.
    opts.limits = unsafe { limits_of(o.limits) }?;
    Ok(opts)
}

fn names_of(o: &outpaint_prepare_options) -> Result<PrepareOptions, Error> {
    let name = |s: outpaint_str| Ok::<_, Error>(opt_str(s)?.map(str::to_string));
    let names = OptionNames {
        anchor: name(o.anchor)?,
        fill: name(o.fill)?,
        feather: o.feather,
        overlap: o.overlap,
        curve: name(o.curve)?,
        mask: name(o.mask)?,
        profile: name(o.profile)?,
        registry: registry_patch(o.registry)?,
        // The composite's options: prepare does not read them.
        ..OptionNames::default()
    };
    PrepareOptions::from_names(opt_str(o.target)?.unwrap_or_default(), &names)
}

/// A registry patch given as JSON text (`{NULL, 0}`: none): `INVALID_OPTION` when it is
/// not JSON.
pub(crate) fn registry_patch(s: outpaint_str) -> Result<Option<serde_json::Value>, Error> {
    opt_str(s)?
        .map(|t| {
            serde_json::from_str(t).map_err(|e| {
                Error::new(
                    outpaint_core::ErrorCode::InvalidOption,
                    format!("the registry patch is not JSON: {e}"),
                )
            })
        })
        .transpose()
}

/// Places `source` on the canvas of `expansion` and fills the new area with `fill`
/// (`{NULL, 0}` = transparent), writing into the caller's buffer `out` of `out_len ==
/// new_width * new_height * 4` bytes: no allocation proportional to the canvas.
///
/// # Safety
/// `source.data` must point at `source.len` readable bytes, `out` at `out_len` writable
/// bytes, `expansion` at a valid `outpaint_expansion`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_pad_into(
    source: outpaint_image_view,
    expansion: *const outpaint_expansion,
    fill: outpaint_str,
    out: *mut u8,
    out_len: usize,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let expansion = present(expansion, "expansion")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let e = expansion_of(unsafe { &*expansion })?;
        // SAFETY: the caller promises `out` points at `out_len` writable bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(out, out_len) };
        pad_into(view(&source)?, &e, parse(fill, Fill::Transparent)?, buf)?;
        Ok(())
    }
}

/// Writes the mask of `expansion` (255 = generate, 0 = keep) into the caller's buffer
/// `out` of `out_len == new_width * new_height` bytes. `kind` is `feathered` (default),
/// `binary` or `inverted`; `curve` defaults to `smoothstep`. On success, if not NULL,
/// `effective_feather` and `effective_overlap` receive the values used after clamping.
///
/// # Safety
/// `expansion` must point at a valid `outpaint_expansion`, `out` at `out_len` writable
/// bytes, the strings at their bytes, and the two optional outputs (if not NULL) at
/// writable `uint32_t`s.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn outpaint_mask_into(
    expansion: *const outpaint_expansion,
    feather: u32,
    overlap: u32,
    curve: outpaint_str,
    kind: outpaint_str,
    out: *mut u8,
    out_len: usize,
    effective_feather: *mut u32,
    effective_overlap: *mut u32,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let expansion = present(expansion, "expansion")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let x = unsafe { *expansion };
        let e = expansion_of(&x)?;
        let opts = SeamOptions {
            feather,
            overlap,
            curve: parse(curve, Curve::Smoothstep)?,
            ..SeamOptions::default()
        };
        let kind = parse(kind, MaskKind::Feathered)?;
        // SAFETY: the caller promises `out` points at `out_len` writable bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(out, out_len) };
        let seam = mask_into(&Layout::of(&e), &opts, kind, buf)?;
        // SAFETY: optional outputs, written when not NULL.
        unsafe {
            if !effective_feather.is_null() {
                *effective_feather = seam.feather;
            }
            if !effective_overlap.is_null() {
                *effective_overlap = seam.overlap;
            }
        }
        Ok(())
    }
}

/// Expands, fits to the profile, pre-fills and masks `source`. On success writes the
/// canvas (RGBA8, the plan's sent size), the mask (`width * height` bytes, 255 =
/// generate) and the plan as JSON (UTF-8, not NUL-terminated); free each with
/// `outpaint_image_free` / `outpaint_bytes_free`. No pointer may be NULL.
///
/// # Safety
/// `source.data` must point at `source.len` readable bytes; `options` at a valid
/// `outpaint_prepare_options` whose strings point at their bytes; the outputs at
/// writable structs.
#[no_mangle]
pub unsafe extern "C" fn outpaint_prepare(
    source: outpaint_image_view,
    options: *const outpaint_prepare_options,
    canvas: *mut outpaint_image,
    mask: *mut outpaint_bytes,
    plan_json: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let options = present(options, "options")?;
        let canvas = present(canvas, "canvas")?;
        let mask = present(mask, "mask")?;
        let plan_json = present(plan_json, "plan_json")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let opts = unsafe { prepare_options(options) }?;
        let p = outpaint_core::prepare(view(&source)?, &opts)?;
        let json = serde_json::to_vec(&p.plan).expect("plans serialise");
        // SAFETY: checked non-NULL; the caller promises they are writable.
        unsafe {
            canvas.write(outpaint_image::from_image(p.canvas));
            mask.write(outpaint_bytes::from_vec(p.mask.into_data()));
            plan_json.write(outpaint_bytes::from_vec(json));
        }
        Ok(())
    }
}

/// Composites a provider's `result` (any size) with `original` at full resolution
/// through the plan JSON `outpaint_prepare` gave, with a feathered seam (`curve`
/// `{NULL, 0}` = smoothstep) and the default seam corrections: the provider's colours
/// matched to the original and the detail band (`outpaint_composite_report` takes every
/// seam option). `out` must not be NULL; free it with `outpaint_image_free`.
///
/// # Safety
/// The views must point at their bytes, `plan_json` at its `len` bytes, `out` at a
/// writable `outpaint_image`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_composite(
    original: outpaint_image_view,
    result: outpaint_image_view,
    plan_json: outpaint_str,
    feather: u32,
    overlap: u32,
    curve: outpaint_str,
    out: *mut outpaint_image,
) -> outpaint_status {
    boundary! {
        let out = present(out, "out")?;
        let plan = plan_of(plan_json)?;
        let seam = SeamOptions {
            feather,
            overlap,
            curve: parse(curve, Curve::Smoothstep)?,
            ..SeamOptions::default()
        };
        let (img, _) = outpaint_core::composite(
            view(&original)?,
            view(&result)?,
            &plan,
            &seam,
            &Limits::default(),
        )?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    }
}

/// Reads a plan JSON (what `outpaint_prepare` gave).
fn plan_of(plan_json: outpaint_str) -> Result<Plan, Error> {
    let text = opt_str(plan_json)?
        .ok_or_else(|| Error::new(ErrorCode::InvalidOption, "the plan JSON is required"))?;
    serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("the plan JSON is not a plan: {e}"),
        )
    })
}

/// Composites like `outpaint_composite`, with the seam options as JSON (`seam_json`:
/// `{"feather":32,"overlap":0,"curve":"smoothstep","colour":"field","detail":true}`,
/// every key optional; `{NULL, 0}` = all defaults), and reports the seam: on success
/// `*report_json` receives the seam report as JSON (seam jump, colour step, colour
/// difference, residual cast, overlap residual, band sharpness per edge, and what the
/// colour match did; free with `outpaint_bytes_free`). `out` may be NULL when only the
/// report is wanted; otherwise free it with `outpaint_image_free`.
///
/// # Safety
/// The views must point at their bytes, the strings at their `len` bytes, `out` at a
/// writable `outpaint_image` or be NULL, `report_json` at a writable `outpaint_bytes`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_composite_report(
    original: outpaint_image_view,
    result: outpaint_image_view,
    plan_json: outpaint_str,
    seam_json: outpaint_str,
    out: *mut outpaint_image,
    report_json: *mut outpaint_bytes,
) -> outpaint_status {
    boundary! {
        let report_out = present(report_json, "report_json")?;
        let plan = plan_of(plan_json)?;
        let seam = match opt_str(seam_json)?.map(str::trim).filter(|s| !s.is_empty()) {
            None => SeamOptions::default(),
            Some(text) => {
                let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                    Error::new(ErrorCode::InvalidOption, format!("the seam options are not JSON: {e}"))
                })?;
                OptionNames::from_json(v)?.seam()?
            }
        };
        let (c, report) = outpaint_core::pixels::composite_reported(
            view(&original)?,
            view(&result)?,
            &plan,
            &seam,
            &Limits::default(),
        )?;
        let json = serde_json::to_vec(&report).expect("JSON serialises");
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { report_out.write(outpaint_bytes::from_vec(json)) };
        if !out.is_null() {
            // SAFETY: non-NULL; the caller promises it is writable.
            unsafe { out.write(outpaint_image::from_image(c.image)) };
        }
        Ok(())
    }
}

/// Prepares `source`, fills it with the offline `local` provider and composites the
/// result back at full resolution. `out` must not be NULL; free it with
/// `outpaint_image_free`.
///
/// # Safety
/// As `outpaint_prepare`.
#[no_mangle]
pub unsafe extern "C" fn outpaint_run_local(
    source: outpaint_image_view,
    options: *const outpaint_prepare_options,
    out: *mut outpaint_image,
) -> outpaint_status {
    boundary! {
        let options = present(options, "options")?;
        let out = present(out, "out")?;
        // SAFETY: checked non-NULL; the caller promises it is valid.
        let opts = unsafe { prepare_options(options) }?;
        let img = outpaint_core::run_local_image(outpaint_core::Source::Borrowed(view(&source)?), &opts)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(outpaint_image::from_image(img)) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::{outpaint_bytes_free, outpaint_image_free};
    use crate::geometry::outpaint_expand;

    fn s(v: &str) -> outpaint_str {
        outpaint_str {
            ptr: v.as_ptr().cast(),
            len: v.len(),
        }
    }

    const NONE: outpaint_str = outpaint_str {
        ptr: std::ptr::null(),
        len: 0,
    };

    #[test]
    fn expand_and_errors() {
        let mut out = outpaint_expansion::default();
        let st = unsafe { outpaint_expand(1024, 1024, s("16:9"), NONE, &mut out) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_OK);
        assert_eq!((out.left, out.right, out.new_width), (398, 398, 1820));
        let mut untouched = outpaint_expansion::default();
        let st = unsafe { outpaint_expand(10, 10, s("17:x"), NONE, &mut untouched) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_INVALID_TARGET);
        assert_eq!(untouched, outpaint_expansion::default());
        let msg = unsafe { std::ffi::CStr::from_ptr(crate::outpaint_last_error_message()) };
        assert!(msg.to_str().unwrap().starts_with("INVALID_TARGET: "));
        let st = unsafe { outpaint_expand(10, 10, s("16:9"), NONE, std::ptr::null_mut()) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_NULL_PARAMETER);
        let bad = outpaint_str {
            ptr: b"\xff".as_ptr().cast(),
            len: 1,
        };
        let st = unsafe { outpaint_expand(10, 10, bad, NONE, &mut out) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_INVALID_OPTION);
    }

    #[test]
    fn prepare_composite_and_free() {
        let px = [90u8, 120, 200, 255].repeat(64 * 64);
        let src = outpaint_image_view {
            width: 64,
            height: 64,
            data: px.as_ptr(),
            len: px.len(),
        };
        let opts = outpaint_prepare_options {
            target: s("16:9"),
            fill: s("edge"),
            profile: s("flux-fill"),
            feather: 8,
            ..outpaint_prepare_options_default()
        };
        let mut canvas = outpaint_image {
            width: 0,
            height: 0,
            data: std::ptr::null_mut(),
            len: 0,
        };
        let mut mask = outpaint_bytes::from_vec(Vec::new());
        let mut plan = outpaint_bytes::from_vec(Vec::new());
        let st = unsafe { outpaint_prepare(src, &opts, &mut canvas, &mut mask, &mut plan) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_OK);
        assert_eq!((canvas.width, canvas.height), (128, 64));
        assert_eq!(mask.len, 128 * 64);
        let plan_str = outpaint_str {
            ptr: plan.data.cast(),
            len: plan.len,
        };
        let result = outpaint_image_view {
            width: canvas.width,
            height: canvas.height,
            data: canvas.data,
            len: canvas.len,
        };
        let mut out = outpaint_image {
            width: 0,
            height: 0,
            data: std::ptr::null_mut(),
            len: 0,
        };
        let st = unsafe { outpaint_composite(src, result, plan_str, 8, 0, NONE, &mut out) };
        assert_eq!(st, outpaint_status::OUTPAINT_STATUS_OK);
        assert_eq!((out.width, out.height), (114, 64));
        unsafe {
            outpaint_image_free(&mut out);
            outpaint_image_free(&mut out); // double free is a no-op
            outpaint_image_free(&mut canvas);
            outpaint_bytes_free(&mut mask);
            outpaint_bytes_free(&mut plan);
            outpaint_bytes_free(std::ptr::null_mut());
        }
        assert!(out.data.is_null() && mask.data.is_null());
    }
}
