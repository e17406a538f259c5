//! A response body under the policy: streamed as it arrives, cut off at
//! the size limit and at the exchange's deadline, and holding the
//! instance's request slot until it ends or is dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Sleep;

use super::error::OutboundError;

/// The body of a response from [`Client::send`](super::Client::send):
/// an [`http_body::Body`] of [`Bytes`] frames, streamed as the server
/// sends them. Reading it fails with
/// [`OutboundError::ResponseTooLarge`] once it goes over
/// `max_response_body_bytes`, and with [`OutboundError::Timeout`]
/// once the exchange outlives `timeout_ms`. Its request counts
/// against the instance's `max_concurrent_requests` until the body
/// ends, fails or is dropped.
///
/// ```no_run
/// # async fn f(client: gohost_http::outbound::Client) -> Result<(), gohost_http::outbound::OutboundError> {
/// use http_body_util::BodyExt;
///
/// let request = http::Request::get("https://api.example.com/feed").body(String::new()).unwrap();
/// let mut body = client.send(request).await?.into_body();
/// while let Some(frame) = body.frame().await {
///     if let Ok(chunk) = frame?.into_data() {
///         println!("{} bytes", chunk.len());
///     }
/// }
/// # Ok(()) }
/// ```
pub struct ResponseBody {
    inner: Incoming,
    // Boxed so that the body is `Unpin`, as hyper's own is.
    deadline: Pin<Box<Sleep>>,
    /// The exchange's time, and the setting that gave it.
    timeout: (Duration, &'static str),
    remaining: u64,
    limit: u64,
    target: Arc<str>,
    slot: Option<OwnedSemaphorePermit>,
    done: bool,
}

impl ResponseBody {
    pub(crate) fn new(
        inner: Incoming,
        deadline: Sleep,
        timeout: (Duration, &'static str),
        limit: u64,
        target: Arc<str>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> ResponseBody {
        ResponseBody {
            inner,
            deadline: Box::pin(deadline),
            timeout,
            remaining: limit,
            limit,
            target,
            slot,
            done: false,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = OutboundError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, OutboundError>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let outcome = match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let len = frame.data_ref().map_or(0, |d| d.len() as u64);
                if len > this.remaining {
                    Some(Err(OutboundError::ResponseTooLarge {
                        target: this.target.to_string(),
                        limit: this.limit,
                    }))
                } else {
                    this.remaining -= len;
                    return Poll::Ready(Some(Ok(frame)));
                }
            }
            Poll::Ready(Some(Err(e))) => Some(Err(OutboundError::Http {
                target: this.target.to_string(),
                reason: format!("reading the response body: {e}"),
            })),
            Poll::Ready(None) => None,
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Some(Err(OutboundError::Timeout {
                    target: this.target.to_string(),
                    after: this.timeout.0,
                    setting: this.timeout.1,
                })),
                Poll::Pending => return Poll::Pending,
            },
        };
        // Ended, one way or another: the request's slot is free again.
        this.done = true;
        this.slot.take();
        Poll::Ready(outcome)
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("target", &self.target)
            .field("remaining", &self.remaining)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
