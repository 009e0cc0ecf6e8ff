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
//! let _mask_png = outpaint_core::codec::encode_mask_png(&prepared.mask, PngCompression::Fast).unwrap();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod budget;
mod error;
mod limits;
mod names;

pub mod codec;
pub mod engine;
pub mod geometry;
#[cfg(feature = "host")]
pub mod host;
pub mod pixels;
pub mod plan;
pub mod prepare;
pub mod providers;
pub mod session;

pub use codec::{decode, encode_png, PngCompression};
pub use engine::{Engine, EngineConfig, Operation, Outcome};
pub use error::{Error, ErrorCode, Result};
pub use geometry::{expand, Anchor, Expansion, Target};
pub use limits::{Limits, MAX_CANVAS_SIDE};
pub use pixels::{composite, Fill, Image, ImageRef, Mask, MaskKind, SeamOptions};
pub use plan::{fit, Plan, Profile};
pub use prepare::{prepare, prepare_png, run_local, run_local_image, PrepareOptions, Source};

/// The README's Rust snippets, compiled (and run where they need no files) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
