//! gohost's async example: an HTTP service (axum on Tokio) that answers
//! each route with a pool of Go plugins, whose host functions await real
//! async I/O (Tokio's file I/O, a slow upstream behind a Tokio timer), and
//! that cuts off a runaway plugin at its deadline while the others keep
//! answering.
//!
//! The binary (`src/main.rs`) and the test (`tests/server.rs`) share this
//! library:
//!
//! - [`svc`], the host module: the typed API plugins get as Go package
//!   `svc` (two `async fn`s and a sync one) and the export each plugin
//!   implements (`handle`);
//! - [`build_plugins`], which builds `plugins/*` with your Go toolchain;
//! - [`Host`], one [`gohost::Pool`] per plugin, and [`Host::handle`], which
//!   turns one request into one async pool call and an HTTP answer;
//! - [`router`] and [`serve`], the axum side;
//! - [`client`], a minimal HTTP/1.1 client for the demo and the test.
//!
//! Building this crate writes `plugins/svc/svc.go` (the macro's `go_out`),
//! the Go package plugins import.

pub mod client;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::get;
use axum::Router;
use gohost::{Config, Engine, Error, Limits, Linker, Module, Pool, PoolStats};
use tokio::net::TcpListener;

/// The wall-clock time each plugin call gets, time spent awaiting host
/// functions included. A `docs` request needs about
/// [`UPSTREAM_LATENCY`]; `spin` never finishes and is cut off here.
pub const DEADLINE: Duration = Duration::from_millis(500);

/// How long the simulated analytics service takes to answer
/// ([`svc::count_view`]).
pub const UPSTREAM_LATENCY: Duration = Duration::from_millis(100);

/// The most instances of one plugin alive at once; more requests for that
/// plugin wait, without blocking a thread, for one to come free.
pub const INSTANCES_PER_PLUGIN: usize = 4;

/// Each plugin instance's memory limit.
const MEMORY_LIMIT: usize = 64 << 20;

/// The Tokio runtime the service runs on: multi-threaded, one worker per
/// CPU, with I/O and timers; Tokio's defaults. (A guest that computes
/// yields to it every few milliseconds with Tokio's own `yield_now`, so
/// sockets and timers are served in between.)
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// What the host functions of one plugin instance see. An `async fn` gets a
/// clone of it for each call, so it holds only cheap, shareable things: the
/// plugin's name and an `Arc` of what all plugins share.
#[derive(Debug, Clone)]
pub struct Svc {
    plugin: Arc<str>,
    shared: Arc<Shared>,
}

/// What the host owns and every plugin instance reaches through [`svc`].
#[derive(Debug)]
pub struct Shared {
    /// The folder of the documents `read_doc` serves (`NAME.txt`).
    data_dir: PathBuf,
    /// The views the simulated analytics service counted, per document.
    views: Mutex<HashMap<String, u64>>,
}

/// The typed API plugins get, as Go package `svc`, and the export each
/// plugin implements (the `extern "Go"` block).
#[gohost::host_module(name = "svc", go_package = "svc", go_out = "plugins/svc")]
pub mod svc {
    use super::Svc;
    use std::fmt;

    /// A request for a plugin: one HTTP `GET`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Request {
        /// Counts from 1, across all plugins.
        pub id: u32,
        /// The `q` parameter of the query string ("" without one).
        pub query: String,
    }

    /// A plugin's answer: an HTTP status code and a text body.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Response {
        pub status: u32,
        pub body: String,
    }

    /// A document of the host's data directory.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Doc {
        pub name: String,
        /// The document's first line.
        pub title: String,
        pub text: String,
        /// The size of the file, in bytes.
        pub size: u64,
    }

    /// A reason the host refused a call.
    #[derive(Debug, Clone, PartialEq)]
    pub enum SvcError {
        /// A name with no document behind it.
        NotFound { name: String },
        /// A name that is not 1 to 64 lowercase letters, digits and dashes.
        BadName { name: String },
        /// A document that exists but could not be read.
        Unreadable { name: String, reason: String },
    }

    impl fmt::Display for SvcError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                SvcError::NotFound { name } => write!(f, "no document named {name:?}"),
                SvcError::BadName { name } => write!(
                    f,
                    "bad document name {name:?}: use 1 to 64 lowercase letters, digits and dashes"
                ),
                SvcError::Unreadable { name, reason } => {
                    write!(f, "document {name:?} could not be read: {reason}")
                }
            }
        }
    }

    /// Reads the document `name` (the file `NAME.txt` of the host's data
    /// directory) with Tokio's file I/O.
    pub async fn read_doc(svc: &Svc, name: &str) -> Result<Doc, SvcError> {
        svc.read_doc(name).await
    }

    /// Records one view of the document `name` with the analytics service,
    /// a simulated upstream one round trip away (100 ms, a Tokio timer),
    /// and returns the document's views so far.
    pub async fn count_view(svc: &Svc, name: &str) -> u64 {
        svc.count_view(name).await
    }

    /// Writes `line` to the host's log, after the plugin's name.
    pub fn log(svc: &Svc, line: &str) {
        super::say(format_args!("[{}] {line}", svc.plugin));
    }

    extern "Go" {
        /// Handles one HTTP request.
        pub fn handle(req: &Request) -> Result<Response, String>;
    }
}

impl Svc {
    async fn read_doc(&self, name: &str) -> Result<svc::Doc, svc::SvcError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(svc::SvcError::BadName {
                name: name.to_owned(),
            });
        }
        let path = self.shared.data_dir.join(format!("{name}.txt"));
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(svc::SvcError::NotFound {
                    name: name.to_owned(),
                })
            }
            Err(e) => {
                return Err(svc::SvcError::Unreadable {
                    name: name.to_owned(),
                    reason: e.to_string(),
                })
            }
        };
        Ok(svc::Doc {
            name: name.to_owned(),
            title: text.lines().next().unwrap_or_default().to_owned(),
            size: text.len() as u64,
            text,
        })
    }

    async fn count_view(&self, name: &str) -> u64 {
        tokio::time::sleep(UPSTREAM_LATENCY).await;
        let mut views = self
            .shared
            .views
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let n = views.entry(name.to_owned()).or_insert(0);
        *n += 1;
        *n
    }
}

/// The folder of the documents the host serves: `data/` of this crate.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The example's build step: builds each directory of `plugins/` that holds
/// a Go `main` package as a reactor, into one folder, and returns it.
///
/// # Errors
///
/// When Go is missing or too old, or a build fails (with Go's output).
pub fn build_plugins() -> Result<PathBuf, gohost_build::Error> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins");
    let folder = gohost_build::out_dir().join("async-plugins");
    let names = gohost_build::try_build_plugins(&src, &folder)?;
    say(format_args!(
        "built {} plugin(s) into {}: {}",
        names.len(),
        folder.display(),
        names.join(", ")
    ));
    Ok(folder)
}

/// The plugins the service runs: one pool of instances per plugin.
#[derive(Debug)]
pub struct Host {
    plugins: BTreeMap<String, Pool<Svc>>,
    next_id: AtomicU32,
}

/// What [`Host::handle`] answers: an HTTP status, a text body, and the
/// plugin that answered (`None` when there is no such plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub plugin: Option<String>,
}

impl Host {
    /// Loads every `.wasm` plugin in `folder`, each in its own pool of
    /// async instances on one interruptible engine, with the documents of
    /// `data_dir`.
    pub fn load(folder: &Path, data_dir: &Path) -> Result<Host, Error> {
        // Async instances need an interruptible engine; so do deadlines.
        let engine = Engine::new(Config::new().interruptible(true));
        let shared = Arc::new(Shared {
            data_dir: data_dir.to_owned(),
            views: Mutex::default(),
        });
        let mut plugins = BTreeMap::new();
        for path in wasm_files(folder)? {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let module = Module::from_file(&engine, &path)?;
            let mut linker = Linker::<Svc>::new(&engine);
            svc::add_to_linker(&mut linker, |s: &mut Svc| s)?;
            let state = Svc {
                plugin: name.as_str().into(),
                shared: shared.clone(),
            };
            let pool = Pool::builder(linker, module, move || state.clone())
                .max_instances(INSTANCES_PER_PLUGIN)
                .limits(Limits::new().memory_bytes(MEMORY_LIMIT).deadline(DEADLINE))
                .build();
            plugins.insert(name, pool);
        }
        Ok(Host {
            plugins,
            next_id: AtomicU32::new(1),
        })
    }

    /// The names of the plugins, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.plugins.keys().map(String::as_str).collect()
    }

    /// Each plugin's pool statistics, by name.
    pub fn stats(&self) -> Vec<(&str, PoolStats)> {
        self.plugins
            .iter()
            .map(|(name, pool)| (name.as_str(), pool.stats()))
            .collect()
    }

    /// Sends one request to `plugin` through its pool and turns the outcome
    /// into an HTTP answer: the plugin's own status and body, 500 when the
    /// plugin returns an error, 504 when the call runs past [`DEADLINE`],
    /// 502 for any other fault (a Go panic, a trap, a memory limit; the
    /// pool replaces that instance).
    pub async fn handle(&self, plugin: &str, query: String) -> Answer {
        let Some(pool) = self.plugins.get(plugin) else {
            return Answer {
                status: StatusCode::NOT_FOUND,
                body: format!(
                    "no plugin named {plugin:?}; plugins: {}\n",
                    self.names().join(", ")
                ),
                plugin: None,
            };
        };
        let req = svc::Request {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            query,
        };
        // Waits for a free instance (first come, first served), then awaits
        // the plugin, which awaits the host functions it calls. Dropping
        // this future (the client went away) cancels the call; the pool
        // then discards that instance.
        let result = pool
            .call_async(move |p| Box::pin(async move { svc::exports::handle_async(p, &req).await }))
            .await;
        let (status, body) = match result {
            Ok(Ok(resp)) => match u16::try_from(resp.status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
            {
                Some(status) => (status, resp.body),
                None => (
                    StatusCode::BAD_GATEWAY,
                    format!("{plugin}: answered with status {}\n", resp.status),
                ),
            },
            // The plugin returned an error: an answer; the instance stays.
            Ok(Err(msg)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{plugin}: {msg}\n"),
            ),
            // gohost stopped the call at its deadline; the instance is gone.
            Err(e @ Error::DeadlineExceeded { .. }) => {
                (StatusCode::GATEWAY_TIMEOUT, format!("{plugin}: {e}\n"))
            }
            Err(e) => (StatusCode::BAD_GATEWAY, format!("{plugin}: {e}\n")),
        };
        Answer {
            status,
            body,
            plugin: Some(plugin.to_owned()),
        }
    }
}

/// The `.wasm` files in `folder`, sorted by name.
fn wasm_files(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::Io {
        path: folder.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}

/// The service's routes:
///
/// - `GET /plugins/{name}?q=...`: one request for plugin `name`; the
///   answer carries an `x-plugin` header naming the plugin;
/// - `GET /stats`: each plugin's pool statistics, one line each.
pub fn router(host: Arc<Host>) -> Router {
    Router::new()
        .route("/plugins/{name}", get(call_plugin))
        .route("/stats", get(stats))
        .with_state(host)
}

async fn call_plugin(
    State(host): State<Arc<Host>>,
    UrlPath(name): UrlPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> HttpResponse {
    let query = params.get("q").cloned().unwrap_or_default();
    let answer = host.handle(&name, query).await;
    match answer.plugin {
        Some(plugin) => (answer.status, [("x-plugin", plugin)], answer.body).into_response(),
        None => (answer.status, answer.body).into_response(),
    }
}

async fn stats(State(host): State<Arc<Host>>) -> String {
    host.stats()
        .into_iter()
        .map(|(name, s)| {
            format!(
                "{name}: {} instance(s) created, {} discarded, {} live, {} idle\n",
                s.created, s.discarded, s.live, s.idle
            )
        })
        .collect()
}

/// Serves [`router`] on `listener` until `shutdown` completes, then
/// finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    host: Arc<Host>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(host))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Prints one line of the host's own report.
pub fn say(line: fmt::Arguments<'_>) {
    // A closed stdout is no reason to fail a request.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
