//! Host Go programs and plugins in Rust.
//!
//! gohost runs Go code compiled with `GOOS=wasip1 GOARCH=wasm` on an
//! embedded WebAssembly engine ([wasmi], an interpreter, by default; or
//! [wasmtime], a JIT compiler, with the `jit` cargo feature), with WASI
//! preview 1 for files, clocks, randomness and standard streams, and lets Go
//! call typed Rust functions declared with [`host_module`]. Both engines
//! have the same API; code and generated bindings do not change with the
//! feature.
//!
//! Run a Go program:
//!
//! ```no_run
//! use gohost::{Engine, Linker, Module, WasiConfig};
//!
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "hello.wasm")?;
//! let linker = Linker::<()>::new(&engine);
//! let mut wasi = WasiConfig::new();
//! wasi.arg("hello").inherit_stdio();
//! let code = linker.instantiate(&module, &wasi, ())?.run()?;
//! std::process::exit(code);
//! # Ok::<(), gohost::Error>(())
//! ```
//!
//! Async hosts: host functions may be `async fn`s that await I/O, and
//! guests are called from async code with
//! [`Linker::instantiate_async`], [`Instance::call_async`] and
//! [`Pool::call_async`], which yield to the executor while the guest
//! computes or sleeps (see the README's "Async hosts").
//!
//! [wasmi]: https://docs.rs/wasmi
//! [wasmtime]: https://docs.rs/wasmtime

mod abi;
mod engine;
mod error;
mod limits;
mod manifest;
mod plugins;
mod pool;
mod wasi;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use engine::{
    Caller, CancelHandle, Config, Engine, HostCall, Instance, IntoAsyncHostFunc, IntoHostFunc,
    Linker, Module, WasmParams, WasmResult, WasmResults, WasmValue, ENGINE_NAME,
};
pub use error::{Error, Trap};
pub use gohost_macros::host_module;
pub use limits::Limits;
pub use manifest::{Manifest, ManifestDir, ManifestSection};
#[cfg(feature = "watch")]
pub use plugins::Watch;
pub use plugins::{Change, Plugin, PluginSet, PluginSetBuilder};
pub use pool::{BoxFuture, Pool, PoolBuilder, PoolFaults, PoolLatency, PoolStats, Reuse};
pub use wasi::{Capture, DirPerms, Input, Output, OutputCallback, WasiConfig};

/// The README's Rust examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
