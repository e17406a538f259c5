// Package gohosthttp serves an [http.Handler] from a Go plugin that a Rust
// program hosts with gohost, and lets the plugin's net/http code work as it
// does on a real server.
//
// A plugin is built for GOOS=wasip1 GOARCH=wasm as a reactor. It hands its
// handler to [Serve] once, from an init function; the handler is written
// against net/http only, so the standard [http.ServeMux] with its method and
// wildcard patterns, middleware, and routers built on [http.Handler] work
// unchanged:
//
//	package main
//
//	import (
//		"fmt"
//		"net/http"
//
//		"example.com/shop/internal/gohosthttp"
//	)
//
//	func init() {
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "Hello, %s!\n", r.PathValue("name"))
//		})
//		gohosthttp.Serve(mux)
//	}
//
//	func main() {}
//
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o shop.wasm .
//
// and the Rust host mounts it, for example in an axum router, with the
// gohost-http crate. The host writes this package into the plugin's Go
// module, at internal/gohosthttp, next to the support package gohost writes
// at internal/gohost: a plugin builds with the Go toolchain alone, with no
// require and no replace in its go.mod.
//
// # Requests
//
// Each request is one call into the plugin, on an instance of its own: a
// plugin instance serves one request at a time, and the host runs as many
// instances as it serves requests at once. The handler gets an ordinary
// [*http.Request], built as net/http's server builds it: Method, URL (path
// and raw query, from RequestURI), Proto, Header (canonical keys, repeated
// fields as several values; Host moved to Request.Host), ContentLength (-1
// when unknown), TransferEncoding, Close, Trailer, RemoteAddr ("ip:port", or
// empty when the host does not know the client), and a Body that streams:
// each Read takes the next bytes the client sent, as the handler reads them,
// so a large upload is never held whole by the host or the plugin. The
// request's context is canceled when the handler returns, and when the host
// reports that the client went away (see below).
//
// The host limits the size of request bodies. A request that declares a
// longer body is refused with 413 Request Entity Too Large before the
// handler runs; one that turns out longer makes Body.Read return an
// [*http.MaxBytesError], as [http.MaxBytesReader] does, and a handler that
// then returns without writing a response answers 413.
//
// # Responses
//
// The [http.ResponseWriter] behaves as net/http's: the header map is sent
// at the first Write or WriteHeader (later changes are ignored, except
// trailers); a Write before WriteHeader means 200 OK; Content-Type is
// sniffed with [http.DetectContentType] when the handler does not set one;
// Content-Length is set when the whole body is written before the handler
// returns; a second WriteHeader is logged as superfluous and ignored; a
// status code outside 100 to 999 panics; writes to a 204 or 304 response
// return [http.ErrBodyNotAllowed] and writes beyond a declared
// Content-Length return [http.ErrContentLength]. Header fields whose name
// is not a valid HTTP token are dropped, line breaks in values become
// spaces (as net/http does), and a field whose value still holds control
// characters is dropped, since HTTP cannot carry it. Trailers work as in
// net/http: declare them in the "Trailer" header before writing, or use
// keys prefixed with [http.TrailerPrefix].
//
// The response streams: the body is buffered a few kilobytes at a time and
// sent as the buffer fills, and [http.Flusher] (or
// [http.NewResponseController]'s Flush) sends what is buffered at once and
// returns when the host's connection has taken it, so server-sent events
// reach the client as they are written. A Write waits while the client is
// slower than the handler. The host limits the size of response bodies: the
// Write that would pass the limit returns [ErrResponseTooLarge] and the
// response is aborted.
//
// 1xx informational responses are not sent (the host's HTTP server cannot
// send them), and Hijack, SetReadDeadline and SetWriteDeadline are not
// supported. Reading the request body while writing the response works at
// any time, as if [http.ResponseController.EnableFullDuplex] had been called.
//
// # When things go wrong
//
// A client that goes away cancels the request's context, with
// [ErrClientGone] as its cause ([context.Cause]), as soon as the handler's
// next Read, Write or Flush finds out; those return an error from then on.
// The host gives such a handler a moment to return, and discards the
// instance if it does not.
//
// A handler that panics is recovered, and the panic is logged with its stack
// to the plugin's standard error, as net/http's server logs it. The client
// gets 500 Internal Server Error if nothing was sent yet, and an aborted
// response otherwise (HTTP/1.1: the connection is closed before the end of
// the body; HTTP/2: the stream is reset), never a body cut short that looks
// complete. The host then discards the instance. A panic with
// [http.ErrAbortHandler] aborts the response without logging, and the
// instance keeps serving. A handler that runs past the host's deadline gets
// 504 Gateway Timeout, or an aborted response once bytes are out.
//
// # Outbound requests
//
// Importing this package also makes a [Transport] the
// [http.DefaultTransport], so the plugin's own requests work as they do
// anywhere: [http.Get], [http.DefaultClient], an [http.Client] of its own
// (with a Timeout, a cookie jar, a CheckRedirect), and libraries that take
// an *http.Client or use the default one. The host makes each request with
// its client, under the outbound policy it set for the plugin (which hosts,
// ports, schemes and methods; body sizes; timeouts; how many requests may
// be open at once), judged on every address a host name resolves to and
// on every redirect. A refused request is an ordinary error, which names
// the rule and matches [ErrDenied]:
//
//	resp, err := http.Get("http://10.0.0.5/admin")
//	// Get "http://10.0.0.5/admin": gohost: request to http://10.0.0.5/admin denied: host "10.0.0.5" is not allowed (allowed: api.example.com)
//
// See [Transport] for the details.
package gohosthttp
