//! Build Go guests for gohost with the real Go toolchain, from build
//! scripts, examples and tests: checks that Go is new enough, then runs
//! `go build` with `GOOS=wasip1 GOARCH=wasm`.
//!
//! The `try_` functions return an [`Error`] that carries Go's own messages;
//! the others panic with the same words, for build scripts and tests.
//!
//! ```no_run
//! fn main() -> Result<(), gohost_build::Error> {
//!     let wasm = gohost_build::try_build_go(
//!         std::path::Path::new("guest"),
//!         "hello",
//!         gohost_build::BuildMode::Command,
//!     )?;
//!     println!("built {}", wasm.display());
//!     Ok(())
//! }
//! ```
//!
//! A guest that does not compile fails with the compiler's messages:
//!
//! ```text
//! gohost-build: go build of plugins/hello failed:
//! # plugins/hello
//! ./main.go:14:2: undefined: greet
//! (ran `GOOS=wasip1 GOARCH=wasm go build -o target/gohost-guests/hello.wasm -buildmode=c-shared .` in /src/app/plugins/hello)
//! ```

mod error;
mod version;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

pub use error::{Error, MAX_OUTPUT_LINES};
pub use version::{check_go, parse_go_version, require_go};

/// The oldest Go that gohost supports: string parameters in
/// `//go:wasmimport` and `//go:wasmexport` arrived in Go 1.24.
pub const MIN_GO: (u32, u32) = (1, 24);

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
/// # Errors
///
/// When Go is missing or too old, or the build fails: [`Error::Build`]
/// carries what the compiler printed.
pub fn try_build_go(dir: &Path, name: &str, mode: BuildMode) -> Result<PathBuf, Error> {
    let out = out_dir().join(format!("{name}.wasm"));
    try_build_go_to(dir, &out, mode)?;
    Ok(out)
}

/// Like [`try_build_go`], writing the module to `out` (its directory is
/// created if needed).
///
/// # Errors
///
/// As [`try_build_go`].
pub fn try_build_go_to(dir: &Path, out: &Path, mode: BuildMode) -> Result<(), Error> {
    check_go()?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            action: "create",
            path: parent.to_owned(),
            source,
        })?;
    }
    let mut args = vec![
        "build".to_owned(),
        "-o".to_owned(),
        out.display().to_string(),
    ];
    if mode == BuildMode::Reactor {
        args.push("-buildmode=c-shared".to_owned());
    }
    args.push(".".to_owned());
    let result = Command::new("go")
        .current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .args(&args)
        .output()
        .map_err(|source| Error::Io {
            action: "run go build in",
            path: dir.to_owned(),
            source,
        })?;
    if result.status.success() {
        return Ok(());
    }
    Err(Error::Build {
        package: dir.to_owned(),
        mode,
        command: format!("GOOS=wasip1 GOARCH=wasm go {}", args.join(" ")),
        status: result.status,
        output: error::trim_output(&result.stderr),
    })
}

/// Builds every plugin under `src` into `folder`, as a plugin host loads
/// them: each subdirectory that holds a `main.go` is built as a reactor to
/// `folder/<directory name>.wasm`. Returns the plugins' names, sorted.
///
/// # Errors
///
/// When `src` cannot be read, or as [`try_build_go`]; the first plugin
/// that fails to build stops the others.
pub fn try_build_plugins(src: &Path, folder: &Path) -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(src).map_err(|source| Error::Io {
        action: "read the plugins in",
        path: src.to_owned(),
        source,
    })?;
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
        try_build_go_to(
            dir,
            &folder.join(format!("{name}.wasm")),
            BuildMode::Reactor,
        )?;
        names.push(name);
    }
    Ok(names)
}

/// [`try_build_go`] for build scripts and tests.
///
/// # Panics
///
/// With [`try_build_go`]'s error.
pub fn build_go(dir: &Path, name: &str, mode: BuildMode) -> PathBuf {
    try_build_go(dir, name, mode).unwrap_or_else(|e| panic!("{e}"))
}

/// [`try_build_go_to`] for build scripts and tests.
///
/// # Panics
///
/// With [`try_build_go_to`]'s error.
pub fn build_go_to(dir: &Path, out: &Path, mode: BuildMode) {
    try_build_go_to(dir, out, mode).unwrap_or_else(|e| panic!("{e}"))
}

/// [`try_build_plugins`] for build scripts and tests.
///
/// # Panics
///
/// With [`try_build_plugins`]'s error.
pub fn build_plugins(src: &Path, folder: &Path) -> Vec<String> {
    try_build_plugins(src, folder).unwrap_or_else(|e| panic!("{e}"))
}

/// Like [`build_go`], but at most once per process for each `name`, so that
/// tests running on parallel threads do not race on the output file.
///
/// # Panics
///
/// As [`build_go`].
pub fn build_go_once(dir: &Path, name: &str, mode: BuildMode) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    built
        .entry(name.to_owned())
        .or_insert_with(|| build_go(dir, name, mode))
        .clone()
}
