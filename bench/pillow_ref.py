"""The Pillow side of bench/run.sh: the same operations done the obvious way with Pillow
(+ numpy where it helps), as the original app's Python backend would.

    python bench/pillow_ref.py --dir DIR --sizes 1024,2048 --runs N   -> DIR/pillow.json
    python bench/pillow_ref.py --peak --dir DIR --size N               -> peak RSS growth
"""

import argparse
import io
import json
import resource
import sys
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def median_ms(runs, f):
    f()
    ms = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ms.append((time.perf_counter() - t) * 1e3)
    ms.sort()
    return ms[len(ms) // 2]


def expand(w, h):
    """16:9 around a w x h original, centred (the arithmetic a Python host writes)."""
    tw, th = max(w, round(h * 16 / 9)), max(h, round(w * 9 / 16))
    left, top = (tw - w) // 2, (th - h) // 2
    return tw, th, left, top


def pad_transparent(src, e):
    tw, th, left, top = e
    canvas = Image.new("RGBA", (tw, th), (0, 0, 0, 0))
    canvas.paste(src, (left, top))
    return canvas


def pad_edge(src, e):
    tw, th, left, top = e
    a = np.asarray(src)
    h, w = a.shape[:2]
    out = np.pad(a, ((top, th - h - top), (left, tw - w - left), (0, 0)), mode="edge")
    return Image.fromarray(out, "RGBA")


def pad_blur(src, e):
    canvas = pad_edge(src, e)
    blurred = canvas.filter(ImageFilter.GaussianBlur(32))
    blurred.paste(src, (e[2], e[3]))
    return blurred


def mask(src, e, feather):
    """White (generate) outside the original, black inside, the seam feathered by a blur."""
    tw, th, left, top = e
    m = Image.new("L", (tw, th), 255)
    d = ImageDraw.Draw(m)
    inset = feather // 2
    w, h = src.size
    d.rectangle(
        (left + (inset if left else 0), top + (inset if top else 0),
         left + w - 1 - (inset if tw - w - left else 0), top + h - 1 - (inset if th - h - top else 0)),
        fill=0,
    )
    if feather:
        m = m.filter(ImageFilter.GaussianBlur(feather / 2))
    return m


def composite(src, generated, m, e):
    original = pad_transparent(src, e)
    return Image.composite(generated, original, m)


def png(img, level):
    b = io.BytesIO()
    if level is None:
        img.save(b, "PNG")
    else:
        img.save(b, "PNG", compress_level=level)
    return b.getvalue()


def prepare(data, level):
    src = Image.open(io.BytesIO(data)).convert("RGBA")
    e = expand(*src.size)
    c = pad_transparent(src, e)
    m = mask(src, e, 32)
    return png(c, level), png(m, level)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--sizes", default="1024,2048,4096")
    ap.add_argument("--size", type=int)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peak", action="store_true")
    a = ap.parse_args()
    if a.peak:
        data = open(f"{a.dir}/src-{a.size}.png", "rb").read()
        before = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
        prepare(data, 1)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"bytes": max(0, peak - before)}))
        return
    rows = []

    def row(side, op, ms):
        rows.append({"size": side, "op": op, "ms": ms})
        print(f"pillow {side} {op}: {ms:.3f} ms", file=sys.stderr)

    for side in map(int, a.sizes.split(",")):
        n = max(3, (a.runs + 1) // 2) if side >= 4096 else a.runs
        slow = min(n, 3)
        data = open(f"{a.dir}/src-{side}.png", "rb").read()
        src = Image.open(io.BytesIO(data)).convert("RGBA")
        e = expand(side, side)
        row(side, "expand", median_ms(n * 1000, lambda: expand(side, side)))
        row(side, "pad transparent", median_ms(n, lambda: pad_transparent(src, e)))
        row(side, "pad edge", median_ms(n, lambda: pad_edge(src, e)))
        row(side, "pad blur", median_ms(slow, lambda: pad_blur(src, e)))
        row(side, "mask feather 0", median_ms(n, lambda: mask(src, e, 0)))
        row(side, "mask feather 32", median_ms(n, lambda: mask(src, e, 32)))
        generated = pad_edge(src, e)
        m32 = mask(src, e, 32)
        row(side, "composite feather 32", median_ms(n, lambda: composite(src, generated, m32, e)))
        canvas = pad_transparent(src, e)
        row(side, "png canvas fast", median_ms(slow, lambda: png(canvas, 1)))
        row(side, "png mask fast", median_ms(slow, lambda: png(m32, 1)))
        row(side, "png canvas default", median_ms(slow, lambda: png(canvas, None)))
        row(side, "prepare", median_ms(slow, lambda: prepare(data, None)))
        row(side, "prepare (level 1)", median_ms(slow, lambda: prepare(data, 1)))
    with open(f"{a.dir}/pillow.json", "w") as f:
        json.dump({"impl": "pillow", "results": rows}, f)


if __name__ == "__main__":
    main()
