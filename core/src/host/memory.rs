//! A thread-safe in-memory store with per-store write counters as tags.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::engine::{Expect, HostError, Stored, Tag};
use crate::host::Storage;
use crate::session::check_key;

/// Keys to `(bytes, tag)`, plus the last tag handed out.
type Entries = (u64, BTreeMap<String, (Vec<u8>, u64)>);

/// A thread-safe in-memory store; tags are per-store write counters.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Entries>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The bytes under `key` (for tests and inspection).
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.entries().1.get(key).map(|(b, _)| b.clone())
    }
}

impl Storage for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        check_key(key).map_err(HostError::new)?;
        Ok(self.entries().1.get(key).map(|(b, t)| Stored {
            bytes: b.clone(),
            tag: t.to_string(),
        }))
    }

    fn put(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<Tag>, HostError> {
        check_key(key).map_err(HostError::new)?;
        let mut g = self.entries();
        let current = g.1.get(key).map(|(_, t)| t.to_string());
        if !expected.holds(current.as_deref()) {
            return Ok(None);
        }
        g.0 += 1;
        let tag = g.0;
        g.1.insert(key.to_string(), (body.to_vec(), tag));
        Ok(Some(tag.to_string()))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        Ok(self
            .entries()
            .1
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}
