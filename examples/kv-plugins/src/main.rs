//! gohost's plugin example: a host that loads every Go plugin in a folder,
//! offers each a typed key-value store, calls each plugin's typed exports,
//! and keeps serving the good plugins while bad ones panic, loop forever or
//! eat memory.
//!
//! ```text
//! cargo run -p kv-plugins                 # build plugins/*, then run them
//! cargo run -p kv-plugins -- some/folder  # run the .wasm plugins in a folder
//! ```
//!
//! Building this crate writes `plugins/kv/kv.go` (the macro's `go_out`), the
//! Go package plugins import. Without an argument the program builds every
//! plugin directory in `plugins/` with your Go toolchain into
//! `target/gohost-guests/kv-plugins/`, then loads every `.wasm` file there.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gohost::{
    Config, Engine, Error, Limits, Linker, Module, Output, OutputCallback, Pool, WasiConfig,
};

/// The most bytes a value may have. Tiny on purpose, so that the example
/// shows a typed store error reaching a plugin.
pub const MAX_VALUE_BYTES: u32 = 32;

/// Each plugin instance's memory limit.
const MEMORY_LIMIT: usize = 64 << 20;

/// The instructions (roughly) each call may execute: plenty for a real
/// request (and for `hog` to reach the memory limit first), a fifth of a
/// second or so for a plugin that never returns. Fuel is counted, not
/// timed, so every run stops at the same point.
const FUEL_PER_CALL: u64 = 500_000_000;
/// And a wall-clock backstop for everything fuel does not count (a plugin
/// could also wait in a host function); fuel ends a spinning plugin first.
const DEADLINE: Duration = Duration::from_secs(10);

/// The messages the host hands to every plugin, one request each.
const MESSAGES: &[&str] = &[
    "hello gopher",
    "hello ferris, hello crab",
    "gophers and crabs share one store today",
    "bye for now",
];

/// The host's data, shared by every plugin; each plugin sees only its own
/// namespace (the first half of the key).
pub type Shared = Arc<Mutex<BTreeMap<(String, String), Stored>>>;

/// A value in the shared data.
#[derive(Debug, Clone)]
pub struct Stored {
    value: Vec<u8>,
    version: u64,
}

/// What the host functions of one plugin instance borrow: the plugin's name
/// (its namespace) and the shared data.
#[derive(Debug)]
pub struct Store {
    plugin: String,
    data: Shared,
    /// Writes this instance made during the current call.
    writes: u32,
}

/// The typed API plugins get, as Go package `kv`, and the exports each
/// plugin implements (the `extern "Go"` block).
#[gohost::host_module(name = "kv", go_package = "kv", go_out = "plugins/kv")]
pub mod kv {
    use super::Store;
    use std::fmt;

    /// One stored pair.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Entry {
        /// The key, without the plugin's namespace.
        pub key: String,
        pub value: Vec<u8>,
        /// 1 for a new key, one more for each write.
        pub version: u64,
    }

    /// Why the store refused.
    #[derive(Debug, Clone, PartialEq)]
    pub enum KvError {
        /// No value under that key.
        NotFound { key: String },
        /// The value is larger than the store takes.
        TooLarge { limit: u32, size: u32 },
        /// A conditional write found another version (0: no value).
        Conflict { expected: u64, found: u64 },
        /// Keys are 1 to 64 bytes of text.
        InvalidKey { reason: String },
    }

    impl fmt::Display for KvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                KvError::NotFound { key } => write!(f, "no value under {key:?}"),
                KvError::TooLarge { limit, size } => {
                    write!(f, "value of {size} bytes is over the limit of {limit}")
                }
                KvError::Conflict { expected, found } => {
                    write!(f, "expected version {expected}, found {found}")
                }
                KvError::InvalidKey { reason } => write!(f, "invalid key: {reason}"),
            }
        }
    }

    /// What a plugin tells about itself.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Info {
        pub name: String,
        pub version: String,
        pub summary: String,
    }

    /// One request for a plugin.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Request {
        /// Counts from 1.
        pub id: u32,
        pub text: String,
    }

    /// A plugin's answer.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Response {
        pub reply: String,
        /// Keys the plugin wants the host to show.
        pub keys: Vec<String>,
    }

    /// Returns the entry under `key`.
    pub fn get(store: &mut Store, key: &str) -> Result<Entry, KvError> {
        store.get(key)
    }

    /// Stores `value` under `key` and returns its new version. With
    /// `expect`, only if the current version is that (0: no value yet).
    pub fn put(
        store: &mut Store,
        key: &str,
        value: &[u8],
        expect: Option<u64>,
    ) -> Result<u64, KvError> {
        store.put(key, value, expect)
    }

    /// Removes the entry under `key` and returns it.
    pub fn delete(store: &mut Store, key: &str) -> Result<Entry, KvError> {
        store.delete(key)
    }

    /// The entries whose key starts with `prefix`, in key order, at most
    /// `limit` of them.
    pub fn list(store: &Store, prefix: &str, limit: Option<u32>) -> Vec<Entry> {
        store.list(prefix, limit)
    }

    extern "Go" {
        /// Describes the plugin.
        pub fn info() -> Info;
        /// Handles one request, using the store.
        pub fn handle(req: &Request) -> Result<Response, String>;
    }
}

impl Store {
    fn new(plugin: &str, data: Shared) -> Self {
        Store {
            plugin: plugin.to_owned(),
            data,
            writes: 0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<(String, String), Stored>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot(&self, key: &str) -> Result<(String, String), kv::KvError> {
        if key.is_empty() || key.len() > 64 {
            return Err(kv::KvError::InvalidKey {
                reason: format!("{} bytes, keys have 1 to 64", key.len()),
            });
        }
        Ok((self.plugin.clone(), key.to_owned()))
    }

    fn get(&self, key: &str) -> Result<kv::Entry, kv::KvError> {
        let slot = self.slot(key)?;
        let data = self.lock();
        let s = data.get(&slot).ok_or_else(|| kv::KvError::NotFound {
            key: key.to_owned(),
        })?;
        Ok(entry(key, s))
    }

    fn put(&mut self, key: &str, value: &[u8], expect: Option<u64>) -> Result<u64, kv::KvError> {
        let slot = self.slot(key)?;
        if value.len() > MAX_VALUE_BYTES as usize {
            return Err(kv::KvError::TooLarge {
                limit: MAX_VALUE_BYTES,
                size: u32::try_from(value.len()).unwrap_or(u32::MAX),
            });
        }
        let mut data = self.data.lock().unwrap_or_else(|p| p.into_inner());
        let found = data.get(&slot).map_or(0, |s| s.version);
        if let Some(expected) = expect {
            if expected != found {
                return Err(kv::KvError::Conflict { expected, found });
            }
        }
        let version = found + 1;
        data.insert(
            slot,
            Stored {
                value: value.to_vec(),
                version,
            },
        );
        self.writes += 1;
        Ok(version)
    }

    fn delete(&mut self, key: &str) -> Result<kv::Entry, kv::KvError> {
        let slot = self.slot(key)?;
        let mut data = self.data.lock().unwrap_or_else(|p| p.into_inner());
        let s = data.remove(&slot).ok_or_else(|| kv::KvError::NotFound {
            key: key.to_owned(),
        })?;
        self.writes += 1;
        Ok(entry(key, &s))
    }

    fn list(&self, prefix: &str, limit: Option<u32>) -> Vec<kv::Entry> {
        let data = self.lock();
        data.iter()
            .filter(|((p, k), _)| *p == self.plugin && k.starts_with(prefix))
            .take(limit.map_or(usize::MAX, |l| l as usize))
            .map(|((_, k), s)| entry(k, s))
            .collect()
    }
}

fn entry(key: &str, s: &Stored) -> kv::Entry {
    kv::Entry {
        key: key.to_owned(),
        value: s.value.clone(),
        version: s.version,
    }
}

/// One loaded plugin: its instances, and what happened to its calls.
struct Plugin {
    name: String,
    pool: Pool<Store>,
    answered: u32,
    refused: u32,
    failed: u32,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kv-plugins: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let folder = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => build_plugins(),
    };

    let engine = Engine::new(Config::new().consume_fuel(true).interruptible(true));
    let data = Shared::default();
    let mut plugins = Vec::new();
    for path in wasm_files(&folder)? {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load(&engine, &path, &name, &data) {
            Ok(p) => plugins.push(p),
            Err(e) => say(format_args!("{name}: not loaded: {e}")),
        }
    }
    say(format_args!(
        "loaded {} plugin(s); each call gets {FUEL_PER_CALL} fuel and {} s, each instance {} MiB",
        plugins.len(),
        DEADLINE.as_secs(),
        MEMORY_LIMIT >> 20
    ));

    for (i, text) in MESSAGES.iter().enumerate() {
        let req = kv::Request {
            id: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: (*text).to_owned(),
        };
        say(format_args!("request {}: {:?}", req.id, req.text));
        for p in &mut plugins {
            serve(p, &req);
        }
    }

    say(format_args!("summary:"));
    let data = data.lock().unwrap_or_else(|p| p.into_inner());
    for p in &plugins {
        let stats = p.pool.stats();
        let keys = data.keys().filter(|(plugin, _)| *plugin == p.name).count();
        say(format_args!(
            "  {}: {} answered, {} refused, {} failed; {} instance(s) created, {} discarded; {keys} key(s) in the store",
            p.name, p.answered, p.refused, p.failed, stats.created, stats.discarded
        ));
    }
    Ok(())
}

/// The example's build step: builds each directory of `plugins/` that holds
/// a Go `main` package as a reactor, into one folder, and returns it.
fn build_plugins() -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins");
    let folder = gohost_build::out_dir().join("kv-plugins");
    let names = gohost_build::build_plugins(&src, &folder);
    say(format_args!(
        "built {} plugin(s): {}",
        names.len(),
        names.join(", ")
    ));
    folder
}

/// The `.wasm` files in `folder`, sorted by name.
fn wasm_files(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::Io {
        path: folder.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}

/// Compiles a plugin, makes its pool (with limits, and its output routed
/// through a `[name]` prefix), and asks it who it is.
fn load(engine: &Engine, path: &Path, name: &str, data: &Shared) -> Result<Plugin, Error> {
    let module = Module::from_file(engine, path)?;
    let mut linker = Linker::<Store>::new(engine);
    kv::add_to_linker(&mut linker, |s: &mut Store| s)?;
    let (state_name, wasi_name, data) = (name.to_owned(), name.to_owned(), data.clone());
    let pool = Pool::builder(linker, module, move || {
        Store::new(&state_name, data.clone())
    })
    .max_instances(1)
    .limits(
        Limits::new()
            .memory_bytes(MEMORY_LIMIT)
            .fuel_per_call(FUEL_PER_CALL)
            .deadline(DEADLINE),
    )
    .wasi(move || {
        let mut wasi = WasiConfig::new();
        wasi.stdout(prefixed(&wasi_name, false))
            .stderr(prefixed(&wasi_name, true));
        wasi
    })
    .build();
    let info = pool.call(kv::exports::info)?;
    say(format_args!(
        "loaded {name}.wasm: {} {}, {}",
        info.name, info.version, info.summary
    ));
    Ok(Plugin {
        name: name.to_owned(),
        pool,
        answered: 0,
        refused: 0,
        failed: 0,
    })
}

/// Sends `req` to a plugin and reports the outcome in one line.
fn serve(p: &mut Plugin, req: &kv::Request) {
    let result = p.pool.call(|inst| {
        inst.state_mut().writes = 0;
        let reply = kv::exports::handle(inst, req)?;
        Ok((reply, inst.state().writes))
    });
    match result {
        Ok((Ok(resp), writes)) => {
            p.answered += 1;
            let keys = if resp.keys.is_empty() {
                String::new()
            } else {
                format!(" [keys: {}]", resp.keys.join(", "))
            };
            say(format_args!(
                "  {}: {} ({writes} write(s)){keys}",
                p.name, resp.reply
            ));
        }
        // The plugin returned an error: an answer, the instance stays.
        Ok((Err(msg), _)) => {
            p.refused += 1;
            say(format_args!("  {}: refused: {msg}", p.name));
        }
        // A fault: the pool has dropped the instance.
        Err(e) => {
            p.failed += 1;
            say(format_args!("  {}: failed: {e}", p.name));
        }
    }
}

/// Routes a plugin's stream to the same stream of the host, one line at a
/// time, each prefixed with `[name] `.
fn prefixed(name: &str, stderr: bool) -> Output {
    let lines = Arc::new(Lines {
        prefix: format!("[{name}] "),
        stderr,
        pending: Mutex::new(Vec::new()),
    });
    Output::Callback(OutputCallback::new(move |bytes| lines.write(bytes)))
}

/// A line buffer for one stream of one instance; flushes what is left when
/// the instance is dropped.
struct Lines {
    prefix: String,
    stderr: bool,
    pending: Mutex<Vec<u8>>,
}

impl Lines {
    fn write(&self, bytes: &[u8]) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend_from_slice(bytes);
        while let Some(n) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=n).collect();
            self.emit(&line[..n]);
        }
    }

    fn emit(&self, line: &[u8]) {
        let text = format!("{}{}\n", self.prefix, String::from_utf8_lossy(line));
        // A closed host stream is not the plugin's fault; drop the line.
        let _ = if self.stderr {
            std::io::stderr().lock().write_all(text.as_bytes())
        } else {
            std::io::stdout().lock().write_all(text.as_bytes())
        };
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let pending = std::mem::take(self.pending.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !pending.is_empty() {
            self.emit(&pending);
        }
    }
}

/// Prints one line of the host's own report.
fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
