//! HTTP/2, with hyper's own HTTP/2 server and client: the request's host
//! from the URI's authority, trailers without `TE: trailers`, and a
//! response aborted by a reset of its stream.

use std::net::SocketAddr;

use bytes::Bytes;
use gohost_http::Handler;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::support::*;

/// An HTTP/2 connection to `addr`.
async fn h2_client(addr: SocketAddr) -> hyper::client::conn::http2::SendRequest<Empty<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    sender
}

/// The reason a peer gave for resetting the stream `err` ended.
fn stream_reset(err: &hyper::Error) -> Option<h2::Reason> {
    let h2 = std::error::Error::source(err)?.downcast_ref::<h2::Error>()?;
    h2.is_reset().then(|| h2.reason()).flatten()
}

#[test]
fn requests_over_http2_see_the_authority_as_host_and_get_trailers() {
    runtime().block_on(async {
        let addr = serve_hyper(Handler::new(pool("basic", limits())), true).await;
        let mut client = h2_client(addr).await;
        let req = Request::get(format!("http://{addr}/echo/h2?x=1"))
            .body(Empty::new())
            .unwrap();
        let res = client.send_request(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let seen: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(seen["Proto"], "HTTP/2.0");
        assert_eq!(seen["Host"], addr.to_string());
        assert_eq!(seen["Path"], "/echo/h2");
        assert_eq!(seen["RawQuery"], "x=1");
        assert_eq!(seen["RequestURI"], "/echo/h2?x=1");
        assert!(seen["RemoteAddr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"));

        let req = Request::get(format!("http://{addr}/trailers"))
            .body(Empty::new())
            .unwrap();
        let res = client.send_request(req).await.unwrap();
        let collected = res.into_body().collect().await.unwrap();
        let trailers = collected.trailers().cloned().expect("trailers");
        assert_eq!(trailers.get("x-checksum").unwrap(), "abc123");
        assert_eq!(collected.to_bytes(), "body with trailers\n");
    });
}

#[test]
fn an_aborted_response_resets_its_stream_and_the_connection_serves_on() {
    runtime().block_on(async {
        let addr = serve_hyper(Handler::new(pool("faults", limits())), true).await;
        let mut client = h2_client(addr).await;
        let req = Request::get(format!("http://{addr}/panic-after"))
            .body(Empty::new())
            .unwrap();
        // h2 drops what it had queued for a stream it resets, so the reset
        // can reach the client before the head or after part of the body;
        // either way the stream ends in a reset, never cleanly.
        let err = match client.send_request(req).await {
            Err(err) => err,
            Ok(res) => {
                assert_eq!(res.status(), StatusCode::OK);
                let collected = res.into_body().collect().await;
                collected.expect_err("the stream ended cleanly")
            }
        };
        assert_eq!(
            stream_reset(&err),
            Some(h2::Reason::INTERNAL_ERROR),
            "{err:?}"
        );
        // The same connection carries the next request.
        let req = Request::get(format!("http://{addr}/status/201"))
            .body(Empty::new())
            .unwrap();
        assert_eq!(
            client.send_request(req).await.unwrap().status(),
            StatusCode::CREATED
        );
    });
}
