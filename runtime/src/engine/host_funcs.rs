//! The closures that can be host functions, for every engine of the
//! build: [`IntoHostFunc`] and [`IntoAsyncHostFunc`] are defined once, over
//! what each engine's adapter implements ([`HostFuncOn`],
//! [`AsyncHostFuncOn`]) for the closures of every arity.

use super::backend::Backend;
use super::sig::Signature;

/// A Rust closure that can be registered as a host function with
/// [`Linker::func_wrap`](crate::Linker::func_wrap).
///
/// Implemented for `Fn(Caller<'_, S>, A1, .., An) -> Result<R, Trap>` with
/// each `Ai` a [`WasmValue`](crate::WasmValue), `R` a
/// [`WasmResult`](crate::WasmResult), and up to 16 parameters.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a host function",
    label = "expected `Fn(Caller<'_, S>, A1, .., An) -> Result<R, Trap>`",
    note = "parameters are `i32`, `i64`, `f32` or `f64` (up to 16); the result is `()` or one of those"
)]
pub trait IntoHostFunc<S, Params, Results>:
    on_every::HostFunc<S, Params, Results> + Send + Sync + 'static
{
}

impl<S, P, R, F> IntoHostFunc<S, P, R> for F where
    F: on_every::HostFunc<S, P, R> + Send + Sync + 'static
{
}

/// A Rust closure that can be registered as an async host function with
/// [`Linker::func_wrap_async`](crate::Linker::func_wrap_async).
///
/// Implemented for `Fn(&mut Caller<'_, S>, A1, .., An) -> HostCall<S, R>`
/// with each `Ai` a [`WasmValue`](crate::WasmValue), `R` a
/// [`WasmResult`](crate::WasmResult), and up to 16
/// parameters.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an async host function",
    label = "expected `Fn(&mut Caller<'_, S>, A1, .., An) -> HostCall<S, R>`",
    note = "parameters are `i32`, `i64`, `f32` or `f64` (up to 16); the result is `()` or one of those"
)]
pub trait IntoAsyncHostFunc<S, Params, Results>:
    on_every::AsyncHostFunc<S, Params, Results> + Send + Sync + 'static
{
}

impl<S, P, R, F> IntoAsyncHostFunc<S, P, R> for F where
    F: on_every::AsyncHostFunc<S, P, R> + Send + Sync + 'static
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

/// The host-function traits of every engine of this build.
#[doc(hidden)]
pub mod on_every {
    use super::{AsyncHostFuncOn, HostFuncOn};
    use crate::engine::choice::every_backend;

    every_backend!(
        /// A host function of every engine.
        HostFunc<S, P, R>: HostFuncOn
    );
    every_backend!(
        /// An async host function of every engine.
        AsyncHostFunc<S, P, R>: AsyncHostFuncOn
    );
}
