//! Go `net/http` handlers served through gohost-http, end to end: plugins
//! built with the real Go toolchain, served over real HTTP on 127.0.0.1 by
//! axum and hyper, driven by a real client (hyper-util's), on the engine
//! `GOHOST_ENGINE` names (`wasmi`, the default, or `wasmtime`: the tests
//! build both).

#![allow(clippy::unwrap_used)]

mod faults;
mod fidelity;
mod http2;
mod plugin_sets;
mod stdlib;
mod streaming;
mod support;
