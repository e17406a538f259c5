//! One request in flight between the HTTP server and the plugin instance
//! serving it: the request body the guest reads, and the response head and
//! body bytes it sends, queued one piece at a time for the server.
//!
//! The guest's host functions ([`super::host`]) and the server's side (the
//! response future and body, [`super::response`]) share it; the server's
//! side also drives the guest's call, so both halves usually run in the
//! connection's task. The queue holds one piece: a guest that writes faster
//! than the client reads waits in `send`, which is the backpressure.

use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes};
use http::{HeaderMap, Response};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;

use crate::wire::{BodyChunk, BodyError, SendError};

/// The request body, whatever the server's body type.
pub(crate) type RequestBody = UnsyncBoxBody<Bytes, BoxError>;

/// The error of a type-erased body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response head the guest sent, parsed.
pub(crate) type ResponseHead = Response<()>;

/// One request in flight; see the module's documentation.
pub(crate) struct Exchange {
    state: Mutex<State>,
    max_request_body: u64,
    max_response_body: u64,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    /// The body the client is sending; `None` once it ended or failed.
    body: Option<Pin<Box<RequestBody>>>,
    /// Bytes of the last frame the guest has not read yet.
    unread: Bytes,
    /// Body bytes the client sent so far.
    received: u64,
    /// Why the body cannot be read further, once it cannot.
    body_error: Option<BodyError>,

    /// The head the guest sent, until the server takes it.
    head: Option<ResponseHead>,
    /// Whether the guest sent its head.
    head_sent: bool,
    /// Body bytes waiting for the server, and whether the guest flushed
    /// them (the server then writes them out before the guest goes on).
    queued: Option<(Bytes, bool)>,
    /// Body bytes the guest sent so far.
    sent: u64,
    /// The guest's `send` waiting for the queue to empty.
    waiting: Option<Waker>,
    /// The client went away.
    gone: bool,
}

impl Exchange {
    /// The exchange of a request whose body is `body` (`None`: it has
    /// none).
    pub(crate) fn new(
        body: Option<RequestBody>,
        max_request_body: u64,
        max_response_body: u64,
    ) -> Exchange {
        Exchange {
            state: Mutex::new(State {
                body: body.map(Box::pin),
                ..State::default()
            }),
            max_request_body,
            max_response_body,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; if something did, the
        // state is still consistent enough to end the request.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- the guest's side ----

    /// The next body bytes for a guest read of at most `max` bytes.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<Result<BodyChunk, BodyError>> {
        let max = max.max(1);
        let mut st = self.lock();
        let st = &mut *st;
        if !st.unread.is_empty() {
            let data = st.unread.split_to(max.min(st.unread.len()));
            let end = st.unread.is_empty() && st.body.is_none();
            return Poll::Ready(Ok(chunk(data, end, Vec::new())));
        }
        if let Some(e) = &st.body_error {
            return Poll::Ready(Err(e.clone()));
        }
        loop {
            let Some(body) = st.body.as_mut() else {
                return Poll::Ready(Ok(chunk(Bytes::new(), true, Vec::new())));
            };
            let frame = match body.as_mut().poll_frame(cx) {
                Poll::Pending if st.gone => {
                    return Poll::Ready(Err(self.fail_body(st, gone_reading())))
                }
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    st.body = None;
                    continue;
                }
                Poll::Ready(Some(Err(e))) => {
                    let e = BodyError::Incomplete {
                        reason: e.to_string(),
                    };
                    return Poll::Ready(Err(self.fail_body(st, e)));
                }
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            let mut data = match frame.into_data() {
                Ok(data) if data.is_empty() => continue,
                Ok(data) => data,
                Err(frame) => {
                    let trailer = frame
                        .into_trailers()
                        .map(|t| header_section(&t))
                        .unwrap_or_default();
                    st.body = None;
                    return Poll::Ready(Ok(chunk(Bytes::new(), true, trailer)));
                }
            };
            st.received += data.len() as u64;
            if st.received > self.max_request_body {
                let e = BodyError::TooLarge {
                    limit: self.max_request_body,
                };
                return Poll::Ready(Err(self.fail_body(st, e)));
            }
            let now = data.split_to(max.min(data.len()));
            st.unread = data;
            if body.is_end_stream() {
                st.body = None;
            }
            let end = st.unread.is_empty() && st.body.is_none();
            return Poll::Ready(Ok(chunk(now, end, Vec::new())));
        }
    }

    /// Ends the body with `e`, which later reads get too.
    fn fail_body(&self, st: &mut State, e: BodyError) -> BodyError {
        st.body = None;
        st.unread = Bytes::new();
        st.body_error = Some(e.clone());
        e
    }

    /// Whether there is room for the guest's next piece of body, waiting
    /// while the server has not taken the last one.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        let mut st = self.lock();
        if st.gone {
            return Poll::Ready(Err(SendError::ClientGone));
        }
        if st.queued.is_some() {
            st.waiting = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Whether the server has taken every piece the guest sent.
    pub(crate) fn poll_taken(&self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        let mut st = self.lock();
        if st.queued.is_none() {
            return Poll::Ready(Ok(()));
        }
        if st.gone {
            return Poll::Ready(Err(SendError::ClientGone));
        }
        st.waiting = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Queues the guest's head (its first piece must carry one, and only
    /// that one) and body bytes. There is room: [`poll_room`] said so.
    ///
    /// [`poll_room`]: Self::poll_room
    pub(crate) fn push(
        &self,
        head: Option<ResponseHead>,
        data: Bytes,
        flush: bool,
    ) -> Result<(), SendError> {
        let mut st = self.lock();
        match (head, st.head_sent) {
            (Some(head), false) => {
                st.head = Some(head);
                st.head_sent = true;
            }
            (None, true) => {}
            (Some(_), true) => return Err(bad_head("the head was sent already")),
            (None, false) => {
                return Err(bad_head("the first piece of a response carries its head"))
            }
        }
        self.count_sent(&mut st, data.len())?;
        if !data.is_empty() {
            st.queued = Some((data, flush));
        }
        Ok(())
    }

    /// Counts `n` more body bytes against the response limit.
    fn count_sent(&self, st: &mut State, n: usize) -> Result<(), SendError> {
        st.sent += n as u64;
        if st.sent > self.max_response_body {
            return Err(SendError::TooLarge {
                limit: self.max_response_body,
            });
        }
        Ok(())
    }

    /// Counts the body bytes the guest handed back at its end.
    pub(crate) fn count_tail(&self, n: usize) -> Result<(), SendError> {
        let mut st = self.lock();
        self.count_sent(&mut st, n)
    }

    // ---- the server's side ----

    /// The head, once the guest sent it.
    pub(crate) fn take_head(&self) -> Option<ResponseHead> {
        self.lock().head.take()
    }

    /// Whether the guest sent its head (taken or not).
    pub(crate) fn head_sent(&self) -> bool {
        self.lock().head_sent
    }

    /// The body bytes waiting, if any, and whether the guest flushed them;
    /// the guest's `send` waiting for room is woken.
    pub(crate) fn take_queued(&self) -> Option<(Bytes, bool)> {
        let mut st = self.lock();
        let data = st.queued.take()?;
        if let Some(waker) = st.waiting.take() {
            waker.wake();
        }
        Some(data)
    }

    /// Whether body bytes are waiting.
    pub(crate) fn has_queued(&self) -> bool {
        self.lock().queued.is_some()
    }

    /// The client went away: what the guest sends from now on fails, and
    /// a `send` waiting for room wakes to find out.
    pub(crate) fn client_gone(&self) {
        let mut st = self.lock();
        st.gone = true;
        st.queued = None;
        if let Some(waker) = st.waiting.take() {
            waker.wake();
        }
    }
}

fn chunk(data: Bytes, end: bool, trailer: Vec<u8>) -> BodyChunk {
    BodyChunk {
        data: Vec::from(data),
        end,
        trailer,
    }
}

fn gone_reading() -> BodyError {
    BodyError::Incomplete {
        reason: "the client went away".to_owned(),
    }
}

fn bad_head(reason: &str) -> SendError {
    SendError::BadHead {
        reason: reason.to_owned(),
    }
}

/// `fields` as an HTTP/1 header section: a `name: value\r\n` line each,
/// then an empty line.
pub(crate) fn header_section(fields: &HeaderMap) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.len() * 32 + 2);
    append_fields(&mut out, fields);
    out.extend_from_slice(b"\r\n");
    out
}

/// Appends a `name: value\r\n` line for each field.
fn append_fields(out: &mut Vec<u8>, fields: &HeaderMap) {
    for (name, value) in fields {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// A body's data as [`Bytes`], for any server's body type.
pub(crate) fn data_to_bytes<D: Buf>(mut data: D) -> Bytes {
    data.copy_to_bytes(data.remaining())
}
