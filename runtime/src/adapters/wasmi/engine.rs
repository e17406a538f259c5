//! The wasmi engine of a gohost [`Engine`](crate::Engine): wasmi engines
//! in generations (see "Memory across reloads" there), made with the
//! settings of a [`Config`].

use std::sync::Arc;

use super::generations::Generations;
use crate::engine::Config;

/// A gohost engine on wasmi. Cheap to clone; clones share the same
/// generations.
#[derive(Debug, Clone)]
pub struct WasmiEngine {
    generations: Arc<Generations<wasmi::Engine>>,
    /// What each generation is made with.
    config: Arc<wasmi::Config>,
    /// Whether fuel limits were asked for ([`Config::consume_fuel`]).
    pub(crate) fuel: bool,
    /// Whether calls can have deadlines ([`Config::interruptible`]); the
    /// engine then meters fuel, to stop the guest between slices.
    pub(crate) interruptible: bool,
    /// The native stack a call needs free when it enters the guest: room
    /// for host functions (wasmi keeps the guest's own stack on the heap).
    pub(crate) entry_stack: usize,
}

impl WasmiEngine {
    /// An engine with the given settings.
    pub(crate) fn new(config: &Config) -> Self {
        let mut c = wasmi::Config::default();
        c.consume_fuel(config.fuel || config.interruptible);
        if config.interruptible {
            // Calls with a deadline run in fuel slices, but wasmi cannot
            // pause a call whose slice runs out while it compiles a function
            // lazily (the call fails as out of fuel). So compiling costs no
            // fuel on this engine, as on wasmtime; executing costs the same.
            c.fuel_cost(wasmi::CustomFuelCosts {
                bytes_copied_per_fuel: 64, // wasmi's default
                fuel_per_bytes_translated: 0,
                fuel_per_bytes_validated: 0,
            });
        }
        // The guest's stack, sized from the bytes wasmtime would give it
        // (see `Config::max_wasm_stack`). wasmi's defaults (1,000 frames)
        // end ordinary Go recursion early.
        c.set_max_recursion_depth(config.max_wasm_stack / MIN_FRAME_BYTES);
        c.set_max_stack_height(config.max_wasm_stack.saturating_mul(VALUES_PER_FRAME_BYTE));
        c.compilation_mode(if config.eager {
            wasmi::CompilationMode::Eager
        } else {
            wasmi::CompilationMode::Lazy
        });
        WasmiEngine {
            generations: Arc::new(Generations::new(
                wasmi::Engine::new(&c),
                config.generation_budget,
            )),
            config: Arc::new(c),
            fuel: config.fuel,
            interruptible: config.interruptible,
            entry_stack: Config::entry_stack(0),
        }
    }

    /// The wasmi engine that compiles a module of `bytes` bytes of wasm
    /// (see [`Generations::for_module`]).
    pub(crate) fn for_module(&self, bytes: usize) -> wasmi::Engine {
        self.generations
            .for_module(bytes, || wasmi::Engine::new(&self.config))
    }

    /// The current generation's wasmi engine.
    pub(crate) fn current(&self) -> wasmi::Engine {
        self.generations.current()
    }

    /// Whether `engine` is the current generation.
    pub(crate) fn is_current(&self, engine: &wasmi::Engine) -> bool {
        wasmi::Engine::same(&self.current(), engine)
    }

    /// How many engine generations this engine has made.
    pub(crate) fn generations(&self) -> u64 {
        self.generations.made()
    }
}

/// The smallest frame wasmtime makes for a call on x86-64 and aarch64 (a
/// return address and a frame pointer): no depth that fits in wasmtime's
/// stack has more frames than its bytes over this.
const MIN_FRAME_BYTES: usize = 16;

/// wasmi's value stack in bytes for each byte of wasmtime's stack. Go's
/// frames take less of wasmi's value stack than of wasmtime's native
/// stack: with the same number of bytes, a plain recursive Go function and
/// a recursive tree walk went twice as deep on wasmi (measured with
/// `tests/guests/deep`; see `Config::max_wasm_stack`). 4 leaves room for
/// functions that keep more values live than those.
const VALUES_PER_FRAME_BYTE: usize = 4;
