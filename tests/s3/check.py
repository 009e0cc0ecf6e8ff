"""Checks, before any test uses it, that an S3 server enforces conditional writes the way
the session store relies on (PutObject with `IfNoneMatch="*"` and `IfMatch=<ETag>`, as
S3 documents them), atomically: N writers racing the same `If-Match` write must see
exactly one success. It speaks through boto3, AWS's own SDK (installed with moto), so the
requests are the SDK's, not this project's. Prints what it found; exits 1 when the server
falls short.

Usage: check.py ENDPOINT BUCKET [--rounds R] [--writers N]
"""

import argparse
import sys
import threading
import uuid

import boto3
import botocore.exceptions

ENDPOINT = None


def client():
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def put(s3, bucket, key, body, **conditions):
    """(HTTP status, ETag) of one PutObject."""
    try:
        r = s3.put_object(Bucket=bucket, Key=key, Body=body, **conditions)
        return r["ResponseMetadata"]["HTTPStatusCode"], r.get("ETag")
    except botocore.exceptions.ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("bucket")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--writers", type=int, default=16)
    a = p.parse_args()
    global ENDPOINT
    ENDPOINT = a.endpoint
    s3 = client()
    key = f".check/{uuid.uuid4()}"
    failures = []

    status, etag = put(s3, a.bucket, key, b"first", IfNoneMatch="*")
    if status != 200 or not etag:
        failures.append(f"a create answered {status} (ETag {etag!r}), not 200 with an ETag")
    status, _ = put(s3, a.bucket, key, b"second", IfNoneMatch="*")
    if status != 412:
        failures.append(f"If-None-Match: * on an existing key answered {status}, not 412")
    status, _ = put(s3, a.bucket, key, b"third", IfMatch='"0123456789abcdef0123456789abcdef"')
    if status != 412:
        failures.append(f"If-Match with a wrong ETag answered {status}, not 412")
    status, etag2 = put(s3, a.bucket, key, b"fourth", IfMatch=etag or "")
    if status != 200:
        failures.append(f"If-Match with the current ETag answered {status}, not 200")
    basics = len(failures)

    # The race: every writer holds the same current ETag; exactly one may win.
    doubled = 0
    current = etag2
    for r in range(a.rounds):
        wins = []
        go = threading.Barrier(a.writers)
        clients = [client() for _ in range(a.writers)]

        def writer(i):
            go.wait()
            body = f"round {r} writer {i}".encode()
            s, t = put(clients[i], a.bucket, key, body, IfMatch=current or "")
            if s == 200:
                wins.append(t)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(a.writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if len(wins) != 1:
            doubled += 1
            failures.append(
                f"race {r}: {len(wins)} of {a.writers} writers holding the same ETag won, not 1"
            )
        current = wins[-1] if wins else current

    print(
        f"conditional writes: create/If-None-Match/If-Match {'FAIL' if basics else 'ok'}; "
        f"{a.rounds - doubled} of {a.rounds} races of {a.writers} writers had exactly one winner"
    )
    for f in failures:
        print("  " + f)
    s3.delete_object(Bucket=a.bucket, Key=key)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
