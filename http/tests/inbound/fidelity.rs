//! What crosses between the client and the handler: the request as the
//! handler sees it, and the response as the client gets it.

use gohost_http::Handler;
use http::StatusCode;

use crate::support::*;

#[test]
fn a_servemux_pattern_answers() {
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
    });
}
