//! Inbound HTTP: requests served by a Go plugin's `http.Handler`.
//!
//! A [`Handler`] turns each request into one async call of the guest's
//! export `gohost_http_serve` on a pooled instance. The request's
//! [`Exchange`](exchange::Exchange) is put in the instance's [`HttpState`]
//! for the call; the guest's host functions ([`host`]) read the request
//! body from it and queue the response there, and the response future and
//! body ([`response`]) take the response from it as they drive the call.

mod exchange;
pub(crate) mod host;
mod request;

pub(crate) use request::append_canonical_fields;
mod response;

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use gohost::{Instance, Plugin, PluginSet, Pool};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;

use crate::wire::{self, Finish, Outcome};
use crate::HttpView;
use exchange::{data_to_bytes, BoxError, Exchange, RequestBody};
use response::{error_response, Call, Label};

pub use request::ClientAddr;
pub use response::{ResponseBody, ResponseError, ResponseFuture};

/// The inbound part of an instance's [`HttpState`](crate::HttpState): the
/// request it is serving, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct InboundState {
    pub(crate) exchange: Option<Arc<Exchange>>,
}

/// A [`tower_service::Service`] that answers HTTP requests with a Go
/// plugin's `http.Handler`: each request is one async call on an instance
/// of a [`Pool`], or of a [`PluginSet`]'s plugin (the version that serves
/// when the request arrives, so it follows hot reloads).
///
/// It works with hyper 1 (through `hyper_util::service::TowerToHyperService`
/// or a `service_fn`) and with axum, where mounting a plugin is one line:
///
/// ```no_run
/// # fn f(pool: gohost::Pool<gohost_http::HttpState>) {
/// let app: axum::Router = axum::Router::new().nest_service("/shop", gohost_http::Handler::new(pool));
/// # }
/// ```
///
/// Its error type is [`Infallible`](std::convert::Infallible): every failure
/// is an HTTP answer. Before the response's head is sent: 413 for a
/// request body longer than [`max_request_body`](Self::max_request_body)
/// (when its length is declared), 504 when the call runs past the pool's
/// deadline ([`gohost::Limits::deadline`]), 503 when a plugin set has no
/// such plugin (404 for [`Handler::plugins`]), and 500 for a Go panic, a
/// trap, a limit, or a plugin that breaks the wire. After it, the body ends
/// with a [`ResponseError`], which aborts the response. The details go to
/// `tracing` (target `gohost_http`).
///
/// The pool's instances are async instances, so the pool's engine must be
/// interruptible ([`gohost::Config::interruptible`]) and the service must
/// run inside a Tokio runtime with timers. The state of the pool's
/// instances holds an [`HttpState`](crate::HttpState), found through
/// [`HttpView`], and its linker has [`add_to_linker`](crate::add_to_linker)'s
/// functions.
pub struct Handler<S: 'static> {
    target: Arc<Target<S>>,
    settings: Settings,
}

enum Target<S: 'static> {
    Pool {
        pool: Arc<Pool<S>>,
        name: Option<Arc<str>>,
    },
    Plugin {
        plugins: PluginSet<S>,
        name: Arc<str>,
    },
    Plugins(PluginSet<S>),
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    max_request_body: u64,
    max_response_body: u64,
    disconnect_grace: Duration,
}

impl<S> Clone for Handler<S> {
    fn clone(&self) -> Self {
        Handler {
            target: Arc::clone(&self.target),
            settings: self.settings,
        }
    }
}

impl<S: Send> std::fmt::Debug for Handler<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target = match &*self.target {
            Target::Pool { name, .. } => format!("pool {name:?}"),
            Target::Plugin { name, .. } => format!("plugin {name:?}"),
            Target::Plugins(set) => format!("plugins of {}", set.dir().display()),
        };
        f.debug_struct("Handler")
            .field("target", &target)
            .field("max_request_body", &self.settings.max_request_body)
            .field("max_response_body", &self.settings.max_response_body)
            .field("disconnect_grace", &self.settings.disconnect_grace)
            .finish()
    }
}

/// The default of [`Handler::max_request_body`]: 2 MiB, as axum's
/// default body limit.
pub const DEFAULT_MAX_REQUEST_BODY: u64 = 2 << 20;

/// The default of [`Handler::max_response_body`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 64 << 20;

/// The default of [`Handler::disconnect_grace`]: 1 second.
pub const DEFAULT_DISCONNECT_GRACE: Duration = Duration::from_secs(1);

impl<S: HttpView> Handler<S> {
    /// A handler that serves every request with an instance of `pool`.
    ///
    /// ```no_run
    /// use gohost::{Config, Engine, Linker, Module, Pool};
    /// use gohost_http::{Handler, HttpState};
    ///
    /// let engine = Engine::new(Config::new().interruptible(true));
    /// let module = Module::from_file(&engine, "shop.wasm")?;
    /// let mut linker = Linker::<HttpState>::new(&engine);
    /// gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s)?;
    /// let handler = Handler::new(Pool::builder(linker, module, HttpState::new).build_async()?);
    /// # Ok::<(), gohost::Error>(())
    /// ```
    pub fn new(pool: impl Into<Arc<Pool<S>>>) -> Handler<S> {
        let pool = pool.into();
        let name = pool.name().map(Arc::from);
        Handler::with_target(Target::Pool { pool, name })
    }

    /// A handler that serves every request with the plugin `name` of
    /// `plugins`, in the version that serves when the request arrives (503
    /// Service Unavailable while there is none).
    ///
    /// ```no_run
    /// # fn f(plugins: gohost::PluginSet<gohost_http::HttpState>) {
    /// let app: axum::Router = axum::Router::new()
    ///     .nest_service("/shop", gohost_http::Handler::plugin(plugins.clone(), "shop"))
    ///     .nest_service("/blog", gohost_http::Handler::plugin(plugins, "blog"));
    /// # }
    /// ```
    pub fn plugin(plugins: PluginSet<S>, name: impl Into<Arc<str>>) -> Handler<S> {
        Handler::with_target(Target::Plugin {
            plugins,
            name: name.into(),
        })
    }

    /// A handler that serves `/NAME/...` with the plugin `NAME` of
    /// `plugins`, which sees the path without `/NAME` (`/NAME` alone is
    /// `/`), as `http.StripPrefix` would give it; 404 Not Found for a name
    /// that no plugin has. Plugins added or removed by a reload are served
    /// or not at once.
    ///
    /// ```no_run
    /// # fn f(plugins: gohost::PluginSet<gohost_http::HttpState>) {
    /// let app: axum::Router = axum::Router::new().fallback_service(gohost_http::Handler::plugins(plugins));
    /// # }
    /// ```
    pub fn plugins(plugins: PluginSet<S>) -> Handler<S> {
        Handler::with_target(Target::Plugins(plugins))
    }

    fn with_target(target: Target<S>) -> Handler<S> {
        Handler {
            target: Arc::new(target),
            settings: Settings {
                max_request_body: DEFAULT_MAX_REQUEST_BODY,
                max_response_body: DEFAULT_MAX_RESPONSE_BODY,
                disconnect_grace: DEFAULT_DISCONNECT_GRACE,
            },
        }
    }
}

impl<S> Handler<S> {
    /// The longest request body the plugin may read, in bytes (default
    /// [`DEFAULT_MAX_REQUEST_BODY`]). A request that declares a longer body
    /// gets 413 Request Entity Too Large without a call; when one turns
    /// out longer, the handler's read fails with `*http.MaxBytesError`.
    #[must_use]
    pub fn max_request_body(mut self, bytes: u64) -> Self {
        self.settings.max_request_body = bytes;
        self
    }

    /// The longest response body the plugin may send, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`]). The handler's write that would pass
    /// it fails (`gohosthttp.ErrResponseTooLarge`) and the response is
    /// aborted, or answered with 500 if nothing was sent yet.
    #[must_use]
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.settings.max_response_body = bytes;
        self
    }

    /// How long a call may go on after its client went away (default
    /// [`DEFAULT_DISCONNECT_GRACE`]). The guest learns it at its next
    /// read, write or flush (they fail, and the request's context is
    /// canceled) and usually returns at once, which keeps its instance; a
    /// call still running after this is dropped, and its instance
    /// discarded.
    #[must_use]
    pub fn disconnect_grace(mut self, grace: Duration) -> Self {
        self.settings.disconnect_grace = grace;
        self
    }
}

impl<S, B> tower_service::Service<Request<B>> for Handler<S>
where
    S: HttpView,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody>;
    type Error = std::convert::Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The pool queues calls; there is nothing to wait for here.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> ResponseFuture {
        let (parts, body) = req.into_parts();
        let (plugin, routed) = match &*self.target {
            Target::Pool { pool, name } => (Instances::Pool(pool.clone(), name.clone()), None),
            Target::Plugin { plugins, name } => match plugins.get(name) {
                Some(plugin) => (Instances::Plugin(plugin), None),
                None => {
                    tracing::warn!(target: "gohost_http", "no plugin named {name:?} serves; answered 503");
                    return ResponseFuture::ready(error_response(StatusCode::SERVICE_UNAVAILABLE));
                }
            },
            Target::Plugins(plugins) => {
                let Some((name, target)) = route(&parts.uri) else {
                    return ResponseFuture::ready(error_response(StatusCode::NOT_FOUND));
                };
                match plugins.get(name) {
                    Some(plugin) => (Instances::Plugin(plugin), Some(target)),
                    None => return ResponseFuture::ready(error_response(StatusCode::NOT_FOUND)),
                }
            }
        };
        let settings = self.settings;
        let hint = body.size_hint();
        if hint.lower() > settings.max_request_body {
            return ResponseFuture::ready(error_response(StatusCode::PAYLOAD_TOO_LARGE));
        }
        let body_follows = !body.is_end_stream();
        let content_length = match hint.exact() {
            _ if !body_follows => 0,
            Some(n) => i64::try_from(n).unwrap_or(-1),
            None => -1,
        };
        let served = Served {
            head: request::request_head(&parts, routed.as_deref()),
            content_length,
            body_follows,
            max_response_body: settings.max_response_body,
        };
        let body = body_follows.then(|| erase(body));
        let exchange = Arc::new(Exchange::new(
            body,
            settings.max_request_body,
            settings.max_response_body,
        ));
        let label = Label {
            plugin: plugin.name(),
            method: parts.method,
            uri: parts.uri,
        };
        let call = plugin.call(exchange.clone(), served);
        ResponseFuture::calling(call, exchange, label, settings.disconnect_grace)
    }
}

/// `/NAME/rest?query` as the plugin's name and the target it serves
/// (`/rest?query`); `None` without a name.
fn route(uri: &http::Uri) -> Option<(&str, String)> {
    let path = uri.path().strip_prefix('/')?;
    let (name, rest) = match path.find('/') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, "/"),
    };
    if name.is_empty() {
        return None;
    }
    let target = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    Some((name, target))
}

/// The instances a request goes to.
enum Instances<S: 'static> {
    Pool(Arc<Pool<S>>, Option<Arc<str>>),
    Plugin(Arc<Plugin<S>>),
}

impl<S: HttpView> Instances<S> {
    fn name(&self) -> Option<Arc<str>> {
        match self {
            Instances::Pool(_, name) => name.clone(),
            Instances::Plugin(plugin) => Some(Arc::from(plugin.name())),
        }
    }

    /// The call that serves the request on one of the instances.
    fn call(self, exchange: Arc<Exchange>, served: Served) -> Call {
        match self {
            Instances::Pool(pool, _) => Box::pin(async move {
                pool.call_async(move |instance| Box::pin(serve(instance, exchange, served)))
                    .await
            }),
            Instances::Plugin(plugin) => Box::pin(async move {
                plugin
                    .call_async(move |instance| Box::pin(serve(instance, exchange, served)))
                    .await
            }),
        }
    }
}

/// What the guest's export is called with.
struct Served {
    head: Vec<u8>,
    content_length: i64,
    body_follows: bool,
    max_response_body: u64,
}

/// Serves one request on `instance`.
async fn serve<S: HttpView>(
    instance: &mut Instance<S>,
    exchange: Arc<Exchange>,
    served: Served,
) -> Result<Finish, gohost::Error> {
    instance.state_mut().http().inbound.exchange = Some(exchange);
    let result = wire::exports::gohost_http_serve_async(
        instance,
        &served.head,
        served.content_length,
        served.body_follows,
        served.max_response_body,
    )
    .await;
    instance.state_mut().http().inbound.exchange = None;
    match result {
        // A panic is a fault, as gohost treats a panicking export: the
        // pool discards the instance, whose Go state may be half-changed.
        Ok(Finish {
            outcome: Outcome::Panicked { message },
            ..
        }) => Err(gohost::Error::GuestPanic {
            func: format!("{}.gohost_http_serve", wire::MODULE),
            message,
        }),
        other => other,
    }
}

/// The request body as the exchange keeps it, whatever the server's body
/// type.
fn erase<B>(body: B) -> RequestBody
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    body.map_frame(|frame| frame.map_data(data_to_bytes))
        .map_err(Into::into)
        .boxed_unsync()
}
