//! Host closures of any arity as engine functions, through sealed traits and
//! one macro over the arities (the wasmtime `IntoFunc` pattern).

use tracing::Span;

use super::links::Links;
use super::{Caller, StoreData};
use crate::engine::host_call::{CallState, HostCall};
use crate::engine::sig::{Signature, ValKind};
use crate::engine::trace::{self, host_span};
use crate::Trap;

mod sealed {
    pub trait Sealed {}
}

/// A wasm value type a host function can take: `i32`, `i64`, `f32`, `f64`.
pub trait WasmValue: sealed::Sealed + wasmtime::WasmTy + 'static {
    #[doc(hidden)]
    const KIND: ValKind;
}

/// What a host function can return: nothing, or one wasm value.
pub trait WasmResult: sealed::Sealed + Send + 'static {
    #[doc(hidden)]
    type Engine: wasmtime::WasmRet;
    #[doc(hidden)]
    const KINDS: &'static [ValKind];
    #[doc(hidden)]
    fn into_engine(self) -> Self::Engine;
}

macro_rules! values {
    ($($t:ty => $k:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl WasmValue for $t {
            const KIND: ValKind = ValKind::$k;
        }
        impl WasmResult for $t {
            type Engine = $t;
            const KINDS: &'static [ValKind] = &[ValKind::$k];
            #[inline(always)]
            fn into_engine(self) -> $t { self }
        }
    )*};
}
values!(i32 => I32, i64 => I64, f32 => F32, f64 => F64);

impl sealed::Sealed for () {}
impl WasmResult for () {
    type Engine = ();
    const KINDS: &'static [ValKind] = &[];
    #[inline(always)]
    fn into_engine(self) {}
}

/// A Rust closure that can be registered as a host function with
/// [`Linker::func_wrap`](super::Linker::func_wrap).
///
/// Implemented for `Fn(Caller<'_, S>, A1, .., An) -> Result<R, Trap>` with
/// each `Ai` a [`WasmValue`], `R` a [`WasmResult`], and up to 16 parameters.
///
/// `TRACED`: whether each call runs in a span when a subscriber listens
/// (always, but for the benchmark of what a span costs).
pub trait IntoHostFunc<S, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn register<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmtime::Error>;
}

/// The signature of a host function taking `params` and returning `R`.
fn signature<R: WasmResult>(params: Vec<ValKind>) -> Signature {
    Signature {
        params,
        results: R::KINDS.to_vec(),
    }
}

#[inline(always)]
fn to_engine<R: WasmResult>(r: Result<R, Trap>) -> Result<R::Engine, wasmtime::Error> {
    match r {
        Ok(v) => Ok(v.into_engine()),
        Err(trap) => Err(wasmtime::Error::msg(trap.message().to_owned())),
    }
}

macro_rules! into_host_func {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoHostFunc<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(Caller<'_, S>, $($a,)*) -> Result<R, Trap> + Send + Sync + 'static,
            R: WasmResult,
            $($a: WasmValue,)*
        {
            #[allow(non_snake_case)]
            fn register<const TRACED: bool>(
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
                    move |caller: wasmtime::Caller<'_, StoreData<S>>, $($a: $a,)*| {
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
                Ok(signature::<R>(vec![$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

crate::engine::for_each_host_arity!(into_host_func);

/// A Rust closure that can be registered as an async host function with
/// [`Linker::func_wrap_async`](super::Linker::func_wrap_async).
///
/// Implemented for `Fn(&mut Caller<'_, S>, A1, .., An) -> HostCall<S, R>`
/// with each `Ai` a [`WasmValue`], `R` a [`WasmResult`], and up to 16
/// parameters.
pub trait IntoAsyncHostFunc<S, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn register<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmtime::Error>;
}

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
) -> Result<R::Engine, wasmtime::Error> {
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

macro_rules! into_async_host_func {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoAsyncHostFunc<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(&mut Caller<'_, S>, $($a,)*) -> HostCall<S, R> + Send + Sync + 'static,
            R: WasmResult,
            $($a: WasmValue,)*
        {
            #[allow(non_snake_case)]
            fn register<const TRACED: bool>(
                self,
                links: &mut Links<S>,
                module: &str,
                name: &str,
            ) -> Result<Signature, wasmtime::Error> {
                let names = std::sync::Arc::new((module.to_owned(), name.to_owned()));
                links.sync_mut().func_wrap_async(
                    module,
                    name,
                    move |caller: wasmtime::Caller<'_, StoreData<S>>, ($($a,)*): ($($a,)*)| {
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
                Ok(signature::<R>(vec![$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

crate::engine::for_each_host_arity!(into_async_host_func);

/// Parameters of a guest export called with [`Instance::call`](super::Instance::call):
/// a tuple of up to 8 [`WasmValue`]s, `()` for none.
pub trait WasmParams: sealed::Sealed + wasmtime::WasmParams + 'static {}

/// What a guest export returns to [`Instance::call`](super::Instance::call):
/// `()` or one [`WasmValue`].
pub trait WasmResults: sealed::Sealed + wasmtime::WasmResults + 'static {}

impl WasmResults for () {}
macro_rules! single_results {
    ($($t:ty),*) => {$( impl WasmResults for $t {} )*};
}
single_results!(i32, i64, f32, f64);

macro_rules! params {
    ($($a:ident)+) => {
        impl<$($a: WasmValue,)+> sealed::Sealed for ($($a,)+) {}
        impl<$($a: WasmValue,)+> WasmParams for ($($a,)+) {}
    };
}
impl WasmParams for () {}
params!(A1);
params!(A1 A2);
params!(A1 A2 A3);
params!(A1 A2 A3 A4);
params!(A1 A2 A3 A4 A5);
params!(A1 A2 A3 A4 A5 A6);
params!(A1 A2 A3 A4 A5 A6 A7);
params!(A1 A2 A3 A4 A5 A6 A7 A8);
