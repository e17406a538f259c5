//! Plugin sets: every plugin of a folder, each in its own [`Pool`], swapped
//! for its new version when its files change (see [`PluginSet`]).

mod scan;
#[cfg(feature = "watch")]
mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::engine::Module;
use crate::error::Error;
use crate::instance::Instance;
use crate::limits::Limits;
use crate::linker::Linker;
use crate::manifest::Manifest;
use crate::pool::BoxFuture;
use crate::pool::{Pool, Reuse};
use crate::wasi::WasiConfig;

#[cfg(feature = "watch")]
pub use watch::Watch;

type StateFactory<S> = Arc<dyn Fn(&str) -> S + Send + Sync>;
type WasiHook = Arc<dyn Fn(&str, &mut WasiConfig) + Send + Sync>;
type SyncCheck<S> = Box<dyn Fn(&mut Instance<S>) -> Result<(), Error> + Send + Sync>;
type AsyncCheck<S> =
    Box<dyn for<'i> Fn(&'i mut Instance<S>) -> BoxFuture<'i, Result<(), Error>> + Send + Sync>;
type ChangeHook = Box<dyn Fn(&Change) + Send + Sync>;

/// Every plugin of a folder, by name, each in its own [`Pool`]; reloaded
/// with [`reload`](Self::reload), or on every change with
/// [`watch`](Self::watch).
///
/// The folder's plugins:
/// - `NAME.toml`, a [`Manifest`]: the plugin `NAME`, with the module, the
///   limits, directories, environment and configuration it names;
/// - `NAME.wasm` that no manifest governs: the plugin `NAME`, with the
///   set's limits.
///
/// [`reload`](Self::reload) (or a [`watch`](Self::watch)er, on every change
/// of the folder) compares the folder with what is loaded, and
/// - loads a new plugin, or a new version of a loaded one, in full before
///   anything changes: compiled, linked, started (`_initialize`) and
///   answering the health check on an instance of its own;
/// - then swaps it in atomically: new calls go to the new version; calls in
///   flight finish on the old one, whose pool (instances, module and, on
///   wasmi, the engine generation holding its code) is freed when the last
///   of them ends;
/// - refuses a version that fails any step, with the reason, and keeps the
///   old one serving;
/// - retires a plugin whose files are gone.
///
/// `PluginSet` is `Send + Sync` and cheap to clone (clones share the
/// plugins): call from any thread or task.
///
/// ```no_run
/// use gohost::{Config, Engine, Limits, Linker, PluginSet};
///
/// let engine = Engine::new(Config::new().consume_fuel(true));
/// let linker = Linker::<()>::new(&engine);
/// let plugins = PluginSet::builder(linker, |_name| ())
///     .limits(Limits::new().memory_bytes(64 << 20).fuel_per_call(1_000_000_000))
///     .on_change(|change| eprintln!("{change}"))
///     .load("plugins")?;
/// let _watch = plugins.watch()?; // reloads on every change of the folder
/// let sum: i32 = plugins.call("adder", |plugin| plugin.call("add", (2i32, 3i32)))?;
/// # Ok::<(), gohost::Error>(())
/// ```
pub struct PluginSet<S: 'static> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for PluginSet<S> {
    fn clone(&self) -> Self {
        PluginSet {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S> fmt::Debug for PluginSet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginSet")
            .field("dir", &self.shared.dir)
            .field("plugins", &self.shared.read().keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

struct Shared<S: 'static> {
    dir: PathBuf,
    linker: Arc<Linker<S>>,
    options: Options<S>,
    /// What new calls get.
    plugins: RwLock<BTreeMap<String, Arc<Plugin<S>>>>,
    /// Held by the reload in progress (one at a time); the fingerprints of
    /// the versions refused last, so a file that stays broken is reported
    /// once.
    refused: Mutex<BTreeMap<String, String>>,
    versions: AtomicU64,
}

struct Options<S: 'static> {
    new_state: StateFactory<S>,
    wasi: Option<WasiHook>,
    limits: Limits,
    max_instances: Option<usize>,
    reuse: Reuse,
    health: Option<SyncCheck<S>>,
    health_async: Option<AsyncCheck<S>>,
    on_change: Option<ChangeHook>,
    debounce: Duration,
}

/// Configures a [`PluginSet`]; from [`PluginSet::builder`].
pub struct PluginSetBuilder<S: 'static> {
    linker: Linker<S>,
    options: Options<S>,
}

impl<S> fmt::Debug for PluginSetBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginSetBuilder")
            .field("limits", &self.options.limits)
            .finish_non_exhaustive()
    }
}

/// One version of one plugin: its pool, and where it came from. Hold the
/// `Arc` ([`PluginSet::get`]) to make several calls to the same version.
pub struct Plugin<S: 'static> {
    name: String,
    version: u64,
    sha256: String,
    fingerprint: String,
    wasm: PathBuf,
    manifest: Option<Manifest>,
    pool: Pool<S>,
}

impl<S> fmt::Debug for Plugin<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// What a reload did to one plugin.
#[derive(Debug)]
#[non_exhaustive]
pub enum Change {
    /// A new plugin serves.
    Added {
        /// The plugin's name.
        name: String,
        /// Its version number in the set.
        version: u64,
    },
    /// A new version of a plugin serves; calls in flight finish on the
    /// previous one.
    Replaced {
        /// The plugin's name.
        name: String,
        /// The new version's number.
        version: u64,
        /// The version it replaced.
        previous: u64,
    },
    /// The plugin's files are gone; it no longer serves.
    Removed {
        /// The plugin's name.
        name: String,
        /// The version that served last.
        version: u64,
    },
    /// A new plugin, or a new version, failed to load, link, start or
    /// answer the health check.
    Refused {
        /// The plugin's name.
        name: String,
        /// Why.
        error: Error,
        /// The version that keeps serving, if one does.
        serving: Option<u64>,
    },
}

impl Change {
    /// The plugin the change is about.
    pub fn name(&self) -> &str {
        match self {
            Change::Added { name, .. }
            | Change::Replaced { name, .. }
            | Change::Removed { name, .. }
            | Change::Refused { name, .. } => name,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added { name, version } => write!(f, "{name}: loaded (version {version})"),
            Change::Replaced {
                name,
                version,
                previous,
            } => write!(f, "{name}: replaced version {previous} with {version}"),
            Change::Removed { name, version } => {
                write!(f, "{name}: removed (was version {version})")
            }
            Change::Refused {
                name,
                error,
                serving: Some(v),
            } => write!(
                f,
                "{name}: new version refused, version {v} keeps serving: {error}"
            ),
            Change::Refused {
                name,
                error,
                serving: None,
            } => write!(f, "{name}: not loaded: {error}"),
        }
    }
}

impl<S: Send + 'static> PluginSet<S> {
    /// A builder for a set whose plugins are linked by `linker` (shared by
    /// every plugin) and whose instances get the state
    /// `new_state(plugin_name)`.
    pub fn builder(
        linker: Linker<S>,
        new_state: impl Fn(&str) -> S + Send + Sync + 'static,
    ) -> PluginSetBuilder<S> {
        PluginSetBuilder {
            linker,
            options: Options {
                new_state: Arc::new(new_state),
                wasi: None,
                limits: Limits::new(),
                max_instances: None,
                reuse: Reuse::default(),
                health: None,
                health_async: None,
                on_change: None,
                debounce: Duration::from_millis(100),
            },
        }
    }

    /// The folder the set loads from.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The version of plugin `name` that new calls get.
    pub fn get(&self, name: &str) -> Option<Arc<Plugin<S>>> {
        self.shared.read().get(name).cloned()
    }

    /// The names of the plugins that serve, in order.
    pub fn names(&self) -> Vec<String> {
        self.shared.read().keys().cloned().collect()
    }

    /// The plugins that serve, in name order.
    pub fn plugins(&self) -> Vec<Arc<Plugin<S>>> {
        self.shared.read().values().cloned().collect()
    }

    /// Runs `f` with an instance of the current version of plugin `name`
    /// (see [`Pool::call`]). Fails with [`Error::UnknownPlugin`] when no
    /// plugin of that name serves.
    pub fn call<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut Instance<S>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.plugin(name)?.pool.call(f)
    }

    /// [`call`](Self::call) from async code (see [`Pool::call_async`]).
    pub async fn call_async<R, F>(&self, name: &str, f: F) -> Result<R, Error>
    where
        F: for<'i> FnOnce(&'i mut Instance<S>) -> BoxFuture<'i, Result<R, Error>>,
    {
        let plugin = self.plugin(name)?;
        plugin.pool.call_async(f).await
    }

    fn plugin(&self, name: &str) -> Result<Arc<Plugin<S>>, Error> {
        self.get(name).ok_or_else(|| Error::UnknownPlugin {
            name: name.to_owned(),
        })
    }

    /// Compares the folder with what is loaded and applies the difference
    /// (see [`PluginSet`]): the changes, which also go
    /// to [`PluginSetBuilder::on_change`] and to `tracing` (target
    /// `gohost::plugins`). Plugins that did not change are left alone, and
    /// a version refused before is not tried again until its files change.
    ///
    /// Blocks while it compiles and starts new versions; from async code,
    /// call it in `spawn_blocking`. Fails only when the folder cannot be
    /// read, and then changes nothing.
    pub fn reload(&self) -> Result<Vec<Change>, Error> {
        let shared = &*self.shared;
        let mut refused = shared.refused.lock().unwrap_or_else(|p| p.into_inner());
        let found = scan::scan(&shared.dir)?;
        let present: BTreeSet<String> = found.keys().cloned().collect();
        let current = shared.read().clone();
        let mut changes: Vec<Change> = found
            .into_iter()
            .filter_map(|(name, found)| {
                let serving = current.get(&name);
                shared.update(name, found, serving.map(|p| &**p), &mut refused)
            })
            .collect();
        // A plugin whose files are gone retires; one whose files are there
        // but broken keeps serving (refused above).
        for (name, plugin) in &current {
            if !present.contains(name) {
                shared.write().remove(name);
                changes.push(Change::Removed {
                    name: name.clone(),
                    version: plugin.version,
                });
            }
        }
        refused.retain(|name, _| present.contains(name));
        drop(refused);
        for change in &changes {
            shared.report(change);
        }
        Ok(changes)
    }

    /// Watches the folder and reloads the set shortly after each change
    /// (once writes have paused: [`PluginSetBuilder::debounce`]), on a
    /// thread of its own, until the returned
    /// [`Watch`] is dropped. Changes go to
    /// [`on_change`](PluginSetBuilder::on_change) and `tracing`.
    ///
    /// Modules that a manifest names outside the folder are not watched:
    /// touch the manifest, or call [`reload`](Self::reload).
    #[cfg(feature = "watch")]
    pub fn watch(&self) -> Result<Watch, Error> {
        Watch::start(self.clone(), self.shared.options.debounce)
    }
}

impl<S: Send + 'static> PluginSetBuilder<S> {
    /// The most instances of each plugin alive at once (default: as
    /// [`PoolBuilder::max_instances`](crate::PoolBuilder::max_instances)).
    #[must_use]
    pub fn max_instances(mut self, n: usize) -> Self {
        self.options.max_instances = Some(n);
        self
    }

    /// The limits of each plugin's instances (default: none). A manifest's
    /// `[limits]` replace those it sets.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// The reuse policy of each plugin's pool (default: [`Reuse::UntilFault`]).
    #[must_use]
    pub fn reuse(mut self, reuse: Reuse) -> Self {
        self.options.reuse = reuse;
        self
    }

    /// Adjusts what each new instance of plugin `name` sees through WASI,
    /// starting from its manifest's ([`Manifest::wasi`]) or a closed
    /// sandbox: route its output, add arguments...
    #[must_use]
    pub fn wasi(mut self, f: impl Fn(&str, &mut WasiConfig) + Send + Sync + 'static) -> Self {
        self.options.wasi = Some(Arc::new(f));
        self
    }

    /// A check every new version must pass before it serves, run on a
    /// started instance of it (which then serves calls): call an export
    /// (a health or info function, a request with a known answer) and
    /// return an error to refuse the version. Plugins that import async
    /// host functions have async instances and take
    /// [`health_check_async`](Self::health_check_async) instead; a set
    /// serving both kinds needs both.
    ///
    /// ```no_run
    /// # use gohost::{Engine, Linker, PluginSet};
    /// # let linker = Linker::<()>::new(&Engine::default());
    /// let plugins = PluginSet::builder(linker, |_| ())
    ///     .health_check(|plugin| match plugin.call::<(), i32>("health", ())? {
    ///         0 => Ok(()),
    ///         code => Err(gohost::Error::Config(format!("health check returned {code}"))),
    ///     })
    ///     .load("plugins")?;
    /// # Ok::<(), gohost::Error>(())
    /// ```
    #[must_use]
    pub fn health_check(
        mut self,
        f: impl Fn(&mut Instance<S>) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Self {
        self.options.health = Some(Box::new(f));
        self
    }

    /// The health check of plugins that import async host functions, whose
    /// instances are async ([`Linker::instantiate_async`]). It runs, with
    /// the start of each new version, on a thread of the reload with a
    /// current-thread Tokio runtime of its own (timers enabled): `load` and
    /// `reload` stay sync, and work inside or outside a runtime.
    #[must_use]
    pub fn health_check_async(
        mut self,
        f: impl for<'i> Fn(&'i mut Instance<S>) -> BoxFuture<'i, Result<(), Error>>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        self.options.health_async = Some(Box::new(f));
        self
    }

    /// Called with each change a reload makes (plugins added, replaced,
    /// removed or refused), on the thread that reloads.
    #[must_use]
    pub fn on_change(mut self, f: impl Fn(&Change) + Send + Sync + 'static) -> Self {
        self.options.on_change = Some(Box::new(f));
        self
    }

    /// How long a [`watch`](PluginSet::watch)er waits after a change of the
    /// folder for the next one before it reloads (default: 100 ms): a
    /// build writes a module in several steps, and a reload of a module
    /// half written would only refuse it.
    #[must_use]
    pub fn debounce(mut self, quiet: Duration) -> Self {
        self.options.debounce = quiet;
        self
    }

    /// The set of the plugins in `dir`, loaded as by
    /// [`PluginSet::reload`]; plugins that cannot be loaded are refused
    /// (reported to [`on_change`](Self::on_change)), not errors. Fails when
    /// the folder cannot be read.
    pub fn load(self, dir: impl AsRef<Path>) -> Result<PluginSet<S>, Error> {
        let set = PluginSet {
            shared: Arc::new(Shared {
                dir: dir.as_ref().to_owned(),
                linker: Arc::new(self.linker),
                options: self.options,
                plugins: RwLock::new(BTreeMap::new()),
                refused: Mutex::new(BTreeMap::new()),
                versions: AtomicU64::new(0),
            }),
        };
        set.reload()?;
        Ok(set)
    }
}

impl<S> Shared<S> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Plugin<S>>>> {
        // Only whole `Arc`s are ever stored: a panic leaves no half-made entry.
        self.plugins.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Plugin<S>>>> {
        self.plugins.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl<S: Send + 'static> Shared<S> {
    /// Brings plugin `name` up to date with what the folder holds for it,
    /// if that differs from the version `serving` (and from the version
    /// refused last, in `refused`): the change, if any.
    fn update(
        &self,
        name: String,
        found: Result<scan::Found, Error>,
        serving: Option<&Plugin<S>>,
        refused: &mut BTreeMap<String, String>,
    ) -> Option<Change> {
        let found = match found {
            Ok(f) if serving.is_some_and(|p| p.fingerprint == f.fingerprint) => {
                refused.remove(&name);
                return None;
            }
            Ok(f) => f,
            // Report a broken or unreadable file once.
            Err(e) if refused.get(&name) == Some(&e.to_string()) => return None,
            Err(error) => {
                refused.insert(name.clone(), error.to_string());
                return Some(Change::Refused {
                    serving: serving.map(|p| p.version),
                    name,
                    error,
                });
            }
        };
        if refused.get(&name) == Some(&found.fingerprint) {
            return None;
        }
        let plugin = match self.start(&name, &found) {
            Ok(plugin) => plugin,
            Err(error) => {
                refused.insert(name.clone(), found.fingerprint);
                return Some(Change::Refused {
                    serving: serving.map(|p| p.version),
                    name,
                    error,
                });
            }
        };
        refused.remove(&name);
        let version = plugin.version;
        self.write().insert(name.clone(), Arc::new(plugin));
        Some(match serving {
            Some(previous) => Change::Replaced {
                name,
                version,
                previous: previous.version,
            },
            None => Change::Added { name, version },
        })
    }

    /// A new version of plugin `name`, compiled, linked, started and
    /// checked: ready to serve.
    fn start(&self, name: &str, found: &scan::Found) -> Result<Plugin<S>, Error> {
        let module = Module::from_file_bytes(self.linker.engine(), &found.wasm_path, &found.wasm)?;
        let needs_async = self.linker.async_import(&module).is_some();
        let mut limits = self.options.limits;
        let mut base = WasiConfig::new();
        if let Some(manifest) = &found.manifest {
            limits = limits.overridden_by(manifest.limits());
            base = manifest.wasi();
        }
        let shared_name: Arc<str> = name.into();
        let options = &self.options;
        let mut builder = {
            let name = Arc::clone(&shared_name);
            let state = Arc::clone(&options.new_state);
            Pool::builder(Arc::clone(&self.linker), module, move || state(&name))
        };
        // Spans of its calls name the plugin.
        builder = builder.name(name).limits(limits).reuse(options.reuse);
        if let Some(n) = options.max_instances {
            builder = builder.max_instances(n);
        }
        let wasi_hook = options.wasi.clone();
        let pool = builder
            .wasi(move || {
                let mut wasi = base.clone();
                if let Some(hook) = &wasi_hook {
                    hook(&shared_name, &mut wasi);
                }
                wasi
            })
            .build();
        match (needs_async, &options.health, &options.health_async) {
            (true, Some(_), None) => {
                return Err(Error::Config(format!(
                    "{name} imports async host functions, so its instances are async and \
                     its health check must be too: give the set health_check_async"
                )))
            }
            (false, None, Some(_)) => {
                return Err(Error::Config(format!(
                    "{name} imports no async host function, so its instances are sync and \
                     its health check must be too: give the set health_check"
                )))
            }
            (true, _, check) => check_async(&pool, check.as_ref())?,
            (false, check, _) => pool.call(|plugin| match check {
                Some(check) => check(plugin),
                None => Ok(()),
            })?,
        }
        Ok(Plugin {
            name: name.to_owned(),
            version: self.versions.fetch_add(1, Ordering::Relaxed) + 1,
            sha256: found.sha256.clone(),
            fingerprint: found.fingerprint.clone(),
            wasm: found.wasm_path.clone(),
            manifest: found.manifest.clone(),
            pool,
        })
    }

    fn report(&self, change: &Change) {
        match change {
            Change::Refused { .. } => {
                tracing::warn!(target: "gohost::plugins", dir = %self.dir.display(), "{change}");
            }
            _ => tracing::info!(target: "gohost::plugins", dir = %self.dir.display(), "{change}"),
        }
        if let Some(f) = &self.options.on_change {
            f(change);
        }
    }
}

impl<S: Send + 'static> Plugin<S> {
    /// The plugin's name: its manifest's or module's file name without the
    /// extension.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This version's number: versions of a set count up from 1, across
    /// all its plugins.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The SHA-256 of this version's module (lower-case hex).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The module file this version was loaded from.
    pub fn wasm_path(&self) -> &Path {
        &self.wasm
    }

    /// This version's manifest, if it has one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// This version's pool (its statistics, or calls).
    pub fn pool(&self) -> &Pool<S> {
        &self.pool
    }

    /// Runs `f` with an instance of this version (see [`Pool::call`]).
    pub fn call<R>(
        &self,
        f: impl FnOnce(&mut Instance<S>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.pool.call(f)
    }

    /// Runs `f` with an async instance of this version (see
    /// [`Pool::call_async`]).
    pub async fn call_async<R, F>(&self, f: F) -> Result<R, Error>
    where
        F: for<'i> FnOnce(&'i mut Instance<S>) -> BoxFuture<'i, Result<R, Error>>,
    {
        self.pool.call_async(f).await
    }
}

/// Starts and checks a new version that imports async host functions, on a
/// thread with a runtime of its own: the caller may be a thread of another
/// runtime, which must not block on one (and a current-thread runtime's
/// timers would not run while it did).
fn check_async<S: Send + 'static>(
    pool: &Pool<S>,
    check: Option<&AsyncCheck<S>>,
) -> Result<(), Error> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .map_err(|e| Error::Config(format!("cannot start a Tokio runtime: {e}")))?;
                runtime.block_on(pool.call_async(|plugin| match check {
                    Some(check) => check(plugin),
                    None => Box::pin(std::future::ready(Ok(()))),
                }))
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
