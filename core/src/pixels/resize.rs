//! Resizing with the image crate's triangle filter.

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Rgba};

use crate::error::Result;
use crate::limits::Limits;
use crate::pixels::{Image, ImageRef};

/// Resizes an RGBA image (triangle filter, area-correct when shrinking). The new size is
/// checked against `limits` before its buffer is allocated (`IMAGE_TOO_LARGE`).
pub fn resize(src: ImageRef<'_>, width: u32, height: u32, limits: &Limits) -> Result<Image> {
    limits.check_canvas(width, height)?;
    limits.check_memory(
        "resizing",
        crate::budget::resize((src.width(), src.height()), (width, height)),
    )?;
    let buf: ImageBuffer<Rgba<u8>, &[u8]> =
        ImageBuffer::from_raw(src.width(), src.height(), src.data())
            .expect("ImageRef guarantees the length");
    let out = imageops::resize(&buf, width, height, FilterType::Triangle);
    Image::from_rgba(width, height, out.into_raw())
}
