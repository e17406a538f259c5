//! The service end to end: builds the Go plugins, serves them on an
//! ephemeral port, sends concurrent requests with the example's bounded
//! client, and checks that `docs` keeps answering while `spin` is cut off
//! at its deadline with a 504.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_plugins::{client, Host, DEADLINE};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// The requests of the burst, for each plugin.
const SPIN: usize = 2;
const DOCS: usize = 12;

/// What `docs` answers for each document of `data/`, up to the view count.
const ANSWERS: &[(&str, &str)] = &[
    ("gopher", "\"The Go gopher\": 29 words, 164 bytes, view "),
    ("ferris", "\"Ferris the crab\": 23 words, 143 bytes, view "),
    ("wasm", "\"WebAssembly\": 23 words, 155 bytes, view "),
];

#[test]
fn serves_plugins_concurrently_and_cuts_off_the_runaway_one() {
    // The service's own runtime (see `async_plugins::runtime`).
    let runtime = async_plugins::runtime().expect("a Tokio runtime");
    runtime.block_on(serve_and_check());
}

async fn serve_and_check() {
    let host = tokio::task::spawn_blocking(|| {
        let folder = async_plugins::build_plugins().expect("build the plugins");
        Host::load(&folder, &async_plugins::data_dir())
    })
    .await
    .expect("build and load the plugins")
    .expect("load the plugins");
    let host = Arc::new(host);
    assert_eq!(host.names(), ["docs", "spin"]);

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async_plugins::serve(listener, host.clone(), async {
        let _ = stopped.await;
    }));

    // One at a time: an answer, the typed errors, and no such plugin.
    let r = client::get(addr, "/plugins/docs?q=gopher")
        .await
        .expect("GET");
    assert_eq!(
        (r.status, r.plugin.as_deref(), r.body.as_str()),
        (
            200,
            Some("docs"),
            "\"The Go gopher\": 29 words, 164 bytes, view 1\n"
        )
    );
    let r = client::get(addr, "/plugins/docs?q=unicorn")
        .await
        .expect("GET");
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, "no document named \"unicorn\"\n")
    );
    let r = client::get(addr, "/plugins/docs?q=../etc/passwd")
        .await
        .expect("GET");
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.body
            .starts_with("svc.read_doc: bad document name \"../etc/passwd\""),
        "{r:?}"
    );
    let r = client::get(addr, "/plugins/docs").await.expect("GET");
    assert_eq!(r.status, 400, "{r:?}");
    let r = client::get(addr, "/plugins/nope").await.expect("GET");
    assert_eq!(
        (r.status, r.plugin, r.body.as_str()),
        (404, None, "no plugin named \"nope\"; plugins: docs, spin\n")
    );

    // The burst: the runaway plugin first, then the one that answers.
    let started = Instant::now();
    let mut calls = JoinSet::new();
    for _ in 0..SPIN {
        calls.spawn(async move {
            let r = client::get(addr, "/plugins/spin").await.expect("GET spin");
            ("spin", r, started.elapsed())
        });
    }
    for i in 0..DOCS {
        let (doc, _) = ANSWERS[i % ANSWERS.len()];
        calls.spawn(async move {
            let target = format!("/plugins/docs?q={doc}");
            let r = client::get(addr, &target).await.expect("GET docs");
            (doc, r, started.elapsed())
        });
    }
    let mut spin = Vec::new();
    let mut docs = Vec::new();
    while let Some(call) = calls.join_next().await {
        let (what, r, at) = call.expect("a request task");
        if what == "spin" {
            assert_eq!(r.status, 504, "{r:?}");
            assert_eq!(r.plugin.as_deref(), Some("spin"));
            // (wasmtime also names the Go function it was stopped in: the
            // method, or the pointer wrapper Go made for the interface
            // call, with the loop inlined into it.)
            let deadline = "spin: guest exceeded its deadline of 500ms in `handle`";
            let stopped_in: &[&str] = match gohost::EngineKind::default() {
                gohost::EngineKind::Wasmtime => {
                    &[" at `main.spin.Handle`", " at `main.(*spin).Handle`"]
                }
                _ => &[""],
            };
            assert!(
                stopped_in
                    .iter()
                    .any(|at| r.body == format!("{deadline}{at}\n")),
                "{r:?}"
            );
            assert!(r.elapsed >= DEADLINE, "{r:?}");
            spin.push(at);
        } else {
            let (_, want) = ANSWERS
                .iter()
                .find(|(doc, _)| *doc == what)
                .expect("a document");
            assert_eq!(r.status, 200, "{what}: {r:?}");
            assert_eq!(r.plugin.as_deref(), Some("docs"));
            assert!(r.body.starts_with(want), "{what}: {r:?}");
            docs.push(at);
        }
    }
    assert_eq!((spin.len(), docs.len()), (SPIN, DOCS));
    // docs answered while spin was still running: its first answers came
    // before the deadline cut spin off.
    let first_cut = spin.iter().min().copied().unwrap_or(Duration::MAX);
    let first_doc = docs.iter().min().copied().unwrap_or(Duration::MAX);
    assert!(
        first_doc < first_cut,
        "first docs answer after {first_doc:?}, first spin cut after {first_cut:?}"
    );

    // The cut-off instances were replaced: both plugins still work.
    let r = client::get(addr, "/plugins/docs?q=wasm")
        .await
        .expect("GET");
    assert_eq!(r.status, 200, "{r:?}");
    let r = client::get(addr, "/plugins/spin").await.expect("GET");
    assert_eq!(r.status, 504, "{r:?}");

    let stats = client::get(addr, "/stats").await.expect("GET /stats");
    assert_eq!(stats.status, 200);
    let spin_stats = host
        .stats()
        .into_iter()
        .find(|(name, _)| *name == "spin")
        .map(|(_, s)| s)
        .expect("spin's pool");
    assert_eq!(spin_stats.discarded, SPIN as u64 + 1, "{spin_stats:?}");
    let docs_stats = host
        .stats()
        .into_iter()
        .find(|(name, _)| *name == "docs")
        .map(|(_, s)| s)
        .expect("docs' pool");
    assert_eq!(docs_stats.discarded, 0, "{docs_stats:?}");
    assert!(
        stats.body.contains(&format!(
            "spin: {} instance(s) created, {} discarded",
            spin_stats.created, spin_stats.discarded
        )),
        "{}",
        stats.body
    );

    stop.send(()).expect("the server is running");
    server
        .await
        .expect("the server task")
        .expect("the server stops cleanly");
}
