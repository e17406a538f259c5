//! The wire between the Go package and this crate: one gohost host module,
//! wasm import module `gohost_http`.
//!
//! Everything the Go side must know is declared here, and only here: the
//! macro builds the host glue from it at compile time, and
//! [`crate::write_go_package`] generates the Go bindings (package
//! `httpwire`, which `gohosthttp` imports) from this same file, embedded
//! with `include_str!`, so the two sides cannot disagree.
//!
//! Names: the inbound half owns the functions below and the export
//! `gohost_http_serve`; the outbound half's functions are prefixed `out_`.

/// The host module. Its functions are thin: each hands its work to the
/// half that owns it.
#[gohost::host_module(name = "gohost_http", go_package = "httpwire", go_interface = "Server")]
pub mod module {
    use crate::HttpState;

    // ---- inbound: requests the guest's http.Handler serves ----

    /// A response's status code and header fields.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Head {
        /// The status code, 100 to 999.
        pub status: u16,
        /// The header fields as an HTTP/1 header section: a
        /// `Name: value\r\n` line each, then an empty line.
        pub header: Vec<u8>,
    }

    /// The next piece of a request body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct BodyChunk {
        /// The bytes, at most as many as asked for; empty at the end.
        pub data: Vec<u8>,
        /// Whether the body ends after these bytes.
        pub end: bool,
        /// The request's trailer fields, at the end, as an HTTP/1 header
        /// section (empty when there are none).
        pub trailer: Vec<u8>,
    }

    /// Why the request body cannot be read further.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum BodyError {
        /// The body is longer than the host accepts.
        TooLarge {
            /// The host's limit, in bytes.
            limit: u64,
        },
        /// The client stopped before the body's end: it went away, or its
        /// framing was broken.
        Incomplete {
            /// What the host's HTTP server saw.
            reason: String,
        },
        /// No request is being served.
        NoRequest,
    }

    /// Why a response cannot be sent further.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SendError {
        /// The client went away.
        ClientGone,
        /// The response body would be longer than the host allows.
        TooLarge {
            /// The host's limit, in bytes.
            limit: u64,
        },
        /// The head is not one HTTP can carry.
        BadHead {
            /// What is wrong with it.
            reason: String,
        },
        /// No request is being served.
        NoRequest,
    }

    impl std::fmt::Display for BodyError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                BodyError::TooLarge { limit } => {
                    write!(
                        f,
                        "the request body is longer than the host's limit of {limit} bytes"
                    )
                }
                BodyError::Incomplete { reason } => {
                    write!(f, "the request body ended early: {reason}")
                }
                BodyError::NoRequest => f.write_str("no request is being served"),
            }
        }
    }

    impl std::fmt::Display for SendError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                SendError::ClientGone => f.write_str("the client went away"),
                SendError::TooLarge { limit } => {
                    write!(
                        f,
                        "the response body is longer than the host's limit of {limit} bytes"
                    )
                }
                SendError::BadHead { reason } => write!(f, "bad response head: {reason}"),
                SendError::NoRequest => f.write_str("no request is being served"),
            }
        }
    }

    /// How a handler ended.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Outcome {
        /// It returned.
        Returned,
        /// It panicked with `http.ErrAbortHandler`: the response is aborted
        /// on purpose.
        Aborted,
        /// It panicked.
        Panicked {
            /// The panic value, printed.
            message: String,
        },
    }

    /// What the guest hands back when its handler has ended.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Finish {
        /// The head, unless `send` already carried it.
        pub head: Option<Head>,
        /// The body bytes not sent yet.
        pub body: Vec<u8>,
        /// The trailer fields as an HTTP/1 header section (empty when there
        /// are none).
        pub trailer: Vec<u8>,
        /// How the handler ended.
        pub outcome: Outcome,
    }

    /// Reads the next piece of the request body, at most `max` bytes,
    /// waiting for the client to send it.
    pub async fn read_body(http: &HttpState, max: u32) -> Result<BodyChunk, BodyError> {
        crate::inbound::host::read_body(http, max).await
    }

    /// Sends the response head (the first time: `head` is then required)
    /// and body bytes. Returns once the bytes are queued for the client;
    /// with `flush`, once the client's connection has taken them.
    pub async fn send(
        http: &HttpState,
        head: Option<Head>,
        data: Vec<u8>,
        flush: bool,
    ) -> Result<(), SendError> {
        crate::inbound::host::send(http, head, data, flush).await
    }

    // ---- outbound: requests the guest's http.Client makes ----

    /// A request the guest's transport makes.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OutRequest {
        /// The method.
        pub method: String,
        /// The absolute URL, without user-info or fragment.
        pub url: String,
        /// The header fields as an HTTP/1 header section (`Host` among
        /// them when the request sets one).
        pub header: Vec<u8>,
        /// The whole body; empty for none.
        pub body: Vec<u8>,
        /// The time left before the request context's deadline, in
        /// milliseconds; 0 when it has none.
        pub timeout_ms: u64,
    }

    /// The response to an outbound request: its head, and the body bytes
    /// that came with it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OutResponse {
        /// The status code.
        pub status: u16,
        /// The header fields as an HTTP/1 header section.
        pub header: Vec<u8>,
        /// The body's declared length; -1 when the server did not declare it.
        pub content_length: i64,
        /// The body's first bytes: those that arrived with the head.
        pub data: Vec<u8>,
        /// Whether the body ends with these first bytes.
        pub end: bool,
        /// The open body the rest is read from; 0 when the body has ended.
        pub body: u32,
    }

    /// The next piece of an outbound response's body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OutChunk {
        /// The bytes, at most as many as asked for.
        pub data: Vec<u8>,
        /// Whether the body ends after them.
        pub end: bool,
    }

    /// Why an outbound request or the reading of its body failed. The
    /// message names the request and the rule or limit.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum OutError {
        /// The host's policy refused the request; nothing was sent.
        Denied {
            /// What was refused, and by which rule.
            message: String,
        },
        /// A body is over the policy's limit.
        TooLarge {
            /// Which body, and the limit.
            message: String,
        },
        /// The request took longer than it may.
        Timeout {
            /// Which request, and what limited it.
            message: String,
        },
        /// Resolving, connecting, TLS or the exchange failed.
        Failed {
            /// What failed.
            message: String,
        },
        /// No such open body: it was read to its end or closed.
        NoBody,
    }

    impl std::fmt::Display for OutError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                OutError::Denied { message }
                | OutError::TooLarge { message }
                | OutError::Timeout { message }
                | OutError::Failed { message } => f.write_str(message),
                OutError::NoBody => f.write_str("the response body is closed"),
            }
        }
    }

    /// Sends a request under the host's outbound policy, and waits for the
    /// response's head.
    pub async fn out_send(http: &HttpState, req: OutRequest) -> Result<OutResponse, OutError> {
        crate::outbound::guest::send(http, req).await
    }

    /// Reads the next piece of a response body, at most `max` bytes,
    /// waiting for the server to send it.
    pub async fn out_read(http: &HttpState, body: u32, max: u32) -> Result<OutChunk, OutError> {
        crate::outbound::guest::read(http, body, max).await
    }

    /// Closes a response body before its end, freeing its request's slot.
    pub fn out_close(http: &HttpState, body: u32) {
        crate::outbound::guest::close(http, body)
    }

    extern "Go" {
        /// Serves one request with the plugin's handler. `head` is the
        /// request line and header section in HTTP/1 form, then the
        /// client's address (`ip:port`, or nothing); `content_length` is
        /// the body's declared length, -1 when unknown; without
        /// `body_follows` the request has no body; the response body may
        /// be at most `max_response_body` bytes.
        pub fn gohost_http_serve(
            head: &[u8],
            content_length: i64,
            body_follows: bool,
            max_response_body: u64,
        ) -> Finish;
    }
}

pub(crate) use self::module::*;

/// This file, for [`crate::write_go_package`]: the Go bindings are
/// generated from the same declarations the macro compiled.
pub(crate) const SOURCE: &str = include_str!("wire.rs");
