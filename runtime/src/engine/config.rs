//! The settings of an [`Engine`](crate::Engine), the same for both engines.

use std::path::PathBuf;

use super::kind::EngineKind;

/// Settings for an [`Engine`](crate::Engine).
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) engine: EngineKind,
    pub(crate) fuel: bool,
    pub(crate) interruptible: bool,
    pub(crate) eager: bool,
    pub(crate) cache: bool,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) max_wasm_stack: usize,
    pub(crate) generation_budget: usize,
}

/// The guest's stack by default: what Go's own runner gives it
/// (`go_wasip1_wasm_exec` runs wasmtime with `-W max-wasm-stack=8388608`).
const DEFAULT_MAX_WASM_STACK: usize = 8 << 20;

/// Native stack kept free under the guest's for what runs between its
/// frames and below them: host functions, WASI, the engine's own calls.
/// A Rust thread's whole stack is 2 MiB by default; host functions that
/// need more should not recurse on it.
const HOST_STACK: usize = 1 << 20;

/// The smallest guest stack [`Config::max_wasm_stack`] sets (wasmtime
/// refuses none at all).
const MIN_WASM_STACK: usize = 64 << 10;

/// The largest: a stack gohost may have to map for a call, so it stays a
/// size that can be mapped.
const MAX_WASM_STACK: usize = 1 << 30;

/// The wasm bytes one engine generation compiles by default (see
/// [`Config::generation_budget`]).
const DEFAULT_GENERATION_BUDGET: usize = 32 << 20;

impl Default for Config {
    fn default() -> Self {
        Config {
            engine: EngineKind::default(),
            fuel: false,
            interruptible: false,
            eager: false,
            cache: true,
            cache_dir: None,
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            generation_budget: DEFAULT_GENERATION_BUDGET,
        }
    }
}

impl Config {
    /// The defaults: the default engine ([`EngineKind::default`]), lazy
    /// compilation (wasmi), no fuel metering, not interruptible, the module
    /// cache on (wasmtime).
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts executed instructions so that calls can be limited
    /// (costs some speed).
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.fuel = enable;
        self
    }

    /// Lets calls be stopped from outside, so that instances can have a
    /// [`Limits::deadline`](crate::Limits::deadline); instantiating with a
    /// deadline on an engine without it is an [`Error::Config`](crate::Error::Config).
    ///
    /// On wasmi this turns on fuel metering (the guest runs in slices of
    /// fuel, and the clock is read between slices); on wasmtime it turns on
    /// epoch interruption, with one background thread per engine that
    /// advances the epoch every 2 ms while the engine (or anything made
    /// from it) lives. Either costs a little speed in guest code (about
    /// 3% on wasmi, 5% on wasmtime, on a Go compute loop); an engine
    /// without it pays nothing.
    ///
    /// On wasmi, an interruptible engine charges no fuel for compiling
    /// functions lazily (wasmi cannot pause a call in the middle of a
    /// compilation), as wasmtime never does; executing costs the same fuel
    /// as on any engine with [`consume_fuel`](Self::consume_fuel).
    ///
    /// ```
    /// use std::time::Duration;
    /// use gohost::{Config, Engine, Limits};
    ///
    /// let engine = Engine::new(Config::new().interruptible(true));
    /// let limits = Limits::new().deadline(Duration::from_secs(2));
    /// # let _ = (engine, limits);
    /// ```
    pub fn interruptible(&mut self, enable: bool) -> &mut Self {
        self.interruptible = enable;
        self
    }

    /// Compiles every function when the module is loaded instead of on its
    /// first call. Lazy compilation (the default) makes Go programs start
    /// several times faster, since a Go binary calls few of its functions.
    ///
    /// wasmi only: wasmtime always compiles the whole module (and caches
    /// the result, see [`cache`](Self::cache)).
    pub fn eager_compilation(&mut self, enable: bool) -> &mut Self {
        self.eager = enable;
        self
    }

    /// Whether [`Module::from_file`](crate::Module::from_file) keeps compiled code in the module cache
    /// and loads it from there next time (default: yes).
    ///
    /// wasmtime only; wasmi compiles lazily and has nothing
    /// worth caching. Entries are keyed by a SHA-256 of the wasm bytes and a
    /// fingerprint of wasmtime's version and compilation settings; an entry
    /// that is corrupt, truncated or from another build is ignored and
    /// rewritten. Compiled code is mapped from its file rather than copied,
    /// and a file unchanged since it was last loaded (same device, inode,
    /// size, modification and change times, and left alone for 3 seconds)
    /// is not read or hashed again. The directory is [`cache_dir`](Self::cache_dir), else
    /// `$GOHOST_CACHE_DIR`, else `$XDG_CACHE_HOME/gohost`, else
    /// `~/.cache/gohost`.
    pub fn cache(&mut self, enable: bool) -> &mut Self {
        self.cache = enable;
        self
    }

    /// The module cache's directory (see [`cache`](Self::cache)); created
    /// when first written.
    pub fn cache_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// How deep a guest may recurse, as the bytes of native stack its
    /// frames may take on wasmtime. The default, 8 MiB, is what Go's own
    /// runner gives (`go_wasip1_wasm_exec` runs wasmtime with it): a plain
    /// recursive Go function then goes about 610,000 calls deep on wasmtime
    /// and 1,220,000 on wasmi, and `encoding/json` decodes documents nested
    /// as deep as it allows (10,000). A guest that goes deeper traps with
    /// `call stack exhausted`; the host is unharmed. Values are clamped to
    /// between 64 KiB and 1 GiB.
    ///
    /// wasmi keeps the guest's stack on the heap. This setting sizes it so
    /// that every depth that runs on wasmtime runs on wasmi too: at most
    /// `bytes / 16` frames (the smallest frame wasmtime makes) and
    /// `bytes * 4` bytes of values (Go's frames take less of wasmi's value
    /// stack than of wasmtime's native one; measured, this gives twice
    /// wasmtime's depth).
    ///
    /// What it costs: nothing until a guest recurses, and then memory for
    /// the depth it reaches, per running call rather than per instance. On
    /// wasmtime that is the calling thread's stack (see below); on wasmi a
    /// heap buffer that wasmi keeps for later calls (two per engine). With
    /// the default, a guest that recurses without end peaks at about 56 MB
    /// of RSS under `gohost run` on wasmtime and 110 MB on wasmi.
    ///
    /// The calling thread: wasmtime runs guest code on the thread that
    /// calls it, and a thread's stack may be smaller than what the guest is
    /// allowed (a `std::thread` has 2 MiB). When a call enters the guest,
    /// gohost checks that the thread has this much stack left and 1 MiB
    /// more for host functions; a thread that has not runs the call on a
    /// stack of that size which gohost maps for it once and keeps (only the
    /// pages the guest touched take memory). So calls are safe from any
    /// thread, and cost the same where the thread has room.
    ///
    /// ```
    /// use gohost::{Config, Engine};
    ///
    /// // A guest that must never recurse more than about 1 MiB deep.
    /// let engine = Engine::new(Config::new().max_wasm_stack(1 << 20));
    /// # let _ = engine;
    /// ```
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes.clamp(MIN_WASM_STACK, MAX_WASM_STACK);
        self
    }

    /// How many bytes of wasm one engine generation compiles before new
    /// modules go to a fresh one (default: 32 MiB); see "Memory across
    /// reloads" at [`Engine`](crate::Engine). It bounds what modules that were dropped can
    /// leave behind: at most about this much wasm (its compiled code is
    /// about as large with lazy compilation, a few times larger with
    /// [`eager_compilation`](Self::eager_compilation)) per generation that
    /// something still holds. A smaller budget frees sooner and makes
    /// generations more often (each costs a new engine, and WASI and the
    /// host functions registered again in every [`Linker`](crate::Linker)
    /// that instantiates its modules, tens of microseconds); a module larger
    /// than the budget gets a generation of its own.
    ///
    /// wasmi only: wasmtime frees a module's code when the module and its
    /// instances are dropped.
    ///
    /// ```
    /// use gohost::{Config, Engine};
    ///
    /// // A host that reloads small plugins often, and keeps little around.
    /// let engine = Engine::new(Config::new().generation_budget(8 << 20));
    /// # let _ = engine;
    /// ```
    pub fn generation_budget(&mut self, bytes: usize) -> &mut Self {
        self.generation_budget = bytes;
        self
    }

    /// Which engine runs the guests (default: [`EngineKind::default`],
    /// which follows `GOHOST_ENGINE` and the `jit` feature). Making an
    /// [`Engine`](crate::Engine) of a kind this build lacks panics; see
    /// [`EngineKind::is_available`].
    ///
    /// ```
    /// use gohost::{Config, Engine, EngineKind};
    ///
    /// let kind = if EngineKind::Wasmtime.is_available() {
    ///     EngineKind::Wasmtime
    /// } else {
    ///     EngineKind::Wasmi
    /// };
    /// let engine = Engine::new(Config::new().engine(kind));
    /// assert_eq!(engine.kind(), kind);
    /// ```
    pub fn engine(&mut self, kind: EngineKind) -> &mut Self {
        self.engine = kind;
        self
    }

    /// The native stack a call must find free when it enters a guest
    /// whose own frames take `guest` bytes of it (see `native_stack`):
    /// those, and room for host functions.
    pub(crate) fn entry_stack(guest: usize) -> usize {
        guest.saturating_add(HOST_STACK)
    }
}
