//! Handlers we did not write: Go's standard library (file servers,
//! StripPrefix, TimeoutHandler, MaxBytesReader, ServeContent, forms,
//! multipart, JSON) and middleware written against net/http only.

use bytes::Bytes;
use gohost_http::Handler;
use http::{Request, StatusCode};
use http_body_util::Full;

use crate::support::*;

#[test]
fn file_servers_over_fstest_and_embed_with_strip_prefix() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stdlib", limits()))).await;
        let reply = get(addr, "/files/notes.txt").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text(), "0123456789abcdefghijklmnopqrstuvwxyz");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            reply.header("last-modified"),
            Some("Wed, 01 May 2024 12:00:00 GMT")
        );
        assert_eq!(reply.header("accept-ranges"), Some("bytes"));
        // The directory's index.html, and a directory listing.
        assert_eq!(get(addr, "/files/").await.text(), "<h1>map index</h1>\n");
        let listing = get(addr, "/files/sub/").await.text();
        assert!(
            listing.contains("<a href=\"a.json\">a.json</a>"),
            "{listing}"
        );
        // FileServer's redirect of /index.html to the directory.
        let reply = get(addr, "/files/index.html").await;
        assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(reply.header("location"), Some("./"));
        assert_eq!(
            get(addr, "/files/missing").await.status,
            StatusCode::NOT_FOUND
        );
        // Conditional requests.
        let req = Request::get("/files/notes.txt")
            .header("if-modified-since", "Wed, 01 May 2024 12:00:00 GMT")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(
            (reply.status, reply.body.len()),
            (StatusCode::NOT_MODIFIED, 0)
        );
        // embed.FS.
        let reply = get(addr, "/embedded/").await;
        assert!(reply.text().contains("from embed.FS"), "{}", reply.text());
        let reply = get(addr, "/embedded/site.css").await;
        assert_eq!(
            reply.header("content-type"),
            Some("text/css; charset=utf-8")
        );
    });
}

#[test]
fn serve_content_answers_ranges_and_etags() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stdlib", limits()))).await;
        let req = Request::get("/content")
            .header("range", "bytes=2-5")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(reply.text(), "cdef");
        assert_eq!(reply.header("content-range"), Some("bytes 2-5/26"));
        let req = Request::get("/content")
            .header("range", "bytes=0-0,-2")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT);
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("multipart/byteranges; boundary="));
        let text = reply.text();
        assert!(text.contains("Content-Range: bytes 0-0/26\r\n"), "{text}");
        assert!(text.contains("Content-Range: bytes 24-25/26\r\n"), "{text}");
        assert!(
            text.contains("\r\n\r\na\r\n") && text.contains("\r\n\r\nyz\r\n"),
            "{text}"
        );
        let req = Request::get("/content")
            .header("if-none-match", "\"v1\"")
            .body(Full::default())
            .unwrap();
        assert_eq!(
            send(&client(), addr, req).await.status,
            StatusCode::NOT_MODIFIED
        );
    });
}

#[test]
fn timeout_handler_answers_503_and_max_bytes_reader_413() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stdlib", limits()))).await;
        let reply = get(addr, "/timeout").await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.text(), "the handler timed out");
        assert_eq!(get(addr, "/quick").await.text(), "in time");
        let client = client();
        let post = |body: &'static [u8]| {
            Request::post("/limited")
                .body(Full::new(Bytes::from_static(body)))
                .unwrap()
        };
        let reply = send(&client, addr, post(b"0123456789")).await;
        assert_eq!(reply.text(), "got \"0123456789\"");
        let reply = send(&client, addr, post(b"0123456789a")).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply.text(), "over 10 bytes\n");
    });
}

#[test]
fn json_forms_multipart_cookies_and_redirects() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stdlib", limits()))).await;
        let client = client();
        let req = Request::post("/json")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(br#"{"A": 40, "B": 2}"#)))
            .unwrap();
        let reply = send(&client, addr, req).await;
        assert_eq!(reply.json(), serde_json::json!({"Sum": 42}));
        let req = Request::post("/json")
            .body(Full::new(Bytes::from_static(br#"{"C": 1}"#)))
            .unwrap();
        let reply = send(&client, addr, req).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.text(), "bad JSON: json: unknown field \"C\"\n");

        let req = Request::post("/form?q=query")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from_static(b"name=Go+pher&tag=a&tag=b")))
            .unwrap();
        let reply = send(&client, addr, req).await;
        assert_eq!(reply.text(), "name=Go pher tags=[a b] q=query");

        let boundary = "gohostboundary";
        let form = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nnotes\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n{}\r\n--{boundary}--\r\n",
            "x".repeat(70_000)
        );
        let req = Request::post("/upload")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Full::new(Bytes::from(form)))
            .unwrap();
        let reply = send(&client, addr, req).await;
        assert_eq!(reply.text(), "n.bin: 70000 bytes, title \"notes\"");

        let req = Request::get("/cookie")
            .header("cookie", "theme=dark; session=s3cret")
            .body(Full::default())
            .unwrap();
        assert_eq!(send(&client, addr, req).await.text(), "session s3cret");
        assert_eq!(get(addr, "/cookie").await.status, StatusCode::UNAUTHORIZED);

        let reply = get(addr, "/redirect").await;
        assert_eq!(reply.status, StatusCode::FOUND);
        assert_eq!(reply.header("location"), Some("/files/notes.txt"));
    });
}

#[test]
fn a_gzip_middleware_compresses_the_stream() {
    runtime().block_on(async {
        let addr = serve_handler(Handler::new(pool("stdlib", limits()))).await;
        let req = Request::get("/gzip/notes.txt")
            .header("accept-encoding", "gzip")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-encoding"), Some("gzip"));
        // A gzip member: its magic, and its trailer's length of the input.
        assert_eq!(&reply.body[..2], [0x1f, 0x8b]);
        let n = reply.body.len();
        let size = u32::from_le_bytes(reply.body[n - 4..].try_into().unwrap());
        assert_eq!(size, 36);
        // Not sniffed: the middleware set Content-Encoding.
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    });
}

#[test]
fn a_chi_router_with_its_middleware() {
    runtime().block_on(async {
        let (pool, stderr) = single("chi/router", limits());
        let addr = serve_handler(Handler::new(pool.clone())).await;
        let reply = get(addr, "/articles/42").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("x-served-by"), Some("chi"));
        let text = reply.text();
        assert!(
            text.starts_with("article 42; request id set true; ip 127.0.0.1:"),
            "{text}"
        );
        // RealIP takes the proxy's header.
        let req = Request::get("/articles/7")
            .header("x-real-ip", "203.0.113.9")
            .body(Full::default())
            .unwrap();
        assert!(send(&client(), addr, req)
            .await
            .text()
            .ends_with("ip 203.0.113.9"));
        assert_eq!(
            get(addr, "/articles/x").await.text(),
            "chi: nothing at /articles/x\n"
        );
        assert_eq!(get(addr, "/ping").await.text(), ".");
        // Basic auth on a route group.
        assert_eq!(get(addr, "/admin/").await.status, StatusCode::UNAUTHORIZED);
        let req = Request::get("/admin/")
            .header("authorization", "Basic cm9vdDpzM2NyZXQ=")
            .body(Full::default())
            .unwrap();
        assert_eq!(send(&client(), addr, req).await.text(), "welcome, admin");
        // A mounted router.
        let req = Request::post("/api/echo")
            .body(Full::new(Bytes::from_static(b"mounted")))
            .unwrap();
        assert_eq!(send(&client(), addr, req).await.text(), "mounted");
        // chi's Timeout middleware answers 504 itself, in time.
        assert_eq!(get(addr, "/slow").await.status, StatusCode::GATEWAY_TIMEOUT);
        // Compression.
        let req = Request::get("/compressed")
            .header("accept-encoding", "gzip")
            .body(Full::default())
            .unwrap();
        let reply = send(&client(), addr, req).await;
        assert_eq!(reply.header("content-encoding"), Some("gzip"));
        assert_eq!(&reply.body[..2], [0x1f, 0x8b]);
        // Recoverer answers a panic with 500 and keeps the instance: the
        // panic never reaches gohosthttp.
        let reply = get(addr, "/panic").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(captured(&stderr).contains("chi boom"));
        let stats = pool.stats();
        assert_eq!((stats.faults.total(), stats.created), (0, 1), "{stats:?}");
    });
}
