//! The host-call context: what a host function gets, on either engine.

use std::pin::Pin;

use crate::abi::{AsyncCalls, CallCx, GuestMemory, Pending};
use crate::engine::values::{WasmParams, WasmResult, WasmResults};
use crate::engine::CallerRepr;
use crate::engine::StoreData;
use crate::engine::{dispatch, Backend};
use crate::error::{Error, Trap};
use crate::{native_stack, trace};

/// The native stack a call back into the guest must find free: room for
/// the engine's own frames and the host functions it may call in turn.
const CALL_BACK_STACK: usize = 256 << 10;

/// The context of one host call: the embedder's state and the calling
/// instance's memory.
pub struct Caller<'a, S: 'static> {
    repr: CallerRepr<'a, S>,
}

impl<S> std::fmt::Debug for Caller<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").finish_non_exhaustive()
    }
}

impl<'a, S> Caller<'a, S> {
    /// The caller of a host call on one engine (its adapter's).
    #[inline(always)]
    pub(crate) fn new(repr: impl Into<CallerRepr<'a, S>>) -> Self {
        Caller { repr: repr.into() }
    }

    /// The engine's caller, if the call is on engine `B` (it is, for the
    /// adapter of `B` that made this caller).
    #[inline(always)]
    pub(crate) fn engine<B: Backend>(&mut self) -> Option<&mut B::Caller<'a, S>> {
        B::caller_of(&mut self.repr)
    }

    /// The instance's async host calls of generated glue (see
    /// `async_start`), without a view of the guest's memory.
    #[inline(always)]
    pub(crate) fn async_calls_mut(&mut self) -> &mut AsyncCalls {
        dispatch!(CallerRepr, &mut self.repr, B, c => &mut B::caller_data_mut(c).abi.async_calls)
    }

    /// Whether an async host call of generated glue is parked, waiting for
    /// the guest to call its import again (see `async_start`).
    #[inline(always)]
    pub(crate) fn async_parked(&self) -> bool {
        dispatch!(CallerRepr, &self.repr, B, c => B::caller_data(c).abi.async_calls.is_parked())
    }

    /// Parks the pending call of an async host function of generated glue
    /// (see `async_start`), as the engine waits for it.
    pub(crate) fn park_start<R: WasmResult + Default>(
        &mut self,
        call: Pin<Box<dyn Pending<S, R>>>,
        flag: i32,
        names: (&'static str, &'static str),
    ) -> Result<R, Trap>
    where
        S: Send,
    {
        dispatch!(CallerRepr, &mut self.repr, B, c => B::park_start(c, call, flag, names))
    }

    /// The embedder's state.
    pub fn data(&self) -> &S {
        dispatch!(CallerRepr, &self.repr, B, c => &B::caller_data(c).user)
    }

    /// The embedder's state, mutably.
    pub fn data_mut(&mut self) -> &mut S {
        dispatch!(CallerRepr, &mut self.repr, B, c => &mut B::caller_data_mut(c).user)
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
        let span = dispatch!(CallerRepr, &self.repr, B, c => trace::export_span(&B::caller_data(c).ident, name));
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
        dispatch!(CallerRepr, &mut self.repr, B, c => call_back::<B, S, P, R>(c, name, params))
    }

    /// Splits the call into the ABI context (memory, handles) and the
    /// embedder's state. Used by generated glue.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __split(&mut self) -> Result<(CallCx<'_>, &mut S), Trap> {
        dispatch!(CallerRepr, &mut self.repr, B, c => {
            let (bytes, data) = memory_and_data::<B, S>(c)?;
            Ok((
                CallCx {
                    mem: GuestMemory::new(bytes),
                    abi: &mut data.abi,
                },
                &mut data.user,
            ))
        })
    }
}

/// The guest's memory and the store's data, from a host call on `B`. The
/// memory export is resolved at the first host call that needs it.
#[inline(always)]
pub(crate) fn memory_and_data<'c, B: Backend, S>(
    caller: &'c mut B::Caller<'_, S>,
) -> Result<(&'c mut [u8], &'c mut StoreData<B, S>), Trap> {
    let memory = match B::caller_data(caller).memory {
        Some(m) => m,
        None => resolve_memory::<B, S>(caller)?,
    };
    Ok(B::caller_memory(caller, memory))
}

#[cold]
#[inline(never)]
fn resolve_memory<B: Backend, S>(caller: &mut B::Caller<'_, S>) -> Result<B::Memory, Trap> {
    let m = B::caller_memory_export(caller, "memory")
        .ok_or_else(|| Trap::new("gohost: the guest exports no memory named `memory`"))?;
    B::caller_data_mut(caller).memory = Some(m);
    Ok(m)
}

/// [`Caller::call`] on `B`.
fn call_back<B: Backend, S, P: WasmParams, R: WasmResults>(
    caller: &mut B::Caller<'_, S>,
    name: &str,
    params: P,
) -> Result<R, Error> {
    if B::caller_data(caller).asynchronous {
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
    B::call_back(caller, name, params)?.map_err(|e| {
        B::caller_data(caller)
            .deadline
            .error(name)
            .unwrap_or_else(|| Error::Trap {
                message: B::message(&e),
            })
    })
}
