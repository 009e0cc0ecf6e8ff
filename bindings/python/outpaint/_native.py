"""The C library through ctypes: where it is found, the header's structs, every function's
signature, and the status-to-exception rule. Nothing here is public; the modules beside it
build the Python API on it."""

from __future__ import annotations

import ctypes as C
import ctypes.util
import os
import sys
from pathlib import Path

# --- the structs of outpaint.h, field for field -------------------------------------------


class Str(C.Structure):
    """`outpaint_str`: a borrowed UTF-8 string; `{NULL, 0}` is "not given". Built from
    Python bytes (ctypes keeps them alive with the struct); read back with `raw`/`text`,
    never through `.ptr`, which would stop at a NUL."""

    _fields_ = [("ptr", C.c_char_p), ("len", C.c_size_t)]


def s(value: str | bytes | None) -> Str:
    """A `Str` over `value` (None = not given). ctypes keeps the bytes alive with the struct."""
    if value is None:
        return Str(None, 0)
    b = value.encode() if isinstance(value, str) else bytes(value)
    return Str(b, len(b))


class Bytes(C.Structure):
    """`outpaint_bytes`: bytes the library allocated."""

    _fields_ = [("data", C.POINTER(C.c_uint8)), ("len", C.c_size_t)]


class ImageBuf(C.Structure):
    """`outpaint_image`: an RGBA8 image the library allocated."""

    _fields_ = [("width", C.c_uint32), ("height", C.c_uint32), ("data", C.POINTER(C.c_uint8)), ("len", C.c_size_t)]


class ImageView(C.Structure):
    """`outpaint_image_view`: RGBA8 pixels the caller owns."""

    _fields_ = [("width", C.c_uint32), ("height", C.c_uint32), ("data", C.c_void_p), ("len", C.c_size_t)]


class Limits(C.Structure):
    """`outpaint_limits` (versioned by `size`)."""

    _fields_ = [
        ("size", C.c_size_t),
        ("max_bytes", C.c_uint64),
        ("max_side", C.c_uint32),
        ("max_pixels", C.c_uint64),
        ("max_canvas_pixels", C.c_uint64),
        ("max_memory_bytes", C.c_uint64),
    ]


class Expansion(C.Structure):
    """`outpaint_expansion`."""

    _fields_ = [(n, C.c_uint32) for n in ("left", "right", "top", "bottom", "new_width", "new_height")]


class PrepareOptions(C.Structure):
    """`outpaint_prepare_options` (versioned by `size`)."""

    _fields_ = [("size", C.c_size_t)] + [(n, Str) for n in ("target", "anchor", "fill", "curve", "mask", "profile")] + [
        ("feather", C.c_uint32),
        ("overlap", C.c_uint32),
        ("limits", C.POINTER(Limits)),
        ("registry", Str),
    ]


class Header(C.Structure):
    """`outpaint_header`."""

    _fields_ = [("name", Str), ("value", Str)]


class EffectGet(C.Structure):
    _fields_ = [("key", Str)]


class EffectPut(C.Structure):
    _fields_ = [
        ("key", Str),
        ("body", C.POINTER(C.c_uint8)),
        ("body_len", C.c_size_t),
        ("expect", C.c_uint32),
        ("expect_tag", Str),
    ]


class EffectList(C.Structure):
    _fields_ = [("prefix", Str)]


class EffectCall(C.Structure):
    _fields_ = [
        ("model", C.c_uint32),
        ("job", C.c_uint32),
        ("prompt", Str),
        ("source", C.POINTER(C.c_uint8)),
        ("source_len", C.c_size_t),
        ("source_mime", Str),
        ("canvas_png", C.POINTER(C.c_uint8)),
        ("canvas_png_len", C.c_size_t),
        ("mask_png", C.POINTER(C.c_uint8)),
        ("mask_png_len", C.c_size_t),
        ("target", Str),
        ("direction", Str),
        ("plan_json", Str),
    ]


class EffectHttp(C.Structure):
    _fields_ = [
        ("model", C.c_uint32),
        ("method", C.c_uint32),
        ("url", Str),
        ("headers", C.POINTER(Header)),
        ("header_count", C.c_size_t),
        ("body", C.POINTER(C.c_uint8)),
        ("body_len", C.c_size_t),
        ("timeout_ms", C.c_uint64),
        ("max_response_bytes", C.c_uint64),
        ("follow_redirects", C.c_bool),
    ]


class EffectData(C.Union):
    _fields_ = [("get", EffectGet), ("put", EffectPut), ("list", EffectList), ("call", EffectCall), ("http", EffectHttp)]


class Effect(C.Structure):
    """`outpaint_effect`: its views are valid until it is answered."""

    _fields_ = [("id", C.c_uint64), ("kind", C.c_uint32), ("data", EffectData)]


class Outcome(C.Structure):
    _fields_ = [("done", C.c_bool), ("status", C.c_uint32), ("text", Str)]


class Event(C.Structure):
    _fields_ = [("kind", C.c_uint32), ("model", C.c_uint32), ("polls", C.c_uint32), ("ms", C.c_uint64), ("message", Str)]


EFFECT_NONE, EFFECT_GET, EFFECT_PUT, EFFECT_LIST, EFFECT_CALL, EFFECT_HTTP = range(6)
EXPECT_ANY, EXPECT_ABSENT, EXPECT_TAG = range(3)
MODELS = ("flux", "recraft", "gemini", "openai")
JOBS = ("generate", "iterate", "outpaint")
METHODS = ("GET", "POST")
EVENTS = (None, "polling", "retrying")
#: The failure kinds a provider callable may raise (`ProviderFailure.kind`).
FAILURES = ("rejected", "transient", "timeout", "content_policy", "auth", "quota")

# --- finding and loading the library ------------------------------------------------------


def _candidates() -> list[str]:
    names = {"linux": "liboutpaint.so", "darwin": "liboutpaint.dylib", "win32": "outpaint.dll"}
    name = names.get(sys.platform, "liboutpaint.so")
    found = []
    if os.environ.get("OUTPAINT_LIB"):
        found.append(os.environ["OUTPAINT_LIB"])
    here = Path(__file__).resolve().parent
    found.append(str(here / name))  # a wheel that carries the library beside the module
    lib = ctypes.util.find_library("outpaint")
    if lib:
        found.append(lib)
    found.append(name)  # the loader's own search (LD_LIBRARY_PATH, ldconfig)
    return found


def _load() -> C.CDLL:
    tried = []
    for path in _candidates():
        try:
            return C.CDLL(path)
        except OSError as e:
            tried.append(f"{path}: {e}")
    raise ImportError(
        "liboutpaint was not found; set OUTPAINT_LIB to its path (scripts/install-c.sh installs it)\n  "
        + "\n  ".join(tried)
    )


lib = _load()

_u8p = C.POINTER(C.c_uint8)
_SIGNATURES = {
    "outpaint_version": ([], C.c_char_p),
    "outpaint_last_error_message": ([], C.c_char_p),
    "outpaint_status_name": ([C.c_uint32], C.c_char_p),
    "outpaint_bytes_free": ([C.POINTER(Bytes)], None),
    "outpaint_image_free": ([C.POINTER(ImageBuf)], None),
    "outpaint_decode_limited": ([C.c_char_p, C.c_size_t, C.POINTER(Limits), C.POINTER(ImageBuf)], C.c_uint32),
    "outpaint_encode_png": ([ImageView, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_limits_default": ([], Limits),
    "outpaint_prepare_options_default": ([], PrepareOptions),
    "outpaint_expand": ([C.c_uint32, C.c_uint32, Str, Str, C.POINTER(Expansion)], C.c_uint32),
    "outpaint_fit": ([C.POINTER(Expansion), Str, Str, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_fit_registry": ([C.POINTER(Expansion), Str, Str, Str, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_prepare": (
        [ImageView, C.POINTER(PrepareOptions), C.POINTER(ImageBuf), C.POINTER(Bytes), C.POINTER(Bytes)],
        C.c_uint32,
    ),
    "outpaint_composite": (
        [ImageView, ImageView, Str, C.c_uint32, C.c_uint32, Str, C.POINTER(ImageBuf)],
        C.c_uint32,
    ),
    "outpaint_composite_report": (
        [ImageView, ImageView, Str, Str, C.POINTER(ImageBuf), C.POINTER(Bytes)],
        C.c_uint32,
    ),
    "outpaint_run_local": ([ImageView, C.POINTER(PrepareOptions), C.POINTER(ImageBuf)], C.c_uint32),
    "outpaint_registry": ([Str, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_context_prompt": ([Str, Str, Str, Str, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_session_normalize": ([Str, C.POINTER(Bytes)], C.c_uint32),
    "outpaint_engine_new": (
        [Str, Str, C.c_char_p, C.c_size_t, C.c_uint64, C.c_uint64, C.POINTER(C.c_void_p)],
        C.c_uint32,
    ),
    "outpaint_engine_free": ([C.c_void_p], None),
    "outpaint_engine_poll_effect": ([C.c_void_p, C.c_uint64, C.POINTER(Effect)], C.c_uint32),
    "outpaint_engine_poll_timeout": ([C.c_void_p, C.POINTER(C.c_bool), C.POINTER(C.c_uint64)], C.c_uint32),
    "outpaint_engine_handle_timeout": ([C.c_void_p, C.c_uint64], C.c_uint32),
    "outpaint_engine_poll_outcome": ([C.c_void_p, C.POINTER(Outcome)], C.c_uint32),
    "outpaint_engine_poll_event": ([C.c_void_p, C.POINTER(Event)], C.c_uint32),
    "outpaint_engine_effect_model": ([C.c_void_p, C.c_uint64, C.POINTER(Str)], C.c_uint32),
    "outpaint_engine_event_model": ([C.c_void_p, C.POINTER(Str)], C.c_uint32),
    "outpaint_engine_handle_get": ([C.c_void_p, C.c_uint64, C.c_bool, C.c_char_p, C.c_size_t, Str], C.c_uint32),
    "outpaint_engine_handle_put": ([C.c_void_p, C.c_uint64, C.c_bool, Str], C.c_uint32),
    "outpaint_engine_handle_list": ([C.c_void_p, C.c_uint64, C.POINTER(Str), C.c_size_t], C.c_uint32),
    "outpaint_engine_handle_storage_error": ([C.c_void_p, C.c_uint64, Str], C.c_uint32),
    "outpaint_engine_handle_image": ([C.c_void_p, C.c_uint64, C.c_char_p, C.c_size_t], C.c_uint32),
    "outpaint_engine_handle_failure": ([C.c_void_p, C.c_uint64, C.c_uint32, Str, C.c_uint64], C.c_uint32),
    "outpaint_engine_handle_local": ([C.c_void_p, C.c_uint64], C.c_uint32),
    "outpaint_engine_handle_response": (
        [C.c_void_p, C.c_uint64, C.c_uint16, C.POINTER(Header), C.c_size_t, C.c_char_p, C.c_size_t],
        C.c_uint32,
    ),
    "outpaint_engine_handle_transport_error": ([C.c_void_p, C.c_uint64, C.c_bool, Str], C.c_uint32),
}
for _name, (_args, _ret) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.argtypes = _args
    _f.restype = _ret

# --- errors -------------------------------------------------------------------------------


class OutpaintError(Exception):
    """An error from liboutpaint: `code` is the SPEC's stable code (`INVALID_TARGET`, ...),
    `message` the detail without it."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def error(status: int) -> OutpaintError:
    """The exception for a failed call's `status` (read on the calling thread)."""
    code = lib.outpaint_status_name(status).decode()
    text = lib.outpaint_last_error_message().decode("utf-8", "replace")
    prefix = code + ": "
    return OutpaintError(code, text[len(prefix):] if text.startswith(prefix) else text)


def check(status: int) -> None:
    """Raises `OutpaintError` unless `status` is OK."""
    if status != 0:
        raise error(status)


def take_bytes(b: Bytes) -> bytes:
    """Copies library-owned bytes out and frees them."""
    try:
        return C.string_at(b.data, b.len) if b.len else b""
    finally:
        lib.outpaint_bytes_free(C.byref(b))


def take_image(img: ImageBuf) -> tuple[int, int, bytes]:
    """Copies a library-owned image out and frees it."""
    try:
        return img.width, img.height, C.string_at(img.data, img.len)
    finally:
        lib.outpaint_image_free(C.byref(img))


def view_bytes(ptr, n: int) -> bytes:
    """A copy of `n` bytes a view points at (b"" for NULL)."""
    return C.string_at(ptr, n) if n and ptr else b""


def raw(v: Str) -> bytes | None:
    """The bytes a library-owned view points at (None when not given). Read by address and
    length: the library's strings are not NUL-terminated."""
    addr = C.cast(C.pointer(v), C.POINTER(C.c_void_p)).contents.value
    if not addr:
        return None
    return C.string_at(addr, v.len)


def text(v: Str) -> str | None:
    """A library-owned view as a Python string (None when not given)."""
    b = raw(v)
    return None if b is None else b.decode("utf-8", "replace")
