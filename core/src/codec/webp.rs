//! A check of an animated WebP's frames before `image-webp` reads them. `image-webp`
//! 0.2.4 (the newest release) indexes out of bounds, a panic (a trap in wasm, where
//! panics abort), on an animation frame whose alpha chunk (`ALPH`) is followed by a lossy
//! bitstream of another size than the frame's header says (whatever the chunk's name:
//! the decoder takes the chunk after `ALPH` as `VP8 ` unread), or by one too short to
//! hold a frame header (upstream image-rs/image-webp#182, fix unreleased in #185). Our
//! fuzzer found both forms of the first within seconds, in files of 196 and 384 bytes. Such a file is `CORRUPT_IMAGE` here, before
//! the decoder sees it; every other frame layout is left to the decoder, which checks it.

use crate::error::{bail, Result};

/// Reads the chunks of a WebP RIFF body (`data` after `WEBP`): `(fourcc, payload)`. A
/// chunk that claims to run past the end gives what there is of it (the decoder reads a
/// cut frame's bitstream as far as it goes, so it is checked as far as it goes too).
fn chunks(mut data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    std::iter::from_fn(move || {
        let fourcc = data.get(..4)?;
        let size = u32::from_le_bytes(data.get(4..8)?.try_into().ok()?) as usize;
        let end = size.saturating_add(8).min(data.len());
        let payload = &data[8..end];
        let next = end.saturating_add(size & 1).min(data.len());
        data = &data[next..];
        Some((fourcc, payload))
    })
}

/// Width and height of a lossy bitstream's key frame, if it has a whole frame header.
fn vp8_size(p: &[u8]) -> Option<(u32, u32)> {
    if p.len() < 10 || p[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let w = u32::from(u16::from_le_bytes([p[6], p[7]]) & 0x3fff);
    let h = u32::from(u16::from_le_bytes([p[8], p[9]]) & 0x3fff);
    Some((w, h))
}

/// `CORRUPT_IMAGE` for an animation frame with alpha whose lossy bitstream is not the
/// frame's size; anything else is left to the decoder.
pub(crate) fn check_frames(bytes: &[u8]) -> Result<()> {
    let Some(body) = bytes.get(12..).filter(|_| bytes.starts_with(b"RIFF")) else {
        return Ok(());
    };
    let frames = chunks(body).filter(|(f, _)| *f == b"ANMF").map(|(_, p)| p);
    for (n, anmf) in frames.enumerate() {
        let Some(h) = anmf.get(..16) else { continue };
        let side = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], 0]) + 1;
        let (w, hh) = (side(6), side(9));
        let parts: Vec<_> = chunks(&anmf[16..]).collect();
        for pair in parts.windows(2) {
            // Whatever its name: the decoder reads the chunk after ALPH as the bitstream.
            if pair[0].0 != b"ALPH" {
                continue;
            }
            match vp8_size(pair[1].1) {
                Some(size) if size == (w, hh) => {}
                got => bail!(
                    CorruptImage,
                    "WebP animation frame {n} is {w}x{hh} but its bitstream is {}",
                    got.map_or("truncated".to_string(), |(a, b)| format!("{a}x{b}"))
                ),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// The fuzzer's find (fuzz/corpus/decode/crash-webp-alpha-frame-size): a 384-byte
    /// animation whose frame is 12x8 by its header and 42x8 by its bitstream.
    const FOUND: &[u8] = include_bytes!("../../../fuzz/corpus/decode/crash-webp-alpha-frame-size");

    #[test]
    fn a_frame_whose_bitstream_is_another_size_is_corrupt() {
        let e = check_frames(FOUND).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CorruptImage);
        assert!(
            e.to_string()
                .contains("frame 0 is 12x8 but its bitstream is 42x8"),
            "{e}"
        );
        // Through the decoder too: an error, not image-webp's panic.
        let e = crate::codec::decode(FOUND, &crate::Limits::default()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CorruptImage);
    }

    #[test]
    fn a_bitstream_under_another_name_is_checked_too() {
        // The fuzzer's second find: the chunk after ALPH is `VP8\x60`, 2051 px wide.
        let f = include_bytes!("../../../fuzz/corpus/decode/crash-webp-alpha-renamed-bitstream");
        let e = crate::codec::decode(f, &crate::Limits::default()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CorruptImage);
        assert!(
            e.to_string()
                .contains("frame 0 is 12x8 but its bitstream is 8204x0"),
            "{e}"
        );
    }

    #[test]
    fn a_frame_with_an_empty_bitstream_after_its_alpha_is_corrupt() {
        // image-rs/image-webp#182: zero bytes of VP8 after ALPH.
        let mut f = FOUND.to_vec();
        let at = f.windows(4).position(|w| w == b"VP8 ").unwrap();
        f[at + 4..at + 8].copy_from_slice(&0u32.to_le_bytes());
        let e = check_frames(&f).unwrap_err();
        assert!(e.to_string().contains("its bitstream is truncated"), "{e}");
    }

    #[test]
    fn the_seeds_animations_pass() {
        let seed = include_bytes!("../../../fuzz/corpus/decode/animated.webp");
        check_frames(seed).unwrap();
        crate::codec::decode(seed, &crate::Limits::default()).unwrap();
        // Not a RIFF at all, a cut header, a chunk running past the end: left alone.
        for junk in [&b""[..], b"RIFF", b"RIFF\0\0\0\0WEBPANMF\xff\xff\xff\x7f"] {
            check_frames(junk).unwrap();
        }
    }
}
