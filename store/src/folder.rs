//! A folder store for the session engine: key `a/b.json` is the file `DIR/a/b.json`;
//! the version tag is a hash of the file's bytes. Writes go to a temporary file and are
//! renamed into place; an OS lock on `DIR/.lock` (`flock`, released by the kernel when
//! its holder dies, however it dies) serialises compare-and-swap between processes.
//! Temporary files of writers that died mid-write are removed by the next writer.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use outpaint_core::engine::{Expect, HostError, Stored};
use outpaint_core::host::Storage;
use outpaint_core::{Error, ErrorCode};

use outpaint_core::session::check_key;

/// Sessions kept under a folder.
#[derive(Debug)]
pub struct FolderStore {
    root: PathBuf,
}

fn tag_of(bytes: &[u8]) -> String {
    // FNV-1a 64 plus the length: changes whenever the content does.
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}-{}", bytes.len())
}

/// The store's write lock, held while it lives (closing the file releases it).
struct Lock {
    _file: fs::File,
}

/// How long a writer waits for the lock before `STORAGE_ERROR`.
const LOCK_WAIT: Duration = Duration::from_secs(10);

impl FolderStore {
    /// A store rooted at `root` (created when missing); `STORAGE_ERROR` when it cannot
    /// be.
    pub fn open(root: &Path) -> Result<Self, Error> {
        fs::create_dir_all(root)
            .map_err(|e| Error::new(ErrorCode::StorageError, format!("{}: {e}", root.display())))?;
        Ok(FolderStore {
            root: root.to_path_buf(),
        })
    }

    /// `path` as its messages name it: relative to the root (a key, `.lock`), so an
    /// error stored on an iteration never carries the host's absolute paths. The root
    /// itself is named only when it cannot be opened.
    fn name(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => "the store's folder".into(),
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => "a path outside the store".into(),
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf, String> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    fn lock(&self) -> Result<Lock, String> {
        let path = self.root.join(".lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", self.name(&path)))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { _file: file }),
                Err(fs::TryLockError::WouldBlock) => {
                    if start.elapsed() > LOCK_WAIT {
                        return Err(format!(
                            "{} is held by another writer for over {} s",
                            self.name(&path),
                            LOCK_WAIT.as_secs()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(format!("{}: {e}", self.name(&path)))
                }
            }
        }
    }
}

/// Removes the temporary files left in `dir` by writers that died mid-write (only
/// called under the lock, when no live writer has one).
fn clean_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if is_temporary(&e.file_name().to_string_lossy()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `status.tmp1234`: a temporary file of writer 1234.
fn is_temporary(name: &str) -> bool {
    name.rsplit_once(".tmp")
        .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

impl Storage for FolderStore {
    fn get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        self.read(key).map_err(HostError::new)
    }

    fn put(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<String>, HostError> {
        self.write(key, body, expected).map_err(HostError::new)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        self.keys(prefix).map_err(HostError::new)
    }
}

impl FolderStore {
    fn read(&self, key: &str) -> Result<Option<Stored>, String> {
        let path = self.path(key)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(Stored {
                tag: tag_of(&bytes),
                bytes,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", self.name(&path))),
        }
    }

    fn write(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<String>, String> {
        let path = self.path(key)?;
        let _lock = self.lock()?;
        let current = self.read(key)?.map(|s| s.tag);
        if !expected.holds(current.as_deref()) {
            return Ok(None);
        }
        let dir = path.parent().expect("keys have a folder");
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", self.name(dir)))?;
        clean_temporaries(dir);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(body)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("{}: {e}", self.name(&path)))?;
        Ok(Some(tag_of(body)))
    }

    fn keys(&self, prefix: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", self.name(&dir))),
            };
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: {e}", self.name(&dir)))?;
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    if key.starts_with(prefix)
                        && !name.is_some_and(|n| is_temporary(&n) || n == ".lock")
                    {
                        out.push(key);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
