//! One builder for everything a guest sees of the outside world through
//! WASI preview 1: arguments, environment, directories and standard streams.
//! Each engine's adapter builds its WASI library's context from it:
//! `wasi-common` (through `wasmi_wasi`) on wasmi, with read-only preopens
//! and async standard input of gohost's; `wasmtime-wasi`'s preview 1 on
//! wasmtime.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::abi::ConfigValues;
use crate::error::Error;

/// What a guest can do in a preopened directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirPerms {
    /// List, stat and read files.
    ReadOnly,
    /// Also create, write, rename and delete.
    ReadWrite,
}

/// Where a guest's standard input comes from.
#[derive(Debug, Clone, Default)]
pub enum Input {
    /// Nothing: reads see end of file.
    #[default]
    Null,
    /// The host process's standard input. An async instance's reads of it
    /// await input rather than block the thread; on wasmi a thread of
    /// gohost's reads it ahead, once a guest first reads (see
    /// `docs/async.md`).
    Inherit,
    /// These bytes.
    Bytes(Vec<u8>),
    /// The contents of this file, opened when the guest is instantiated.
    File(PathBuf),
}

/// Where a guest's standard output or error goes.
#[derive(Debug, Clone, Default)]
pub enum Output {
    /// Discarded.
    #[default]
    Null,
    /// The host process's stream.
    Inherit,
    /// Kept in memory; read it with [`Capture::contents`].
    Capture(Capture),
    /// This file, created (or truncated) when the guest is instantiated.
    File(PathBuf),
    /// Each write of the guest, given to a function (to log it, tag it
    /// with the plugin's name, count it...).
    Callback(OutputCallback),
}

/// A function that receives a guest's output, write by write.
///
/// ```
/// use gohost::{Output, OutputCallback, WasiConfig};
///
/// let mut wasi = WasiConfig::new();
/// wasi.stdout(Output::Callback(OutputCallback::new(|bytes| {
///     eprint!("[plugin] {}", String::from_utf8_lossy(bytes));
/// })));
/// ```
#[derive(Clone)]
pub struct OutputCallback(pub(crate) Arc<OutputFn>);

pub(crate) type OutputFn = dyn Fn(&[u8]) + Send + Sync;

impl OutputCallback {
    /// Wraps `f`.
    pub fn new(f: impl Fn(&[u8]) + Send + Sync + 'static) -> Self {
        OutputCallback(Arc::new(f))
    }
}

impl Output {
    /// Each write as a `tracing` event at INFO level, with target
    /// `gohost::guest` and the field `guest` set to `name` (and a trailing
    /// newline dropped), so plugin output joins the host's logs:
    ///
    /// ```
    /// use gohost::{Output, WasiConfig};
    ///
    /// let mut wasi = WasiConfig::new();
    /// wasi.stdout(Output::tracing("counter")).stderr(Output::tracing("counter"));
    /// ```
    pub fn tracing(name: impl Into<String>) -> Output {
        let name: String = name.into();
        Output::Callback(OutputCallback::new(move |bytes| {
            let text = String::from_utf8_lossy(bytes);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            tracing::info!(target: "gohost::guest", guest = %name, "{text}");
        }))
    }
}

impl std::fmt::Debug for OutputCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutputCallback")
    }
}

impl std::io::Write for OutputCallback {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A shared in-memory buffer that captures a guest's output.
///
/// Clones share the buffer.
///
/// ```
/// use gohost::{Capture, Output, WasiConfig};
///
/// let out = Capture::new();
/// let mut wasi = WasiConfig::new();
/// wasi.stdout(Output::Capture(out.clone()));
/// // ... run the guest, then:
/// assert_eq!(out.contents(), b"");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Capture(pub(crate) Arc<RwLock<Vec<u8>>>);

impl Capture {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of what was written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0
            .read()
            .map(|b| b.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// What was written so far, as text (invalid UTF-8 replaced).
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Preopen {
    pub(crate) host: PathBuf,
    pub(crate) guest: String,
    pub(crate) perms: DirPerms,
}

/// Arguments, environment, directories and standard streams of a guest.
///
/// The default is a closed sandbox: no arguments, no environment, no
/// directories, standard streams null. Open what the guest needs.
///
/// ```
/// use gohost::{DirPerms, Output, WasiConfig};
///
/// let mut wasi = WasiConfig::new();
/// wasi.args(["prog", "--verbose"])
///     .env("GREETING", "hello")
///     .preopen_dir(".", "/data", DirPerms::ReadOnly)
///     .stdout(Output::Inherit)
///     .stderr(Output::Inherit);
/// ```
#[derive(Debug, Clone, Default)]
pub struct WasiConfig {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) inherit_env: bool,
    pub(crate) preopens: Vec<Preopen>,
    pub(crate) stdin: Input,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) config: ConfigValues,
}

impl WasiConfig {
    /// A closed sandbox; see the type's documentation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one argument. The first argument is the program name by
    /// convention (Go's `os.Args[0]`).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = A>, A: Into<String>>(&mut self, args: I) -> &mut Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable (after inherited ones, so it wins).
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Passes the host process's whole environment to the guest.
    pub fn inherit_env(&mut self) -> &mut Self {
        self.inherit_env = true;
        self
    }

    /// Makes the host directory `host` visible to the guest as `guest`.
    /// Nothing outside it is reachable through it, neither by `..` nor by
    /// symbolic links.
    pub fn preopen_dir(
        &mut self,
        host: impl AsRef<Path>,
        guest: impl Into<String>,
        perms: DirPerms,
    ) -> &mut Self {
        self.preopens.push(Preopen {
            host: host.as_ref().to_owned(),
            guest: guest.into(),
            perms,
        });
        self
    }

    /// Sets standard input.
    pub fn stdin(&mut self, input: Input) -> &mut Self {
        self.stdin = input;
        self
    }

    /// Sets standard output.
    pub fn stdout(&mut self, output: Output) -> &mut Self {
        self.stdout = output;
        self
    }

    /// Sets standard error.
    pub fn stderr(&mut self, output: Output) -> &mut Self {
        self.stderr = output;
        self
    }

    /// Sets a configuration value, which the guest reads with its generated
    /// package's `Config(key)` (`value, ok := kv.Config("greeting")`). Not
    /// WASI: gohost's own import `gohost.config`, so that a plugin gets
    /// settings without parsing its environment. A plugin manifest's
    /// `[config]` table sets these.
    ///
    /// ```
    /// let mut wasi = gohost::WasiConfig::new();
    /// wasi.config("greeting", "hello").config("retries", "3");
    /// ```
    pub fn config(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        Arc::make_mut(&mut self.config).insert(key.into(), value.into());
        self
    }

    /// The configuration values, shared with every instance built from this.
    pub(crate) fn config_values(&self) -> ConfigValues {
        Arc::clone(&self.config)
    }

    /// Inherits all three standard streams from the host process.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.stdin = Input::Inherit;
        self.stdout = Output::Inherit;
        self.stderr = Output::Inherit;
        self
    }

    /// The environment the guest sees: inherited variables (if asked), then
    /// explicit ones, each name once. Go keeps the first of duplicate names,
    /// so a later setting must replace an earlier one, not follow it.
    fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = if self.inherit_env {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| !k.is_empty() && !k.contains('='))
                .collect()
        } else {
            Vec::new()
        };
        for (k, v) in &self.env {
            match env.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        env
    }
}

/// The arguments and the `(name, value)` environment a guest sees.
pub(crate) type ArgsAndEnv<'a> = (&'a [String], Vec<(String, String)>);

impl WasiConfig {
    /// The arguments and the environment the guest sees, once checked
    /// that WASI can pass them (see `check_strings`).
    pub(crate) fn args_and_env(&self) -> Result<ArgsAndEnv<'_>, Error> {
        let env = self.environment();
        check_strings(&self.args, &env)?;
        Ok((&self.args, env))
    }
}

/// WASI hands arguments and `NAME=VALUE` pairs to the guest as
/// NUL-terminated strings: a NUL byte would cut one short, and an `=` in a
/// name would move the split, so the guest would silently see something
/// other than what was configured. Refuse such strings instead.
fn check_strings(args: &[String], env: &[(String, String)]) -> Result<(), Error> {
    if let Some(i) = args.iter().position(|a| a.contains('\0')) {
        return Err(Error::Wasi(format!(
            "argument {i} contains a NUL byte, which WASI cannot pass"
        )));
    }
    for (name, value) in env {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(Error::Wasi(format!(
                "environment variable name {name:?} is empty or contains `=` or a NUL byte"
            )));
        }
        if value.contains('\0') {
            return Err(Error::Wasi(format!(
                "the value of environment variable {name} contains a NUL byte, which WASI cannot pass"
            )));
        }
    }
    Ok(())
}
