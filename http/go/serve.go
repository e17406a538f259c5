package gohosthttp

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"runtime"
)

// ErrClientGone is the cause ([context.Cause]) of a request context canceled
// because the client went away, and the error Read, Write and Flush return
// from then on.
var ErrClientGone = errors.New("gohosthttp: the client went away")

// ErrResponseTooLarge is returned by the Write that would make the response
// body longer than the host allows; the response is then aborted.
var ErrResponseTooLarge = errors.New("gohosthttp: response body larger than the host allows")

// errAfterHandler is returned by writes and reads of a request whose handler
// has returned (from a goroutine it left behind).
var errAfterHandler = errors.New("gohosthttp: the handler of this request has returned")

var (
	handler http.Handler
	served  bool
)

// Serve makes h the handler of every HTTP request the host sends this
// plugin. Call it once, from an init function (a plugin is a reactor: its
// init functions run before the host's first request, and main does not
// run). A nil h serves [http.DefaultServeMux], as does a plugin that never
// calls Serve.
//
// Serve panics if it is called twice.
func Serve(h http.Handler) {
	if served {
		panic("gohosthttp: Serve called twice")
	}
	served = true
	handler = h
}

// currentHandler is the handler requests go to.
func currentHandler() http.Handler {
	if handler == nil {
		return http.DefaultServeMux
	}
	return handler
}

// exchange is one request's way to the host: the request body comes in
// through it and the response goes out. The wasip1 build calls the host's
// functions; tests use a fake.
type exchange interface {
	// readBody returns the next bytes of the request body, at most max,
	// whether the body ends after them, and the trailer fields (HTTP/1
	// form) at its end.
	readBody(max int) (data []byte, end bool, trailer []byte, err error)
	// send sends the response head (when h is not nil: the first call)
	// and body bytes; with flush, it returns once the client's connection
	// has taken them.
	send(h *head, data []byte, flush bool) error
}

// head is a response's status code and header fields in HTTP/1 form.
type head struct {
	status int
	header []byte
}

// incoming is what the host sends with a request.
type incoming struct {
	// head is the request line, the header section (fields and an empty
	// line, HTTP/1 form), then the client's address ("ip:port", or
	// nothing).
	head            []byte
	contentLength   int64 // -1: unknown
	bodyFollows     bool
	maxResponseBody int64 // -1: no limit
}

// outcomeKind says how a handler ended.
type outcomeKind int

const (
	returned outcomeKind = iota
	aborted              // panicked with http.ErrAbortHandler
	panicked
)

// finished is what goes back to the host when the handler has ended.
type finished struct {
	head    *head // nil when sent already
	body    []byte
	trailer []byte
	outcome outcomeKind
	panic   string // the panic value, printed
}

// exchangeState is what serving one request allocates, in one piece.
type exchangeState struct {
	ctx  requestContext
	body body
	res  response
}

// serve serves one request with the plugin's handler.
func serve(x exchange, in *incoming) finished {
	st := new(exchangeState)
	r, err := newRequest(x, in, st)
	if err != nil {
		// The host sent a head it should not have: say so, as net/http
		// answers a request it cannot parse.
		log.Printf("gohosthttp: bad request from the host: %v", err)
		return finished{head: &head{status: http.StatusBadRequest, header: []byte("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")}, body: []byte("400 Bad Request")}
	}
	w := st.res.init(x, r, in.maxResponseBody, &st.ctx)
	kind, msg := run(w, r)
	st.ctx.cancel(context.Canceled)
	return w.finish(kind, msg)
}

// run calls the handler, recovering a panic as net/http's server does.
func run(w *response, r *http.Request) (kind outcomeKind, msg string) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			kind = aborted
			return
		}
		const size = 64 << 10
		buf := make([]byte, size)
		buf = buf[:runtime.Stack(buf, false)]
		log.Printf("http: panic serving %v: %v\n%s", r.RemoteAddr, p, buf)
		kind, msg = panicked, fmt.Sprint(p)
	}()
	currentHandler().ServeHTTP(w, r)
	return returned, ""
}
