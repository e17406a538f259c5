//! Host closures of any arity as engine functions, through sealed traits and
//! one macro over the arities (the wasmtime `IntoFunc` pattern).

use std::sync::Arc;

use super::links::Links;
use super::suspend::{self, Names};
use super::{Caller, StoreData};
use crate::engine::host_call::HostCall;
use crate::engine::sig::Signature;
use crate::engine::trace::{self, host_span};
use crate::Trap;

mod sealed {
    pub trait Sealed {}
}

/// A wasm value type a host function can take: `i32`, `i64`, `f32`, `f64`.
pub trait WasmValue: sealed::Sealed + wasmi::WasmTy + 'static {}

/// What a host function can return: nothing, or one wasm value.
pub trait WasmResult: sealed::Sealed + Send + 'static {
    #[doc(hidden)]
    type Engine: wasmi::WasmTyList;
    #[doc(hidden)]
    fn into_engine(self) -> Self::Engine;
    #[doc(hidden)]
    fn into_vals(self) -> Vec<wasmi::Val>;
}

macro_rules! values {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl WasmValue for $t {}
        impl WasmResult for $t {
            type Engine = $t;
            #[inline(always)]
            fn into_engine(self) -> $t { self }
            fn into_vals(self) -> Vec<wasmi::Val> { vec![self.into()] }
        }
    )*};
}
values!(i32, i64, f32, f64);

impl sealed::Sealed for () {}
impl WasmResult for () {
    type Engine = ();
    #[inline(always)]
    fn into_engine(self) {}
    fn into_vals(self) -> Vec<wasmi::Val> {
        Vec::new()
    }
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
    fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature);

    #[doc(hidden)]
    fn register<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error>
    where
        Self: Sized,
        S: Send + 'static,
    {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
}

/// A host function's registration, made again into the engine linker of
/// each engine generation a [`Linker`](super::Linker) instantiates modules
/// of (see `links`). The function itself is shared by all of them.
#[doc(hidden)]
pub type Define<S> =
    Arc<dyn Fn(&mut wasmi::Linker<StoreData<S>>) -> Result<(), wasmi::Error> + Send + Sync>;

/// The engine's type of a host function taking `params` and returning `R`.
fn func_type<R: WasmResult>(params: &[wasmi::ValType]) -> wasmi::FuncType {
    wasmi::FuncType::new(
        params.iter().copied(),
        <R::Engine as wasmi::WasmTyList>::types()
            .as_ref()
            .iter()
            .copied(),
    )
}

#[inline(always)]
fn to_engine<R: WasmResult>(r: Result<R, Trap>) -> Result<R::Engine, wasmi::Error> {
    match r {
        Ok(v) => Ok(v.into_engine()),
        Err(trap) => Err(engine_error(trap)),
    }
}

/// The engine's error for `trap`: `Suspend` for the one that parks an
/// async host call (see `async_start`).
#[cold]
fn engine_error(trap: Trap) -> wasmi::Error {
    if trap.suspended() {
        return wasmi::Error::host(suspend::Suspend);
    }
    wasmi::Error::new(trap.message().to_owned())
}

macro_rules! into_host_func {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoHostFunc<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(Caller<'_, S>, $($a,)*) -> Result<R, Trap> + Send + Sync + 'static,
            R: WasmResult,
            $($a: WasmValue,)*
            Result<R::Engine, wasmi::Error>: wasmi::WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature) {
                let ty = func_type::<R>(&[$(<$a as wasmi::WasmTy>::ty(),)*]);
                let f = Arc::new(self);
                // One reference to both names for the panic path (see
                // `catch_panic`).
                let names = (module.to_owned(), name.to_owned());
                let define = move |linker: &mut wasmi::Linker<StoreData<S>>| {
                    let (f, names) = (f.clone(), names.clone());
                    let (module, name) = names.clone();
                    linker.func_wrap(
                        &module,
                        &name,
                        move |caller: wasmi::Caller<'_, StoreData<S>>, $($a: $a,)*| {
                            if TRACED && trace::may_be_enabled(tracing::Level::TRACE) {
                                let f = &f;
                                let ident = caller.data().ident.clone();
                                let (m, n) = &names;
                                return to_engine(trace::host_call_traced(caller, &ident, m, n, move |caller| {
                                    f(Caller::new(caller), $($a,)*)
                                }));
                            }
                            let result = crate::error::catch_panic(&names, || {
                                f(Caller::new(caller), $($a,)*)
                            });
                            to_engine(result.and_then(|r| r))
                        },
                    )?;
                    Ok(())
                };
                (Arc::new(define), super::signature(&ty))
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
    fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature);

    #[doc(hidden)]
    fn register<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error>
    where
        Self: Sized,
        S: Send + 'static,
    {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
}

macro_rules! into_async_host_func {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoAsyncHostFunc<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(&mut Caller<'_, S>, $($a,)*) -> HostCall<S, R> + Send + Sync + 'static,
            R: WasmResult,
            $($a: WasmValue,)*
            Result<R::Engine, wasmi::Error>: wasmi::WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature) {
                let ty = func_type::<R>(&[$(<$a as wasmi::WasmTy>::ty(),)*]);
                let f = Arc::new(self);
                let names: Names = Arc::new((module.to_owned(), name.to_owned()));
                let define = move |linker: &mut wasmi::Linker<StoreData<S>>| {
                    let (f, names) = (f.clone(), names.clone());
                    let (module, name) = names.as_ref().clone();
                    linker.func_wrap(
                        &module,
                        &name,
                        move |caller: wasmi::Caller<'_, StoreData<S>>, $($a: $a,)*| {
                            let (m, n) = &*names;
                            let span = if TRACED {
                                host_span!(caller.data().ident, m.as_str(), n.as_str())
                            } else {
                                tracing::Span::none()
                            };
                            let _entered = span.enter();
                            let mut caller = Caller::new(caller);
                            match crate::error::catch_panic(&*names, || f(&mut caller, $($a,)*)) {
                                Ok(call) => suspend::start(&mut caller, call, &names, &span).map(R::into_engine),
                                Err(trap) => {
                                    trace::record_trap(&span, &trap);
                                    Err(wasmi::Error::new(trap.message().to_owned()))
                                }
                            }
                        },
                    )?;
                    Ok(())
                };
                (Arc::new(define), super::signature(&ty))
            }
        }
    };
}

crate::engine::for_each_host_arity!(into_async_host_func);

/// Parameters of a guest export called with [`Instance::call`](super::Instance::call):
/// a tuple of up to 8 [`WasmValue`]s, `()` for none.
pub trait WasmParams: sealed::Sealed + wasmi::WasmParams + 'static {}

/// What a guest export returns to [`Instance::call`](super::Instance::call):
/// `()` or one [`WasmValue`].
pub trait WasmResults: sealed::Sealed + wasmi::WasmResults + 'static {}

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
