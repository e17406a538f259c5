//! [`Error`]: what can go wrong when building a Go guest, worded for the
//! person who has to fix it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::{BuildMode, MIN_GO};

/// Why a Go guest could not be built.
///
/// Its `Display` is meant to be shown as it is, for example by a `main`
/// that returns `Result`: the first line says what failed, the lines after
/// it hold what Go printed.
///
/// ```no_run
/// fn main() -> Result<(), gohost_build::Error> {
///     let wasm = gohost_build::try_build_go(
///         std::path::Path::new("guest"),
///         "hello",
///         gohost_build::BuildMode::Command,
///     )?;
///     println!("built {}", wasm.display());
///     Ok(())
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `go` is not on `PATH`, or `go version` could not run.
    #[error(
        "gohost-build: gohost needs Go {}.{} or newer on PATH, but `go version` could not run: \
         {source} (install Go from https://go.dev/dl/)",
        MIN_GO.0,
        MIN_GO.1
    )]
    GoMissing {
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// `go version` printed something that names no Go release.
    #[error(
        "gohost-build: gohost needs Go {}.{} or newer on PATH, but `go version` printed {printed:?}",
        MIN_GO.0,
        MIN_GO.1
    )]
    GoVersionUnknown {
        /// What `go version` printed.
        printed: String,
    },

    /// The Go on `PATH` is older than [`MIN_GO`].
    #[error(
        "gohost-build: gohost needs Go {}.{} or newer on PATH; found Go {}.{} \
         (install a newer Go from https://go.dev/dl/)",
        MIN_GO.0,
        MIN_GO.1,
        found.0,
        found.1
    )]
    GoTooOld {
        /// The version found, as (major, minor).
        found: (u32, u32),
    },

    /// `go build` ran and failed: the Go code does not compile, a package
    /// is missing, the module is broken.
    #[error(
        "gohost-build: go build of {} failed:\n{}\n(ran `{command}` in {})",
        shown(package),
        Output(output, *status),
        package.display()
    )]
    Build {
        /// The Go package's directory, as given.
        package: PathBuf,
        /// How it was built.
        mode: BuildMode,
        /// The command, as a shell would read it (it ran in `package`).
        command: String,
        /// How `go build` ended.
        status: ExitStatus,
        /// What Go printed (its standard error: the compiler's messages,
        /// `file:line:column: message`), with trailing blank lines removed
        /// and at most [`MAX_OUTPUT_LINES`] lines.
        output: String,
    },

    /// A file or directory the build needs could not be read or written,
    /// or `go build` could not start.
    #[error("gohost-build: cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done: `read the plugins in`, `create`, ...
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// How many lines of Go's output an [`Error::Build`] keeps: enough for
/// every message of a failed package (the compiler stops at ten errors),
/// not a screenful of a dependency's.
pub const MAX_OUTPUT_LINES: usize = 40;

/// Go's output, trimmed as [`Error::Build`]'s `output` says.
pub(crate) fn trim_output(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= MAX_OUTPUT_LINES {
        return lines.join("\n");
    }
    format!(
        "{}\n... ({} more lines)",
        lines[..MAX_OUTPUT_LINES].join("\n"),
        lines.len() - MAX_OUTPUT_LINES
    )
}

/// The output of a failed build, or why there is none.
struct Output<'a>(&'a str, ExitStatus);

impl fmt::Display for Output<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            "" => write!(f, "(go printed nothing; it ended with {})", self.1),
            text => f.write_str(text),
        }
    }
}

/// `path` relative to the current directory when it lies under it
/// (`plugins/hello`), as given otherwise.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .unwrap_or(path)
        .display()
        .to_string()
}

impl fmt::Display for BuildMode {
    /// `a command` or `a reactor`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BuildMode::Command => "a command",
            BuildMode::Reactor => "a reactor",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_output_is_cut_with_a_count() {
        let many: String = (1..=MAX_OUTPUT_LINES + 5)
            .map(|i| format!("./main.go:{i}:1: bad\n"))
            .collect();
        let out = trim_output(many.as_bytes());
        assert_eq!(out.lines().count(), MAX_OUTPUT_LINES + 1);
        assert!(out.ends_with("... (5 more lines)"), "{out}");
        assert_eq!(
            trim_output(b"# p\n./a.go:1:1: x\n\n\n"),
            "# p\n./a.go:1:1: x"
        );
    }

    #[test]
    fn packages_under_the_current_directory_read_relative() {
        let cwd = std::env::current_dir().expect("a current directory");
        assert_eq!(shown(&cwd.join("plugins").join("hello")), "plugins/hello");
        assert_eq!(shown(&cwd), cwd.display().to_string());
        assert_eq!(shown(Path::new("/elsewhere/x")), "/elsewhere/x");
    }
}
