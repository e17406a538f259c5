//! Replies of the exports that take encoded arguments (`docs/abi.md`,
//! "Exports"): a status byte, then the payload. The generated clients
//! decode them in place, in the guest's memory, with these.

use super::codec::{decode_all, Decode, Reader};
use super::AbiError;
use crate::error::Error;

/// Why an export's reply is not the result.
#[derive(Debug)]
pub enum ReplyError {
    /// The guest refused the call or its implementation panicked (status
    /// 2 or 3): the error to return, as it is.
    Guest(Error),
    /// The reply does not decode: the guest broke the ABI, and the
    /// instance is poisoned.
    Malformed(AbiError),
}

impl From<AbiError> for ReplyError {
    fn from(e: AbiError) -> Self {
        ReplyError::Malformed(e)
    }
}

/// The result of a reply of an export that cannot return an error:
/// status 0 and the encoded result.
#[inline]
pub fn reply_ok<T: for<'r> Decode<'r>>(
    export: &'static str,
    status: u8,
    payload: &[u8],
) -> Result<T, ReplyError> {
    match status {
        0 => Ok(decode_all(payload)?),
        n => Err(refused(export, n, payload)),
    }
}

/// The result (status 0) or error (status 1) of a reply of an export that
/// returns `Result<T, E>`. With `typed`, the error is a message followed
/// by the value of the module's enum `E`, else (`E` is `String`) the
/// message.
#[inline]
pub fn reply_result<T, E>(
    export: &'static str,
    status: u8,
    payload: &[u8],
    typed: bool,
) -> Result<Result<T, E>, ReplyError>
where
    T: for<'r> Decode<'r>,
    E: for<'r> Decode<'r>,
{
    match status {
        0 => Ok(Ok(decode_all(payload)?)),
        1 if typed => {
            let mut r = Reader::new(payload);
            <&str as Decode<'_>>::decode(&mut r)?;
            let e = E::decode(&mut r)?;
            r.finish()?;
            Ok(Err(e))
        }
        1 => Ok(Err(decode_all(payload)?)),
        n => Err(refused(export, n, payload)),
    }
}

/// The error of a reply whose status is not a result.
#[cold]
fn refused(export: &'static str, status: u8, payload: &[u8]) -> ReplyError {
    match status {
        2 | 3 => ReplyError::Guest(crate::__private::guest_error("", export, status, payload)),
        n => ReplyError::Malformed(AbiError::new(format!("unexpected reply status {n}"))),
    }
}
