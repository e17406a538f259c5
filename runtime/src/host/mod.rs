//! Host functions, for every engine: the context a host function gets
//! ([`Caller`]), the closures and value types that can be host functions,
//! what an async host function returns ([`HostCall`]), and the async calls
//! of generated glue.

pub(crate) mod async_start;
mod call;
mod caller;
mod func;

pub use call::HostCall;
pub use call::Pending;
pub(crate) use call::{outside_async_call, CallState};
pub(crate) use caller::memory_and_data;
pub use caller::Caller;
pub use caller::CallerRepr;
pub(crate) use func::{for_each_host_arity, signature};
pub use func::{
    AsyncHostFuncOn, HostFuncOn, IntoAsyncHostFunc, IntoHostFunc, RawValue, WasmParams, WasmResult,
    WasmResults, WasmValue,
};
