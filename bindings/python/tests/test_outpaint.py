"""The Python module over liboutpaint: expand, prepare, composite, the offline run and
sessions, with Pillow and numpy pictures, and every bad input's code. Run with
`python -m unittest discover bindings/python/tests` and OUTPAINT_LIB set to the library
(scripts/python-tests.sh does both)."""

import io
import json
import threading
import time
import unittest
from pathlib import Path
import tempfile

import numpy as np
from PIL import Image as PILImage

import outpaint

ROOT = Path(__file__).resolve().parents[3]
LAKE = ROOT / "examples/images/lake.jpg"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


def lake_pil():
    return PILImage.open(LAKE)


class FakeClock:
    """A clock that moves only when slept on: retries and polls take no real time."""

    def __init__(self):
        self.t = 1_767_225_600_000  # 2026-01-01T00:00:00Z
        self.slept = []

    def now_ms(self):
        return self.t

    def sleep(self, seconds):
        self.slept.append(round(seconds * 1000))
        self.t += round(seconds * 1000)


class Geometry(unittest.TestCase):
    def test_version_is_the_workspace_version(self):
        cargo = (ROOT / "Cargo.toml").read_text()
        want = next(l.split('"')[1] for l in cargo.splitlines() if l.startswith("version = "))
        self.assertEqual(outpaint.version(), want)

    def test_expand(self):
        self.assertEqual(
            outpaint.expand(1024, 1024, "16:9"),
            {"left": 398, "right": 398, "top": 0, "bottom": 0, "new_width": 1820, "new_height": 1024},
        )
        self.assertEqual(outpaint.expand(100, 100, "edges:1,2,3,4")["new_width"], 103)
        self.assertEqual(outpaint.expand(1024, 768, "16:9", "left")["left"], 0)

    def test_expand_errors(self):
        for args, code in [
            ((0, 5, "16:9"), "INVALID_DIMENSIONS"),
            ((-1, 5, "16:9"), "INVALID_DIMENSIONS"),
            ((5.5, 5, "16:9"), "INVALID_DIMENSIONS"),
            ((10, 10, "sideways"), "INVALID_TARGET"),
            ((10, 10, "16:9", "upstairs"), "INVALID_OPTION"),
        ]:
            with self.subTest(args=args), self.assertRaises(outpaint.OutpaintError) as cm:
                outpaint.expand(*args)
            self.assertEqual(cm.exception.code, code)
            self.assertFalse(cm.exception.message.startswith(code), cm.exception.message)
            self.assertTrue(str(cm.exception).startswith(code + ": "))

    def test_fit(self):
        e = outpaint.expand(1024, 768, "16:9")
        plan = outpaint.fit(e, "16:9", "openai")
        self.assertEqual(plan["size"], {"width": 1376, "height": 768})
        with self.assertRaises(outpaint.OutpaintError) as cm:
            outpaint.fit(e, "16:9", "no-such-profile")
        self.assertEqual(cm.exception.code, "INVALID_OPTION")
        with self.assertRaises(outpaint.OutpaintError) as cm:
            outpaint.fit({"left": 1}, "16:9", "full")
        self.assertEqual(cm.exception.code, "INVALID_OPTION")


class Pictures(unittest.TestCase):
    def test_prepare_from_pillow(self):
        im = lake_pil()
        p = outpaint.prepare(im, "16:9", fill="blur", feather=32, profile="openai")
        # lake.jpg (768x768) to 16:9 for gpt-image-2: 1365x768 padded to 1376x768.
        self.assertEqual((p.canvas.width, p.canvas.height), (1376, 768))
        self.assertEqual((p.mask.width, p.mask.height), (1376, 768))
        self.assertEqual(len(p.canvas.data), 1376 * 768 * 4)
        self.assertEqual(p.plan["size"], {"width": 1376, "height": 768})
        canvas, mask = p.canvas.to_numpy(), p.mask.to_numpy()
        self.assertEqual(canvas.shape, (768, 1376, 4))
        left = p.plan["image"]["x"]  # where the original sits on the sent canvas (padding included)
        self.assertEqual(left, 303)
        original = np.asarray(im.convert("RGBA"))
        # The original is on the canvas unchanged, the mask keeps it and generates the new area.
        np.testing.assert_array_equal(canvas[:, left + 100 : left + 668], original[:, 100:668])
        self.assertEqual(int(mask[384, left + 384]), 0)
        self.assertEqual(int(mask[384, 0]), 255)
        self.assertEqual(p.mask.to_pil().mode, "L")
        self.assertEqual(p.canvas.to_pil().size, (1376, 768))

    def test_every_kind_of_input_gives_the_same_canvas(self):
        im = lake_pil()
        want = outpaint.prepare(im, "16:9", fill="edge").canvas
        for source in [
            np.asarray(im),  # (h, w, 3)
            np.asarray(im.convert("RGBA")),
            outpaint.as_image(im),
            im.convert("RGBA"),
        ]:
            with self.subTest(kind=type(source).__name__):
                self.assertEqual(outpaint.prepare(source, "16:9", fill="edge").canvas, want)
        # Encoded bytes are decoded by the library (its JPEG decoder, not Pillow's).
        data = LAKE.read_bytes()
        self.assertEqual(outpaint.prepare(data, "16:9").canvas, outpaint.prepare(outpaint.decode(data), "16:9").canvas)

    def test_decode_and_png_round_trip(self):
        img = outpaint.decode(LAKE.read_bytes())
        self.assertEqual((img.width, img.height), (768, 768))
        back = PILImage.open(io.BytesIO(img.png()))
        self.assertEqual(back.size, (768, 768))
        self.assertEqual(outpaint.decode(img.png()), img)
        np.testing.assert_array_equal(np.asarray(img), np.asarray(back.convert("RGBA")))

    def test_composite_keeps_the_original(self):
        im = lake_pil()
        p = outpaint.prepare(im, "16:9", fill="blur", profile="openai")
        # A provider that answers with the canvas it was sent, brighter in the new area.
        answer = p.canvas.to_numpy()
        answer[:, :, :3] = np.clip(answer[:, :, :3].astype(int) + 20, 0, 255).astype(np.uint8)
        out = outpaint.composite(im, PILImage.fromarray(answer, "RGBA"), p.plan, feather=32)
        self.assertEqual((out.width, out.height), (1365, 768))
        left = p.plan["expansion"]["left"]
        o, r = np.asarray(im.convert("RGBA")), out.to_numpy()
        # Outside the feathered band the original survives byte for byte.
        np.testing.assert_array_equal(r[:, left + 64 : left + 768 - 64], o[:, 64:-64])
        img, report = outpaint.composite_report(im, answer, p.plan, {"feather": 32, "colour": "global"})
        self.assertEqual(img, outpaint.composite_report(im, answer, json.dumps(p.plan), {"feather": 32, "colour": "global"})[0])
        for key in ("seamJump", "colourStep", "deltaE", "bandSharpness", "residualCast", "edges"):
            self.assertIn(key, report)
        self.assertEqual({e["edge"] for e in report["edges"]}, {"left", "right"})

    def test_run_local(self):
        out = outpaint.run_local(lake_pil(), "16:9", fill="blur", feather=32)
        self.assertEqual((out.width, out.height), (1365, 768))
        self.assertEqual(out.to_numpy()[:, :, 3].min(), 255, "the offline fill leaves no transparent pixel")

    def test_bad_inputs_have_their_codes(self):
        im = lake_pil()
        cases = [
            (lambda: outpaint.prepare(b"not an image", "16:9"), "UNSUPPORTED_FORMAT"),
            (lambda: outpaint.prepare(LAKE.read_bytes()[:5000], "16:9"), "CORRUPT_IMAGE"),
            (lambda: outpaint.prepare(im, "16:9", fill="plaid"), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", feather=-1), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", feather="wide"), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", colour=True), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", fill=3), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "3:"), "INVALID_TARGET"),
            (lambda: outpaint.prepare(np.zeros((4, 4, 2), np.uint8), "16:9"), "INVALID_DIMENSIONS"),
            (lambda: outpaint.prepare(np.zeros((4, 4, 4), np.float32), "16:9"), "INVALID_OPTION"),
            (lambda: outpaint.prepare(42, "16:9"), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", limits={"max_memory_bytes": 1_000_000}), "IMAGE_TOO_LARGE"),
            (lambda: outpaint.prepare(im, "16:9", limits={"max_pixels": 1000}), "IMAGE_TOO_LARGE"),
            (lambda: outpaint.prepare(LAKE.read_bytes(), "16:9", limits={"max_bytes": 1000}), "IMAGE_TOO_LARGE"),
            (lambda: outpaint.prepare(im, "16:9", limits={"max_ram": 1}), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", limits={"max_side": -1}), "INVALID_OPTION"),
            # 2^32 would wrap to 0 in the C field: refused, not a silent limit of 0.
            (lambda: outpaint.prepare(im, "16:9", limits={"max_side": 2**32}), "INVALID_OPTION"),
            (lambda: outpaint.prepare(im, "16:9", limits={"max_memory_bytes": 2**64}), "INVALID_OPTION"),
            (lambda: outpaint.composite(im, im, {"not": "a plan"}), "INVALID_OPTION"),
            (lambda: outpaint.composite(im, im, {}, feather=-1), "INVALID_OPTION"),
            (lambda: outpaint.composite(im, im, "{"), "INVALID_OPTION"),
            (lambda: outpaint.run_local(im, "16:9", limits={"max_memory_bytes": 10}), "IMAGE_TOO_LARGE"),
            (lambda: outpaint.decode(b""), "UNSUPPORTED_FORMAT"),
            (lambda: outpaint.registry({"models": 5}), "INVALID_OPTION"),
            (lambda: outpaint.session_normalize("{broken"), "STORAGE_ERROR"),
        ]
        for i, (call, code) in enumerate(cases):
            with self.subTest(case=i, code=code), self.assertRaises(outpaint.OutpaintError) as cm:
                call()
            self.assertEqual(cm.exception.code, code, str(cm.exception))
        # The budget's refusal names both figures.
        with self.assertRaises(outpaint.OutpaintError) as cm:
            outpaint.prepare(im, "16:9", limits={"max_memory_bytes": 1_000_000})
        self.assertIn("budget", cm.exception.message)


class Sessions(unittest.TestCase):
    def test_generate_iterate_outpaint_with_the_local_provider(self):
        store, clock = outpaint.MemoryStore(), FakeClock()
        kw = dict(store=store, now_ms=clock.now_ms, sleep=clock.sleep, seed=7)
        g = outpaint.run({"op": "generate", "prompt": "  a lake at dawn ", "models": ["flux", "openai"]},
                         image=LAKE.read_bytes(), **kw)
        s = g["session"]
        self.assertRegex(s["sessionId"], UUID)
        self.assertEqual(s["prompt"], "a lake at dawn")
        self.assertEqual(s["status"], "completed")
        self.assertEqual(s["createdAt"], "2026-01-01T00:00:00.000Z")
        self.assertEqual(s["models"]["recraft"]["status"], "disabled")
        it = outpaint.run({"op": "iterate", "sessionId": s["sessionId"], "model": "flux", "prompt": "add a boat"}, **kw)
        self.assertEqual(it["iterationIndex"], 1)
        out = outpaint.run({"op": "outpaint", "sessionId": s["sessionId"], "model": "flux", "preset": "16:9",
                            "iterationIndex": 0}, **kw)
        step = out["session"]["models"]["flux"]["iterations"][2]
        self.assertTrue(step["isOutpaint"])
        self.assertEqual(step["outpaintPreset"], "16:9")
        result = outpaint.decode(store.get(step["imageKey"])[0])
        self.assertEqual((result.width, result.height), (1365, 768))
        original = outpaint.decode(store.get(s["models"]["flux"]["iterations"][0]["imageKey"])[0])
        left = outpaint.expand(768, 768, "16:9")["left"]
        np.testing.assert_array_equal(result.to_numpy()[:, left + 64 : left + 704], original.to_numpy()[:, 64:704])
        # The stored document is what run answered.
        self.assertEqual(json.loads(store.get(f"sessions/{s['sessionId']}/status.json")[0]), out["session"])
        status = outpaint.run({"op": "status", "sessionId": s["sessionId"]}, **kw)
        self.assertEqual(status["session"], out["session"])
        gallery = outpaint.run({"op": "gallery"}, **kw)
        self.assertEqual([e["sessionId"] for e in gallery["gallery"]], [s["sessionId"]])
        self.assertEqual(gallery["gallery"][0]["totalIterations"], 4)

    def test_folder_store_on_disk(self):
        with tempfile.TemporaryDirectory() as d:
            store = outpaint.FolderStore(d)
            g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["gemini"]}, store=store,
                             image=LAKE.read_bytes())
            sid = g["session"]["sessionId"]
            on_disk = json.loads((Path(d) / f"sessions/{sid}/status.json").read_text())
            self.assertEqual(on_disk, g["session"])
            again = outpaint.run({"op": "status", "sessionId": sid}, store=outpaint.FolderStore(d))
            self.assertEqual(again["session"], g["session"])

    def test_provider_callables_run_side_by_side(self):
        lock, state = threading.Lock(), {"now": 0, "max": 0, "jobs": []}
        png = outpaint.encode_png(outpaint.decode(LAKE.read_bytes()))

        def provider(job):
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
                state["jobs"].append((job.model, job.job, job.prompt))
            time.sleep(0.2)
            with lock:
                state["now"] -= 1
            return png

        g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["flux", "recraft", "gemini", "openai"]},
                         store=outpaint.MemoryStore(), provider=provider)
        self.assertEqual(g["session"]["status"], "completed")
        self.assertEqual(sorted(j[0] for j in state["jobs"]), ["flux", "gemini", "openai", "recraft"])
        self.assertEqual({j[1:] for j in state["jobs"]}, {("generate", "a lake")})
        self.assertGreaterEqual(state["max"], 2, "the four provider calls overlapped")

    def test_outpaint_job_carries_canvas_mask_and_plan(self):
        store, seen = outpaint.MemoryStore(), []
        g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["recraft"]}, store=store,
                         image=LAKE.read_bytes())

        def provider(job):
            seen.append(job)
            return job.canvas_png

        out = outpaint.run({"op": "outpaint", "sessionId": g["session"]["sessionId"], "model": "recraft",
                            "preset": "16:9", "iterationIndex": 0}, store=store, provider=provider)
        (job,) = seen
        self.assertEqual(job.job, "outpaint")
        self.assertEqual(job.target, "16:9")
        self.assertEqual(job.plan["expansion"]["newWidth"], 1365)
        canvas, mask = outpaint.decode(job.canvas_png), outpaint.decode(job.mask_png)
        self.assertEqual((canvas.width, canvas.height), (mask.width, mask.height))
        self.assertEqual(out["session"]["models"]["recraft"]["iterations"][1]["status"], "completed")

    def test_provider_failures_are_recorded_with_their_codes(self):
        store, clock = outpaint.MemoryStore(), FakeClock()
        g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["gemini"]}, store=store,
                         image=LAKE.read_bytes(), now_ms=clock.now_ms, sleep=clock.sleep)
        sid = g["session"]["sessionId"]
        calls = []

        def flaky(job):
            calls.append(job)
            if len(calls) == 1:
                raise outpaint.ProviderFailure("transient", "503 busy")
            return outpaint.encode_png(outpaint.decode(job.source))

        it = outpaint.run({"op": "iterate", "sessionId": sid, "model": "gemini", "prompt": "warmer"}, store=store,
                          provider=flaky, now_ms=clock.now_ms, sleep=clock.sleep)
        self.assertEqual(it["stats"]["providerRetries"], 1)
        self.assertIn(2000, clock.slept)
        for kind, code in [("content_policy", "CONTENT_POLICY"), ("auth", "PROVIDER_AUTH"), ("quota", "QUOTA_EXCEEDED")]:
            def refuse(job, kind=kind):
                raise outpaint.ProviderFailure(kind, "no: key sk-abcdefghijklmnopqrstuvwx")

            with self.subTest(kind=kind):
                r = outpaint.run({"op": "iterate", "sessionId": sid, "model": "gemini", "prompt": "cooler"},
                                 store=store, provider=refuse, now_ms=clock.now_ms, sleep=clock.sleep)
                step = r["session"]["models"]["gemini"]["iterations"][r["iterationIndex"]]
                self.assertEqual(step["status"], "error")
                self.assertTrue(step["error"].startswith(code + ": "), step["error"])
                self.assertNotIn("sk-abcdefghijklmnopqrstuvwx", step["error"])
        with self.assertRaises(ValueError):
            outpaint.ProviderFailure("sulking", "x")

    def test_operation_errors_raise_their_codes(self):
        store = outpaint.MemoryStore()
        cases = [
            ({"op": "status", "sessionId": "not-a-uuid"}, "INVALID_SESSION_ID"),
            ({"op": "status", "sessionId": "2f0e7f64-8a2e-4c1b-9d5e-3f1a2b3c4d5e"}, "SESSION_NOT_FOUND"),
            ({"op": "generate", "prompt": "   ", "models": ["flux"]}, "PROMPT_REQUIRED"),
            ({"op": "generate", "prompt": "x" * 1001, "models": ["flux"]}, "PROMPT_TOO_LONG"),
            ({"op": "generate", "prompt": "x", "models": ["dalle"]}, "MODEL_NOT_FOUND"),
            ({"op": "dance"}, "INVALID_OPTION"),
        ]
        for op, code in cases:
            with self.subTest(op=op), self.assertRaises(outpaint.OutpaintError) as cm:
                outpaint.run(op, store=store)
            self.assertEqual(cm.exception.code, code, str(cm.exception))

    def test_a_failing_store_is_storage_error(self):
        class Broken(outpaint.MemoryStore):
            def put(self, key, body, expect):
                raise OSError("disk full")

        with self.assertRaises(outpaint.OutpaintError) as cm:
            outpaint.run({"op": "generate", "prompt": "a lake", "models": ["flux"]}, store=Broken(),
                         image=LAKE.read_bytes())
        self.assertEqual(cm.exception.code, "STORAGE_ERROR")
        self.assertIn("disk full", cm.exception.message)


class RealHttp(unittest.TestCase):
    """The engine's own HTTP exchanges through the standard library's client, against the
    project's mock of the four providers (tests/mock, a real HTTP server on 127.0.0.1 that
    checks every request field by field)."""

    def test_every_provider_outpaints_through_urllib(self):
        import subprocess

        mock = subprocess.Popen(["node", str(ROOT / "tests/mock/serve.mjs")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        try:
            info = json.loads(mock.stdout.readline())
            url, keys = info["url"], info["keys"]
            for model in ["flux", "recraft", "gemini", "openai"]:
                with self.subTest(model=model):
                    config = {"providers": {model: {"apiKey": keys[model], "baseUrl": url, "pollIntervalMs": 5}}}
                    store = outpaint.MemoryStore()
                    g = outpaint.run({"op": "generate", "prompt": "a lake at dawn", "models": [model]}, store=store,
                                     config=config, image=LAKE.read_bytes())
                    self.assertEqual(g["session"]["status"], "completed", json.dumps(g["session"]))
                    out = outpaint.run({"op": "outpaint", "sessionId": g["session"]["sessionId"], "model": model,
                                        "preset": "16:9", "iterationIndex": 0}, store=store, config=config)
                    step = out["session"]["models"][model]["iterations"][out["iterationIndex"]]
                    self.assertEqual(step["status"], "completed", json.dumps(step))
                    # What was uploaded is on the iteration: part, encoding, size and bytes.
                    self.assertTrue(step["sent"] and all(u["bytes"] > 0 and u["width"] > 0 for u in step["sent"]), step)
                    result = outpaint.decode(store.get(step["imageKey"])[0])
                    first = outpaint.decode(store.get(g["session"]["models"][model]["iterations"][0]["imageKey"])[0])
                    e = outpaint.expand(first.width, first.height, "16:9")
                    self.assertEqual((result.width, result.height), (e["new_width"], e["new_height"]))
                    for key in keys.values():
                        self.assertNotIn(key, json.dumps(out))
            # Columns of the host's own: one from openai on the mock's host over urllib, one its
            # provider callable answers; both stored after the four, events named.
            registry = {"columns": {"openai-proxy": {"from": "openai", "baseUrl": url, "keyDomain": "127.0.0.1"},
                                    "studio": {"adapter": "host", "outpaint": "full"}}}
            config = {"registry": registry, "providers": {"openai-proxy": {"apiKey": keys["openai"]}}}
            jobs = []

            def studio(job):
                jobs.append((job.model, job.job))
                return outpaint.encode_png(outpaint.decode(LAKE.read_bytes()))

            store = outpaint.MemoryStore()
            g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["studio", "openai-proxy"]}, store=store,
                             config=config, provider=studio)
            models = g["session"]["models"]
            self.assertEqual(list(models), ["flux", "recraft", "gemini", "openai", "openai-proxy", "studio"])
            self.assertEqual((models["openai-proxy"]["status"], models["studio"]["status"]), ("completed", "completed"))
            self.assertEqual(jobs, [("studio", "generate")])
            out = outpaint.run({"op": "outpaint", "sessionId": g["session"]["sessionId"], "model": "openai-proxy",
                                "preset": "16:9"}, store=store, config=config, provider=studio)
            step = out["session"]["models"]["openai-proxy"]["iterations"][1]
            self.assertEqual(step["status"], "completed", json.dumps(step))
            self.assertTrue(step["imageKey"].endswith("/images/openai-proxy-1.png"))
            events = []
            mock.stdin.write("429\n")
            mock.stdin.flush()
            self.assertEqual(mock.stdout.readline().strip(), "ok")
            it = outpaint.run({"op": "iterate", "sessionId": g["session"]["sessionId"], "model": "openai-proxy",
                               "prompt": "warmer"}, store=store, config={**config, "retryBackoffMs": 1},
                              on_event=events.append, sleep=lambda s: None)
            self.assertEqual(it["session"]["models"]["openai-proxy"]["iterations"][2]["status"], "completed")
            self.assertEqual([(e["kind"], e["model"]) for e in events], [("retrying", "openai-proxy")])
            with self.assertRaises(outpaint.OutpaintError) as cm:
                outpaint.run({"op": "generate", "prompt": "a lake", "models": ["midjourney"]}, store=store, config=config)
            self.assertEqual(cm.exception.code, "MODEL_NOT_FOUND")
            self.assertEqual(cm.exception.message, 'unknown model "midjourney"; expected flux, recraft, gemini, openai, '
                                                   'openai-proxy or studio')
            # A redirect to another origin is answered as it is, never followed with the key.
            store = outpaint.MemoryStore()
            config = {"providers": {"openai": {"apiKey": keys["openai"], "baseUrl": url}}}
            mock.stdin.write("redirect\n")
            mock.stdin.flush()
            self.assertEqual(mock.stdout.readline().strip(), "ok")
            g = outpaint.run({"op": "generate", "prompt": "a lake", "models": ["openai"]}, store=store, config=config)
            step = g["session"]["models"]["openai"]["iterations"][0]
            self.assertEqual(step["status"], "error")
            self.assertTrue(step["error"].startswith("PROVIDER_ERROR"), step["error"])
            self.assertNotIn(keys["openai"], step["error"])
        finally:
            mock.stdin.close()
            report = json.loads(mock.stdout.readline())
            mock.stdout.close()
            mock.wait(timeout=10)
        self.assertEqual(report["problems"], [])
        self.assertEqual(report["leaked"], 0)
        self.assertGreaterEqual(len(report["requests"]), 8, report["requests"])


class Helpers(unittest.TestCase):
    def test_registry_and_context(self):
        reg = outpaint.registry()
        self.assertIn("models", reg)
        window = {"model": "flux", "sessionId": "s", "window": [
            {"iteration": 0, "prompt": "a lake", "imageKey": "k", "timestamp": "2026-01-01T00:00:00Z"}]}
        self.assertEqual(outpaint.context_prompt(window, "flux", "now"), "Previous: a lake. Now: now")
        self.assertEqual(outpaint.context_prompt(None, "flux", "now"), "now")
        # Standalone planning reads a patched registry: a host's own profile.
        patch = {"profiles": {"studio": {"send": "canvas", "multipleOf": 64, "maxPixels": 1048576}}}
        self.assertIn("studio", outpaint.registry(patch)["profiles"])
        plan = outpaint.fit(outpaint.expand(1024, 1024, "16:9"), "16:9", "studio", registry=patch)
        self.assertEqual((plan["profile"], plan["size"]), ("studio", {"width": 1344, "height": 768}))
        p = outpaint.prepare(lake_pil(), "16:9", profile="studio", registry=patch)
        self.assertEqual((p.canvas.width % 64, p.canvas.height % 64, p.plan["profile"]), (0, 0, "studio"))
        for call in (lambda: outpaint.fit(outpaint.expand(8, 8, "16:9"), "16:9", "studio"),
                     lambda: outpaint.prepare(lake_pil(), "16:9", profile="studio"),
                     lambda: outpaint.prepare(lake_pil(), "16:9", profile="studio", registry="{}")):
            with self.assertRaises(outpaint.OutpaintError) as cm:
                call()
            self.assertEqual(cm.exception.code, "INVALID_OPTION")


class Readme(unittest.TestCase):
    def test_the_readme_snippet_runs_as_written(self):
        text = (ROOT / "README.md").read_text()
        section = text.split("### Python", 1)[1]
        snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "lake.jpg").write_bytes(LAKE.read_bytes())
            # The provider's answer: the canvas it was sent, as a provider might return it.
            p = outpaint.prepare(lake_pil(), "16:9", fill="blur", profile="openai")
            (Path(d) / "answer.png").write_bytes(p.canvas.png())
            cwd = Path.cwd()
            try:
                import os

                os.chdir(d)
                exec(compile(snippet, "README.md (Python)", "exec"), {})
                self.assertTrue((Path(d) / "canvas.png").stat().st_size > 0)
                self.assertTrue(any((Path(d) / "store/sessions").iterdir()))
            finally:
                os.chdir(cwd)


if __name__ == "__main__":
    unittest.main()
