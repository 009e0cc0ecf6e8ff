"""The bombs of the reliability audit through every door, one process each, with its
peak RSS (wait4's ru_maxrss): the CLI (`outpaint run|prepare`), the npm package under
Node (`runLocal`/`preparePng`, then a small call on the same instance) and the C library
(`outpaint_decode` + `outpaint_run_local`/`outpaint_prepare`, then a small call). Every
one must end with its expected code, inside the default 1 GiB working-memory budget
(peak RSS under 1.5 GB: the budget, the decoded input and the runtime), and within a
time limit. Prints the table (Markdown) that docs/reliability.md keeps.

    python3 tests/bombs/bombs.py CLI C_DOOR [--table]
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOO_LARGE, OK = "IMAGE_TOO_LARGE", "OK"
# bomb: (target, {op: expected}); the audit's figures are in its F3 and F7.
CASES = {
    "strip-1x14999.png": ("16:9", {"run": TOO_LARGE, "prepare": TOO_LARGE}),
    "zeros-10000x10000-1bit.png": ("16:9", {"run": TOO_LARGE, "prepare": TOO_LARGE}),
    "zeros-10000x10000-rgba16.png": ("16:9", {"run": TOO_LARGE, "prepare": TOO_LARGE}),
    # Within every limit: a 34.8 MP picture expanded by 8 px a side runs, near the budget.
    "zeros-5900x5900-1bit.png": ("edges:8,8,8,8", {"run": OK, "prepare": OK}),
    "ihdr-100000x100000.png": ("16:9", {"prepare": TOO_LARGE}),
    "ihdr-2147483647.png": ("16:9", {"prepare": TOO_LARGE}),
    "sof-10000x10000.jpg": ("16:9", {"prepare": TOO_LARGE}),
    "sof-65535x65535.jpg": ("16:9", {"prepare": TOO_LARGE}),
    # A header and nothing after it: a cut file.
    "vp8x-16777216.webp": ("16:9", {"prepare": "CORRUPT_IMAGE"}),
    "iccp-800mb.png": ("16:9", {"run": OK, "prepare": OK}),
    "ztxt-256mb.png": ("16:9", {"run": OK, "prepare": OK}),
}
RSS_LIMIT_MB = 1500
TIME_LIMIT_S = 120


def measured(cmd):
    """Runs cmd; returns (exit status, stdout, stderr, peak RSS in MB, seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.monotonic() - t
        out.seek(0)
        err.seek(0)
        return (os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode(),
                usage.ru_maxrss / 1024, secs)


def code_of(door, rc, out, err):
    if door == "cli":
        if rc == 0:
            return OK
        line = next((l for l in err.splitlines() if l.startswith("error: ")), err.strip())
        return line[len("error: "):].split(":")[0] if line.startswith("error: ") else f"rc {rc}: {err[-200:]}"
    if rc != 0:
        return f"rc {rc}: {err[-300:]}"
    return out.strip().splitlines()[-1] if out.strip() else "nothing"


def main():
    cli, c_door = sys.argv[1], sys.argv[2]
    rows, bad = [], []
    with tempfile.TemporaryDirectory() as tmp:
        make.main(tmp)
        for name, (target, ops) in CASES.items():
            path = os.path.join(tmp, name)
            size = os.path.getsize(path)
            for op, want in ops.items():
                doors = {
                    "cli": [cli, op, path, "--target", target, "--fill", "blur", "--feather", "32",
                            "--out", os.path.join(tmp, "out")],
                    "npm": ["node", os.path.join(HERE, "door.mjs"), path, op, target],
                    "c": [c_door, path, op, target],
                }
                for door, cmd in doors.items():
                    rc, out, err, rss, secs = measured(cmd)
                    got = code_of(door, rc, out, err)
                    ok = got == want and rss <= RSS_LIMIT_MB and secs <= TIME_LIMIT_S
                    rows.append((name, size, op, door, got, rss, secs, ok))
                    if not ok:
                        bad.append(f"{name} {op} via {door}: {got} (want {want}), {rss:.0f} MB, {secs:.1f} s")
    print("| input | bytes | op | door | outcome | peak RSS | time |")
    print("|---|---|---|---|---|---|---|")
    for name, size, op, door, got, rss, secs, ok in rows:
        print(f"| {name} | {size} | {op} | {door} | {got}{'' if ok else ' **FAILED**'} | {rss:.0f} MB | {secs:.1f} s |")
    if bad:
        print("\n".join(["bombs: failed:"] + bad))
        sys.exit(1)
    print(f"bombs: {len(rows)} runs, each with its expected outcome, peak RSS at most "
          f"{max(r[5] for r in rows):.0f} MB, the slowest {max(r[6] for r in rows):.1f} s")


if __name__ == "__main__":
    main()
