"""A look at an S3 bucket through boto3, AWS's own SDK, so the tests see what is stored the
way any other S3 client would, not through this project's store.

Usage: objects.py ENDPOINT BUCKET list PREFIX      (JSON: [{key, size, etag}])
       objects.py ENDPOINT BUCKET get KEY          (the bytes, to stdout)
       objects.py ENDPOINT BUCKET put KEY < BYTES  (prints the new ETag)
       objects.py ENDPOINT BUCKET mkbucket
"""

import json
import sys

import boto3

endpoint, bucket, verb, *rest = sys.argv[1:]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
if verb == "list":
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=rest[0]):
        for o in page.get("Contents", []):
            out.append({"key": o["Key"], "size": o["Size"], "etag": o["ETag"]})
    print(json.dumps(out))
elif verb == "get":
    sys.stdout.buffer.write(s3.get_object(Bucket=bucket, Key=rest[0])["Body"].read())
elif verb == "put":
    print(s3.put_object(Bucket=bucket, Key=rest[0], Body=sys.stdin.buffer.read())["ETag"])
elif verb == "mkbucket":
    s3.create_bucket(Bucket=bucket)
else:
    sys.exit(f"unknown verb {verb}")
