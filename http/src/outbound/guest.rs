//! The outbound host functions of `gohost_http` (declared in
//! `src/wire.rs`): what the Go transport's round trips and body reads do on
//! the host, and the instance's table of open response bodies.

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use super::body::ResponseBody;
use super::client::{Client, Outbound};
use super::error::OutboundError;
use crate::wire::{OutChunk, OutError, OutRequest, OutResponse};
use crate::HttpState;

/// How many body bytes `out_send` hands back with the head at most: what
/// had arrived with it, so that a small response takes one call.
const FIRST_BYTES: usize = 64 << 10;

/// The most bytes one `out_read` hands back, whatever the guest asks.
const MAX_READ: usize = 1 << 20;

/// The header fields a guest may not set: the host frames the request.
const FRAMING: [&str; 5] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
];

/// The outbound part of an instance's [`HttpState`]: its use of the
/// host's client, if it has one, and its open response bodies.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboundState {
    outbound: Option<Outbound>,
    bodies: Arc<Mutex<Bodies>>,
}

/// The response bodies a guest has open, by number; numbers are never
/// reused.
#[derive(Debug, Default)]
struct Bodies {
    last: u32,
    open: HashMap<u32, Reader>,
}

/// An open body and the bytes of its last frame not read yet.
#[derive(Debug)]
struct Reader {
    body: ResponseBody,
    rest: Bytes,
}

impl HttpState {
    /// The state of an instance whose Go `net/http` requests go through
    /// `client`, under its policy, with this instance's own count of open
    /// requests (`max_concurrent_requests`). Without it
    /// ([`HttpState::new`]) every outbound request is refused.
    ///
    /// ```no_run
    /// # fn f(linker: gohost::Linker<gohost_http::HttpState>, module: gohost::Module) -> Result<(), Box<dyn std::error::Error>> {
    /// use gohost_http::outbound::{Client, Policy};
    /// use gohost_http::HttpState;
    ///
    /// let manifest = gohost::Manifest::from_file("plugins/hook.toml")?;
    /// let client = Client::new(Policy::from_manifest(&manifest)?);
    /// let pool = gohost::Pool::builder(linker, module, move || HttpState::with_outbound(&client))
    ///     .limits(manifest.limits())
    ///     .build_async()?;
    /// # Ok(()) }
    /// ```
    pub fn with_outbound(client: &Client) -> HttpState {
        let mut state = HttpState::new();
        state.outbound.outbound = Some(client.instance());
        state
    }
}

impl OutboundState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Bodies> {
        self.bodies.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `reader` open; its number.
    fn open(&self, reader: Reader) -> u32 {
        let mut bodies = self.lock();
        bodies.last = bodies.last.wrapping_add(1).max(1);
        let id = bodies.last;
        bodies.open.insert(id, reader);
        id
    }
}

/// `out_send`: judges and sends the guest's request, and answers with the
/// head and the body bytes that came with it.
pub(crate) async fn send(http: &HttpState, req: OutRequest) -> Result<OutResponse, OutError> {
    let Some(outbound) = &http.outbound.outbound else {
        return Err(OutError::Denied {
            message: format!(
                "request to {} denied: the host gives this plugin no outbound policy \
                 (HttpState::with_outbound)",
                req.url
            ),
        });
    };
    let invalid = |message: String| OutError::Failed {
        message: format!("request to {}: {message}", req.url),
    };
    let method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| invalid(format!("{:?} is not a method", req.method)))?;
    let mut parts = http::Request::new(()).into_parts().0;
    parts.method = method;
    parts.headers = parse_header(&req.header).map_err(invalid)?;
    let body = Full::new(Bytes::from(req.body));
    let timeout = (req.timeout_ms > 0).then(|| Duration::from_millis(req.timeout_ms));
    let checked = outbound
        .client()
        .check_parts(parts, &req.url, body)
        .map_err(out_error)?
        .within(timeout);
    let response = outbound.send_checked(checked).await.map_err(out_error)?;
    let (head, mut body) = response.into_parts();

    // What arrived with the head, without waiting for more.
    let mut data = Vec::new();
    let mut end = body.is_end_stream();
    while !end && data.len() < FIRST_BYTES {
        let frame = poll_fn(|cx| Poll::Ready(Pin::new(&mut body).poll_frame(cx))).await;
        match frame {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(bytes) = frame.into_data() {
                    data.extend_from_slice(&bytes);
                }
                end = body.is_end_stream();
            }
            Poll::Ready(Some(Err(e))) => return Err(out_error(e)),
            Poll::Ready(None) => end = true,
            Poll::Pending => break,
        }
    }
    let id = if end {
        0
    } else {
        http.outbound.open(Reader {
            body,
            rest: Bytes::new(),
        })
    };
    let content_length = head
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<i64>().ok())
        .unwrap_or(-1);
    Ok(OutResponse {
        status: head.status.as_u16(),
        header: write_header(&head.headers),
        content_length,
        data,
        end,
        body: id,
    })
}

/// `out_read`: the next bytes of body `id`, at most `max`.
pub(crate) async fn read(http: &HttpState, id: u32, max: u32) -> Result<OutChunk, OutError> {
    // Out of the table while it is read: the guest is blocked in this call,
    // so nothing else can ask for it meanwhile.
    let mut reader = http
        .outbound
        .lock()
        .open
        .remove(&id)
        .ok_or(OutError::NoBody)?;
    let max = usize::try_from(max).unwrap_or(MAX_READ).clamp(1, MAX_READ);
    while reader.rest.is_empty() {
        match reader.body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(bytes) = frame.into_data() {
                    reader.rest = bytes;
                }
            }
            // The reader is dropped, and its request's slot with it.
            Some(Err(e)) => return Err(out_error(e)),
            None => {
                return Ok(OutChunk {
                    data: Vec::new(),
                    end: true,
                })
            }
        }
    }
    let data = reader.rest.split_to(max.min(reader.rest.len())).to_vec();
    let end = reader.rest.is_empty() && reader.body.is_end_stream();
    if !end {
        http.outbound.lock().open.insert(id, reader);
    }
    Ok(OutChunk { data, end })
}

/// `out_close`: drops body `id`, freeing its request's slot (the
/// connection is not reused).
pub(crate) fn close(http: &HttpState, id: u32) {
    let reader = http.outbound.lock().open.remove(&id);
    drop(reader);
}

/// The guest's view of an [`OutboundError`]: its kind, and its message.
fn out_error(e: OutboundError) -> OutError {
    let message = e.to_string();
    match e {
        OutboundError::Denied { .. } => OutError::Denied { message },
        OutboundError::RequestTooLarge { .. } | OutboundError::ResponseTooLarge { .. } => {
            OutError::TooLarge { message }
        }
        OutboundError::Timeout { .. } => OutError::Timeout { message },
        _ => OutError::Failed { message },
    }
}

/// The guest's header section, parsed as hyper parses one; the fields
/// that frame the request are the host's to set, and dropped.
fn parse_header(section: &[u8]) -> Result<HeaderMap, String> {
    let mut fields = vec![httparse::EMPTY_HEADER; 128];
    let fields = match httparse::parse_headers(section, &mut fields) {
        Ok(httparse::Status::Complete((_, fields))) => fields,
        Ok(httparse::Status::Partial) => return Err("the header section is incomplete".into()),
        Err(httparse::Error::TooManyHeaders) => return Err("more than 128 header fields".into()),
        Err(e) => return Err(format!("bad header section: {e}")),
    };
    let mut map = HeaderMap::with_capacity(fields.len());
    for field in fields.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| format!("bad header name {:?}", field.name))?;
        if FRAMING.contains(&name.as_str()) {
            continue;
        }
        let value = HeaderValue::from_bytes(field.value)
            .map_err(|_| format!("bad value of header {:?}", field.name))?;
        map.append(name, value);
    }
    Ok(map)
}

/// `headers` as an HTTP/1 header section, the names in Go's canonical
/// form (`Content-Type`), which the Go side then takes as they are (as the
/// inbound half sends a request's).
fn write_header(headers: &HeaderMap) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers.len() * 32 + 2);
    crate::inbound::append_canonical_fields(&mut out, headers);
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sections_cross_both_ways() {
        let map = parse_header(
            b"Accept: a\r\nX-Twice: 1\r\nX-Twice: 2\r\nContent-Length: 5\r\nHost: h.test\r\n\r\n",
        )
        .expect("valid");
        assert_eq!(map.get_all("x-twice").iter().count(), 2);
        assert_eq!(map["host"], "h.test");
        assert!(map.get("content-length").is_none(), "framing is the host's");
        assert_eq!(
            write_header(&map),
            b"Accept: a\r\nX-Twice: 1\r\nX-Twice: 2\r\nHost: h.test\r\n\r\n"
        );
        assert_eq!(parse_header(b"\r\n").expect("empty").len(), 0);
        for bad in [
            &b"No-Colon\r\n\r\n"[..],
            b"Bad Name: x\r\n\r\n",
            b"A: b\r\n",
        ] {
            assert!(
                parse_header(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
