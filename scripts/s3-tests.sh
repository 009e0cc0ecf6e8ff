#!/usr/bin/env bash
# Sessions on a real S3-compatible server: moto's server (PyPI `moto[server]`, pinned
# below, in target/s3-venv) on 127.0.0.1, one request at a time (tests/s3/server.py says
# why). First a check that it enforces If-None-Match / If-Match atomically, through boto3
# (tests/s3/check.py); then over it the storage contract and 16-thread race
# (store/tests/contract.rs), every engine transcript (store/tests/transcripts.rs), and the
# CLI with 16 writer processes, killed writers, a restart and unsafe stores
# (tests/s3/cli.test.mjs), the npm host (outpaint-wasm/s3: the contract, every transcript,
# 16 Node and CLI writers on one session; tests/s3/npm.test.mjs), the README's S3 tour as
# written (tests/s3/readme.test.mjs), each on servers of their own; last, the latency and
# request counts of each operation against the folder store (bench/store.mjs, once).
set -euo pipefail
trap 'echo "s3-tests.sh:$LINENO failed: $BASH_COMMAND"' ERR
cd "$(dirname "$0")/.."

MOTO=5.2.5
VENV=target/s3-venv
if ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO')" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO"
fi
export OUTPAINT_S3_PYTHON="$PWD/$VENV/bin/python"

PORT=$("$OUTPAINT_S3_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=target/s3-server.log
"$OUTPAINT_S3_PYTHON" tests/s3/server.py --port "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
"$OUTPAINT_S3_PYTHON" - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=1)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("the S3 server did not come up in 10 s")
PY

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ALLOW_HTTP=true
"$OUTPAINT_S3_PYTHON" tests/s3/objects.py "$AWS_ENDPOINT_URL" outpaint-tests mkbucket
"$OUTPAINT_S3_PYTHON" tests/s3/check.py "$AWS_ENDPOINT_URL" outpaint-tests --rounds 5 --writers 16
export OUTPAINT_S3_STORE=s3://outpaint-tests/rust

cargo test -p outpaint-store --test contract --test transcripts -- --ignored --nocapture
cargo build -q -p outpaint-cli
node --test tests/s3/
node bench/store.mjs --runs 3
