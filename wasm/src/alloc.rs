//! The wasm module's allocator: the standard one (dlmalloc), with every large buffer
//! starting on a 4 KiB boundary.
//!
//! dlmalloc packs chunks back to back, so two canvases of the same size usually start a
//! few bytes apart modulo 4096. Copying rows from one into the other then hits the CPU's
//! 4K aliasing (a load looks as if it depends on the store just before it): measured at
//! 2048x2048 -> 16:9, a composite took 8.3 ms when the output sat 8 bytes past the
//! generated canvas modulo 4096 and 4.4 ms when it did not. With every large buffer on a
//! page boundary the rows line up and the slow case cannot happen. The cost is at most
//! 4 KiB per buffer of 64 KiB or more.

use std::alloc::{GlobalAlloc, Layout, System};

/// Buffers this large or larger start on a page.
const LARGE: usize = 64 * 1024;
/// The page (and the aliasing period).
const PAGE: usize = 4096;

/// The standard allocator, page-aligning large buffers.
pub struct PageAligned;

/// The layout actually asked of the system allocator for `l` (a pure function of `l`, so
/// `dealloc` and `realloc` find the layout `alloc` used).
fn aligned(l: Layout) -> Layout {
    if l.size() >= LARGE && l.align() < PAGE {
        Layout::from_size_align(l.size(), PAGE).unwrap_or(l)
    } else {
        l
    }
}

// SAFETY: every call forwards to `System` with `aligned(layout)`, the same layout for the
// allocation and its release; `realloc` moves the bytes itself when the alignment class
// changes, as `GlobalAlloc::realloc`'s default does.
unsafe impl GlobalAlloc for PageAligned {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        unsafe { System.alloc(aligned(l)) }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(aligned(l)) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, aligned(l)) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let old = aligned(l);
        // SAFETY: the caller guarantees `new_size` is valid for `l.align()`.
        let new = aligned(unsafe { Layout::from_size_align_unchecked(new_size, l.align()) });
        if old.align() == new.align() {
            return unsafe { System.realloc(p, old, new_size) };
        }
        let q = unsafe { System.alloc(new) };
        if !q.is_null() {
            // SAFETY: both blocks are live, distinct and at least this long.
            unsafe {
                std::ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                System.dealloc(p, old);
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_are_page_aligned_small_ones_untouched() {
        let small = Layout::from_size_align(100, 1).unwrap();
        assert_eq!(aligned(small), small);
        let big = Layout::from_size_align(LARGE, 1).unwrap();
        assert_eq!(aligned(big).align(), PAGE);
        assert_eq!(aligned(big).size(), LARGE);
        let over = Layout::from_size_align(LARGE, 8192).unwrap();
        assert_eq!(aligned(over), over);
    }

    #[test]
    fn realloc_across_the_threshold_keeps_the_bytes() {
        let a = PageAligned;
        let small = Layout::from_size_align(100, 1).unwrap();
        let big = Layout::from_size_align(LARGE * 2, 1).unwrap();
        // SAFETY: each block is released once, with the layout it has at that time.
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            for i in 0..100 {
                *p.add(i) = i as u8;
            }
            let q = a.realloc(p, small, big.size());
            assert_eq!(q as usize % PAGE, 0);
            assert!((0..100).all(|i| *q.add(i) == i as u8));
            let r = a.realloc(q, big, 50);
            assert!((0..50).all(|i| *r.add(i) == i as u8));
            a.dealloc(r, Layout::from_size_align(50, 1).unwrap());
            let z = a.alloc_zeroed(big);
            assert_eq!(z as usize % PAGE, 0);
            assert!((0..big.size()).all(|i| *z.add(i) == 0));
            a.dealloc(z, big);
        }
    }
}
