//! Pixel buffers: RGBA8 images, borrowed views and single-channel masks.

use crate::error::{bail, Result};
use crate::limits::Limits;

/// Bytes per RGBA8 pixel.
pub const RGBA: usize = 4;

/// An owned RGBA8 image (straight alpha), rows packed top to bottom, `width * 4` bytes each.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image({}x{})", self.width, self.height)
    }
}

/// Checks that `len` is exactly `width * height * channels`.
fn check_len(width: u32, height: u32, channels: usize, len: usize) -> Result<()> {
    if width == 0 || height == 0 {
        bail!(
            InvalidDimensions,
            "image is {width}x{height}; both sides must be at least 1 px"
        );
    }
    let want = width as u64 * height as u64 * channels as u64;
    if want != len as u64 {
        bail!(
            InvalidDimensions,
            "a {width}x{height} buffer with {channels} bytes per pixel needs {want} bytes, got {len}"
        );
    }
    Ok(())
}

impl Image {
    /// Wraps RGBA8 pixels; `data.len()` must be `width * height * 4`.
    pub fn from_rgba(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        check_len(width, height, RGBA, data.len())?;
        Ok(Image {
            width,
            height,
            data,
        })
    }

    /// A `width x height` image of one colour, after checking the canvas limits.
    pub fn filled(width: u32, height: u32, rgba: [u8; 4], limits: &Limits) -> Result<Self> {
        limits.check_canvas(width, height)?;
        let n = width as usize * height as usize;
        let what = || format!("a {width}x{height} picture");
        let mut data = room(n.checked_mul(RGBA), what)?;
        if rgba == [0; 4] {
            data.resize(n * RGBA, 0);
        } else if n > 0 {
            // Doubling copies, as `[T]::repeat` does, into the vector got above.
            data.extend_from_slice(&rgba);
            while data.len() < n * RGBA {
                let k = data.len().min(n * RGBA - data.len());
                data.extend_from_within(..k);
            }
        }
        Ok(Image {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGBA8 bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The RGBA8 bytes, mutable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Gives the RGBA8 bytes back.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// A borrowed view.
    pub fn view(&self) -> ImageRef<'_> {
        ImageRef {
            width: self.width,
            height: self.height,
            data: &self.data,
        }
    }

    /// The pixel at `(x, y)`. Panics when out of bounds (a programming error).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        self.view().pixel(x, y)
    }
}

/// A borrowed RGBA8 image: what every operation reads from, so hosts can lend their own
/// buffers (a JS `Uint8ClampedArray`, a C array) without copying.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    width: u32,
    height: u32,
    data: &'a [u8],
}

impl std::fmt::Debug for ImageRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageRef({}x{})", self.width, self.height)
    }
}

impl<'a> ImageRef<'a> {
    /// Borrows RGBA8 pixels; `data.len()` must be `width * height * 4`.
    pub fn new(width: u32, height: u32, data: &'a [u8]) -> Result<Self> {
        check_len(width, height, RGBA, data.len())?;
        Ok(ImageRef {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGBA8 bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// One row's bytes.
    pub fn row(&self, y: u32) -> &'a [u8] {
        let stride = self.width as usize * RGBA;
        &self.data[y as usize * stride..(y as usize + 1) * stride]
    }

    /// The pixel at `(x, y)`. Panics when out of bounds (a programming error).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = (y as usize * self.width as usize + x as usize) * RGBA;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }

    /// The pixels of `rect`, copied: `INVALID_DIMENSIONS` when it is empty or not inside
    /// the image (a hand-made plan or layout).
    pub fn crop(&self, rect: crate::geometry::Rect) -> Result<Image> {
        let inside = |at: u32, len: u32, side: u32| {
            len > 0 && at.checked_add(len).is_some_and(|end| end <= side)
        };
        if !inside(rect.x, rect.width, self.width) || !inside(rect.y, rect.height, self.height) {
            crate::error::bail!(
                InvalidDimensions,
                "{}x{}+{}+{} is not inside the {}x{} image",
                rect.width,
                rect.height,
                rect.x,
                rect.y,
                self.width,
                self.height
            );
        }
        let (x, w) = (rect.x as usize * RGBA, rect.width as usize * RGBA);
        let mut out = room(w.checked_mul(rect.height as usize), || {
            format!("a {}x{} crop", rect.width, rect.height)
        })?;
        for y in rect.y..rect.y + rect.height {
            out.extend_from_slice(&self.row(y)[x..x + w]);
        }
        Image::from_rgba(rect.width, rect.height, out)
    }

    /// Copies into an owned image.
    pub fn to_owned(&self) -> Image {
        Image {
            width: self.width,
            height: self.height,
            data: self.data.to_vec(),
        }
    }
}

/// An 8-bit single-channel mask, same size as its canvas: 255 = generate, 0 = keep.
#[derive(Clone, PartialEq, Eq)]
pub struct Mask {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for Mask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mask({}x{})", self.width, self.height)
    }
}

impl Mask {
    /// Wraps mask bytes; `data.len()` must be `width * height`.
    pub fn from_bytes(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        check_len(width, height, 1, data.len())?;
        Ok(Mask {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The mask bytes, one per pixel.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The mask bytes, mutable (for [`crate::pixels::mask_into`] into a reused mask).
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Gives the bytes back.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The value at `(x, y)`. Panics when out of bounds (a programming error).
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.data[y as usize * self.width as usize + x as usize]
    }
}

/// Checks a caller-provided output buffer's length.
pub(crate) fn check_out(len: usize, width: u32, height: u32, channels: usize) -> Result<()> {
    let want = width as u64 * height as u64 * channels as u64;
    if len as u64 != want {
        bail!(
            InvalidDimensions,
            "output buffer for {width}x{height} with {channels} bytes per pixel must be {want} bytes, got {len}"
        );
    }
    Ok(())
}

/// Where rows of pixels are written, top to bottom: a caller's buffer, or a vector grown as
/// it is written (never zeroed as a whole first: a second pass over memory when the
/// allocator reuses freed pages). `fill` and `copy` land straight in the vector's spare
/// capacity; `with` and `next` zero their span just ahead of the writer, in cache.
/// Masks are written as fills and copies (3641x2048: 0.18 ms with each row zeroed first,
/// 0.10 ms as segments; a memset of the same bytes takes 0.075 ms). RGBA rows keep
/// `next`: zeroing a row before copying into it measured no slower on this machine (the
/// zeroing spares the copy's read-for-ownership of the destination lines).
pub(crate) enum Rows<'a> {
    /// A caller's buffer of exactly `rows * stride` bytes.
    Slice {
        /// The buffer.
        buf: &'a mut [u8],
        /// Bytes per row.
        stride: usize,
        /// Bytes written so far.
        at: usize,
    },
    /// A vector with the capacity reserved.
    Grow {
        /// The vector.
        buf: Vec<u8>,
        /// Bytes per row.
        stride: usize,
    },
}

impl<'a> Rows<'a> {
    /// Rows into a caller's buffer.
    pub(crate) fn slice(buf: &'a mut [u8], stride: usize) -> Self {
        Rows::Slice { buf, stride, at: 0 }
    }

    /// A new vector for `rows` rows of `stride` bytes; `IMAGE_TOO_LARGE` when the memory
    /// cannot be had (instead of an abort).
    pub(crate) fn grow(rows: usize, stride: usize) -> Result<Self> {
        let buf = room(rows.checked_mul(stride), || {
            format!("{rows} rows of {stride} bytes")
        })?;
        Ok(Rows::Grow { buf, stride })
    }

    /// Appends `n` copies of `byte`.
    #[inline]
    pub(crate) fn fill(&mut self, n: usize, byte: u8) {
        match self {
            Rows::Slice { buf, at, .. } => {
                buf[*at..*at + n].fill(byte);
                *at += n;
            }
            Rows::Grow { buf, .. } => buf.resize(buf.len() + n, byte),
        }
    }

    /// Appends a copy of `src`.
    #[inline]
    pub(crate) fn copy(&mut self, src: &[u8]) {
        match self {
            Rows::Slice { buf, at, .. } => {
                buf[*at..*at + src.len()].copy_from_slice(src);
                *at += src.len();
            }
            Rows::Grow { buf, .. } => buf.extend_from_slice(src),
        }
    }

    /// Appends `n` bytes that `write` sets, every one of them.
    #[inline]
    pub(crate) fn with(&mut self, n: usize, write: impl FnOnce(&mut [u8])) {
        match self {
            Rows::Slice { buf, at, .. } => {
                write(&mut buf[*at..*at + n]);
                *at += n;
            }
            Rows::Grow { buf, .. } => {
                let start = buf.len();
                buf.resize(start + n, 0);
                write(&mut buf[start..]);
            }
        }
    }

    /// Appends one whole row that `write` sets.
    #[inline]
    pub(crate) fn next(&mut self, write: impl FnOnce(&mut [u8])) {
        let stride = self.stride();
        self.with(stride, write);
    }

    fn stride(&self) -> usize {
        match self {
            Rows::Slice { stride, .. } | Rows::Grow { stride, .. } => *stride,
        }
    }

    /// Appends a copy of row `y` (already written).
    pub(crate) fn repeat(&mut self, y: usize) {
        match self {
            Rows::Slice { buf, stride, at } => {
                buf.copy_within(y * *stride..(y + 1) * *stride, *at);
                *at += *stride;
            }
            Rows::Grow { buf, stride } => buf.extend_from_within(y * *stride..(y + 1) * *stride),
        }
    }

    /// The grown vector (empty for a slice).
    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Rows::Slice { .. } => Vec::new(),
            Rows::Grow { buf, .. } => buf,
        }
    }
}

/// An empty vector with room for `n` items (`None`: a count that overflowed), or
/// `IMAGE_TOO_LARGE` naming `what()` when the memory cannot be had. Every buffer the size
/// of a picture is allocated through this or [`filled_vec`]: an allocation that fails
/// aborts a Rust program (in wasm, a trap that leaves the instance unusable), while the
/// working-memory budget (`Limits::max_memory_bytes`) only bounds what is asked for, not
/// what the host can give (a browser tab may refuse to grow its memory well under it).
pub(crate) fn room<T>(n: Option<usize>, what: impl FnOnce() -> String) -> Result<Vec<T>> {
    let mut v = Vec::new();
    if n.is_none_or(|n| v.try_reserve_exact(n).is_err()) {
        bail!(ImageTooLarge, "cannot allocate {}", what());
    }
    Ok(v)
}

/// `n` copies of `value` in a vector got through [`room`].
pub(crate) fn filled_vec<T: Clone>(
    n: usize,
    value: T,
    what: impl FnOnce() -> String,
) -> Result<Vec<T>> {
    let mut v = room(Some(n), what)?;
    v.resize(n, value);
    Ok(v)
}

/// A photo-like test picture: ramps, an 8-px checker and noise, so that no two bands of it
/// agree (the tests that compare one way of computing a fill with another use it).
#[cfg(test)]
pub(crate) fn test_photo(w: u32, h: u32) -> Image {
    let mut s = 0x1234_5678u32;
    let mut d = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = s % 40;
            d.extend_from_slice(&[
                ((x * 3 + n) % 256) as u8,
                ((y * 5 + n) % 256) as u8,
                (((x / 8 + y / 8) % 2) * 120 + n) as u8,
                255,
            ]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_that_cannot_be_had_is_an_error_not_an_abort() {
        // More than any address space, and a count that overflowed: both refused, and
        // the next allocation works.
        let e = room::<u64>(Some(usize::MAX / 2), || "a huge plane".into()).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ImageTooLarge);
        assert_eq!(
            e.to_string(),
            "IMAGE_TOO_LARGE: cannot allocate a huge plane"
        );
        let e = filled_vec(usize::MAX, 0u16, || "a huger one".into()).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ImageTooLarge);
        assert!(room::<u8>(None, || "an overflow".into()).is_err());
        assert_eq!(filled_vec(5, 7u8, String::new).unwrap(), vec![7; 5]);
        // A filled picture of a colour is the colour everywhere (the doubling copy).
        for (w, h) in [(1, 1), (3, 5), (17, 9)] {
            let img = Image::filled(w, h, [1, 2, 3, 4], &Limits::default()).unwrap();
            assert!(
                img.data().chunks_exact(4).all(|p| p == [1, 2, 3, 4]),
                "{w}x{h}"
            );
            assert_eq!(img.data().len(), (w * h * 4) as usize);
        }
    }
    use crate::geometry::Rect;

    #[test]
    fn crop_copies_exactly_the_rect_and_refuses_one_outside() {
        // 4x3, pixel (x, y) = [x, y, 7, 255].
        let data: Vec<u8> = (0..3u8)
            .flat_map(|y| (0..4u8).flat_map(move |x| [x, y, 7, 255]))
            .collect();
        let img = Image::from_rgba(4, 3, data).unwrap();
        let c = img
            .view()
            .crop(Rect {
                x: 1,
                y: 1,
                width: 2,
                height: 2,
            })
            .unwrap();
        assert_eq!((c.width(), c.height()), (2, 2));
        assert_eq!(c.pixel(0, 0), [1, 1, 7, 255]);
        assert_eq!(c.pixel(1, 1), [2, 2, 7, 255]);
        for bad in [
            Rect {
                x: 3,
                y: 0,
                width: 2,
                height: 1,
            },
            Rect {
                x: 0,
                y: 0,
                width: 0,
                height: 1,
            },
            Rect {
                x: u32::MAX,
                y: 0,
                width: 2,
                height: 1,
            },
            Rect {
                x: 0,
                y: 2,
                width: 1,
                height: 2,
            },
        ] {
            let e = img.view().crop(bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidDimensions, "{bad:?}");
        }
    }
}
