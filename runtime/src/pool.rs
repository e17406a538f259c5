//! A bounded pool of plugin instances shared by threads.

mod stats;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::engine::Module;
use crate::error::Error;
use crate::instance::async_call::block_on;
use crate::instance::Instance;
use crate::limits::Limits;
use crate::linker::Linker;
use crate::wasi::WasiConfig;
use stats::{CallCounts, Ended, Fault};
pub use stats::{PoolFaults, PoolLatency};

/// A boxed future that is `Send`: what [`Pool::call_async`]'s closure
/// returns (`Box::pin(async move { ... })`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// When an instance goes back to the pool after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reuse {
    /// Keep using an instance until a call faults (trap, panic, limit,
    /// exit); then it is dropped and a fresh one is made on demand. Fast,
    /// and Go's globals persist between calls of one instance.
    #[default]
    UntilFault,
    /// A fresh instance for every call: no state survives a call. Costs an
    /// instantiation and Go runtime start per call.
    FreshPerCall,
}

/// Counts that describe a pool's life so far; from [`Pool::stats`].
///
/// Every call through [`Pool::call`] or [`Pool::call_async`] counts once,
/// when it ends, by the closure's result: `Ok` (even if it holds an error
/// value of the plugin's own, such as a generated client's `Ok(Err(e))`),
/// an error that is not a fault (counted in `errors`: the guest refused
/// the call, a missing export, a type mismatch), or a fault (by kind, in
/// `faults`), which also discards the instance. A call that could not get
/// an instance (its instantiation or Go runtime start failed) counts too.
///
/// ```no_run
/// # fn f(pool: &gohost::Pool<()>) {
/// let stats = pool.stats();
/// println!(
///     "{} calls, {} errors, {} faults ({} out of fuel), p99 {:?}",
///     stats.calls, stats.errors, stats.faults.total(), stats.faults.fuel, stats.latency.p99,
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Instances created.
    pub created: u64,
    /// Instances dropped because a call faulted (or by [`Reuse::FreshPerCall`]).
    pub discarded: u64,
    /// Instances in use or idle now.
    pub live: usize,
    /// Instances idle now.
    pub idle: usize,
    /// Calls that ended, whatever their outcome.
    pub calls: u64,
    /// Calls that failed with an error that is not a fault (see
    /// [`Error::is_fault`]); the instance stays in the pool.
    pub errors: u64,
    /// Calls that faulted, by kind.
    pub faults: PoolFaults,
    /// How long calls took.
    pub latency: PoolLatency,
}

struct State<S: 'static> {
    /// Idle instances for sync calls, and for async calls
    /// ([`Linker::instantiate_async`]). Boxed: an instance is hundreds of
    /// bytes, which each call copied at every move between the pool, its
    /// lease and the futures of an async call (11 copies, about 400
    /// instructions, on wasmtime).
    #[allow(clippy::vec_box)]
    idle: Vec<Box<Instance<S>>>,
    #[allow(clippy::vec_box)]
    idle_async: Vec<Box<Instance<S>>>,
    live: usize,
    created: u64,
    discarded: u64,
    /// Outcomes and durations of the calls that ended.
    calls: CallCounts,
}

type StateFactory<S> = Box<dyn Fn() -> S + Send + Sync>;
type WasiFactory = Box<dyn Fn() -> WasiConfig + Send + Sync>;

/// Instances of one compiled plugin, created on demand up to a bound, reused
/// according to [`Reuse`], and dropped when a call faults, so that one bad
/// call never affects the next. `Pool` is `Send + Sync`: share it (in an
/// `Arc`) between threads; each call gets an instance to itself.
///
/// ```no_run
/// use gohost::{Config, Engine, Limits, Linker, Module, Pool};
///
/// let engine = Engine::new(Config::new().consume_fuel(true));
/// let module = Module::from_file(&engine, "plugin.wasm")?;
/// let linker = Linker::<()>::new(&engine);
/// let pool = Pool::builder(linker, module, || ())
///     .max_instances(4)
///     .limits(Limits::new().memory_bytes(64 << 20).fuel_per_call(5_000_000_000))
///     .build();
/// let sum: i32 = pool.call(|plugin| plugin.call("add", (2i32, 3i32)))?;
/// # Ok::<(), gohost::Error>(())
/// ```
///
/// Callers wait for an instance in the order they came, whether they call
/// [`call`](Self::call) (blocking their thread) or
/// [`call_async`](Self::call_async) (awaiting, without blocking one). In
/// async code, use `call_async` (or `call` inside `spawn_blocking`): a
/// blocking `call` on a runtime's worker could wait for an instance that
/// only a task of that worker can give back.
pub struct Pool<S: 'static> {
    /// Given to each instance, for the spans of its calls.
    name: Option<Arc<str>>,
    linker: Arc<Linker<S>>,
    module: Module,
    new_state: StateFactory<S>,
    new_wasi: WasiFactory,
    limits: Limits,
    reuse: Reuse,
    max: usize,
    state: Mutex<State<S>>,
    /// One permit per instance that may be in use; a fair (first come,
    /// first served) queue for callers.
    permits: Semaphore,
}

impl<S> std::fmt::Debug for Pool<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.name)
            .field("max", &self.max)
            .field("reuse", &self.reuse)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Pool`]; from [`Pool::builder`].
pub struct PoolBuilder<S: 'static> {
    pool: Pool<S>,
}

impl<S> std::fmt::Debug for PoolBuilder<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pool.fmt(f)
    }
}

impl<S: Send + 'static> PoolBuilder<S> {
    /// The pool's name (a plugin's name, say), given to each instance it
    /// makes (see [`Instance::set_name`]): the spans of their export calls
    /// and host calls carry it as `plugin` (see `docs/observability.md`).
    /// Default: none.
    ///
    /// ```no_run
    /// # fn f(linker: gohost::Linker<()>, module: gohost::Module) {
    /// let pool = gohost::Pool::builder(linker, module, || ()).name("echo").build();
    /// assert_eq!(pool.name(), Some("echo"));
    /// # }
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.pool.name = Some(name.into().into());
        self
    }

    /// The most instances alive at once (default: the number of CPUs).
    /// Callers beyond that wait for an instance to come free.
    #[must_use]
    pub fn max_instances(mut self, n: usize) -> Self {
        self.pool.max = n.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// Limits for each instance (default: none).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.pool.limits = limits;
        self
    }

    /// The reuse policy (default: [`Reuse::UntilFault`]).
    #[must_use]
    pub fn reuse(mut self, reuse: Reuse) -> Self {
        self.pool.reuse = reuse;
        self
    }

    /// What each new instance sees through WASI (default: a closed sandbox,
    /// [`WasiConfig::new`]). Called once per instance, so each can get its
    /// own output routing.
    #[must_use]
    pub fn wasi(mut self, f: impl Fn() -> WasiConfig + Send + Sync + 'static) -> Self {
        self.pool.new_wasi = Box::new(f);
        self
    }

    /// The pool.
    pub fn build(mut self) -> Pool<S> {
        self.pool.permits = Semaphore::new(self.pool.max);
        self.pool
    }
}

/// The plan of a checkout, for either driver: a permit (`$acquire` waits
/// for one when none is free), then an idle instance of the kind asked for,
/// or a new one made, named and started (`[$instantiate, $initialize]`,
/// awaited with `.await`) outside the pool's lock: instantiation and Go's
/// runtime start take milliseconds, and other callers may return instances
/// meanwhile.
macro_rules! checkout {
    ($pool:ident, $started:expr, $asynchronous:expr, $acquire:expr, [$instantiate:ident, $initialize:ident] $(.$aw:tt)?) => {{
        // A free permit is taken at once; without one, the call queues.
        // (Never ahead of a queued caller: the semaphore hands a returned
        // permit to the first one waiting, so none is free while any
        // waits.) Saves the sync path a waker's allocation.
        let permit = match $pool.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => $acquire.map_err(closed)?,
        };
        let lease = match $pool.reserve(permit, $asynchronous, $started) {
            Reserved::Idle(lease) => return Ok(lease),
            Reserved::New(lease) => lease,
        };
        let made = match $pool
            .linker
            .$instantiate(&$pool.module, &($pool.new_wasi)(), ($pool.new_state)(), $pool.limits)
            $(.$aw)?
        {
            Ok(mut instance) => {
                $pool.name_instance(&mut instance);
                instance.$initialize() $(.$aw)? .map(|()| instance)
            }
            Err(e) => Err(e),
        };
        lease.made(made)
    }};
}

impl<S: Send + 'static> Pool<S> {
    /// A builder for a pool of `module` instances linked by `linker` (a
    /// [`Linker`], or an `Arc` of one that several pools share), each with
    /// the state `new_state()` returns.
    pub fn builder(
        linker: impl Into<Arc<Linker<S>>>,
        module: Module,
        new_state: impl Fn() -> S + Send + Sync + 'static,
    ) -> PoolBuilder<S> {
        PoolBuilder {
            pool: Pool {
                name: None,
                linker: linker.into(),
                module,
                new_state: Box::new(new_state),
                new_wasi: Box::new(WasiConfig::new),
                limits: Limits::new(),
                reuse: Reuse::default(),
                max: std::thread::available_parallelism().map_or(2, |n| n.get()),
                state: Mutex::new(State {
                    idle: Vec::new(),
                    idle_async: Vec::new(),
                    live: 0,
                    created: 0,
                    discarded: 0,
                    calls: CallCounts::default(),
                }),
                permits: Semaphore::new(0),
            },
        }
    }

    /// Runs `f` with an initialized instance to itself.
    ///
    /// If the call faults (see [`Error::is_fault`]) or leaves the instance
    /// poisoned, the instance is dropped, with its memory and handles; the
    /// pool stays usable and makes a fresh instance for a later call.
    pub fn call<R>(
        &self,
        f: impl FnOnce(&mut Instance<S>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut lease = self.checkout(Instant::now())?;
        let instance = lease
            .instance
            .as_mut()
            .expect("a lease holds its instance until dropped");
        let result = f(instance);
        lease.keep = self.keeps(instance, &result);
        lease.ended = Some(Ended::of(&result));
        result
    }

    /// Runs `f` with an initialized async instance to itself (made with
    /// [`Linker::instantiate_async`]), awaiting one without blocking a
    /// thread when all are busy.
    ///
    /// As with [`call`](Self::call), an instance whose call faulted is
    /// dropped. So is one whose call was cancelled: dropping this future
    /// before it completes leaves the guest half-run, and the pool makes a
    /// fresh instance for a later call.
    ///
    /// ```no_run
    /// # async fn f(pool: &gohost::Pool<()>) -> Result<(), gohost::Error> {
    /// let sum: i32 = pool
    ///     .call_async(|plugin| Box::pin(plugin.call_async("add", (2i32, 3i32))))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_async<R, F>(&self, f: F) -> Result<R, Error>
    where
        F: for<'i> FnOnce(&'i mut Instance<S>) -> BoxFuture<'i, Result<R, Error>>,
    {
        let mut lease = self.checkout_async(Instant::now()).await?;
        let instance = lease
            .instance
            .as_mut()
            .expect("a lease holds its instance until dropped");
        let result = f(instance).await;
        lease.keep = self.keeps(instance, &result);
        lease.ended = Some(Ended::of(&result));
        result
    }

    /// Whether an instance goes back to the pool after a call.
    fn keeps<R>(&self, instance: &Instance<S>, result: &Result<R, Error>) -> bool {
        let faulted = matches!(result, Err(e) if e.is_fault());
        !faulted && instance.poisoned().is_none() && self.reuse == Reuse::UntilFault
    }

    /// The pool's name, if it was given one ([`PoolBuilder::name`]).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Counts of the pool's life so far: instances, calls by outcome, and
    /// latency quantiles (see [`PoolStats`]). Takes the pool's lock while
    /// it reads the quantiles from a histogram of 976 counters (one pass).
    pub fn stats(&self) -> PoolStats {
        let st = self.lock();
        PoolStats {
            created: st.created,
            discarded: st.discarded,
            live: st.live,
            idle: st.idle.len() + st.idle_async.len(),
            calls: st.calls.calls,
            errors: st.calls.errors,
            faults: st.calls.faults,
            latency: st.calls.latency(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        // A panic while holding this lock leaves only counters behind, which
        // stay consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An instance for a call that started at `started`.
    fn checkout(&self, started: Instant) -> Result<Lease<'_, S>, Error> {
        checkout!(
            self,
            started,
            false,
            block_on(self.permits.acquire()),
            [instantiate_limited, initialize]
        )
    }

    /// [`checkout`](Self::checkout) for an async call: waits for a permit,
    /// makes and starts an instance, without blocking a thread.
    async fn checkout_async(&self, started: Instant) -> Result<Lease<'_, S>, Error> {
        checkout!(
            self,
            started,
            true,
            self.permits.acquire().await,
            [instantiate_limited_async, initialize_async].await
        )
    }

    /// Gives a new instance the pool's name.
    fn name_instance(&self, instance: &mut Instance<S>) {
        if let Some(name) = &self.name {
            instance.set_name(name.clone());
        }
    }

    /// With a permit in hand: an idle instance of the kind asked for, or
    /// room to make one (dropping an idle instance of the other kind if
    /// the pool is full of them). A lease without an instance counts as
    /// discarded if it is dropped before one is put in.
    fn reserve<'p>(
        &'p self,
        permit: SemaphorePermit<'p>,
        asynchronous: bool,
        started: Instant,
    ) -> Reserved<'p, S> {
        let mut st = self.lock();
        let idle = if asynchronous {
            &mut st.idle_async
        } else {
            &mut st.idle
        };
        let lease = |instance| Lease {
            pool: self,
            instance,
            asynchronous,
            keep: false,
            started,
            ended: None,
            _permit: permit,
        };
        // An idle instance can have become unusable since its last call
        // (its cancel handle was used late): drop those.
        let mut stale = Vec::new();
        while let Some(instance) = idle.pop() {
            if instance.poisoned().is_none() {
                st.live -= stale.len();
                st.discarded += stale.len() as u64;
                drop(st);
                drop(stale);
                return Reserved::Idle(lease(Some(instance)));
            }
            stale.push(instance);
        }
        st.live -= stale.len();
        st.discarded += stale.len() as u64;
        let evicted = if st.live >= self.max {
            // The permit guarantees an instance not in use.
            st.live -= 1;
            st.discarded += 1;
            if asynchronous {
                st.idle.pop()
            } else {
                st.idle_async.pop()
            }
        } else {
            None
        };
        st.live += 1;
        st.created += 1;
        drop(st);
        drop((evicted, stale));
        Reserved::New(lease(None))
    }

    /// Takes back a lease's instance (`None`: it is discarded) and counts
    /// its call.
    fn release(
        &self,
        instance: Option<Box<Instance<S>>>,
        asynchronous: bool,
        ended: Ended,
        elapsed: Duration,
    ) {
        let mut st = self.lock();
        st.calls.record(ended, elapsed);
        match instance {
            Some(i) if asynchronous => st.idle_async.push(i),
            Some(i) => st.idle.push(i),
            None => {
                st.live -= 1;
                st.discarded += 1;
            }
        }
    }
}

/// The semaphore is never closed; say so if it somehow were.
fn closed(_: tokio::sync::AcquireError) -> Error {
    Error::Config("the pool is closed".into())
}

enum Reserved<'p, S: Send + 'static> {
    Idle(Lease<'p, S>),
    New(Lease<'p, S>),
}

/// An instance checked out of the pool; goes back (or is dropped) when the
/// lease ends, even if the caller's closure panics.
struct Lease<'p, S: Send + 'static> {
    pool: &'p Pool<S>,
    instance: Option<Box<Instance<S>>>,
    asynchronous: bool,
    keep: bool,
    /// When the call began (before it waited for an instance).
    started: Instant,
    /// How the call ended; `None` if it never did (its future was
    /// dropped, or its closure panicked).
    ended: Option<Ended>,
    /// Given back after the instance (fields drop after `drop`).
    _permit: SemaphorePermit<'p>,
}

impl<'p, S: Send + 'static> Lease<'p, S> {
    /// The lease with the instance just made for it, or the error of
    /// making it (the call then ends with it).
    fn made(mut self, made: Result<Instance<S>, Error>) -> Result<Self, Error> {
        match made {
            Ok(instance) => {
                self.instance = Some(Box::new(instance));
                Ok(self)
            }
            Err(e) => {
                self.ended = Some(Ended::of_error(&e));
                Err(e)
            }
        }
    }
}

impl<S: Send + 'static> Drop for Lease<'_, S> {
    fn drop(&mut self) {
        let instance = self.instance.take().filter(|_| self.keep);
        let ended = self.ended.unwrap_or(if std::thread::panicking() {
            Ended::Fault(Fault::Other)
        } else {
            Ended::Fault(Fault::Cancelled)
        });
        let elapsed = self.started.elapsed();
        self.pool
            .release(instance, self.asynchronous, ended, elapsed);
    }
}
