//! The engine boundary: what gohost needs of an engine, and which engine
//! runs a guest.
//!
//! gohost runs guests on [wasmi] (an interpreter, always built) or
//! [wasmtime] (a JIT compiler, the `wasmtime` cargo feature). Each is an
//! adapter in its own folder (`crate::adapters::wasmi`,
//! `crate::adapters::wasmtime`) that implements [`Backend`], the contract
//! of what gohost needs of an engine, with the store's data and a host
//! call's caller of either engine (`backend.rs`), and the vocabulary that
//! crosses the boundary: the value types (`values.rs`), the host-function
//! traits (`host_funcs.rs`), signatures (`sig.rs`). The instance, the
//! linker and the caller are ordinary code over that trait.
//!
//! `choice.rs` is the only code outside the adapters that names them: it
//! gives the rest of gohost a type with one variant per engine of the
//! build and a `match` over it, so that the public types ([`Engine`],
//! [`Module`], `Linker`, `Instance`, `Caller`) hold either engine's value
//! and dispatch to it at run time; [`EngineKind`] says which engines a
//! build has and which one an engine gets by default.
//!
//! [wasmi]: https://docs.rs/wasmi
//! [wasmtime]: https://docs.rs/wasmtime

mod backend;
mod choice;
mod config;
pub(crate) mod gen_linkers;
mod handle;
pub(crate) mod host_funcs;
mod kind;
pub(crate) mod module;
pub(crate) mod sig;
pub(crate) mod values;

pub(crate) use backend::Instantiated;
pub use backend::{Backend, CallerRepr, StoreData};
pub use choice::Wasmi;
#[cfg(feature = "wasmtime")]
pub use choice::Wasmtime;
pub(crate) use choice::{dispatch, dispatch_pair, per_engine};
pub use config::Config;
pub use handle::Engine;
pub(crate) use handle::EngineRepr;
#[allow(deprecated)]
pub use kind::ENGINE_NAME;
pub use kind::{EngineKind, UnknownEngine};
pub use module::Module;

/// How often a computing guest's async call yields to the executor, on
/// both engines: wasmtime's epoch tick, and on wasmi the least time between
/// two yields at the ends of fuel slices. Also how late past its deadline
/// wasmtime may stop a call.
pub(crate) const TICK: std::time::Duration = std::time::Duration::from_millis(2);
