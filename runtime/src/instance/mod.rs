//! A running guest: the public [`Instance`], which holds an instance of
//! either engine ([`InstanceOn`]) and dispatches to it; the call plan every
//! call into the guest goes through (`plan.rs`, `encoded.rs`); and what an
//! instance keeps beside the engine (`state.rs`, its export table in
//! `exports.rs`).

pub(crate) mod async_call;
mod encoded;
mod export_id;
mod exports;
mod plan;
mod state;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use encoded::{encoded_outcome, reply_outcome};
pub use export_id::ExportId;
use exports::Target;
pub(crate) use state::InstanceOn;

use crate::abi::{ReplyError, Writer};
use crate::engine::values::{WasmParams, WasmResults};
use crate::engine::{dispatch, per_engine, EngineKind};
use crate::error::Error;
use crate::limits::CancelHandle;

/// A running guest: its memory, WASI context, limits and the embedder's
/// state, on the engine whose [`Linker`](crate::Linker) made it.
///
/// A Go guest cannot continue after a trap, an exit, a limit hit (memory,
/// fuel, deadline) or a recovered panic in an export: the instance is then
/// *poisoned* and every later call fails with [`Error::Poisoned`] instead of
/// misbehaving.
pub struct Instance<S: 'static> {
    repr: InstanceRepr<S>,
}

per_engine!(
    pub(crate) enum InstanceRepr<S> = InstanceOn<@, S>
);

impl<S> std::fmt::Debug for Instance<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        dispatch!(InstanceRepr, &self.repr, i => f
            .debug_struct("Instance")
            .field("engine", &self.engine_kind())
            .field("initialized", &i.initialized)
            .field("poisoned", &i.poisoned)
            .finish_non_exhaustive())
    }
}

impl<S> Instance<S> {
    /// An instance on one engine.
    pub(crate) fn new(repr: impl Into<InstanceRepr<S>>) -> Self {
        Instance { repr: repr.into() }
    }

    /// The engine the instance runs on.
    pub fn engine_kind(&self) -> EngineKind {
        dispatch!(InstanceRepr, &self.repr, B, _ => <B as crate::engine::Backend>::KIND)
    }

    /// The instance's id: unique in the process, never reused. The spans
    /// of its calls carry it (field `instance`; see
    /// `docs/observability.md`).
    pub fn id(&self) -> u64 {
        dispatch!(InstanceRepr, &self.repr, i => i.id())
    }

    /// The name set with [`set_name`](Self::set_name) (or by the instance's
    /// [`Pool`](crate::Pool), see [`PoolBuilder::name`](crate::PoolBuilder::name)).
    pub fn name(&self) -> Option<&str> {
        dispatch!(InstanceRepr, &self.repr, i => i.name())
    }

    /// Names the instance (a plugin's name, say): the spans of its export
    /// calls and host calls carry it as `plugin`. Cheap to call with an
    /// `Arc<str>` shared by many instances.
    ///
    /// ```no_run
    /// # fn f(linker: &gohost::Linker<()>, module: &gohost::Module) -> Result<(), gohost::Error> {
    /// let mut plugin = linker.instantiate(module, &gohost::WasiConfig::new(), ())?;
    /// plugin.set_name("echo"); // before initialize(), so that its span is named too
    /// plugin.initialize()?;
    /// # Ok(()) }
    /// ```
    pub fn set_name(&mut self, name: impl Into<Arc<str>>) {
        let name = name.into();
        dispatch!(InstanceRepr, &mut self.repr, i => i.set_name(name))
    }

    /// Runs the program (its `_start` export) and returns its exit code:
    /// 0 when `_start` returns, `n` when it calls `proc_exit(n)` (Go's
    /// `os.Exit(n)`). A trap is an error. A program runs once.
    pub fn run(&mut self) -> Result<i32, Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.run())
    }

    /// [`run`](Self::run) for an instance made with
    /// [`Linker::instantiate_async`](crate::Linker::instantiate_async): the
    /// program awaits its async host functions and sleeps, and yields to the
    /// executor while it computes.
    pub async fn run_async(&mut self) -> Result<i32, Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.run_async().await)
    }

    /// Starts a reactor (a Go plugin built with `-buildmode=c-shared`) by
    /// calling its `_initialize` export, which runs the Go runtime's setup and
    /// the packages' `init` functions. Calling it again does nothing: Go
    /// aborts if `_initialize` runs twice.
    pub fn initialize(&mut self) -> Result<(), Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.initialize())
    }

    /// [`initialize`](Self::initialize) for an async instance.
    pub async fn initialize_async(&mut self) -> Result<(), Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.initialize_async().await)
    }

    /// Calls the export `name` with wasm values.
    ///
    /// The call gets the instance's whole fuel budget and deadline (see
    /// [`Limits`](crate::Limits)).
    ///
    /// ```no_run
    /// # fn f(instance: &mut gohost::Instance<()>) -> Result<(), gohost::Error> {
    /// instance.initialize()?;
    /// let sum: i32 = instance.call("add", (2i32, 3i32))?;
    /// # Ok(()) }
    /// ```
    pub fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call(Target::Name(name), params))
    }

    /// [`call`](Self::call) for an instance made with
    /// [`Linker::instantiate_async`](crate::Linker::instantiate_async).
    ///
    /// The guest's call awaits its async host functions, and yields to the
    /// executor while it computes (about every 2 ms: at each epoch tick on
    /// wasmtime, at the end of a fuel slice on wasmi; also in a task that
    /// makes many short calls in a row) and while it sleeps. Its deadline
    /// counts the time spent awaiting.
    ///
    /// Dropping the future before it completes cancels the call: the guest
    /// is left half-run, so the instance is poisoned and refuses further
    /// calls ([`Pool`](crate::Pool)s replace it).
    ///
    /// ```no_run
    /// # async fn f(instance: &mut gohost::Instance<()>) -> Result<(), gohost::Error> {
    /// instance.initialize_async().await?;
    /// let sum: i32 = instance.call_async("add", (2i32, 3i32)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_async(Target::Name(name), params).await)
    }

    /// Calls the export `id` with wasm values: [`call`](Self::call) for
    /// the generated clients, which find the export by index, not by name.
    #[inline]
    pub(crate) fn call_id<P: WasmParams, R: WasmResults>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call(Target::Id(id), params))
    }

    /// [`call_id`](Self::call_id) for async instances.
    pub(crate) async fn call_id_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_async(Target::Id(id), params).await)
    }

    /// Calls an export that takes encoded arguments and returns a reply
    /// (`docs/abi.md`, "Exports"): `(status, payload)`, copied out.
    pub(crate) fn call_encoded(&mut self, name: &str, args: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_export(
            Target::Name(name),
            |w| w.raw(args),
            |status, payload| Ok((status, payload.to_vec())),
            encoded_outcome,
        ))
    }

    /// [`call_encoded`](Self::call_encoded) for async instances.
    pub(crate) async fn call_encoded_async(
        &mut self,
        name: &str,
        args: &[u8],
    ) -> Result<(u8, Vec<u8>), Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_export_async(
            Target::Name(name),
            |w| w.raw(args),
            |status, payload| Ok((status, payload.to_vec())),
            encoded_outcome,
        ).await)
    }

    /// Calls the export `id`, which takes encoded arguments and returns a
    /// reply (`docs/abi.md`, "Exports"): `encode` writes the arguments,
    /// `decode` reads the reply where the guest left it, in its memory.
    ///
    /// The arguments are encoded straight into the guest's argument buffer
    /// from the last call; only when they outgrow it are they finished in
    /// a buffer the instance keeps and copied into a new one (a call of
    /// `__gohost_alloc`). One deadline covers both wasm calls; each gets a
    /// full fuel budget, as separate calls do.
    #[inline]
    pub(crate) fn call_export<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_export(
            Target::Id(id), encode, decode, reply_outcome
        ))
    }

    /// [`call_export`](Self::call_export) for async instances.
    pub(crate) async fn call_export_async<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error>
    where
        S: Send,
    {
        dispatch!(InstanceRepr, &mut self.repr, i => i.call_export_async(
            Target::Id(id), encode, decode, reply_outcome
        ).await)
    }

    /// A handle that stops this instance's running call from another
    /// thread or task (see [`CancelHandle`]). Needs an engine built with
    /// [`Config::interruptible`](crate::Config::interruptible); once an
    /// instance has a handle, every call checks it (at the cost of a
    /// deadline: see [`Limits::deadline`](crate::Limits::deadline)).
    pub fn cancel_handle(&mut self) -> Result<CancelHandle, Error> {
        dispatch!(InstanceRepr, &mut self.repr, i => i.cancel_handle())
    }

    /// Marks the instance poisoned because a reply did not decode.
    pub(crate) fn bad_reply(&mut self, func: &str, message: &str) -> Error {
        dispatch!(InstanceRepr, &mut self.repr, i => i.bad_reply(func, message))
    }

    /// Whether the instance can still be called; `Some(reason)` if not.
    #[inline]
    pub fn poisoned(&self) -> Option<&str> {
        dispatch!(InstanceRepr, &self.repr, i => i.poisoned())
    }

    /// The embedder's state.
    pub fn state(&self) -> &S {
        dispatch!(InstanceRepr, &self.repr, i => i.state())
    }

    /// The embedder's state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        dispatch!(InstanceRepr, &mut self.repr, i => i.state_mut())
    }

    /// Ends the instance and gives back the embedder's state.
    pub fn into_state(self) -> S {
        dispatch!(InstanceRepr, self.repr, i => i.into_state())
    }

    /// How many host-object handles the guest holds open.
    pub fn open_handles(&self) -> usize {
        dispatch!(InstanceRepr, &self.repr, i => i.open_handles())
    }

    /// The size of the guest's linear memory in bytes.
    pub fn memory_size(&self) -> usize {
        dispatch!(InstanceRepr, &self.repr, i => i.memory_size())
    }
}
