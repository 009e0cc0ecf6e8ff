//! The mirror fill's column map: symmetric reflection, and a side of a row as a few
//! forward and reversed copies of source runs.

use crate::pixels::RGBA;

/// A mirrored side as runs of source columns: `(dst, src, len, reversed)`, so a row is
/// a few forward copies and reversed copies instead of a per-pixel gather.
pub(super) struct MirrorRuns(Vec<(usize, usize, usize, bool)>);

impl MirrorRuns {
    pub(super) fn new(cols: impl Iterator<Item = usize>) -> MirrorRuns {
        let mut runs: Vec<(usize, usize, usize, bool)> = Vec::new();
        for (d, s) in cols.enumerate() {
            if let Some(r) = runs.last_mut() {
                let next_fwd = r.1 + r.2;
                let next_rev = r.1.checked_sub(1);
                if (r.2 == 1 || !r.3) && s == next_fwd {
                    r.3 = false;
                    r.2 += 1;
                    continue;
                }
                if (r.2 == 1 || r.3) && Some(s) == next_rev {
                    r.3 = true;
                    r.1 = s;
                    r.2 += 1;
                    continue;
                }
            }
            runs.push((d, s, 1, false));
        }
        MirrorRuns(runs)
    }
}

pub(super) fn gather(dst: &mut [u8], src_row: &[u8], runs: &MirrorRuns) {
    let (dst, _) = dst.as_chunks_mut::<RGBA>();
    let (src, _) = src_row.as_chunks::<RGBA>();
    for &(d, s, len, reversed) in &runs.0 {
        let (out, from) = (&mut dst[d..d + len], &src[s..s + len]);
        if reversed {
            for (o, f) in out.iter_mut().zip(from.iter().rev()) {
                *o = *f;
            }
        } else {
            out.copy_from_slice(from);
        }
    }
}

/// Symmetric reflection of any index into `0..n` (edge pixel repeated, period `2n`).
#[inline]
pub(super) fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    let m = i.rem_euclid(2 * n);
    (if m < n { m } else { 2 * n - 1 - m }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_runs_cover_each_column_once() {
        for (w, n) in [(1usize, 5usize), (3, 4), (3, 11), (7, 7), (5, 23)] {
            let cols: Vec<usize> = (0..n).map(|i| mirror(i as i64 - n as i64, w)).collect();
            let runs = MirrorRuns::new(cols.iter().copied());
            let mut got = vec![usize::MAX; n];
            for &(d, s, len, rev) in &runs.0 {
                for k in 0..len {
                    got[d + k] = if rev { s + len - 1 - k } else { s + k };
                }
            }
            assert_eq!(got, cols, "w={w} n={n}");
        }
    }
}
