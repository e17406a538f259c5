//! The wasmtime engine of a gohost [`Engine`](crate::Engine): one
//! wasmtime engine, its module cache, and the epoch ticker of an
//! interruptible one.

use std::sync::Arc;

use super::cache;
use crate::engine::{Config, TICK};

/// A gohost engine on wasmtime. Cheap to clone; clones share the engine.
#[derive(Debug, Clone)]
pub struct WasmtimeEngine {
    pub(crate) inner: wasmtime::Engine,
    pub(crate) fuel: bool,
    /// Whether calls can have deadlines ([`Config::interruptible`]): epoch
    /// interruption is on and a ticker thread advances the epoch.
    pub(crate) interruptible: bool,
    /// Where compiled modules are cached; `None` when the cache is off.
    pub(crate) cache: Option<Arc<cache::Cache>>,
    /// The native stack a call needs free when it enters the guest: the
    /// guest's `max_wasm_stack` and room for host functions.
    pub(crate) entry_stack: usize,
}

impl WasmtimeEngine {
    /// An engine with the given settings.
    pub(crate) fn new(config: &Config) -> Self {
        let entry_stack = Config::entry_stack(config.max_wasm_stack);
        let mut c = wasmtime::Config::new();
        c.consume_fuel(config.fuel);
        c.epoch_interruption(config.interruptible);
        // Trap messages name the trap, as on wasmi, without a backtrace.
        c.wasm_backtrace_max_frames(None);
        c.max_wasm_stack(config.max_wasm_stack);
        // wasmtime-wasi turns on wasmtime's async support, which refuses a
        // guest stack larger than its fibers' stacks; those fibers get the
        // guest's stack and the host's room, as a thread does (see
        // `native_stack`).
        c.async_stack_size(entry_stack);
        let inner = wasmtime::Engine::new(&c)
            .expect("gohost: wasmtime rejected a fixed, valid configuration");
        let cache = config
            .cache
            .then(|| config.cache_dir.clone().or_else(cache::default_dir))
            .flatten()
            .map(|dir| Arc::new(cache::Cache::new(dir, &inner)));
        if config.interruptible {
            // Detached: it ends by itself with the engine.
            drop(start_ticker(&inner));
        }
        WasmtimeEngine {
            inner,
            fuel: config.fuel,
            interruptible: config.interruptible,
            cache,
            entry_stack,
        }
    }
}

/// Starts the engine's ticker: a thread that advances the epoch every
/// [`TICK`] for as long as the engine lives (its modules and stores hold it
/// too), and ends within a tick after the last of them is dropped.
fn start_ticker(engine: &wasmtime::Engine) -> std::thread::JoinHandle<()> {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("gohost-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        });
    // Without a ticker, deadlines would never fire: calls would run
    // unlimited. Failing to start a thread means the process is out of
    // resources; say so rather than run without the limit.
    spawned.expect("gohost: cannot start the epoch ticker thread")
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::TICK;

    #[test]
    fn the_ticker_ends_with_the_engine() {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine = wasmtime::Engine::new(&config).expect("engine");
        let ticker = super::start_ticker(&engine);
        // Something made from the engine keeps it (and the ticker) alive.
        let store = wasmtime::Store::new(&engine, ());
        drop(engine);
        std::thread::sleep(TICK * 5);
        assert!(!ticker.is_finished());
        drop(store);
        let started = Instant::now();
        while !ticker.is_finished() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the ticker outlived its engine"
            );
            std::thread::sleep(TICK);
        }
    }
}
