//! Every provider's response parsers: an exchange for each model and step (generate,
//! iterate, outpaint) answered by a scripted sequence of replies (status, headers, body:
//! JSON, images, garbage, redirects, transport errors). It ends in an image or a typed
//! failure, never a panic, within a bounded number of steps; no request it sends after
//! a reply carries a credential to a host other than the configured one.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use outpaint_core::engine::{Job, JobKind, OutpaintJob};
use outpaint_core::providers::{
    Exchange, Next, ProviderConfig, Registry, Response, TransportError,
};
use outpaint_core::session::Model;
use outpaint_core::{encode_png, prepare, Image, PngCompression, PrepareOptions};

#[derive(Arbitrary, Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    transport_error: Option<bool>,
}

#[derive(Arbitrary, Debug)]
struct Script {
    model: u8,
    kind: u8,
    replies: Vec<Reply>,
}

const BASE: &str = "https://provider.test";

/// The twelve jobs (four models, three steps), made once: a 256x192 source, large enough
/// for every profile.
fn jobs() -> &'static [Job] {
    static JOBS: OnceLock<Vec<Job>> = OnceLock::new();
    JOBS.get_or_init(|| {
        let models = [Model::Flux, Model::Recraft, Model::Gemini, Model::Openai];
        let kinds = [JobKind::Generate, JobKind::Iterate, JobKind::Outpaint];
        models
            .iter()
            .flat_map(|&m| kinds.iter().map(move |&k| job(m, k)))
            .collect()
    })
}

fn job(model: Model, kind: JobKind) -> Job {
    let img = Image::from_rgba(256, 192, vec![120; 256 * 192 * 4]).unwrap();
    let png = encode_png(img.view(), PngCompression::Fast).unwrap();
    let outpaint = (kind == JobKind::Outpaint).then(|| {
        let opts = PrepareOptions {
            profile: Registry::builtin()
                .outpaint_profile(model)
                .expect("a built-in column"),
            ..PrepareOptions::new("16:9".parse().unwrap())
        };
        let p = prepare(img.view(), &opts).unwrap();
        OutpaintJob {
            target: "16:9".into(),
            canvas_png: encode_png(p.canvas.view(), PngCompression::Fast).unwrap(),
            mask_png: outpaint_core::codec::encode_mask_png(&p.mask, PngCompression::Fast).unwrap(),
            expansion: p.expansion,
            direction: p.plan.direction.clone(),
            plan: p.plan,
        }
    });
    Job {
        model,
        kind,
        prompt: "a lake".into(),
        source: (kind != JobKind::Generate).then(|| Arc::new(png)),
        source_mime: (kind != JobKind::Generate).then(|| "image/png".into()),
        outpaint,
    }
}

fuzz_target!(|s: Script| {
    let job = &jobs()[(s.model as usize % 4) * 3 + s.kind as usize % 3];
    let model = job.model;
    let config = ProviderConfig {
        api_key: "sk-fuzz-secret".into(),
        base_url: BASE.into(),
        poll_interval_ms: 1,
        max_polls: 4,
        ..ProviderConfig::default()
    };
    let mut x = Exchange::new(model, job, &config, &Registry::builtin());
    let mut replies = s.replies.into_iter();
    let mut reply = None;
    for _ in 0..64 {
        match x.step(reply.take()) {
            Next::Send(req) => {
                if req.carries_credentials() {
                    // Read as a WHATWG URL (the `url` crate: what fetch and most HTTP
                    // clients see), not as the adapters read it.
                    let u = url::Url::parse(&req.url)
                        .unwrap_or_else(|e| panic!("a credential sent to {:?} ({e})", req.url));
                    let host = u.host_str().unwrap_or("");
                    let domain = Registry::builtin()
                        .column(model)
                        .expect("a built-in column")
                        .key_domain
                        .clone();
                    let configured = host == "provider.test" && u.port().is_none();
                    let documented = !domain.is_empty()
                        && (host == domain || host.ends_with(&format!(".{domain}")));
                    assert!(
                        u.scheme() == "https" && (configured || documented),
                        "a credential sent to {:?} (host {host:?})",
                        req.url
                    );
                }
                let r = replies.next().unwrap_or(Reply {
                    status: 500,
                    headers: vec![],
                    body: vec![],
                    transport_error: None,
                });
                reply = Some(match r.transport_error {
                    Some(timeout) => Err(TransportError {
                        timeout,
                        message: "fuzzed".into(),
                    }),
                    None => Ok(Response {
                        status: r.status,
                        headers: r.headers,
                        body: r.body,
                    }),
                });
            }
            Next::Wait(_) => {}
            Next::Done(r) => {
                if let Err(f) = r {
                    assert!(!f.message.contains("sk-fuzz-secret"), "{}", f.message);
                }
                return;
            }
        }
    }
    panic!("the exchange did not end within 64 steps");
});
