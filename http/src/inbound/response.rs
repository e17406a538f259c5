//! The server's side of a request in flight: the future that resolves to
//! the response once the guest's head is known, and the body that streams
//! the rest. Both drive the guest's call, so the guest runs as the server
//! asks for the response, in the connection's task.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use http_body::{Frame, SizeHint};

use super::exchange::{Exchange, ResponseHead};
use crate::wire::{Finish, Head, Outcome};

/// The guest's call serving one request.
pub(crate) type Call = Pin<Box<dyn Future<Output = Result<Finish, gohost::Error>> + Send>>;

/// What the log says about a request.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub(crate) plugin: Option<Arc<str>>,
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.plugin {
            Some(p) => write!(f, "plugin {p}: {} {}", self.method, self.uri),
            None => write!(f, "{} {}", self.method, self.uri),
        }
    }
}

/// A request whose call has started, until the call ends.
struct InFlight {
    /// `None` once the call ended.
    call: Option<Call>,
    exchange: Arc<Exchange>,
    label: Label,
    /// How long a call whose client went away may take to end.
    grace: Duration,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let Some(call) = self.call.take() else {
            return;
        };
        // The server gave up on the response: the client went away, or a
        // layer above timed it out. Tell the guest (its reads and writes
        // fail, its request context is canceled), and let the call end on
        // a task of its own so that the instance goes back to its pool; a
        // call that does not end within the grace period is dropped, which
        // discards the instance.
        self.exchange.client_gone();
        tracing::debug!(target: "gohost_http", "{}: the client went away during the call", self.label);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let grace = self.grace;
            runtime.spawn(async move {
                let _ = tokio::time::timeout(grace, call).await;
            });
        }
    }
}

/// The future of a [`Handler`](crate::Handler)'s response: ready when the
/// guest sent the response's head (its body then streams as the guest
/// writes it), or when the request ends without one.
#[must_use = "futures do nothing unless polled"]
pub struct ResponseFuture {
    /// A response known before any call.
    ready: Option<Response<ResponseBody>>,
    /// The call, until the head is known.
    flight: Option<Box<InFlight>>,
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl ResponseFuture {
    /// A response known before any call.
    pub(crate) fn ready(response: Response<ResponseBody>) -> ResponseFuture {
        ResponseFuture {
            ready: Some(response),
            flight: None,
        }
    }

    /// The response of `call`, which serves its request through `exchange`.
    pub(crate) fn calling(
        call: Call,
        exchange: Arc<Exchange>,
        label: Label,
        grace: Duration,
    ) -> ResponseFuture {
        ResponseFuture {
            ready: None,
            flight: Some(Box::new(InFlight {
                call: Some(call),
                exchange,
                label,
                grace,
            })),
        }
    }
}

/// What stopped a response future's polling of its call.
enum Step {
    /// The guest sent the head.
    Head(ResponseHead),
    /// The call ended.
    Ended(Result<Finish, gohost::Error>),
}

impl Future for ResponseFuture {
    type Output = Result<Response<ResponseBody>, std::convert::Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(response) = self.ready.take() {
            return Poll::Ready(Ok(response));
        }
        let step = {
            let Some(flight) = self.flight.as_mut() else {
                // Polled after it completed.
                return Poll::Ready(Ok(error_response(StatusCode::INTERNAL_SERVER_ERROR)));
            };
            loop {
                if let Some(head) = flight.exchange.take_head() {
                    break Step::Head(head);
                }
                let Some(call) = flight.call.as_mut() else {
                    break Step::Ended(Err(gohost::Error::Engine("the call was lost".into())));
                };
                match call.as_mut().poll(cx) {
                    Poll::Pending if flight.exchange.head_sent() => continue,
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(result) => {
                        flight.call = None;
                        break Step::Ended(result);
                    }
                }
            }
        };
        let Some(flight) = self.flight.take() else {
            return Poll::Ready(Ok(error_response(StatusCode::INTERNAL_SERVER_ERROR)));
        };
        Poll::Ready(Ok(match step {
            // The head is out: the rest streams from the body, which takes
            // the call over.
            Step::Head(head) => with_body(head, ResponseBody::streaming(flight)),
            Step::Ended(result) => ended_before_head(flight, result),
        }))
    }
}

/// The response of a call that ended before its head was taken: the whole
/// response is known (or the call failed, and nothing reached the client).
fn ended_before_head(
    flight: Box<InFlight>,
    result: Result<Finish, gohost::Error>,
) -> Response<ResponseBody> {
    let finish = match result {
        Ok(finish) => finish,
        Err(e) => return failed_response(&flight.label, &e),
    };
    match &finish.outcome {
        Outcome::Returned => {}
        Outcome::Aborted => {
            tracing::debug!(target: "gohost_http", "{}: the handler aborted the response", flight.label);
            return error_response(StatusCode::INTERNAL_SERVER_ERROR);
        }
        Outcome::Panicked { message } => {
            // The call turns a panic into an error; say it anyway.
            tracing::warn!(target: "gohost_http", "{}: the handler panicked: {message}", flight.label);
            return error_response(StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    let head = match (flight.exchange.take_head(), finish.head) {
        (Some(head), None) => head,
        (None, Some(head)) => match parse_head(head) {
            Ok(head) => head,
            Err(reason) => return protocol_error(&flight.label, &reason),
        },
        (None, None) => return protocol_error(&flight.label, "the plugin sent no response head"),
        (Some(_), Some(_)) => {
            return protocol_error(&flight.label, "the plugin sent its response head twice")
        }
    };
    if let Err(e) = flight.exchange.count_tail(finish.body.len()) {
        tracing::warn!(target: "gohost_http", "{}: {e}", flight.label);
        return error_response(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let trailers = match parse_trailers(finish.trailer) {
        Ok(t) => t,
        Err(reason) => return protocol_error(&flight.label, &reason),
    };
    // The length the head declares must be the body's: hyper sends a
    // body of known length as it is, trusting the header, and a client
    // told another length would wait for bytes that never come, or read
    // the rest as the next response. A handler that wrote less than it
    // declared gets what net/http gives it: the bytes, then the end of the
    // connection.
    let short = match declared_length(&head) {
        Ok(Some(n))
            if n != finish.body.len() as u64 && flight.label.method != http::Method::HEAD =>
        {
            Some(format!(
                "the handler declared a Content-Length of {n} and wrote {} bytes",
                finish.body.len()
            ))
        }
        Ok(_) => None,
        Err(reason) => return protocol_error(&flight.label, &reason),
    };
    if trailers.is_none() && short.is_none() && !flight.exchange.has_queued() {
        return with_body(head, ResponseBody::full(Bytes::from(finish.body)));
    }
    if let Some(reason) = &short {
        tracing::debug!(target: "gohost_http", "{}: {reason}; the response is aborted", flight.label);
    }
    let stream = Streaming {
        flight,
        tail: Some(Bytes::from(finish.body)),
        trailers,
        error: short.map(ResponseError::new),
        yield_once: false,
        wrote_out: false,
    };
    with_body(
        head,
        ResponseBody {
            kind: BodyKind::Stream(Box::new(stream)),
        },
    )
}

/// The answer to a request whose call failed before anything was sent.
fn failed_response(label: &Label, e: &gohost::Error) -> Response<ResponseBody> {
    let status = match e {
        gohost::Error::DeadlineExceeded { .. } => StatusCode::GATEWAY_TIMEOUT,
        gohost::Error::UnknownPlugin { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let hint = match e {
        gohost::Error::MissingExport { name, .. } if name == "gohost_http_serve" => {
            " (the plugin does not serve HTTP: it must import its module's \
             internal/gohosthttp and call gohosthttp.Serve in an init function)"
        }
        _ => "",
    };
    tracing::warn!(target: "gohost_http", "{label}: {e}{hint}; answered {status}");
    error_response(status)
}

/// The answer when the plugin broke the wire's protocol (a guest that is
/// not built with gohosthttp, or a bug).
fn protocol_error(label: &Label, reason: &str) -> Response<ResponseBody> {
    tracing::warn!(target: "gohost_http", "{label}: {reason}");
    error_response(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A short plain-text response with `status`.
pub(crate) fn error_response(status: StatusCode) -> Response<ResponseBody> {
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let mut response = Response::new(ResponseBody::full(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn with_body(head: ResponseHead, body: ResponseBody) -> Response<ResponseBody> {
    let (parts, ()) = head.into_parts();
    Response::from_parts(parts, body)
}

/// The Content-Length a head declares, if it declares one.
fn declared_length(head: &ResponseHead) -> Result<Option<u64>, String> {
    let mut declared = None;
    for value in head.headers().get_all(http::header::CONTENT_LENGTH) {
        let n = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("invalid Content-Length {value:?}"))?;
        if declared.is_some_and(|d| d != n) {
            return Err("several different Content-Length fields".into());
        }
        declared = Some(n);
    }
    Ok(declared)
}

/// A response head from the guest, checked: a status HTTP can answer with
/// (informational ones cannot be sent this way), valid header fields, and
/// a valid Content-Length. Transfer-Encoding is dropped: the server frames
/// the body.
pub(crate) fn parse_head(head: Head) -> Result<ResponseHead, String> {
    let status = StatusCode::from_u16(head.status)
        .map_err(|_| format!("the status code {} is not valid", head.status))?;
    if status.is_informational() {
        return Err(format!(
            "the status code {} (informational) cannot be the response's",
            head.status
        ));
    }
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.headers_mut() = parse_fields(head.header)?;
    response
        .headers_mut()
        .remove(http::header::TRANSFER_ENCODING);
    declared_length(&response)?;
    Ok(response)
}

/// Trailer fields from the guest; `None` when there are none.
fn parse_trailers(section: Vec<u8>) -> Result<Option<HeaderMap>, String> {
    if section.is_empty() {
        return Ok(None);
    }
    let fields = parse_fields(section)?;
    Ok((!fields.is_empty()).then_some(fields))
}

/// The fields of an HTTP/1 header section, parsed as hyper parses a
/// message's (the values share the section's bytes).
fn parse_fields(section: Vec<u8>) -> Result<HeaderMap, String> {
    const ON_STACK: usize = 32;
    let section = Bytes::from(section);
    let mut few = [httparse::EMPTY_HEADER; ON_STACK];
    let mut many;
    let slots: &mut [httparse::Header<'_>] = if count_lines(&section) <= ON_STACK {
        &mut few
    } else {
        many = vec![httparse::EMPTY_HEADER; count_lines(&section)];
        &mut many
    };
    let (len, fields) = match httparse::parse_headers(&section, slots) {
        Ok(httparse::Status::Complete(parsed)) => parsed,
        Ok(httparse::Status::Partial) => return Err("the header section does not end".into()),
        Err(e) => return Err(format!("invalid header section: {e}")),
    };
    if len != section.len() {
        return Err("bytes after the end of the header section".into());
    }
    let mut map = HeaderMap::with_capacity(fields.len());
    for field in fields.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| format!("invalid header name {:?}", field.name))?;
        let value = HeaderValue::from_maybe_shared(section.slice_ref(field.value))
            .map_err(|_| format!("invalid value of header {:?}", field.name))?;
        map.append(name, value);
    }
    Ok(map)
}

/// At least the number of fields in a header section.
fn count_lines(section: &[u8]) -> usize {
    section.iter().filter(|&&b| b == b'\n').count()
}

/// The body of a [`Handler`](crate::Handler)'s response: the bytes the
/// guest writes, as it writes them (and its trailers), or the whole body
/// when the guest finished before the server asked.
///
/// A response that cannot be finished (the guest panicked or ran past its
/// deadline after sending part of it) ends with a [`ResponseError`], which
/// makes the server abort it: HTTP/1.1 closes the connection before the
/// body's end, HTTP/2 resets the stream, so the client never takes a
/// truncated body for a complete one.
pub struct ResponseBody {
    kind: BodyKind,
}

enum BodyKind {
    Full(Option<Bytes>),
    Stream(Box<Streaming>),
}

struct Streaming {
    flight: Box<InFlight>,
    /// The body bytes the guest handed back when it ended.
    tail: Option<Bytes>,
    trailers: Option<HeaderMap>,
    /// Why the response cannot be finished.
    error: Option<ResponseError>,
    /// The last piece was flushed: let the server write it out before the
    /// guest goes on.
    yield_once: bool,
    /// The server was given the chance to write out what it holds before
    /// the abort.
    wrote_out: bool,
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BodyKind::Full(data) => f
                .debug_struct("ResponseBody")
                .field("len", &data.as_ref().map_or(0, Bytes::len))
                .finish(),
            BodyKind::Stream(_) => f.debug_struct("ResponseBody").finish_non_exhaustive(),
        }
    }
}

impl ResponseBody {
    /// A body of exactly `data`.
    pub(crate) fn full(data: Bytes) -> ResponseBody {
        ResponseBody {
            kind: BodyKind::Full(Some(data)),
        }
    }

    fn streaming(flight: Box<InFlight>) -> ResponseBody {
        ResponseBody {
            kind: BodyKind::Stream(Box::new(Streaming {
                flight,
                tail: None,
                trailers: None,
                error: None,
                yield_once: false,
                wrote_out: false,
            })),
        }
    }
}

impl Streaming {
    /// Takes in how the call ended, after the head went out.
    fn ended(&mut self, result: Result<Finish, gohost::Error>) {
        let label = &self.flight.label;
        let finish = match result {
            Ok(finish) => finish,
            Err(e) => {
                tracing::warn!(target: "gohost_http", "{label}: {e}; the response is aborted");
                self.error = Some(ResponseError::new(e.to_string()));
                return;
            }
        };
        let problem = match finish.outcome {
            Outcome::Returned if finish.head.is_some() => {
                Some("the plugin sent its response head twice".to_owned())
            }
            Outcome::Returned => None,
            Outcome::Aborted => {
                tracing::debug!(target: "gohost_http", "{label}: the handler aborted the response");
                self.error = Some(ResponseError::new("the handler aborted the response"));
                return;
            }
            Outcome::Panicked { message } => Some(format!("the handler panicked: {message}")),
        };
        let result = match problem {
            Some(p) => Err(p),
            None => self
                .flight
                .exchange
                .count_tail(finish.body.len())
                .map_err(|e| e.to_string())
                .and_then(|()| parse_trailers(finish.trailer)),
        };
        match result {
            Ok(trailers) => {
                self.tail = Some(Bytes::from(finish.body));
                self.trailers = trailers;
            }
            Err(reason) => {
                tracing::warn!(target: "gohost_http", "{label}: {reason}; the response is aborted");
                self.error = Some(ResponseError::new(reason));
            }
        }
    }

    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ResponseError>>> {
        if std::mem::take(&mut self.yield_once) {
            // Pending once makes hyper write out what it holds (it flushes
            // when the body has nothing ready), so a flushed piece reaches
            // the client before the guest goes on.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        loop {
            if let Some((data, flush)) = self.flight.exchange.take_queued() {
                self.yield_once = flush;
                return Poll::Ready(Some(Ok(Frame::data(data))));
            }
            if let Some(call) = self.flight.call.as_mut() {
                match call.as_mut().poll(cx) {
                    Poll::Pending if self.flight.exchange.has_queued() => continue,
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(result) => {
                        self.flight.call = None;
                        self.ended(result);
                        continue;
                    }
                }
            }
            if let Some(tail) = self.tail.take().filter(|t| !t.is_empty()) {
                return Poll::Ready(Some(Ok(Frame::data(tail))));
            }
            if let Some(e) = self.error.take() {
                if !std::mem::replace(&mut self.wrote_out, true) {
                    // Let hyper write out what it holds first: the client
                    // gets the bytes sent so far, then the abort.
                    self.error = Some(e);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                return Poll::Ready(Some(Err(e)));
            }
            if let Some(trailers) = self.trailers.take() {
                return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
            }
            return Poll::Ready(None);
        }
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = ResponseError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ResponseError>>> {
        match &mut self.kind {
            BodyKind::Full(data) => Poll::Ready(
                data.take()
                    .filter(|d| !d.is_empty())
                    .map(|d| Ok(Frame::data(d))),
            ),
            BodyKind::Stream(stream) => stream.poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Full(data) => data.as_ref().is_none_or(Bytes::is_empty),
            BodyKind::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            BodyKind::Stream(_) => SizeHint::default(),
        }
    }
}

/// Why a response was aborted after its head went out: the guest panicked,
/// aborted on purpose (`http.ErrAbortHandler`), ran past its deadline,
/// wrote more than the response limit, or broke the wire's protocol.
#[derive(Debug, Clone)]
pub struct ResponseError {
    reason: Arc<str>,
}

impl ResponseError {
    fn new(reason: impl Into<Arc<str>>) -> ResponseError {
        ResponseError {
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for ResponseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "response aborted: {}", self.reason)
    }
}

impl std::error::Error for ResponseError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, section: impl AsRef<[u8]>) -> Head {
        Head {
            status,
            header: section.as_ref().to_vec(),
        }
    }

    #[test]
    fn a_good_head_is_parsed_with_repeated_fields_and_no_transfer_encoding() {
        let h = parse_head(head(
            201,
            b"Set-Cookie: a=1\r\nset-cookie: b=2\r\nTransfer-Encoding: chunked\r\nX-Obs: caf\xe9\r\n\r\n",
        ))
        .unwrap();
        assert_eq!(h.status(), StatusCode::CREATED);
        let cookies: Vec<_> = h.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(h.headers().get("transfer-encoding").is_none());
        // obs-text (a Latin-1 byte) passes, as hyper lets it.
        assert_eq!(h.headers().get("x-obs").unwrap().as_bytes(), b"caf\xe9");
    }

    #[test]
    fn what_a_hostile_guest_may_send_is_refused_with_a_reason() {
        for (status, section, want) in [
            (99, "\r\n", "not valid"),
            (1000, "\r\n", "not valid"),
            (101, "\r\n", "informational"),
            (103, "\r\n", "informational"),
            (200, "X-A: 1\r\n", "does not end"),
            (200, "X-A: 1\r\n\r\nextra", "after the end"),
            (200, "Bad Name: 1\r\n\r\n", "invalid header"),
            (200, "X-A: a\x00b\r\n\r\n", "invalid header"),
            (200, "Content-Length: ten\r\n\r\n", "invalid Content-Length"),
            (
                200,
                "Content-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "several different",
            ),
        ] {
            let err = parse_head(head(status, section)).unwrap_err();
            assert!(err.contains(want), "{status} {section:?}: {err}");
        }
        // Many fields: more than fit on the stack.
        let many: String = (0..100)
            .map(|i| format!("X-{i}: {i}\r\n"))
            .collect::<String>()
            + "\r\n";
        assert_eq!(parse_head(head(200, &many)).unwrap().headers().len(), 100);
    }

    #[test]
    fn a_declared_length_is_read_once_and_checked() {
        let h = parse_head(head(
            200,
            "Content-Length: 12\r\ncontent-length: 12\r\n\r\n",
        ))
        .unwrap();
        assert_eq!(declared_length(&h), Ok(Some(12)));
        let h = parse_head(head(200, "\r\n")).unwrap();
        assert_eq!(declared_length(&h), Ok(None));
    }

    #[test]
    fn trailers_are_none_when_empty() {
        assert_eq!(parse_trailers(Vec::new()), Ok(None));
        assert_eq!(parse_trailers(b"\r\n".to_vec()), Ok(None));
        let t = parse_trailers(b"X-Sum: 1\r\n\r\n".to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(t.get("x-sum").unwrap(), "1");
    }
}
