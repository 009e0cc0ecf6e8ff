"""The seam quality bench: real photographs, a crop-based ground truth, simulated provider
answers, every baseline and this library side by side in one run. Never asserts numbers.

The photos are the six shipped in scikit-image's wheel (skimage/data: astronaut, coffee,
chelsea, rocket, motorcycle_left, hubble_deep_field; see bench/quality/README.md for their
licences). A scene is a 16:9 (or 9:16) region of a photo: the region is the truth, its
centre square the original. The provider's answer is the whole truth after a VAE-like
round trip: Gaussian blur (sigma 0.8), a colour cast s (R x (1+1.5s), G x (1+s),
B x (1+0.5s); "vary" grows it from 0 at the left edge to 2s at the right), a JPEG q85
round trip and Gaussian noise (sigma 1), as in shared/reference/quality-2026.md.

Methods, all starting from the same answer:
  naive       the original pasted over the answer (no blend)
  pil_r4/r16  Image.paste with a Gaussian-blurred binary mask (A1111 / diffusers mask_blur)
  poisson     cv2.seamlessClone NORMAL_CLONE of the original into the answer
  krita       Lab mean/std match of the answer to the original, then a 32-px feather
  lib_off     outpaint composite --colour off (the plain feathered blend, F32)
  lib_global  outpaint composite --colour global
  lib_field   outpaint composite (the default: tone curves + Oklab fit, seam field,
              detail band)

Metrics per seam line (the edge turned so the new area is x < s, the original x >= s):
  sjr    seam jump ratio: mean |C(s) - C(s-1)| over the mean neighbour step in columns
         s-40..s-8 and s+72..s+104
  step4  largest change of the row-averaged signed residual (composite - truth) between
         4-px strips either side of any column in s-8..s+72 (noise floor about 1)
  cast   mean |residual| per channel of the new area's mean (levels)
  mad    mean absolute change of the original's area; same = share byte-identical
  ge     band sharpness: Sobel energy in the 32-px band over the truth's
  psnr   PSNR against the truth within 16 px either side of the seam

Usage: run.py --cli target/debug/outpaint --out DIR [--smoke]
Writes DIR/quality.json, DIR/table.md and contact sheets DIR/sheet_*.png.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
from PIL import Image, ImageFilter
import skimage  # noqa: F401  (its photos; see photo())

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "hubble_deep_field"]
FEATHER = 32


def photo(name):
    """A photo from scikit-image's wheel, read from the files it ships."""
    from importlib.resources import files
    folder = files("skimage.data")
    path = next(folder / f for f in (f"{name}.png", f"{name}.jpg") if (folder / f).is_file())
    img = np.asarray(Image.open(path).convert("RGB"))
    return np.ascontiguousarray(img).astype(np.uint8)


def scenes(smoke):
    """(name, truth, original, left, top): 16:9 for every photo, 9:16 for two."""
    out = []
    for name in PHOTOS[:1] if smoke else PHOTOS:
        p = photo(name)
        h, w = p.shape[:2]
        # The original a square of side 18k (so 16:9 of it is exact: 32k x 18k), the
        # region around it as large as the photo allows.
        for shape in ["16:9", "9:16"] if name in ("astronaut", "hubble_deep_field") else ["16:9"]:
            long, short = (w, h) if shape == "16:9" else (h, w)
            k = min(long // 32, short // 18)
            side = 18 * k
            rw, rh = (32 * k, side) if shape == "16:9" else (side, 32 * k)
            y0, x0 = (h - rh) // 2, (w - rw) // 2
            truth = p[y0:y0 + rh, x0:x0 + rw]
            left, top = (rw - side) // 2, (rh - side) // 2
            orig = truth[top:top + side, left:left + side]
            out.append((f"{name} {shape}", truth, np.ascontiguousarray(orig), left, top, shape))
            if smoke:
                break
    return out


def degrade(truth, s, vary, seed, moved=None):
    """The answer; `moved` = (dx, dy, scale, cx, cy): the frame shifted and rescaled about
    the original's centre first (a point p of the truth lands at c + scale (p - c) + d)."""
    rng = np.random.default_rng(seed)
    src = truth
    if moved:
        dx, dy, k, cx, cy = moved
        m = np.float32([[k, 0, cx - k * cx + dx], [0, k, cy - k * cy + dy]])
        src = cv2.warpAffine(truth, m, (truth.shape[1], truth.shape[0]), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT)
    g = np.asarray(Image.fromarray(src).filter(ImageFilter.GaussianBlur(0.8))).astype(np.float64)
    h, w = g.shape[:2]
    ss = np.linspace(0, 2 * s, w)[None, :, None] if vary else s
    g = g * (1 + np.array([1.5, 1.0, 0.5])[None, None, :] * ss)
    buf = io.BytesIO()
    Image.fromarray(np.clip(g.round(), 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=85)
    g = np.asarray(Image.open(buf)).astype(np.float64) + rng.normal(0, 1, (h, w, 3))
    return np.clip(g.round(), 0, 255).astype(np.uint8)


def binary_keep(truth, orig, left, top):
    m = np.zeros(truth.shape[:2], np.uint8)
    m[top:top + orig.shape[0], left:left + orig.shape[1]] = 255
    return m


def naive(truth, orig, ans, left, top):
    out = ans.copy()
    out[top:top + orig.shape[0], left:left + orig.shape[1]] = orig
    return out


def pil_blur(r):
    def f(truth, orig, ans, left, top):
        canvas = Image.fromarray(naive(truth, orig, ans, left, top))
        keep = Image.fromarray(binary_keep(truth, orig, left, top)).filter(ImageFilter.GaussianBlur(r))
        return np.asarray(Image.composite(canvas, Image.fromarray(ans), keep))
    return f


def poisson(truth, orig, ans, left, top):
    b = 8
    src = cv2.copyMakeBorder(orig, b, b, b, b, cv2.BORDER_REFLECT)
    dst = cv2.copyMakeBorder(ans, b, b, b, b, cv2.BORDER_REFLECT)
    h, w = orig.shape[:2]
    # The original's own area (the border only keeps the mask off the picture's edge).
    mask = np.zeros(src.shape[:2], np.uint8)
    mask[b:b + h, b:b + w] = 255
    centre = (b + left + w // 2, b + top + h // 2)
    out = cv2.seamlessClone(src[..., ::-1].copy(), dst[..., ::-1].copy(), mask, centre, cv2.NORMAL_CLONE)
    return out[b:-b, b:-b, ::-1].copy()


def feather_keep(shape, left, top, w, h, feather):
    """The library's smoothstep ramp inside the original along expanded edges (keep weight)."""
    H, W = shape
    def prof(n, start, size, grown_a, grown_b):
        p = np.zeros(n)
        p[start:start + size] = 1.0
        for k in range(feather):
            t = (k + 1) / (feather + 1)
            v = 3 * t * t - 2 * t * t * t
            if grown_a:
                p[start + k] = min(p[start + k], v)
            if grown_b:
                p[start + size - 1 - k] = min(p[start + size - 1 - k], v)
        return p
    hx = prof(W, left, w, left > 0, left + w < W)
    vy = prof(H, top, h, top > 0, top + h < H)
    return np.minimum(hx[None, :], vy[:, None])


def krita(truth, orig, ans, left, top):
    """Lab mean/std transfer of the answer to the original (over the kept area), then F32."""
    h, w = orig.shape[:2]
    lab_a = cv2.cvtColor(ans, cv2.COLOR_RGB2LAB).astype(np.float64)
    lab_o = cv2.cvtColor(orig, cv2.COLOR_RGB2LAB).astype(np.float64)
    ref = lab_a[top:top + h, left:left + w]
    m_a, s_a = ref.reshape(-1, 3).mean(0), ref.reshape(-1, 3).std(0) + 1e-6
    m_o, s_o = lab_o.reshape(-1, 3).mean(0), lab_o.reshape(-1, 3).std(0)
    matched = (lab_a - m_a) / s_a * s_o + m_o
    fixed = cv2.cvtColor(np.clip(matched, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB).astype(np.float64)
    keep = feather_keep(ans.shape[:2], left, top, w, h, FEATHER)[..., None]
    base = fixed.copy()
    base[top:top + h, left:left + w] = orig
    out = keep * base + (1 - keep) * fixed
    return np.clip(out.round(), 0, 255).astype(np.uint8)


class Library:
    """The outpaint CLI: prepare once per scene (for plan.json), composite per answer."""

    def __init__(self, cli, tmp):
        self.cli, self.tmp, self.plans = cli, tmp, {}

    def plan(self, name, orig, shape):
        if name not in self.plans:
            d = os.path.join(self.tmp, name.replace(" ", "_").replace(":", "x"))
            os.makedirs(d, exist_ok=True)
            Image.fromarray(orig).save(os.path.join(d, "original.png"))
            subprocess.run([self.cli, "prepare", os.path.join(d, "original.png"), "--target", shape,
                            "--feather", str(FEATHER), "--out", d], check=True, capture_output=True)
            self.plans[name] = d
        return self.plans[name]

    def method(self, colour):
        def f(truth, orig, ans, left, top, name=None, shape=None):
            d = self.plan(name, orig, shape)
            Image.fromarray(ans).save(os.path.join(d, "answer.png"))
            out = os.path.join(d, colour)
            t = time.perf_counter()
            subprocess.run([self.cli, "composite", os.path.join(d, "original.png"), os.path.join(d, "answer.png"),
                            "--plan", os.path.join(d, "plan.json"), "--colour", colour, "--out", out],
                           check=True, capture_output=True)
            self.elapsed = time.perf_counter() - t
            res = np.asarray(Image.open(os.path.join(out, "result.png")).convert("RGB"))
            with open(os.path.join(out, "report.json")) as fh:
                self.report = json.load(fh)
            return res
        f.library = True
        return f


def seam_lines(truth, orig, left, top):
    """Each expanded edge as (turn, s): the picture turned so the new area is x < s."""
    h, w = orig.shape[:2]
    H, W = truth.shape[:2]
    lines = []
    if left > 0:
        lines.append((lambda a: a, left, slice(top, top + h)))
        lines.append((lambda a: a[:, ::-1], W - left - w, slice(top, top + h)))
    if top > 0:
        lines.append((lambda a: np.swapaxes(a, 0, 1), top, slice(left, left + w)))
        lines.append((lambda a: np.swapaxes(a, 0, 1)[:, ::-1], H - top - h, slice(left, left + w)))
    return lines


def metrics(out, truth, orig, left, top):
    h, w = orig.shape[:2]
    o = out.astype(np.float64)
    t = truth.astype(np.float64)
    res = {"sjr": [], "step4": [], "ge": [], "psnr": []}
    for turn, s, rows in seam_lines(truth, orig, left, top):
        # Only the original's rows (columns) along this edge.
        a, b = turn(o)[rows], turn(t)[rows]
        lo = max(1, s - 40)
        ref = np.abs(np.diff(a[:, lo:s - 8], axis=1)).mean() + np.abs(np.diff(a[:, s + 72:s + 104], axis=1)).mean()
        jump = np.abs(a[:, s] - a[:, s - 1]).mean()
        res["sjr"].append(jump / (ref / 2 + 1e-9))
        r = (a - b).mean(axis=0)  # row-averaged signed residual, per column and channel
        best = 0.0
        for c in range(s - 8, s + 72):
            if c - 4 < 0 or c + 4 > a.shape[1]:
                continue
            best = max(best, np.abs(r[c:c + 4].mean(0) - r[c - 4:c].mean(0)).max())
        res["step4"].append(best)
        def sobel(x):
            g = x.mean(-1)
            return np.abs(cv2.Sobel(g, cv2.CV_64F, 1, 0)) + np.abs(cv2.Sobel(g, cv2.CV_64F, 0, 1))
        band = slice(s, s + FEATHER)
        res["ge"].append(sobel(a)[:, band].mean() / (sobel(b)[:, band].mean() + 1e-9))
        near = slice(s - 16, s + 16)
        mse = ((a[:, near] - b[:, near]) ** 2).mean()
        res["psnr"].append(10 * np.log10(255 ** 2 / max(mse, 1e-9)))
    keep = binary_keep(truth, orig, left, top) > 0
    new = ~keep
    cast = np.abs((o[new] - t[new]).mean(0)).mean()
    region = o[top:top + h, left:left + w]
    mad = np.abs(region - orig).mean()
    same = (region == orig).all(-1).mean()
    return {
        "sjr": float(np.mean(res["sjr"])), "step4": float(np.mean(res["step4"])),
        "worst_step4": float(np.max(res["step4"])), "ge": float(np.mean(res["ge"])),
        "psnr": float(np.mean(res["psnr"])), "cast": float(cast), "mad": float(mad), "same": float(same),
    }


def sheet(path, rows, labels):
    """Rows of crops across the left seam (1.5x), one column per method."""
    tiles = []
    for row in rows:
        tiles.append(np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=255) for t in row], 1))
    img = np.concatenate(tiles, 0)
    im = Image.fromarray(img)
    im = im.resize((int(im.width * 1.5), int(im.height * 1.5)), Image.NEAREST)
    # A header naming each column.
    from PIL import ImageDraw
    head = Image.new("RGB", (im.width, 18), "white")
    draw = ImageDraw.Draw(head)
    col = im.width / len(labels)
    for i, name in enumerate(labels):
        draw.text((int(i * col) + 4, 3), name, fill="black")
    full = Image.new("RGB", (im.width, im.height + 18), "white")
    full.paste(head, (0, 0))
    full.paste(im, (0, 18))
    full.save(path)
    # A JPEG copy at 1x, small enough to keep in the repository (bench/quality/).
    full.resize((full.width * 2 // 3, full.height * 2 // 3), Image.LANCZOS).save(
        path.rsplit(".", 1)[0] + ".jpg", quality=85)


def fill_methods(lib):
    """The offline fills, each a function (truth, orig, left, top, shape) -> picture."""
    def canvas(fill):
        def f(truth, orig, left, top, shape, name):
            d = lib.plan(name, orig, shape)
            out = os.path.join(d, "fill-" + fill)
            subprocess.run([lib.cli, "prepare", os.path.join(d, "original.png"), "--target", shape,
                            "--fill", fill, "--out", out], check=True, capture_output=True)
            return np.asarray(Image.open(os.path.join(out, "canvas.png")).convert("RGB"))
        return f

    def local(truth, orig, left, top, shape, name):
        d = lib.plan(name, orig, shape)
        out = os.path.join(d, "local")
        t = time.perf_counter()
        subprocess.run([lib.cli, "run", os.path.join(d, "original.png"), "--target", shape, "--out", out],
                       check=True, capture_output=True)
        lib.elapsed = time.perf_counter() - t
        return np.asarray(Image.open(os.path.join(out, "result.png")).convert("RGB"))

    def inpaint(flag):
        def f(truth, orig, left, top, shape, name):
            H, W = truth.shape[:2]
            h, w = orig.shape[:2]
            img = np.zeros((H, W, 3), np.uint8)
            img[top:top + h, left:left + w] = orig
            mask = 255 - binary_keep(truth, orig, left, top)
            return cv2.inpaint(img[..., ::-1].copy(), mask, 3, flag)[..., ::-1].copy()
        return f

    return {"local": local, "blur": canvas("blur"), "edge": canvas("edge"), "mirror": canvas("mirror"),
            "telea": inpaint(cv2.INPAINT_TELEA), "ns": inpaint(cv2.INPAINT_NS)}


def fill_metrics(img, truth, orig, left, top):
    keep = binary_keep(truth, orig, left, top) > 0
    a, t = img.astype(np.float64), truth.astype(np.float64)
    mae = np.abs(a[~keep] - t[~keep]).mean()
    lf = np.abs(cv2.GaussianBlur(a, (0, 0), 8)[~keep] - cv2.GaussianBlur(t, (0, 0), 8)[~keep]).mean()
    grad = lambda x: np.abs(np.diff(x.mean(-1), axis=1))[~keep[:, 1:]].mean()
    mirrors = []
    for turn, s, rows in seam_lines(truth, orig, left, top):
        x = turn(a)[rows]
        if s < 32:
            continue
        out, inside = x[:, s - 32:s], x[:, s:s + 32][:, ::-1]
        u, v = out.ravel() - out.mean(), inside.ravel() - inside.mean()
        mirrors.append((u * v).sum() / np.sqrt((u * u).sum() * (v * v).sum() + 1e-9))
    return {"mae": float(mae), "mae_lf": float(lf), "tex": float(grad(a) / (grad(t) + 1e-9)),
            "mirror": float(np.mean(mirrors)) if mirrors else 0.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="outpaint-quality-")
    lib = Library(args.cli, tmp)
    methods = {
        "truth": lambda truth, *a: truth,
        "answer": lambda truth, orig, ans, *a: ans,
        "naive": naive,
        "pil_r4": pil_blur(4),
        "pil_r16": pil_blur(16),
        "poisson": poisson,
        "krita": krita,
        "lib_off": lib.method("off"),
        "lib_global": lib.method("global"),
        "lib_field": lib.method("field"),
    }
    casts = [("8%", 0.08, False)] if args.smoke else [("0%", 0.0, False), ("3%", 0.03, False), ("8%", 0.08, False), ("vary 8%", 0.08, True), ("moved 8%", 0.08, "moved")]
    results = []
    crops = {}
    timings = {}
    for si, (name, truth, orig, left, top, shape) in enumerate(scenes(args.smoke)):
        for ci, (label, s, vary) in enumerate(casts):
            moved = None
            if vary == "moved":
                h, w = orig.shape[:2]
                moved = (4.0, -3.0, 1.02, left + w / 2 - 0.5, top + h / 2 - 0.5)
            ans = degrade(truth, s, vary is True, seed=1000 * si + ci, moved=moved)
            for m, f in methods.items():
                if getattr(f, "library", False):
                    out = f(truth, orig, ans, left, top, name=name, shape=shape)
                    timings.setdefault(m, []).append(lib.elapsed)
                else:
                    out = f(truth, orig, ans, left, top)
                r = metrics(out, truth, orig, left, top) if m != "truth" else metrics(truth, truth, orig, left, top)
                r.update({"scene": name, "cast_kind": label, "method": m})
                if getattr(f, "library", False):
                    r["report"] = {k: lib.report[k] for k in ("seamJump", "colourStep", "deltaE", "bandSharpness", "residualCast", "overlapResidual")}
                    r["registration"] = lib.report["correction"]["registration"]
                results.append(r)
                if label == "8%" and shape == "16:9":
                    band = out[:, max(0, left - 48):left + 48]
                    crops.setdefault(name, []).append(band)
            print(f"{name} {label}: done", file=sys.stderr)
    # The offline fills against the true surroundings.
    fills = fill_methods(lib)
    fill_results = []
    fill_crops = []
    for name, truth, orig, left, top, shape in scenes(args.smoke):
        row = [truth]
        for m, f in fills.items():
            img = f(truth, orig, left, top, shape, name)
            if m == "local":
                timings.setdefault("local run", []).append(lib.elapsed)
            r = fill_metrics(img, truth, orig, left, top)
            r.update({"scene": name, "method": m})
            fill_results.append(r)
            row.append(img)
        truth_r = fill_metrics(truth, truth, orig, left, top)
        truth_r.update({"scene": name, "method": "truth"})
        fill_results.append(truth_r)
        if shape == "16:9":
            fill_crops.append([np.asarray(Image.fromarray(x).resize((320, 180), Image.LANCZOS)) for x in row])
    with open(os.path.join(args.out, "quality.json"), "w") as fh:
        json.dump({"results": results, "fills": fill_results,
                   "timings_s": {k: float(np.median(v)) for k, v in timings.items()}}, fh, indent=1)
    # The table: means over scenes, per cast and method.
    lines = []
    for label, _, _ in casts:
        lines.append(f"\n**cast {label}** (means over {len(scenes(args.smoke))} scenes)\n")
        lines.append("| method | SJR | step4 | worst step4 | cast | band GE | PSNR near seam | orig MAD | orig identical |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for m in methods:
            rs = [r for r in results if r["method"] == m and r["cast_kind"] == label]
            mean = lambda k: np.mean([r[k] for r in rs])
            lines.append(f"| {m} | {mean('sjr'):.2f} | {mean('step4'):.2f} | {max(r['worst_step4'] for r in rs):.2f} | "
                         f"{mean('cast'):.2f} | {mean('ge'):.2f} | {mean('psnr'):.1f} | {mean('mad'):.2f} | {100 * mean('same'):.1f} % |")
    # Per scene at 8%: the step of each method, and whether the library's default is the
    # lowest of all (the truth and the bare answer aside).
    lines.append("\n**step4 per scene, cast 8%** (lowest marked)\n")
    shown = [m for m in methods if m not in ("truth", "answer")]
    lines.append("| scene | " + " | ".join(shown) + " |")
    lines.append("|---" * (len(shown) + 1) + "|")
    for name in dict.fromkeys(r["scene"] for r in results):
        row = {r["method"]: r["step4"] for r in results if r["scene"] == name and r["cast_kind"] == "8%"}
        if not row:
            continue
        best = min(row[m] for m in shown)
        lines.append(f"| {name} | " + " | ".join(
            (f"**{row[m]:.2f}**" if row[m] == best else f"{row[m]:.2f}") for m in shown) + " |")
    lines.append(f"\n**offline fills** (means over {len(scenes(args.smoke))} scenes, against the true surroundings)\n")
    lines.append("| fill | MAE | MAE low-frequency | texture | mirror correlation |")
    lines.append("|---|---|---|---|---|")
    for m in ["truth", *fills]:
        rs = [r for r in fill_results if r["method"] == m]
        mean = lambda k: np.mean([r[k] for r in rs])
        lines.append(f"| {m} | {mean('mae'):.1f} | {mean('mae_lf'):.1f} | {mean('tex'):.2f} | {mean('mirror'):.2f} |")
    moved_rs = [r for r in results if r["cast_kind"] == "moved 8%" and r["method"] == "lib_field"]
    if moved_rs:
        lines.append("\n**registration, moved 8%** (the answer shifted by (4, -3) px and scaled by 1.02)\n")
        lines.append("| scene | dx | dy | scale | applied |")
        lines.append("|---|---|---|---|---|")
        for r in moved_rs:
            g = r["registration"]
            lines.append(f"| {r['scene']} | {g['dx']:.2f} | {g['dy']:.2f} | {g['scale']:.4f} | {g['applied']} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "table.md"), "w") as fh:
        fh.write(table)
    print(table)
    if crops:
        sheet(os.path.join(args.out, "sheet_seams_8pct.png"), list(crops.values()), list(methods))
    if fill_crops:
        sheet(os.path.join(args.out, "sheet_fills.png"), fill_crops, ["truth", *fills])
    print(f"wrote {args.out}/quality.json, table.md and the sheets", file=sys.stderr)


if __name__ == "__main__":
    main()
