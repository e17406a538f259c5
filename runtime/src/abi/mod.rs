//! The typed ABI between Go guests and Rust host functions: the value
//! codec, memory views, handles and the return-area protocol of
//! `docs/abi.md`. Generated glue uses this through [`crate::__private`].

mod async_calls;
mod codec;
mod config;
mod error;
mod fixed;
mod handles;
mod memory;
#[cfg(test)]
mod proptests;
mod reply;
mod ret;
mod text;
mod writer;

pub use async_calls::{AsyncCalls, Pending};
pub use codec::{
    char_error, char_from_wasm, decode_all, isize_error, range_error, usize_error, Decode, Encode,
    Reader,
};
pub(crate) use config::{read_config, ConfigValues, RUNTIME_MODULE};
pub use error::AbiError;
pub use fixed::Fixed;
pub use handles::HandleTable;
pub use memory::GuestMemory;
pub use reply::{reply_ok, reply_result, ReplyError};
pub(crate) use ret::take_pending;
pub use ret::{
    fail_abi, fail_message, fail_typed, ret_abi_error, ret_err_message, ret_err_typed, ret_ok,
    ret_ok_fixed, CallCx, RetArea, Status,
};
pub use writer::Writer;
pub(crate) use writer::Written;

/// Per-instance state of the ABI.
#[derive(Debug, Default)]
pub struct AbiState {
    /// Host objects the guest holds handles to.
    pub handles: HandleTable,
    /// A result too large for the guest's scratch buffer, until taken.
    pending: Option<Vec<u8>>,
    /// The encoding buffer, reused from call to call.
    scratch: Vec<u8>,
    /// The values `Config(key)` reads in the guest.
    pub(crate) config: ConfigValues,
    /// The futures of async host functions, and a call left pending.
    pub(crate) async_calls: AsyncCalls,
}
