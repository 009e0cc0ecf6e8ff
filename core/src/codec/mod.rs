//! Image decode (PNG, JPEG, WebP by content, EXIF orientation, limits before allocation)
//! and encode (PNG, JPEG, WebP).

pub(crate) mod png_fast;
mod webp;

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader};
use serde::{Deserialize, Serialize};

use crate::error::{bail, Error, ErrorCode, Result};
use crate::limits::Limits;
use crate::pixels::{Image, ImageRef, Mask};
use png_fast::PngColor;

/// An encoded image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP (lossless when encoding).
    Webp,
}

impl Format {
    /// The MIME type (`image/png`, ...).
    pub const fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    /// The file extension used in storage keys (`png`, `jpg`, `webp`).
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }

    /// Detects the format from the first bytes (magic numbers), never from a file name.
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Png => Some(Format::Png),
            ImageFormat::Jpeg => Some(Format::Jpeg),
            ImageFormat::WebP => Some(Format::Webp),
            _ => None,
        }
    }

    fn to_image(self) -> ImageFormat {
        match self {
            Format::Png => ImageFormat::Png,
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Webp => ImageFormat::WebP,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "webp" => Ok(Format::Webp),
            other => bail!(
                InvalidOption,
                "unknown image format {other:?}; expected png, jpeg or webp"
            ),
        }
    }
}

/// What [`probe`] reads from a header without decoding pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The detected format.
    pub format: Format,
    /// Width as stored (before EXIF orientation).
    pub width: u32,
    /// Height as stored (before EXIF orientation).
    pub height: u32,
}

fn map_image_error(e: ImageError) -> Error {
    match e {
        ImageError::Limits(l) => Error::new(
            ErrorCode::ImageTooLarge,
            format!("image exceeds the decoder's limits: {l}"),
        ),
        ImageError::Unsupported(u) => Error::new(
            ErrorCode::UnsupportedFormat,
            format!("unsupported image variant: {u}"),
        ),
        other => Error::new(
            ErrorCode::CorruptImage,
            format!("image could not be decoded: {other}"),
        ),
    }
}

/// What a decoder may allocate beyond its output: header chunks (an ICC profile, text)
/// and working state.
const DECODE_OVERHEAD: u64 = 16 << 20;

/// The decoder's allocation budget: its output (at most 16-bit RGBA, 8 bytes a pixel)
/// plus [`DECODE_OVERHEAD`]. For a PNG the pixel count is read from its IHDR before
/// anything else: its compressed chunks (iCCP, zTXt, iTXt) expand a thousandfold, so a
/// 24x16 picture with a 1 MB ICC bomb could otherwise claim the budget of the largest
/// picture the limits allow (864 MB). JPEG and WebP keep their metadata as stored, within
/// the byte limit.
fn decode_budget(format: Format, bytes: &[u8], limits: &Limits) -> u64 {
    let pixels = match (format, bytes.get(12..24)) {
        (Format::Png, Some(ihdr)) if &ihdr[..4] == b"IHDR" => {
            let side = |at: usize| {
                u64::from(u32::from_be_bytes([
                    ihdr[at],
                    ihdr[at + 1],
                    ihdr[at + 2],
                    ihdr[at + 3],
                ]))
            };
            (side(4) * side(8)).min(limits.max_pixels)
        }
        _ => limits.max_pixels,
    };
    pixels.saturating_mul(8).saturating_add(DECODE_OVERHEAD)
}

fn open<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(Format, impl ImageDecoder + 'a)> {
    if bytes.len() as u64 > limits.max_bytes {
        bail!(
            ImageTooLarge,
            "image is {} bytes; the limit is {} bytes",
            bytes.len(),
            limits.max_bytes
        );
    }
    let Some(format) = Format::detect(bytes) else {
        bail!(
            UnsupportedFormat,
            "bytes are not a PNG, JPEG or WebP image (checked by content, {} bytes)",
            bytes.len()
        );
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.to_image());
    let mut il = image::Limits::default();
    il.max_image_width = Some(limits.max_side);
    il.max_image_height = Some(limits.max_side);
    il.max_alloc = Some(decode_budget(format, bytes, limits));
    reader.limits(il);
    let decoder = reader.into_decoder().map_err(map_image_error)?;
    let (w, h) = decoder.dimensions();
    limits.check_input(w, h)?;
    Ok((format, decoder))
}

/// Reads format and size from the header, checking `limits`, without decoding pixels.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe> {
    let (format, decoder) = open(bytes, limits)?;
    let (width, height) = decoder.dimensions();
    Ok(Probe {
        format,
        width,
        height,
    })
}

/// Decodes PNG, JPEG or WebP (detected by content) to RGBA8, with EXIF orientation
/// applied. Byte, side and pixel limits are checked from the header before pixels are
/// allocated.
///
/// Errors: `IMAGE_TOO_LARGE` over a limit, `UNSUPPORTED_FORMAT` for other formats,
/// `CORRUPT_IMAGE` for truncated or damaged data, `INVALID_DIMENSIONS` for a 0-px side.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Image> {
    let (format, mut decoder) = open(bytes, limits)?;
    if format == Format::Webp {
        webp::check_frames(bytes)?;
    }
    if format == Format::Jpeg && !has_jpeg_end(bytes) {
        // Decoders fill a truncated scan with grey and report success; a cut-off upload
        // must be an error, not a silently damaged picture.
        bail!(
            CorruptImage,
            "JPEG is truncated: no end-of-image marker ({} bytes)",
            bytes.len()
        );
    }
    if format == Format::Jpeg {
        // Every 8x8 block of a scan costs at least one bit (its DC difference), so a file
        // shorter than that for the size its header claims has lost its scan: decoders
        // would fill it with grey and report success (an 855-byte file "decoded" as
        // 10000x10000 before).
        let (w, h) = decoder.dimensions();
        let blocks = u64::from(w.div_ceil(8)) * u64::from(h.div_ceil(8));
        if (bytes.len() as u64).saturating_mul(8) < blocks {
            bail!(
                CorruptImage,
                "JPEG is truncated: {} bytes cannot hold the scan of a {w}x{h} image",
                bytes.len()
            );
        }
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    limits.check_memory(
        &format!(
            "decoding a {}x{} image",
            decoder.dimensions().0,
            decoder.dimensions().1
        ),
        decode_memory(&decoder, orientation),
    )?;
    let mut dynimg = DynamicImage::from_decoder(decoder).map_err(map_image_error)?;
    dynimg.apply_orientation(orientation);
    let rgba = dynimg.into_rgba8();
    let (w, h) = rgba.dimensions();
    Image::from_rgba(w, h, rgba.into_raw())
}

/// What a decode allocates at its peak: the decoder's own pixels (twice when the EXIF
/// orientation turns the picture a quarter: the turned copy is new), the RGBA8 picture
/// when the decoder's layout is another, and its header allowance.
fn decode_memory(decoder: &impl ImageDecoder, orientation: image::metadata::Orientation) -> u64 {
    use image::metadata::Orientation as O;
    let (w, h) = decoder.dimensions();
    let native = decoder.total_bytes();
    let turns = matches!(
        orientation,
        O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH
    );
    let rgba = if decoder.color_type() == image::ColorType::Rgba8 {
        0
    } else {
        crate::budget::picture(w, h)
    };
    native * (1 + u64::from(turns)) + rgba + DECODE_OVERHEAD
}

/// True when a JPEG ends with its end-of-image marker (`FF D9`), allowing for the
/// trailing padding some encoders and uploaders add.
fn has_jpeg_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// PNG compression effort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PngCompression {
    /// Fast deflate (Paeth filter for RGBA, Up for masks): the default, many times faster
    /// than zlib's default level at a modest size cost.
    #[default]
    Fast,
    /// zlib's default level.
    Default,
    /// Smallest output, slowest.
    Best,
}

fn encode_err(e: ImageError) -> Error {
    Error::new(
        ErrorCode::InvalidOption,
        format!("image could not be encoded: {e}"),
    )
}

/// Encodes raw 8-bit rows as PNG: the fast writer for `Fast`, the `png` crate's encoder
/// with adaptive filtering and zlib for the other efforts.
fn png_bytes(
    data: &[u8],
    width: u32,
    height: u32,
    color: PngColor,
    c: PngCompression,
) -> Result<Vec<u8>> {
    let stride = width as usize * color.bytes();
    if c == PngCompression::Fast {
        let mut rows = png_fast::Stored { data, stride };
        return png_fast::encode(width, height, color, &mut rows);
    }
    let mut out = Vec::with_capacity(data.len() / 4 + 1024);
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(color.png_type());
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(match c {
        PngCompression::Default | PngCompression::Fast => png::Compression::Balanced,
        PngCompression::Best => png::Compression::High,
    });
    enc.set_filter(png::Filter::Adaptive);
    let mut w = enc.write_header().map_err(png_err)?;
    w.write_image_data(data).map_err(png_err)?;
    w.finish().map_err(png_err)?;
    Ok(out)
}

fn png_err(e: png::EncodingError) -> Error {
    Error::new(
        ErrorCode::InvalidOption,
        format!("image could not be encoded: {e}"),
    )
}

/// Encodes an RGBA8 image as PNG.
pub fn encode_png(img: ImageRef<'_>, compression: PngCompression) -> Result<Vec<u8>> {
    png_bytes(
        img.data(),
        img.width(),
        img.height(),
        PngColor::Rgba,
        compression,
    )
}

/// Encodes a mask as an 8-bit greyscale PNG.
pub fn encode_mask_png(mask: &Mask, compression: PngCompression) -> Result<Vec<u8>> {
    png_bytes(
        mask.data(),
        mask.width(),
        mask.height(),
        PngColor::Grey,
        compression,
    )
}

/// Encodes as JPEG at `quality` (1..=100); alpha is dropped.
pub fn encode_jpeg(img: ImageRef<'_>, quality: u8) -> Result<Vec<u8>> {
    if !(1..=100).contains(&quality) {
        bail!(InvalidOption, "JPEG quality must be 1..=100, got {quality}");
    }
    let rgb: Vec<u8> = img
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            &rgb,
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(encode_err)?;
    Ok(out)
}

/// Encodes as lossless WebP.
pub fn encode_webp(img: ImageRef<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            img.data(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(encode_err)?;
    Ok(out)
}

/// Encodes in `format` with sensible defaults (fast PNG, JPEG quality 90, lossless WebP).
pub fn encode(img: ImageRef<'_>, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Png => encode_png(img, PngCompression::Fast),
        Format::Jpeg => encode_jpeg(img, 90),
        Format::Webp => encode_webp(img),
    }
}
