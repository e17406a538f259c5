//! Handlers that go wrong: panics, handlers that never answer, and the
//! net/http mistakes, each with its outcome; the host keeps serving.

use std::time::Duration;

use gohost::Limits;
use gohost_http::Handler;
use http::StatusCode;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// Sends `GET path` on a new connection and reads until the server closes
/// it: the raw response, and whether it ended cleanly (a chunked body's
/// last chunk arrived).
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (String, bool) {
    let raw = raw_exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    let complete = raw.ends_with("0\r\n\r\n");
    (raw, complete)
}

#[test]
fn a_panic_before_anything_is_sent_is_a_500_and_a_fresh_instance() {
    runtime().block_on(async {
        let (pool, stderr) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let reply = get(addr, "/panic-before").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(reply.text(), "500 Internal Server Error\n");
        assert_eq!(reply.header("x-partial"), None);
        // Logged with its stack, as net/http's server logs it.
        let log = captured(&stderr);
        assert!(log.contains("http: panic serving 127.0.0.1:"), "{log}");
        assert!(log.contains("boom before"), "{log}");
        assert!(log.contains("goroutine "), "{log}");
        // A fault: the instance is replaced.
        assert_eq!(get(addr, "/last").await.status, StatusCode::OK);
        let stats = pool.stats();
        assert_eq!(
            (stats.faults.guest_panic, stats.created),
            (1, 2),
            "{stats:?}"
        );
    });
}

#[test]
fn a_panic_after_bytes_went_out_aborts_the_response() {
    runtime().block_on(async {
        let (pool, _) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let (raw, complete) = raw_get(addr, "/panic-after").await;
        assert!(raw.starts_with("HTTP/1.1 200 OK"), "{raw}");
        assert!(raw.contains("first part"), "{raw}");
        assert!(!complete, "the body looks complete: {raw:?}");
        // The client's HTTP stack sees an error, not a short body.
        let res = client()
            .get(format!("http://{addr}/panic-after").parse().unwrap())
            .await
            .unwrap();
        assert!(res.into_body().collect().await.is_err());
        assert_eq!(pool.stats().faults.guest_panic, 2);
    });
}

#[test]
fn err_abort_handler_aborts_without_a_fault() {
    runtime().block_on(async {
        let (pool, stderr) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let (raw, complete) = raw_get(addr, "/abort").await;
        assert!(raw.contains("first part") && !complete, "{raw:?}");
        assert_eq!(get(addr, "/last").await.status, StatusCode::OK);
        let stats = pool.stats();
        assert_eq!((stats.faults.total(), stats.created), (0, 1), "{stats:?}");
        assert!(!captured(&stderr).contains("panic"));
    });
}

#[test]
fn a_handler_past_its_deadline_gets_504_or_an_aborted_response() {
    runtime().block_on(async {
        let limits = Limits::new().deadline(Duration::from_millis(500));
        let (pool, _) = single("faults", limits);
        let addr = serve_handler(Handler::new(pool.clone())).await;
        // Sleeping (its goroutine waits on a timer) and computing.
        for path in ["/sleep", "/spin"] {
            let reply = get(addr, path).await;
            assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{path}");
        }
        // After the head went out: aborted.
        let (raw, complete) = raw_get(addr, "/sleep?flush").await;
        assert!(raw.contains("started") && !complete, "{raw:?}");
        assert_eq!(pool.stats().faults.deadline, 3);
        assert_eq!(get(addr, "/last").await.status, StatusCode::OK);
    });
}

#[test]
fn a_handler_blocked_forever_is_a_500() {
    // `select {}` with nothing else to run: Go's runtime finds the deadlock
    // and exits, which traps the call.
    runtime().block_on(async {
        let (pool, _) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let reply = get(addr, "/block").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(pool.stats().faults.total(), 1);
        assert_eq!(get(addr, "/last").await.status, StatusCode::OK);
    });
}

#[test]
fn invalid_header_fields_are_dropped_or_cleaned_as_net_http_does() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("faults", limits()))).await;
        let reply = get(addr, "/bad-headers").await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::OK, "ok")
        );
        // Names that are not tokens: dropped.
        assert!(
            reply.headers.keys().all(|k| !k.as_str().starts_with("bad")),
            "{:?}",
            reply.headers
        );
        // A line break cannot inject a field: it becomes a space.
        assert_eq!(reply.header("x-newline"), Some("a  Injected: yes"));
        assert_eq!(reply.header("injected"), None);
        // A control character HTTP cannot carry: dropped.
        assert_eq!(reply.header("x-nul"), None);
        assert_eq!(reply.header("x-ok"), Some("kept"));
    });
}

#[test]
fn header_changes_after_write_header_are_ignored_and_a_second_write_header_is_logged() {
    runtime().block_on(async {
        let (pool, stderr) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool)).await;
        let reply = get(addr, "/header-after-writeheader").await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.header("x-before"), Some("sent"));
        assert_eq!(reply.header("x-after"), None);
        // The first WriteHeader wins; the second is logged, naming its caller.
        let reply = get(addr, "/writeheader-twice").await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::ACCEPTED, "accepted")
        );
        let reply = get(addr, "/writeheader-after-write").await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::OK, "implied 200")
        );
        let log = captured(&stderr);
        assert_eq!(
            log.matches("http: superfluous response.WriteHeader call from main.init.")
                .count(),
            2,
            "{log}"
        );
        assert!(log.contains("(main.go:"), "{log}");
    });
}

#[test]
fn content_length_mistakes_follow_net_http() {
    runtime().block_on(async {
        let (pool, _) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool)).await;
        // Writing past the declared length fails the write; the declared
        // bytes go out.
        let reply = get(addr, "/content-length").await;
        assert_eq!(reply.text(), "abc");
        assert_eq!(
            get(addr, "/last").await.text(),
            "first write: <nil>; second write: http: wrote more than the declared Content-Length"
        );
        // Writing less than declared: the client gets an error, not a
        // short body that looks whole.
        let res = client()
            .get(
                format!("http://{addr}/content-length-short")
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.headers().get("content-length").unwrap(), "10");
        assert!(res.into_body().collect().await.is_err());
        // A body after 204 fails the write.
        let reply = get(addr, "/body-after-204").await;
        assert_eq!(
            (reply.status, reply.body.len()),
            (StatusCode::NO_CONTENT, 0)
        );
        assert_eq!(
            get(addr, "/last").await.text(),
            "write: http: request method or response status code does not allow body"
        );
    });
}

#[test]
fn invalid_status_codes_panic_as_in_net_http() {
    runtime().block_on(async {
        let (pool, stderr) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool)).await;
        for code in ["99", "1000"] {
            let reply = get(addr, &format!("/status/{code}")).await;
            assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{code}");
        }
        // 1xx informational codes are not sent; the handler's response is
        // an implied 200.
        let reply = get(addr, "/status/103").await;
        assert_eq!(reply.status, StatusCode::OK);
        let log = captured(&stderr);
        assert!(log.contains("invalid WriteHeader code 99"), "{log}");
        assert!(log.contains("invalid WriteHeader code 1000"), "{log}");
    });
}

#[test]
fn a_response_over_the_limit_fails_the_write_and_never_looks_complete() {
    runtime().block_on(async {
        let (pool, _) = single("faults", limits());
        let addr = serve_handler(Handler::new(pool.clone()).max_response_body(100_000)).await;
        // Over the limit before anything was sent: 500.
        let small = serve_handler(Handler::new(pool.clone()).max_response_body(1500)).await;
        let reply = get(small, "/too-large?n=3000").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            get(small, "/last").await.text(),
            "wrote 1000, then: gohosthttp: response body larger than the host allows"
        );
        // Past the limit after pieces were sent: the client gets what was
        // sent, then the connection ends without the body's end.
        let (raw, complete) = raw_get(addr, "/too-large?n=1000000").await;
        assert!(
            raw.starts_with("HTTP/1.1 200 OK") && !complete,
            "{raw:.200}"
        );
        assert_eq!(
            get(addr, "/last").await.text(),
            "wrote 100000, then: gohosthttp: response body larger than the host allows"
        );
        // At the limit: whole.
        let reply = get(addr, "/too-large?n=100000").await;
        assert_eq!((reply.status, reply.body.len()), (StatusCode::OK, 100_000));
        assert_eq!(pool.stats().faults.total(), 0);
    });
}

#[test]
fn a_connection_keeps_serving_after_a_fault() {
    // One keep-alive connection: a 500 and a 504 do not end it.
    runtime().block_on(async {
        let limits = Limits::new().deadline(Duration::from_millis(300));
        let addr = serve_handler(Handler::new(pool("faults", limits))).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        for (path, status) in [("/panic-before", "500"), ("/spin", "504"), ("/last", "200")] {
            let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            stream.write_all(req.as_bytes()).await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
                    .await
                    .expect("an answer")
                    .unwrap();
                assert!(n > 0, "the connection closed after {path}");
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_owned)
                        })
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if body.len() >= len {
                        assert!(
                            head.starts_with(&format!("HTTP/1.1 {status}")),
                            "{path}: {head}"
                        );
                        break;
                    }
                }
            }
        }
    });
}

#[test]
fn plugins_and_pools_that_cannot_serve_get_500_and_the_host_keeps_serving() {
    runtime().block_on(async {
        // A plugin without gohosthttp; one whose init panics (Serve twice).
        let no_serve = Handler::new(pool("noserve", limits()));
        let twice = Handler::new(pool("twice", limits()));
        // A pool on an engine that cannot make async instances is refused
        // when it is built, before it could serve a request.
        let sync_engine = gohost::Engine::default();
        let module = gohost::Module::from_file(&sync_engine, plugin_wasm("basic")).unwrap();
        let mut linker = gohost::Linker::<gohost_http::HttpState>::new(&sync_engine);
        gohost_http::add_to_linker(&mut linker, |s: &mut gohost_http::HttpState| s).unwrap();
        let refused = gohost::Pool::builder(linker, module, gohost_http::HttpState::new)
            .build_async()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refused.contains("interruptible"), "{refused}");
        let app = axum::Router::new()
            .nest_service("/noserve", no_serve)
            .nest_service("/twice", twice)
            .nest_service("/basic", Handler::new(pool("basic", limits())));
        let addr = serve(app).await;
        for path in ["/noserve/x", "/twice/x", "/noserve/y"] {
            let reply = get(addr, path).await;
            assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        }
        assert_eq!(
            get(addr, "/basic/hello/still").await.text(),
            "Hello, still!\n"
        );
    });
}
