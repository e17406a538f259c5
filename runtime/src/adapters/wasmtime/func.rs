//! Host closures of any arity as wasmtime functions, for each arity through
//! one macro (wasmtime's own `IntoFunc` pattern): [`HostFuncOn`] and
//! [`AsyncHostFuncOn`] for [`Wasmtime`].

use tracing::Span;

use super::links::Links;
use super::types::Data;
use crate::engine::host_funcs::{AsyncHostFuncOn, HostFuncOn};
use crate::engine::sig::Signature;
use crate::engine::values::{for_each_host_arity, signature, WasmResult, WasmValue};
use crate::engine::Wasmtime;
use crate::error::Trap;
use crate::host::Caller;
use crate::host::{CallState, HostCall};
use crate::trace::{self, host_span};

#[inline(always)]
fn to_engine<R>(r: Result<R, Trap>) -> Result<R, wasmtime::Error> {
    match r {
        Ok(v) => Ok(v),
        Err(trap) => Err(wasmtime::Error::msg(trap.message().to_owned())),
    }
}

macro_rules! host_func_on {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> HostFuncOn<Wasmtime, S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(Caller<'_, S>, $($a,)*) -> Result<R, Trap> + Send + Sync + 'static,
            R: WasmResult + wasmtime::WasmRet,
            $($a: WasmValue + wasmtime::WasmTy,)*
        {
            #[allow(non_snake_case)]
            fn define<const TRACED: bool>(
                self,
                links: &mut Links<S>,
                module: &str,
                name: &str,
            ) -> Result<Signature, wasmtime::Error> {
                // One reference to both names for the panic path (see
                // `catch_panic`).
                let names = (module.to_owned(), name.to_owned());
                links.sync_mut().func_wrap(
                    module,
                    name,
                    move |caller: wasmtime::Caller<'_, Data<S>>, $($a: $a,)*| {
                        if TRACED && trace::may_be_enabled(tracing::Level::TRACE) {
                            let f = &self;
                            let ident = caller.data().ident.clone();
                            let (m, n) = &names;
                            return to_engine(trace::host_call_traced(caller, &ident, m, n, move |caller| {
                                f(Caller::new(caller), $($a,)*)
                            }));
                        }
                        let result = crate::error::catch_panic(&names, || {
                            self(Caller::new(caller), $($a,)*)
                        });
                        to_engine(result.and_then(|r| r))
                    },
                )?;
                Ok(signature::<R>(&[$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

for_each_host_arity!(host_func_on);

/// Awaits an async host call on the call's fiber, then finishes it with
/// the guest's memory. wasmtime polls the future with the call's context.
/// `span` (the host call's) is entered while the future is polled and
/// while the call finishes, and gets the call's outcome.
async fn complete<S: Send + 'static, R: WasmResult>(
    caller: &mut Caller<'_, S>,
    call: Result<HostCall<S, R>, Trap>,
    module: &str,
    name: &str,
    span: Span,
) -> Result<R, wasmtime::Error> {
    let ended = |result: Result<R, Trap>| {
        trace::record_host(&span, &result);
        to_engine(result)
    };
    let mut pending = match call.map(|c| c.state) {
        Err(trap) => return ended(Err(trap)),
        Ok(CallState::Ready(result)) => return ended(result),
        Ok(CallState::Pending(pending)) => pending,
    };
    let polled = std::future::poll_fn(|cx| {
        let _entered = span.enter();
        match crate::error::catch_panic(&(module, name), || pending.as_mut().poll(cx)) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(())) => std::task::Poll::Ready(Ok(())),
            Err(trap) => std::task::Poll::Ready(Err(trap)),
        }
    })
    .await;
    let result = polled.and_then(|()| {
        let _entered = span.enter();
        let (cx, state) = caller.__split()?;
        crate::error::catch_panic(&(module, name), || pending.as_mut().finish(cx, state))?
    });
    ended(result)
}

macro_rules! async_host_func_on {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> AsyncHostFuncOn<Wasmtime, S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(&mut Caller<'_, S>, $($a,)*) -> HostCall<S, R> + Send + Sync + 'static,
            R: WasmResult + wasmtime::WasmRet,
            $($a: WasmValue + wasmtime::WasmTy,)*
        {
            #[allow(non_snake_case)]
            fn define<const TRACED: bool>(
                self,
                links: &mut Links<S>,
                module: &str,
                name: &str,
            ) -> Result<Signature, wasmtime::Error> {
                let names = std::sync::Arc::new((module.to_owned(), name.to_owned()));
                links.sync_mut().func_wrap_async(
                    module,
                    name,
                    move |caller: wasmtime::Caller<'_, Data<S>>, ($($a,)*): ($($a,)*)| {
                        let span = if TRACED {
                            host_span!(caller.data().ident, names.0.as_str(), names.1.as_str())
                        } else {
                            Span::none()
                        };
                        let mut caller = Caller::new(caller);
                        let names = names.clone();
                        let call = span.in_scope(|| crate::error::catch_panic(&*names, || {
                            self(&mut caller, $($a,)*)
                        }));
                        Box::new(async move {
                            complete(&mut caller, call, &names.0, &names.1, span).await
                        })
                    },
                )?;
                Ok(signature::<R>(&[$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

for_each_host_arity!(async_host_func_on);
