"""The session engine from Python: `run` drives one operation (generate, iterate, outpaint,
status, gallery) to its end, performing its effects with the host's store, provider and
HTTP transport. Storage runs on the calling thread; provider calls and HTTP exchanges run
side by side on a thread pool (the engine takes answers from any thread), so a generate
over four models waits for the slowest, not for their sum."""

from __future__ import annotations

import ctypes as C
import hashlib
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import _native as N

#: The `expect` of a write that must create its key.
ABSENT = object()


class MemoryStore:
    """A store in a dict: key -> (bytes, tag). Conditional writes are checked under a lock."""

    def __init__(self):
        self.items: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._n = 0

    def get(self, key: str):
        """`(bytes, tag)`, or None for a missing key."""
        with self._lock:
            return self.items.get(key)

    def put(self, key: str, body: bytes, expect):
        """Writes unless `expect` fails (None = any, `ABSENT`, or the tag the key must
        have); the new tag, or None when the precondition did not hold."""
        with self._lock:
            current = self.items.get(key)
            if expect is ABSENT and current is not None:
                return None
            if isinstance(expect, str) and (current is None or current[1] != expect):
                return None
            self._n += 1
            tag = f"v{self._n}"
            self.items[key] = (bytes(body), tag)
            return tag

    def list(self, prefix: str) -> list[str]:
        """The keys that start with `prefix`."""
        with self._lock:
            return sorted(k for k in self.items if k.startswith(prefix))


class FolderStore:
    """A store in a folder: key `a/b.json` is `ROOT/a/b.json`, the tag a hash of the file's
    bytes, writes go to a temporary file renamed into place. One process at a time (the
    CLI's `--store DIR` adds a lock for many)."""

    def __init__(self, root):
        self.root = Path(root)
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        if not key or ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"refused key {key!r}")
        return self.root / key

    @staticmethod
    def _tag(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:32]

    def get(self, key: str):
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return data, self._tag(data)

    def put(self, key: str, body: bytes, expect):
        path = self._path(key)
        with self._lock:
            current = self.get(key)
            if expect is ABSENT and current is not None:
                return None
            if isinstance(expect, str) and (current is None or current[1] != expect):
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.tmp{os.getpid()}-{threading.get_ident()}")
            tmp.write_bytes(body)
            os.replace(tmp, path)
            return self._tag(bytes(body))

    def list(self, prefix: str) -> list[str]:
        if not self.root.exists():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix) and ".tmp" not in k)


@dataclass(frozen=True)
class Job:
    """A whole provider job (a CALL effect): what a provider callable receives."""

    model: str
    job: str  # "generate", "iterate" or "outpaint"
    prompt: str
    source: bytes  # b"" for a generate without a starting image
    source_mime: str | None
    canvas_png: bytes  # outpaint: the pre-filled canvas in the sent geometry
    mask_png: bytes  # outpaint: 255 = generate
    target: str | None
    direction: str | None
    plan: dict | None


class ProviderFailure(Exception):
    """Raised by a provider callable: `kind` is one of `rejected`, `transient` (retried),
    `timeout`, `content_policy`, `auth`, `quota`; `retry_after_ms` the wait it asked for."""

    def __init__(self, kind: str, message: str, retry_after_ms: int = 0):
        if kind not in N.FAILURES:
            raise ValueError(f"unknown failure kind {kind!r} (known: {', '.join(N.FAILURES)})")
        super().__init__(message)
        self.kind = kind
        self.retry_after_ms = retry_after_ms


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP exchange the engine asks for (models with a provider config)."""

    model: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    timeout_ms: int
    max_response_bytes: int
    follow_redirects: bool


@dataclass
class HttpResponse:
    """A transport's answer."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class TransportError(Exception):
    """Raised by a transport for no response at all (`timeout` when time ran out)."""

    def __init__(self, message: str, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def urllib_transport(request: HttpRequest) -> HttpResponse:
    """The standard library's HTTP client as a transport: no redirects followed when the
    request carries a key (a 3xx is answered as it is), the timeout and the response size
    limit applied."""
    handlers = [] if request.follow_redirects else [_NoRedirect()]
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(request.url, data=request.body or None, method=request.method)
    for name, value in request.headers:
        req.add_header(name, value)
    try:
        resp = opener.open(req, timeout=request.timeout_ms / 1000)
    except urllib.error.HTTPError as e:
        resp = e
    except TimeoutError as e:
        raise TransportError(str(e) or "timed out", timeout=True) from e
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise TransportError(str(reason), timeout=isinstance(reason, TimeoutError)) from e
    with resp:
        body = resp.read(request.max_response_bytes + 1)
        if len(body) > request.max_response_bytes:
            raise TransportError(f"response body over {request.max_response_bytes} bytes")
        return HttpResponse(resp.status, list(resp.headers.items()), body)


def _now_ms() -> int:
    return int(time.time() * 1000)


def run(
    operation: dict,
    *,
    store,
    provider="local",
    http=urllib_transport,
    config: dict | None = None,
    image: bytes | None = None,
    seed: int | None = None,
    now_ms=_now_ms,
    sleep=time.sleep,
    on_event=None,
    workers: int = 4,
) -> dict:
    """Runs `operation` (`{"op": "generate", "prompt": ..., "models": [...]}`, `iterate`,
    `outpaint`, `status`, `gallery`) to its end and returns its outcome (the session
    JSON as a dict). `store` has `get`/`put`/`list` (`MemoryStore`, `FolderStore`, or your
    own); `provider` is `"local"` (the built-in offline provider) or a callable taking a
    `Job` and returning image bytes; `http` performs the exchanges of models that have a
    provider config in `config` (`{"providers": {"flux": {"apiKey": ...}}}`). Raises
    `OutpaintError` with the operation's code when it fails. `now_ms` and `sleep` are the
    clock (a test passes a fake one); `seed` the randomness (session ids), random when
    None; `on_event` hears progress (`{"kind": "polling" | "retrying", "model", ...}`)."""
    seed = secrets.randbits(64) if seed is None else seed
    image = b"" if image is None else bytes(image)
    handle = C.c_void_p()
    N.check(
        N.lib.outpaint_engine_new(
            N.s(json.dumps(operation)),
            N.s(None if config is None else json.dumps(config)),
            image or None,
            len(image),
            now_ms(),
            seed,
            C.byref(handle),
        )
    )
    engine = handle.value
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="outpaint")
    pending = set()
    try:
        while True:
            _events(engine, on_event)
            outcome = N.Outcome()
            N.check(N.lib.outpaint_engine_poll_outcome(engine, C.byref(outcome)))
            if outcome.done:
                text = N.text(outcome.text) or ""
                if outcome.status != 0:
                    code = N.lib.outpaint_status_name(outcome.status).decode()
                    raise N.OutpaintError(code, text[len(code) + 2:] if text.startswith(code + ": ") else text)
                return json.loads(text)
            effect = N.Effect()
            N.check(N.lib.outpaint_engine_poll_effect(engine, now_ms(), C.byref(effect)))
            if effect.kind != N.EFFECT_NONE:
                work = _perform(engine, effect, store, provider, http)
                if work is not None:
                    pending.add(pool.submit(work))
                continue
            has, deadline = C.c_bool(), C.c_uint64()
            N.check(N.lib.outpaint_engine_poll_timeout(engine, C.byref(has), C.byref(deadline)))
            wait_s = max(0.0, (deadline.value - now_ms()) / 1000) if has.value else None
            if pending:
                done, pending = wait(pending, timeout=wait_s, return_when=FIRST_COMPLETED)
                for f in done:
                    f.result()  # a bug in an answer is raised here, not lost
            elif wait_s is not None:
                sleep(wait_s)
            else:
                raise N.OutpaintError("PROVIDER_ERROR", "the engine waits for nothing and has no outcome (a bug in outpaint)")
            if has.value:
                N.lib.outpaint_engine_handle_timeout(engine, now_ms())
    finally:
        pool.shutdown(wait=True, cancel_futures=False)
        N.lib.outpaint_engine_free(engine)


def _events(engine, on_event) -> None:
    while True:
        ev = N.Event()
        N.check(N.lib.outpaint_engine_poll_event(engine, C.byref(ev)))
        if ev.kind == 0:
            return
        if on_event is not None:
            name = N.Str()
            N.check(N.lib.outpaint_engine_event_model(engine, C.byref(name)))
            on_event({"kind": N.EVENTS[ev.kind], "model": N.text(name), "polls": ev.polls, "ms": ev.ms,
                      "message": N.text(ev.message)})


def _model(engine, eid) -> str:
    """The column's name of effect `eid` (a registry patch's own columns included)."""
    name = N.Str()
    N.check(N.lib.outpaint_engine_effect_model(engine, eid, C.byref(name)))
    return N.text(name) or ""


def _perform(engine, effect: N.Effect, store, provider, http):
    """Answers a storage effect now; returns the work for a CALL or HTTP effect (its
    inputs copied out of the effect's views first) to run on the pool."""
    eid, kind, d = effect.id, effect.kind, effect.data
    if kind in (N.EFFECT_GET, N.EFFECT_PUT, N.EFFECT_LIST):
        _storage(engine, eid, kind, d, store)
        return None
    if kind == N.EFFECT_CALL:
        c = d.call
        if provider == "local":
            N.lib.outpaint_engine_handle_local(engine, eid)
            return None
        plan = N.text(c.plan_json)
        job = Job(_model(engine, eid), N.JOBS[c.job], N.text(c.prompt) or "", N.view_bytes(c.source, c.source_len),
                  N.text(c.source_mime), N.view_bytes(c.canvas_png, c.canvas_png_len),
                  N.view_bytes(c.mask_png, c.mask_png_len), N.text(c.target), N.text(c.direction),
                  json.loads(plan) if plan else None)
        return lambda: _call(engine, eid, job, provider)
    if kind == N.EFFECT_HTTP:
        h = d.http
        req = HttpRequest(_model(engine, eid), N.METHODS[h.method], N.text(h.url) or "",
                          [(N.text(h.headers[i].name), N.text(h.headers[i].value)) for i in range(h.header_count)],
                          N.view_bytes(h.body, h.body_len), h.timeout_ms, h.max_response_bytes, bool(h.follow_redirects))
        return lambda: _exchange(engine, eid, req, http)
    raise N.OutpaintError("INVALID_OPTION", f"unknown effect kind {kind}")


def _storage(engine, eid, kind, d, store) -> None:
    try:
        if kind == N.EFFECT_GET:
            got = store.get(N.text(d.get.key))
            if got is None:
                N.lib.outpaint_engine_handle_get(engine, eid, False, None, 0, N.s(None))
            else:
                body, tag = got
                N.lib.outpaint_engine_handle_get(engine, eid, True, bytes(body), len(body), N.s(tag))
        elif kind == N.EFFECT_PUT:
            p = d.put
            expect = None if p.expect == N.EXPECT_ANY else ABSENT if p.expect == N.EXPECT_ABSENT else N.text(p.expect_tag)
            tag = store.put(N.text(p.key), N.view_bytes(p.body, p.body_len), expect)
            N.lib.outpaint_engine_handle_put(engine, eid, tag is not None, N.s(tag))
        else:
            keys = [N.s(k) for k in store.list(N.text(d.list.prefix) or "")]
            arr = (N.Str * len(keys))(*keys)
            N.lib.outpaint_engine_handle_list(engine, eid, arr, len(keys))
    except Exception as e:  # the store's failure is the operation's STORAGE_ERROR
        N.lib.outpaint_engine_handle_storage_error(engine, eid, N.s(f"{type(e).__name__}: {e}"))


def _call(engine, eid, job: Job, provider) -> None:
    try:
        data = bytes(provider(job))
    except ProviderFailure as e:
        N.lib.outpaint_engine_handle_failure(engine, eid, N.FAILURES.index(e.kind), N.s(str(e)), e.retry_after_ms)
        return
    except Exception as e:
        N.lib.outpaint_engine_handle_failure(engine, eid, 0, N.s(f"{type(e).__name__}: {e}"), 0)
        return
    N.lib.outpaint_engine_handle_image(engine, eid, data, len(data))


def _exchange(engine, eid, req: HttpRequest, http) -> None:
    try:
        resp = http(req)
    except TransportError as e:
        N.lib.outpaint_engine_handle_transport_error(engine, eid, e.timeout, N.s(str(e)))
        return
    except Exception as e:
        N.lib.outpaint_engine_handle_transport_error(engine, eid, False, N.s(f"{type(e).__name__}: {e}"))
        return
    headers = [N.Header(N.s(k.lower()), N.s(v)) for k, v in resp.headers]
    arr = (N.Header * len(headers))(*headers)
    body = bytes(resp.body)
    N.lib.outpaint_engine_handle_response(engine, eid, resp.status, arr, len(headers), body, len(body))
