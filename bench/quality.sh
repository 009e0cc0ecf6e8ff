#!/usr/bin/env bash
# The seam quality bench (bench/quality/run.py): the scikit-image photos, simulated
# provider answers, every baseline and this library side by side in one run. Writes
# target/quality/{quality.json,table.md,sheet_*.png}; never asserts numbers.
#
#   bench/quality.sh           8 scenes x 4 casts (about a minute)
#   bench/quality.sh --smoke   one scene, one cast (the test command runs this)
set -euo pipefail
trap 'echo "quality.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."

# numpy, Pillow, scikit-image (its photos) and OpenCV (Poisson, Lab) from PyPI, pinned,
# in a virtualenv of their own under target/ (kept between runs).
venv=target/quality-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL, numpy, skimage, cv2" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "numpy==2.3.5" "pillow==12.0.0" \
    "scikit-image==0.26.0" "opencv-python-headless==5.0.0.93"
fi
cargo build -q -p outpaint-cli
out=target/quality
[ "${1:-}" = "--smoke" ] && out=target/quality-smoke
"$venv/bin/python" bench/quality/run.py --cli target/debug/outpaint --out "$out" "$@"
