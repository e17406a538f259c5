//! Host closures of any arity as wasmi functions, for each arity through
//! one macro (the wasmtime `IntoFunc` pattern): [`HostFuncOn`] and
//! [`AsyncHostFuncOn`] for [`Wasmi`].

use std::sync::Arc;

use super::links::Links;
use super::suspend::{self, Names};
use super::{Data, Wasmi};
use crate::host::{
    for_each_host_arity, signature, AsyncHostFuncOn, HostCall, HostFuncOn, RawValue, WasmResult,
    WasmValue,
};
use crate::linker::Signature;
use crate::trace::{self, host_span};
use crate::{Caller, Trap};

/// A host function's registration, made again into the engine linker of
/// each engine generation a [`Linker`](crate::Linker) instantiates modules
/// of (see `links`). The function itself is shared by all of them.
#[doc(hidden)]
pub type Define<S> =
    Arc<dyn Fn(&mut wasmi::Linker<Data<S>>) -> Result<(), wasmi::Error> + Send + Sync>;

/// The engine's values of a host function's result, to resume a call an
/// async host function suspended.
pub(crate) fn vals<R: WasmResult>(r: R) -> Vec<wasmi::Val> {
    match r.into_raw() {
        None => Vec::new(),
        Some(RawValue::I32(v)) => vec![v.into()],
        Some(RawValue::I64(v)) => vec![v.into()],
        Some(RawValue::F32(v)) => vec![v.into()],
        Some(RawValue::F64(v)) => vec![v.into()],
    }
}

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

impl<S: Send + 'static, P, R, F: IntoDefine<S, P, R>> HostFuncOn<Wasmi, S, P, R> for F {
    fn define<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error> {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
}

impl<S: Send + 'static, P, R, F: IntoAsyncDefine<S, P, R>> AsyncHostFuncOn<Wasmi, S, P, R> for F {
    fn define<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error> {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
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
