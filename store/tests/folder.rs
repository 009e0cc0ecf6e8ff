//! The folder store's failures name keys, not the host's absolute paths: what a failed
//! step stores on its iteration is copied into every status read and gallery, and may
//! leave the machine.

use outpaint_core::host::{run, LocalProvider, Storage, SystemClock};
use outpaint_core::session::{IterationStatus, Model};
use outpaint_core::{EngineConfig, Operation};
use outpaint_store::FolderStore;

#[test]
fn a_failed_read_names_the_key_not_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = FolderStore::open(dir.path()).unwrap();
    // A folder where a key's file belongs: reading it fails ("Is a directory").
    std::fs::create_dir_all(dir.path().join("sessions/x/status.json")).unwrap();
    let e = store.get("sessions/x/status.json").unwrap_err().to_string();
    assert!(e.starts_with("sessions/x/status.json: "), "{e}");
    assert!(!e.contains(&*dir.path().to_string_lossy()), "{e}");
}

#[test]
fn a_step_whose_source_cannot_be_read_stores_no_host_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    let store = FolderStore::open(dir.path()).unwrap();
    let go = |op| {
        run(
            op,
            EngineConfig::default(),
            &store,
            &LocalProvider,
            &SystemClock,
            7,
        )
    };
    let made = go(Operation::Generate {
        prompt: "a lake".into(),
        models: vec![Model::Flux],
        image: None,
    })
    .unwrap();
    let id = made.session.unwrap().session_id;
    let source = format!("sessions/{id}/images/flux-0.png");
    std::fs::remove_file(dir.path().join(&source)).unwrap();
    std::fs::create_dir(dir.path().join(&source)).unwrap();
    let out = go(Operation::Iterate {
        session_id: id.clone(),
        model: Model::Flux,
        prompt: "warmer".into(),
    })
    .unwrap();
    let s = out.session.unwrap();
    let it = &s.models.get(Model::Flux).iterations[1];
    assert_eq!(it.status, IterationStatus::Error);
    let msg = it.error.clone().unwrap();
    assert!(
        msg.starts_with(&format!(
            "STORAGE_ERROR: reading {source} failed: {source}: "
        )),
        "{msg}"
    );
    assert!(!msg.contains(&root), "{msg}");
    let stored =
        std::fs::read_to_string(dir.path().join(format!("sessions/{id}/status.json"))).unwrap();
    assert!(!stored.contains(&root), "{stored}");
}
