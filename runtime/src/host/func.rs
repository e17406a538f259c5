//! The types a host function takes and returns, and the closures that can
//! be host functions: defined once, for every engine of the build. Each
//! engine adapter turns a closure into its engine's function
//! ([`HostFuncOn`], [`AsyncHostFuncOn`]), for each arity, with
//! [`for_each_host_arity!`].

use crate::engine::{every, Backend};
use crate::linker::{Signature, ValKind};

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

/// A Rust closure that can be registered as a host function with
/// [`Linker::func_wrap`](crate::Linker::func_wrap).
///
/// Implemented for `Fn(Caller<'_, S>, A1, .., An) -> Result<R, Trap>` with
/// each `Ai` a [`WasmValue`], `R` a [`WasmResult`], and up to 16 parameters.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a host function",
    label = "expected `Fn(Caller<'_, S>, A1, .., An) -> Result<R, Trap>`",
    note = "parameters are `i32`, `i64`, `f32` or `f64` (up to 16); the result is `()` or one of those"
)]
pub trait IntoHostFunc<S, Params, Results>:
    every::HostFunc<S, Params, Results> + Send + Sync + 'static
{
}

impl<S, P, R, F> IntoHostFunc<S, P, R> for F where
    F: every::HostFunc<S, P, R> + Send + Sync + 'static
{
}

/// A Rust closure that can be registered as an async host function with
/// [`Linker::func_wrap_async`](crate::Linker::func_wrap_async).
///
/// Implemented for `Fn(&mut Caller<'_, S>, A1, .., An) -> HostCall<S, R>`
/// with each `Ai` a [`WasmValue`], `R` a [`WasmResult`], and up to 16
/// parameters.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an async host function",
    label = "expected `Fn(&mut Caller<'_, S>, A1, .., An) -> HostCall<S, R>`",
    note = "parameters are `i32`, `i64`, `f32` or `f64` (up to 16); the result is `()` or one of those"
)]
pub trait IntoAsyncHostFunc<S, Params, Results>:
    every::AsyncHostFunc<S, Params, Results> + Send + Sync + 'static
{
}

impl<S, P, R, F> IntoAsyncHostFunc<S, P, R> for F where
    F: every::AsyncHostFunc<S, P, R> + Send + Sync + 'static
{
}

/// A host function the engine `B` can register: implemented by each
/// adapter for the closures [`IntoHostFunc`] describes.
///
/// `TRACED`: whether each call runs in a span when a subscriber listens
/// (always, but for the benchmark of what a span costs).
#[doc(hidden)]
pub trait HostFuncOn<B: Backend, S, Params, Results> {
    fn define<const TRACED: bool>(
        self,
        links: &mut B::Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, B::Error>;
}

/// An async host function the engine `B` can register: implemented by each
/// adapter for the closures [`IntoAsyncHostFunc`] describes.
#[doc(hidden)]
pub trait AsyncHostFuncOn<B: Backend, S, Params, Results> {
    fn define<const TRACED: bool>(
        self,
        links: &mut B::Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, B::Error>;
}
