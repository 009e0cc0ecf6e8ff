#!/usr/bin/env python3
"""Independent oracle for the conformance vectors in this folder.

Implements SPEC sections 2-4 from the text, in plain Python with exact fractions, without
looking at the Rust code's results; the Rust, wasm and C surfaces replay the JSON files it
writes. `generate.py --check` fails when the committed files differ from what it makes.
"""

import json
import math
import sys
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent

NAMED = ["16:9", "9:16", "1:1", "4:3", "3:2", "2:3", "4:5", "5:4", "3:4", "21:9"]
ANCHORS = ["center", "left", "right", "top", "bottom",
           "top-left", "top-right", "bottom-left", "bottom-right"]
MAX_SIDE = 16384
MAX_CANVAS_SIDE = 1 << 28


class Bad(Exception):
    def __init__(self, code):
        self.code = code


def round_half_up(fr):
    return math.floor(fr + Fraction(1, 2))


def parse_target(t):
    t = t.strip()
    if t == "expand_all":
        return ("all", Fraction(1, 2))
    if t.startswith("expand_all:"):
        f = t[len("expand_all:"):]
        try:
            if "/" in f:
                n, d = f.split("/")
                if not (n.isdigit() and d.isdigit()):
                    raise Bad("INVALID_TARGET")
                fr = Fraction(int(n), int(d)) if int(d) else None
            else:
                i, _, frac = f.partition(".")
                if (i and not i.isdigit()) or (frac and not frac.isdigit()) or len(frac) > 6 \
                        or (not i and not frac):
                    raise Bad("INVALID_TARGET")
                fr = Fraction(f)
        except (ValueError, ZeroDivisionError):
            raise Bad("INVALID_TARGET")
        if fr is None or not (0 < fr <= 4):
            raise Bad("INVALID_TARGET")
        return ("all", fr)
    if t.startswith("edges:"):
        parts = [p.strip() for p in t[len("edges:"):].split(",")]
        if len(parts) != 4 or not all(p.isdigit() and len(p) <= 9 for p in parts):
            raise Bad("INVALID_TARGET")
        return ("edges", tuple(int(p) for p in parts))
    if ":" in t:
        a, b = t.split(":", 1)
        if not (a.isdigit() and b.isdigit() and len(a) <= 9 and len(b) <= 9):
            raise Bad("INVALID_TARGET")
        a, b = int(a), int(b)
        if not (1 <= a <= 10000 and 1 <= b <= 10000):
            raise Bad("INVALID_TARGET")
        return ("ratio", (a, b))
    raise Bad("INVALID_TARGET")


def split(anchor_side, total):
    if anchor_side == "start":
        return 0, total
    if anchor_side == "end":
        return total, 0
    return total // 2, total - total // 2


def sides(anchor):
    if anchor not in ANCHORS:
        raise Bad("INVALID_OPTION")
    h = "start" if "left" in anchor else "end" if "right" in anchor else "mid"
    v = "start" if "top" in anchor else "end" if "bottom" in anchor else "mid"
    return h, v


def expand(w, h, target, anchor):
    if w <= 0 or h <= 0:
        raise Bad("INVALID_DIMENSIONS")
    if w > MAX_SIDE or h > MAX_SIDE:
        raise Bad("IMAGE_TOO_LARGE")
    kind, val = parse_target(target)
    hs, vs = sides(anchor)
    if kind == "edges":
        l, r, t, b = val
    else:
        if kind == "all":
            gh, gv = math.floor(w * val), math.floor(h * val)
        else:
            g = math.gcd(*val)
            a, b_ = val[0] // g, val[1] // g
            gh = gv = 0
            if w * b_ < h * a:
                gh = max(0, round_half_up(Fraction(h * a, b_)) - w)
            elif w * b_ > h * a:
                gv = max(0, round_half_up(Fraction(w * b_, a)) - h)
        l, r = split(hs, gh)
        t, b = split(vs, gv)
    nw, nh = w + l + r, h + t + b
    if nw > MAX_CANVAS_SIDE or nh > MAX_CANVAS_SIDE:
        raise Bad("IMAGE_TOO_LARGE")
    return {"left": l, "right": r, "top": t, "bottom": b, "newWidth": nw, "newHeight": nh}


def expansion_cases():
    sizes = [(1, 1), (1, 7), (7, 1), (2, 3), (3, 2), (33, 17), (1023, 577), (1024, 1024),
             (1920, 1080), (1080, 1920), (4000, 1000), (16384, 16384), (16384, 1), (1, 16384)]
    targets = NAMED + ["7:3", "32:18", "1:10000", "10000:1", "expand_all", "expand_all:0.25",
                       "expand_all:4", "expand_all:1/3", "edges:10,20,0,5"]
    cases = []
    for (w, h) in sizes:
        for t in targets:
            for a in (["center"] if (w, h) not in [(33, 17), (1023, 577), (1, 7)] else ANCHORS):
                cases.append((w, h, t, a))
    # Every anchor on the spec's own examples too.
    for t in ["16:9", "9:16", "4:3", "expand_all"]:
        for a in ANCHORS:
            cases.append((1024, 1024, t, a))
            cases.append((1920, 1080, t, a))
    bad = [(0, 10, "16:9", "center"), (10, 0, "16:9", "center"), (16385, 10, "16:9", "center"),
           (10, 10, "wide", "center"), (10, 10, "16:0", "center"), (10, 10, "10001:1", "center"),
           (10, 10, "expand_all:0", "center"), (10, 10, "expand_all:4.5", "center"),
           (10, 10, "edges:1,2,3", "center"), (10, 10, "16:9", "middle"), (10, 10, "", "center")]
    out = []
    seen = set()
    for (w, h, t, a) in cases + bad:
        if (w, h, t, a) in seen:
            continue
        seen.add((w, h, t, a))
        case = {"width": w, "height": h, "target": t, "anchor": a}
        try:
            case["expect"] = expand(w, h, t, a)
        except Bad as e:
            case["error"] = e.code
        out.append(case)
    return out


# ---- masks -------------------------------------------------------------------------

def ramp_value(curve, k, n):
    if curve == "linear":
        num, den = n - k, n
    elif curve == "quadratic":
        num, den = n * n - k * k, n * n
    else:
        num, den = n ** 3 - k * k * (3 * n - 2 * k), n ** 3
    return (2 * 255 * num + den) // (2 * den)


def profile(length, start, size, grown_start, grown_end, overlap, feather, curve):
    band = [255] * overlap + [ramp_value(curve, k, feather + 1) for k in range(1, feather + 1)]
    p = [255] * length
    for i in range(size):
        p[start + i] = 0
    n = min(len(band), size)
    if grown_start:
        for i in range(n):
            p[start + i] = max(p[start + i], band[i])
    if grown_end:
        for i in range(n):
            j = start + size - 1 - i
            p[j] = max(p[j], band[i])
    return p


def mask(w, h, e, feather, overlap, curve, kind):
    gl, gr, gt, gb = e["left"] > 0, e["right"] > 0, e["top"] > 0, e["bottom"] > 0
    room = None
    for n, side in ((gl + gr, w), (gt + gb, h)):
        if n:
            room = side // n if room is None else min(room, side // n)
    if room is not None:
        overlap = min(overlap, room)
        feather = min(feather, room - overlap)
    f = 0 if kind == "binary" else feather
    hp = profile(e["newWidth"], e["left"], w, gl, gr, overlap, f, curve)
    vp = profile(e["newHeight"], e["top"], h, gt, gb, overlap, f, curve)
    data = [max(hp[x], vp[y]) for y in range(e["newHeight"]) for x in range(e["newWidth"])]
    if kind == "inverted":
        data = [255 - v for v in data]
    return data, feather, overlap


def mask_cases():
    out = []
    specs = [(4, 3, "edges:2,1,0,1", 1, 1, "linear", "feathered"),
             (4, 3, "edges:2,1,0,1", 1, 1, "linear", "binary"),
             (4, 3, "edges:2,1,0,1", 1, 1, "linear", "inverted"),
             (6, 4, "16:9", 2, 0, "smoothstep", "feathered"),
             (6, 4, "expand_all", 3, 0, "quadratic", "feathered"),
             (5, 5, "edges:1,1,1,1", 9, 1, "linear", "feathered"),
             (3, 8, "9:16", 0, 2, "linear", "feathered"),
             (8, 2, "edges:0,3,1,0", 2, 0, "smoothstep", "feathered"),
             (2, 2, "1:1", 4, 4, "linear", "feathered"),
             (7, 3, "4:3", 2, 0, "linear", "binary")]
    for (w, h, t, fe, ov, cu, kind) in specs:
        for anchor in ("center", "top-left"):
            e = expand(w, h, t, anchor)
            data, ef, eo = mask(w, h, e, fe, ov, cu, kind)
            out.append({"width": w, "height": h, "target": t, "anchor": anchor, "feather": fe,
                        "overlap": ov, "curve": cu, "kind": kind,
                        "expect": {"width": e["newWidth"], "height": e["newHeight"],
                                   "feather": ef, "overlap": eo, "data": data}})
    return out


# ---- canvases ----------------------------------------------------------------------

def src_pixels(w, h):
    # Deterministic distinct pixels.
    return [[((x * 37 + y * 11) % 251, (x * 5 + y * 61) % 253, (x * y * 3 + 7) % 256,
              255 - (x + y) % 3) for x in range(w)] for y in range(h)]


def mirror(i, n):
    m = i % (2 * n)
    return m if m < n else 2 * n - 1 - m


def box(line, i, r):
    """Mean of line[i-r..=i+r], ends replicated, rounded half up."""
    n = len(line)
    acc = [0, 0, 0, 0]
    for j in range(i - r, i + r + 1):
        p = line[min(max(j, 0), n - 1)]
        for k in range(4):
            acc[k] += p[k]
    cnt = 2 * r + 1
    return tuple((2 * a + cnt) // (2 * cnt) for a in acc)


def cascade(line, i, d):
    """Blur cascade at distance d >= 1: level k = floor(log2 d) is a box of radius 2^k - 1;
    blend towards level k + 1 by t = floor(256 (d - 2^k) / 2^k)."""
    k = d.bit_length() - 1
    t = ((d - (1 << k)) << 8) >> k
    a, b = box(line, i, (1 << k) - 1), box(line, i, (1 << (k + 1)) - 1)
    return tuple((a[c] * (256 - t) + b[c] * t + 128) >> 8 for c in range(4))


def pad(src, e, fill):
    h, w = len(src), len(src[0])
    L, T = e["left"], e["top"]
    W, H = e["newWidth"], e["newHeight"]
    out = [[None] * W for _ in range(H)]
    for y in range(H):
        for x in range(W):
            sx, sy = x - L, y - T
            inside = 0 <= sx < w and 0 <= sy < h
            if inside:
                out[y][x] = src[sy][sx]
            elif fill == "transparent":
                out[y][x] = (0, 0, 0, 0)
            elif fill.startswith("color:"):
                hexs = fill[len("color:#"):]
                out[y][x] = tuple(int(hexs[i:i + 2], 16) for i in range(0, 8, 2))
            elif fill == "edge":
                out[y][x] = src[min(max(sy, 0), h - 1)][min(max(sx, 0), w - 1)]
            elif fill == "mirror":
                out[y][x] = src[mirror(sy, h)][mirror(sx, w)]
    if fill == "blur":
        left_col = [src[y][0] for y in range(h)]
        right_col = [src[y][w - 1] for y in range(h)]
        for y in range(T, T + h):
            for x in range(0, L):
                out[y][x] = cascade(left_col, y - T, L - x)
            for x in range(L + w, W):
                out[y][x] = cascade(right_col, y - T, x - (L + w) + 1)
        first, last = list(out[T]), list(out[T + h - 1])
        for y in range(0, T):
            for x in range(W):
                out[y][x] = cascade(first, x, T - y)
        for y in range(T + h, H):
            for x in range(W):
                out[y][x] = cascade(last, x, y - (T + h) + 1)
    return [v for row in out for p in row for v in p]


def canvas_cases():
    out = []
    fills = ["transparent", "color:#80808fff", "edge", "mirror", "blur"]
    for (w, h, t, a) in [(3, 2, "edges:2,1,1,2", "center"), (4, 3, "16:9", "center"),
                         (2, 5, "expand_all:2", "center"), (5, 2, "9:16", "bottom-right"),
                         (1, 1, "edges:3,0,0,2", "center"), (3, 4, "edges:9,5,6,11", "center")]:
        src = src_pixels(w, h)
        e = expand(w, h, t, a)
        for f in fills:
            out.append({"width": w, "height": h, "target": t, "anchor": a, "fill": f,
                        "source": [v for row in src for p in row for v in p],
                        "expect": {"width": e["newWidth"], "height": e["newHeight"],
                                   "data": pad(src, e, f)}})
    return out


# ---- fitting -----------------------------------------------------------------------

def fit_cases():
    """Profiles whose rules are simple integer maths (scale 1): full, flux-fill,
    flux-expand within limits, openai within its pixel range, and gemini's aspect."""
    out = []
    def pad_split(before, after, total):
        if before and not after:
            return total, 0
        if after and not before:
            return 0, total
        return total // 2, total - total // 2
    for (w, h, t, a) in [(1024, 1024, "16:9", "center"), (1000, 1000, "4:3", "center"),
                         (1920, 1080, "9:16", "top"), (777, 333, "1:1", "left"),
                         (640, 480, "expand_all", "center"), (100, 100, "edges:5,0,0,0", "center")]:
        e = expand(w, h, t, a)
        cw, ch = e["newWidth"], e["newHeight"]
        # full
        out.append({"width": w, "height": h, "target": t, "anchor": a, "profile": "full",
                    "expect": {"size": [cw, ch], "scale": 1.0,
                               "image": [e["left"], e["top"], w, h],
                               "edges": [e["left"], e["right"], e["top"], e["bottom"]],
                               "padding": [0, 0, 0, 0]}})
        # flux-fill: pad up to multiples of 16 on grown sides (centred if neither grew),
        # within BFL's 4 MP (2048x2048) cap; larger canvases are scaled (not here).
        fw, fh = -(-cw // 16) * 16, -(-ch // 16) * 16
        pl, pr = pad_split(e["left"], e["right"], fw - cw)
        pt, pb = pad_split(e["top"], e["bottom"], fh - ch)
        if fw * fh <= 2048 * 2048:
            out.append({"width": w, "height": h, "target": t, "anchor": a, "profile": "flux-fill",
                        "expect": {"size": [fw, fh], "scale": 1.0,
                                   "image": [pl + e["left"], pt + e["top"], w, h],
                                   "edges": [pl + e["left"], pr + e["right"], pt + e["top"],
                                             pb + e["bottom"]],
                                   "padding": [pl, pr, pt, pb]}})
        # flux-expand within limits (edges <= 2048, result <= 4 MP): the edges as they are.
        if max(e["left"], e["right"], e["top"], e["bottom"]) <= 2048 and cw * ch <= 2048 * 2048:
            out.append({"width": w, "height": h, "target": t, "anchor": a,
                        "profile": "flux-expand",
                        "expect": {"size": [cw, ch], "scale": 1.0,
                                   "image": [e["left"], e["top"], w, h],
                                   "edges": [e["left"], e["right"], e["top"], e["bottom"]],
                                   "padding": [0, 0, 0, 0]}})
        # openai (gpt-image-2): any WxH with both sides divisible by 16, long side at most
        # 3 times the short, 655,360..=8,294,400 pixels, sides <= 3840. Where the canvas
        # fits at scale 1, it goes padded up to the multiple of 16 like flux-fill (the
        # scaled cases are the Rust unit tests').
        ow, oh = -(-cw // 16) * 16, -(-ch // 16) * 16
        if 655360 <= ow * oh <= 8294400 and max(ow, oh) <= 3840 and max(ow, oh) <= 3 * min(ow, oh):
            pl, pr = pad_split(e["left"], e["right"], ow - cw)
            pt, pb = pad_split(e["top"], e["bottom"], oh - ch)
            out.append({"width": w, "height": h, "target": t, "anchor": a, "profile": "openai",
                        "expect": {"size": [ow, oh], "scale": 1.0,
                                   "image": [pl + e["left"], pt + e["top"], w, h],
                                   "padding": [pl, pr, pt, pb]}})
        # gemini: closest aspect from its list.
        # (Gemini 3.1 Flash Image's list: the ten of the older models plus 1:4, 4:1, 1:8, 8:1.)
        aspects = [(1, 1), (2, 3), (3, 2), (3, 4), (4, 3), (4, 5), (5, 4), (9, 16), (16, 9),
                   (21, 9), (1, 4), (4, 1), (1, 8), (8, 1)]
        ga = min(aspects, key=lambda s: abs(math.log(s[0] / s[1]) - math.log(cw / ch)))
        out.append({"width": w, "height": h, "target": t, "anchor": a, "profile": "gemini",
                    "expect": {"aspectRatio": f"{ga[0]}:{ga[1]}"}})
    return out


def main():
    files = {
        "expansion.json": {"about": "expand(width, height, target, anchor) -> Expansion or error code",
                           "cases": expansion_cases()},
        "mask.json": {"about": "mask bytes (255 generate, 0 keep) for an expansion and seam options",
                      "cases": mask_cases()},
        "canvas.json": {"about": "RGBA canvas bytes for each fill mode",
                        "cases": canvas_cases()},
        "fit.json": {"about": "provider fitting: sent size, scale, original's rect, edges, padding",
                     "cases": fit_cases()},
    }
    check = "--check" in sys.argv
    stale = []
    for name, content in files.items():
        text = json.dumps(content, separators=(",", ":")) + "\n"
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"{name}: {len(content['cases'])} cases")
    if stale:
        print("stale vectors (run tests/vectors/generate.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
