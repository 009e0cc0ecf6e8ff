//! A folder store for the session engine: key `a/b.json` is the file `DIR/a/b.json`;
//! the version tag is a hash of the file's bytes. Writes go to a temporary file and are
//! renamed into place; a lock file serialises compare-and-swap between processes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use outpaint_core::engine::{Expect, HostError, Stored};
use outpaint_core::host::Storage;

/// Sessions kept under a folder.
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

struct Lock(PathBuf);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl FolderStore {
    /// A store rooted at `root` (created when missing).
    pub fn new(root: &Path) -> Result<Self, String> {
        fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
        Ok(FolderStore {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf, String> {
        if key
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
            || key.contains('\\')
        {
            return Err(format!("refusing key {key:?}"));
        }
        Ok(self.root.join(key))
    }

    fn lock(&self) -> Result<Lock, String> {
        let path = self.root.join(".lock");
        let start = Instant::now();
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(Lock(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() > Duration::from_secs(10) {
                        return Err(format!("{} is held for over 10 s", path.display()));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
    }
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
            Err(e) => Err(format!("{}: {e}", path.display())),
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
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(body)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(tag_of(body)))
    }

    fn keys(&self, prefix: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", dir.display())),
            };
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) && !key.contains(".tmp") {
                        out.push(key);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
