//! The storage contract every session store keeps (what the engine relies on), checked
//! the same way on the in-memory store, the folder store and (ignored unless
//! `scripts/s3-tests.sh` starts an S3 server) a real object store: absent keys, creates,
//! compare-and-swap with right, wrong and stale tags, unconditional writes, listings by
//! prefix, refused keys, and writers on many threads losing no update.

use std::sync::atomic::{AtomicUsize, Ordering};

use outpaint_core::engine::Expect;
use outpaint_core::host::{MemoryStore, Storage};
use outpaint_store::FolderStore;

fn put(s: &dyn Storage, key: &str, body: &str, expected: &Expect) -> Option<String> {
    s.put(key, body.as_bytes(), expected)
        .expect("the store writes")
}

fn body(s: &dyn Storage, key: &str) -> Option<(String, String)> {
    s.get(key)
        .expect("the store reads")
        .map(|v| (String::from_utf8(v.bytes).unwrap(), v.tag))
}

/// One pass of the contract on `s`, whose keys start empty.
fn contract(s: &dyn Storage) {
    let k = "sessions/a/status.json";
    assert_eq!(body(s, k), None);
    assert_eq!(
        put(s, k, "{}", &Expect::Tag("\"nope\"".into())),
        None,
        "If-Match on an absent key"
    );
    let t1 = put(s, k, "{\"v\":1}", &Expect::Absent).expect("a create");
    assert_eq!(
        put(s, k, "{\"v\":0}", &Expect::Absent),
        None,
        "a second create"
    );
    assert_eq!(body(s, k), Some(("{\"v\":1}".into(), t1.clone())));
    assert_eq!(
        put(s, k, "{\"v\":9}", &Expect::Tag(format!("{t1}x"))),
        None,
        "a wrong tag"
    );
    let t2 = put(s, k, "{\"v\":2}", &Expect::Tag(t1.clone())).expect("the current tag");
    assert_ne!(t1, t2);
    assert_eq!(
        put(s, k, "{\"v\":9}", &Expect::Tag(t1.clone())),
        None,
        "a stale tag"
    );
    assert_eq!(body(s, k), Some(("{\"v\":2}".into(), t2.clone())));
    let t3 = put(s, k, "{\"v\":3}", &Expect::Any).expect("an overwrite");
    assert_eq!(body(s, k), Some(("{\"v\":3}".into(), t3)));

    for key in [
        "sessions/a/images/flux-0.png",
        "sessions/ab/status.json",
        "sessions/b/context/flux.json",
        "other/x.json",
    ] {
        put(s, key, "x", &Expect::Any).expect("a write");
    }
    let list = |p: &str| s.list(p).expect("the store lists");
    assert_eq!(
        list("sessions/"),
        [
            "sessions/a/images/flux-0.png",
            "sessions/a/status.json",
            "sessions/ab/status.json",
            "sessions/b/context/flux.json",
        ]
    );
    assert_eq!(
        list("sessions/a"),
        [
            "sessions/a/images/flux-0.png",
            "sessions/a/status.json",
            "sessions/ab/status.json"
        ],
        "a prefix that ends inside a name"
    );
    assert_eq!(list("sessions/a/images/"), ["sessions/a/images/flux-0.png"]);
    assert_eq!(list("nothing/"), Vec::<String>::new());

    for bad in [
        "../escape.json",
        "sessions//x.json",
        "sessions/./x.json",
        "a\\b",
    ] {
        assert!(s.get(bad).is_err(), "get {bad:?}");
        assert!(s.put(bad, b"x", &Expect::Any).is_err(), "put {bad:?}");
    }
}

/// `threads` writers each add `each` to one counter by compare-and-swap, re-reading on
/// every refusal: the counter must end at `threads * each` (no update lost, none twice).
fn counter_race(s: &(dyn Storage + Sync), threads: usize, each: usize) -> usize {
    let key = "race/counter.json";
    put(s, key, "0", &Expect::Absent).expect("the counter");
    let refused = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..each {
                    loop {
                        let (n, tag) = body(s, key).expect("the counter is there");
                        let next = (n.parse::<usize>().unwrap() + 1).to_string();
                        if put(s, key, &next, &Expect::Tag(tag)).is_some() {
                            break;
                        }
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(body(s, key).unwrap().0, (threads * each).to_string());
    refused.into_inner()
}

#[test]
fn the_memory_store_keeps_the_contract() {
    let s = MemoryStore::new();
    contract(&s);
    counter_race(&s, 8, 25);
}

#[test]
fn the_folder_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = FolderStore::open(dir.path()).unwrap();
    contract(&s);
    counter_race(&s, 8, 25);
}

/// A fresh prefix of the S3 store `OUTPAINT_S3_STORE` names.
fn s3(name: &str) -> Box<dyn Storage + Send> {
    let base = std::env::var("OUTPAINT_S3_STORE").expect("OUTPAINT_S3_STORE=s3://bucket/prefix");
    let url = format!("{base}/contract-{}-{name}", std::process::id());
    outpaint_store::open(&url).expect("the S3 store opens (and passes its probe)")
}

#[test]
#[ignore = "needs an S3 server: scripts/s3-tests.sh"]
fn an_s3_store_keeps_the_contract() {
    contract(&*s3("contract"));
}

#[test]
#[ignore = "needs an S3 server: scripts/s3-tests.sh"]
fn s3_writers_on_16_threads_lose_no_update() {
    let s = s3("race");
    let refused = counter_race(&*s, 16, 10);
    println!("16 threads x 10 increments over S3: {refused} writes refused and retried");
}
