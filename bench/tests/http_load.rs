//! A fast slice of `http-load`: a few hundred requests through gohost and
//! through Go's own net/http, every one answered correctly. It checks that
//! the benchmark measures what it says; it times nothing.

use gohost_bench::http_load::{self, ChildServer, Load};

#[test]
fn both_servers_answer_every_request_of_a_short_load() {
    let plugin = http_load::build_plugin();
    let native = http_load::build_native();
    let (addr, _server) = http_load::serve_gohost(&plugin, 2, &[]).expect("serve the plugin");
    let go = ChildServer::start(std::process::Command::new(native)).expect("start the Go server");
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let load = Load {
        connections: 8,
        requests: 300,
    };
    for (name, addr) in [("gohost", addr), ("Go net/http", go.addr)] {
        let report = client.block_on(http_load::run_load(addr, load));
        assert_eq!((report.ok, report.errors), (300, 0), "{name}: {report:?}");
        assert!(report.p50 <= report.p99);
    }
}
