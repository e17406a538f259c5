//! Plugin manifests: which binary runs (pinned by its SHA-256), with what
//! limits, directories, environment and configuration, in a TOML file next
//! to it, so that a host is configured without recompiling.
//!
//! ```toml
//! wasm = "echo.wasm"              # relative to this file
//! sha256 = "9f86d081884c7d65..."  # optional: refuse any other binary
//!
//! [limits]
//! memory_bytes = 67108864         # linear memory, at most 4 GiB
//! fuel = 500000000                # instructions (roughly) per call
//! deadline_ms = 2000              # wall-clock time per call
//!
//! [[dir]]                         # preopened directories
//! host = "data"                   # relative to this file; must exist
//! guest = "/data"
//! access = "read-only"            # or "read-write"
//!
//! [env]
//! MODE = "fast"
//!
//! [config]                        # values the plugin reads: kv.Config("greeting")
//! greeting = "hello"
//!
//! [http]                          # read by gohost-http, not by gohost
//! allow_hosts = ["api.example.com"]
//! ```
//!
//! Every field is checked when the manifest is read; an unknown field, a
//! wrong type or a value out of range is refused with the field's name and
//! line. The `[http]` table is the exception: gohost keeps it as written
//! ([`ManifestSection`]) for the crate that reads it, which checks it the
//! same way.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::engine::{Engine, Module};
use crate::error::Error;
use crate::limits::Limits;
use crate::wasi::{DirPerms, WasiConfig};

/// The largest linear memory a 32-bit wasm guest can have.
const MAX_MEMORY_BYTES: u64 = 4 << 30;

/// A plugin's manifest, read and checked.
///
/// ```no_run
/// # fn main() -> Result<(), gohost::Error> {
/// use gohost::{Engine, Linker, Manifest};
///
/// let manifest = Manifest::from_file("plugins/echo.toml")?;
/// let engine = Engine::new(&manifest.engine_config()); // fuel, deadlines
/// let module = manifest.load(&engine)?; // refused if the SHA-256 differs
/// let linker = Linker::<()>::new(&engine);
/// let mut instance =
///     linker.instantiate_limited(&module, &manifest.wasi(), (), manifest.limits())?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// The wasm module, resolved against the manifest's directory.
    pub wasm: PathBuf,
    /// The SHA-256 the module must have (lower-case hex), if pinned.
    pub sha256: Option<String>,
    /// The per-instance memory limit in bytes.
    pub memory_bytes: Option<u64>,
    /// The fuel each call may use.
    pub fuel: Option<u64>,
    /// The wall-clock time each call may take.
    pub deadline: Option<Duration>,
    /// Preopened directories.
    pub dirs: Vec<ManifestDir>,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// Configuration values for the plugin.
    pub config: BTreeMap<String, String>,
    /// The `[http]` table, as written: the HTTP policy, which the
    /// `gohost-http` crate reads and checks (the core does not know HTTP).
    pub http: Option<ManifestSection>,
}

/// A table of a manifest that another crate reads and checks, such as
/// `[http]` (read by `gohost-http`): gohost checks only that it is a
/// table, and keeps the manifest's text so that its reader's errors name
/// the manifest and the line, as gohost's own do.
///
/// ```
/// # fn main() -> Result<(), gohost::Error> {
/// use std::path::Path;
///
/// #[derive(serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Http {
///     allow_hosts: Vec<String>,
/// }
///
/// let text = "wasm = \"p.wasm\"\n[http]\nallow_hosts = [\"api.example.com\"]\n";
/// let manifest = gohost::Manifest::parse(text, Path::new("p.toml"))?;
/// let section = manifest.http.expect("an [http] table");
/// assert_eq!(section.line(), 2);
/// let http: Http = section.deserialize()?;
/// assert_eq!(http.allow_hosts, ["api.example.com"]);
///
/// let bad = "wasm = \"p.wasm\"\n[http]\nallow_hosts = 7\n";
/// let section = gohost::Manifest::parse(bad, Path::new("p.toml"))?.http.expect("[http]");
/// let err = section.deserialize::<Http>().err().expect("refused").to_string();
/// assert!(err.starts_with("p.toml, line 3: invalid type"), "{err}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSection {
    path: PathBuf,
    text: Arc<str>,
    span: Range<usize>,
}

/// A directory a manifest preopens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestDir {
    /// The host directory, resolved against the manifest's directory.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// What the guest may do in it.
    pub perms: DirPerms,
}

/// The file as written; every field's position kept for messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    wasm: Spanned<String>,
    sha256: Option<Spanned<String>>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default, rename = "dir")]
    dirs: Vec<RawDir>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    config: BTreeMap<String, String>,
    http: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    memory_bytes: Option<Spanned<u64>>,
    fuel: Option<Spanned<u64>>,
    deadline_ms: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDir {
    host: Spanned<String>,
    guest: Spanned<String>,
    #[serde(default)]
    access: Access,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Access {
    #[default]
    ReadOnly,
    ReadWrite,
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Manifest, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Manifest {
            path: path.display().to_string(),
            line: None,
            message: format!("cannot read it: {e}"),
        })?;
        Manifest::parse(&text, path)
    }

    /// Checks the manifest `text`, read from `path` (relative paths in it
    /// are resolved against `path`'s directory; nothing is read but the
    /// directories it preopens, which must exist).
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, Error> {
        let fail = |span: Option<Range<usize>>, message: String| Error::Manifest {
            path: path.display().to_string(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let raw: RawManifest =
            toml::from_str(text).map_err(|e| fail(e.span(), e.message().to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));

        if raw.wasm.get_ref().is_empty() {
            return Err(fail(Some(raw.wasm.span()), "`wasm` is empty".into()));
        }
        let sha256 = match &raw.sha256 {
            Some(h) => {
                let hex = h.get_ref().to_ascii_lowercase();
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(fail(
                        Some(h.span()),
                        format!("`sha256` must be 64 hex digits, not {:?}", h.get_ref()),
                    ));
                }
                Some(hex)
            }
            None => None,
        };
        let positive = |v: &Option<Spanned<u64>>, field: &str, max: u64| match v {
            Some(v) if *v.get_ref() == 0 || *v.get_ref() > max => Err(fail(
                Some(v.span()),
                format!(
                    "`limits.{field}` must be between 1 and {max}, not {}",
                    v.get_ref()
                ),
            )),
            v => Ok(v.as_ref().map(|v| *v.get_ref())),
        };
        let memory_bytes = positive(&raw.limits.memory_bytes, "memory_bytes", MAX_MEMORY_BYTES)?;
        let fuel = positive(&raw.limits.fuel, "fuel", u64::MAX)?;
        let deadline =
            positive(&raw.limits.deadline_ms, "deadline_ms", u64::MAX)?.map(Duration::from_millis);

        let mut dirs = Vec::new();
        for (i, d) in raw.dirs.iter().enumerate() {
            let host = base.join(d.host.get_ref());
            if !host.is_dir() {
                return Err(fail(
                    Some(d.host.span()),
                    format!("`dir[{i}].host`: {} is not a directory", host.display()),
                ));
            }
            if !d.guest.get_ref().starts_with('/') {
                return Err(fail(
                    Some(d.guest.span()),
                    format!(
                        "`dir[{i}].guest` must be an absolute guest path such as \"/data\", not {:?}",
                        d.guest.get_ref()
                    ),
                ));
            }
            dirs.push(ManifestDir {
                host,
                guest: d.guest.get_ref().clone(),
                perms: match d.access {
                    Access::ReadOnly => DirPerms::ReadOnly,
                    Access::ReadWrite => DirPerms::ReadWrite,
                },
            });
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            wasm: base.join(raw.wasm.get_ref()),
            sha256,
            memory_bytes,
            fuel,
            deadline,
            dirs,
            env: raw.env,
            config: raw.config,
            http: raw.http.map(|table| ManifestSection {
                path: path.to_path_buf(),
                text: text.into(),
                span: table.span(),
            }),
        })
    }

    /// The module's bytes, checked against `sha256` when the manifest pins
    /// one.
    pub fn read_wasm(&self) -> Result<Vec<u8>, Error> {
        let bytes = std::fs::read(&self.wasm).map_err(|e| Error::Io {
            path: self.wasm.clone(),
            source: e,
        })?;
        if let Some(want) = &self.sha256 {
            let found = sha256_hex(&bytes);
            if &found != want {
                return Err(Error::Manifest {
                    path: self.path.display().to_string(),
                    line: None,
                    message: format!(
                        "{} has SHA-256 {found}, but the manifest pins {want}; refusing to load it",
                        self.wasm.display()
                    ),
                });
            }
        }
        Ok(bytes)
    }

    /// Compiles the module (after checking its SHA-256).
    pub fn load(&self, engine: &Engine) -> Result<Module, Error> {
        let mut module = Module::from_bytes(engine, &self.read_wasm()?)?;
        module.name = crate::engine::module::file_name(&self.wasm);
        Ok(module)
    }

    /// An engine configuration that can enforce the manifest's limits:
    /// fuel metering when it sets `fuel`, interruption when it sets
    /// `deadline_ms`.
    pub fn engine_config(&self) -> crate::engine::Config {
        let mut config = crate::engine::Config::new();
        config
            .consume_fuel(self.fuel.is_some())
            .interruptible(self.deadline.is_some());
        config
    }

    /// The limits: memory, fuel and deadline, where the manifest sets them.
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::new();
        if let Some(m) = self.memory_bytes {
            limits = limits.memory_bytes(usize::try_from(m).unwrap_or(usize::MAX));
        }
        if let Some(f) = self.fuel {
            limits = limits.fuel_per_call(f);
        }
        if let Some(d) = self.deadline {
            limits = limits.deadline(d);
        }
        limits
    }

    /// A WASI configuration with the manifest's directories, environment
    /// and configuration values (which the plugin reads with its generated
    /// package's `Config(key)`), and nothing else: add arguments and
    /// standard streams.
    pub fn wasi(&self) -> WasiConfig {
        let mut wasi = WasiConfig::new();
        for d in &self.dirs {
            wasi.preopen_dir(&d.host, d.guest.clone(), d.perms);
        }
        for (k, v) in &self.env {
            wasi.env(k, v);
        }
        for (k, v) in &self.config {
            wasi.config(k, v);
        }
        wasi
    }
}

impl ManifestSection {
    /// The line the table starts on.
    pub fn line(&self) -> usize {
        line_of(&self.text, self.span.start)
    }

    /// Reads the table as a `T`. An error names the manifest and the line
    /// of the offending field; `T`'s fields of type `toml::Spanned` carry
    /// their place in the manifest for [`ManifestSection::error`].
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        /// The whole manifest again, for positions in it; every other
        /// field was checked by `Manifest::parse`.
        #[derive(Deserialize)]
        struct Whole<T> {
            http: T,
        }
        toml::from_str::<Whole<T>>(&self.text)
            .map(|whole| whole.http)
            .map_err(|e| self.error(e.span(), e.message().to_string()))
    }

    /// An error about this table: `message` at `span` (a `toml::Spanned`
    /// field's), or at the table's start.
    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Error {
        Error::Manifest {
            path: self.path.display().to_string(),
            line: Some(line_of(&self.text, span.unwrap_or(self.span.clone()).start)),
            message: message.into(),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The SHA-256 of `bytes`, in lower-case hex (as manifests pin it).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as `<tmp>/plugin.toml`, with a `data` directory and a
    /// `p.wasm` file beside it.
    fn parse(text: &str) -> (tempfile::TempDir, Result<Manifest, Error>) {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("data")).expect("data");
        std::fs::write(tmp.path().join("p.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
        let m = Manifest::parse(text, &tmp.path().join("plugin.toml"));
        (tmp, m)
    }

    fn error(text: &str) -> String {
        match parse(text).1 {
            Ok(m) => panic!("accepted: {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_full_manifest() {
        let (tmp, m) = parse(
            r#"
wasm = "p.wasm"
sha256 = "D5F8A4B3E2C1D5F8A4B3E2C1D5F8A4B3E2C1D5F8A4B3E2C1D5F8A4B3E2C1D5F8"

[limits]
memory_bytes = 1048576
fuel = 1000
deadline_ms = 250

[[dir]]
host = "data"
guest = "/data"
access = "read-write"

[[dir]]
host = "data"
guest = "/ro"

[env]
MODE = "fast"

[config]
greeting = "hello"
"#,
        );
        let m = m.expect("valid");
        assert_eq!(m.wasm, tmp.path().join("p.wasm"));
        assert_eq!(m.sha256.as_deref().map(str::len), Some(64));
        assert!(m.sha256.as_deref().is_some_and(|h| h.starts_with("d5f8")));
        assert_eq!(m.memory_bytes, Some(1 << 20));
        assert_eq!(m.fuel, Some(1000));
        assert_eq!(m.deadline, Some(Duration::from_millis(250)));
        assert_eq!(m.dirs.len(), 2);
        assert_eq!(m.dirs[0].perms, DirPerms::ReadWrite);
        assert_eq!(m.dirs[1].perms, DirPerms::ReadOnly, "read-only by default");
        assert_eq!(m.env["MODE"], "fast");
        assert_eq!(m.config["greeting"], "hello");
    }

    #[test]
    fn only_wasm_is_required() {
        let (_tmp, m) = parse("wasm = \"p.wasm\"\n");
        let m = m.expect("valid");
        assert_eq!((m.memory_bytes, m.fuel, m.deadline), (None, None, None));
        assert!(m.dirs.is_empty() && m.env.is_empty() && m.config.is_empty());
        assert!(error("").contains("missing field `wasm`"), "{}", error(""));
    }

    #[test]
    fn each_bad_field_is_named_with_its_line() {
        let cases = [
            (
                "wasm = 7\n",
                "line 1",
                "invalid type: integer `7`, expected a string",
            ),
            ("wasm = \"\"\n", "line 1", "`wasm` is empty"),
            (
                "wasm = \"p.wasm\"\nplugin = 1\n",
                "line 2",
                "unknown field `plugin`",
            ),
            (
                "wasm = \"p.wasm\"\nsha256 = \"abc\"\n",
                "line 2",
                "64 hex digits",
            ),
            (
                "wasm = \"p.wasm\"\n[limits]\nmemory_bytes = 0\n",
                "line 3",
                "`limits.memory_bytes` must be between 1 and 4294967296, not 0",
            ),
            (
                "wasm = \"p.wasm\"\n[limits]\nmemory_bytes = 8589934592\n",
                "line 3",
                "not 8589934592",
            ),
            (
                "wasm = \"p.wasm\"\n[limits]\nfuel = -1\n",
                "line 3",
                "invalid value",
            ),
            (
                "wasm = \"p.wasm\"\n[limits]\ndeadline_ms = 0\n",
                "line 3",
                "`limits.deadline_ms`",
            ),
            (
                "wasm = \"p.wasm\"\n[limits]\ndeadline = 5\n",
                "line 3",
                "unknown field `deadline`",
            ),
            (
                "wasm = \"p.wasm\"\n[[dir]]\nhost = \"nope\"\nguest = \"/x\"\n",
                "line 3",
                "`dir[0].host`",
            ),
            (
                "wasm = \"p.wasm\"\n[[dir]]\nhost = \"data\"\nguest = \"x\"\n",
                "line 4",
                "`dir[0].guest` must be an absolute guest path",
            ),
            (
                "wasm = \"p.wasm\"\n[[dir]]\nhost = \"data\"\nguest = \"/x\"\naccess = \"rw\"\n",
                "line 5",
                "unknown variant `rw`, expected `read-only` or `read-write`",
            ),
            (
                "wasm = \"p.wasm\"\n[[dir]]\nguest = \"/x\"\n",
                "line 2",
                "missing field `host`",
            ),
            (
                "wasm = \"p.wasm\"\n[env]\nN = 1\n",
                "line 3",
                "expected a string",
            ),
            (
                "wasm = \"p.wasm\"\nconfig = \"x\"\n",
                "line 2",
                "expected a map",
            ),
            ("wasm = \"p.wasm\"\n[limits\n", "line 2", ""),
            (
                "wasm = \"p.wasm\"\nhttp = [1]\n",
                "line 2",
                "invalid type: sequence, expected a map",
            ),
        ];
        for (text, line, want) in cases {
            let got = error(text);
            assert!(got.contains("plugin.toml, "), "{text:?}: {got}");
            assert!(got.contains(line), "{text:?}: want {line}, got {got}");
            assert!(got.contains(want), "{text:?}: want {want:?}, got {got}");
        }
    }

    #[test]
    fn the_http_table_is_kept_for_its_reader() {
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Http {
            hosts: Vec<Spanned<String>>,
        }
        let text = "wasm = \"p.wasm\"\n\n[http]\nhosts = [\n  \"a\",\n  \"b\",\n]\n";
        let (_tmp, m) = parse(text);
        let section = m.expect("valid").http.expect("[http]");
        assert_eq!(section.line(), 3);
        let http: Http = section.deserialize().expect("an Http");
        let b = &http.hosts[1];
        assert_eq!(b.get_ref(), "b");
        let err = section.error(Some(b.span()), "`b` is refused").to_string();
        assert!(
            err.ends_with("plugin.toml, line 6: `b` is refused"),
            "{err}"
        );

        let (_tmp, m) = parse("wasm = \"p.wasm\"\n[http]\nhost = 1\n");
        let err = m
            .expect("valid")
            .http
            .expect("[http]")
            .deserialize::<Http>();
        let err = err.expect_err("unknown field").to_string();
        assert!(
            err.contains("plugin.toml, line 3: unknown field `host`"),
            "{err}"
        );

        let (_tmp, m) = parse("wasm = \"p.wasm\"\n");
        assert_eq!(m.expect("valid").http, None);
    }

    #[test]
    fn a_pinned_hash_must_match() {
        let bytes = b"\0asm\x01\0\0\0";
        let right = hex(&Sha256::digest(bytes));
        let (_tmp, m) = parse(&format!("wasm = \"p.wasm\"\nsha256 = \"{right}\"\n"));
        assert_eq!(m.expect("valid").read_wasm().expect("pinned bytes"), bytes);

        let wrong = "0".repeat(64);
        let (_tmp, m) = parse(&format!("wasm = \"p.wasm\"\nsha256 = \"{wrong}\"\n"));
        let err = m
            .expect("valid")
            .read_wasm()
            .expect_err("another hash")
            .to_string();
        assert!(err.contains(&right) && err.contains(&wrong), "{err}");
        assert!(err.contains("refusing to load it"), "{err}");
    }

    #[test]
    fn a_missing_module_is_an_io_error_naming_it() {
        let (_tmp, m) = parse("wasm = \"gone.wasm\"\n");
        let err = m
            .expect("valid")
            .read_wasm()
            .expect_err("missing")
            .to_string();
        assert!(err.contains("gone.wasm"), "{err}");
    }

    #[test]
    fn the_engine_config_and_limits_follow_the_manifest() {
        let (_tmp, m) = parse("wasm = \"p.wasm\"\n[limits]\nfuel = 5\n");
        let m = m.expect("valid");
        assert_eq!(m.limits(), Limits::new().fuel_per_call(5));
        let config = m.engine_config();
        assert!(m.limits().check(config.fuel, config.interruptible).is_ok());
        let (_tmp, m) = parse("wasm = \"p.wasm\"\n[limits]\ndeadline_ms = 5\n");
        let m = m.expect("valid");
        let config = m.engine_config();
        assert!(config.interruptible && !config.fuel);
    }
}
