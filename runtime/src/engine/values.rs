//! What crosses the engine boundary: the types a host function takes and
//! returns, the parameters and results of export calls, and the closures
//! that can be host functions; defined once, for every engine of the
//! build. Each engine adapter turns a closure into its engine's function
//! ([`HostFuncOn`], [`AsyncHostFuncOn`]), for each arity, with
//! [`for_each_host_arity!`].

use super::sig::{Signature, ValKind};

mod sealed {
    pub trait Sealed {}
}

/// Invokes `$m!` once for each arity a host function may have, 0 to 16
/// parameters (wasmtime's `for_each_function_signature!` pattern), so that
/// each adapter lists the arities once, for sync and async functions.
macro_rules! for_each_host_arity {
    ($m:ident) => {
        $m!();
        $m!(A1);
        $m!(A1 A2);
        $m!(A1 A2 A3);
        $m!(A1 A2 A3 A4);
        $m!(A1 A2 A3 A4 A5);
        $m!(A1 A2 A3 A4 A5 A6);
        $m!(A1 A2 A3 A4 A5 A6 A7);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16);
    };
}
pub(crate) use for_each_host_arity;

/// A wasm value, as host functions' results cross to the engine when a
/// suspended call resumes (wasmi).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

/// A wasm value type a host function can take: `i32`, `i64`, `f32`, `f64`.
pub trait WasmValue: sealed::Sealed + every::Value + Send + 'static {
    #[doc(hidden)]
    const KIND: ValKind;
}

/// What a host function can return: nothing, or one wasm value.
pub trait WasmResult: sealed::Sealed + Send + 'static {
    #[doc(hidden)]
    const KINDS: &'static [ValKind];
    #[doc(hidden)]
    fn into_raw(self) -> Option<RawValue>;
}

macro_rules! values {
    ($($t:ty => $k:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl WasmValue for $t {
            const KIND: ValKind = ValKind::$k;
        }
        impl WasmResult for $t {
            const KINDS: &'static [ValKind] = &[ValKind::$k];
            #[inline(always)]
            fn into_raw(self) -> Option<RawValue> {
                Some(RawValue::$k(self))
            }
        }
        impl WasmResults for $t {}
    )*};
}
values!(i32 => I32, i64 => I64, f32 => F32, f64 => F64);

impl sealed::Sealed for () {}
impl WasmResult for () {
    const KINDS: &'static [ValKind] = &[];
    #[inline(always)]
    fn into_raw(self) -> Option<RawValue> {
        None
    }
}

/// The signature of a host function taking `params` and returning `R`.
pub(crate) fn signature<R: WasmResult>(params: &[ValKind]) -> Signature {
    Signature {
        params: params.to_vec(),
        results: R::KINDS.to_vec(),
    }
}

/// Parameters of a guest export called with [`Instance::call`](crate::Instance::call):
/// a tuple of up to 8 [`WasmValue`]s, `()` for none.
pub trait WasmParams: sealed::Sealed + every::Params + Send + 'static {}

/// What a guest export returns to [`Instance::call`](crate::Instance::call):
/// `()` or one [`WasmValue`].
pub trait WasmResults: sealed::Sealed + every::Results + Send + 'static {}

impl WasmResults for () {}

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

/// The engines' own traits that gohost's value traits build on, for every
/// engine of this build.
#[doc(hidden)]
pub mod every {
    use crate::engine::choice::every_engine;

    every_engine!(
        /// A wasm value type of every engine.
        Value: WasmTy
    );
    every_engine!(
        /// Export parameters of every engine.
        Params: WasmParams
    );
    every_engine!(
        /// Export results of every engine.
        Results: WasmResults
    );
}
