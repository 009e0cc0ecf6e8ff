//! Stored documents read back from a store anyone could have written: a session's
//! `status.json` and a context window (`context/<model>.json`). A damaged one is a typed
//! error (or, for the tolerant context, warnings), never a panic; what loads serialises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint_core::session::{ContextWindow, Model, Session, SessionId};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = Session::from_json(data) {
        let again = serde_json::to_vec(&s).expect("a loaded session serialises");
        Session::from_json(&again).expect("a saved session loads");
    }
    let id = SessionId::parse("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab").unwrap();
    for model in [Model::Flux, Model::Recraft, Model::Gemini, Model::Openai] {
        let (ctx, _warnings) = ContextWindow::from_json(data, &id, model);
        let _ = serde_json::to_vec(&ctx);
    }
});
