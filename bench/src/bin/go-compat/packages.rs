//! Which packages to test, and their test binaries.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::results::file_name;
use crate::tools;

/// A package to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Its import path.
    pub path: String,
    /// Its source directory: where `go test` runs its binary. Empty for a
    /// path that names no package (its build then fails and says why).
    pub dir: PathBuf,
}

/// The packages of `patterns` (import paths or `go list` patterns such as
/// `encoding/...`; none means `std`), in `go list`'s order, without
/// `vendor/` packages unless named exactly.
///
/// `go list` runs with the normal environment, not GOOS=wasip1: what is in
/// the standard library does not depend on the target. With `-e` a path
/// that names no package is still listed, and its build failure tells the
/// reader what was wrong.
///
/// # Errors
///
/// If `go list` cannot run or fails.
pub fn list(patterns: &[String]) -> Result<Vec<Package>, String> {
    let default = ["std".to_owned()];
    let patterns = if patterns.is_empty() {
        &default[..]
    } else {
        patterns
    };
    let text = tools::stdout_of(
        Command::new("go")
            .args(["list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}"])
            .args(patterns),
    )?;
    let mut packages: Vec<Package> = Vec::new();
    for line in text.lines() {
        let (path, dir) = line.split_once('\t').unwrap_or((line, ""));
        let named = patterns.iter().any(|p| p == path);
        if (path.starts_with("vendor/") && !named) || packages.iter().any(|p| p.path == path) {
            continue;
        }
        packages.push(Package {
            path: path.to_owned(),
            dir: PathBuf::from(dir),
        });
    }
    Ok(packages)
}

/// A package's test binary, or why there is none.
#[derive(Debug)]
pub enum Compiled {
    Binary(PathBuf),
    NoTests,
    /// The compiler's output is in the build log.
    Failed,
}

/// Compiles the test binary of `package` into `work` with `go test -c`
/// (GOOS=wasip1 GOARCH=wasm), the compiler's output going to `build_log`,
/// which is kept only when the build fails.
///
/// # Errors
///
/// If `go` cannot run or the log cannot be written.
pub fn compile(package: &Package, work: &Path, build_log: &Path) -> Result<Compiled, String> {
    let binary = work.join(format!("{}.test", file_name(&package.path)));
    let log_err = |e: std::io::Error| format!("{}: {e}", build_log.display());
    let out = File::create(build_log).map_err(log_err)?;
    let err = out.try_clone().map_err(log_err)?;
    let status = Command::new("go")
        .args(["test", "-c", "-o"])
        .arg(&binary)
        .arg(&package.path)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("cannot run go test -c {}: {e}", package.path))?;
    let compiled = if !status.success() {
        Compiled::Failed
    } else if binary.exists() {
        Compiled::Binary(binary)
    } else {
        // `go test -c` of a package without tests says so and writes
        // nothing.
        Compiled::NoTests
    };
    if !matches!(compiled, Compiled::Failed) {
        std::fs::remove_file(build_log).map_err(log_err)?;
    }
    Ok(compiled)
}
