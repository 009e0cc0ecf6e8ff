//! Test support shared by the integration tests (`mod support;`): one clock, one
//! fault-injecting store, one scripted transport, so every test drives the engine with
//! the same host parts (quinn-proto's `tests/util.rs` habit).
#![allow(dead_code)] // each test crate uses a part

pub mod transcripts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use outpaint_core::engine::{
    Answer, Effect, EffectId, EffectKind, Engine, Expect, HostError, Stored, Tag,
};
use outpaint_core::host::{Clock, MemoryStore, Storage, Transport};
use outpaint_core::providers::{HttpReply, Request};

/// 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;

/// A clock that moves only when told: by `tick` ms on every read (so timestamps differ)
/// and by every wait, which it records.
pub struct TestClock {
    now: AtomicU64,
    tick: u64,
    waits: Mutex<Vec<u64>>,
}

impl TestClock {
    /// Starts at `T0` and advances 1 ms per read.
    pub fn ticking() -> Self {
        TestClock {
            now: AtomicU64::new(T0),
            tick: 1,
            waits: Mutex::new(Vec::new()),
        }
    }

    /// Starts at `T0` and moves only by waits.
    pub fn still() -> Self {
        TestClock {
            tick: 0,
            ..TestClock::ticking()
        }
    }

    /// The waits so far, in ms.
    pub fn waits(&self) -> Vec<u64> {
        self.waits.lock().unwrap().clone()
    }

    /// The time now, without advancing it.
    pub fn peek(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.now.fetch_add(self.tick, Ordering::SeqCst)
    }
    fn sleep(&self, ms: u64) {
        self.waits.lock().unwrap().push(ms);
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

/// One injected storage failure.
struct Fault {
    kind: EffectKind,
    /// Only keys containing this (empty: every key).
    key_part: String,
    message: String,
    /// How many more times (`None`: until healed).
    times: Option<u32>,
}

/// The in-memory store with faults on demand: failing reads, writes or listings (once or
/// until healed, on keys containing a part), another writer that gets in right after a
/// read, a count of refused compare-and-swaps, and a yield on every call so threads
/// really interleave. Tags count writes (`1`, `2`, ...), as `MemoryStore`'s do, over
/// memory or (`over`) any other store.
pub struct TestStore {
    inner: Box<dyn Storage + Send>,
    faults: Mutex<Vec<Fault>>,
    interfere: Mutex<Option<String>>,
    refused: AtomicUsize,
    yield_each: bool,
}

impl Default for TestStore {
    fn default() -> Self {
        Self::over(Box::new(MemoryStore::new()))
    }
}

impl TestStore {
    /// A store without faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same over another store (a real object store), its tags counted as memory's
    /// are ([`Counted`]), so a transcript recorded over memory replays over it exactly.
    pub fn over(inner: Box<dyn Storage + Send>) -> Self {
        TestStore {
            inner: Box::new(Counted::new(inner)),
            faults: Mutex::default(),
            interfere: Mutex::default(),
            refused: AtomicUsize::new(0),
            yield_each: false,
        }
    }

    /// A store that yields the thread on every call.
    pub fn yielding() -> Self {
        TestStore {
            yield_each: true,
            ..Self::default()
        }
    }

    /// Fails every `kind` effect on keys containing `key_part` with `message` until
    /// [`TestStore::heal`].
    pub fn fail_always(&self, kind: EffectKind, key_part: &str, message: &str) {
        self.push(kind, key_part, message, None);
    }

    /// Fails the next `kind` effect with `message`.
    pub fn fail_once(&self, kind: EffectKind, message: &str) {
        self.push(kind, "", message, Some(1));
    }

    fn push(&self, kind: EffectKind, key_part: &str, message: &str, times: Option<u32>) {
        self.faults.lock().unwrap().push(Fault {
            kind,
            key_part: key_part.into(),
            message: message.into(),
            times,
        });
    }

    /// Ends every fault.
    pub fn heal(&self) {
        self.faults.lock().unwrap().clear();
    }

    /// Right after the next read of a key ending with `suffix`, another writer writes it
    /// again (a new tag: the same JSON plus a newline, since a content-hash ETag would
    /// not change for the same bytes), so the reader's compare-and-swap fails.
    pub fn interfere_after_get(&self, suffix: &str) {
        *self.interfere.lock().unwrap() = Some(suffix.into());
    }

    /// Writes refused because their precondition did not hold.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// The bytes under `key`.
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.inner
            .get(key)
            .expect("the store reads")
            .map(|s| s.bytes)
    }

    fn fault(&self, kind: EffectKind, key: &str) -> Option<HostError> {
        if self.yield_each {
            std::thread::yield_now();
        }
        let mut faults = self.faults.lock().unwrap();
        let i = faults
            .iter()
            .position(|f| f.kind == kind && key.contains(f.key_part.as_str()))?;
        let message = faults[i].message.clone();
        match &mut faults[i].times {
            Some(1) => {
                faults.remove(i);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(HostError::new(message))
    }

    /// Performs a storage effect handed out by `engine` and answers it (hand-driven
    /// tests); `false` for a call or an HTTP request, left to the caller.
    pub fn answer(&self, engine: &mut Engine, id: EffectId, effect: &Effect) -> bool {
        let answer = match effect {
            Effect::Get { key } => Answer::Get(self.get(key)),
            Effect::Put {
                key,
                body,
                expected,
            } => Answer::Put(self.put(key, body, expected)),
            Effect::List { prefix } => Answer::List(self.list(prefix)),
            Effect::Call { .. } | Effect::Http { .. } => return false,
        };
        engine.handle(id, answer).expect("the store answers well");
        true
    }
}

impl Storage for TestStore {
    fn get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        if let Some(f) = self.fault(EffectKind::Get, key) {
            return Err(f);
        }
        let got = self.inner.get(key)?;
        let mut interfere = self.interfere.lock().unwrap();
        if interfere
            .as_ref()
            .is_some_and(|s| key.ends_with(s.as_str()))
        {
            *interfere = None;
            if let Some(s) = &got {
                let mut again = s.bytes.clone();
                again.push(b'\n');
                self.inner.put(key, &again, &Expect::Any)?;
            }
        }
        Ok(got)
    }

    fn put(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<Tag>, HostError> {
        if let Some(f) = self.fault(EffectKind::Put, key) {
            return Err(f);
        }
        let r = self.inner.put(key, body, expected)?;
        if r.is_none() {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        Ok(r)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        if let Some(f) = self.fault(EffectKind::List, prefix) {
            return Err(f);
        }
        self.inner.list(prefix)
    }
}

/// The last number handed out; `(key, store tag) -> number`; `(key, number) -> store tag`.
type Numbers = (
    u64,
    HashMap<(String, Tag), Tag>,
    HashMap<(String, Tag), Tag>,
);

/// Counts a store's writes as its tags (`1`, `2`, ...), whatever tags the store beneath
/// gives (an S3 ETag, say): each successful write takes the next number, and the
/// numbers map back to the store's own tags for its preconditions.
pub struct Counted {
    inner: Box<dyn Storage + Send>,
    tags: Mutex<Numbers>,
}

impl Counted {
    /// Counts `inner`'s writes.
    pub fn new(inner: Box<dyn Storage + Send>) -> Self {
        Counted {
            inner,
            tags: Mutex::default(),
        }
    }
}

impl Storage for Counted {
    fn get(&self, key: &str) -> Result<Option<Stored>, HostError> {
        let Some(s) = self.inner.get(key)? else {
            return Ok(None);
        };
        let tags = self.tags.lock().unwrap();
        let tag = tags.1.get(&(key.to_string(), s.tag.clone())).cloned();
        let tag = tag.ok_or_else(|| HostError::new(format!("{key} was written by another")))?;
        Ok(Some(Stored {
            bytes: s.bytes,
            tag,
        }))
    }

    fn put(&self, key: &str, body: &[u8], expected: &Expect) -> Result<Option<Tag>, HostError> {
        // The numbers stay locked from the write to its number: a read in between would
        // see a tag with no number yet.
        let mut tags = self.tags.lock().unwrap();
        let expected = match expected {
            Expect::Tag(n) => {
                let t = tags.2.get(&(key.to_string(), n.clone()));
                Expect::Tag(t.cloned().unwrap_or_else(|| format!("no-such-tag-{n}")))
            }
            other => other.clone(),
        };
        let Some(tag) = self.inner.put(key, body, &expected)? else {
            return Ok(None);
        };
        tags.0 += 1;
        let n = tags.0.to_string();
        tags.1.insert((key.to_string(), tag.clone()), n.clone());
        tags.2.insert((key.to_string(), n.clone()), tag);
        Ok(Some(n))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, HostError> {
        self.inner.list(prefix)
    }
}

/// Answers requests from a script, in order, recording them.
pub struct ScriptedTransport {
    replies: Mutex<Vec<HttpReply>>,
    sent: Mutex<Vec<Request>>,
}

impl ScriptedTransport {
    /// A transport that will answer `replies`, first to last.
    pub fn new(replies: Vec<HttpReply>) -> Self {
        ScriptedTransport {
            replies: Mutex::new(replies),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// The requests sent so far.
    pub fn sent(&self) -> Vec<Request> {
        self.sent.lock().unwrap().clone()
    }
}

impl Transport for ScriptedTransport {
    fn send(&self, r: &Request) -> HttpReply {
        self.sent.lock().unwrap().push(r.clone());
        self.replies.lock().unwrap().remove(0)
    }
}
