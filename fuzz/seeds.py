"""Writes the fuzz targets' seed corpora under fuzz/corpus/ (committed; rerun only to
change them): small images of every format and variant the decoder takes, made with
Pillow (an encoder outside this project), and option lines, plans, stored documents and
operations as the doors receive them. Plans and session documents come from the CLI
itself (`outpaint prepare`, `outpaint session new`), so they are the real shapes.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install Pillow
    cargo build -p outpaint-cli && /tmp/v/bin/python fuzz/seeds.py target/debug/outpaint
"""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = sys.argv[1] if len(sys.argv) > 1 else "target/debug/outpaint"


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def picture(mode="RGBA", size=(12, 8)):
    im = Image.new("RGBA", size)
    for y in range(size[1]):
        for x in range(size[0]):
            im.putpixel((x, y), (x * 20 % 256, y * 30 % 256, (x * y * 7) % 256, 255 - x * 9))
    return im.convert(mode)


def saved(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


images = {
    "rgba.png": saved(picture(), "PNG"),
    "rgb.png": saved(picture("RGB"), "PNG"),
    "grey.png": saved(picture("L"), "PNG"),
    "grey-alpha.png": saved(picture("LA"), "PNG"),
    "bits.png": saved(picture("1"), "PNG"),
    "palette.png": saved(picture("P"), "PNG"),
    "rgb16.png": saved(picture("RGB").convert("I;16"), "PNG"),
    "apng.png": saved(picture(), "PNG", save_all=True, append_images=[picture("RGBA").rotate(90)], duration=50),
    "baseline.jpg": saved(picture("RGB"), "JPEG", quality=80),
    "progressive.jpg": saved(picture("RGB"), "JPEG", quality=80, progressive=True),
    "grey.jpg": saved(picture("L"), "JPEG"),
    "cmyk.jpg": saved(picture("RGB").convert("CMYK"), "JPEG"),
    "lossy.webp": saved(picture(), "WEBP", quality=70),
    "lossless.webp": saved(picture(), "WEBP", lossless=True),
    "animated.webp": saved(picture(), "WEBP", save_all=True, append_images=[picture().rotate(90)], duration=50),
}
# EXIF orientation 6 (a quarter turn) on a JPEG.
exif = Image.Exif()
exif[0x0112] = 6
images["exif-rotated.jpg"] = saved(picture("RGB", (16, 8)), "JPEG", exif=exif.tobytes())
for name, data in images.items():
    put("decode", name, data)

options = {
    "wide": "16:9\ncenter\nblur\nsmoothstep\nfeathered\nfield\nfull\n32\n8",
    "expand-all": "expand_all:1.5\ntop-left\ncolor:#ff000080\nlinear\nbinary\noff\nflux-fill\n0\n0",
    "edges": "edges:10,0,5,0\nright\nedge\nquadratic\nalpha\nglobal\nopenai\n4\n2",
    "tall": "9:16\nbottom\nmirror\nsmoothstep\ninverted\nfield\ngemini\n16\n0",
    "custom": "4:3\n\ntransparent\n\n\n\ncustom:multiple=16,min=64,max=2048,pixels=4000000\n8\n0",
    "fraction": "expand_all:3/2\ncenter\nblur\nlinear\nfeathered\nfield\nrecraft-outpaint\n0\n0",
}
for name, text in options.items():
    put("options", name, text)

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src.png")
    with open(src, "wb") as f:
        # Large enough for every profile's smallest side.
        f.write(saved(picture("RGBA", (320, 240)), "PNG"))
    plans = []
    for profile in ["full", "openai", "gemini", "flux-fill", "flux-expand", "recraft-outpaint"]:
        out = os.path.join(tmp, profile)
        subprocess.run([CLI, "prepare", src, "--target", "16:9", "--feather", "4",
                        "--profile", profile, "--out", out], check=True, capture_output=True)
        doc = json.load(open(os.path.join(out, "plan.json")))
        plan = json.dumps(doc["fit"])
        plans.append(plan)
        put("plan_json", profile + ".json", plan)

    store = os.path.join(tmp, "store")
    r = subprocess.run([CLI, "session", "new", "--store", store, "--prompt", "a lake", "--image", src],
                       check=True, capture_output=True, text=True)
    sid = json.loads(r.stdout)["session"]["sessionId"]
    subprocess.run([CLI, "session", "iterate", sid, "--store", store, "--model", "flux",
                    "--prompt", "more sky"], check=True, capture_output=True)
    folder = os.path.join(store, "sessions", sid)
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".json"):
                rel = os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "-")
                put("session_json", rel, open(os.path.join(root, f), "rb").read())

ops = [
    ({"op": "generate", "prompt": "a lake at dawn", "models": ["flux", "openai"]}, {}),
    ({"op": "iterate", "sessionId": "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", "model": "flux", "prompt": "more sky"},
     {"budget": {"maxIterations": 6, "warnFrom": 5}, "secrets": ["k"]}),
    ({"op": "outpaint", "sessionId": "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab", "model": "gemini",
      "preset": "16:9", "iterationIndex": 0},
     {"providers": {"gemini": {"apiKey": "k", "baseUrl": "https://g.test"}},
      "limits": {"maxCanvasPixels": 1000000, "maxMemoryBytes": 67108864}}),
    ({"op": "status", "sessionId": "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"}, {}),
    ({"op": "gallery"}, {"registry": {"models": {"flux": {"generate": "flux-2-pro"}}}}),
]
for i, (op, config) in enumerate(ops):
    put("operation_json", f"op-{i}", json.dumps(op) + "\0" + json.dumps(config))

for i, (name, profile) in enumerate([("rgba.png", "full"), ("baseline.jpg", "openai"), ("lossless.webp", "gemini")]):
    img = images[name]
    strings = ["16:9", "center", profile, plans[i], json.dumps(ops[i][0]), json.dumps(ops[i][1])]
    put("c_api", f"seed-{i}", struct.pack("<H", len(img)) + img + "\0".join(strings).encode())

# The structured target takes raw bytes as its script: a few of varying length.
for i, n in enumerate([16, 64, 256, 1024]):
    put("responses", f"bytes-{i}", bytes((j * 37 + i) % 256 for j in range(n)))
