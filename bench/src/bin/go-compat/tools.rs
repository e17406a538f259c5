//! The tools a sweep needs: where things go, the two gohost builds, wazero,
//! and Go's runner script.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::runners::Runner;

/// The wazero release of the reference runner.
const WAZERO: &str = "github.com/tetratelabs/wazero/cmd/wazero@v1.12.0";

/// Where things are.
#[derive(Debug)]
pub struct Paths {
    /// The workspace root (where Cargo.toml is).
    pub workspace: PathBuf,
    /// `TARGET/go-compat/bin`: the gohost copies and wazero.
    pub bin: PathBuf,
    /// `TARGET/go-compat/logs`.
    pub logs: PathBuf,
    /// `TARGET/go-compat/results.tsv`.
    pub results: PathBuf,
    /// `TARGET/go-compat/work`: test binaries between build and runs.
    pub work: PathBuf,
    /// Cargo's release output directory, `TARGET/release`.
    release: PathBuf,
}

impl Paths {
    /// Asks cargo for the target directory (which honours
    /// CARGO_TARGET_DIR and cargo's configuration) and creates ours in it.
    ///
    /// # Errors
    ///
    /// If cargo cannot tell or a directory cannot be created.
    pub fn find(asynchronous: bool) -> Result<Paths, String> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("the bench crate has no parent directory")?
            .to_owned();
        let metadata = stdout_of(
            Command::new(cargo())
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .arg("--manifest-path")
                .arg(workspace.join("Cargo.toml")),
        )?;
        let target = PathBuf::from(
            json_string_field(&metadata, "target_directory")
                .ok_or("cargo metadata printed no target_directory")?,
        );
        // Apart, so that an async sweep neither resumes from nor overwrites
        // the results and logs of a sync one.
        let root = target.join(if asynchronous {
            "go-compat-async"
        } else {
            "go-compat"
        });
        let paths = Paths {
            workspace,
            bin: root.join("bin"),
            logs: root.join("logs"),
            results: root.join("results.tsv"),
            work: root.join("work"),
            release: target.join("release"),
        };
        let mut dirs = vec![&paths.bin, &paths.work];
        let log_dirs: Vec<PathBuf> = Runner::ALL
            .iter()
            .map(|r| paths.logs.join(r.name()))
            .chain([paths.logs.join("build")])
            .collect();
        dirs.extend(&log_dirs);
        for dir in dirs {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        Ok(paths)
    }
}

/// Cargo: the one running us, if any.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cmd` as it would be typed, for messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` and returns its standard output; its standard error goes to
/// ours.
///
/// # Errors
///
/// If it cannot start, fails, or prints something that is not UTF-8.
pub fn stdout_of(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", describe(cmd), out.status));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{}: {e}", describe(cmd)))
}

/// Runs `cmd` with its output on our standard error (ours is for the
/// report).
///
/// # Errors
///
/// If it cannot start or fails.
fn run_to_stderr(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// Go's own wasip1 runner script, `$(go env GOROOT)/lib/wasm/go_wasip1_wasm_exec`.
///
/// # Errors
///
/// If `go` cannot run or the script is not there.
pub fn exec_script() -> Result<PathBuf, String> {
    let goroot = stdout_of(Command::new("go").args(["env", "GOROOT"]))
        .map_err(|e| format!("{e} (is Go installed and on PATH?)"))?;
    let script = Path::new(goroot.trim()).join("lib/wasm/go_wasip1_wasm_exec");
    if script.is_file() {
        Ok(script)
    } else {
        Err(format!("{} is missing", script.display()))
    }
}

/// `bin/wazero`, installed with `go install` unless it is there already.
///
/// # Errors
///
/// If the installation fails.
pub fn wazero(paths: &Paths) -> Result<PathBuf, String> {
    let wazero = paths.bin.join("wazero");
    if !wazero.exists() {
        eprintln!("go-compat: installing {WAZERO}...");
        run_to_stderr(
            Command::new("go")
                .args(["install", WAZERO])
                .env("GOBIN", &paths.bin),
        )?;
    }
    Ok(wazero)
}

/// `PATH` with `dir` first, so that the runner script finds our wazero.
///
/// # Errors
///
/// If `dir` cannot be put in a `PATH` (it contains a `:`).
pub fn path_with(dir: &Path) -> Result<OsString, String> {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(dir.to_owned()).chain(std::env::split_paths(&rest));
    std::env::join_paths(dirs).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Builds gohost for `engine` (release mode) and copies it to
/// `bin/gohost-ENGINE`: both builds share one target directory, where cargo
/// keeps the artifacts of both feature sets but only one final binary.
///
/// # Errors
///
/// If the build or the copy fails.
pub fn build_gohost(paths: &Paths, engine: Runner) -> Result<PathBuf, String> {
    eprintln!("go-compat: building gohost ({})...", engine.name());
    let mut cmd = Command::new(cargo());
    cmd.args(["build", "--release", "-p", "gohost-cli"])
        .arg("--manifest-path")
        .arg(paths.workspace.join("Cargo.toml"));
    if engine == Runner::Wasmtime {
        cmd.args(["--features", "gohost/jit"]);
    }
    run_to_stderr(&mut cmd)?;
    let built = paths.release.join("gohost");
    let copy = paths.bin.join(format!("gohost-{}", engine.name()));
    std::fs::copy(&built, &copy)
        .map_err(|e| format!("copying {} to {}: {e}", built.display(), copy.display()))?;
    Ok(copy)
}

/// The string value of `"field":` in `json` (the first one), unescaped;
/// enough for `cargo metadata`'s top-level `target_directory` without a
/// JSON library.
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":");
    let rest = json[json.find(&key)? + key.len()..].trim_start();
    let mut chars = rest.strip_prefix('"')?.chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'b' => value.push('\u{8}'),
                'f' => value.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = u32::from_str_radix(&hex, 16).ok()?;
                    // A path with a character outside the BMP (a
                    // surrogate pair) is not worth supporting here.
                    value.push(char::from_u32(unit)?);
                }
                c => value.push(c),
            },
            c => value.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_directory_is_read_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/w/my \"t\"\\dir\u00e9","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some("/w/my \"t\"\\dir\u{e9}")
        );
        assert_eq!(json_string_field(json, "workspace_root"), None);
    }
}
