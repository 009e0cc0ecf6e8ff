//! The glue between the workflows (plain `async fn`s) and the host: every await is an
//! effect queued under a fresh id, a deadline, or the session write lock. There is no
//! executor and no waker: the engine polls the one top-level future after every input,
//! and a future that waits simply looks again at the shared state.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use crate::engine::protocol::{
    Effect, EffectId, EffectKind, Event, Expect, HostError, Job, Misuse, Stats, Stored, Tag,
};
use crate::error::{Error, ErrorCode, Result};
use crate::providers::{HttpReply, ProviderFailure, Request};
use crate::session::{Model, Timestamp};

/// A host's answer to an effect, of the effect's kind ([`Engine::handle`](crate::engine::Engine::handle)).
#[derive(Debug)]
pub enum Answer {
    /// For a get: the value and its tag, `None` when the key is absent.
    Get(std::result::Result<Option<Stored>, HostError>),
    /// For a put: the new tag, `None` when the precondition did not hold.
    Put(std::result::Result<Option<Tag>, HostError>),
    /// For a list: the keys.
    List(std::result::Result<Vec<String>, HostError>),
    /// For a call: the image bytes or the failure.
    Call(std::result::Result<Vec<u8>, ProviderFailure>),
    /// For an HTTP request: the response or why there was none.
    Http(HttpReply),
}

impl Answer {
    /// The kind of effect it answers.
    pub fn kind(&self) -> EffectKind {
        match self {
            Answer::Get(_) => EffectKind::Get,
            Answer::Put(_) => EffectKind::Put,
            Answer::List(_) => EffectKind::List,
            Answer::Call(_) => EffectKind::Call,
            Answer::Http(_) => EffectKind::Http,
        }
    }
}

/// Everything the workflows and the engine share.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) now_ms: u64,
    rng: u64,
    pub(crate) stats: Stats,
    last_id: u64,
    /// Effects not yet handed out, oldest first.
    pub(crate) queue: VecDeque<(EffectId, Effect)>,
    /// Handed out and not answered.
    pub(crate) in_flight: BTreeMap<EffectId, EffectKind>,
    /// Answered and not yet taken by the future that asked.
    answers: BTreeMap<EffectId, Answer>,
    /// Deadlines (ms since the epoch) of pending waits, by wait id.
    pub(crate) timers: BTreeMap<u64, u64>,
    last_timer: u64,
    /// Whether a session read-modify-write is running (one at a time per engine).
    writing: bool,
    /// Bumped whenever a waiting future may now proceed: the engine polls again.
    pub(crate) progress: u64,
    /// Progress for people, oldest first.
    pub(crate) events: VecDeque<Event>,
}

impl Shared {
    /// Whether nothing at all is outstanding: a pending future then can never finish.
    pub(crate) fn idle(&self) -> bool {
        self.queue.is_empty()
            && self.in_flight.is_empty()
            && self.answers.is_empty()
            && self.timers.is_empty()
    }

    /// Stores an answer for `id`, or says why it cannot be taken.
    pub(crate) fn answer(
        &mut self,
        id: EffectId,
        answer: Answer,
    ) -> std::result::Result<(), Misuse> {
        let Some(&expected) = self.in_flight.get(&id) else {
            return Err(if id.0 >= 1 && id.0 <= self.last_id && !self.queued(id) {
                Misuse::AlreadyAnswered(id)
            } else {
                Misuse::UnknownEffect(id)
            });
        };
        let got = answer.kind();
        if got != expected {
            return Err(Misuse::WrongAnswer { id, expected, got });
        }
        self.in_flight.remove(&id);
        self.answers.insert(id, answer);
        Ok(())
    }

    fn queued(&self, id: EffectId) -> bool {
        self.queue.iter().any(|(q, _)| *q == id)
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.timers.values().copied().min()
    }
}

/// The workflows' handle on the shared state. `Send`: the engine may move between
/// threads (the lock is never contended: one engine is driven by one caller at a time).
#[derive(Clone)]
pub(crate) struct Io(Arc<Mutex<Shared>>);

impl Io {
    pub(crate) fn new(now_ms: u64, seed: u64) -> Io {
        Io(Arc::new(Mutex::new(Shared {
            now_ms,
            rng: seed,
            ..Shared::default()
        })))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.lock().now_ms
    }

    /// The host's time now.
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::from_ms(self.now_ms())
    }

    /// SplitMix64 over the host's seed.
    pub(crate) fn random(&self) -> u64 {
        let mut s = self.lock();
        s.rng = s.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn tell(&self, event: Event) {
        self.lock().events.push_back(event);
    }

    pub(crate) fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.lock().stats);
    }

    fn perform(&self, effect: Effect) -> Perform {
        Perform {
            io: self.clone(),
            effect: Some(effect),
            id: None,
        }
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Stored>> {
        match self.perform(Effect::Get { key: key.into() }).await {
            Answer::Get(r) => r.map_err(|e| storage_error("reading", key, &e)),
            _ => unreachable!("answers are checked against the effect's kind"),
        }
    }

    pub(crate) async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        expected: Expect,
    ) -> Result<Option<Tag>> {
        let e = Effect::Put {
            key: key.into(),
            body,
            expected,
        };
        match self.perform(e).await {
            Answer::Put(r) => r.map_err(|e| storage_error("writing", key, &e)),
            _ => unreachable!("answers are checked against the effect's kind"),
        }
    }

    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let e = Effect::List {
            prefix: prefix.into(),
        };
        match self.perform(e).await {
            Answer::List(r) => r.map_err(|e| storage_error("listing", prefix, &e)),
            _ => unreachable!("answers are checked against the effect's kind"),
        }
    }

    pub(crate) async fn call(
        &self,
        job: Arc<Job>,
    ) -> std::result::Result<Vec<u8>, ProviderFailure> {
        match self.perform(Effect::Call { job }).await {
            Answer::Call(r) => r,
            _ => unreachable!("answers are checked against the effect's kind"),
        }
    }

    pub(crate) async fn http(&self, model: Model, request: Request) -> HttpReply {
        match self.perform(Effect::Http { model, request }).await {
            Answer::Http(r) => r,
            _ => unreachable!("answers are checked against the effect's kind"),
        }
    }

    /// Waits until `ms` from now (a deadline the host reads with `poll_timeout`).
    pub(crate) fn sleep(&self, ms: u64) -> Sleep {
        Sleep {
            io: self.clone(),
            deadline: self.now_ms().saturating_add(ms),
            timer: None,
        }
    }

    /// Takes the session write lock: one read-modify-write at a time in this engine, so
    /// the calls of one generate never conflict with each other.
    pub(crate) fn write_lock(&self) -> WriteLock {
        WriteLock { io: self.clone() }
    }
}

fn storage_error(what: &str, key: &str, e: &HostError) -> Error {
    Error::new(
        ErrorCode::StorageError,
        format!("{what} {key} failed: {}", e.message),
    )
}

/// An effect: queued on first poll, ready when its answer is there.
pub(crate) struct Perform {
    io: Io,
    effect: Option<Effect>,
    id: Option<EffectId>,
}

impl Future for Perform {
    type Output = Answer;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Answer> {
        let this = self.get_mut();
        let mut s = this.io.lock();
        if let Some(effect) = this.effect.take() {
            s.last_id += 1;
            let id = EffectId(s.last_id);
            s.queue.push_back((id, effect));
            this.id = Some(id);
            return Poll::Pending;
        }
        let Some(id) = this.id else {
            return Poll::Pending;
        };
        match s.answers.remove(&id) {
            Some(a) => {
                s.progress += 1;
                Poll::Ready(a)
            }
            None => Poll::Pending,
        }
    }
}

/// A wait until a deadline.
pub(crate) struct Sleep {
    io: Io,
    deadline: u64,
    timer: Option<u64>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut s = this.io.lock();
        if s.now_ms >= this.deadline {
            if let Some(t) = this.timer.take() {
                s.timers.remove(&t);
            }
            return Poll::Ready(());
        }
        if this.timer.is_none() {
            s.last_timer += 1;
            let t = s.last_timer;
            s.timers.insert(t, this.deadline);
            this.timer = Some(t);
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(t) = self.timer.take() {
            self.io.lock().timers.remove(&t);
        }
    }
}

/// Waits for the session write lock.
pub(crate) struct WriteLock {
    io: Io,
}

impl Future for WriteLock {
    type Output = WriteGuard;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<WriteGuard> {
        let mut s = self.io.lock();
        if s.writing {
            return Poll::Pending;
        }
        s.writing = true;
        Poll::Ready(WriteGuard {
            io: self.io.clone(),
        })
    }
}

/// Holds the session write lock until dropped.
pub(crate) struct WriteGuard {
    io: Io,
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        let mut s = self.io.lock();
        s.writing = false;
        s.progress += 1;
    }
}

/// Runs futures side by side and gives their outputs in order once all are done.
pub(crate) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    JoinAll {
        futures: futures.into_iter().map(|f| Some(Box::pin(f))).collect(),
        outputs: Vec::new(),
    }
    .await
}

struct JoinAll<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

// The futures are boxed and the outputs are never pinned: moving a `JoinAll` is fine.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.outputs.len() < this.futures.len() {
            this.outputs.resize_with(this.futures.len(), || None);
        }
        for (slot, out) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(f) = slot {
                if let Poll::Ready(v) = f.as_mut().poll(cx) {
                    *out = Some(v);
                    *slot = None;
                }
            }
        }
        if this.futures.iter().all(Option::is_none) {
            Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    }
}
