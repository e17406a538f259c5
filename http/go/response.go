package gohosthttp

import (
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

// The buffers of the last finished response, for the next one: a plugin
// instance serves one request at a time.
var spareBody, spareHead []byte

// response is the [http.ResponseWriter] (and [http.Flusher]) of one
// request. It follows net/http's server: see the package documentation.
type response struct {
	x   exchange
	req *http.Request
	ctx *requestContext // canceled when the client goes away

	handlerHeader http.Header

	status        int
	wroteHeader   bool  // WriteHeader was called, or implied
	headSent      bool  // the head went to the host
	contentLength int64 // declared by the handler; -1 when not
	written       int64 // body bytes written by the handler
	maxBody       int64 // the host's limit; -1: none

	// fields is the header as it was at WriteHeader, encoded (net/http
	// ignores later changes, except trailers), without what the body
	// decides: the sniffed Content-Type and the computed Content-Length.
	fields []byte
	sent   sentHeader
	// trailers are the keys declared by the "Trailer" header.
	trailers []string

	buf []byte
	// hd is the head sent, kept here to spare an allocation.
	hd head

	requestTooLarge bool  // the request body passed the host's limit
	err             error // what every later Write returns
	done            bool  // the handler has returned
}

// sentHeader is what the header said at WriteHeader, for what the body
// decides.
type sentHeader struct {
	contentType     bool // a Content-Type key, even with no value
	contentLength   bool
	contentEncoding bool // a non-empty Content-Encoding
	transfer        bool // a Transfer-Encoding
	trailers        bool // trailers declared or set with http.TrailerPrefix
}

// init makes w, a zero response, the response of r, whose context is ctx,
// and returns it.
func (w *response) init(x exchange, r *http.Request, maxBody int64, ctx *requestContext) *response {
	// w is new (zero): set what is not, field by field (a composite
	// literal would be built aside and copied in).
	w.x, w.req, w.ctx = x, r, ctx
	w.handlerHeader = make(http.Header)
	w.contentLength = -1
	w.maxBody = maxBody
	w.buf, w.fields = spareBody[:0], spareHead[:0]
	spareBody, spareHead = nil, nil
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
	w.encodeHeader()
}

// encodeHeader encodes the header as it is now, with net/http's rules: a
// Content-Length that is not a number is dropped (and logged), and so is
// one beside a Transfer-Encoding; responses without a body have none, and
// 304s no Content-Type either; Transfer-Encoding is the host's (its server
// frames the body). It reads the map once and looks nothing up (in a
// plugin, each map lookup or walk costs as much as encoding a field).
func (w *response) encodeHeader() {
	s := &w.sent
	bodyAllowed := bodyAllowedForStatus(w.status)
	fields := w.fields
	var cl, te string
	for k, vs := range w.handlerHeader {
		switch {
		case strings.HasPrefix(k, http.TrailerPrefix):
			s.trailers = true
			continue
		case k == "Transfer-Encoding":
			if len(vs) > 0 {
				te = vs[0]
			}
			continue
		case k == "Content-Length":
			// Written last, when the rest says it may be.
			s.contentLength = true
			if len(vs) > 0 {
				cl = vs[0]
			}
			continue
		case k == "Content-Type":
			s.contentType = true
			if w.status == http.StatusNotModified {
				continue
			}
		case k == "Content-Encoding":
			s.contentEncoding = len(vs) > 0 && vs[0] != ""
		case k == "Trailer":
			w.declareTrailers(vs)
		}
		fields = appendValues(fields, k, vs)
	}
	s.transfer = te != ""
	if cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		switch {
		case err != nil || v < 0:
			log.Printf("http: invalid Content-Length of %q", cl)
			delete(w.handlerHeader, "Content-Length")
			s.contentLength = false
		case s.transfer:
			log.Printf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d", te, v)
		default:
			w.contentLength = v
			if bodyAllowed {
				fields = appendField(fields, "Content-Length", cl)
			}
		}
	}
	w.fields = fields
}

// declareTrailers notes the trailer keys the "Trailer" field's values
// declare, keeping those that may be trailers.
func (w *response) declareTrailers(values []string) {
	for _, v := range values {
		for k := range strings.SplitSeq(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" && validTrailer(k) {
				w.trailers = append(w.trailers, k)
				w.sent.trailers = true
			}
		}
	}
}

// Write writes body bytes, sending the head first when it has not gone.
func (w *response) Write(p []byte) (int, error) {
	return w.write(len(p), p, "")
}

// WriteString writes s, as Write does, without copying it first.
func (w *response) WriteString(s string) (int, error) {
	return w.write(len(s), nil, s)
}

// write writes p, or s when p is nil.
func (w *response) write(n int, p []byte, s string) (int, error) {
	if w.done {
		return 0, errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(n)
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
	if len(w.buf)+n <= cap(w.buf) {
		if p != nil {
			w.buf = append(w.buf, p...)
		} else {
			w.buf = append(w.buf, s...)
		}
		return n, nil
	}
	if p == nil {
		p = []byte(s)
	}
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
			w.ctx.cancel(ErrClientGone)
		}
	}
	return err
}

// head completes the fields encoded at WriteHeader with what the body
// decides, now that it starts with p (or, when the handler has returned,
// is p): Content-Type sniffed from p, Content-Length when p is all of it,
// and extraTrailers declared.
func (w *response) head(p []byte, extraTrailers []string) *head {
	w.headSent = true
	s := w.sent
	bodyAllowed := bodyAllowedForStatus(w.status)
	fields := w.fields
	if bodyAllowed && !s.contentEncoding && !s.contentType && !s.transfer && len(p) > 0 {
		fields = appendField(fields, "Content-Type", http.DetectContentType(p))
	}
	trailers := s.trailers || len(extraTrailers) > 0
	if w.done && !trailers && !s.transfer && bodyAllowed && !s.contentLength && (w.req.Method != "HEAD" || len(p) > 0) {
		fields = append(fields, "Content-Length: "...)
		fields = strconv.AppendInt(fields, int64(len(p)), 10)
		fields = append(fields, "\r\n"...)
	}
	if len(extraTrailers) > 0 {
		fields = appendField(fields, "Trailer", strings.Join(extraTrailers, ", "))
	}
	w.fields = append(fields, "\r\n"...)
	w.hd = head{status: w.status, header: w.fields}
	return &w.hd
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
	prefixed := w.prefixedTrailers()
	if !w.headSent {
		f.head = w.head(f.body, prefixed)
	}
	if w.req.Method == "HEAD" || !bodyAllowedForStatus(w.status) {
		f.body = nil
	}
	f.trailer = w.trailerBlock(prefixed)
	w.release()
	return f
}

// release gives the buffers to the next response; the host reads what
// finish returns before any other request can take them.
func (w *response) release() {
	spareBody, spareHead = w.buf, w.fields
	w.buf, w.fields = nil, nil
}

// prefixedTrailers are the valid keys set with [http.TrailerPrefix], without
// it; when the head goes out with the end of the body it declares them (the
// host's HTTP/1 server sends only declared trailers).
func (w *response) prefixedTrailers() []string {
	var keys []string
	for k := range w.handlerHeader {
		if t, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && validHeaderName(t) && validTrailer(http.CanonicalHeaderKey(t)) {
			keys = append(keys, t)
		}
	}
	return keys
}

// trailerBlock is the trailer fields, as a header section, as net/http's
// finalTrailers picks them: the declared keys' values, and the prefixed
// keys'.
func (w *response) trailerBlock(prefixed []string) []byte {
	var block []byte
	for _, t := range prefixed {
		block = appendValues(block, t, w.handlerHeader[http.TrailerPrefix+t])
	}
	for _, k := range w.trailers {
		block = appendValues(block, k, w.handlerHeader[k])
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
