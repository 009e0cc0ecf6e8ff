//! # outpaint-core
//!
//! The pure, sans-IO core of outpaint: how a canvas is expanded to an aspect ratio, how
//! masks and pre-filled canvases are made, how a provider's result is composited back
//! with the original at full resolution, and image decode/encode with limits.
//!
//! Nothing here touches the filesystem, the network, threads or the clock.
//!
//! ```
//! use outpaint_core::{decode, encode_png, prepare, Limits, PngCompression, PrepareOptions};
//! # let png = outpaint_core::encode_png(
//! #     outpaint_core::Image::filled(64, 64, [90, 120, 200, 255], &Limits::default()).unwrap().view(),
//! #     PngCompression::Fast).unwrap();
//! let image = decode(&png, &Limits::default()).unwrap();
//! let prepared = prepare(image.view(), &PrepareOptions::new("16:9".parse().unwrap())).unwrap();
//! assert_eq!((prepared.canvas.width(), prepared.canvas.height()), (114, 64));
//! let _mask_png = outpaint_core::encode_mask_png(&prepared.mask, PngCompression::Fast).unwrap();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod codec;
pub mod composite;
pub mod context;
pub mod driver;
pub mod engine;
pub mod error;
pub mod expansion;
pub mod fill;
pub mod fit;
pub mod http;
pub mod image;
pub mod limits;
pub mod local;
pub mod mask;
mod png_fast;
pub mod prepare;
pub mod providers;
pub mod redact;
pub mod session;
pub mod target;
pub mod validate;

pub use codec::{
    decode, encode, encode_jpeg, encode_mask_png, encode_png, encode_webp, probe, Format,
    PngCompression, Probe,
};
pub use composite::{composite, composite_into, map_back};
pub use context::{context_key, ContextEntry, ContextWindow, PromptTemplate, CONTEXT_CAPACITY};
pub use driver::{
    exchange, run, Clock, HttpProvider, LocalProvider, MemoryStore, Progress, Provider, Storage,
    Transport,
};
pub use engine::{
    Effect, Engine, EngineConfig, Expect, GalleryItem, Job, JobKind, Operation, Outcome,
    OutpaintJob, ProviderFailure, Reply, Stats, Step, Stored,
};
pub use error::{Error, ErrorCode, Result};
pub use expansion::{expand, expand_with_limits, Expansion};
pub use fill::{pad, pad_into, Fill};
pub use fit::{fit, CanvasRules, Plan, Profile, Rect, Send, Size};
pub use image::{Image, ImageRef, Mask};
pub use limits::Limits;
pub use mask::{apply_alpha, build_mask, mask_into, Curve, Layout, MaskKind, Seam, SeamOptions};
pub use prepare::{
    prepare, prepare_png, prepare_png_image, resize, run_local, PrepareOptions, Prepared,
    PreparedPng,
};
pub use providers::{Exchange, Next, ProviderConfig};
pub use redact::redact;
pub use session::{
    Budget, Iteration, IterationStatus, Model, ModelColumn, ModelStatus, Models, Session,
    SessionStatus,
};
pub use target::{Anchor, Edges, Fraction, Ratio, Target};

/// The README's Rust snippets, compiled (and run where they need no files) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
