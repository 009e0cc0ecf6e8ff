//! The fast PNG writer: rows filtered with one fixed filter (Paeth for RGBA, Up for
//! greyscale masks), compressed by `fdeflate` into the output vector, in a single IDAT.
//!
//! It exists because rows can be streamed into it: `prepare_png` generates the canvas and
//! the mask row by row into a buffer that stays in cache, so neither picture is ever
//! written to memory whole (at 4096x4096 -> 16:9 that spares 149 MB of page faults and
//! two passes over memory). The `png` crate's own stream writer hands `fdeflate`'s output
//! through its chunk writer eight bytes at a time, which made a 7282x4096 encode 30%
//! slower than its whole-image path; here `fdeflate` writes into the vector directly.
//! The deflate stream is byte for byte the one the `png` crate writes for the same
//! filter (tested), and like it, data that would not compress is stored instead.

use std::io::{self, Cursor};

use crate::error::{bail, Error, ErrorCode, Result};

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// The longest chunk PNG allows.
const MAX_CHUNK: usize = (1 << 31) - 1;

/// How a PNG's pixels are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PngColor {
    /// 8-bit RGBA, 4 bytes a pixel, Paeth-filtered.
    Rgba,
    /// 8-bit greyscale, 1 byte a pixel, Up-filtered (a mask's rows mostly repeat the row
    /// above, so Up makes them zeros).
    Grey,
}

impl PngColor {
    /// Bytes a pixel.
    pub(crate) const fn bytes(self) -> usize {
        match self {
            PngColor::Rgba => 4,
            PngColor::Grey => 1,
        }
    }

    /// The `png` crate's name for it.
    pub(crate) const fn png_type(self) -> png::ColorType {
        match self {
            PngColor::Rgba => png::ColorType::Rgba,
            PngColor::Grey => png::ColorType::Grayscale,
        }
    }

    /// The PNG filter type byte this color's rows carry.
    const fn filter_type(self) -> u8 {
        match self {
            PngColor::Rgba => 4,
            PngColor::Grey => 2,
        }
    }
}

/// What a [`RowSource`] calls for each row: the row and the one above it.
pub(crate) type RowSink<'s> = dyn FnMut(&[u8], Option<&[u8]>) -> io::Result<()> + 's;

/// Rows of raw pixel bytes, top to bottom, that can be walked more than once (a second
/// walk stores the data when it did not compress).
pub(crate) trait RowSource {
    /// Calls `f(row, previous)` for every row in order; `previous` is `None` for the first.
    fn each(&mut self, f: &mut RowSink<'_>) -> io::Result<()>;
}

/// The rows of a picture already in memory.
pub(crate) struct Stored<'a> {
    /// The pixels.
    pub data: &'a [u8],
    /// Bytes a row.
    pub stride: usize,
}

impl RowSource for Stored<'_> {
    fn each(&mut self, f: &mut RowSink<'_>) -> io::Result<()> {
        let mut prev = None;
        for row in self.data.chunks_exact(self.stride) {
            f(row, prev)?;
            prev = Some(row);
        }
        Ok(())
    }
}

/// Rows computed one at a time by `write(y, row)` into one of two buffers that stay in
/// cache.
pub(crate) struct Generated<F: FnMut(usize, &mut [u8])> {
    /// Bytes a row.
    pub stride: usize,
    /// Rows.
    pub rows: usize,
    /// Writes row `y`, every byte of it.
    pub write: F,
}

impl<F: FnMut(usize, &mut [u8])> RowSource for Generated<F> {
    fn each(&mut self, f: &mut RowSink<'_>) -> io::Result<()> {
        let (mut cur, mut prev) = (vec![0u8; self.stride], vec![0u8; self.stride]);
        for y in 0..self.rows {
            (self.write)(y, &mut cur);
            f(&cur, (y > 0).then_some(&prev[..]))?;
            std::mem::swap(&mut cur, &mut prev);
        }
        Ok(())
    }
}

fn io_err(e: io::Error) -> Error {
    Error::new(
        ErrorCode::InvalidOption,
        format!("image could not be encoded: {e}"),
    )
}

/// The most bytes [`encode`] writes for a `width x height` picture of `color`: the
/// signature, IHDR, the pixel data stored uncompressed (what incompressible rows become),
/// a chunk header per 2 GiB of it and IEND. The output is reserved at this size before
/// a row is read, so an encode never grows its vector (no copy, no doubling) and cannot
/// fail half-way for memory: a working-memory budget counts it exactly.
pub(crate) fn max_len(width: u32, height: u32, color: PngColor) -> u64 {
    let raw = (width as usize * color.bytes() + 1) as u64 * u64::from(height);
    // fdeflate's `StoredOnlyCompressor::compressed_size`, in u64: 5 bytes a 64 KiB block
    // and the zlib header and checksum.
    let data = raw + raw.div_ceil(u64::from(u16::MAX)) * 5 + 6;
    let chunks = data / MAX_CHUNK as u64 + 1;
    8 + 25 + data + chunks * 12 + 12
}

/// Encodes `rows` as a `width x height` PNG into a vector reserved at [`max_len`]:
/// `IMAGE_TOO_LARGE` when that cannot be had.
pub(crate) fn encode(
    width: u32,
    height: u32,
    color: PngColor,
    rows: &mut dyn RowSource,
) -> Result<Vec<u8>> {
    if width == 0 || height == 0 {
        bail!(
            InvalidDimensions,
            "a PNG needs both sides, got {width}x{height}"
        );
    }
    let stride = width as usize * color.bytes();
    let raw = (stride + 1) * height as usize;
    let bound = max_len(width, height, color);
    let mut out = Vec::new();
    if usize::try_from(bound).map_or(true, |n| out.try_reserve_exact(n).is_err()) {
        bail!(ImageTooLarge, "cannot allocate {bound} bytes for a PNG");
    }
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&height.to_be_bytes());
    ihdr[8] = 8; // bit depth
    ihdr[9] = color.png_type() as u8;
    chunk(&mut out, b"IHDR", &ihdr);

    // The IDAT's length and type are written once the data is there.
    let idat = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(b"IDAT");
    let start = out.len();
    let stored = fdeflate::StoredOnlyCompressor::<()>::compressed_size(raw);
    let mut within = Within {
        out,
        limit: start + stored,
        over: false,
    };
    deflate(&mut within, stride, color, rows).map_err(io_err)?;
    out = within.out;
    if within.over {
        // It did not compress (noise): store it, as the `png` crate does.
        out.truncate(start);
        out = store(out, rows).map_err(io_err)?;
    }
    let len = out.len() - start;
    if len <= MAX_CHUNK {
        out[idat..idat + 4].copy_from_slice(&(len as u32).to_be_bytes());
        let crc = crc32fast::hash(&out[idat + 4..]);
        out.extend_from_slice(&crc.to_be_bytes());
    } else {
        // Only past 2 GiB of compressed data: split it into chunks PNG allows.
        let data = out.split_off(start);
        out.truncate(idat);
        for piece in data.chunks(MAX_CHUNK) {
            chunk(&mut out, b"IDAT", piece);
        }
    }
    chunk(&mut out, b"IEND", &[]);
    out.shrink_to_fit();
    Ok(out)
}

/// A vector that takes bytes up to `limit` and drops the rest, noting it: deflate output
/// that grows past the stored size is abandoned for the stored form, never grown. (The
/// bytes are dropped, not refused: `fdeflate` panics when a header write fails.)
struct Within {
    out: Vec<u8>,
    limit: usize,
    over: bool,
}

impl io::Write for Within {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.over || self.out.len() + buf.len() > self.limit {
            self.over = true;
        } else {
            self.out.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Appends a chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let at = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[at..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// Filters and compresses every row onto the end of `out`.
fn deflate(
    out: &mut Within,
    stride: usize,
    color: PngColor,
    rows: &mut dyn RowSource,
) -> io::Result<()> {
    let mut z = fdeflate::Compressor::new(out)?;
    let mut line = vec![0u8; stride + 1];
    line[0] = color.filter_type();
    let zeros = vec![0u8; stride];
    rows.each(&mut |row, prev| {
        let prev = prev.unwrap_or(&zeros);
        match color {
            PngColor::Rgba => paeth(row, prev, &mut line[1..]),
            PngColor::Grey => up(row, prev, &mut line[1..]),
        }
        z.write_data(&line)
    })?;
    z.finish().map(drop)
}

/// Stores every row (filter type 0) onto the end of `out`, without compression.
fn store(out: Vec<u8>, rows: &mut dyn RowSource) -> io::Result<Vec<u8>> {
    let mut cursor = Cursor::new(out);
    cursor.set_position(cursor.get_ref().len() as u64);
    let mut z = fdeflate::StoredOnlyCompressor::new(cursor)?;
    rows.each(&mut |row, _| {
        z.write_data(&[0])?;
        z.write_data(row)
    })?;
    Ok(z.finish()?.into_inner())
}

/// The Up filter: each byte minus the byte above.
fn up(row: &[u8], prev: &[u8], out: &mut [u8]) {
    for ((o, &x), &b) in out.iter_mut().zip(row).zip(prev) {
        *o = x.wrapping_sub(b);
    }
}

/// The Paeth filter for 4-byte pixels: each byte minus the one of left (`a`), above (`b`)
/// and upper left (`c`) nearest to `a + b - c`, ties going to `a`, then `b`. Every byte is
/// independent of the filtered ones, so the loop runs in vector lanes.
fn paeth(row: &[u8], prev: &[u8], out: &mut [u8]) {
    const BPP: usize = 4;
    let n = row.len();
    // The first pixel has no left neighbours: the predictor is the byte above.
    for i in 0..BPP.min(n) {
        out[i] = row[i].wrapping_sub(prev[i]);
    }
    if n <= BPP {
        return;
    }
    let (x, a) = (&row[BPP..], &row[..n - BPP]);
    let (b, c) = (&prev[BPP..], &prev[..n - BPP]);
    for (i, o) in out[BPP..].iter_mut().enumerate() {
        *o = x[i].wrapping_sub(predict(a[i], b[i], c[i]));
    }
}

/// The Paeth predictor (PNG specification, section 9.4).
#[inline(always)]
fn predict(a: u8, b: u8, c: u8) -> u8 {
    let (a16, b16, c16) = (i16::from(a), i16::from(b), i16::from(c));
    let pa = (b16 - c16).abs();
    let pb = (a16 - c16).abs();
    let pc = (a16 + b16 - 2 * c16).abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `png` crate's encoder with the same filter and fast compression.
    fn reference(data: &[u8], w: u32, h: u32, color: PngColor) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color.png_type());
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(match color {
            PngColor::Rgba => png::Filter::Paeth,
            PngColor::Grey => png::Filter::Up,
        });
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(data).unwrap();
        wr.finish().unwrap();
        out
    }

    /// The concatenated IDAT data of a PNG, after checking every chunk's CRC.
    fn idat(png: &[u8]) -> Vec<u8> {
        assert_eq!(png[..8], SIGNATURE);
        let (mut at, mut data) = (8, Vec::new());
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let body = &png[at + 4..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc32fast::hash(body), crc, "CRC of {:?}", &body[..4]);
            if &body[..4] == b"IDAT" {
                data.extend_from_slice(&body[4..]);
            }
            at += 12 + len;
        }
        assert_eq!(at, png.len());
        data
    }

    fn decode(png: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut r = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    fn noisy(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Smooth with a little noise, and runs of one value, like real canvases.
                if i % 97 < 30 {
                    7
                } else {
                    ((i / 5) as u32 + (s >> 29)) as u8
                }
            })
            .collect()
    }

    #[test]
    fn paeth_predictor_matches_the_specification_everywhere() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for c in 0..=255u8 {
                    let p = i32::from(a) + i32::from(b) - i32::from(c);
                    let (pa, pb, pc) = (
                        (p - i32::from(a)).abs(),
                        (p - i32::from(b)).abs(),
                        (p - i32::from(c)).abs(),
                    );
                    let want = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    assert_eq!(predict(a, b, c), want, "({a}, {b}, {c})");
                }
            }
        }
    }

    #[test]
    fn same_deflate_stream_and_pixels_as_the_png_crate() {
        for (w, h, color) in [
            (1, 1, PngColor::Rgba),
            (1, 5, PngColor::Rgba),
            (37, 23, PngColor::Rgba),
            (300, 40, PngColor::Rgba),
            (1, 1, PngColor::Grey),
            (53, 17, PngColor::Grey),
            (300, 40, PngColor::Grey),
        ] {
            let stride = w as usize * color.bytes();
            let data = noisy(stride * h as usize, w * 31 + h);
            let ours = encode(
                w,
                h,
                color,
                &mut Stored {
                    data: &data,
                    stride,
                },
            )
            .unwrap();
            let theirs = reference(&data, w, h, color);
            assert_eq!(idat(&ours), idat(&theirs), "{w}x{h} {color:?}");
            let (info, pixels) = decode(&ours);
            assert_eq!((info.width, info.height), (w, h));
            assert_eq!(info.color_type, color.png_type());
            assert_eq!(pixels, data, "{w}x{h} {color:?}");
        }
    }

    #[test]
    fn generated_rows_encode_like_stored_ones() {
        let (w, h) = (61u32, 29u32);
        let stride = w as usize * 4;
        let data = noisy(stride * h as usize, 5);
        let stored = encode(
            w,
            h,
            PngColor::Rgba,
            &mut Stored {
                data: &data,
                stride,
            },
        )
        .unwrap();
        let generated = encode(
            w,
            h,
            PngColor::Rgba,
            &mut Generated {
                stride,
                rows: h as usize,
                write: |y, row: &mut [u8]| row.copy_from_slice(&data[y * stride..][..stride]),
            },
        )
        .unwrap();
        assert_eq!(generated, stored);
    }

    #[test]
    fn incompressible_rows_are_stored() {
        // White noise does not deflate: the data goes in stored blocks, and decodes.
        let (w, h) = (128u32, 64u32);
        let mut s = 1u64;
        let data: Vec<u8> = (0..w * h * 4)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s as u8
            })
            .collect();
        let stride = w as usize * 4;
        let png = encode(
            w,
            h,
            PngColor::Rgba,
            &mut Stored {
                data: &data,
                stride,
            },
        )
        .unwrap();
        let raw = (stride + 1) * h as usize;
        assert_eq!(
            idat(&png).len(),
            fdeflate::StoredOnlyCompressor::<()>::compressed_size(raw)
        );
        assert_eq!(decode(&png).1, data);
        // Within the bound reserved before the first row, and no larger than it needs.
        assert!(png.len() as u64 <= max_len(w, h, PngColor::Rgba));
        assert_eq!(png.capacity(), png.len());
    }

    #[test]
    fn empty_sides_are_refused() {
        let e = encode(
            0,
            3,
            PngColor::Grey,
            &mut Stored {
                data: &[],
                stride: 1,
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidDimensions);
    }
}
