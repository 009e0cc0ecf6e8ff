//! The sentence that tells a text-only provider (Gemini) where to extend the picture.

use crate::geometry::{Expansion, Target};

/// The sentence that tells a provider where to extend (SPEC's preset sentences for
/// centred presets; built from the grown sides otherwise).
pub fn direction_sentence(target: &Target, e: &Expansion) -> String {
    let centred = e.left.abs_diff(e.right) <= 1 && e.top.abs_diff(e.bottom) <= 1;
    if let Target::ExpandAll(_) = target {
        if centred {
            return "in all directions to show more of the surrounding scene".into();
        }
    }
    if let Target::Ratio(r) = target {
        if centred {
            match r.reduced() {
                (16, 9) if e.left > 0 => {
                    return "horizontally to the left and right to create a wider landscape view"
                        .into()
                }
                (9, 16) if e.top > 0 => {
                    return "vertically above and below to create a taller portrait view".into()
                }
                (1, 1) => return "to make it square, extending the shorter dimension".into(),
                _ => return format!("to reach a {}:{} aspect ratio", r.a(), r.b()),
            }
        }
    }
    let mut sides = Vec::new();
    if e.left > 0 {
        sides.push("to the left");
    }
    if e.right > 0 {
        sides.push("to the right");
    }
    if e.top > 0 {
        sides.push("upwards");
    }
    if e.bottom > 0 {
        sides.push("downwards");
    }
    let how = match sides.len() {
        0 => "without changing its size".to_string(),
        1 => sides[0].to_string(),
        n => format!("{} and {}", sides[..n - 1].join(", "), sides[n - 1]),
    };
    match target {
        Target::Ratio(r) => format!("{how} to reach a {}:{} aspect ratio", r.a(), r.b()),
        Target::ExpandAll(_) => format!("{how} to show more of the surrounding scene"),
        Target::Edges(_) => format!("{how} to show more of the surrounding scene"),
    }
}
