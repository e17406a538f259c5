package gohosthttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Transport is the [http.RoundTripper] of a plugin: it hands each request to
// the host, which makes it with its own HTTP client under its outbound
// policy, and returns the host's response. Importing this package makes a
// Transport the [http.DefaultTransport], so [http.Get], [http.Post],
// [http.DefaultClient] and every [http.Client] whose Transport is nil go
// through the host unchanged, as do libraries that take an *http.Client.
//
// The host judges every request: its scheme, host, port and method, and
// every address the host name resolves to (loopback, private, link-local
// and cloud metadata addresses are denied unless the host's policy allows
// them). Redirects are followed by [http.Client], as everywhere, by calling
// RoundTrip again: each hop is judged anew. A refused request fails with an
// ordinary error from [http.Client.Do] whose message names the rule, and
// which matches [ErrDenied]:
//
//	resp, err := http.Get("http://169.254.169.254/latest/meta-data/")
//	if errors.Is(err, gohosthttp.ErrDenied) {
//		log.Print(err) // Get "http://169.254.169.254/latest/meta-data/": gohost: request to ... denied: ...
//	}
//
// Request bodies are read whole before the request is sent. Response bodies
// stream: each Read of resp.Body takes the next bytes the server sent, and
// Close releases them on the host (a response body left open counts
// against the host's limit on open requests, as a connection does). The
// request's context is honored before the request is sent and between
// reads of the body, and its deadline (such as the one [http.Client.Timeout]
// sets) bounds the host's wait. A body larger than the host allows fails
// with an error that matches [ErrTooLarge], from Client.Do when the
// response declares its length and from Read otherwise.
//
// The host speaks HTTP/1.1, plain or with TLS; it does not ask for
// compressed responses on the plugin's behalf. The zero Transport is ready
// to use.
type Transport struct{}

// ErrDenied is matched, with [errors.Is], by the error of a request that the
// host's outbound policy refused: nothing was sent.
var ErrDenied = errors.New("gohost: request denied by the host's outbound policy")

// ErrTooLarge is matched, with [errors.Is], by the error of a request or
// response whose body is larger than the host's policy allows.
var ErrTooLarge = errors.New("gohost: body larger than the host's outbound policy allows")

// HostError is how the host reports an outbound request that it refused or
// that failed: a denial by its policy (it matches [ErrDenied]), a body over
// a limit ([ErrTooLarge]), a timeout (it matches [os.ErrDeadlineExceeded],
// and Timeout reports true), or a failure to resolve, connect or exchange.
// Its message names the request and the rule or limit.
type HostError struct {
	kind hostErrorKind
	msg  string
}

type hostErrorKind int

const (
	hostFailed hostErrorKind = iota
	hostDenied
	hostTooLarge
	hostTimeout
)

// Error returns the host's message, after "gohost: ".
func (e *HostError) Error() string { return "gohost: " + e.msg }

// Timeout reports whether the request took longer than the host allowed.
func (e *HostError) Timeout() bool { return e.kind == hostTimeout }

// Is reports whether e is a denial (target [ErrDenied]), a body over a
// limit ([ErrTooLarge]) or a timeout ([os.ErrDeadlineExceeded]).
func (e *HostError) Is(target error) bool {
	switch target {
	case ErrDenied:
		return e.kind == hostDenied
	case ErrTooLarge:
		return e.kind == hostTooLarge
	case os.ErrDeadlineExceeded:
		return e.kind == hostTimeout
	}
	return false
}

// outbound is the host's side of outbound requests: the wasip1 build's
// calls into the host; tests use a fake.
var outbound outHost

// outHost makes requests and reads their bodies.
type outHost interface {
	// send makes the request and returns the response's head, with the body
	// bytes that arrived with it.
	send(r *outRequest) (*outResponse, error)
	// read returns the next bytes of body id, at most max, and whether the
	// body ends after them. After an error or the end, id is no longer open.
	read(id uint32, max int) (data []byte, end bool, err error)
	// close releases body id before its end.
	close(id uint32)
}

// outRequest is a request as it crosses to the host.
type outRequest struct {
	method  string
	url     string
	header  []byte // HTTP/1 header section
	body    []byte
	timeout time.Duration // 0: none
}

// outResponse is a response as it comes back from the host.
type outResponse struct {
	status        int
	header        []byte // HTTP/1 header section
	contentLength int64  // -1: unknown
	data          []byte // the body's first bytes
	end           bool   // the body ends after data
	body          uint32 // the rest, when !end
}

// RoundTrip sends req through the host and returns its response. It
// implements [http.RoundTripper]: it does not modify req, and it closes
// req.Body.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if outbound == nil {
		closeRequestBody(req)
		return nil, errors.New("gohosthttp: outbound requests need the gohost host (GOOS=wasip1)")
	}
	return roundTrip(outbound, req)
}

func roundTrip(host outHost, req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		closeRequestBody(req)
		return nil, errors.New("gohosthttp: nil Request.URL")
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	out := &outRequest{
		method: req.Method,
		url:    requestURL(req),
		header: requestHeader(req),
		body:   body,
	}
	if out.method == "" {
		out.method = http.MethodGet
	}
	if deadline, ok := ctx.Deadline(); ok {
		out.timeout = time.Until(deadline)
		if out.timeout <= 0 {
			return nil, context.DeadlineExceeded
		}
	}
	res, err := host.send(out)
	if err != nil {
		return nil, err
	}
	header, err := parseResponseHeader(res.header)
	if err != nil {
		if !res.end {
			host.close(res.body)
		}
		return nil, fmt.Errorf("gohosthttp: the host's response header: %w", err)
	}
	resp := &http.Response{
		Status:        strconv.Itoa(res.status) + " " + http.StatusText(res.status),
		StatusCode:    res.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		ContentLength: res.contentLength,
		Request:       req,
	}
	if te := header.Values("Transfer-Encoding"); len(te) > 0 {
		// As net/http's client reports it: in TransferEncoding, not Header.
		resp.TransferEncoding = te
		header.Del("Transfer-Encoding")
	}
	if res.end && len(res.data) == 0 {
		resp.Body = http.NoBody
	} else {
		resp.Body = newOutBody(host, ctx, res)
	}
	return resp, nil
}

// parseResponseHeader parses the host's header section of a response: one
// "Name: value\r\n" line per field, the names canonical already, then an
// empty line. It takes one string for the whole section and slices the
// names and values out of it, and one slice for all values, as
// net/textproto does, without a bufio.Reader per response.
func parseResponseHeader(b []byte) (http.Header, error) {
	s := string(b)
	lines := strings.Count(s, "\r\n")
	h := make(http.Header, lines)
	values := make([]string, lines)
	for {
		i := strings.Index(s, "\r\n")
		if i < 0 {
			return nil, errors.New("the header section does not end with an empty line")
		}
		line := s[:i]
		s = s[i+2:]
		if line == "" {
			return h, nil
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return nil, fmt.Errorf("malformed header line %q", line)
		}
		k := textproto.CanonicalMIMEHeaderKey(line[:colon])
		v := textproto.TrimString(line[colon+1:])
		if vs, ok := h[k]; ok {
			h[k] = append(vs, v)
			continue
		}
		values[0] = v
		h[k] = values[:1:1]
		values = values[1:]
	}
}

// requestURL is the URL the host is asked for: req.URL without user-info
// (http.Client has made it an Authorization header already, and a
// Transport never sends it) or fragment.
func requestURL(req *http.Request) string {
	u := *req.URL
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// requestHeader is req's header section: its fields but those that frame
// the message (the host frames it), Host when req.Host names another host
// than the URL, and net/http's default User-Agent when req sets none.
func requestHeader(req *http.Request) []byte {
	var h []byte
	for k, vs := range req.Header {
		if !framingField(k) {
			h = appendValues(h, k, vs)
		}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		h = appendField(h, "Host", req.Host)
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		h = appendField(h, "User-Agent", "Go-http-client/1.1")
	}
	return append(h, "\r\n"...)
}

// framingField reports whether k is a field the host sets itself.
func framingField(k string) bool {
	switch strings.ToLower(k) {
	case "host", "content-length", "transfer-encoding", "connection", "keep-alive",
		"proxy-connection", "upgrade", "te", "trailer":
		return true
	}
	return false
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// errReadOnClosed is net/http's error for a read of a closed response body.
var errReadOnClosed = errors.New("http: read on closed response body")

// outBody is a response body that streams from the host.
type outBody struct {
	host   outHost
	ctx    context.Context
	data   []byte // read from the host, not yet by the caller
	id     uint32 // open on the host; 0 once it ended or was released
	end    bool
	closed bool
	err    error // sticky: the error that ended the body
}

func newOutBody(host outHost, ctx context.Context, res *outResponse) *outBody {
	b := &outBody{host: host, ctx: ctx, data: res.data, end: res.end}
	if !res.end {
		b.id = res.body
		// A body dropped without Close is released when it is collected.
		runtime.AddCleanup(b, func(id uint32) { host.close(id) }, b.id)
	}
	return b
}

// Read reads the next bytes of the body, asking the host for more when
// those it has are read.
func (b *outBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errReadOnClosed
	}
	if b.err == nil && !(b.end && len(b.data) == 0) {
		if err := b.ctx.Err(); err != nil {
			// Canceled: the rest of the body is not read.
			b.release()
			b.err = err
		}
	}
	for len(b.data) == 0 {
		switch {
		case b.err != nil:
			return 0, b.err
		case b.end:
			return 0, io.EOF
		case len(p) == 0:
			return 0, nil
		}
		data, end, err := b.host.read(b.id, len(p))
		if err != nil {
			b.id = 0 // the host let it go
			b.err = err
			return 0, err
		}
		b.data, b.end = data, end
		if end {
			b.id = 0
		}
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	if len(b.data) == 0 && b.end {
		return n, io.EOF
	}
	return n, nil
}

// Close releases the body on the host. Reads after Close fail.
func (b *outBody) Close() error {
	if !b.closed {
		b.closed = true
		b.release()
	}
	return nil
}

func (b *outBody) release() {
	if b.id != 0 {
		b.host.close(b.id)
		b.id = 0
	}
	b.data = nil
}
