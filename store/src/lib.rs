//! Session stores for outpaint's blocking host ([`outpaint_core::host::Storage`]): the
//! same keys, layout and JSON (SPEC 5-6) in a folder on one machine or in an object
//! store shared by many, so a store moves between backends with a plain copy.
//!
//! - [`FolderStore`]: files under a folder, compare-and-swap under an OS lock. Safe for
//!   any number of processes on one machine.
//! - [`ObjectStorage`] (feature `cloud`, on by default): S3 and S3-compatible servers,
//!   Google Cloud Storage and Azure Blob through the `object_store` crate, with the
//!   provider's own conditional writes (`If-Match` on the ETag, `If-None-Match: *` for
//!   a key that must be absent). A store that does not honour them is refused when it is
//!   opened, never used unsafely.
//!
//! [`open`] picks one from what a user types: `s3://bucket/prefix`, `gs://...`,
//! `az://container/prefix`, `file:///dir` or a plain folder path.
//!
//! The README's example (`store/tests/readme.rs` keeps the two the same; the README's
//! copy is not compiled there, the core crate's doctests cannot name this crate):
//!
//! ```no_run
//! use outpaint_core::host::{run, LocalProvider, SystemClock};
//! use outpaint_core::session::Model;
//! use outpaint_core::{EngineConfig, Operation};
//! let store = outpaint_store::open("s3://my-bucket/outpaint")?; // probed first
//! let op = Operation::Generate { prompt: "a lake at dawn".into(), models: vec![Model::Flux], image: None };
//! let out = run(op, EngineConfig::default(), &*store, &LocalProvider, &SystemClock, 42)?;
//! println!("{}", out.session.unwrap().session_id);
//! # Ok::<(), outpaint_core::Error>(())
//! ```

mod folder;
#[cfg(feature = "cloud")]
mod object;

pub use folder::FolderStore;
#[cfg(feature = "cloud")]
pub use object::ObjectStorage;

use outpaint_core::host::Storage;
use outpaint_core::{Error, ErrorCode};

/// Opens the store `spec` names: an object store URL (`s3://bucket/prefix`, `gs://`,
/// `az://`; credentials, region and endpoint from the usual environment variables such
/// as `AWS_ACCESS_KEY_ID`, `AWS_REGION` and `AWS_ENDPOINT_URL`), `file:///dir`, or a
/// folder path. An object store is probed before it is returned: one that does not
/// honour conditional writes is `STORAGE_ERROR`. An unknown scheme is `INVALID_OPTION`.
pub fn open(spec: &str) -> Result<Box<dyn Storage + Send>, Error> {
    match spec.split_once("://") {
        None => Ok(Box::new(FolderStore::open(std::path::Path::new(spec))?)),
        Some(("file", path)) => Ok(Box::new(FolderStore::open(std::path::Path::new(path))?)),
        #[cfg(feature = "cloud")]
        Some((scheme, _)) if object::SCHEMES.contains(&scheme) => {
            Ok(Box::new(ObjectStorage::open(spec)?))
        }
        Some((scheme, _)) => Err(Error::new(
            ErrorCode::InvalidOption,
            format!(
                "unknown store {scheme}://: use a folder, file://, {}",
                if cfg!(feature = "cloud") {
                    "s3://, gs:// or az://"
                } else {
                    "(this build has no object stores: feature `cloud`)"
                }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_invalid_options() {
        let e = open("ftp://host/dir").err().expect("refused");
        assert_eq!(e.code(), ErrorCode::InvalidOption);
        assert!(e.message().contains("ftp://"), "{}", e.message());
    }
}
