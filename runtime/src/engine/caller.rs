//! The host-call context, shared by both engine adapters (see `instance.rs`).

use super::func::{WasmParams, WasmResults};
use super::{rt, StoreData};
use crate::abi::{CallCx, GuestMemory};
use crate::engine::native_stack;
use crate::engine::trace;
use crate::Error;
use crate::Trap;

/// The native stack a call back into the guest must find free: room for
/// the engine's own frames and the host functions it may call in turn.
const CALL_BACK_STACK: usize = 256 << 10;

/// The context of one host call: the embedder's state and the calling
/// instance's memory.
pub struct Caller<'a, S: 'static> {
    inner: rt::Caller<'a, StoreData<S>>,
}

impl<S> std::fmt::Debug for Caller<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").finish_non_exhaustive()
    }
}

impl<'a, S> Caller<'a, S> {
    #[inline(always)]
    pub(crate) fn new(inner: rt::Caller<'a, StoreData<S>>) -> Self {
        Caller { inner }
    }

    /// The whole store data, for the adapter's own use.
    #[cfg(not(feature = "jit"))]
    #[inline(always)]
    pub(crate) fn store_mut(&mut self) -> &mut StoreData<S> {
        self.inner.data_mut()
    }

    /// The engine's caller, for the adapter's own use.
    #[cfg(feature = "jit")]
    #[inline(always)]
    pub(crate) fn engine_mut(&mut self) -> &mut rt::Caller<'a, StoreData<S>> {
        &mut self.inner
    }

    /// The instance's async host calls of generated glue (see
    /// `async_start`), without a view of the guest's memory.
    #[inline(always)]
    pub(crate) fn async_calls_mut(&mut self) -> &mut crate::engine::async_start::AsyncCalls {
        &mut self.inner.data_mut().abi.async_calls
    }

    /// Whether an async host call of generated glue is parked, waiting for
    /// the guest to call its import again (see `async_start`).
    #[inline(always)]
    pub(crate) fn async_parked(&self) -> bool {
        self.inner.data().abi.async_calls.is_parked()
    }

    /// The embedder's state.
    pub fn data(&self) -> &S {
        &self.inner.data().user
    }

    /// The embedder's state, mutably.
    pub fn data_mut(&mut self) -> &mut S {
        &mut self.inner.data_mut().user
    }

    /// Runs `f` with the guest's memory and the embedder's state.
    #[inline]
    pub fn with_memory<R>(
        &mut self,
        f: impl FnOnce(&mut GuestMemory<'_>, &mut S) -> R,
    ) -> Result<R, Trap> {
        let (mut cx, user) = self.__split()?;
        Ok(f(&mut cx.mem, user))
    }

    /// Calls the export `name` of the calling instance, from inside a host
    /// function: the guest re-enters itself. Go allows this (the export runs
    /// on the goroutine that made the host call); the generated wrappers keep
    /// their buffers valid across it.
    ///
    /// The call runs within the deadline of the call that reached the host
    /// function (see [`Limits::deadline`](crate::Limits::deadline)); when it
    /// passes, this returns [`Error::DeadlineExceeded`], and the outer call
    /// ends with it too.
    ///
    /// ```
    /// use gohost::{Caller, Linker, Trap};
    ///
    /// # let mut linker = Linker::<()>::new(&gohost::Engine::default());
    /// linker.func_wrap("env", "twice", |mut caller: Caller<'_, ()>, n: i32| -> Result<i32, Trap> {
    ///     let once: i32 = caller.call("double", (n,)).map_err(|e| Trap::new(e.to_string()))?;
    ///     Ok(once * 2)
    /// })?;
    /// # Ok::<(), gohost::Error>(())
    /// ```
    ///
    /// The call has a span of its own (see `docs/observability.md`)
    /// inside the host function's, without a `fuel` field: it spends the
    /// fuel of the call that reached the host function.
    pub fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        if !trace::may_be_enabled(tracing::Level::DEBUG) {
            return self.call_untraced(name, params);
        }
        let span = trace::export_span(&self.inner.data().ident, name);
        if span.is_disabled() {
            return self.call_untraced(name, params);
        }
        let result = span.in_scope(|| self.call_untraced(name, params));
        span.record("outcome", trace::outcome(&result));
        result
    }

    fn call_untraced<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        if self.inner.data().asynchronous {
            // wasmtime refuses a blocking call on the fiber of an async
            // call, and a nested call could not yield on wasmi: the same
            // rule for both.
            return Err(Error::Trap {
                message: format!("a host function cannot call `{name}` back during an async call"),
            });
        }
        // Each call back nests the engine on this thread's stack; a guest
        // that keeps calling back (its export calls the host, which calls
        // the export, ...) ends here rather than overflow it. (wasmtime
        // also counts these frames within the guest's own stack limit.)
        if native_stack::remaining().is_some_and(|left| left < CALL_BACK_STACK) {
            return Err(Error::Trap {
                message: format!(
                    "call stack exhausted: no room on the host thread's stack to call `{name}` back"
                ),
            });
        }
        let func = self
            .inner
            .get_export(name)
            .and_then(rt::Extern::into_func)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                expected: "a function".into(),
            })?;
        let typed = func
            .typed::<P, R>(&self.inner)
            .map_err(|_| Error::ExportType {
                name: name.to_owned(),
                found: super::signature(&func.ty(&self.inner)).to_string(),
            })?;
        rt::call(&mut self.inner, &typed, params).map_err(|e| {
            self.inner
                .data()
                .deadline
                .error(name)
                .unwrap_or_else(|| super::call_error(e))
        })
    }

    /// Splits the call into the ABI context (memory, handles) and the
    /// embedder's state. Used by generated glue.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __split(&mut self) -> Result<(CallCx<'_>, &mut S), Trap> {
        let memory = self.memory()?;
        let (bytes, data) = memory.data_and_store_mut(&mut self.inner);
        Ok((
            CallCx {
                mem: GuestMemory::new(bytes),
                abi: &mut data.abi,
            },
            &mut data.user,
        ))
    }

    /// The guest's memory and the whole store data, for the adapter's own
    /// WASI functions (`wasi::stdin`).
    #[cfg(not(feature = "jit"))]
    pub(crate) fn memory_and_store(&mut self) -> Result<(&mut [u8], &mut StoreData<S>), Trap> {
        let memory = self.memory()?;
        Ok(memory.data_and_store_mut(&mut self.inner))
    }

    /// The guest's `memory` export, resolved at the first host call that
    /// needs it.
    #[inline(always)]
    fn memory(&mut self) -> Result<rt::Memory, Trap> {
        if let Some(m) = self.inner.data().memory {
            return Ok(m);
        }
        let m = self
            .inner
            .get_export("memory")
            .and_then(rt::Extern::into_memory)
            .ok_or_else(|| Trap::new("gohost: the guest exports no memory named `memory`"))?;
        self.inner.data_mut().memory = Some(m);
        Ok(m)
    }
}
