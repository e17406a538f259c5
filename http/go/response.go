package gohosthttp

import (
	"context"
	"errors"
	"log"
	"net/http"
	"path"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// bufferSize is how much of the body a response holds before it sends it
// to the host: a host call costs more than copying this much, and a body
// that fits gets a Content-Length.
const bufferSize = 8 << 10

// spare is the body buffer of the last finished response, for the next one:
// a plugin instance serves one request at a time.
var spare []byte

// response is the [http.ResponseWriter] (and [http.Flusher]) of one
// request. It follows net/http's server: see the package documentation.
type response struct {
	x      exchange
	req    *http.Request
	cancel context.CancelCauseFunc // the request's context

	handlerHeader http.Header
	// sentHeader is the header as it was when the handler called
	// WriteHeader, when the handler holds the map and could change it
	// before it is sent; nil means handlerHeader.
	sentHeader   http.Header
	calledHeader bool

	status        int
	wroteHeader   bool  // WriteHeader was called, or implied
	headSent      bool  // the head went to the host
	contentLength int64 // declared by the handler; -1 when not
	written       int64 // body bytes written by the handler
	maxBody       int64 // the host's limit; -1: none

	buf      []byte
	trailers []string // the keys declared by the "Trailer" header

	requestTooLarge bool  // the request body passed the host's limit
	err             error // what every later Write returns
	done            bool  // the handler has returned
}

func newResponse(x exchange, r *http.Request, maxBody int64, cancel context.CancelCauseFunc) *response {
	w := &response{
		x:             x,
		req:           r,
		cancel:        cancel,
		handlerHeader: make(http.Header),
		contentLength: -1,
		maxBody:       maxBody,
		buf:           spare[:0],
	}
	spare = nil
	if w.buf == nil {
		w.buf = make([]byte, 0, bufferSize)
	}
	if b, ok := r.Body.(*body); ok {
		b.res = w
	}
	return w
}

// Header returns the header map that WriteHeader (or the first Write)
// sends; changing it after that has no effect, except for trailers.
func (w *response) Header() http.Header {
	if w.sentHeader == nil && w.wroteHeader && !w.headSent {
		// As net/http: the head was written logically, not physically;
		// keep what it was.
		w.sentHeader = w.handlerHeader.Clone()
	}
	w.calledHeader = true
	return w.handlerHeader
}

// WriteHeader sends the status code with the header, as net/http's does: a
// second call is logged and ignored, a code outside 100 to 999 panics, and
// 1xx codes are not sent (the host cannot send informational responses).
func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		caller := relevantCaller()
		log.Printf("http: superfluous response.WriteHeader call from %s (%s:%d)", caller.Function, path.Base(caller.File), caller.Line)
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return
	}
	w.wroteHeader = true
	w.status = code
	if w.calledHeader && w.sentHeader == nil {
		w.sentHeader = w.handlerHeader.Clone()
	}
	if cl := w.handlerHeader.Get("Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			log.Printf("http: invalid Content-Length of %q", cl)
			w.handlerHeader.Del("Content-Length")
			if w.sentHeader != nil {
				w.sentHeader.Del("Content-Length")
			}
		}
	}
}

// Write writes body bytes, sending the head first when it has not gone.
func (w *response) Write(p []byte) (int, error) {
	if w.done {
		return 0, errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.maxBody >= 0 && w.written > w.maxBody {
		w.err = ErrResponseTooLarge
		return 0, w.err
	}
	n := len(p)
	// As a bufio.Writer: fill the buffer, send it when full, and send
	// what is left of a large write without copying it.
	for len(w.buf)+len(p) > cap(w.buf) {
		if len(w.buf) == 0 {
			if err := w.sendBody(p, false); err != nil {
				return 0, err
			}
			return n, nil
		}
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		if err := w.sendBody(w.buf, false); err != nil {
			return 0, err
		}
		w.buf = w.buf[:0]
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

// WriteString writes s, as Write does.
func (w *response) WriteString(s string) (int, error) {
	// The conversion copies; a handler writing strings is rare on hot
	// paths (fmt.Fprint and io.WriteString use Write when they must).
	return w.Write([]byte(s))
}

// Flush sends the head and what is buffered, and returns when the host's
// connection has taken it.
func (w *response) Flush() {
	_ = w.FlushError()
}

// FlushError is Flush, returning what went wrong ([http.ResponseController]
// uses it).
func (w *response) FlushError() error {
	if w.done {
		return errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	err := w.sendBody(w.buf, true)
	w.buf = w.buf[:0]
	return err
}

// EnableFullDuplex reports success: the request body can always be read
// while the response is written.
func (w *response) EnableFullDuplex() error {
	return nil
}

// sendBody sends the head if it has not gone, then data.
func (w *response) sendBody(data []byte, flush bool) error {
	var h *head
	if !w.headSent {
		h = w.head(data, nil)
		w.headSent = true
	}
	if w.req.Method == "HEAD" || !bodyAllowedForStatus(w.status) {
		data = nil
	}
	if h == nil && len(data) == 0 && !flush {
		return nil
	}
	err := w.x.send(h, data, flush)
	if err != nil {
		w.err = err
		if errors.Is(err, ErrClientGone) {
			w.cancel(ErrClientGone)
		}
	}
	return err
}

// head is what the status and header say once the body starts with p (the
// first bytes sent: Content-Type is sniffed from them) or, when the handler
// has returned, is p; extra trailer keys are declared in it.
func (w *response) head(p []byte, extraTrailers []string) *head {
	header := w.sentHeader
	if header == nil {
		header = w.handlerHeader
	}
	for _, v := range header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" && validTrailer(k) {
				w.trailers = append(w.trailers, k)
			}
		}
	}
	hasTrailers := len(w.trailers) > 0 || len(extraTrailers) > 0
	for k := range header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			hasTrailers = true
		}
	}
	isHEAD := w.req.Method == "HEAD"
	hasTE := header.Get("Transfer-Encoding") != ""
	_, hasCL := header["Content-Length"]
	code := w.status
	bodyAllowed := bodyAllowedForStatus(code)

	var contentType, contentLength string
	if w.done && !hasTrailers && !hasTE && bodyAllowed && !hasCL && (!isHEAD || len(p) > 0) {
		contentLength = strconv.Itoa(len(p))
	}
	_, haveType := header["Content-Type"]
	if bodyAllowed && header.Get("Content-Encoding") == "" && !haveType && !hasTE && len(p) > 0 {
		contentType = http.DetectContentType(p)
	}
	skip := func(k string) bool {
		switch {
		case strings.HasPrefix(k, http.TrailerPrefix):
			return true
		case k == "Transfer-Encoding":
			// The host's HTTP server frames the body.
			return true
		case code == http.StatusNotModified:
			return k == "Content-Type" || k == "Content-Length"
		case !bodyAllowed:
			return k == "Content-Length"
		case k == "Content-Length" && hasTE:
			log.Printf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d",
				header.Get("Transfer-Encoding"), w.contentLength)
			return true
		}
		return false
	}
	block := appendHeader(make([]byte, 0, 256), header, skip)
	if contentType != "" {
		block = appendField(block, "Content-Type", contentType)
	}
	if contentLength != "" {
		block = appendField(block, "Content-Length", contentLength)
	}
	if len(extraTrailers) > 0 {
		block = appendField(block, "Trailer", strings.Join(extraTrailers, ", "))
	}
	return &head{status: code, header: append(block, "\r\n"...)}
}

// finish ends the response when the handler has returned: what is left
// of the body, the head if it has not gone, and the trailers.
func (w *response) finish(kind outcomeKind, msg string) finished {
	w.done = true
	if b, ok := w.req.Body.(*body); ok {
		b.done = true
	}
	if kind == returned && errors.Is(w.err, ErrResponseTooLarge) {
		// The rest of the response cannot be sent: end it as cut short.
		kind = aborted
	}
	f := finished{outcome: kind, panic: msg}
	if kind != returned {
		w.release()
		return f
	}
	if !w.wroteHeader {
		if w.requestTooLarge {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		} else {
			w.WriteHeader(http.StatusOK)
		}
	}
	f.body = w.buf
	if !w.headSent {
		f.head = w.head(f.body, w.undeclaredTrailers())
		w.headSent = true
	}
	if w.req.Method == "HEAD" || !bodyAllowedForStatus(w.status) {
		f.body = nil
	}
	f.trailer = w.trailerBlock()
	w.release()
	return f
}

// release gives the body buffer to the next response; the host reads
// f.body before any other request can take it.
func (w *response) release() {
	spare, w.buf = w.buf, nil
}

// undeclaredTrailers are the keys set with [http.TrailerPrefix], which the
// head declares when it goes out with the end of the body (the host's
// HTTP/1 server sends only declared trailers).
func (w *response) undeclaredTrailers() []string {
	var keys []string
	for k := range w.handlerHeader {
		if t, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && validHeaderName(t) && validTrailer(http.CanonicalHeaderKey(t)) {
			keys = append(keys, t)
		}
	}
	return keys
}

// trailerBlock is the trailer fields, in HTTP/1 form, as net/http's
// finalTrailers picks them.
func (w *response) trailerBlock() []byte {
	var block []byte
	for k, vs := range w.handlerHeader {
		if t, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			block = appendHeader(block, http.Header{t: vs}, nil)
		}
	}
	for _, k := range w.trailers {
		block = appendHeader(block, http.Header{k: w.handlerHeader[k]}, nil)
	}
	if block == nil {
		return nil
	}
	return append(block, "\r\n"...)
}

// bodyAllowedForStatus reports whether a response with this status may
// have a body.
func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199, status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}

// relevantCaller is the first caller outside the response's methods and
// net/http, for the log line of a superfluous WriteHeader.
func relevantCaller() runtime.Frame {
	pc := make([]uintptr, 16)
	n := runtime.Callers(1, pc)
	frames := runtime.CallersFrames(pc[:n])
	own := reflect.TypeFor[response]().PkgPath() + ".(*response)."
	var frame runtime.Frame
	for {
		f, more := frames.Next()
		frame = f
		if !strings.HasPrefix(f.Function, "net/http.") && !strings.HasPrefix(f.Function, own) && !strings.HasSuffix(f.Function, ".relevantCaller") {
			return f
		}
		if !more {
			return frame
		}
	}
}
