"""The S3-compatible server the tests run against: moto's server (PyPI `moto[server]`, the
version scripts/s3-tests.sh pins) on 127.0.0.1, with two changes made here, outside moto:

- One request at a time (unless --threaded). moto checks a conditional write's
  precondition and then performs the write as two steps, so on its default threaded
  server two racing `If-Match` writes can both succeed; tests/s3/check.py shows it. S3
  itself makes a conditional write atomic, and a server taking one request at a time does
  too.
- --state FILE: the objects are saved there when the server is stopped (SIGTERM or
  SIGINT) and loaded when it starts, so a test can stop and restart it mid-run without
  losing what was written. The ETags come back the same: moto's ETag is the MD5 of a
  single-part object's bytes, as S3's is.

Usage: server.py --port N [--threaded] [--state FILE]
"""

import argparse
import base64
import json
import os
import signal
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import s3_backends
from werkzeug.serving import run_simple

REGION = "us-east-1"


def backend():
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def save(path):
    buckets = {}
    for name, bucket in backend().buckets.items():
        buckets[name] = {
            key: base64.b64encode(obj.value).decode()
            for key, obj in bucket.keys.items()
        }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(buckets, f)
    os.replace(tmp, path)


def load(path):
    with open(path) as f:
        buckets = json.load(f)
    for name, objects in buckets.items():
        backend().create_bucket(name, REGION)
        for key, value in objects.items():
            backend().put_object(name, key, base64.b64decode(value))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threaded", action="store_true")
    p.add_argument("--state")
    args = p.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    if args.state and os.path.exists(args.state):
        load(args.state)

    def stop(signum, frame):
        if args.state:
            save(args.state)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1",
        args.port,
        app,
        threaded=args.threaded,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
