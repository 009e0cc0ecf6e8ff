"""Expansion maths, provider fitting, prepare, composite and the offline run: each one call
into liboutpaint, with Python values in and out (dicts for JSON, `Image`/`Mask` for
pixels)."""

from __future__ import annotations

import ctypes as C
import json
from dataclasses import dataclass

from . import _native as N
from .images import Image, Mask, _view, as_image, limits


def version() -> str:
    """The library's version (`"0.1.0"`)."""
    return N.lib.outpaint_version().decode()


def expand(width: int, height: int, target: str, anchor: str | None = None) -> dict:
    """Pixels to add on each side of a `width x height` picture to reach `target`
    (`"16:9"`, `"expand_all"`, `"edges:L,R,T,B"`, ...), placed by `anchor` (default
    `center`): `{"left", "right", "top", "bottom", "new_width", "new_height"}`."""
    for name, v in (("width", width), ("height", height)):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 2**32:
            raise N.OutpaintError("INVALID_DIMENSIONS", f"{name} must be a whole number of pixels, got {v!r}")
    e = N.Expansion()
    N.check(N.lib.outpaint_expand(width, height, N.s(target), N.s(anchor), C.byref(e)))
    return {name: getattr(e, name) for name, _ in N.Expansion._fields_}


def fit(expansion: dict, target: str, profile: str, registry: dict | None = None) -> dict:
    """The plan that fits `expansion` to a provider `profile` (`full`, `flux-fill`,
    `openai`, `gemini`, `custom:...`, or one that `registry`, a merge patch of the model
    registry as a session's config takes, adds): the sent size and how the answer maps
    back."""
    e = _expansion(expansion)
    out = N.Bytes()
    patch = None if registry is None else json.dumps(registry)
    N.check(N.lib.outpaint_fit_registry(C.byref(e), N.s(target), N.s(profile), N.s(patch), C.byref(out)))
    return json.loads(N.take_bytes(out))


@dataclass(frozen=True)
class Prepared:
    """`prepare`'s answer: the pre-filled canvas and the mask in the sent size, and the
    plan (JSON as a dict) that `composite` takes back."""

    canvas: Image
    mask: Mask
    plan: dict


_OPTION_STRINGS = ("anchor", "fill", "curve", "mask", "profile")


def _options(target: str, options: dict) -> tuple[N.PrepareOptions, object]:
    o = N.lib.outpaint_prepare_options_default()
    o.target = N.s(target)
    keep = None
    for key, value in options.items():
        if key in _OPTION_STRINGS:
            if value is not None and not isinstance(value, str):
                raise N.OutpaintError("INVALID_OPTION", f"{key} must be a string, got {value!r}")
            setattr(o, key, N.s(value))
        elif key in ("feather", "overlap"):
            setattr(o, key, _pixels(key, value))
        elif key == "limits":
            keep = limits(value)
            o.limits = C.pointer(keep) if keep is not None else None
        elif key == "registry":
            if value is not None and not isinstance(value, dict):
                raise N.OutpaintError("INVALID_OPTION", f"registry must be a dict (a merge patch), got {value!r}")
            o.registry = N.s(None if value is None else json.dumps(value))
        else:
            raise N.OutpaintError(
                "INVALID_OPTION",
                f"unknown option {key!r} (known: {', '.join(_OPTION_STRINGS + ('feather', 'overlap', 'limits', 'registry'))})",
            )
    return o, keep


def prepare(source, target: str, **options) -> Prepared:
    """Expands `source` (an `Image`, image bytes, a Pillow image or a uint8 array) to
    `target`, fits it to the profile, pre-fills and masks it. Options: `anchor`, `fill`
    (`transparent`, `color:#rrggbbaa`, `edge`, `mirror`, `blur`), `curve`, `mask`,
    `profile`, `feather`, `overlap`, `limits` (a dict: `max_memory_bytes`, ...), `registry`
    (a merge patch of the model registry `profile` is read from)."""
    image = as_image(source, options.get("limits"))
    o, _keep_limits = _options(target, options)
    view, _keep = _view(image)
    canvas, mask, plan = N.ImageBuf(), N.Bytes(), N.Bytes()
    N.check(N.lib.outpaint_prepare(view, C.byref(o), C.byref(canvas), C.byref(mask), C.byref(plan)))
    w, h, rgba = N.take_image(canvas)
    return Prepared(Image(w, h, rgba), Mask(w, h, N.take_bytes(mask)), json.loads(N.take_bytes(plan)))


def composite(original, result, plan: dict | str, *, feather: int = 32, overlap: int = 0, curve: str | None = None) -> Image:
    """Puts a provider's `result` (any size) back with `original` at full resolution
    through `plan` (from `prepare` or `fit`), with a feathered seam and the default seam
    corrections (colour matching, the detail band)."""
    o, r = as_image(original), as_image(result)
    (vo, ko), (vr, kr) = _view(o), _view(r)
    out = N.ImageBuf()
    feather, overlap = _pixels("feather", feather), _pixels("overlap", overlap)
    N.check(N.lib.outpaint_composite(vo, vr, N.s(_json(plan)), feather, overlap, N.s(curve), C.byref(out)))
    return Image(*N.take_image(out))


def composite_report(original, result, plan: dict | str, seam: dict | None = None) -> tuple[Image, dict]:
    """Like `composite`, with every seam option (`{"feather": 32, "overlap": 0, "curve":
    "smoothstep", "colour": "field", "detail": true}`, each optional), and the seam report
    (seam jump, colour step, colour difference, residual cast, band sharpness per edge)."""
    o, r = as_image(original), as_image(result)
    (vo, ko), (vr, kr) = _view(o), _view(r)
    out, report = N.ImageBuf(), N.Bytes()
    N.check(
        N.lib.outpaint_composite_report(
            vo, vr, N.s(_json(plan)), N.s(None if seam is None else json.dumps(seam)), C.byref(out), C.byref(report)
        )
    )
    return Image(*N.take_image(out)), json.loads(N.take_bytes(report))


def run_local(source, target: str, **options) -> Image:
    """Prepares `source`, fills it with the offline `local` provider and composites the
    result back: the whole job with no provider. Options as `prepare`."""
    image = as_image(source, options.get("limits"))
    o, _keep_limits = _options(target, options)
    view, _keep = _view(image)
    out = N.ImageBuf()
    N.check(N.lib.outpaint_run_local(view, C.byref(o), C.byref(out)))
    return Image(*N.take_image(out))


def registry(patch: dict | None = None) -> dict:
    """The model registry (which model serves each operation, the outpaint profiles, every
    upload limit), with `patch` (an RFC 7396 merge patch) applied."""
    out = N.Bytes()
    N.check(N.lib.outpaint_registry(N.s("" if patch is None else json.dumps(patch)), C.byref(out)))
    return json.loads(N.take_bytes(out))


def context_prompt(window: dict | None, model: str, prompt: str, template: str | None = None) -> str:
    """The prompt sent to a provider from a stored context window and the user's prompt."""
    out = N.Bytes()
    N.check(
        N.lib.outpaint_context_prompt(
            N.s(None if window is None else json.dumps(window)), N.s(model), N.s(prompt), N.s(template), C.byref(out)
        )
    )
    return N.take_bytes(out).decode()


def session_normalize(session: dict | str | bytes) -> dict:
    """Stored session JSON read tolerantly, every status and count recomputed by the
    SPEC's rules."""
    out = N.Bytes()
    N.check(N.lib.outpaint_session_normalize(N.s(_json(session)), C.byref(out)))
    return json.loads(N.take_bytes(out))


def _pixels(name: str, value) -> int:
    """A pixel count for a C `uint32_t` (ctypes would wrap anything else silently)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**32:
        raise N.OutpaintError("INVALID_OPTION", f"{name} must be a whole number of pixels, got {value!r}")
    return value


def _json(v) -> str | bytes:
    return v if isinstance(v, (str, bytes)) else json.dumps(v)


def _expansion(d: dict) -> N.Expansion:
    names = [name for name, _ in N.Expansion._fields_]
    missing = [n for n in names if n not in d]
    if missing:
        raise N.OutpaintError("INVALID_OPTION", f"an expansion needs {', '.join(missing)}")
    return N.Expansion(*(d[n] for n in names))
