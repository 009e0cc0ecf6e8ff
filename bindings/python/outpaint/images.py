"""Pictures and masks as the library sees them (RGBA8 rows, one byte a mask pixel), and the
ways in and out: encoded bytes, Pillow images, numpy arrays (any object with the array
interface). Pillow and numpy are optional: each is imported only when used."""

from __future__ import annotations

import ctypes as C
from dataclasses import dataclass

from . import _native as N


@dataclass(frozen=True)
class Image:
    """An RGBA8 picture: `width x height` pixels, rows top to bottom, 4 bytes a pixel."""

    width: int
    height: int
    data: bytes

    def to_pil(self):
        """A Pillow `RGBA` image (a copy)."""
        from PIL import Image as PILImage

        return PILImage.frombytes("RGBA", (self.width, self.height), self.data)

    def to_numpy(self):
        """A `(height, width, 4)` uint8 numpy array over a copy of the pixels."""
        import numpy as np

        return np.frombuffer(self.data, dtype=np.uint8).reshape(self.height, self.width, 4).copy()

    def __array__(self, dtype=None, copy=None):
        a = self.to_numpy()
        return a if dtype is None else a.astype(dtype)

    def png(self) -> bytes:
        """The picture as a PNG file."""
        return encode_png(self)


@dataclass(frozen=True)
class Mask:
    """A mask: one byte a pixel, 255 = generate, 0 = keep."""

    width: int
    height: int
    data: bytes

    def to_pil(self):
        """A Pillow `L` image (a copy)."""
        from PIL import Image as PILImage

        return PILImage.frombytes("L", (self.width, self.height), self.data)

    def to_numpy(self):
        """A `(height, width)` uint8 numpy array over a copy of the mask."""
        import numpy as np

        return np.frombuffer(self.data, dtype=np.uint8).reshape(self.height, self.width).copy()

    def __array__(self, dtype=None, copy=None):
        a = self.to_numpy()
        return a if dtype is None else a.astype(dtype)

    def png(self) -> bytes:
        """The mask as a PNG file (grey, as RGBA)."""
        grey = bytearray(len(self.data) * 4)
        for i in range(3):
            grey[i::4] = self.data
        grey[3::4] = b"\xff" * len(self.data)
        return encode_png(Image(self.width, self.height, bytes(grey)))


def limits(values: dict | None) -> N.Limits | None:
    """`outpaint_limits` from the defaults with `values` changed (`max_memory_bytes`, ...);
    None when `values` is None. An unknown key is `INVALID_OPTION`."""
    if values is None:
        return None
    out = N.lib.outpaint_limits_default()
    # The C field's width bounds each limit (ctypes would wrap a larger number silently).
    known = {name: C.sizeof(kind) * 8 for name, kind in N.Limits._fields_ if name != "size"}
    for key, value in values.items():
        if key not in known:
            raise N.OutpaintError("INVALID_OPTION", f"unknown limit {key!r} (known: {', '.join(sorted(known))})")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** known[key]:
            raise N.OutpaintError(
                "INVALID_OPTION", f"limit {key} must be a whole number from 0 to 2^{known[key]} - 1, got {value!r}"
            )
        setattr(out, key, value)
    return out


def decode(data: bytes, limits_: dict | None = None) -> Image:
    """Decodes PNG, JPEG or WebP bytes (EXIF orientation applied) within the limits."""
    data = bytes(data)
    lim = limits(limits_) or N.lib.outpaint_limits_default()
    out = N.ImageBuf()
    N.check(N.lib.outpaint_decode_limited(data, len(data), C.byref(lim), C.byref(out)))
    return Image(*N.take_image(out))


def encode_png(image) -> bytes:
    """`image` (anything `as_image` takes) as a PNG file."""
    view, _keep = _view(as_image(image))
    out = N.Bytes()
    N.check(N.lib.outpaint_encode_png(view, C.byref(out)))
    return N.take_bytes(out)


def as_image(source, limits_: dict | None = None) -> Image:
    """An `Image` from what a Python caller has: an `Image`, encoded bytes (PNG, JPEG,
    WebP), a Pillow image (any mode: converted to RGBA), or an array of shape (h, w, 4),
    (h, w, 3) or (h, w) of uint8 (numpy or anything with `__array_interface__`)."""
    if isinstance(source, Image):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return decode(bytes(source), limits_)
    if hasattr(source, "convert") and hasattr(source, "tobytes") and hasattr(source, "size"):
        rgba = source if source.mode == "RGBA" else source.convert("RGBA")
        return Image(rgba.size[0], rgba.size[1], rgba.tobytes())
    if hasattr(source, "__array_interface__"):
        import numpy as np

        a = np.asarray(source)
        if a.dtype != np.uint8:
            raise N.OutpaintError("INVALID_OPTION", f"an image array must be uint8, got {a.dtype}")
        if a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if a.ndim != 3 or a.shape[2] not in (3, 4):
            raise N.OutpaintError("INVALID_DIMENSIONS", f"an image array must be (h, w, 4), (h, w, 3) or (h, w), got {a.shape}")
        if a.shape[2] == 3:
            a = np.concatenate([a, np.full(a.shape[:2] + (1,), 255, np.uint8)], axis=2)
        return Image(a.shape[1], a.shape[0], np.ascontiguousarray(a).tobytes())
    raise N.OutpaintError(
        "INVALID_OPTION",
        f"expected an outpaint.Image, image bytes, a Pillow image or a uint8 array, got {type(source).__name__}",
    )


def _view(image: Image) -> tuple[N.ImageView, object]:
    """A view over `image`'s bytes (no copy: the library only reads them), and the object
    to keep alive while it is used."""
    keep = C.c_char_p(image.data)
    return N.ImageView(image.width, image.height, C.cast(keep, C.c_void_p), len(image.data)), keep
