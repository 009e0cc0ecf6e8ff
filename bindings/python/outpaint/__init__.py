"""outpaint for Python: image outpainting over liboutpaint (ctypes, no compiler needed).

    import outpaint
    from PIL import Image

    prepared = outpaint.prepare(Image.open("lake.jpg"), "16:9", fill="blur", profile="openai")
    prepared.canvas.to_pil().save("canvas.png")          # send canvas + mask to a provider
    result = outpaint.composite(Image.open("lake.jpg"), provider_answer_png, prepared.plan)

Pictures go in as `outpaint.Image`, encoded bytes, Pillow images or uint8 numpy arrays,
and come back as `outpaint.Image` / `outpaint.Mask` (`.to_pil()`, `.to_numpy()`,
`numpy.asarray(...)`, `.png()`). Every failure is an `OutpaintError` whose `code` is the
stable code of the SPEC. The library is found through `OUTPAINT_LIB`, beside this
package, or on the loader's path.
"""

from ._native import OutpaintError
from .engine import (
    ABSENT,
    FolderStore,
    HttpRequest,
    HttpResponse,
    Job,
    MemoryStore,
    ProviderFailure,
    TransportError,
    run,
    urllib_transport,
)
from .images import Image, Mask, as_image, decode, encode_png
from .pixels import (
    Prepared,
    composite,
    composite_report,
    context_prompt,
    expand,
    fit,
    prepare,
    registry,
    run_local,
    session_normalize,
    version,
)

__all__ = [
    "ABSENT", "FolderStore", "HttpRequest", "HttpResponse", "Image", "Job", "Mask", "MemoryStore",
    "OutpaintError", "Prepared", "ProviderFailure", "TransportError", "as_image", "composite",
    "composite_report", "context_prompt", "decode", "encode_png", "expand", "fit", "prepare",
    "registry", "run", "run_local", "session_normalize", "urllib_transport", "version",
]
