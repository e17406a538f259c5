//! gohost's plugin example: a host that loads every Go plugin in a folder,
//! offers each a typed key-value store, calls each plugin's typed exports,
//! and keeps serving the good plugins while bad ones panic, loop forever or
//! eat memory.
//!
//! ```text
//! cargo run -p kv-plugins                 # build plugins/*, then run them
//! cargo run -p kv-plugins -- some/folder  # run the plugins of a folder
//! cargo run -p kv-plugins -- --watch      # and keep serving, reloading
//!                                         # each plugin rebuilt meanwhile
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

use gohost::{Config, Engine, Error, Limits, Linker, Output, OutputCallback, Plugin, PluginSet};

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

/// What happened to one plugin's calls.
#[derive(Debug, Default)]
struct Tally {
    answered: u32,
    refused: u32,
    failed: u32,
}

/// The command line: `[--watch] [FOLDER]`.
struct Args {
    watch: bool,
    folder: Option<PathBuf>,
}

const USAGE: &str = "usage: kv-plugins [--watch] [FOLDER]";

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args {
            watch: false,
            folder: None,
        };
        for arg in std::env::args_os().skip(1) {
            match arg.to_str() {
                Some("--watch") => args.watch = true,
                Some(flag) if flag.starts_with('-') => {
                    return Err(format!("unknown option {flag}; {USAGE}"))
                }
                _ if args.folder.is_none() => args.folder = Some(PathBuf::from(arg)),
                _ => return Err(format!("one folder at most; {USAGE}")),
            }
        }
        Ok(args)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("kv-plugins: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kv-plugins: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let folder = match args.folder {
        Some(dir) => dir,
        None => build_plugins()?,
    };
    let data = Shared::default();
    let plugins = load(&folder, &data)?;
    say(format_args!(
        "loaded {} plugin(s); each call gets {FUEL_PER_CALL} fuel and {} s, each instance {} MiB",
        plugins.names().len(),
        DEADLINE.as_secs(),
        MEMORY_LIMIT >> 20
    ));

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut versions = BTreeMap::new();
    describe_new_versions(&plugins, &mut versions);
    for (i, text) in MESSAGES.iter().enumerate() {
        serve_round(&plugins, i, text, &mut tallies);
    }

    if args.watch {
        return Ok(watch(&plugins, &mut versions, &mut tallies)?);
    }
    say(format_args!("summary:"));
    let data = data.lock().unwrap_or_else(|p| p.into_inner());
    for plugin in plugins.plugins() {
        let name = plugin.name();
        let t = tallies.remove(name).unwrap_or_default();
        let stats = plugin.pool().stats();
        let keys = data.keys().filter(|(p, _)| p == name).count();
        say(format_args!(
            "  {name}: {} answered, {} refused, {} failed; {} instance(s) created, {} discarded; {keys} key(s) in the store",
            t.answered, t.refused, t.failed, stats.created, stats.discarded
        ));
    }
    Ok(())
}

/// The example's build step: builds each directory of `plugins/` that holds
/// a Go `main` package as a reactor, into one folder, and returns it.
fn build_plugins() -> Result<PathBuf, gohost_build::Error> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins");
    let folder = gohost_build::out_dir().join("kv-plugins");
    let names = gohost_build::try_build_plugins(&src, &folder)?;
    say(format_args!(
        "built {} plugin(s) into {}: {}",
        names.len(),
        folder.display(),
        names.join(", ")
    ));
    Ok(folder)
}

/// Loads every plugin of `folder` into a set: each in its own pool with
/// limits, its output routed through a `[name]` prefix, and a new version
/// taken only if it tells who it is (`info`, the health check).
fn load(folder: &Path, data: &Shared) -> Result<PluginSet<Store>, Error> {
    let engine = Engine::new(Config::new().consume_fuel(true).interruptible(true));
    let mut linker = Linker::<Store>::new(&engine);
    kv::add_to_linker(&mut linker, |s: &mut Store| s)?;
    let data = data.clone();
    PluginSet::builder(linker, move |name| Store::new(name, data.clone()))
        .max_instances(1)
        .limits(
            Limits::new()
                .memory_bytes(MEMORY_LIMIT)
                .fuel_per_call(FUEL_PER_CALL)
                .deadline(DEADLINE),
        )
        .wasi(|name, wasi| {
            wasi.stdout(prefixed(name, false))
                .stderr(prefixed(name, true));
        })
        .health_check(|plugin| kv::exports::info(plugin).map(drop))
        .on_change(|change| say(format_args!("{change}")))
        .load(folder)
}

/// Prints who each plugin is, for the plugins whose version is new since
/// `seen` was last updated.
fn describe_new_versions(plugins: &PluginSet<Store>, seen: &mut BTreeMap<String, u64>) {
    for plugin in plugins.plugins() {
        if seen.get(plugin.name()) == Some(&plugin.version()) {
            continue;
        }
        seen.insert(plugin.name().to_owned(), plugin.version());
        match plugin.call(kv::exports::info) {
            Ok(info) => say(format_args!(
                "  {} (version {}): {} {}, {}",
                plugin.name(),
                plugin.version(),
                info.name,
                info.version,
                info.summary
            )),
            Err(e) => say(format_args!("  {}: no info: {e}", plugin.name())),
        }
    }
    seen.retain(|name, _| plugins.get(name).is_some());
}

/// Sends request `i` to every plugin.
fn serve_round(
    plugins: &PluginSet<Store>,
    i: usize,
    text: &str,
    tallies: &mut BTreeMap<String, Tally>,
) {
    let req = kv::Request {
        id: u32::try_from(i + 1).unwrap_or(u32::MAX),
        text: text.to_owned(),
    };
    say(format_args!("request {}: {:?}", req.id, req.text));
    for plugin in plugins.plugins() {
        let tally = tallies.entry(plugin.name().to_owned()).or_default();
        serve(&plugin, &req, tally);
    }
}

/// `--watch`: reloads the set whenever its folder changes and keeps
/// sending requests, one round every two seconds, until interrupted.
fn watch(
    plugins: &PluginSet<Store>,
    versions: &mut BTreeMap<String, u64>,
    tallies: &mut BTreeMap<String, Tally>,
) -> Result<(), Error> {
    let _watch = plugins.watch()?;
    say(format_args!(
        "watching {}: rebuild a plugin there and the host switches to it (Ctrl-C to stop)",
        plugins.dir().display()
    ));
    for i in MESSAGES.len().. {
        std::thread::sleep(Duration::from_secs(2));
        describe_new_versions(plugins, versions);
        serve_round(plugins, i, MESSAGES[i % MESSAGES.len()], tallies);
    }
    Ok(())
}

/// Sends `req` to a plugin and reports the outcome in one line.
fn serve(plugin: &Plugin<Store>, req: &kv::Request, tally: &mut Tally) {
    let name = plugin.name();
    let result = plugin.call(|inst| {
        inst.state_mut().writes = 0;
        let reply = kv::exports::handle(inst, req)?;
        Ok((reply, inst.state().writes))
    });
    match result {
        Ok((Ok(resp), writes)) => {
            tally.answered += 1;
            let keys = if resp.keys.is_empty() {
                String::new()
            } else {
                format!(" [keys: {}]", resp.keys.join(", "))
            };
            say(format_args!(
                "  {name}: {} ({writes} write(s)){keys}",
                resp.reply
            ));
        }
        // The plugin returned an error: an answer, the instance stays.
        Ok((Err(msg), _)) => {
            tally.refused += 1;
            say(format_args!("  {name}: refused: {msg}"));
        }
        // A fault: the pool has dropped the instance.
        Err(e) => {
            tally.failed += 1;
            say(format_args!("  {name}: failed: {e}"));
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
