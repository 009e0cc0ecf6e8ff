//! What a host hands the engine as JSON: an operation, an engine config (limits, budget,
//! providers), a provider config and a registry patch. Typed errors, never a panic; an
//! operation that parses starts an engine, which hands out its first effect or outcome.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpaint_core::providers::{ProviderConfig, Registry};
use outpaint_core::{Engine, EngineConfig, Operation};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One document, or two separated by a NUL: an operation and a config.
    let (op, config) = text.split_once('\0').unwrap_or((text, "{}"));
    let config_value: serde_json::Value = serde_json::from_str(config).unwrap_or_default();
    let _ = ProviderConfig::from_json(config_value.clone());
    let _ = Registry::from_json(config_value.clone());
    let config = EngineConfig::from_json(config_value).unwrap_or_default();
    if let Ok(op) = Operation::parse(op, None) {
        let mut engine = Engine::new(op, config, 1_700_000_000_000, 7);
        let _ = engine.poll_effect(1_700_000_000_000);
        let _ = engine.poll_outcome();
    }
});
