package gohosthttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeHost answers every request with its response and serves its body in
// pieces, recording what the transport asked for. The host functions
// themselves are tested end to end, with real plugins, by the crate's
// tests; this checks the transport's own part natively.
type fakeHost struct {
	got    *outRequest
	res    *outResponse
	err    error
	pieces [][]byte
	reads  []int
	closed []uint32
}

func (h *fakeHost) send(r *outRequest) (*outResponse, error) {
	h.got = r
	return h.res, h.err
}

func (h *fakeHost) read(id uint32, max int) ([]byte, bool, error) {
	h.reads = append(h.reads, max)
	p := h.pieces[0]
	h.pieces = h.pieces[1:]
	return p, len(h.pieces) == 0, nil
}

func (h *fakeHost) close(id uint32) { h.closed = append(h.closed, id) }

func TestRequestsCrossAsTheHostExpects(t *testing.T) {
	h := &fakeHost{res: &outResponse{status: 204, header: []byte("\r\n"), contentLength: -1, end: true}}
	req, _ := http.NewRequest("POST", "http://user:pw@api.example.com:8080/a?b=c#frag", strings.NewReader("body"))
	req.Host = "other.example"
	req.Header.Set("X-One", "1")
	req.Header.Set("Content-Length", "4")
	req.Header.Set("Connection", "close")
	resp, err := roundTrip(h, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Body != http.NoBody || resp.StatusCode != 204 || resp.Status != "204 No Content" {
		t.Errorf("response %+v", resp)
	}
	if h.got.url != "http://api.example.com:8080/a?b=c" {
		t.Errorf("url %q: user-info and fragment stay in the plugin", h.got.url)
	}
	want := "X-One: 1\r\nHost: other.example\r\nUser-Agent: Go-http-client/1.1\r\n\r\n"
	if string(h.got.header) != want {
		t.Errorf("header %q, want %q", h.got.header, want)
	}
	if h.got.method != "POST" || string(h.got.body) != "body" || h.got.timeout != 0 {
		t.Errorf("request %+v", h.got)
	}

	// A context's deadline goes along; one that passed stops the request.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://api.example.com/", nil)
	req.Header["User-Agent"] = nil // set to nothing: none is sent
	roundTrip(h, req)
	if h.got.timeout <= 59*time.Minute || strings.Contains(string(h.got.header), "User-Agent") {
		t.Errorf("request %+v", h.got)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://api.example.com/", nil)
	if _, err := roundTrip(h, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past deadline: %v", err)
	}
}

func TestResponseBodiesStreamAndRelease(t *testing.T) {
	h := &fakeHost{
		res: &outResponse{
			status:        200,
			header:        []byte("Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"),
			contentLength: -1,
			data:          []byte("ab"),
			body:          7,
		},
		pieces: [][]byte{[]byte("cde"), []byte("f")},
	}
	req, _ := http.NewRequest("GET", "http://api.example.com/", nil)
	resp, err := roundTrip(h, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Transfer-Encoding") != "" ||
		len(resp.TransferEncoding) != 1 || resp.ContentLength != -1 {
		t.Errorf("head %+v", resp)
	}
	b, err := io.ReadAll(resp.Body)
	if string(b) != "abcdef" || err != nil {
		t.Errorf("body %q, %v", b, err)
	}
	if len(h.reads) != 2 {
		t.Errorf("reads %v", h.reads)
	}
	resp.Body.Close()
	if len(h.closed) != 0 {
		t.Errorf("a body read to its end is released by the host, not closed: %v", h.closed)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != errReadOnClosed {
		t.Errorf("read after close: %v", err)
	}

	// Closed early: released on the host.
	h.res.data, h.pieces = []byte("ab"), [][]byte{[]byte("c")}
	resp, _ = roundTrip(h, req)
	resp.Body.Close()
	if len(h.closed) != 1 || h.closed[0] != 7 {
		t.Errorf("closed %v", h.closed)
	}
}

func TestACanceledContextStopsTheBody(t *testing.T) {
	h := &fakeHost{
		res:    &outResponse{status: 200, header: []byte("\r\n"), contentLength: -1, data: []byte("ab"), body: 3},
		pieces: [][]byte{[]byte("c")},
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://api.example.com/", nil)
	resp, _ := roundTrip(h, req)
	p := make([]byte, 1)
	if n, err := resp.Body.Read(p); n != 1 || err != nil {
		t.Fatalf("first read: %d, %v", n, err)
	}
	cancel()
	if _, err := resp.Body.Read(p); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
	if len(h.closed) != 1 || len(h.reads) != 0 {
		t.Errorf("closed %v, reads %v", h.closed, h.reads)
	}
}

func TestResponseHeadersParseAsNetHTTPParsesThem(t *testing.T) {
	section := "Content-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nx-lower:  padded \t\r\nEmpty:\r\n\r\n"
	got, err := parseResponseHeader([]byte(section))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := parseHeaderBlock([]byte(section))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"A: b\r\n", ": x\r\n\r\n", "no colon\r\n\r\n"} {
		if _, err := parseResponseHeader([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestHostErrorsMatchTheirKinds(t *testing.T) {
	denied := &HostError{kind: hostDenied, msg: "request to x denied: ..."}
	if !errors.Is(denied, ErrDenied) || errors.Is(denied, ErrTooLarge) || denied.Timeout() {
		t.Error("denied")
	}
	if denied.Error() != "gohost: request to x denied: ..." {
		t.Error(denied.Error())
	}
	timeout := &HostError{kind: hostTimeout}
	if !errors.Is(timeout, os.ErrDeadlineExceeded) || !timeout.Timeout() || errors.Is(timeout, ErrDenied) {
		t.Error("timeout")
	}
	if !errors.Is(&HostError{kind: hostTooLarge}, ErrTooLarge) {
		t.Error("too large")
	}
	h := &fakeHost{err: denied}
	req, _ := http.NewRequest("GET", "http://api.example.com/", strings.NewReader("x"))
	if _, err := roundTrip(h, req); err != denied {
		t.Errorf("err %v", err)
	}
}
