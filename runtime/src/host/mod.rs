//! Host functions, for every engine: the context a host function gets
//! ([`Caller`]), what an async host function returns ([`HostCall`]), and
//! the async calls of generated glue (`async_start`).

pub(crate) mod async_start;
mod call;
mod caller;

pub use call::HostCall;
pub(crate) use call::{outside_async_call, CallState};
pub(crate) use caller::memory_and_data;
pub use caller::Caller;
