package gohosthttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// fakeExchange stands for the host: it hands out body pieces and records
// what the response sends.
type fakeExchange struct {
	pieces  []string // the request body, piece by piece
	trailer string   // header section sent with the body's end
	bodyErr error    // returned once the pieces are read
	sendErr error    // returned by every send
	reads   []int    // the max of each readBody
	sends   []sent
}

type sent struct {
	head  *head
	data  string
	flush bool
}

func (f *fakeExchange) readBody(max int) ([]byte, bool, []byte, error) {
	f.reads = append(f.reads, max)
	if len(f.pieces) == 0 {
		if f.bodyErr != nil {
			return nil, false, nil, f.bodyErr
		}
		return nil, true, []byte(f.trailer), nil
	}
	p := f.pieces[0]
	f.pieces = f.pieces[1:]
	end := len(f.pieces) == 0 && f.bodyErr == nil
	var trailer []byte
	if end {
		trailer = []byte(f.trailer)
	}
	return []byte(p), end, trailer, nil
}

func (f *fakeExchange) send(h *head, data []byte, flush bool) error {
	f.sends = append(f.sends, sent{head: h, data: string(data), flush: flush})
	return f.sendErr
}

// serveRequest serves head (a request line and header section, without the
// final empty line) with h through x.
func serveRequest(t *testing.T, h http.Handler, reqHead string, x *fakeExchange) finished {
	t.Helper()
	saved, savedServed := handler, served
	t.Cleanup(func() { handler, served = saved, savedServed })
	handler, served = h, true
	in := &incoming{
		head:            []byte(reqHead + "\r\n192.0.2.7:4321"),
		contentLength:   -1,
		bodyFollows:     len(x.pieces) > 0 || x.bodyErr != nil,
		maxResponseBody: -1,
	}
	return serve(x, in)
}

// fields parses a header section.
func fields(t *testing.T, section []byte) http.Header {
	t.Helper()
	h, err := parseHeaderBlock(section)
	if err != nil {
		t.Fatalf("parse %q: %v", section, err)
	}
	return h
}

// captureLog sends the standard logger's output to the returned buffer for
// the rest of the test.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(out); log.SetFlags(flags) })
	return &buf
}

func TestRequestIsBuiltAsNetHTTPBuildsIt(t *testing.T) {
	var got *http.Request
	x := &fakeExchange{pieces: []string{"hel", "lo"}, trailer: "x-sum: 9\r\n\r\n"}
	serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || string(body) != "hello" {
			t.Errorf("body %q, %v", body, err)
		}
		got = r
	}), "POST /a%20b/c?q=1&q=2 HTTP/1.1\r\n"+
		"host: example.com\r\n"+
		"x-multi: a\r\n"+
		"x-multi: b\r\n"+
		"transfer-encoding: chunked\r\n"+
		"trailer: X-Sum\r\n"+
		"connection: close\r\n"+
		"pragma: no-cache\r\n", x)
	if got.Method != "POST" || got.URL.Path != "/a b/c" || got.URL.RawQuery != "q=1&q=2" || got.RequestURI != "/a%20b/c?q=1&q=2" {
		t.Errorf("method %q, URL %#v, RequestURI %q", got.Method, got.URL, got.RequestURI)
	}
	if got.Host != "example.com" || got.Proto != "HTTP/1.1" || got.ProtoMajor != 1 || got.ProtoMinor != 1 {
		t.Errorf("host %q, proto %q", got.Host, got.Proto)
	}
	if got.RemoteAddr != "192.0.2.7:4321" || !got.Close || got.ContentLength != -1 {
		t.Errorf("remote %q, close %v, length %d", got.RemoteAddr, got.Close, got.ContentLength)
	}
	want := http.Header{"X-Multi": {"a", "b"}, "Connection": {"close"}, "Pragma": {"no-cache"}, "Cache-Control": {"no-cache"}}
	if !reflect.DeepEqual(got.Header, want) {
		t.Errorf("header %v, want %v", got.Header, want)
	}
	if !reflect.DeepEqual(got.TransferEncoding, []string{"chunked"}) {
		t.Errorf("transfer encoding %v", got.TransferEncoding)
	}
	if !reflect.DeepEqual(got.Trailer, http.Header{"X-Sum": {"9"}}) {
		t.Errorf("trailer %v", got.Trailer)
	}
	if err := got.Context().Err(); err == nil {
		t.Error("the request's context is not canceled after the handler")
	}
	// A Read of a few bytes still asks the host for a useful amount.
	if x.reads[0] != minBodyRead {
		t.Errorf("reads %v", x.reads)
	}
}

func TestRequestForms(t *testing.T) {
	for _, tc := range []struct {
		head, path, host string
	}{
		{"GET http://other.example/abs?x=1 HTTP/1.1\r\nhost: ignored\r\n", "/abs", "other.example"},
		{"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n", "", "example.com:443"},
		{"OPTIONS * HTTP/1.1\r\nhost: h\r\n", "*", "h"},
		{"GET /h2 HTTP/2.0\r\nhost: h2.example\r\n", "/h2", "h2.example"},
	} {
		var got *http.Request
		serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }), tc.head, &fakeExchange{})
		if got.URL.Path != tc.path || got.Host != tc.host || got.Body != http.NoBody {
			t.Errorf("%q: path %q host %q body %v", tc.head, got.URL.Path, got.Host, got.Body)
		}
	}
	logs := captureLog(t)
	f := serveRequest(t, http.NotFoundHandler(), "NONSENSE\r\n", &fakeExchange{})
	if f.head == nil || f.head.status != 400 || !strings.Contains(logs.String(), "bad request from the host") {
		t.Errorf("a malformed head: %+v, log %q", f.head, logs)
	}
}

func TestResponseHeadFollowsNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		method  string
		handler http.HandlerFunc
		status  int
		header  http.Header
		body    string
	}{
		{"implied 200, sniffed type, computed length", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>hi</body></html>")
		}, 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Content-Length": {"28"}}, "<html><body>hi</body></html>"},
		{"empty", "GET", func(w http.ResponseWriter, r *http.Request) {}, 200, http.Header{"Content-Length": {"0"}}, ""},
		{"no sniffing with Content-Encoding", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "\x1f\x8b")
		}, 200, http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"2"}}, "\x1f\x8b"},
		{"no sniffing with a nil Content-Type", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "x")
		}, 200, http.Header{"Content-Length": {"1"}}, "x"},
		{"204 drops its length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(204)
		}, 204, http.Header{}, ""},
		{"304 drops type and length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("ETag", `"x"`)
			w.WriteHeader(304)
		}, 304, http.Header{"Etag": {`"x"`}}, ""},
		{"HEAD keeps the length, not the body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello")
		}, 200, http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Length": {"5"}}, ""},
		{"Transfer-Encoding is the host's", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Content-Length", "1")
			io.WriteString(w, "x")
		}, 200, http.Header{}, "x"},
		{"header changes after WriteHeader are ignored", "GET", func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-A", "1")
			w.WriteHeader(201)
			h.Set("X-B", "2")
			w.Header().Set("X-C", "3")
		}, 201, http.Header{"X-A": {"1"}, "Content-Length": {"0"}}, ""},
		{"invalid fields", "GET", func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["Bad Name"] = []string{"x"}
			h["X-Crlf"] = []string{"a\r\nB: c"}
			h["X-Nul"] = []string{"a\x00"}
			h["X-Del"] = []string{"a\x7f"}
			h["X-Tab"] = []string{"a\tb "}
			w.WriteHeader(200)
		}, 200, http.Header{"X-Crlf": {"a  B: c"}, "X-Tab": {"a\tb"}, "Content-Length": {"0"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			captureLog(t)
			x := &fakeExchange{}
			f := serveRequest(t, tc.handler, tc.method+" / HTTP/1.1\r\nhost: h\r\n", x)
			if f.head == nil || len(x.sends) != 0 {
				t.Fatalf("head %v, sends %v", f.head, x.sends)
			}
			if f.head.status != tc.status {
				t.Errorf("status %d", f.head.status)
			}
			if got := fields(t, f.head.header); !reflect.DeepEqual(got, tc.header) {
				t.Errorf("header %v, want %v", got, tc.header)
			}
			if string(f.body) != tc.body || f.outcome != returned {
				t.Errorf("body %q, outcome %v", f.body, f.outcome)
			}
		})
	}
}

func TestWriteHeaderMistakes(t *testing.T) {
	logs := captureLog(t)
	f := serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
		w.WriteHeader(500)
		w.WriteHeader(103) // informational codes are never sent, and log nothing once written
	}), "GET / HTTP/1.1\r\nhost: h\r\n", &fakeExchange{})
	if f.head.status != 202 {
		t.Errorf("status %d", f.head.status)
	}
	if n := strings.Count(logs.String(), "http: superfluous response.WriteHeader call from gohosthttp.TestWriteHeaderMistakes.func1 (serve_test.go:"); n != 2 {
		t.Errorf("log %q", logs)
	}
	for _, code := range []int{99, 1000} {
		f := serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }), "GET / HTTP/1.1\r\n", &fakeExchange{})
		if f.outcome != panicked || f.panic != fmt.Sprintf("invalid WriteHeader code %d", code) {
			t.Errorf("%d: %v %q", code, f.outcome, f.panic)
		}
	}
}

func TestWritesOutsideTheBodyRules(t *testing.T) {
	var errs []error
	record := func(_ int, err error) { errs = append(errs, err) }
	serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
		record(io.WriteString(w, "ab"))
		record(io.WriteString(w, "cd"))
	}), "GET / HTTP/1.1\r\n", &fakeExchange{})
	serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
		record(io.WriteString(w, "x"))
	}), "GET / HTTP/1.1\r\n", &fakeExchange{})
	want := []error{nil, http.ErrContentLength, http.ErrBodyNotAllowed}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
}

func TestTheBodyIsSentAsTheBufferFills(t *testing.T) {
	x := &fakeExchange{}
	big := strings.Repeat("a", bufferSize+100)
	f := serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "xyz")
		io.WriteString(w, big)            // fills the buffer, sends it, keeps the rest
		io.WriteString(w, big+big)        // the buffered rest and this, then sent whole
		w.(http.Flusher).Flush()          // what is left, flushed
		io.WriteString(w, "tail")         // handed back at the end
		w.Header().Set("X-Late", "never") // the head went out
	}), "GET / HTTP/1.1\r\n", x)
	var total int
	for i, s := range x.sends {
		total += len(s.data)
		if (s.head != nil) != (i == 0) {
			t.Errorf("send %d: head %v", i, s.head)
		}
		if s.flush != (i == len(x.sends)-1) {
			t.Errorf("send %d: flush %v", i, s.flush)
		}
	}
	if total+len(f.body) != 3+3*len(big)+4 || string(f.body) != "tail" || f.head != nil {
		t.Errorf("sent %d bytes, then %q (head %v)", total, f.body, f.head)
	}
	h := fields(t, x.sends[0].head.header)
	if h.Get("Content-Length") != "" || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("streamed head %v", h)
	}
}

func TestTrailers(t *testing.T) {
	f := serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum, Content-Length, X-Missing")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	}), "GET / HTTP/1.1\r\n", &fakeExchange{})
	h := fields(t, f.head.header)
	if h.Get("Content-Length") != "" || h.Get("Trailer") == "" || !strings.Contains(strings.Join(h["Trailer"], ","), "X-Late") {
		t.Errorf("head %v", h)
	}
	if got := fields(t, f.trailer); !reflect.DeepEqual(got, http.Header{"X-Sum": {"42"}, "X-Late": {"late"}}) {
		t.Errorf("trailer %v", got)
	}
}

func TestLimitsAndErrors(t *testing.T) {
	// The response limit: the crossing write fails, the response aborts.
	x := &fakeExchange{}
	var werr error
	saved := handler
	t.Cleanup(func() { handler = saved })
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, werr = io.WriteString(w, strings.Repeat("b", 11))
	})
	f := serve(x, &incoming{head: []byte("GET / HTTP/1.1\r\n\r\n"), maxResponseBody: 10})
	if !errors.Is(werr, ErrResponseTooLarge) || f.outcome != aborted || f.head != nil {
		t.Errorf("write %v, outcome %v", werr, f.outcome)
	}

	// A request body over the host's limit: *http.MaxBytesError, and an
	// implied 413.
	x = &fakeExchange{pieces: []string{"abc"}, bodyErr: &http.MaxBytesError{Limit: 3}}
	var rerr error
	f = serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, rerr = io.ReadAll(r.Body)
	}), "POST / HTTP/1.1\r\n", x)
	var tooLarge *http.MaxBytesError
	if !errors.As(rerr, &tooLarge) || tooLarge.Limit != 3 || f.head.status != 413 {
		t.Errorf("read %v, status %d", rerr, f.head.status)
	}

	// The client gone: reads and writes fail, the context is canceled
	// with ErrClientGone as its cause.
	x = &fakeExchange{sendErr: ErrClientGone}
	var ferr, cause, after error
	serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ferr = http.NewResponseController(w).Flush()
		cause = context.Cause(r.Context())
		_, after = io.WriteString(w, "more")
	}), "GET / HTTP/1.1\r\n", x)
	if ferr != ErrClientGone || cause != ErrClientGone || after != ErrClientGone || len(x.sends) != 1 {
		t.Errorf("flush %v, cause %v, then %v (%d sends)", ferr, cause, after, len(x.sends))
	}

	// A closed body, and a response used after its handler returned.
	var closedErr error
	var leaked http.ResponseWriter
	serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body.Close()
		_, closedErr = r.Body.Read(make([]byte, 1))
		leaked = w
	}), "POST / HTTP/1.1\r\n", &fakeExchange{pieces: []string{"x"}})
	if _, err := leaked.Write([]byte("late")); closedErr != http.ErrBodyReadAfterClose || err != errAfterHandler {
		t.Errorf("read after close %v, write after return %v", closedErr, err)
	}
}

func TestPanics(t *testing.T) {
	logs := captureLog(t)
	f := serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}), "GET / HTTP/1.1\r\n", &fakeExchange{})
	if f.outcome != panicked || f.panic != "boom" || f.head != nil {
		t.Errorf("outcome %v %q", f.outcome, f.panic)
	}
	if !strings.Contains(logs.String(), "http: panic serving 192.0.2.7:4321: boom\ngoroutine ") {
		t.Errorf("log %q", logs)
	}
	logs.Reset()
	f = serveRequest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}), "GET / HTTP/1.1\r\n", &fakeExchange{})
	if f.outcome != aborted || logs.Len() != 0 {
		t.Errorf("outcome %v, log %q", f.outcome, logs)
	}
}

func TestServeTwicePanics(t *testing.T) {
	saved, savedServed := handler, served
	t.Cleanup(func() { handler, served = saved, savedServed })
	handler, served = nil, false
	Serve(nil)
	if currentHandler() != http.DefaultServeMux {
		t.Error("Serve(nil) does not serve DefaultServeMux")
	}
	defer func() {
		if recover() == nil {
			t.Error("a second Serve does not panic")
		}
	}()
	Serve(http.NotFoundHandler())
}
