//! The engine transcripts (`core/tests/support/transcripts.rs`) with every storage effect
//! answered by a real object store: the S3 server `scripts/s3-tests.sh` starts
//! (`OUTPAINT_S3_STORE=s3://bucket/prefix` and the `AWS_*` variables say where), each
//! transcript under a prefix of its own. The effects, tags (counted), conflicts and
//! outcomes must be the ones recorded over memory.

#[path = "../../core/tests/support/mod.rs"]
mod support;
use support::transcripts::replay_all;
use support::TestStore;

#[test]
#[ignore = "needs an S3 server: scripts/s3-tests.sh"]
fn every_transcript_replays_exactly_over_an_object_store() {
    let base = std::env::var("OUTPAINT_S3_STORE").expect("OUTPAINT_S3_STORE=s3://bucket/prefix");
    let run = std::process::id();
    replay_all(
        |name| {
            let url = format!(
                "{base}/transcripts-{run}/{}",
                name.trim_end_matches(".json")
            );
            TestStore::over(outpaint_store::open(&url).expect("the S3 store opens"))
        },
        false,
    );
}
