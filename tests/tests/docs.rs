//! The Markdown of the repository (the README, the guide under `docs/`,
//! the crates' and examples' READMEs, and `gohost`'s front page on docs.rs)
//! holds together: every link to a file of the repository finds it, every
//! `#anchor` names a heading of its page, and every page of the guide (and
//! the README and SECURITY.md) with Rust examples is a doctest of `gohost`
//! (of `gohost-http` for the HTTP pages).
//!
//! Links to the repository on GitHub (`https://github.com/gohost/gohost/
//! blob/main/PATH`, as pages of the guide and the crates' READMEs write
//! them, so that they work in the built book and on crates.io) are checked
//! against the files here. Anchors follow GitHub's and mdBook's rule: the
//! heading's text, lowercased, without punctuation, spaces made hyphens.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

const REPOSITORY: &str = "https://github.com/gohost/gohost/";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// Every Markdown file of the repository, build output left out.
fn markdown_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !(name.starts_with('.') || name == "target") {
                markdown_files(&path, found);
            }
        } else if name.ends_with(".md") {
            found.push(path);
        }
    }
}

/// The text of a page outside fenced code blocks and inline code spans,
/// line by line (code is blanked, so line numbers stay right).
fn prose_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                return String::new();
            }
            if in_fence {
                return String::new();
            }
            let mut prose = String::new();
            let mut in_code = false;
            for c in line.chars() {
                if c == '`' {
                    in_code = !in_code;
                } else if !in_code {
                    prose.push(c);
                }
            }
            prose
        })
        .collect()
}

/// The anchor GitHub and mdBook give a heading.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    // A link in a heading counts by its text.
    let mut rest = heading;
    while let Some(open) = rest.find("](") {
        let close = rest[open..].find(')').map_or(rest.len(), |i| open + i + 1);
        text.push_str(&rest[..open]);
        rest = &rest[close..];
    }
    text.push_str(rest);
    text.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings (code spans in them keep their text).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_fence = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if in_fence || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim().trim_end_matches('#').trim());
        let mut anchor = base.clone();
        let mut n = 1;
        while !found.insert(anchor.clone()) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
    }
    found
}

/// The targets of a line's inline links, `[text](target)`, and of a
/// reference definition, `[name]: target`.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("](") {
        let after = &rest[open + 2..];
        let end = after.find(')').unwrap_or(after.len());
        targets.push(after[..end].trim().to_string());
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if let Some(close) = trimmed.strip_prefix('[').and_then(|t| t.find("]:")) {
        let target = trimmed[close + 3..].split_whitespace().next().unwrap_or("");
        targets.push(target.to_string());
    }
    targets
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What is wrong with one link of `page`, if anything.
fn broken(root: &Path, page: &Path, target: &str) -> Option<String> {
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let file = if let Some(in_repo) = path.strip_prefix(REPOSITORY) {
        let Some(file) = in_repo
            .strip_prefix("blob/main/")
            .or_else(|| in_repo.strip_prefix("tree/main/"))
        else {
            // The repository's front page (`#readme`).
            return None;
        };
        root.join(file)
    } else if path.contains(':') {
        return None; // another site, or mail
    } else if path.is_empty() {
        page.to_path_buf()
    } else {
        normalize(&page.parent().expect("a page is in a directory").join(path))
    };
    let shown = file
        .strip_prefix(root)
        .unwrap_or(&file)
        .display()
        .to_string();
    if !file.exists() {
        return Some(format!("no file {shown}"));
    }
    let anchor = anchor.filter(|a| !a.is_empty() && file.extension().is_some_and(|e| e == "md"))?;
    let text = fs::read_to_string(&file).expect("read the linked page");
    if anchors(&text).contains(anchor) {
        None
    } else {
        Some(format!("no heading #{anchor} in {shown}"))
    }
}

/// The crate documentation of `runtime/src/lib.rs` (its `//!` lines), as
/// Markdown.
fn front_page(root: &Path) -> String {
    let lib = fs::read_to_string(root.join("runtime/src/lib.rs")).expect("read runtime/src/lib.rs");
    lib.lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect()
}

#[test]
fn links_between_the_markdown_files_resolve() {
    let root = repo_root();
    let mut pages = vec![root.join("runtime/src/lib.rs")];
    markdown_files(&root, &mut pages);
    assert!(
        pages.iter().any(|p| p.ends_with("docs/README.md")),
        "no guide found under {}",
        root.display()
    );
    let mut problems = Vec::new();
    let mut links = 0;
    for page in &pages {
        let text = if page.extension().is_some_and(|e| e == "rs") {
            front_page(&root)
        } else {
            fs::read_to_string(page).expect("read a page")
        };
        for (number, line) in prose_lines(&text).iter().enumerate() {
            for target in link_targets(line) {
                links += 1;
                if let Some(problem) = broken(&root, page, &target) {
                    let page = page.strip_prefix(&root).unwrap_or(page).display();
                    problems.push(format!("{page}:{}: ({target}): {problem}", number + 1));
                }
            }
        }
    }
    assert!(
        links > 100,
        "only {links} links found: is the scanner broken?"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_guide_page_with_rust_examples_is_a_doctest() {
    let root = repo_root();
    // A page is a doctest of the crate whose API it shows: gohost's, or
    // gohost-http's for the HTTP pages (gohost cannot use gohost-http).
    let lib: String = ["runtime/src/lib.rs", "http/src/lib.rs"]
        .iter()
        .map(|lib| fs::read_to_string(root.join(lib)).expect("read a crate's lib.rs"))
        .collect();
    let mut pages = vec![root.join("README.md"), root.join("SECURITY.md")];
    markdown_files(&root.join("docs"), &mut pages);
    let mut missing = Vec::new();
    for page in pages {
        let text = fs::read_to_string(&page).expect("read a page");
        if !text.lines().any(|l| l.trim_start().starts_with("```rust")) {
            continue;
        }
        let relative = page.strip_prefix(&root).expect("a page of the repository");
        let include = format!("include_str!(\"../../{}\")", relative.display());
        if !lib.contains(&include) {
            missing.push(include);
        }
    }
    assert!(
        missing.is_empty(),
        "pages with Rust examples that are not doctests; add to `guide_doctests` in runtime/src/lib.rs \
         (http/src/lib.rs for a page that uses gohost-http):\n{}",
        missing.join("\n")
    );
}

#[test]
fn anchors_follow_githubs_rule() {
    assert_eq!(
        slug("Call stack: as deep as Go's own runner"),
        "call-stack-as-deep-as-gos-own-runner"
    );
    assert_eq!(
        slug("Typed host functions: `#[gohost::host_module]`"),
        "typed-host-functions-gohosthost_module"
    );
    assert_eq!(slug("The module cache (`jit`)"), "the-module-cache-jit");
    let twice = anchors("# A\n\n```sh\n# not a heading\n```\n\n## A\n");
    assert_eq!(twice, BTreeSet::from(["a".to_string(), "a-1".to_string()]));
}
