//! HTTP for gohost: Go `net/http` handlers served from a Rust service, and
//! outbound `net/http` from Go plugins under the host's policy.
//!
//! A Go plugin serves an ordinary `http.Handler` (`http.ServeMux` with its
//! Go 1.22 patterns, middleware, routers written against `net/http`) by
//! calling `gohosthttp.Serve(h)` in `init`; [`write_go_package`] writes that
//! Go package into the plugin's module. On the Rust side, a [`Handler`] is a
//! [`tower_service::Service`] over a [`gohost::Pool`] of the plugin (or a
//! plugin of a [`gohost::PluginSet`]), so mounting it in an axum router is
//! one line:
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use gohost::{Config, Engine, Limits, Linker, Module, Pool};
//! use gohost_http::{Handler, HttpState};
//!
//! // Async calls need an interruptible engine; so do deadlines.
//! let engine = Engine::new(Config::new().interruptible(true));
//! let module = Module::from_file(&engine, "shop.wasm")?;
//! let mut linker = Linker::<HttpState>::new(&engine);
//! gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s)?;
//! let pool = Pool::builder(linker, module, HttpState::new)
//!     .limits(Limits::new().memory_bytes(64 << 20).deadline(std::time::Duration::from_secs(10)))
//!     .build_async()?;
//!
//! let app = axum::Router::new().nest_service("/shop", Handler::new(pool));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(
//!     listener,
//!     app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
//! )
//! .await?;
//! # Ok(()) }
//! ```
//!
//! Each request is one async call on an instance of the pool; its body
//! streams in as the handler reads `r.Body`, and the response streams out
//! as the handler writes (and flushes). The guide is `docs/http.md` of the
//! repository: what a Go author writes, limits, errors, streaming and
//! figures.
//!
//! The pieces:
//!
//! - [`write_go_package`]: the Go package `gohosthttp`, written into a
//!   plugin's Go module at `internal/gohosthttp` (with the bindings it uses
//!   and gohost's support package), so the plugin builds with the Go
//!   toolchain alone;
//! - [`add_to_linker`] and [`HttpState`]: the host functions a plugin
//!   imports (wasm module `gohost_http`), and the per-instance state they
//!   use;
//! - [`Handler`]: the tower service, with its limits; [`ClientAddr`] tells
//!   it the client's address when axum's `ConnectInfo` does not;
//! - [`outbound`]: the plugin's own requests (`http.Get` and every client on
//!   `http.DefaultTransport`), made by the host's [`outbound::Client`] under
//!   an [`outbound::Policy`] checked on resolved addresses; an instance gets
//!   them with [`HttpState::with_outbound`]. The guide is
//!   `docs/http-outbound.md`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod go_package;
mod inbound;
pub mod outbound;
mod wire;

use gohost::Linker;

pub use go_package::{go_package_files, write_go_package, GoFile, GoPackageError};
pub use inbound::{
    ClientAddr, Handler, ResponseBody, ResponseError, ResponseFuture, DEFAULT_DISCONNECT_GRACE,
    DEFAULT_MAX_REQUEST_BODY, DEFAULT_MAX_RESPONSE_BODY,
};

/// What a plugin instance's host functions of `gohost_http` use: the
/// request it is serving, and its outbound client and open response bodies
/// ([`HttpState::with_outbound`]). Put one in each instance's state (a pool's state
/// factory makes it, [`HttpState::new`]) and give [`add_to_linker`] the way
/// to it.
///
/// Cloning is cheap (an async host function gets a clone of it for each
/// call).
#[derive(Debug, Clone, Default)]
pub struct HttpState {
    pub(crate) inbound: inbound::InboundState,
    pub(crate) outbound: outbound::guest::OutboundState,
}

impl HttpState {
    /// The state of an instance that serves no request yet.
    pub fn new() -> HttpState {
        HttpState::default()
    }
}

/// How a [`Handler`] finds the [`HttpState`] in an instance's state `S`:
/// implemented by `HttpState` itself; implement it for your own state when
/// it holds one beside other things, returning the same field that the
/// closure given to [`add_to_linker`] returns.
///
/// ```
/// use gohost_http::{HttpState, HttpView};
///
/// struct Plugin {
///     http: HttpState,
///     visits: u64,
/// }
///
/// impl HttpView for Plugin {
///     fn http(&mut self) -> &mut HttpState {
///         &mut self.http
///     }
/// }
/// // gohost_http::add_to_linker(&mut linker, |p: &mut Plugin| &mut p.http)?;
/// ```
pub trait HttpView: Send + 'static {
    /// The instance's HTTP state.
    fn http(&mut self) -> &mut HttpState;
}

impl HttpView for HttpState {
    fn http(&mut self) -> &mut HttpState {
        self
    }
}

/// Registers the host functions of `gohost_http` (the wasm import module
/// the Go package `gohosthttp` calls) on `linker`; `get` finds the
/// instance's [`HttpState`] in its state.
///
/// ```no_run
/// use gohost::{Engine, Linker};
/// use gohost_http::HttpState;
///
/// let engine = Engine::new(gohost::Config::new().interruptible(true));
/// let mut linker = Linker::<HttpState>::new(&engine);
/// gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s)?;
/// # Ok::<(), gohost::Error>(())
/// ```
///
/// # Errors
///
/// As the generated `add_to_linker` of any host module: when `linker`
/// already has functions of `gohost_http` registered.
pub fn add_to_linker<S: Send + 'static>(
    linker: &mut Linker<S>,
    get: impl Fn(&mut S) -> &mut HttpState + Send + Sync + Copy + 'static,
) -> Result<(), gohost::Error> {
    wire::add_to_linker(linker, get)
}

/// The Rust examples of the guide's HTTP pages compile, and run unless
/// marked `no_run`, as doctests of this crate (the pages use it; gohost's
/// own doctests cannot): one item per page.
#[cfg(doctest)]
mod guide_doctests {
    #[doc = include_str!("../../docs/http.md")]
    struct Http;
    #[doc = include_str!("../../docs/http-outbound.md")]
    struct HttpOutbound;
}
