//! The README's Rust example of this crate is the crate documentation's doctest, line for
//! line (the README's copy is `ignore`d by the core crate's doctests, which cannot name
//! `outpaint_store`; this keeps it compiled, through the copy in `src/lib.rs`).

/// The lines of the first fenced block after `fence` that contains `needle`.
fn block<'a>(lines: impl Iterator<Item = &'a str>, fence: &str, needle: &str) -> Vec<String> {
    let mut lines = lines.peekable();
    loop {
        let Some(line) = lines.next() else {
            panic!("no {fence} block with {needle}")
        };
        if line.trim_end() != fence {
            continue;
        }
        let body: Vec<String> = lines
            .by_ref()
            .take_while(|l| l.trim_end() != "```")
            .map(|l| l.trim_end().to_string())
            .collect();
        if body.iter().any(|l| l.contains(needle)) {
            return body;
        }
    }
}

#[test]
fn the_readme_example_is_the_doctest() {
    let readme = include_str!("../../README.md");
    let lib = include_str!("../src/lib.rs");
    let docs: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let in_readme = block(readme.lines(), "```rust,ignore", "outpaint_store::open");
    let in_docs = block(docs.into_iter(), "```no_run", "outpaint_store::open");
    assert_eq!(in_readme, in_docs);
    assert!(in_readme.len() >= 5, "{in_readme:?}");
}
