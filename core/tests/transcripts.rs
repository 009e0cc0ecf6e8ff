//! The engine transcripts replayed over memory (`support/transcripts.rs` has the format;
//! `store/tests/transcripts.rs` replays them over a real S3 server).

mod support;
use support::transcripts::replay_all;
use support::TestStore;

#[test]
fn every_transcript_replays_exactly() {
    let record = std::env::var_os("OUTPAINT_RECORD").is_some();
    replay_all(|_| TestStore::new(), record);
}
