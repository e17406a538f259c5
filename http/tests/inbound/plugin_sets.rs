//! Handlers over a plugin set: one plugin by name, following reloads, and
//! every plugin of the set routed by the first segment of the path; and a
//! server on hyper alone, which passes the client's address itself.

use gohost::PluginSet;
use gohost_http::{Handler, HttpState};
use http::StatusCode;

use crate::support::*;

/// A folder holding `basic.wasm` and `stream.wasm`, and the set loaded
/// from it.
fn plugin_set() -> (tempfile::TempDir, PluginSet<HttpState>) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["basic", "stream"] {
        std::fs::copy(plugin_wasm(name), dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    let set = PluginSet::builder(linker(), |_name| HttpState::new())
        .limits(limits())
        .max_instances(2)
        .load(dir.path())
        .unwrap();
    (dir, set)
}

/// Reloads `set` off the runtime's threads (a reload compiles).
async fn reload(set: &PluginSet<HttpState>) {
    let set = set.clone();
    tokio::task::spawn_blocking(move || set.reload())
        .await
        .unwrap()
        .unwrap();
}

#[test]
fn a_plugin_of_a_set_follows_its_reloads() {
    runtime().block_on(async {
        let (dir, set) = tokio::task::spawn_blocking(plugin_set).await.unwrap();
        let app = axum::Router::new()
            .nest_service("/app", Handler::plugin(set.clone(), "basic"))
            .nest_service("/gone", Handler::plugin(set.clone(), "nothing"));
        let addr = serve(app).await;
        assert_eq!(get(addr, "/app/hello/v1").await.text(), "Hello, v1!\n");
        assert_eq!(
            get(addr, "/gone/x").await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        // Replace basic with the stream plugin: the same handler now
        // serves the new version.
        std::fs::copy(plugin_wasm("stream"), dir.path().join("basic.wasm")).unwrap();
        reload(&set).await;
        assert_eq!(
            get(addr, "/app/hello/v1").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get(addr, "/app/last").await.status, StatusCode::OK);
    });
}

#[test]
fn every_plugin_of_a_set_under_its_name() {
    runtime().block_on(async {
        let (dir, set) = tokio::task::spawn_blocking(plugin_set).await.unwrap();
        let addr = serve_handler(Handler::plugins(set.clone())).await;
        assert_eq!(
            get(addr, "/basic/hello/routed").await.text(),
            "Hello, routed!\n"
        );
        let seen = get(addr, "/basic/echo/x?y=1").await.json();
        assert_eq!(
            (seen["Path"].as_str(), seen["RawQuery"].as_str()),
            (Some("/echo/x"), Some("y=1"))
        );
        assert_eq!(get(addr, "/stream/last").await.status, StatusCode::OK);
        // "/basic" alone is the plugin's "/".
        assert_eq!(get(addr, "/basic").await.text(), "404 page not found\n");
        for missing in ["/", "/nothing/x", "//x"] {
            assert_eq!(
                get(addr, missing).await.status,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
        // A removed plugin stops serving at the reload.
        std::fs::remove_file(dir.path().join("stream.wasm")).unwrap();
        reload(&set).await;
        assert_eq!(
            get(addr, "/stream/last").await.status,
            StatusCode::NOT_FOUND
        );
    });
}

#[test]
fn a_hyper_server_passes_the_client_address_as_an_extension() {
    runtime().block_on(async {
        let addr = serve_hyper(Handler::new(pool("basic", limits())), false).await;
        let seen = get(addr, "/echo/").await.json();
        assert!(
            seen["RemoteAddr"]
                .as_str()
                .unwrap()
                .starts_with("127.0.0.1:"),
            "{seen}"
        );
    });
}
