//! Sessions in an object store through `object_store`: S3 (and S3-compatible servers),
//! Google Cloud Storage, Azure Blob. Compare-and-swap is the store's own conditional
//! write: a put that expects a tag sends `If-Match: <ETag>`, one that expects an absent
//! key `If-None-Match: *`; the server refuses with 412 when another writer got in first,
//! and the engine re-reads and re-applies. Nothing is locked, so writers on any number of
//! machines share a session safely.
//!
//! Writes are sent once, never retried by the client: a retried conditional put whose
//! first attempt landed would read as a conflict, and the engine would apply its step a
//! second time. A lost answer is a `STORAGE_ERROR` instead (the stale rule settles an
//! iteration it leaves `in_progress`). Reads and listings are retried a few times.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path;
use object_store::{
    ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutPayload, RetryConfig, UpdateVersion,
};
use outpaint_core::engine::{Expect, HostError, Stored, Tag};
use outpaint_core::host::Storage;
use outpaint_core::{Error, ErrorCode};

use outpaint_core::session::check_key;

/// The URL schemes [`ObjectStorage::open`] takes.
pub(crate) const SCHEMES: [&str; 4] = ["s3", "s3a", "gs", "az"];

/// Where the opening probe writes (removed again; never under `sessions/`).
const PROBE_FOLDER: &str = ".outpaint-probe";

/// Sessions in an object store, under a key prefix.
#[derive(Debug)]
pub struct ObjectStorage {
    /// Gets and listings, retried on transient failures.
    reads: Arc<dyn ObjectStore>,
    /// Puts and deletes, sent once.
    writes: Arc<dyn ObjectStore>,
    /// `""` or a prefix ending in `/`, put before every key.
    prefix: String,
    /// The store as the user named it (no credentials), for messages.
    name: String,
    runtime: tokio::runtime::Runtime,
}

fn storage_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::StorageError, message)
}

/// The bucket (or container) and the key prefix of `s3://bucket/a/b`: `("bucket",
/// "a/b/")`.
fn split_url(url: &str) -> Result<(&str, &str, String), Error> {
    let invalid = |why: &str| Error::new(ErrorCode::InvalidOption, format!("store {url:?}: {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid("not a URL"))?;
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(invalid("names no bucket"));
    }
    let path = path.trim_matches('/');
    if !path.is_empty() {
        check_key(path).map_err(|_| invalid("the prefix has an empty, `.` or `..` part"))?;
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    Ok((scheme, bucket, prefix))
}

/// The retry policy of reads (a few quick retries) or writes (none).
fn retry(retries: usize) -> RetryConfig {
    RetryConfig {
        max_retries: retries,
        retry_timeout: Duration::from_secs(15),
        ..RetryConfig::default()
    }
}

/// One client of the bucket, configured from the environment.
fn build(scheme: &str, bucket: &str, retries: usize) -> object_store::Result<Arc<dyn ObjectStore>> {
    // `s3a://` is S3.
    let scheme = if scheme == "s3a" { "s3" } else { scheme };
    let url = format!("{scheme}://{bucket}");
    Ok(match scheme {
        "gs" => Arc::new(
            GoogleCloudStorageBuilder::from_env()
                .with_url(url)
                .with_retry(retry(retries))
                .build()?,
        ),
        "az" => Arc::new(
            MicrosoftAzureBuilder::from_env()
                .with_url(url)
                .with_retry(retry(retries))
                .build()?,
        ),
        _ => Arc::new(
            AmazonS3Builder::from_env()
                .with_url(url)
                .with_retry(retry(retries))
                .build()?,
        ),
    })
}

impl ObjectStorage {
    /// Opens `s3://bucket/prefix` (also `s3a://`), `gs://bucket/prefix` or
    /// `az://container/prefix`, configured from the environment as `object_store` reads
    /// it (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, `GOOGLE_SERVICE_ACCOUNT`,
    /// `AZURE_STORAGE_ACCOUNT_NAME`, ...), then probes it: a store that does not refuse a
    /// conditional write whose condition fails is `STORAGE_ERROR`, as is one that cannot
    /// be reached. A malformed URL is `INVALID_OPTION`.
    pub fn open(url: &str) -> Result<Self, Error> {
        let (scheme, bucket, prefix) = split_url(url)?;
        // reqwest's TLS takes the process's crypto provider: ring, as the rest of the
        // program. Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("outpaint-store")
            .enable_all()
            .build()
            .map_err(|e| storage_error(format!("{url}: no I/O runtime: {e}")))?;
        let configure = |retries| {
            build(scheme, bucket, retries)
                .map_err(|e| Error::new(ErrorCode::InvalidOption, format!("store {url}: {e}")))
        };
        let store = ObjectStorage {
            reads: configure(3)?,
            writes: configure(0)?,
            prefix,
            name: url.trim_end_matches('/').to_string(),
            runtime,
        };
        store.probe().map_err(storage_error)?;
        Ok(store)
    }

    /// Runs one request to its end on the store's runtime (any thread may call).
    fn run<T>(&self, f: impl Future<Output = T>) -> T {
        self.runtime.block_on(f)
    }

    fn path(&self, key: &str) -> Result<Path, String> {
        check_key(key)?;
        Path::parse(format!("{}{key}", self.prefix)).map_err(|e| format!("key {key:?}: {e}"))
    }

    fn fail(&self, key: &str, e: object_store::Error) -> String {
        format!("{}/{key}: {e}", self.name)
    }

    /// Checks that the store honours both preconditions, on a key of its own: creating it
    /// twice must be refused the second time, and an update naming a wrong ETag must be
    /// refused. Four requests; the key is removed again.
    fn probe(&self) -> Result<(), String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let key = format!("{PROBE_FOLDER}/{}-{nanos}.json", std::process::id());
        let unsafe_store = |what: &str| {
            format!(
                "{} does not honour {what} on writes, so concurrent writers would lose \
                 updates: refusing to use it (for S3-compatible servers, check that \
                 conditional writes are on; AWS_CONDITIONAL_PUT must not be `disabled`)",
                self.name
            )
        };
        if self
            .write(&key, b"{\"probe\":1}", &Expect::Absent)?
            .is_none()
        {
            return Err(format!("{}: the probe key {key} exists", self.name));
        }
        let outcome = (|| {
            if self
                .write(&key, b"{\"probe\":2}", &Expect::Absent)?
                .is_some()
            {
                return Err(unsafe_store("If-None-Match: *"));
            }
            let wrong = Expect::Tag(format!("\"outpaint-probe-{nanos}\""));
            if self.write(&key, b"{\"probe\":3}", &wrong)?.is_some() {
                return Err(unsafe_store("If-Match"));
            }
            Ok(())
        })();
        let path = self.path(&key)?;
        let _ = self.run(self.writes.delete(&path));
        outcome
    }

    fn write(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<Tag>, String> {
        let path = self.path(key)?;
        let mode = match expected {
            Expect::Any => PutMode::Overwrite,
            Expect::Absent => PutMode::Create,
            Expect::Tag(t) => PutMode::Update(UpdateVersion {
                e_tag: Some(t.clone()),
                version: None,
            }),
        };
        let payload = PutPayload::from(body.to_vec());
        match self.run(self.writes.put_opts(&path, payload, mode.into())) {
            Ok(done) => done
                .e_tag
                .map(Some)
                .ok_or_else(|| format!("{}/{key}: the store gave no ETag", self.name)),
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => Ok(None),
            // `If-Match` on a key that is gone.
            Err(object_store::Error::NotFound { .. }) if matches!(expected, Expect::Tag(_)) => {
                Ok(None)
            }
            Err(object_store::Error::NotImplemented { .. }) => Err(format!(
                "{}: conditional writes are turned off for this store (AWS_CONDITIONAL_PUT?)",
                self.name
            )),
            Err(e) => Err(self.fail(key, e)),
        }
    }

    fn read(&self, key: &str) -> Result<Option<Stored>, String> {
        let path = self.path(key)?;
        let got = match self.run(self.reads.get(&path)) {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.fail(key, e)),
        };
        let tag = tag_of(&got.meta)
            .ok_or_else(|| format!("{}/{key}: the store gave no ETag", self.name))?;
        let bytes = self.run(got.bytes()).map_err(|e| self.fail(key, e))?;
        Ok(Some(Stored {
            bytes: bytes.to_vec(),
            tag,
        }))
    }

    fn keys(&self, prefix: &str) -> Result<Vec<String>, String> {
        // Listings go by whole path segments: list the folder `prefix` is in and keep the
        // keys that start with it.
        let folder = match prefix.rfind('/') {
            Some(i) => &prefix[..i],
            None => "",
        };
        let full = format!("{}{folder}", self.prefix);
        let full = full.trim_end_matches('/');
        let at = (!full.is_empty()).then(|| Path::from(full));
        let metas: Vec<ObjectMeta> = self
            .run(self.reads.list(at.as_ref()).try_collect())
            .map_err(|e| self.fail(prefix, e))?;
        let mut keys: Vec<String> = metas
            .into_iter()
            .filter_map(|m| {
                let key = m.location.as_ref().strip_prefix(self.prefix.as_str())?;
                key.starts_with(prefix).then(|| key.to_string())
            })
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// The version tag of a stored object: its ETag, else its version id.
fn tag_of(meta: &ObjectMeta) -> Option<Tag> {
    meta.e_tag.clone().or_else(|| meta.version.clone())
}

impl Storage for ObjectStorage {
    fn get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        self.read(key).map_err(HostError::new)
    }

    fn put(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<Tag>, HostError> {
        self.write(key, body, expected).map_err(HostError::new)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        self.keys(prefix).map_err(HostError::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_bucket_and_prefix() {
        assert_eq!(split_url("s3://b").unwrap(), ("s3", "b", String::new()));
        assert_eq!(split_url("s3://b/").unwrap(), ("s3", "b", String::new()));
        assert_eq!(
            split_url("gs://b/app/sessions-v1/").unwrap(),
            ("gs", "b", "app/sessions-v1/".to_string())
        );
        for bad in ["s3:///x", "s3://b/a//c", "s3://b/../c"] {
            let e = split_url(bad).expect_err(bad);
            assert_eq!(e.code(), ErrorCode::InvalidOption, "{bad}");
        }
    }
}
