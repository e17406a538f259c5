//! The engines: one adapter per engine, each implementing the contract in
//! `crate::engine` ([`Backend`](crate::engine::Backend)) with everything
//! that names its engine, WASI included. Nothing outside this folder names
//! an engine but `crate::engine`'s one place that chooses one.

mod wasmi;
#[cfg(feature = "wasmtime")]
mod wasmtime;
