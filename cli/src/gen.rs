//! `gohost gen`: the Go package of a host module, from its Rust source.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gohost_codegen::GoFile;

/// Generate (or check) the Go package of each `#[gohost::host_module]` in a
/// Rust source file. Produces the same bytes as the macro's `go_out`.
///
/// With one module in the file, its files go into DIR. With several, each
/// module's files go into DIR/<go_package>.
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
    let files = gohost_codegen::generate_from_file(&src)
        .map_err(|e| format!("{}:\n{e}", a.source.display()))?;
    if files.is_empty() {
        return Err(format!(
            "{} has no #[gohost::host_module] module",
            a.source.display()
        ));
    }
    let several = files.iter().any(|f| f.go_package != files[0].go_package);
    let dir_of = |f: &GoFile| {
        if several {
            a.out.join(&f.go_package)
        } else {
            a.out.clone()
        }
    };
    if a.check {
        return Ok(check(&files, dir_of));
    }
    for f in &files {
        let dir = dir_of(f);
        let written = gohost_codegen::write_go_files(&dir, std::slice::from_ref(f))
            .map_err(|e| e.to_string())?;
        for path in written {
            println!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Compares each file with what is on disk; prints a summary of what is
/// stale and how.
fn check(files: &[GoFile], dir_of: impl Fn(&GoFile) -> PathBuf) -> ExitCode {
    let mut stale = 0;
    for f in files {
        let path = dir_of(f).join(&f.name);
        if let Some(problem) = difference(&path, &f.contents) {
            println!("stale: {}: {problem}", path.display());
            stale += 1;
        }
    }
    if stale == 0 {
        println!("up to date: {} file(s)", files.len());
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
