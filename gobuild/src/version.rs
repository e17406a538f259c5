//! Whether the Go on `PATH` can build gohost guests.

use std::ffi::OsStr;
use std::process::Command;
use std::sync::OnceLock;

use crate::{Error, MIN_GO};

/// Checks that `go` is on `PATH` and at least [`MIN_GO`]; once it passed,
/// later calls in the process return at once.
///
/// ```no_run
/// if let Err(e) = gohost_build::check_go() {
///     eprintln!("{e}");
/// }
/// ```
pub fn check_go() -> Result<(), Error> {
    static PASSED: OnceLock<()> = OnceLock::new();
    if PASSED.get().is_none() {
        check_go_at(OsStr::new("go"))?;
        let _ = PASSED.set(());
    }
    Ok(())
}

/// [`check_go`] for build scripts and tests, which stop at the first
/// failure.
///
/// # Panics
///
/// With [`check_go`]'s error when Go is missing or too old.
pub fn require_go() {
    if let Err(e) = check_go() {
        panic!("{e}");
    }
}

/// Checks the Go that `go` names.
pub(crate) fn check_go_at(go: &OsStr) -> Result<(), Error> {
    let out = Command::new(go)
        .arg("version")
        .output()
        .map_err(|source| Error::GoMissing { source })?;
    let printed = String::from_utf8_lossy(&out.stdout);
    let found = parse_go_version(&printed).ok_or_else(|| Error::GoVersionUnknown {
        printed: printed.trim().to_owned(),
    })?;
    if found < MIN_GO {
        return Err(Error::GoTooOld { found });
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_missing_go_is_an_error_that_says_what_to_install() {
        let e = check_go_at(OsStr::new("/nonexistent/go")).expect_err("no such program");
        assert!(matches!(e, Error::GoMissing { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "gohost-build: gohost needs Go 1.24 or newer on PATH, but `go version` could not run: "
            ),
            "{msg}"
        );
        assert!(msg.contains("https://go.dev/dl/"), "{msg}");
    }

    /// A program that prints `version` as `go version` would (a file of
    /// its own each, so that none is rewritten while another runs).
    #[cfg(unix)]
    fn fake_go(dir: &std::path::Path, version: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(format!("go-{version}"));
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho 'go version {version} linux/amd64'\n"),
        )
        .expect("write the script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[cfg(unix)]
    #[test]
    fn an_old_or_unreadable_go_is_an_error_naming_the_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = fake_go(dir.path(), "go1.21.5");
        let e = check_go_at(old.as_os_str()).expect_err("too old");
        assert_eq!(
            e.to_string(),
            "gohost-build: gohost needs Go 1.24 or newer on PATH; found Go 1.21 \
             (install a newer Go from https://go.dev/dl/)"
        );
        let odd = fake_go(dir.path(), "devel");
        let e = check_go_at(odd.as_os_str()).expect_err("no release");
        assert_eq!(
            e.to_string(),
            "gohost-build: gohost needs Go 1.24 or newer on PATH, but `go version` printed \
             \"go version devel linux/amd64\""
        );
        let new = fake_go(dir.path(), "go1.24.0");
        check_go_at(new.as_os_str()).expect("new enough");
    }
}
