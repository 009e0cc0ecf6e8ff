#!/usr/bin/env bash
# The Python module (bindings/python) as a user gets it: installed with pip into a fresh
# virtualenv (pure Python, no compiler), beside Pillow and numpy from PyPI, over the C
# library the test command built; then its tests (expand, prepare, composite, the offline
# run, sessions, every bad input's code).
set -euo pipefail
trap 'echo "python-tests.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
lib=${OUTPAINT_LIB:-$target_dir/debug/liboutpaint.so}
[ -f "$lib" ] || cargo build -q -p outpaint-ffi
venv=$target_dir/python-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL, numpy, setuptools" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pillow==12.0.0" "numpy==2.3.5" "setuptools==80.9.0"
fi
# Reinstalled every run from a copy (setuptools leaves build/ and egg-info beside what it
# builds): the tests use what pip installed, not the source folder.
rm -rf "$target_dir/python-src" && mkdir -p "$target_dir/python-src"
cp -r bindings/python/pyproject.toml bindings/python/README.md bindings/python/outpaint "$target_dir/python-src/"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$target_dir/python-src"
root=$PWD
(cd "$target_dir" && OUTPAINT_LIB="$lib" "$venv/bin/python" -m unittest discover -s "$root/bindings/python/tests")
