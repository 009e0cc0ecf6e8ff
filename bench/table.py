"""Merges bench/run.sh's JSON files into one Markdown table per size: median ms per
implementation, each one's ratio to outpaint native, native's ratio to the memory limit,
and the peak memory of `prepare`.

    python3 bench/table.py DIR
"""

import json
import os
import sys

IMPLS = ["native", "wasm", "pillow", "js", "canvas"]
NAMES = {
    "native": "outpaint (Rust)",
    "wasm": "outpaint wasm (Node)",
    "pillow": "Pillow",
    "js": "hand-written JS",
    "canvas": "Canvas 2D (Chromium)",
}
OPS = [
    "expand",
    "pad transparent",
    "pad edge",
    "pad blur",
    "mask feather 0",
    "mask feather 32",
    "composite feather 32",
    "png canvas fast",
    "png mask fast",
    "png canvas default",
    "prepare",
    "prepare (level 1)",
    "run",
]
# The wasm package's functions on JS objects copy pixels in and out on every call; these
# rows show that cost next to the Picture rows above (same native reference).
OBJECTS = " (objects)"
OPS += [
    op + OBJECTS
    for op in OPS
    if op.split()[0] in ("pad", "mask", "composite", "run") or op == "png canvas fast"
]
# The limit each native operation is held to: (reused-buffer form, limit) and
# (allocating form, limit into a fresh buffer).
LIMITS = {
    "pad": ("memcpy canvas", "canvas"),
    "mask": ("memset mask", "mask"),
    "composite": ("memcpy canvas", "canvas"),
}


def load(d):
    data, peaks, ratios = {}, {}, {}
    for impl in IMPLS:
        p = os.path.join(d, f"{impl}.json")
        if not os.path.exists(p):
            continue
        doc = json.load(open(p))
        for r in doc["results"]:
            data[(impl, r["size"], r["op"])] = r["ms"]
        for r in doc.get("peaks", []):
            peaks[(impl, r["size"])] = r
        for r in doc.get("ratios", []):
            ratios[(r["size"], r["op"])] = r["ratio"]
    pp = os.path.join(d, "peaks.json")
    if os.path.exists(pp):
        for r in json.load(open(pp)):
            peaks[(r["impl"], r["size"])] = r
    return data, peaks, ratios


def fmt(ms):
    if ms is None:
        return "-"
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def main():
    d = sys.argv[1]
    data, peaks, ratios = load(d)
    sizes = sorted({k[1] for k in data})
    out = []
    for side in sizes:
        tw = max(side, round(side * 16 / 9))
        out.append(f"\n### {side}x{side} -> {tw}x{side} (16:9, feather 32), median ms\n")
        head = "| operation | " + " | ".join(NAMES[i] for i in IMPLS) + " | native / limit |"
        out.append(head)
        out.append("|---" * (len(IMPLS) + 2) + "|")
        for op in OPS:
            native = data.get(("native", side, op.removesuffix(OBJECTS)))
            if op == "prepare (level 1)":
                native = data.get(("native", side, "prepare"))
            cells = []
            for impl in IMPLS:
                ms = data.get((impl, side, op))
                if ms is None:
                    cells.append("-")
                elif impl == "native" or not native:
                    cells.append(fmt(ms))
                else:
                    cells.append(f"{fmt(ms)} ({ms / native:.1f}x)")
            if all(c == "-" for c in cells):
                continue
            limit = ""
            kind = op.split()[0]
            if kind in LIMITS and native and not op.endswith(OBJECTS):
                what, _ = LIMITS[kind]
                reused = data.get(("native", side, f"{op} (reused)"))
                lim_r = data.get(("native", side, f"limit {what} (reused)"))
                lim_f = data.get(("native", side, f"limit {what} (fresh)"))
                parts = []
                # Ratios within pairs (the limit timed just before each run) where the
                # native run measured them; else the two medians.
                r_r = ratios.get((side, f"{op} (reused)"))
                r_f = ratios.get((side, op))
                if reused and lim_r:
                    r_r = r_r if r_r is not None else reused / lim_r
                    parts.append(f"reused {r_r:.2f}x ({fmt(reused)} vs {fmt(lim_r)})")
                if lim_f:
                    r_f = r_f if r_f is not None else native / lim_f
                    parts.append(f"fresh {r_f:.2f}x (vs {fmt(lim_f)})")
                wasm_r = data.get(("wasm", side, f"{op} (reused)"))
                if reused and wasm_r:
                    parts.append(f"wasm reused {wasm_r / reused:.1f}x native reused")
                limit = "; ".join(parts)
            out.append(f"| {op} | " + " | ".join(cells) + f" | {limit} |")
        lims = [
            f"{k[2][6:]} {fmt(v)}"
            for k, v in sorted(data.items())
            if k[0] == "native" and k[1] == side and k[2].startswith("limit ")
        ]
        out.append(f"\nLimits: {'; '.join(lims)} ms.")
        pk = []
        for impl in IMPLS:
            p = peaks.get((impl, side))
            if p:
                budget = p.get("budget") or peaks.get(("native", side), {}).get("budget")
                ratio = f" = {p['bytes'] / budget:.2f}x source + canvas + mask" if budget else ""
                pk.append(f"{NAMES[impl]} {p['bytes'] / 1e6:.1f} MB{ratio}")
        if pk:
            out.append(f"Peak memory of one prepare (native: heap; others: RSS growth of a fresh process): {'; '.join(pk)}.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
