//! What crosses between the client and the handler: the request as the
//! handler sees it, and the response as the client gets it.

use bytes::Bytes;
use gohost_http::Handler;
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::support::*;

#[test]
fn a_servemux_pattern_answers_with_the_headers_net_http_adds() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let reply = get(addr, "/hello/gopher").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text(), "Hello, gopher!\n");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.header("content-length"), Some("15"));
        assert!(reply.header("date").is_some());
        // No pattern matches: ServeMux's own 404, and 405 with Allow.
        let reply = get(addr, "/nowhere").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.text(), "404 page not found\n");
        let req = Request::delete("/hello/gopher")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    });
}

#[test]
fn the_handler_sees_the_request_as_net_http_builds_it() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let client = client();
        let req = Request::post("/echo/some%20path/x?q=1&q=2&e=%C3%A9")
            .header("x-multi", "a")
            .header("x-multi", "b")
            .header("x-lower-case", "kept")
            .header("pragma", "no-cache")
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"hello, handler")))
            .unwrap();
        let reply = send(&client, addr, req).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let seen = reply.json();
        assert_eq!(seen["Method"], "POST");
        assert_eq!(seen["Path"], "/echo/some path/x");
        assert_eq!(seen["RawQuery"], "q=1&q=2&e=%C3%A9");
        assert_eq!(seen["RequestURI"], "/echo/some%20path/x?q=1&q=2&e=%C3%A9");
        assert_eq!(seen["Host"], addr.to_string());
        assert_eq!(seen["Proto"], "HTTP/1.1");
        assert_eq!(seen["ContentLength"], 14);
        assert_eq!(seen["Body"], "hello, handler");
        assert_eq!(seen["BodyError"], "");
        assert_eq!(seen["Close"], false);
        // The client's address, from axum's ConnectInfo.
        let remote = seen["RemoteAddr"].as_str().unwrap();
        assert!(remote.starts_with("127.0.0.1:"), "{remote}");
        // Canonical keys, repeated fields as several values, Host moved out
        // of the header, Pragma's Cache-Control added, as net/http does.
        let header = &seen["Header"];
        assert_eq!(header["X-Multi"], serde_json::json!(["a", "b"]));
        assert_eq!(header["X-Lower-Case"], serde_json::json!(["kept"]));
        assert_eq!(header["Cache-Control"], serde_json::json!(["no-cache"]));
        assert!(header.get("Host").is_none(), "{header}");
        assert_eq!(header["Content-Length"], serde_json::json!(["14"]));
    });
}

#[test]
fn a_chunked_request_body_has_an_unknown_length_and_its_trailers() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let request = format!(
            "POST /echo/chunked HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\
             Trailer: X-Sum\r\nConnection: close\r\n\r\n\
             5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Sum: 42\r\n\r\n"
        );
        let raw = raw_exchange(addr, request.as_bytes()).await;
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{raw}");
        assert!(
            head.to_ascii_lowercase().contains("content-length:"),
            "{head}"
        );
        let seen: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(seen["Body"], "hello, world");
        assert_eq!(seen["ContentLength"], -1);
        assert_eq!(seen["TransferEncoding"], serde_json::json!(["chunked"]));
        assert_eq!(seen["Trailer"], serde_json::json!({"X-Sum": ["42"]}));
        assert_eq!(seen["Close"], true);
        assert!(seen["Header"].get("Transfer-Encoding").is_none());
        assert!(seen["Header"].get("Trailer").is_none());
    });
}

#[test]
fn several_set_cookie_fields_and_repeated_headers_reach_the_client() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let reply = get(addr, "/cookies").await;
        let cookies: Vec<&str> = reply
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies, ["a=va; Path=/", "b=vb; Path=/", "c=vc; Path=/"]);
        let many: Vec<&str> = reply
            .headers
            .get_all("x-many")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(many, ["one", "two"]);
    });
}

#[test]
fn status_codes_and_bodies_follow_net_http() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let reply = get(addr, "/status/201").await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (StatusCode::CREATED, "body")
        );
        let reply = get(addr, "/status/599").await;
        assert_eq!(reply.status.as_u16(), 599);
        // 204 and 304 have no body: the handler's write fails as in
        // net/http, and no Content-Length goes out.
        for code in [204, 304] {
            let reply = get(addr, &format!("/status/{code}")).await;
            assert_eq!(reply.status.as_u16(), code);
            assert_eq!(reply.body.len(), 0);
            assert_eq!(reply.header("content-length"), None);
        }
        // Content-Type is sniffed from the body when the handler sets none.
        let reply = get(addr, "/sniff").await;
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    });
}

#[test]
fn head_requests_get_the_header_without_the_body() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let req = Request::head("/hello/gopher")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body.len(), 0);
        assert_eq!(reply.header("content-length"), Some("15"));
    });
}

#[test]
fn large_responses_stream_in_pieces_with_every_byte() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        let n = 3 << 20;
        let reply = get(addr, &format!("/big/{n}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body.len(), n);
        // Longer than the plugin's buffer: sent as it was written, with
        // chunked framing, not a Content-Length.
        assert_eq!(reply.header("content-length"), None);
        let line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n";
        assert!(reply.body.chunks(line.len()).all(|c| line.starts_with(c)));
        // Shorter than the buffer: one piece with its length.
        let reply = get(addr, "/big/100").await;
        assert_eq!(reply.header("content-length"), Some("100"));
    });
}

#[test]
fn trailers_reach_a_client_that_accepts_them() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("basic", limits()))).await;
        for (path, body, sum) in [
            ("/trailers", "body with trailers\n", "abc123"),
            ("/trailers-unflushed", "short body", "def456"),
        ] {
            let req = Request::get(path)
                .header("te", "trailers")
                .body(Full::default())
                .unwrap();
            let reply = send(&client(), addr, req).await;
            assert_eq!(reply.text(), body);
            let trailers = reply
                .trailers
                .unwrap_or_else(|| panic!("{path}: no trailers"));
            assert_eq!(trailers.get("x-checksum").unwrap(), sum, "{path}");
            if path == "/trailers-unflushed" {
                // Declared by the head, which went out with the end.
                assert_eq!(trailers.get("x-late").unwrap(), "late");
            }
        }
    });
}

#[test]
fn a_plugin_mounted_under_a_prefix_sees_the_rest_of_the_path() {
    runtime().block_on(async {
        let app = axum::Router::new()
            .nest_service("/shop", Handler::new(pool("basic", limits())))
            .route("/", axum::routing::get(|| async { "axum's own" }));
        let addr = serve(app).await;
        assert_eq!(
            get(addr, "/shop/hello/nested").await.text(),
            "Hello, nested!\n"
        );
        assert_eq!(get(addr, "/").await.text(), "axum's own");
        let req = Request::builder()
            .method(Method::PUT)
            .uri("/shop/echo/put?x=1")
            .body(Full::new(Bytes::from_static(b"put body")))
            .unwrap();
        let seen = send(&client(), addr, req).await.json();
        assert_eq!(seen["Path"], "/echo/put");
        assert_eq!(seen["RawQuery"], "x=1");
        assert_eq!(seen["Body"], "put body");
    });
}
