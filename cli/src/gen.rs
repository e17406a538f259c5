//! `gohost gen`: the Go package of a host module, from its Rust source.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gohost_codegen::GoPackage;

/// Generate (or check) the Go package of each `#[gohost::host_module]` in a
/// Rust source file. Produces the same bytes as the macro's `go_out`.
///
/// With one module in the file, its files go into DIR. With several, each
/// module's files go into DIR/<go_package>. The support package the
/// generated code imports goes once into the Go module that holds DIR, at
/// internal/gohost (DIR must be inside a Go module when it is needed).
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// The Rust source file that holds the host module(s).
    source: PathBuf,

    /// The directory to write the Go package to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Write nothing; exit with 1 and list the stale files if DIR does not
    /// hold exactly what would be generated (for CI).
    #[arg(long)]
    check: bool,
}

pub fn gen(a: GenArgs) -> ExitCode {
    match generate(&a) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("gohost gen: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn generate(a: &GenArgs) -> Result<ExitCode, String> {
    let src = std::fs::read_to_string(&a.source)
        .map_err(|e| format!("cannot read {}: {e}", a.source.display()))?;
    let modules = gohost_codegen::modules_from_file(&src)
        .map_err(|e| format!("{}:\n{e}", a.source.display()))?;
    if modules.is_empty() {
        return Err(format!(
            "{} has no #[gohost::host_module] module",
            a.source.display()
        ));
    }
    let several = modules
        .iter()
        .any(|m| m.go_package != modules[0].go_package);
    let packages = modules
        .iter()
        .map(|m| {
            let dir = if several {
                a.out.join(&m.go_package)
            } else {
                a.out.clone()
            };
            GoPackage::place(m, &dir).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    if a.check {
        return Ok(check(&packages));
    }
    for package in &packages {
        for path in package.write().map_err(|e| e.to_string())? {
            println!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Compares each file (the packages' and the support package's) with what
/// is on disk; prints a summary of what is stale and how.
fn check(packages: &[GoPackage]) -> ExitCode {
    let mut seen = BTreeSet::new();
    let mut stale = 0;
    for (path, f) in packages.iter().flat_map(GoPackage::all_files) {
        if !seen.insert(path.clone()) {
            continue;
        }
        if let Some(problem) = difference(&path, &f.contents) {
            println!("stale: {}: {problem}", path.display());
            stale += 1;
        }
    }
    if stale == 0 {
        println!("up to date: {} file(s)", seen.len());
        ExitCode::SUCCESS
    } else {
        println!("{stale} file(s) stale; run `gohost gen` without --check to regenerate");
        ExitCode::FAILURE
    }
}

/// What differs between the file at `path` and `want`, or `None`.
fn difference(path: &Path, want: &str) -> Option<String> {
    let have = match std::fs::read_to_string(path) {
        Ok(h) => h,
        Err(e) => return Some(format!("cannot read it ({e})")),
    };
    if have == want {
        return None;
    }
    let (have_lines, want_lines): (Vec<_>, Vec<_>) =
        (have.lines().collect(), want.lines().collect());
    let first = have_lines
        .iter()
        .zip(&want_lines)
        .position(|(h, w)| h != w)
        .unwrap_or(have_lines.len().min(want_lines.len()));
    Some(format!(
        "first difference at line {} (expected {:?}, found {:?}); {} lines on disk, {} generated",
        first + 1,
        want_lines.get(first).copied().unwrap_or("<end of file>"),
        have_lines.get(first).copied().unwrap_or("<end of file>"),
        have_lines.len(),
        want_lines.len()
    ))
}
