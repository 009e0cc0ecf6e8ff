//! Every TypeScript declaration the package adds to what wasm-bindgen generates, in one
//! place (the data shapes the core serialises, the host interfaces, the unions).
//! `tests/js/types.test.mjs` checks each declared interface against the objects the
//! package really hands out, key by key, so they cannot drift from the core.

use wasm_bindgen::prelude::*;

/// Declared for `pixels.rs`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** An RGBA8 image: `data.length === width * height * 4`. `ImageData` fits. */
export interface RgbaImage { width: number; height: number; data: Uint8ClampedArray | Uint8Array; }
/** A single-channel mask: 255 = generate, 0 = keep. */
export interface MaskImage { width: number; height: number; data: Uint8Array; }
/** Pixels added per side and the new canvas size. */
export interface Expansion { left: number; right: number; top: number; bottom: number; newWidth: number; newHeight: number; }
export interface Size { width: number; height: number; }
export interface Rect { x: number; y: number; width: number; height: number; }
export interface Edges { left: number; right: number; top: number; bottom: number; }
/** How a canvas is sent to a provider and mapped back. */
export interface Plan {
  profile: string; send: "canvas" | "imageAndEdges"; expansion: Expansion; scale: number;
  size: Size; content: Rect; padding: Edges; image: Rect; edges: Edges;
  aspectRatio?: string; imageSize?: string; direction: string;
}
export type Anchor = "center" | "left" | "right" | "top" | "bottom" | "top-left" | "top-right" | "bottom-left" | "bottom-right";
/** The named targets. */
export type TargetName = "16:9" | "9:16" | "1:1" | "4:3" | "3:2" | "2:3" | "4:5" | "5:4" | "3:4" | "21:9" | "expand_all";
/** A target: a named one, any `A:B` (1..=10000), `expand_all:F` (F in (0, 4], `0.25` or `1/3`), or `edges:L,R,T,B`. */
export type Target = TargetName | `${number}:${number}` | `expand_all:${number}` | `expand_all:${number}/${number}` | `edges:${number},${number},${number},${number}`;
/** A pre-fill of the new area: `color` is mid-grey, `color:#rrggbb[aa]` or `color:r,g,b[,a]` any colour. */
export type Fill = "transparent" | "edge" | "mirror" | "blur" | "color" | `color:${string}`;
/** The built-in profiles of the model registry; a patched registry may add others, and `custom:...` describes one inline. */
export type ProfileName = "full" | "flux-outpaint" | "flux-fill" | "flux-expand" | "recraft-outpaint" | "recraft-inpaint" | "openai" | "gemini" | "gemini-3-pro" | "gemini-2.5";
/** A profile: a built-in name, `custom:multiple=16,min=256,...`, or a name a registry patch added. */
export type Profile = ProfileName | `custom:${string}` | (string & {});
export type Curve = "linear" | "smoothstep" | "quadratic";
export type MaskKind = "feathered" | "binary" | "inverted" | "alpha";
/** Options of `prepare`, `runLocal` (and the seam of `composite`). */
export interface PrepareOptions {
  anchor?: Anchor;
  fill?: Fill;
  feather?: number; overlap?: number; curve?: Curve; mask?: MaskKind;
  /** A profile of the model registry (`registry().profiles`: "full", "flux-outpaint",
   * "flux-fill", "flux-expand", "recraft-outpaint", "recraft-inpaint", "openai", "gemini",
   * ...) or "custom:..." */
  profile?: Profile;
  /** A JSON merge patch of the registry `profile` is read from (the one a session's
   * `config.registry` takes): a host's own profiles and limits plan the same here. */
  registry?: RegistryPatch;
  /** Decode, pixel and working-memory limits (absent fields at their defaults). */
  limits?: Limits;
}
/**
 * What an operation may decode and allocate, checked before its first pixel (over any of
 * them is `IMAGE_TOO_LARGE`). Defaults: 50 MB inputs, 16384 px a side, 36 MP inputs and
 * canvases, 1 GiB of working memory (wasm memory never shrinks: this bounds its growth).
 */
export interface Limits { maxBytes?: number; maxSide?: number; maxPixels?: number; maxCanvasPixels?: number; maxMemoryBytes?: number; }
/** How the composite matches the provider's colours to the original: `field` (default) also follows casts that change across the frame. */
export type ColourMatch = "off" | "global" | "field";
export interface SeamOptions { feather?: number; overlap?: number; curve?: Curve; colour?: ColourMatch; detail?: boolean; register?: boolean; }
/** The global colour fit of a composite (Oklab affine map after per-channel tone curves). */
export interface ColourFit { curves: number[][]; matrix: number[][]; offset: number[]; strength: number; correlation: number; samples: number; cast: number[]; }
/** The shift and scale of a provider's redrawn frame against the original. */
export interface Registration { dx: number; dy: number; scale: number; correlation: number; correlationBefore: number; applied: boolean; }
export interface Correction { colour: ColourMatch; oklabMax: number; fit: ColourFit; fieldCell: number; fieldMax: number; registration: Registration; detailFeather: number; }
export interface EdgeReport { edge: "left" | "right" | "top" | "bottom"; seamJump: number; colourStep: number; deltaE: number; bandSharpness: number; }
/** How visible a composite's seam is, measured against the original alone. */
export interface SeamReport { edges: EdgeReport[]; seamJump: number; colourStep: number; deltaE: number; bandSharpness: number; residualCast: number[]; overlapResidual: number; correction: Correction; }
export interface Prepared { canvas: RgbaImage; mask: MaskImage; plan: Plan; seam: Seam; }
/** `preparePng`'s answer: the canvas and mask as PNG files, ready to upload. */
export interface PreparedPng { canvasPng: Uint8Array; maskPng: Uint8Array; plan: Plan; seam: Seam; }
export interface Seam { featherRequested: number; feather: number; overlapRequested: number; overlap: number; curve: Curve; }
/** The stable error codes (SPEC section 6), the same in Rust, JS and C. */
export type ErrorCode =
  | "INVALID_DIMENSIONS" | "INVALID_TARGET" | "INVALID_OPTION" | "UNSUPPORTED_FORMAT"
  | "CORRUPT_IMAGE" | "IMAGE_TOO_LARGE" | "INVALID_SESSION_ID" | "SESSION_NOT_FOUND"
  | "MODEL_NOT_FOUND" | "MODEL_DISABLED" | "PROMPT_REQUIRED" | "PROMPT_TOO_LONG"
  | "ITERATION_NOT_FOUND" | "ITERATION_LIMIT" | "CONFLICT" | "PROVIDER_ERROR"
  | "PROVIDER_TIMEOUT" | "STORAGE_ERROR" | "CONTENT_POLICY" | "PROVIDER_AUTH" | "QUOTA_EXCEEDED";
/** What outpaint throws (and rejects with): an `Error` whose `code` is stable. */
export class OutpaintError extends Error {
  constructor(code: ErrorCode, message: string);
  /** The stable code (SPEC section 6). */
  readonly code: ErrorCode;
  /** Always `"OutpaintError"`. */
  readonly name: "OutpaintError";
}
"#;

/// Declared for `picture.rs`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** `Picture.prepare`'s answer: canvas and mask stay in wasm memory. */
export interface PreparedPictures { canvas: Picture; mask: MaskPicture; plan: Plan; seam: Seam; }
"#;

/// Declared for `session.rs`.
#[wasm_bindgen(typescript_custom_section)]
const SESSION_TYPES: &str = r#"
/** The four built-in model columns. */
export type BuiltinModel = "flux" | "recraft" | "gemini" | "openai";
/** A model column: a built-in one, or a column a registry patch adds (any name of a-z,
 * 0-9, `-` and `_`, at most 32 characters). */
export type Model = BuiltinModel | (string & {});
export type IterationStatus = "in_progress" | "completed" | "error";
export type ModelStatus = "disabled" | "pending" | "in_progress" | "error" | "partial" | "completed";
export type SessionStatus = "failed" | "in_progress" | "pending" | "partial" | "completed";
/** One step of a model column; index 0 is the generated original. */
export interface Iteration {
  index: number; status: IterationStatus; prompt: string; startedAt: string;
  completedAt?: string; imageKey?: string; error?: string;
  isOutpaint: boolean; outpaintPreset?: string; parentIndex?: number;
  /** What the provider was sent (the engine's own provider calls): each image as encoded to fit the model's limits. */
  sent?: SentUpload[];
}
/** One uploaded image as it was sent: its part, encoding, size and bytes (before base64). */
export interface SentUpload { part: string; format: "png" | "jpeg" | "webp"; quality?: number; width: number; height: number; bytes: number; }
export interface ModelColumn { enabled: boolean; status: ModelStatus; iterationCount: number; iterations: Iteration[]; }
/** A session document as stored at `sessions/{sessionId}/status.json`. */
export interface Session {
  sessionId: string; status: SessionStatus; version: number; prompt: string;
  createdAt: string; updatedAt: string;
  /** The four built-in columns always, then a host's own (from its registry). */
  models: Record<BuiltinModel, ModelColumn> & { [column: string]: ModelColumn | undefined };
}
/** One remembered step of a context window. */
export interface ContextEntry { iteration: number; prompt: string; imageKey: string; timestamp: string; outpaintPreset?: string; }
/** How the prompt sent to a provider is built (`{previous}` and `{prompt}` placeholders). */
export interface PromptTemplate { template?: string; separator?: string; }
export interface GalleryItem { sessionId: string; prompt: string; createdAt: string; modelCount: number; totalIterations: number; thumbnail?: string; }
/** What an operation produced. */
export interface Outcome {
  session?: Session; iterationIndex?: number; warnings: string[]; gallery?: GalleryItem[];
  stats: { conflicts: number; providerRetries: number };
}
/** What to run. `image` (generate) is handed to the provider as the job's source. */
export type Operation =
  | { op: "generate"; prompt: string; models?: Model[]; image?: Uint8Array | ArrayBuffer }
  | { op: "iterate"; sessionId: string; model: Model; prompt: string }
  | { op: "outpaint"; sessionId: string; model: Model; preset: string; prompt?: string; iterationIndex?: number }
  | { op: "status"; sessionId: string }
  | { op: "gallery" };
/** Engine settings; every field optional. */
export interface EngineConfig {
  budget?: { maxIterations?: number; warnFrom?: number };
  template?: PromptTemplate;
  retryBackoffMs?: number; maxWriteAttempts?: number; writeBackoffMs?: number; staleAfterMs?: number;
  /** API keys and other secrets, redacted from stored errors. */
  secrets?: string[];
  seam?: SeamOptions; fill?: Fill;
  limits?: Limits;
  /**
   * Models whose provider the engine calls itself over `host.fetch` (keys are redacted
   * from every stored message); the other models go to `host.provider`.
   */
  providers?: Partial<Record<Model, ProviderSettings>>;
  /** A JSON merge patch (RFC 7396) of the model registry (see `registry()`). */
  registry?: RegistryPatch;
}
/** How the engine reaches one provider (every field but `apiKey` optional). */
export interface ProviderSettings {
  apiKey: string; baseUrl?: string; model?: string;
  pollIntervalMs?: number; maxPolls?: number; timeoutMs?: number; maxResponseBytes?: number;
}
/** Progress while an operation runs: a provider polled, a call about to be retried. */
export type EngineEvent =
  | { kind: "polling"; model: Model; polls: number; ms: number }
  | { kind: "retrying"; model: Model; message: string; ms: number };
/** One provider call. Outpaint jobs carry the canvas and mask prepared for the model's profile. */
export interface Job {
  model: Model; kind: "generate" | "iterate" | "outpaint"; prompt: string;
  source?: Uint8Array; sourceMime?: string;
  outpaint?: { target: string; canvasPng: Uint8Array; maskPng: Uint8Array; expansion: Expansion; plan: Plan; direction: string };
}
/** What a provider may answer: encoded bytes (PNG, JPEG, WebP) or pixels. */
export type ProviderResult = Uint8Array | ArrayBuffer | Blob | RgbaImage;
/**
 * A provider. Reject (throw) to fail the call: `retryable: false` (or `kind: "rejected"`)
 * on the error stops the one retry (default: retried once), `timeout: true` (or
 * `name === "TimeoutError"`, or `kind: "timeout"`) reports PROVIDER_TIMEOUT.
 */
export type ProviderFn = (job: Job) => Promise<ProviderResult> | ProviderResult;
/** The precondition of a write. */
export type Expect = { kind: "any" } | { kind: "absent" } | { kind: "tag"; tag: string };
/** A value and its version tag. */
export interface Stored { bytes: Uint8Array | ArrayBuffer; tag: string; }
/** A key-value store with version tags (compare-and-swap). Reject to report a storage failure. */
export interface Storage {
  get(key: string): Promise<Stored | null | undefined> | Stored | null | undefined;
  /** Writes if `expected` holds: the new tag, or `null` when it did not hold. */
  put(key: string, bytes: Uint8Array, expected: Expect): Promise<string | null> | string | null;
  list(prefix: string): Promise<string[]> | string[];
}
/** What `run` needs from its host. */
export interface Host {
  /**
   * A provider function, or `"local"` (the default) for the built-in offline provider.
   * Models in `config.providers` do not use it: the engine calls them over `fetch`.
   */
  provider?: ProviderFn | "local";
  storage: Storage;
  /** Milliseconds since the Unix epoch (default `Date.now`). */
  now?: () => number;
  /** Uniform in [0, 1) (default `Math.random`): session ids and backoff jitter. */
  random?: () => number;
  /** Waits (default `setTimeout`); a test host can advance its clock instead. */
  sleep?: (ms: number) => Promise<void>;
  /** The HTTP client for `config.providers` (default: the global `fetch`); see `ProviderFetch`. */
  fetch?: ProviderFetch;
  /** Hears progress while the operation runs. */
  onEvent?: (event: EngineEvent) => void;
  config?: EngineConfig;
}
"#;

/// Declared for `providers.rs`.
#[wasm_bindgen(typescript_custom_section)]
const PROVIDER_TYPES: &str = r#"
/** What the package hands an HTTP client of the host's: `fetch`'s own `init` fields. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /**
   * `"error"` on every request that carries a provider key (`authorization`, `x-key`,
   * `x-goog-api-key`): a client of your own must not follow a redirect for it, since a
   * redirect to another origin would take the key there. Downloads carry no key and may
   * follow redirects.
   */
  redirect?: "error";
  /** Aborts at the request's timeout. */
  signal?: AbortSignal;
}

/** An HTTP client in `fetch`'s shape, for `host.fetch` and `callProvider`'s `fetch`. */
export type ProviderFetch = (url: string, init: FetchInit) => Promise<Response>;

/** How `callProvider` reaches a provider. */
export interface ProviderOptions {
  /** The API key (sent as the provider wants it, redacted from every message). */
  apiKey: string;
  /** Base URL of the API (default: the provider's own). */
  baseUrl?: string;
  /** The provider's model id for generation (default: the provider's own). */
  model?: string;
  pollIntervalMs?: number; maxPolls?: number; timeoutMs?: number; maxResponseBytes?: number;
  /** A JSON merge patch of the model registry (see `registry()`). */
  registry?: RegistryPatch;
  /** The HTTP client (default: the global `fetch`); see `ProviderFetch`. */
  fetch?: ProviderFetch;
  /** Waits between polls (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
}
"#;

/// Declared for `providers.rs` (the model registry).
#[wasm_bindgen(typescript_custom_section)]
const REGISTRY_TYPES: &str = r#"
/** Which adapter speaks to a provider; `host`: the host answers the column's calls whole. */
export type Adapter = "bfl" | "recraft" | "gemini" | "openai" | "host";
/** A model column's provider and defaults. In a patch, a column of the host's own may be
 * written `{ from: "flux", baseUrl: "..." }`: what it leaves out is that column's. */
export interface RegistryColumn {
  adapter: Adapter; baseUrl: string; keyDomain: string;
  generate: string; iterate: string; outpaint: string;
  /** Paths under the base URL; `{model}` is the model id, `{id}` a task id. */
  endpoints: { generate: string; iterate: string; outpaint: string; inpaint: string; poll: string };
}
/** What an upload may be (0 = no limit; no encodings = any). */
export interface UploadLimits {
  minSide: number; maxSide: number; maxPixels: number; maxBytes: number;
  encodings: ("png" | "jpeg" | "webp")[];
}
/** One model id of a provider. */
export interface RegistryModel {
  adapter: Adapter; serves: ("generate" | "iterate" | "outpaint")[]; request: string;
  promptChars: number; upload: UploadLimits; mask: UploadLimits;
}
/** An outpaint profile: its geometry (by `send`), the model that uses it and its mask. */
export type RegistryProfile = { model: string; mask: MaskKind } & (
  | { send: "canvas"; multipleOf: number; minSide: number; maxSide: number; minPixels: number; maxPixels: number; maxAspect: number; sizes: Size[] }
  | { send: "edges"; maxEdge: number; minSide: number; maxSide: number; maxPixels: number; minResultSide: number; maxResultSide: number; maxResultPixels: number }
  | { send: "aspect"; aspects: string[]; imageSizes: Record<string, number>; sentSide: number });
/** The model registry: every provider fact as data. */
export interface Registry {
  about: string;
  /** The four built-in columns, then a host's own by name. */
  columns: Record<BuiltinModel, RegistryColumn> & { [column: string]: RegistryColumn | undefined };
  models: Record<string, RegistryModel>;
  profiles: Record<string, RegistryProfile>;
}
/** A JSON merge patch of the registry: objects merge key by key, `null` removes. */
export type RegistryPatch = { [key: string]: unknown };
"#;

/// Declared for `engine.rs`.
#[wasm_bindgen(typescript_custom_section)]
const ENGINE_TYPES: &str = r#"
/** An effect handed out by `Engine.pollEffect`: answer it by `id`. */
export type Effect =
  | { id: number; kind: "get"; key: string }
  | { id: number; kind: "put"; key: string; body: Uint8Array; expected: Expect }
  | { id: number; kind: "list"; prefix: string }
  | { id: number; kind: "call"; job: Job; /** outpaint: the plan as the core writes it */ planJson?: string }
  | { id: number; kind: "http"; model: Model; request: HttpRequest };
/** One HTTP request of a provider exchange the engine runs itself. */
export interface HttpRequest {
  method: "GET" | "POST"; url: string; headers: [string, string][]; body: Uint8Array;
  timeoutMs: number; maxResponseBytes: number;
}
/** What a provider call failed with (`kind` decides the retry and the code). */
export interface Failure { kind: FailureKind; message: string; retryAfterMs?: number; }
/** Why a provider call failed: decides the retry and the code (PROVIDER_ERROR for
 * rejected and transient, PROVIDER_TIMEOUT, CONTENT_POLICY, PROVIDER_AUTH, QUOTA_EXCEEDED). */
export type FailureKind = "rejected" | "transient" | "timeout" | "content_policy" | "auth" | "quota";
/** An HTTP response for `handleResponse`. */
export interface HttpResponse { status: number; headers?: [string, string][]; body: Uint8Array | string; }
"#;
