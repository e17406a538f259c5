//! The inbound host functions of `gohost_http` (declared in `src/wire.rs`):
//! what the guest's request body reads and response writes do on the host.

use std::future::poll_fn;

use bytes::Bytes;

use super::response::parse_head;
use crate::wire::{BodyChunk, BodyError, Head, SendError};
use crate::HttpState;

/// `read_body`: the next piece of the request body, at most `max` bytes.
pub(crate) async fn read_body(http: &HttpState, max: u32) -> Result<BodyChunk, BodyError> {
    let Some(exchange) = &http.inbound.exchange else {
        return Err(BodyError::NoRequest);
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    poll_fn(|cx| exchange.poll_read(cx, max)).await
}

/// `send`: the head (the first time) and body bytes, queued for the
/// client once there is room; with `flush`, taken by the client's
/// connection.
pub(crate) async fn send(
    http: &HttpState,
    head: Option<Head>,
    data: Vec<u8>,
    flush: bool,
) -> Result<(), SendError> {
    let Some(exchange) = &http.inbound.exchange else {
        return Err(SendError::NoRequest);
    };
    let head = head
        .map(parse_head)
        .transpose()
        .map_err(|reason| SendError::BadHead { reason })?;
    poll_fn(|cx| exchange.poll_room(cx)).await?;
    exchange.push(head, Bytes::from(data), flush)?;
    if flush {
        poll_fn(|cx| exchange.poll_taken(cx)).await?;
    }
    Ok(())
}
