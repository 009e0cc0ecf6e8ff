//! `outpaint`: expand, prepare and outpaint images from the command line, offline.
//!
//! Errors go to stderr as one line, `error: CODE: message`, with a non-zero exit status
//! (1 for library errors, 2 for usage errors).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use outpaint_core::codec::{encode, encode_mask_png, probe, Format, Probe};
use outpaint_core::engine::{Job, JobKind, OutpaintJob};
use outpaint_core::host::{exchange, SystemClock};
use outpaint_core::prepare::{OptionNames, Prepared};
use outpaint_core::session::{validate, Model};
use outpaint_core::{
    decode, encode_png, expand, run_local, Anchor, EngineConfig, Error, ErrorCode, PngCompression,
    PrepareOptions, Profile, Target,
};
use serde_json::{json, Value};

mod providers;
mod session;

#[derive(Parser)]
#[command(
    name = "outpaint",
    version,
    about = "Outpainting canvases, masks and composites, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the expansion of a WIDTHxHEIGHT image to a target, as JSON.
    Expand {
        /// Image width in pixels.
        #[arg(long, allow_hyphen_values = true)]
        width: String,
        /// Image height in pixels.
        #[arg(long, allow_hyphen_values = true)]
        height: String,
        /// 16:9, 4:3, any A:B, expand_all, expand_all:F or edges:L,R,T,B.
        #[arg(long)]
        target: String,
        /// center, left, right, top, bottom, top-left, top-right, bottom-left, bottom-right.
        #[arg(long, default_value = "center")]
        anchor: String,
    },
    /// Write DIR/canvas.png, DIR/mask.png and DIR/plan.json for a provider.
    Prepare {
        #[command(flatten)]
        step: StepArgs,
        /// A JSON merge patch of the model registry (`outpaint registry` prints it) that
        /// --profile is read from: a host's own profiles, other limits.
        #[arg(long)]
        registry: Option<std::path::PathBuf>,
    },
    /// Prepare, fill (offline `local` provider, or a real one with --provider) and
    /// composite at full resolution: also DIR/result.png.
    Run {
        #[command(flatten)]
        step: StepArgs,
        /// Format of result: png, jpeg or webp.
        #[arg(long, default_value = "png")]
        format: String,
        /// What to paint in the new area (real providers).
        #[arg(long)]
        prompt: Option<String>,
        #[command(flatten)]
        provider: providers::ProviderArgs,
    },
    /// Composite a provider's RESULT (from anywhere, any size) with ORIGINAL through
    /// --plan (the plan.json prepare wrote): DIR/result.png and DIR/report.json, the seam
    /// report. Seam options default to the plan's own.
    Composite {
        /// The original image.
        original: PathBuf,
        /// The provider's answer.
        result: PathBuf,
        /// The plan.json that prepare (or run) wrote.
        #[arg(long)]
        plan: PathBuf,
        /// Feather width in pixels (default: the plan's).
        #[arg(long, allow_hyphen_values = true)]
        feather: Option<String>,
        /// Pixels of the original regenerated along expanded edges (default: the plan's).
        #[arg(long, allow_hyphen_values = true)]
        overlap: Option<String>,
        /// Feather curve (default: the plan's).
        #[arg(long)]
        curve: Option<String>,
        #[command(flatten)]
        corrections: Corrections,
        #[command(flatten)]
        limits: LimitArgs,
        /// Format of result: png, jpeg or webp.
        #[arg(long, default_value = "png")]
        format: String,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the model registry (which model serves each operation, the outpaint
    /// profiles, every upload limit) as JSON, with --registry's patch merged in.
    Registry {
        /// A JSON merge patch of the registry.
        #[arg(long)]
        registry: Option<PathBuf>,
    },
    /// Sessions: new, iterate, outpaint, status, gallery (on a folder or an object
    /// store; offline, or with --provider live each model's real provider).
    Session {
        #[command(subcommand)]
        cmd: session::SessionCommand,
        #[command(flatten)]
        provider: providers::ProviderArgs,
    },
}

#[derive(Args)]
struct StepArgs {
    /// The image (PNG, JPEG or WebP, detected by content).
    image: PathBuf,
    /// 16:9, 4:3, any A:B, expand_all, expand_all:F or edges:L,R,T,B.
    #[arg(long)]
    target: String,
    /// Where the original sits.
    #[arg(long, default_value = "center")]
    anchor: String,
    /// transparent, color[:#rrggbbaa], edge, mirror or blur.
    #[arg(long, default_value = "transparent")]
    fill: String,
    /// Feather width in pixels (a ramp inside the original along expanded edges). It
    /// shapes mask.png and a provider's composite; `run` with the offline `local` provider
    /// gives the same result.png for any value (its fill keeps every pixel of the original,
    /// so the blend has nothing to mix).
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    feather: String,
    /// Pixels of the original regenerated along expanded edges (mask.png and a provider's
    /// composite; with the `local` provider, as --feather, no change to result.png).
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    overlap: String,
    /// Feather curve: linear, smoothstep or quadratic.
    #[arg(long, default_value = "smoothstep")]
    curve: String,
    #[command(flatten)]
    corrections: Corrections,
    #[command(flatten)]
    limits: LimitArgs,
    /// Mask kind: feathered, binary, inverted or alpha (default: the profile's own).
    #[arg(long)]
    mask: Option<String>,
    /// full, flux-fill, flux-expand, recraft-outpaint, openai, gemini or custom:...
    /// (default: full, or the provider's own with --provider).
    #[arg(long)]
    profile: Option<String>,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
}

/// What an operation may allocate.
#[derive(Args, Clone)]
struct LimitArgs {
    /// Working-memory budget of each operation in MB (default 1074, 1 GiB): an image or
    /// canvas that would need more is refused (IMAGE_TOO_LARGE) before its first pixel.
    #[arg(long)]
    max_memory: Option<String>,
}

impl LimitArgs {
    /// The limits: the defaults with the budget given.
    fn limits(&self) -> Result<outpaint_core::Limits, Error> {
        let mut l = outpaint_core::Limits::default();
        if let Some(mb) = &self.max_memory {
            let n: u64 = mb.trim().parse().map_err(|_| {
                Error::new(
                    ErrorCode::InvalidOption,
                    format!("--max-memory must be a whole number of MB, got {mb:?}"),
                )
            })?;
            l.max_memory_bytes = n.saturating_mul(1_000_000);
        }
        Ok(l)
    }
}

/// The composite's seam corrections.
#[derive(Args, Clone)]
struct Corrections {
    /// Colour match of the provider's picture to the original before the blend: off,
    /// global or field.
    #[arg(long, default_value = "field")]
    colour: String,
    /// Keep the original's detail inside the band (with --colour field): on or off.
    #[arg(long, default_value = "on")]
    detail: String,
    /// Register a shifted or rescaled answer to the original first: on or off.
    #[arg(long, default_value = "on")]
    register: String,
}

impl Corrections {
    fn detail(&self) -> Result<bool, Error> {
        on_off(&self.detail, "detail")
    }

    fn register(&self) -> Result<bool, Error> {
        on_off(&self.register, "register")
    }
}

fn on_off(v: &str, what: &str) -> Result<bool, Error> {
    match v.trim() {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(Error::new(
            ErrorCode::InvalidOption,
            format!("{what} must be on or off, got {other:?}"),
        )),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("bad usage");
            let first = first.trim_start_matches("error: ");
            eprintln!("error: INVALID_OPTION: {first} (see outpaint --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {}", e.code(), e.message().replace('\n', " "));
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Expand {
            width,
            height,
            target,
            anchor,
        } => {
            let e = expand(
                dimension(&width, "width")?,
                dimension(&height, "height")?,
                &target.parse::<Target>()?,
                anchor.parse::<Anchor>()?,
            )?;
            println!("{}", serde_json::to_string(&e).expect("plain struct"));
            Ok(())
        }
        Command::Prepare { step, registry } => {
            step_command(&step, &providers::registry(registry.as_deref())?, None)
        }
        Command::Run {
            step,
            format,
            prompt,
            provider,
        } => {
            let registry = providers::registry(provider.registry.as_deref())?;
            let fill = Filler {
                provider: provider.model(&registry)?.map(|m| (m, provider)),
                registry,
                prompt,
            };
            step_command(
                &step,
                &fill.registry.clone(),
                Some((format.parse::<Format>()?, fill)),
            )
        }
        Command::Session { cmd, provider } => session::command(cmd, &provider),
        Command::Composite {
            original,
            result,
            plan,
            feather,
            overlap,
            curve,
            corrections,
            limits,
            format,
            out,
        } => composite_command(&CompositeArgs {
            original,
            result,
            plan,
            feather,
            overlap,
            curve,
            corrections,
            limits,
            format: format.parse()?,
            out,
        }),
        Command::Registry { registry } => {
            let r = providers::registry(registry.as_deref())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&r.to_json()).expect("JSON serialises")
            );
            Ok(())
        }
    }
}

fn dimension(s: &str, what: &str) -> Result<u32, Error> {
    let t = s.trim();
    if t.starts_with('-') || t == "0" {
        return Err(Error::new(
            ErrorCode::InvalidDimensions,
            format!("{what} must be at least 1, got {t}"),
        ));
    }
    t.parse().map_err(|_| {
        Error::new(
            ErrorCode::InvalidDimensions,
            format!("{what} must be a whole number of pixels, got {t:?}"),
        )
    })
}

fn pixels(s: &str, what: &str) -> Result<u32, Error> {
    s.trim().parse().map_err(|_| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("{what} must be a whole number of pixels, got {s:?}"),
        )
    })
}

/// Progress lines on stderr for large images, only when stderr is a terminal.
struct Progress {
    on: bool,
    start: Instant,
}

impl Progress {
    fn step(&self, what: &str) {
        if self.on {
            eprintln!(
                "outpaint: {what} ({:.0} ms)",
                self.start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// An input image, bounded before it is read: a regular file (not a FIFO, device or
/// folder: `INVALID_OPTION`) of at most `limits.max_bytes` (`IMAGE_TOO_LARGE`, found by
/// reading one byte more, never the whole of an endless file).
pub(crate) fn read_input(path: &Path, limits: &outpaint_core::Limits) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    // Looked at before it is opened: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| storage_err(path, e))?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorCode::InvalidOption,
            format!("{} is not a regular file", path.display()),
        ));
    }
    let max = limits.max_bytes;
    if meta.len() > max {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            format!(
                "{} is {} bytes; the limit is {max}",
                path.display(),
                meta.len()
            ),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| storage_err(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| storage_err(path, e))?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorCode::ImageTooLarge,
            format!("{} is over the limit of {max} bytes", path.display()),
        ));
    }
    Ok(bytes)
}

fn storage_err(path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorCode::StorageError, format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| storage_err(path, e))
}

/// How `run` fills the new area: the `local` provider, or a real one.
struct Filler {
    /// The model registry (`--registry` merged in).
    registry: outpaint_core::providers::Registry,
    provider: Option<(Model, providers::ProviderArgs)>,
    prompt: Option<String>,
}

fn step_command(
    a: &StepArgs,
    registry: &outpaint_core::providers::Registry,
    run: Option<(Format, Filler)>,
) -> Result<(), Error> {
    let model = run
        .as_ref()
        .and_then(|(_, f)| f.provider.as_ref().map(|p| p.0));
    let names = OptionNames {
        anchor: Some(a.anchor.clone()),
        fill: Some(a.fill.clone()),
        feather: pixels(&a.feather, "feather")?,
        overlap: pixels(&a.overlap, "overlap")?,
        curve: Some(a.curve.clone()),
        mask: a.mask.clone(),
        profile: a.profile.clone(),
        colour: Some(a.corrections.colour.clone()),
        detail: Some(a.corrections.detail()?),
        register: Some(a.corrections.register()?),
        limits: Some(a.limits.limits()?),
        registry: None,
    };
    let mut opts = PrepareOptions::from_names(
        &a.target,
        &OptionNames {
            profile: None,
            ..names.clone()
        },
    )?;
    opts.profile = match (&a.profile, model) {
        (Some(p), _) => registry.profile(p)?,
        (None, Some(m)) => registry.outpaint_profile(m)?,
        (None, None) => Profile::full(),
    };
    let bytes = read_input(&a.image, &opts.limits)?;
    let header = probe(&bytes, &opts.limits)?;
    let progress = Progress {
        on: std::io::stderr().is_terminal()
            && u64::from(header.width) * u64::from(header.height) >= 4_000_000,
        start: Instant::now(),
    };
    progress.step("decoding");
    let image = decode(&bytes, &opts.limits)?;
    std::fs::create_dir_all(&a.out).map_err(|e| storage_err(&a.out, e))?;

    // A real provider's upload limits (the picture it takes is prepared smaller when no
    // encoding of it fits them).
    let limits = model
        .and_then(|_| registry.models.get(&opts.profile.model))
        .map(|m| &m.upload);
    let (prepared, result, pngs) = match &run {
        Some((_, Filler { provider: None, .. })) => {
            progress.step("preparing and running the local provider");
            let (p, r) = run_local(image.view(), &opts)?;
            (p, Some(r), None)
        }
        _ => {
            progress.step("preparing");
            let (p, job) =
                outpaint_core::providers::prepare_within(image.view(), &opts, &a.target, limits)?;
            (p, None, Some(job))
        }
    };
    progress.step("encoding");
    let job = match pngs {
        Some(job) => job,
        None => OutpaintJob {
            target: a.target.clone(),
            canvas_png: encode_png(prepared.canvas.view(), PngCompression::Fast)?,
            mask_png: encode_mask_png(&prepared.mask, PngCompression::Fast)?,
            expansion: prepared.expansion,
            direction: prepared.plan.direction.clone(),
            plan: prepared.plan.clone(),
        },
    };
    write(&a.out.join("canvas.png"), &job.canvas_png)?;
    write(&a.out.join("mask.png"), &job.mask_png)?;
    let mut called = None;
    let mut report = None;
    let result = match (result, &run) {
        (
            None,
            Some((
                _,
                Filler {
                    provider: Some((m, args)),
                    prompt,
                    ..
                },
            )),
        ) => {
            let job = Job {
                model: *m,
                kind: JobKind::Outpaint,
                prompt: validate::outpaint_prompt(prompt.as_deref())?,
                source_mime: Format::detect(&bytes).map(|f| f.mime().to_string()),
                source: Some(std::sync::Arc::new(bytes)),
                outpaint: Some(job),
            };
            let sent = exchange(
                *m,
                &job,
                &args.required(*m, registry)?,
                &EngineConfig {
                    limits: opts.limits,
                    registry: registry.clone(),
                    ..EngineConfig::default()
                },
                &providers::Http::new(),
                &SystemClock,
                &providers::event,
            )?;
            progress.step("compositing");
            let back = decode(&sent.image, &opts.limits)?;
            called = Some(sent);
            let (full, r) = outpaint_core::pixels::composite_reported(
                image.view(),
                back.view(),
                &prepared.plan,
                &opts.seam,
                &opts.limits,
            )?;
            report = Some(r);
            Some(full.image)
        }
        (r, _) => r,
    };
    let mut files = json!({ "canvas": "canvas.png", "mask": "mask.png" });
    if let Some(r) = &report {
        write_json(&a.out.join("report.json"), &json!(r))?;
        files["report"] = json!("report.json");
    }
    if let (Some(result), Some((fmt, _))) = (&result, &run) {
        let name = match fmt {
            Format::Png => "result.png",
            Format::Jpeg => "result.jpg",
            Format::Webp => "result.webp",
        };
        write(&a.out.join(name), &encode(result.view(), *fmt)?)?;
        files["result"] = json!(name);
    }
    let mut plan = plan_json(&opts, &header, &prepared, files);
    if let Some((_, f)) = &run {
        plan["provider"] = json!(f
            .provider
            .as_ref()
            .map_or("local".into(), |p| p.0.to_string()));
    }
    if let Some((_, Filler { provider: None, .. })) = &run {
        if prepared.seam.feather > 0 || prepared.seam.overlap > 0 {
            // Said rather than silently ignored: the local provider's picture holds the
            // original exactly, so the blend band has nothing to hide.
            plan["notes"] = json!([
                "the local provider keeps the original exactly: feather and overlap shape the mask and a real provider's blend, but change nothing in result.png"
            ]);
        }
    }
    if let Some(c) = &called {
        plan["providerModel"] = json!(c.model);
        plan["sent"] = json!(c.sent);
    }
    let text = serde_json::to_string_pretty(&plan).expect("plain JSON") + "\n";
    write(&a.out.join("plan.json"), text.as_bytes())?;
    progress.step("done");
    println!(
        "{}",
        serde_json::to_string(&plan["files"]).expect("plain JSON")
    );
    Ok(())
}

fn write_json(path: &Path, v: &Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v).expect("plain JSON") + "\n";
    write(path, text.as_bytes())
}

struct CompositeArgs {
    original: PathBuf,
    result: PathBuf,
    plan: PathBuf,
    feather: Option<String>,
    overlap: Option<String>,
    curve: Option<String>,
    corrections: Corrections,
    limits: LimitArgs,
    format: Format,
    out: PathBuf,
}

/// `outpaint composite`: a result from anywhere put back, with the seam report.
fn composite_command(a: &CompositeArgs) -> Result<(), Error> {
    let limits = a.limits.limits()?;
    let plan_file = read_input(&a.plan, &limits)?;
    let bad = |what: String| {
        Error::new(
            ErrorCode::InvalidOption,
            format!("{}: {what}", a.plan.display()),
        )
    };
    let doc: Value =
        serde_json::from_slice(&plan_file).map_err(|e| bad(format!("not JSON: {e}")))?;
    let plan: outpaint_core::Plan = serde_json::from_value(doc["fit"].clone()).map_err(|e| {
        bad(format!(
            "no plan under \"fit\" (write it with outpaint prepare): {e}"
        ))
    })?;
    // The seam as prepared (the asked values: the clamp is applied again), unless given.
    let asked = |v: &Value| v["requested"].as_u64().and_then(|n| u32::try_from(n).ok());
    let feather = match &a.feather {
        Some(f) => pixels(f, "feather")?,
        None => asked(&doc["feather"]).unwrap_or(0),
    };
    let overlap = match &a.overlap {
        Some(o) => pixels(o, "overlap")?,
        None => asked(&doc["overlap"]).unwrap_or(0),
    };
    let names = OptionNames {
        feather,
        overlap,
        curve: a
            .curve
            .clone()
            .or_else(|| doc["curve"].as_str().map(str::to_string)),
        colour: Some(a.corrections.colour.clone()),
        detail: Some(a.corrections.detail()?),
        register: Some(a.corrections.register()?),
        ..OptionNames::default()
    };
    let seam = names.seam()?;
    let original = decode(&read_input(&a.original, &limits)?, &limits)?;
    let result = decode(&read_input(&a.result, &limits)?, &limits)?;
    let (c, report) = outpaint_core::pixels::composite_reported(
        original.view(),
        result.view(),
        &plan,
        &seam,
        &limits,
    )?;
    std::fs::create_dir_all(&a.out).map_err(|e| storage_err(&a.out, e))?;
    let name = match a.format {
        Format::Png => "result.png",
        Format::Jpeg => "result.jpg",
        Format::Webp => "result.webp",
    };
    write(&a.out.join(name), &encode(c.image.view(), a.format)?)?;
    let mut doc = json!(report);
    doc["seam"] = json!(c.seam);
    write_json(&a.out.join("report.json"), &doc)?;
    println!("{}", json!({ "result": name, "report": "report.json" }));
    Ok(())
}

fn plan_json(opts: &PrepareOptions, header: &Probe, p: &Prepared, files: Value) -> Value {
    json!({
        "source": {
            "width": p.expansion.width(),
            "height": p.expansion.height(),
            "format": header.format,
        },
        "target": opts.target,
        "anchor": opts.anchor,
        "expansion": p.expansion,
        "profile": opts.profile.to_string(),
        "fit": p.plan,
        "fill": opts.fill,
        "mask": p.mask_kind,
        "feather": { "requested": p.seam.feather_requested, "effective": p.seam.feather },
        "overlap": { "requested": p.seam.overlap_requested, "effective": p.seam.overlap },
        "curve": p.seam.curve,
        "colour": opts.seam.colour,
        "detail": opts.seam.detail,
        "register": opts.seam.register,
        "files": files,
    })
}
