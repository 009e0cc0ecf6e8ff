#!/usr/bin/env bash
# Coverage-guided fuzzing on the stable toolchain: cargo-fuzz (libFuzzer) with
# `--sanitizer none` (no nightly here; Rust's bounds, overflow and debug-assertion checks
# find the bugs, and the C door's panic boundary reporting PANIC counts as a crash).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]    (default: 5 s, every target)
#
# Each target starts from its committed seeds (fuzz/corpus/TARGET, crash inputs of fixed
# bugs included) and what earlier runs found (target/fuzz/corpus/TARGET, a cache); a crash
# or a leak of time or memory fails the script, with the input in
# target/fuzz/artifacts/TARGET/. docs/fuzzing.md has the targets and the long-run figures.
set -euo pipefail
trap 'echo "fuzz.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."

secs=${1:-5}
shift || true
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is needed (scripts/setup.sh installs it)"; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)

build=(--fuzz-dir fuzz --sanitizer none --debug-assertions --target-dir target/fuzz/build)
cargo fuzz build "${build[@]}"
for t in "${targets[@]}"; do
  mkdir -p "target/fuzz/corpus/$t" "target/fuzz/artifacts/$t"
  log="target/fuzz/$t.log"
  if ! cargo fuzz run "${build[@]}" "$t" "target/fuzz/corpus/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="target/fuzz/artifacts/$t/" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t failed; the input is in target/fuzz/artifacts/$t/"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  echo "fuzz: $t: ${runs:-?} runs in ${secs} s, coverage ${cov:-?} edges, peak RSS ${rss:-?} MB, no crash"
done
