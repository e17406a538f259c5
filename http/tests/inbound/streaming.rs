//! Streaming both ways, body limits, and clients that go away.

use std::time::Duration;

use bytes::Bytes;
use gohost_http::Handler;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// Reads frames of `body` until `want` has arrived, at most 30 s.
async fn read_until(body: &mut hyper::body::Incoming, got: &mut String, want: &str) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !got.contains(want) {
            let frame = body.frame().await.expect("a frame").expect("a good frame");
            if let Ok(data) = frame.into_data() {
                got.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{want:?} never arrived; got {got:?}"));
}

#[test]
fn request_and_response_stream_in_full_duplex() {
    // Each line is answered (and flushed) before the client sends the next:
    // the handler reads the body as it comes, and the client gets each
    // answer while the request is still open. Without streaming both
    // ways, this would wait forever.
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stream", limits()))).await;
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let req = Request::post(format!("http://{addr}/duplex"))
            .body(ChannelBody(rx))
            .unwrap();
        let client = streaming_client();
        let response = tokio::spawn(async move { client.request(req).await });
        tx.send(Bytes::from_static(b"first\n")).await.unwrap();
        let res = response
            .await
            .unwrap()
            .expect("the head arrives before the body ends");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("content-length"), None);
        let mut body = res.into_body();
        let mut got = String::new();
        read_until(&mut body, &mut got, "echo 1: first\n").await;
        for (i, line) in ["second", "third"].iter().enumerate() {
            tx.send(Bytes::from(format!("{line}\n"))).await.unwrap();
            read_until(&mut body, &mut got, &format!("echo {}: {line}\n", i + 2)).await;
        }
        drop(tx);
        while let Some(frame) = body.frame().await {
            frame.expect("the response ends cleanly");
        }
        assert_eq!(got, "echo 1: first\necho 2: second\necho 3: third\n");
    });
}

#[test]
fn server_sent_events_arrive_as_they_are_flushed() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stream", limits()))).await;
        let reply = get(addr, "/sse?n=3&ms=20").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), Some("text/event-stream"));
        assert_eq!(reply.header("content-length"), None);
        assert_eq!(
            reply.text(),
            "id: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n"
        );
    });
}

#[test]
fn a_declared_body_over_the_limit_is_refused_before_the_handler_runs() {
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let addr = serve_handler(Handler::new(pool.clone()).max_request_body(1000)).await;
        let req = Request::post("/upload")
            .body(Full::new(Bytes::from(vec![b'x'; 1001])))
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(pool.stats().calls, 0, "the plugin was called");
        // At the limit, it is read.
        let req = Request::post("/upload")
            .body(Full::new(Bytes::from(vec![b'x'; 1000])))
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::OK, "1000 bytes")
        );
    });
}

#[test]
fn a_chunked_body_over_the_limit_fails_the_read_with_max_bytes_error() {
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let addr = serve_handler(Handler::new(pool.clone()).max_request_body(5000)).await;
        for (path, want) in [
            // The handler returns without answering: an empty 413 (where
            // net/http would answer an empty 200).
            ("/upload", ""),
            // The handler answers itself, with the limit it was told.
            ("/upload?answer", "too large: limit 5000"),
        ] {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let req = Request::post(format!("http://{addr}{path}"))
                .body(ChannelBody(rx))
                .unwrap();
            let client = streaming_client();
            let response = tokio::spawn(async move { client.request(req).await });
            for _ in 0..10 {
                if tx.send(Bytes::from(vec![b'y'; 1000])).await.is_err() {
                    break;
                }
            }
            drop(tx);
            let res = response.await.unwrap().unwrap();
            assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let body = res.into_body().collect().await.unwrap().to_bytes();
            assert!(String::from_utf8_lossy(&body).starts_with(want), "{body:?}");
            let last = get(addr, "/last").await.text();
            assert!(
                last.starts_with(
                    "read 5000 bytes, then: http: request body too large (MaxBytesError true"
                ),
                "{last}"
            );
        }
        assert_eq!(pool.stats().discarded, 0);
    });
}

#[test]
fn a_client_gone_mid_body_fails_the_read_and_cancels_the_context() {
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head =
            format!("POST /upload HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100000\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[b'z'; 3000]).await.unwrap();
        stream.flush().await.unwrap();
        // The handler has started reading when the pool has the instance
        // out; then the client goes away.
        assert!(
            eventually(Duration::from_secs(30), || pool.stats().idle == 0
                && pool.stats().live == 1)
            .await
        );
        drop(stream);
        let last = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let last = get(addr, "/last").await.text();
                if last.starts_with("read ") {
                    return last;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the handler ends");
        assert!(last.contains("unexpected EOF true"), "{last}");
        assert!(
            last.contains("ctx gohosthttp: the client went away"),
            "{last}"
        );
        // The handler returned: its instance serves on.
        assert_eq!(pool.stats().discarded, 0);
        assert_eq!(pool.stats().created, 1);
    });
}

#[test]
fn a_client_gone_mid_response_cancels_the_context_and_keeps_the_instance() {
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!("GET /sse?n=1000&ms=30 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains("data: event 2") {
            let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
                .await
                .expect("events arrive")
                .unwrap();
            assert!(n > 0, "the server closed the stream");
            got.extend_from_slice(&buf[..n]);
        }
        drop(stream);
        let last = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let last = get(addr, "/last").await.text();
                if !last.is_empty() {
                    return last;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the handler ends");
        // The next flush (or the wait on the context) found out.
        assert!(last.contains("gohosthttp: the client went away"), "{last}");
        assert!(!last.starts_with("sent"), "{last}");
        assert_eq!(pool.stats().discarded, 0);
        assert_eq!(pool.stats().created, 1);
    });
}

#[test]
fn a_handler_that_ignores_the_client_going_away_is_cut_off_after_the_grace() {
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let handler = Handler::new(pool.clone()).disconnect_grace(Duration::from_millis(200));
        let addr = serve_handler(handler).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!("GET /stubborn HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .expect("the first tick arrives")
            .unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).contains("200 OK"));
        drop(stream);
        assert!(
            eventually(Duration::from_secs(30), || pool.stats().discarded == 1).await,
            "{:?}",
            pool.stats()
        );
        // A fresh instance serves the next request.
        assert_eq!(get(addr, "/last").await.status, StatusCode::OK);
        assert_eq!(pool.stats().created, 2);
    });
}

#[test]
fn a_slow_client_holds_the_handler_back() {
    // The handler writes 16 MiB; the client reads 64 KiB and waits. The
    // handler must wait too (its writes block), not run ahead into memory.
    runtime().block_on(async {
        let (pool, _) = single("stream", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let total = 16 << 20;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head =
            format!("GET /large?n={total} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut got = vec![0u8; 64 << 10];
        stream.read_exact(&mut got).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            pool.stats().calls,
            0,
            "the handler finished without its client"
        );
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert!(rest.len() + got.len() > total);
        assert!(eventually(Duration::from_secs(30), || pool.stats().calls == 1).await);
        assert_eq!(get(addr, "/last").await.text(), format!("wrote {total}"));
    });
}
