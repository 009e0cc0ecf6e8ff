//! Expansion maths: how many pixels each side of an image grows, in exact integers.

use serde::{Deserialize, Serialize};

use crate::error::{bail, Result};
use crate::geometry::{Anchor, Edges, Target};
use crate::limits::{Limits, MAX_CANVAS_SIDE};

/// The result of [`expand`]: pixels added per side and the new canvas size. The original
/// sits at `(left, top)` on the `new_width x new_height` canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expansion {
    /// Pixels added left of the original.
    pub left: u32,
    /// Pixels added right of the original.
    pub right: u32,
    /// Pixels added above the original.
    pub top: u32,
    /// Pixels added below the original.
    pub bottom: u32,
    /// Canvas width: `left + width + right`.
    pub new_width: u32,
    /// Canvas height: `top + height + bottom`.
    pub new_height: u32,
}

impl Expansion {
    /// The identity expansion of a `width x height` image (nothing grows).
    pub fn none(width: u32, height: u32) -> Self {
        Expansion {
            left: 0,
            right: 0,
            top: 0,
            bottom: 0,
            new_width: width,
            new_height: height,
        }
    }

    /// Width of the original image.
    pub fn width(&self) -> u32 {
        // Saturating: an inconsistent expansion read from a host gives an empty image,
        // which the layout check refuses, instead of wrapping around.
        self.new_width
            .saturating_sub(self.left)
            .saturating_sub(self.right)
    }

    /// Height of the original image.
    pub fn height(&self) -> u32 {
        self.new_height
            .saturating_sub(self.top)
            .saturating_sub(self.bottom)
    }

    /// The per-side growth.
    pub fn edges(&self) -> Edges {
        Edges::new(self.left, self.right, self.top, self.bottom)
    }

    /// True when nothing grows.
    pub fn is_identity(&self) -> bool {
        self.edges().is_zero()
    }

    /// Builds an expansion from an original size and per-side growth, checking that the
    /// canvas stays representable.
    pub fn from_edges(width: u32, height: u32, e: Edges) -> Result<Self> {
        let w = u64::from(width) + u64::from(e.left) + u64::from(e.right);
        let h = u64::from(height) + u64::from(e.top) + u64::from(e.bottom);
        let max = u64::from(MAX_CANVAS_SIDE);
        if w > max || h > max {
            bail!(
                ImageTooLarge,
                "expanded canvas would be {w}x{h}; the largest side allowed is {max} px"
            );
        }
        Ok(Expansion {
            left: e.left,
            right: e.right,
            top: e.top,
            bottom: e.bottom,
            new_width: w as u32,
            new_height: h as u32,
        })
    }
}

/// Expands a `width x height` image to `target` with the default [`Limits`].
///
/// ```
/// use outpaint_core::{expand, Anchor};
/// let e = expand(1024, 1024, &"16:9".parse().unwrap(), Anchor::Center).unwrap();
/// assert_eq!((e.left, e.right, e.new_width, e.new_height), (398, 398, 1820, 1024));
/// ```
pub fn expand(width: u32, height: u32, target: &Target, anchor: Anchor) -> Result<Expansion> {
    expand_with_limits(width, height, target, anchor, &Limits::default())
}

/// Expands with explicit limits: sides must be in `1..=limits.max_side`.
///
/// Ratio rule (exact integers): reduce `A:B`; if `W*B == H*A` nothing grows; if the image
/// is too narrow the new width is `round_half_up(H*A/B)`, if too wide the new height is
/// `round_half_up(W*B/A)`; the canvas never shrinks. The anchor decides which side gets
/// the growth; centred, the odd pixel goes right / bottom. Explicit edges ignore the
/// anchor.
pub fn expand_with_limits(
    width: u32,
    height: u32,
    target: &Target,
    anchor: Anchor,
    limits: &Limits,
) -> Result<Expansion> {
    limits.check_sides(width, height)?;
    let (w, h) = (u64::from(width), u64::from(height));
    let (grow_h, grow_v) = match *target {
        Target::Edges(e) => return Expansion::from_edges(width, height, e),
        Target::ExpandAll(f) => (f.of(width), f.of(height)),
        Target::Ratio(r) => {
            let (a, b) = r.reduced();
            let (a, b) = (u64::from(a), u64::from(b));
            if w * b < h * a {
                // Too narrow: widen. round_half_up(h*a/b) = (2ha + b) / 2b.
                let nw = (2 * h * a + b) / (2 * b);
                (nw.saturating_sub(w), 0)
            } else if w * b > h * a {
                let nh = (2 * w * b + a) / (2 * a);
                (0, nh.saturating_sub(h))
            } else {
                (0, 0)
            }
        }
    };
    let max = u64::from(MAX_CANVAS_SIDE);
    if w + grow_h > max || h + grow_v > max {
        bail!(
            ImageTooLarge,
            "expanded canvas would be {}x{}; the largest side allowed is {max} px",
            w + grow_h,
            h + grow_v
        );
    }
    let (left, right) = anchor.horizontal().split(grow_h as u32);
    let (top, bottom) = anchor.vertical().split(grow_v as u32);
    Expansion::from_edges(width, height, Edges::new(left, right, top, bottom))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn ex(w: u32, h: u32, t: &str, a: Anchor) -> Expansion {
        expand(w, h, &t.parse().unwrap(), a).unwrap()
    }

    fn lrtb(e: Expansion) -> [u32; 6] {
        [e.left, e.right, e.top, e.bottom, e.new_width, e.new_height]
    }

    #[test]
    fn spec_reference_values() {
        let c = Anchor::Center;
        assert_eq!(
            lrtb(ex(1024, 1024, "16:9", c)),
            [398, 398, 0, 0, 1820, 1024]
        );
        assert_eq!(lrtb(ex(1024, 1024, "4:3", c)), [170, 171, 0, 0, 1365, 1024]);
        assert_eq!(
            lrtb(ex(1024, 1024, "expand_all", c)),
            [256, 256, 256, 256, 1536, 1536]
        );
        assert_eq!(
            lrtb(ex(1920, 1080, "9:16", c)),
            [0, 0, 1166, 1167, 1920, 3413]
        );
        assert_eq!(
            lrtb(ex(4000, 1000, "16:9", c)),
            [0, 0, 625, 625, 4000, 2250]
        );
        assert_eq!(lrtb(ex(1, 1, "expand_all", c)), [0, 0, 0, 0, 1, 1]);
    }

    #[test]
    fn anchors_send_growth_to_the_opposite_side() {
        assert_eq!(
            lrtb(ex(1024, 1024, "16:9", Anchor::Left)),
            [0, 796, 0, 0, 1820, 1024]
        );
        assert_eq!(
            lrtb(ex(1024, 1024, "16:9", Anchor::BottomRight)),
            [796, 0, 0, 0, 1820, 1024]
        );
        assert_eq!(
            lrtb(ex(100, 100, "expand_all", Anchor::TopLeft)),
            [0, 50, 0, 50, 150, 150]
        );
        assert_eq!(
            lrtb(ex(100, 100, "expand_all", Anchor::Top)),
            [25, 25, 0, 50, 150, 150]
        );
    }

    #[test]
    fn already_at_ratio_and_edges() {
        assert!(ex(1920, 1080, "16:9", Anchor::Center).is_identity());
        assert_eq!(
            lrtb(ex(10, 10, "edges:1,2,3,4", Anchor::Right)),
            [1, 2, 3, 4, 13, 17]
        );
    }

    #[test]
    fn bad_dimensions() {
        let t: Target = "16:9".parse().unwrap();
        assert_eq!(
            expand(0, 5, &t, Anchor::Center).unwrap_err().code(),
            ErrorCode::InvalidDimensions
        );
        assert_eq!(
            expand(16385, 5, &t, Anchor::Center).unwrap_err().code(),
            ErrorCode::ImageTooLarge
        );
        let huge = Target::Edges(Edges::new(u32::MAX, 0, 0, 0));
        assert_eq!(
            expand(5, 5, &huge, Anchor::Center).unwrap_err().code(),
            ErrorCode::ImageTooLarge
        );
    }
}
