//! Observability: the `tracing` spans of export calls and host calls, with
//! their fields and outcomes, and a pool's call statistics, with real Go
//! plugins (`guests/obs` through generated bindings, `guests/asyncplug`
//! through hand-registered async host functions).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gohost::{
    Caller, Config, Engine, Error, HostCall, Instance, Limits, Linker, Module, Pool, Trap,
    WasiConfig,
};

/// The host module of the `obs` plugin.
#[gohost::host_module(name = "obs", go_package = "obs", go_out = "guests/obs/obs")]
pub mod obs {
    /// Adds two numbers: the host call the plugin makes.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    /// Panics: a host call that ends the guest's call.
    pub fn explode(n: i32) -> i32 {
        panic!("the host explodes at {n}")
    }

    extern "Go" {
        /// Sums 1..=n through `add`; an error for a negative n, a panic for
        /// 13, a loop without end for 0.
        pub fn work(n: i32) -> Result<i32, String>;

        /// Calls `explode(n)`.
        pub fn blow(n: i32) -> i32;
    }
}

/// The fuel each call of the `obs` plugin gets.
const FUEL: u64 = 200_000_000;

// A subscriber that keeps every gohost span with its fields and parent.

/// One span as the subscriber saw it.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    name: String,
    fields: BTreeMap<String, String>,
    /// The index of the parent span in the list, if any.
    parent: Option<usize>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Seen>>>);

thread_local! {
    /// The spans entered on this thread, innermost last (ids).
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Spans {
    fn all(&self) -> Vec<Seen> {
        self.0.lock().expect("lock").clone()
    }

    /// The spans of `target` named `function`.
    fn of(&self, target: &str, function: &str) -> Vec<Seen> {
        self.all()
            .into_iter()
            .filter(|s| s.target == target && s.field("function") == Some(function))
            .collect()
    }

    /// The one export span of `function`.
    fn export(&self, function: &str) -> Seen {
        let mut spans = self.of("gohost::export", function);
        assert_eq!(spans.len(), 1, "export spans of {function}: {spans:#?}");
        spans.remove(0)
    }

    /// The index of the one export span of `function`.
    fn export_index(&self, function: &str) -> usize {
        let all = self.all();
        let found: Vec<usize> = (0..all.len())
            .filter(|&i| {
                all[i].target == "gohost::export" && all[i].field("function") == Some(function)
            })
            .collect();
        assert_eq!(found.len(), 1, "export spans of {function}: {all:#?}");
        found[0]
    }
}

impl tracing::Subscriber for Spans {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target().starts_with("gohost::")
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = match attrs.parent() {
            Some(id) => Some(id.into_u64()),
            None if attrs.is_contextual() => ENTERED.with(|e| e.borrow().last().copied()),
            None => None,
        };
        let mut spans = self.0.lock().expect("lock");
        spans.push(Seen {
            target: attrs.metadata().target().to_owned(),
            name: attrs.metadata().name().to_owned(),
            fields,
            parent: parent.map(|p| p as usize - 1),
        });
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().expect("lock");
        let seen = &mut spans[id.into_u64() as usize - 1];
        values.record(&mut Fields(&mut seen.fields));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, id: &tracing::span::Id) {
        ENTERED.with(|e| e.borrow_mut().push(id.into_u64()));
    }
    fn exit(&self, _: &tracing::span::Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

/// One test at a time: tracing caches, per callsite and globally, which
/// subscribers may want a span, and rebuilds that cache as scoped
/// subscribers (`with_default`) come and go; with several test threads
/// setting their own, a host call's span was sometimes missed on
/// wasmtime (not so with `--test-threads=1`). A host sets one global
/// subscriber, which this does not affect.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn obs_engine() -> Engine {
    Engine::new(Config::new().consume_fuel(true))
}

fn obs_module(engine: &Engine) -> Module {
    Module::from_file(engine, gohost_tests::build_plugin("obs")).expect("load the obs plugin")
}

fn obs_linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    obs::add_to_linker(&mut linker).expect("obs");
    linker
}

/// A new `obs` instance named `name`, not yet initialized.
fn obs_instance(engine: &Engine, module: &Module, name: &str) -> Instance<()> {
    let mut i = obs_linker(engine)
        .instantiate_limited(
            module,
            &WasiConfig::new(),
            (),
            Limits::new().fuel_per_call(FUEL),
        )
        .expect("instantiate");
    i.set_name(name);
    i
}

#[test]
fn an_export_call_and_its_host_calls_have_spans_with_their_fields() {
    let _serial = serial();
    let engine = obs_engine();
    let module = obs_module(&engine);
    let mut plugin = obs_instance(&engine, &module, "observer");
    assert_eq!(plugin.name(), Some("observer"));
    let id = plugin.id().to_string();
    let spans = Spans::default();
    tracing::subscriber::with_default(spans.clone(), || {
        plugin.initialize().expect("initialize");
        assert_eq!(obs::exports::work(&mut plugin, 3).expect("work"), Ok(6));
    });

    let init = spans.export("_initialize");
    assert_eq!(init.field("outcome"), Some("ok"));
    let work = spans.export("work");
    assert_eq!((work.name.as_str(), work.parent), ("export", None));
    assert_eq!(work.field("module"), module.name());
    assert!(
        module.name().is_some_and(|n| n.ends_with(".wasm")),
        "{:?}",
        module.name()
    );
    assert_eq!(work.field("plugin"), Some("observer"));
    assert_eq!(work.field("instance"), Some(id.as_str()));
    assert_eq!(work.field("outcome"), Some("ok"));
    let fuel: u64 = work
        .field("fuel")
        .expect("a fuel field")
        .parse()
        .expect("fuel is a number");
    assert!(fuel > 0 && fuel < FUEL, "fuel {fuel}");

    let adds = spans.of("gohost::host", "add");
    assert_eq!(adds.len(), 3, "{adds:#?}");
    let work_index = spans.export_index("work");
    for add in &adds {
        assert_eq!(add.name, "host");
        assert_eq!(add.field("module"), Some("obs"));
        assert_eq!(add.field("plugin"), Some("observer"));
        assert_eq!(add.field("instance"), Some(id.as_str()));
        assert_eq!(add.field("outcome"), Some("ok"));
        assert_eq!(add.parent, Some(work_index), "inside the export's span");
    }
}

#[test]
fn spans_say_how_each_call_ended() {
    let _serial = serial();
    let engine = obs_engine();
    let module = obs_module(&engine);
    let spans = Spans::default();
    let fresh = |name: &str| {
        let mut i = obs_instance(&engine, &module, name);
        i.initialize().expect("initialize");
        i
    };
    let (mut a, mut b, mut c) = (fresh("a"), fresh("b"), fresh("c"));
    tracing::subscriber::with_default(spans.clone(), || {
        // The export returned its error: the call itself succeeded.
        assert_eq!(
            obs::exports::work(&mut a, -1).expect("work"),
            Err("n is negative".to_owned())
        );
        assert!(matches!(
            obs::exports::work(&mut a, 13),
            Err(Error::GuestPanic { .. })
        ));
        assert!(matches!(
            obs::exports::work(&mut a, 1),
            Err(Error::Poisoned { .. })
        ));
        assert!(matches!(
            obs::exports::work(&mut b, 0),
            Err(Error::FuelExhausted { .. })
        ));
        assert!(matches!(
            obs::exports::blow(&mut c, 7),
            Err(Error::Trap { .. })
        ));
        assert!(matches!(
            c.call::<(), i32>("no_such_export", ()),
            Err(Error::Poisoned { .. })
        ));
    });
    let outcomes = |plugin: &str| -> Vec<(String, String)> {
        spans
            .all()
            .into_iter()
            .filter(|s| s.target == "gohost::export" && s.field("plugin") == Some(plugin))
            .map(|s| {
                (
                    s.field("function").unwrap_or_default().to_owned(),
                    s.field("outcome").unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(f, o)| ((*f).to_owned(), (*o).to_owned()))
            .collect()
    };
    assert_eq!(
        outcomes("a"),
        pairs(&[
            ("work", "err"),
            ("work", "guest_panic"),
            ("work", "poisoned")
        ])
    );
    assert_eq!(outcomes("b"), pairs(&[("work", "fuel")]));
    assert_eq!(
        outcomes("c"),
        pairs(&[("blow", "trap"), ("no_such_export", "poisoned")])
    );
    // A call that ran out of fuel spent all it had.
    let spin = spans
        .all()
        .into_iter()
        .find(|s| s.field("plugin") == Some("b"))
        .expect("b's span");
    let fuel: u64 = spin.field("fuel").expect("fuel").parse().expect("number");
    assert!(fuel >= FUEL, "spent {fuel} of {FUEL}");
    // Where it ran out: the Go function, where the engine records frames.
    match gohost::EngineKind::default() {
        gohost::EngineKind::Wasmtime => assert!(
            spin.field("at").is_some_and(|at| at.starts_with("`main.")),
            "{spin:?}"
        ),
        _ => assert_eq!(spin.field("at"), None),
    }
    // The host function's own span says it panicked.
    let explode = spans.of("gohost::host", "explode");
    assert_eq!(explode.len(), 1, "{explode:#?}");
    assert_eq!(explode[0].field("outcome"), Some("panic"));
}

#[test]
fn no_fuel_field_without_metering_and_no_spans_without_a_subscriber() {
    let _serial = serial();
    let engine = Engine::default();
    let module = obs_module(&engine);
    let mut plugin = obs_linker(&engine)
        .instantiate(&module, &WasiConfig::new(), ())
        .expect("instantiate");
    plugin.initialize().expect("initialize");
    // Nothing listens: calls work, and nothing is kept.
    assert_eq!(obs::exports::work(&mut plugin, 2).expect("work"), Ok(3));
    let spans = Spans::default();
    tracing::subscriber::with_default(spans.clone(), || {
        assert_eq!(obs::exports::work(&mut plugin, 2).expect("work"), Ok(3));
    });
    let work = spans.export("work");
    assert_eq!(work.field("outcome"), Some("ok"));
    assert_eq!(work.field("fuel"), None, "the engine meters no fuel");
    assert_eq!(work.field("plugin"), None, "the instance has no name");
    assert_eq!(spans.of("gohost::host", "add").len(), 2);
}

#[test]
fn pool_stats_count_calls_errors_and_faults_by_kind() {
    let _serial = serial();
    let engine = obs_engine();
    let module = obs_module(&engine);
    let pool = Pool::builder(obs_linker(&engine), module, || ())
        .name("counted")
        .max_instances(1)
        .limits(Limits::new().fuel_per_call(FUEL))
        .build()
        .expect("pool");
    assert_eq!(pool.name(), Some("counted"));
    let spans = Spans::default();
    tracing::subscriber::with_default(spans.clone(), || {
        for n in 1..=3 {
            let sum = obs::exports::work_pooled(&pool, n).expect("work");
            assert_eq!(sum, Ok(n * (n + 1) / 2));
        }
        // The plugin's own error value: a successful call.
        assert!(matches!(obs::exports::work_pooled(&pool, -1), Ok(Err(_))));
        // An error that is not a fault: the instance stays.
        assert!(matches!(
            pool.call(|p| p.call::<(), i32>("no_such_export", ())),
            Err(Error::MissingExport { .. })
        ));
        // Faults, each of which costs an instance.
        assert!(matches!(
            obs::exports::work_pooled(&pool, 0),
            Err(Error::FuelExhausted { .. })
        ));
        assert!(matches!(
            obs::exports::work_pooled(&pool, 13),
            Err(Error::GuestPanic { .. })
        ));
        assert!(matches!(
            obs::exports::blow_pooled(&pool, 1),
            Err(Error::Trap { .. })
        ));
        assert_eq!(obs::exports::work_pooled(&pool, 2).ok(), Some(Ok(3)));
    });
    let stats = pool.stats();
    assert_eq!(stats.calls, 9, "{stats:#?}");
    assert_eq!(stats.errors, 1, "{stats:#?}");
    let f = stats.faults;
    assert_eq!(
        (f.fuel, f.guest_panic, f.trap, f.total()),
        (1, 1, 1, 3),
        "{stats:#?}"
    );
    assert_eq!((stats.created, stats.discarded), (4, 3), "{stats:#?}");
    let l = stats.latency;
    assert!(
        Duration::ZERO < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
        "{l:?}"
    );
    // The pool named its instances: their spans carry the name.
    let work = spans.of("gohost::export", "work");
    assert_eq!(work.len(), 7);
    assert!(work.iter().all(|s| s.field("plugin") == Some("counted")));
    let ids: std::collections::BTreeSet<String> = spans
        .all()
        .iter()
        .filter(|s| s.target == "gohost::export" && s.field("plugin") == Some("counted"))
        .filter_map(|s| s.field("instance").map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 4, "one id per instance: {ids:?}");
}

/// The async host functions `asyncplug` imports (see `async_calls.rs`),
/// each counting its calls.
fn async_linker(engine: &Engine, waits: Arc<AtomicU64>) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    linker
        .func_wrap_async("env", "wait", move |_: &mut Caller<'_, ()>, ms: i32| {
            waits.fetch_add(1, Ordering::Relaxed);
            HostCall::new(async move {
                tokio::time::sleep(Duration::from_millis(ms as u64)).await;
                Ok(ms)
            })
        })
        .expect("wait");
    linker
        .func_wrap_async("env", "now", |_: &mut Caller<'_, ()>, n: i32| {
            HostCall::new(async move { Ok(n) })
        })
        .expect("now");
    linker
        .func_wrap("env", "add", |_: Caller<'_, ()>, a: i32, b: i32| Ok(a + b))
        .expect("add");
    linker
        .func_wrap_async("env", "fail", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(async {
                tokio::task::yield_now().await;
                Err(Trap::new("the database is down"))
            })
        })
        .expect("fail");
    linker
        .func_wrap_async("env", "boom", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(async {
                tokio::task::yield_now().await;
                panic!("the host function broke")
            })
        })
        .expect("boom");
    linker
        .func_wrap_async("env", "forever", |_: &mut Caller<'_, ()>| {
            HostCall::<(), i32>::new(std::future::pending())
        })
        .expect("forever");
    linker
}

#[test]
fn async_calls_have_spans_that_cover_their_awaits() {
    let _serial = serial();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let engine = Engine::new(Config::new().interruptible(true));
    let module = Module::from_file(&engine, gohost_tests::build_plugin("asyncplug")).expect("load");
    let linker = async_linker(&engine, Arc::default());
    let spans = Spans::default();
    let _default = tracing::subscriber::set_default(spans.clone());
    rt.block_on(async {
        let mut p = linker
            .instantiate_async(&module, &WasiConfig::new(), ())
            .await
            .expect("instantiate");
        p.set_name("sleeper");
        p.initialize_async().await.expect("initialize");
        let total: i32 = p.call_async("chain", (3i32, 5i32)).await.expect("chain");
        assert_eq!(total, 15);
        let sum: i32 = p.call_async("sum", (2i32, 3i32)).await.expect("sum");
        assert_eq!(sum, 5);
        let failed = p.call_async::<(), i32>("failing", ()).await;
        assert!(matches!(failed, Err(Error::Trap { .. })), "{failed:?}");
    });
    rt.block_on(async {
        let mut p = linker
            .instantiate_async(&module, &WasiConfig::new(), ())
            .await
            .expect("instantiate");
        p.initialize_async().await.expect("initialize");
        let broke = p.call_async::<(), i32>("panicking", ()).await;
        assert!(matches!(broke, Err(Error::Trap { .. })), "{broke:?}");
    });
    drop(_default);

    let chain_index = spans.export_index("chain");
    let chain = spans.export("chain");
    assert_eq!(chain.field("plugin"), Some("sleeper"));
    assert_eq!(chain.field("outcome"), Some("ok"));
    let waits = spans.of("gohost::host", "wait");
    assert_eq!(waits.len(), 3, "{waits:#?}");
    for w in &waits {
        assert_eq!(w.field("module"), Some("env"));
        assert_eq!(w.field("plugin"), Some("sleeper"));
        assert_eq!(w.field("outcome"), Some("ok"));
        assert_eq!(w.parent, Some(chain_index), "inside the export's span");
    }
    let add = spans.of("gohost::host", "add");
    assert_eq!(add.len(), 1, "{add:#?}");
    assert_eq!(add[0].parent, Some(spans.export_index("sum")));
    assert_eq!(spans.export("failing").field("outcome"), Some("trap"));
    assert_eq!(
        spans.of("gohost::host", "fail")[0].field("outcome"),
        Some("trap")
    );
    assert_eq!(spans.export("panicking").field("outcome"), Some("trap"));
    assert_eq!(
        spans.of("gohost::host", "boom")[0].field("outcome"),
        Some("panic")
    );
}

#[test]
fn an_async_pool_counts_a_dropped_call_as_cancelled() {
    let _serial = serial();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let engine = Engine::new(Config::new().interruptible(true));
    let module = Module::from_file(&engine, gohost_tests::build_plugin("asyncplug")).expect("load");
    let pool = Pool::builder(async_linker(&engine, Arc::default()), module, || ())
        .max_instances(1)
        .build_async()
        .expect("pool");
    rt.block_on(async {
        let sum: i32 = pool
            .call_async(|p| Box::pin(p.call_async("sum", (1i32, 2i32))))
            .await
            .expect("sum");
        assert_eq!(sum, 3);
        let hang = pool.call_async(|p| Box::pin(p.call_async::<(), i32>("hang", ())));
        let timed_out = tokio::time::timeout(Duration::from_millis(50), hang).await;
        assert!(timed_out.is_err(), "hang never ends");
        let sum: i32 = pool
            .call_async(|p| Box::pin(p.call_async("sum", (2i32, 2i32))))
            .await
            .expect("sum");
        assert_eq!(sum, 4);
    });
    let stats = pool.stats();
    assert_eq!(stats.calls, 3, "{stats:#?}");
    assert_eq!(stats.faults.cancelled, 1, "{stats:#?}");
    assert_eq!(stats.faults.total(), 1, "{stats:#?}");
    assert_eq!((stats.created, stats.discarded), (2, 1), "{stats:#?}");
    assert!(stats.latency.max > Duration::ZERO, "{stats:#?}");
}
