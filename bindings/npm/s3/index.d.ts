// outpaint-wasm/s3: the session storage of `run(...)` on S3 or an S3-compatible server.
import type { Expect, Storage, Stored } from "outpaint-wasm";

/** Where and how to reach the bucket. Every field but `bucket` has a default. */
export interface S3StorageOptions {
  /** The bucket's name. */
  bucket: string;
  /** A key prefix, so several apps share a bucket (`"app/sessions-v1"`); default none. */
  prefix?: string;
  /** Default `AWS_REGION` / `AWS_DEFAULT_REGION`, else `"us-east-1"`. */
  region?: string;
  /** An S3-compatible server (MinIO, R2, ...); default `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else AWS's. */
  endpoint?: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`; default: true with a custom endpoint. */
  pathStyle?: boolean;
  /** Default: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The HTTP client (default: the global `fetch`). */
  fetch?: (request: Request) => Promise<Response>;
}

/** A `Storage` on S3, plus what the probe and tests use. */
export interface S3Storage extends Storage {
  /** `s3://bucket/prefix`. */
  readonly name: string;
  get(key: string): Promise<Stored | null>;
  put(key: string, bytes: Uint8Array, expected: Expect): Promise<string | null>;
  list(prefix: string): Promise<string[]>;
  /** Removes a key. */
  delete(key: string): Promise<void>;
  /** Rejects with a `STORAGE_ERROR` when the store does not refuse writes whose precondition fails. */
  probe(): Promise<void>;
}

/** A storage failure (`code: "STORAGE_ERROR"`). */
export class S3StorageError extends Error {
  readonly code: "STORAGE_ERROR";
}

/** The storage, without the opening probe (`openS3Storage` probes). */
export function s3Storage(options: S3StorageOptions): S3Storage;
/** The storage, once the probe shows the store honours `If-Match` and `If-None-Match`. */
export function openS3Storage(options: S3StorageOptions): Promise<S3Storage>;
