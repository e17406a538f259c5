//! End to end for `async fn` host functions: a Go plugin
//! (`tests/asyncplugin/main.go`) calls host functions that await Tokio
//! timers with every kind of parameter and result (text, records, typed
//! errors, handles borrowed across `.await`, state), next to a sync one;
//! the host drives it through the generated async clients.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The store data: a catalogue the async functions read after a delay, as
/// a database would answer.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub prices: Arc<HashMap<String, u32>>,
}

#[gohost::host_module(name = "shop", go_interface = "Shop")]
pub mod shop {
    use std::fmt;
    use std::time::Duration;

    /// An item for sale.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Item {
        pub name: String,
        pub price: u32,
    }

    /// Why the shop refused.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ShopError {
        NotFound { name: String },
        Empty,
    }

    impl fmt::Display for ShopError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                ShopError::NotFound { name } => write!(f, "no item named {name:?}"),
                ShopError::Empty => f.write_str("the cart is empty"),
            }
        }
    }

    /// A shopping cart the guest holds by handle.
    #[gohost(handle)]
    #[derive(Debug, Default)]
    pub struct Cart {
        pub items: Vec<Item>,
    }

    /// Looks an item up, after a database's delay; apples are cached and
    /// found at once (a future that is ready when first polled).
    pub async fn lookup(db: &super::Catalogue, name: &str) -> Result<Item, ShopError> {
        if name != "apple" {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        match db.prices.get(name) {
            Some(&price) => Ok(Item {
                name: name.to_owned(),
                price,
            }),
            None => Err(ShopError::NotFound {
                name: name.to_owned(),
            }),
        }
    }

    /// A new, empty cart.
    pub async fn open_cart() -> Cart {
        tokio::task::yield_now().await;
        Cart::default()
    }

    /// Adds an item to the cart; returns how many it holds. The first
    /// item goes in at once, the others after a delay.
    pub async fn cart_add(cart: &mut Cart, item: Item) -> u32 {
        if !cart.items.is_empty() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        cart.items.push(item);
        cart.items.len() as u32
    }

    /// The cart's total.
    pub async fn cart_total(cart: &Cart) -> Result<u32, ShopError> {
        // An empty cart fails at once, a full one after a yield.
        if cart.items.is_empty() {
            return Err(ShopError::Empty);
        }
        tokio::task::yield_now().await;
        Ok(cart.items.iter().map(|i| i.price).sum())
    }

    /// The total of two carts.
    pub async fn carts_total(a: &Cart, b: &Cart) -> u32 {
        tokio::task::yield_now().await;
        a.items.iter().chain(&b.items).map(|i| i.price).sum()
    }

    /// Echoes `text` after `ms` milliseconds (at once for 0).
    pub async fn slow_echo(text: String, ms: u32) -> String {
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
        }
        text
    }

    /// Panics while awaited.
    pub async fn broken() -> u32 {
        tokio::task::yield_now().await;
        panic!("the shop is on fire")
    }

    /// Panics when first polled.
    pub async fn broken_now() -> u32 {
        panic!("the till is on fire")
    }

    /// A sync function in the same module.
    pub fn double(n: i32) -> i32 {
        n * 2
    }

    extern "Go" {
        /// Buys the named items: looks each up, adds it to a new cart, and
        /// returns the total.
        pub fn checkout(names: Vec<String>) -> Result<u32, String>;
        /// Echoes through the host, slowly.
        pub fn echo(text: &str, ms: u32) -> String;
        /// Calls the host function that panics.
        pub fn burn() -> u32;
        /// Calls the host function that panics when first polled.
        pub fn burn_now() -> u32;
        /// Doubles through the sync host function.
        pub fn twice(n: i32) -> i32;
        /// Totals one cart passed twice to an async host function.
        pub fn same_cart_twice() -> Result<u32, String>;
    }
}

fn build_plugin() -> Vec<u8> {
    common::build_generated(
        "shop",
        shop::GO_FILES,
        "tests/asyncplugin/main.go",
        gohost_build::BuildMode::Reactor,
    )
}

fn catalogue() -> Catalogue {
    let prices = [("apple", 3), ("pear", 4), ("melon", 12)]
        .into_iter()
        .map(|(n, p)| (n.to_owned(), p))
        .collect();
    Catalogue {
        prices: Arc::new(prices),
    }
}

/// The plugin compiled on an engine for async calls, and a current-thread
/// runtime to drive it.
fn setup() -> (gohost::Engine, gohost::Module, tokio::runtime::Runtime) {
    let wasm = build_plugin();
    let engine = gohost::Engine::new(gohost::Config::new().interruptible(true));
    let module = gohost::Module::from_bytes(&engine, &wasm).expect("module");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    (engine, module, runtime)
}

async fn instance(engine: &gohost::Engine, module: &gohost::Module) -> gohost::Instance<Catalogue> {
    limited(engine, module, gohost::Limits::new()).await
}

async fn limited(
    engine: &gohost::Engine,
    module: &gohost::Module,
    limits: gohost::Limits,
) -> gohost::Instance<Catalogue> {
    let mut linker = gohost::Linker::<Catalogue>::new(engine);
    shop::add_to_linker(&mut linker, |c: &mut Catalogue| c).expect("link");
    let mut i = linker
        .instantiate_limited_async(module, &gohost::WasiConfig::new(), catalogue(), limits)
        .await
        .expect("instantiate");
    i.initialize_async().await.expect("initialize");
    i
}

/// A call of a generated async function whose future is pending (parked
/// by the engine: suspended on wasmi, yielding in the epoch callback on
/// wasmtime) ends at its deadline, at a cancel from another thread, or
/// when its future is dropped; the instance is then unusable, and a new
/// one works.
#[test]
fn a_pending_generated_call_ends_at_its_deadline_a_cancel_or_a_drop() {
    use gohost::Error;
    use shop::exports as x;

    let (engine, module, runtime) = setup();
    // Far longer than any of these calls may take.
    const FOREVER_MS: u32 = 600_000;
    runtime.block_on(async {
        // Each call's, the Go runtime's initialisation included.
        let deadline = Duration::from_secs(1);
        let mut i = limited(&engine, &module, gohost::Limits::new().deadline(deadline)).await;
        let err = x::echo_async(&mut i, "slow", FOREVER_MS).await;
        assert!(
            matches!(&err, Err(Error::DeadlineExceeded { func, deadline: d, .. }) if func == "echo" && *d == deadline),
            "{err:?}"
        );

        let mut i = instance(&engine, &module).await;
        let handle = i.cancel_handle().expect("cancel handle");
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            handle.cancel();
        });
        let err = x::echo_async(&mut i, "slow", FOREVER_MS).await;
        canceller.join().expect("the cancelling thread");
        assert!(
            matches!(&err, Err(Error::Cancelled { func }) if func == "echo"),
            "{err:?}"
        );

        let mut i = instance(&engine, &module).await;
        let cut = tokio::time::timeout(
            Duration::from_millis(50),
            x::echo_async(&mut i, "slow", FOREVER_MS),
        )
        .await;
        assert!(cut.is_err(), "the call should still be pending");
        // Dropped half-run: never reused.
        let err = x::echo_async(&mut i, "again", 0).await;
        assert!(err.is_err(), "{err:?}");

        let mut i = instance(&engine, &module).await;
        assert_eq!(x::echo_async(&mut i, "fresh", 1).await.expect("echo"), "fresh");
    });
}

#[test]
fn async_host_functions_through_generated_bindings() {
    use shop::exports as x;

    let (engine, module, runtime) = setup();
    runtime.block_on(async {
        let mut i = instance(&engine, &module).await;
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            x::checkout_async(&mut i, names(&["apple", "pear", "melon"]))
                .await
                .expect("call"),
            Ok(19)
        );
        // The guest closed its cart: the handle, lent to each async call
        // and put back, is gone now.
        assert_eq!(i.open_handles(), 0);
        assert_eq!(
            x::checkout_async(&mut i, names(&["apple", "kiwi"]))
                .await
                .expect("call"),
            Err("shop.lookup: no item named \"kiwi\"".to_owned())
        );
        assert_eq!(
            x::checkout_async(&mut i, Vec::new()).await.expect("call"),
            Err("shop.cart_total: the cart is empty".to_owned())
        );
        assert_eq!(
            x::echo_async(&mut i, "naïve 🦀", 20).await.expect("echo"),
            "naïve 🦀"
        );
        // Ready when first polled: returned by the start, not awaited.
        assert_eq!(
            x::echo_async(&mut i, "at once", 0).await.expect("echo"),
            "at once"
        );
        assert_eq!(x::twice_async(&mut i, 21).await.expect("twice"), 42);
        // An async function cannot borrow one handle twice (it lends each
        // out of the table): refused, and the cart is still there to close.
        let twice = x::same_cart_twice_async(&mut i).await.expect("call");
        assert!(
            twice
                .as_ref()
                .is_err_and(|e| e.contains("the same handle is passed twice")),
            "{twice:?}"
        );
        assert_eq!(i.open_handles(), 0);

        // Sync clients refuse an async instance.
        let err = x::twice(&mut i, 1).expect_err("must fail");
        assert!(err.to_string().contains("call_async"), "{err}");

        let err = x::burn_async(&mut i).await.expect_err("must fail");
        assert!(
            err.to_string()
                .contains("host function shop.broken panicked: the shop is on fire"),
            "{err}"
        );

        let mut i = instance(&engine, &module).await;
        let err = x::burn_now_async(&mut i).await.expect_err("must fail");
        assert!(
            err.to_string()
                .contains("host function shop.broken_now panicked: the till is on fire"),
            "{err}"
        );

        // Many plugins at once on one thread: the waits overlap.
        let mut plugins = Vec::new();
        for _ in 0..8 {
            plugins.push(instance(&engine, &module).await);
        }
        let started = std::time::Instant::now();
        let echoes = plugins.iter_mut().map(|p| x::echo_async(p, "hi", 200));
        for echo in futures_join(echoes).await {
            assert_eq!(echo.expect("echo"), "hi");
        }
        let took = started.elapsed();
        println!("8 plugins, each awaiting 200 ms: {took:?}");
        assert!(took < Duration::from_millis(8 * 200 / 2), "{took:?}");
    });
}

fn linker(engine: &gohost::Engine) -> gohost::Linker<Catalogue> {
    let mut linker = gohost::Linker::<Catalogue>::new(engine);
    shop::add_to_linker(&mut linker, |c: &mut Catalogue| c).expect("link");
    linker
}

/// A pool of sync calls over a plugin that imports async host functions
/// is refused when it is built, naming them; a pool of async calls is
/// called through the generated pool clients with borrowed arguments,
/// from the tasks of a multi-thread runtime.
#[test]
fn pooled_clients_take_borrowed_arguments_and_a_sync_pool_is_refused_at_build() {
    use shop::exports as x;

    let (engine, module, _) = setup();
    let err = gohost::Pool::builder(linker(&engine), module.clone(), catalogue)
        .build()
        .expect_err("a sync pool over async imports");
    let msg = err.to_string();
    let first = msg.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("cannot link guest: it imports `shop.")
            && first.contains("an async host function")
            && first.contains("`shop.lookup`")
            && first.contains("build the pool with build_async()"),
        "{msg}"
    );
    assert!(matches!(err, gohost::Error::Link(_)), "{err:?}");

    let pool = Arc::new(
        gohost::Pool::builder(linker(&engine), module, catalogue)
            .max_instances(2)
            .build_async()
            .expect("an async pool"),
    );
    // The sync client refuses the async pool at once, without an instance.
    let err = x::twice_pooled(&pool, 1).expect_err("a sync call of an async pool");
    assert!(err.to_string().contains("call_async()"), "{err}");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move {
                    // Borrowed across the await: no `move`, no boxing.
                    let text = format!("call {i}");
                    let echo = x::echo_pooled_async(&pool, &text, 2).await.expect("echo");
                    assert_eq!(echo, text);
                    let names = vec!["apple".to_owned(), "pear".to_owned()];
                    let total = x::checkout_pooled_async(&*pool, names.clone()).await;
                    assert_eq!(total.expect("checkout"), Ok(7));
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a task");
        }
        // A fault discards the instance; the next call gets a fresh one.
        let err = x::burn_pooled_async(&pool)
            .await
            .expect_err("the host panics");
        assert!(err.to_string().contains("the shop is on fire"), "{err}");
        assert_eq!(x::twice_pooled_async(&pool, 21).await.expect("twice"), 42);
    });
    let stats = pool.stats();
    assert_eq!(stats.calls, 6 * 2 + 2, "{stats:?}");
    assert_eq!(stats.faults.trap, 1, "{stats:?}");
    assert!(stats.created <= 3, "{stats:?}");
}

/// Awaits all `futures` concurrently on this task.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.map(|f| Some(Box::pin(f))).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if let Some(fut) = f {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *o = Some(v);
                        *f = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
