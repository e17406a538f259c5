//! Hot reload: a `PluginSet` of real Go plugins in a folder, changed while
//! it serves. Each version of the `hot` plugin answers with the version its
//! manifest configures (`[config] version`, read by Go's `hot.Config`), so
//! the tests see which version answered each call.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::time::Duration;

use gohost::{Change, Engine, Error, Linker, Plugin, PluginSet};

/// The plugin's exports; the Go package it generates is the plugin's.
#[gohost::host_module(name = "hot", go_package = "hot", go_out = "guests/hot/hot")]
pub mod hot {
    extern "Go" {
        /// Answers request `n` with `"<version>:<n>"`.
        pub fn answer(n: u32) -> String;
    }
}

fn plugin_wasm() -> PathBuf {
    gohost_tests::build_plugin("hot")
}

/// A folder holding the plugin's module as `hot.wasm`.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(plugin_wasm(), dir.path().join("hot.wasm")).expect("copy plugin");
    dir
}

/// Writes the manifest of plugin `name`, configuring `version`.
fn manifest(dir: &Path, name: &str, version: &str) {
    let text = format!("wasm = \"hot.wasm\"\n\n[config]\nversion = \"{version}\"\n");
    // Written aside and renamed, as a deployment would: a reload never
    // sees half a manifest.
    let tmp = dir.join(format!(".{name}.toml.tmp"));
    std::fs::write(&tmp, text).expect("write manifest");
    std::fs::rename(&tmp, dir.join(format!("{name}.toml"))).expect("rename manifest");
}

/// A linker with the plugin's host module.
fn linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    hot::add_to_linker(&mut linker).expect("add hot");
    linker
}

fn set(dir: &Path) -> PluginSet<()> {
    PluginSet::builder(linker(&Engine::default()), |_| ())
        .max_instances(2)
        // A version configured as "sick" fails its health check.
        .health_check(|plugin| match hot::exports::answer(plugin, 0)?.as_str() {
            "sick:0" => Err(Error::Config("the plugin says it is sick".into())),
            _ => Ok(()),
        })
        .on_change(|change| eprintln!("{change}"))
        .load(dir)
        .expect("load the set")
}

fn answer(set: &PluginSet<()>, name: &str, n: u32) -> Result<String, Error> {
    set.call(name, |plugin| hot::exports::answer(plugin, n))
}

/// The changes of a reload, as text.
fn reload(set: &PluginSet<()>) -> Vec<String> {
    let changes = set.reload().expect("reload");
    changes.iter().map(ToString::to_string).collect()
}

#[test]
fn a_set_adds_replaces_refuses_and_retires_plugins() {
    let dir = folder();
    let d = dir.path();
    manifest(d, "hot", "1");
    std::fs::copy(plugin_wasm(), d.join("plain.wasm")).expect("copy");
    let set = set(d);
    // `hot.wasm` is governed by hot.toml: two plugins, not three.
    assert_eq!(set.names(), ["hot", "plain"]);
    // Each plugin's pool carries its name, for the spans of its calls.
    let hot = set.get("hot").expect("hot");
    assert_eq!(hot.pool().name(), Some("hot"));
    drop(hot);
    assert_eq!(answer(&set, "hot", 5).ok().as_deref(), Some("1:5"));
    assert_eq!(answer(&set, "plain", 5).ok().as_deref(), Some("none:5"));
    assert!(reload(&set).is_empty(), "nothing changed");

    // A new version: new calls get it, a call holding the old one still
    // runs on it, and the old one is freed when that ends.
    let old = set.get("hot").expect("hot");
    manifest(d, "hot", "2");
    let changes = reload(&set);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].starts_with("hot: replaced version"),
        "{changes:?}"
    );
    assert_eq!(answer(&set, "hot", 6).ok().as_deref(), Some("2:6"));
    assert_eq!(
        old.call(|p| hot::exports::answer(p, 7)).ok().as_deref(),
        Some("1:7")
    );
    let weak = Arc::downgrade(&old);
    drop(old);
    assert!(weak.upgrade().is_none(), "the old version is still alive");

    // A broken rebuild is refused, once, and the old version serves on.
    std::fs::write(d.join("plain.wasm"), b"\0asm\x01\0\0\0 cut short").expect("write");
    let changes = reload(&set);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0]
            .contains("plain: new version refused, version 2 keeps serving: invalid wasm module"),
        "{changes:?}"
    );
    assert!(
        changes[0].contains("plain.wasm"),
        "names the file: {changes:?}"
    );
    assert!(reload(&set).is_empty(), "a refusal is reported once");
    assert_eq!(answer(&set, "plain", 8).ok().as_deref(), Some("none:8"));

    // A version that fails its health check, and a manifest pinning
    // another module, are refused the same way.
    manifest(d, "hot", "sick");
    let changes = reload(&set);
    assert!(
        changes[0].ends_with("keeps serving: invalid configuration: the plugin says it is sick"),
        "{changes:?}"
    );
    std::fs::write(
        d.join("hot.toml"),
        format!("wasm = \"hot.wasm\"\nsha256 = \"{}\"\n", "0".repeat(64)),
    )
    .expect("write");
    let changes = reload(&set);
    assert!(changes[0].contains("hot.toml"), "{changes:?}");
    assert!(changes[0].contains(&"0".repeat(64)), "{changes:?}");
    assert_eq!(answer(&set, "hot", 9).ok().as_deref(), Some("2:9"));

    // A plugin whose file is gone retires.
    std::fs::remove_file(d.join("plain.wasm")).expect("remove");
    let changes = reload(&set);
    assert!(
        changes.iter().any(|c| c.starts_with("plain: removed")),
        "{changes:?}"
    );
    assert_eq!(set.names(), ["hot"]);
    let err = answer(&set, "plain", 1).expect_err("plain is gone");
    assert!(matches!(err, Error::UnknownPlugin { .. }), "{err}");
    assert_eq!(err.to_string(), "no plugin named `plain` is loaded");
}

#[test]
fn a_watched_folder_reloads_on_its_own() {
    let dir = folder();
    manifest(dir.path(), "hot", "1");
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let set = PluginSet::builder(linker(&Engine::default()), |_| ())
        .on_change(move |change| {
            let _ = tx
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send(change.to_string());
        })
        .load(dir.path())
        .expect("load");
    let added = rx.recv().expect("added");
    assert!(added.starts_with("hot: loaded"), "{added}");
    let _watch = set.watch().expect("watch");
    manifest(dir.path(), "hot", "2");
    // Generous: the reload compiles and starts the plugin. Not a timing
    // assertion, only a bound so that a missed event fails the test.
    let change = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the watcher reloads");
    assert!(
        change.starts_with("hot: replaced version 1 with 2"),
        "{change}"
    );
    assert_eq!(answer(&set, "hot", 1).ok().as_deref(), Some("2:1"));
}

/// Versions answered by one caller, in order.
fn versions_seen(answers: &[String]) -> Vec<u64> {
    answers
        .iter()
        .map(|a| {
            let (v, _) = a.split_once(':').expect("version:n");
            v.parse().expect("numeric version")
        })
        .collect()
}

#[test]
fn replacing_a_plugin_50_times_under_load_fails_no_call() {
    const REPLACEMENTS: u64 = 50;
    let dir = folder();
    manifest(dir.path(), "hot", "0");
    let set = set(dir.path());
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let (set, stop) = (set.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    match answer(&set, "hot", n) {
                        Ok(a) => answers.push(a),
                        Err(e) => panic!("call {n} failed: {e}"),
                    }
                }
                answers
            })
        })
        .collect();
    let mut retired: Vec<Weak<Plugin<()>>> = Vec::new();
    for version in 1..=REPLACEMENTS {
        retired.extend(set.get("hot").map(|p| Arc::downgrade(&p)));
        manifest(dir.path(), "hot", &version.to_string());
        let changes = reload(&set);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].starts_with("hot: replaced"), "{changes:?}");
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for caller in callers {
        let answers = caller.join().expect("caller thread");
        let seen = versions_seen(&answers);
        total += seen.len();
        // Each call was answered by one whole version, and a caller never
        // went back to an older one after a newer one answered.
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert!(seen.iter().all(|&v| v <= REPLACEMENTS), "{seen:?}");
    }
    assert!(total > 0);
    assert_eq!(
        answer(&set, "hot", 1).ok(),
        Some(format!("{REPLACEMENTS}:1"))
    );
    // Every replaced version, its pool, instances and module, is freed.
    let alive = retired.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(
        alive,
        0,
        "{alive} of {} old versions still alive",
        retired.len()
    );
    println!(
        "{total} calls answered during {REPLACEMENTS} replacements on {}",
        gohost::EngineKind::default()
    );
}

#[test]
fn async_callers_see_the_swap_too() {
    let dir = folder();
    manifest(dir.path(), "hot", "1");
    let set = set(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let call = |n: u32| {
        runtime.block_on(set.call_async("hot", move |plugin| {
            Box::pin(hot::exports::answer_async(plugin, n))
        }))
    };
    // Async instances of the plugin need an interruptible engine.
    let err = call(1).expect_err("not interruptible");
    assert!(err.to_string().contains("interruptible"), "{err}");

    let engine = Engine::new(gohost::Config::new().interruptible(true));
    let set = PluginSet::builder(linker(&engine), |_| ())
        .load(dir.path())
        .expect("load");
    let call = |n: u32| {
        runtime.block_on(set.call_async("hot", move |plugin| {
            Box::pin(hot::exports::answer_async(plugin, n))
        }))
    };
    assert_eq!(call(1).ok().as_deref(), Some("1:1"));
    manifest(dir.path(), "hot", "2");
    // Reloading from inside the runtime: `reload` is sync, made for a
    // blocking thread.
    let changes = runtime
        .block_on(async {
            let set = set.clone();
            tokio::task::spawn_blocking(move || set.reload()).await
        })
        .expect("join")
        .expect("reload");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(matches!(changes[0], Change::Replaced { .. }), "{changes:?}");
    assert_eq!(call(2).ok().as_deref(), Some("2:2"));
}

#[test]
fn a_manifest_limits_its_plugin_and_a_limit_the_engine_cannot_enforce_is_refused() {
    let dir = folder();
    let d = dir.path();
    // 2 MiB: less than a Go runtime needs to start.
    std::fs::write(
        d.join("small.toml"),
        "wasm = \"hot.wasm\"\n[limits]\nmemory_bytes = 2097152\n",
    )
    .expect("write");
    std::fs::write(
        d.join("metered.toml"),
        "wasm = \"hot.wasm\"\n[limits]\nfuel = 1000000000\n",
    )
    .expect("write");
    let refused = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&refused);
    let set = PluginSet::builder(linker(&Engine::default()), |_| ())
        .on_change(move |c| seen.lock().expect("lock").push(c.to_string()))
        .load(d)
        .expect("load");
    // `hot.wasm` is named by both manifests: it is no plugin of its own.
    assert!(set.names().is_empty(), "{:?}", set.names());
    let refused = refused.lock().expect("lock").clone();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(
        refused[0],
        "metered: not loaded: invalid configuration: a fuel limit needs an engine built \
         with Config::consume_fuel(true)"
    );
    assert!(
        refused[1]
            .starts_with("small: not loaded: guest exceeded its memory limit of 2097152 bytes"),
        "{refused:?}"
    );
}
