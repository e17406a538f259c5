//! Build Go guests for gohost with the real Go toolchain, from build
//! scripts, examples and tests: checks that Go is new enough, then runs
//! `go build` with `GOOS=wasip1 GOARCH=wasm`.
//!
//! ```no_run
//! let wasm = gohost_build::build_go(
//!     std::path::Path::new("guest"),
//!     "hello",
//!     gohost_build::BuildMode::Command,
//! );
//! println!("built {}", wasm.display());
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The oldest Go that gohost supports: string parameters in
/// `//go:wasmimport` and `//go:wasmexport` arrived in Go 1.24.
pub const MIN_GO: (u32, u32) = (1, 24);

/// Checks once per process that `go` is on `PATH` and at least [`MIN_GO`].
///
/// # Panics
///
/// With a sentence naming the minimum when Go is missing or too old.
pub fn require_go() {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(msg) = CHECKED.get_or_init(check_go) {
        panic!("{msg}");
    }
}

fn check_go() -> Result<(), String> {
    let need = format!("gohost needs Go {}.{} or newer on PATH", MIN_GO.0, MIN_GO.1);
    let out = Command::new("go")
        .arg("version")
        .output()
        .map_err(|e| format!("{need}, but `go version` could not run: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = parse_go_version(&text)
        .ok_or_else(|| format!("{need}, but `go version` printed {text:?}"))?;
    if version < MIN_GO {
        return Err(format!("{need}; found Go {}.{}", version.0, version.1));
    }
    Ok(())
}

/// Parses `go version go1.26.8 linux/amd64` (and `go1.24rc1`) into (1, 26).
pub fn parse_go_version(text: &str) -> Option<(u32, u32)> {
    let v = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("go1."))?;
    let minor: String = v.chars().take_while(char::is_ascii_digit).collect();
    Some((1, minor.parse().ok()?))
}

/// Where built guests go: `gohost-guests` in the cargo target directory of
/// the running program (`$CARGO_TARGET_DIR`, or the directory cargo marks
/// with `CACHEDIR.TAG` above the executable), so that `cargo clean` removes
/// them and they are never committed. Outside a cargo target directory, a
/// `gohost-guests` directory in the system's temporary directory.
pub fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir);
    target.join("gohost-guests")
}

/// How to build a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildMode {
    /// A command (`main` package, `_start`).
    Command,
    /// A reactor (`-buildmode=c-shared`, `_initialize` and exports).
    Reactor,
}

/// Builds the Go package in `dir` (run from its module) for
/// `GOOS=wasip1 GOARCH=wasm` and returns the `.wasm` path, `out_dir()/name.wasm`.
///
/// Go's build cache makes a rebuild of an unchanged guest cost only the link.
///
/// # Panics
///
/// When Go is missing or too old, or the build fails (with Go's output).
pub fn build_go(dir: &Path, name: &str, mode: BuildMode) -> PathBuf {
    let out = out_dir().join(format!("{name}.wasm"));
    build_go_to(dir, &out, mode);
    out
}

/// Like [`build_go`], writing the module to `out` (its directory is
/// created if needed).
///
/// # Panics
///
/// When Go is missing or too old, or the build fails (with Go's output).
pub fn build_go_to(dir: &Path, out: &Path, mode: BuildMode) {
    require_go();
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).expect("create the guest output directory");
    }
    let mut cmd = Command::new("go");
    cmd.current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .args(["build", "-o"])
        .arg(out);
    if mode == BuildMode::Reactor {
        cmd.arg("-buildmode=c-shared");
    }
    cmd.arg(".");
    let result = cmd.output().expect("run go build");
    assert!(
        result.status.success(),
        "go build of {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Builds every plugin under `src` into `folder`, as a plugin host loads
/// them: each subdirectory that holds a `main.go` is built as a reactor to
/// `folder/<directory name>.wasm`. Returns the plugins' names, sorted.
///
/// # Panics
///
/// When `src` cannot be read, or as [`build_go_to`] does.
pub fn build_plugins(src: &Path, folder: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(src)
        .unwrap_or_else(|e| panic!("cannot read the plugins in {}: {e}", src.display()));
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| d.join("main.go").is_file())
        .collect();
    dirs.sort();
    let mut names = Vec::new();
    for dir in &dirs {
        let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        build_go_to(
            dir,
            &folder.join(format!("{name}.wasm")),
            BuildMode::Reactor,
        );
        names.push(name);
    }
    names
}

/// Like [`build_go`], but at most once per process for each `name`, so that
/// tests running on parallel threads do not race on the output file.
pub fn build_go_once(dir: &Path, name: &str, mode: BuildMode) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    built
        .entry(name.to_owned())
        .or_insert_with(|| build_go(dir, name, mode))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::parse_go_version;

    #[test]
    fn go_versions() {
        assert_eq!(
            parse_go_version("go version go1.26.8 linux/amd64"),
            Some((1, 26))
        );
        assert_eq!(
            parse_go_version("go version go1.24rc1 darwin/arm64"),
            Some((1, 24))
        );
        assert_eq!(parse_go_version("go version go1.9 linux/386"), Some((1, 9)));
        assert_eq!(parse_go_version("bash: go: command not found"), None);
    }
}
