//! Host closures of any arity as wasmi functions' registrations, for each
//! arity through one macro (the wasmtime `IntoFunc` pattern); the adapter
//! implements [`HostFuncOn`](crate::engine::host_funcs::HostFuncOn) with them.

use std::sync::Arc;

use super::suspend::{self, Names};
use super::types::Data;
use crate::engine::sig::Signature;
use crate::engine::values::{for_each_host_arity, signature, WasmResult, WasmValue};
use crate::error::Trap;
use crate::host::Caller;
use crate::host::HostCall;
use crate::trace::{self, host_span};

/// A host function's registration, made again into the engine linker of
/// each engine generation a [`Linker`](crate::Linker) instantiates modules
/// of (see `links`). The function itself is shared by all of them.
#[doc(hidden)]
pub type Define<S> =
    Arc<dyn Fn(&mut wasmi::Linker<Data<S>>) -> Result<(), wasmi::Error> + Send + Sync>;

#[inline(always)]
fn to_engine<R>(r: Result<R, Trap>) -> Result<R, wasmi::Error> {
    match r {
        Ok(v) => Ok(v),
        Err(trap) => Err(engine_error(trap)),
    }
}

/// The engine's error for `trap`: `Suspend` for the one that parks an
/// async host call (see `host::async_start`).
#[cold]
fn engine_error(trap: Trap) -> wasmi::Error {
    if trap.suspended() {
        return wasmi::Error::host(suspend::Suspend);
    }
    wasmi::Error::new(trap.message().to_owned())
}

/// A closure made into a wasmi host function's registration, and its
/// signature.
#[doc(hidden)]
pub trait IntoDefine<S, Params, Results> {
    fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature);
}

/// An async host function's [`IntoDefine`].
#[doc(hidden)]
pub trait IntoAsyncDefine<S, Params, Results> {
    fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature);
}

macro_rules! into_define {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoDefine<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(Caller<'_, S>, $($a,)*) -> Result<R, Trap> + Send + Sync + 'static,
            R: WasmResult + wasmi::WasmTyList,
            $($a: WasmValue + wasmi::WasmTy,)*
            Result<R, wasmi::Error>: wasmi::WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature) {
                let f = Arc::new(self);
                // One reference to both names for the panic path (see
                // `catch_panic`).
                let names = (module.to_owned(), name.to_owned());
                let define = move |linker: &mut wasmi::Linker<Data<S>>| {
                    let (f, names) = (f.clone(), names.clone());
                    let (module, name) = names.clone();
                    linker.func_wrap(
                        &module,
                        &name,
                        move |caller: wasmi::Caller<'_, Data<S>>, $($a: $a,)*| {
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
                (Arc::new(define), signature::<R>(&[$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

for_each_host_arity!(into_define);

macro_rules! into_async_define {
    ($($a:ident)*) => {
        impl<S, F, R, $($a,)*> IntoAsyncDefine<S, ($($a,)*), R> for F
        where
            S: Send + 'static,
            F: Fn(&mut Caller<'_, S>, $($a,)*) -> HostCall<S, R> + Send + Sync + 'static,
            R: WasmResult + wasmi::WasmTyList,
            $($a: WasmValue + wasmi::WasmTy,)*
            Result<R, wasmi::Error>: wasmi::WasmRet,
        {
            #[allow(non_snake_case)]
            fn into_define<const TRACED: bool>(self, module: &str, name: &str) -> (Define<S>, Signature) {
                let f = Arc::new(self);
                let names: Names = Arc::new((module.to_owned(), name.to_owned()));
                let define = move |linker: &mut wasmi::Linker<Data<S>>| {
                    let (f, names) = (f.clone(), names.clone());
                    let (module, name) = names.as_ref().clone();
                    linker.func_wrap(
                        &module,
                        &name,
                        move |caller: wasmi::Caller<'_, Data<S>>, $($a: $a,)*| {
                            let (m, n) = &*names;
                            let span = if TRACED {
                                host_span!(caller.data().ident, m.as_str(), n.as_str())
                            } else {
                                tracing::Span::none()
                            };
                            let _entered = span.enter();
                            let mut caller = Caller::new(caller);
                            match crate::error::catch_panic(&*names, || f(&mut caller, $($a,)*)) {
                                Ok(call) => suspend::start(&mut caller, call, &names, &span),
                                Err(trap) => {
                                    trace::record_trap(&span, &trap);
                                    Err(wasmi::Error::new(trap.message().to_owned()))
                                }
                            }
                        },
                    )?;
                    Ok(())
                };
                (Arc::new(define), signature::<R>(&[$(<$a as WasmValue>::KIND,)*]))
            }
        }
    };
}

for_each_host_arity!(into_async_define);
