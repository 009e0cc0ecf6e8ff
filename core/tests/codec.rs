//! Decode/encode: formats by content, EXIF orientation, limits before allocation, and the
//! error code of every bad input.

use outpaint_core::codec::{
    decode, encode, encode_jpeg, encode_mask_png, encode_png, encode_webp, probe, Format,
    PngCompression,
};
use outpaint_core::{ErrorCode, Image, Limits, Mask};

fn sample(w: u32, h: u32) -> Image {
    let mut d = Vec::new();
    for y in 0..h {
        for x in 0..w {
            d.extend_from_slice(&[(x * 40) as u8, (y * 40) as u8, 90, 255]);
        }
    }
    Image::from_rgba(w, h, d).unwrap()
}

fn code(bytes: &[u8]) -> ErrorCode {
    decode(bytes, &Limits::default()).unwrap_err().code()
}

#[test]
fn png_and_webp_round_trip_exactly() {
    let img = sample(5, 3);
    for bytes in [
        encode_png(img.view(), PngCompression::Fast).unwrap(),
        encode_png(img.view(), PngCompression::Best).unwrap(),
        encode_webp(img.view()).unwrap(),
        encode(img.view(), Format::Png).unwrap(),
    ] {
        assert_eq!(decode(&bytes, &Limits::default()).unwrap(), img);
    }
    assert_eq!(
        Format::detect(&encode_webp(img.view()).unwrap()),
        Some(Format::Webp)
    );
}

#[test]
fn jpeg_round_trips_closely_and_is_detected_by_content() {
    let img = Image::filled(16, 16, [200, 100, 50, 255], &Limits::default()).unwrap();
    let bytes = encode_jpeg(img.view(), 95).unwrap();
    assert_eq!(Format::detect(&bytes), Some(Format::Jpeg));
    let back = decode(&bytes, &Limits::default()).unwrap();
    assert_eq!((back.width(), back.height()), (16, 16));
    let p = back.pixel(8, 8);
    assert!(p[0].abs_diff(200) <= 3 && p[1].abs_diff(100) <= 3 && p[2].abs_diff(50) <= 3);
    assert_eq!(p[3], 255);
    assert_eq!(
        encode_jpeg(img.view(), 0).unwrap_err().code(),
        ErrorCode::InvalidOption
    );
}

#[test]
fn mask_png_is_greyscale() {
    let m = Mask::from_bytes(3, 1, vec![0, 128, 255]).unwrap();
    let bytes = encode_mask_png(&m, PngCompression::Fast).unwrap();
    // IHDR colour type byte (offset 25) is 0 = greyscale, bit depth 8.
    assert_eq!((bytes[24], bytes[25]), (8, 0));
    let back = decode(&bytes, &Limits::default()).unwrap();
    assert_eq!(back.pixel(1, 0), [128, 128, 128, 255]);
}

#[test]
fn unsupported_and_corrupt_inputs() {
    assert_eq!(code(b""), ErrorCode::UnsupportedFormat);
    assert_eq!(
        code(b"GIF89a\x01\x00\x01\x00"),
        ErrorCode::UnsupportedFormat
    );
    assert_eq!(code(b"hello, not an image"), ErrorCode::UnsupportedFormat);
    let png = encode_png(sample(8, 8).view(), PngCompression::Fast).unwrap();
    // Truncated in the middle of the data.
    assert_eq!(code(&png[..png.len() / 2]), ErrorCode::CorruptImage);
    // Only the signature.
    assert_eq!(code(&png[..8]), ErrorCode::CorruptImage);
    // Flip bytes inside the compressed data (CRC no longer matches).
    let mut bad = png.clone();
    let n = bad.len();
    bad[n - 20] ^= 0xFF;
    assert_eq!(code(&bad), ErrorCode::CorruptImage);
    let jpeg = encode_jpeg(sample(32, 32).view(), 90).unwrap();
    assert_eq!(code(&jpeg[..jpeg.len() / 3]), ErrorCode::CorruptImage);
    assert_eq!(code(&jpeg[..4]), ErrorCode::CorruptImage);
}

/// A PNG whose IHDR claims `w x h` (valid CRC) followed by nothing useful.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // An IDAT with a few bytes, then IEND.
    let idat = b"IDATxx".to_vec();
    out.extend_from_slice(&2u32.to_be_bytes());
    out.extend_from_slice(&idat);
    out.extend_from_slice(&crc32(&idat).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn decompression_bombs_are_refused_before_allocation() {
    // 100000 x 100000 would be 40 GB of RGBA: refused from the header.
    let bomb = png_header(100_000, 100_000);
    assert_eq!(code(&bomb), ErrorCode::ImageTooLarge);
    assert_eq!(
        probe(&bomb, &Limits::default()).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
    // Within the side limit but over the pixel limit (16000 x 16000 = 256 MP).
    assert_eq!(code(&png_header(16_000, 16_000)), ErrorCode::ImageTooLarge);
    // Tighter configured limits apply too.
    let small = Limits {
        max_side: 4,
        ..Limits::default()
    };
    let png = encode_png(sample(5, 5).view(), PngCompression::Fast).unwrap();
    assert_eq!(
        decode(&png, &small).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
    let few_bytes = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        decode(&png, &few_bytes).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
    let few_pixels = Limits {
        max_pixels: 24,
        ..Limits::default()
    };
    assert_eq!(
        decode(&png, &few_pixels).unwrap_err().code(),
        ErrorCode::ImageTooLarge
    );
}

#[test]
fn zero_sized_header_is_rejected() {
    let c = code(&png_header(0, 10));
    assert!(
        matches!(c, ErrorCode::CorruptImage | ErrorCode::InvalidDimensions),
        "{c}"
    );
}

/// Inserts an APP1 EXIF segment with the given orientation right after SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    // 16x8: left half red, right half blue.
    let mut d = Vec::new();
    for _y in 0..8 {
        for x in 0..16 {
            d.extend_from_slice(if x < 8 {
                &[255, 0, 0, 255]
            } else {
                &[0, 0, 255, 255]
            });
        }
    }
    let img = Image::from_rgba(16, 8, d).unwrap();
    let jpeg = encode_jpeg(img.view(), 95).unwrap();
    let plain = decode(&jpeg, &Limits::default()).unwrap();
    assert_eq!((plain.width(), plain.height()), (16, 8));
    // Orientation 6: rotate 90 degrees clockwise -> 8x16, red on top.
    let rotated = decode(&with_exif_orientation(&jpeg, 6), &Limits::default()).unwrap();
    assert_eq!((rotated.width(), rotated.height()), (8, 16));
    let top = rotated.pixel(4, 2);
    let bottom = rotated.pixel(4, 13);
    assert!(top[0] > 200 && top[2] < 60, "{top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "{bottom:?}");
    // Orientation 3: rotate 180 -> blue on the left.
    let flipped = decode(&with_exif_orientation(&jpeg, 3), &Limits::default()).unwrap();
    assert!(flipped.pixel(2, 4)[2] > 200);
}

#[test]
fn buffer_lengths_are_checked() {
    assert_eq!(
        Image::from_rgba(2, 2, vec![0; 15]).unwrap_err().code(),
        ErrorCode::InvalidDimensions
    );
    assert_eq!(
        Image::from_rgba(0, 2, vec![]).unwrap_err().code(),
        ErrorCode::InvalidDimensions
    );
    assert_eq!(
        Mask::from_bytes(2, 2, vec![0; 3]).unwrap_err().code(),
        ErrorCode::InvalidDimensions
    );
    assert_eq!(
        "gif".parse::<Format>().unwrap_err().code(),
        ErrorCode::InvalidOption
    );
}

#[test]
fn truncated_jpeg_scan_is_corrupt_not_grey() {
    // A picture with enough detail that a cut lands inside the entropy-coded scan.
    let mut d = Vec::new();
    for y in 0..64u32 {
        for x in 0..64u32 {
            d.extend_from_slice(&[(x * 4) as u8, ((x * y) % 256) as u8, (y * 4) as u8, 255]);
        }
    }
    let img = Image::from_rgba(64, 64, d).unwrap();
    let jpeg = encode_jpeg(img.view(), 95).unwrap();
    for cut in [jpeg.len() * 2 / 3, jpeg.len() - 10, jpeg.len() - 2] {
        assert_eq!(code(&jpeg[..cut]), ErrorCode::CorruptImage, "cut at {cut}");
    }
    // Trailing bytes after the end marker are tolerated.
    let mut padded = jpeg.clone();
    padded.extend_from_slice(&[0; 100]);
    assert!(decode(&padded, &Limits::default()).is_ok());
    // A header that claims far more than the scan holds (the end marker intact): the
    // 64x64 file claiming 4000x4000 used to decode "successfully" as grey.
    let mut claims = jpeg.clone();
    let sof = claims
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline SOF0");
    claims[sof + 5..sof + 9].copy_from_slice(&[0x0F, 0xA0, 0x0F, 0xA0]); // height, width 4000
    let e = decode(&claims, &Limits::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::CorruptImage);
    assert!(
        e.message()
            .contains("cannot hold the scan of a 4000x4000 image"),
        "{}",
        e.message()
    );
    // A flat picture (the cheapest scan there is) still decodes at any size.
    let flat = Image::from_rgba(2000, 1000, [90u8, 120, 200, 255].repeat(2000 * 1000)).unwrap();
    let small = encode_jpeg(flat.view(), 90).unwrap();
    assert!(
        decode(&small, &Limits::default()).is_ok(),
        "{} bytes",
        small.len()
    );
}

#[test]
fn small_mask_png_round_trips() {
    let data: Vec<u8> = [255u8, 255, 128, 0, 0, 128, 255, 255].repeat(4);
    let m = outpaint_core::Mask::from_bytes(8, 4, data.clone()).unwrap();
    for c in [
        outpaint_core::PngCompression::Fast,
        outpaint_core::PngCompression::Default,
    ] {
        let png = outpaint_core::codec::encode_mask_png(&m, c).unwrap();
        let back = outpaint_core::decode(&png, &outpaint_core::Limits::default()).unwrap();
        let grey: Vec<u8> = back.data().chunks(4).map(|p| p[0]).collect();
        assert_eq!(grey, data, "{c:?}");
    }
}
