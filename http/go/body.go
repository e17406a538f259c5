package gohosthttp

import (
	"errors"
	"io"
	"net/http"
)

// How much of the body one host call asks for: at least a read's worth
// (host calls cost more than copies, so a small Read still fetches a useful
// amount), at most 1 MiB.
const (
	minBodyRead = 16 << 10
	maxBodyRead = 1 << 20
)

// body is a request body that the host streams as the handler reads it.
type body struct {
	x   exchange
	req *http.Request
	ctx *requestContext // canceled when the client goes away
	res *response       // told when the body passes the host's limit

	buf    []byte // received and not read yet
	end    bool   // the host sent the last bytes
	err    error  // what every later Read returns
	closed bool
	done   bool // the handler has returned
}

// Read reads the next bytes of the request body, asking the host for more
// when those it sent are read.
func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if len(p) == 0 {
		return 0, nil
	}
	for len(b.buf) == 0 {
		switch {
		case b.err != nil:
			return 0, b.err
		case b.end:
			return 0, io.EOF
		case b.done:
			return 0, errAfterHandler
		}
		b.fill(len(p))
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// fill asks the host for the next bytes, for a Read of want bytes.
func (b *body) fill(want int) {
	data, end, trailer, err := b.x.readBody(min(max(want, minBodyRead), maxBodyRead))
	if err != nil {
		b.err = err
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			if b.res != nil {
				b.res.requestTooLarge = true
			}
		case errors.Is(err, ErrClientGone), errors.Is(err, io.ErrUnexpectedEOF):
			// As net/http: a failed read of the connection cancels the
			// request's context.
			b.ctx.cancel(ErrClientGone)
		}
		return
	}
	b.buf, b.end = data, end
	if end && len(trailer) > 0 {
		t, err := parseHeaderBlock(trailer)
		if err != nil {
			b.err = err
			return
		}
		if b.req.Trailer == nil {
			b.req.Trailer = make(http.Header, len(t))
		}
		for k, v := range t {
			b.req.Trailer[k] = v
		}
	}
}

// Close closes the body: later Reads return [http.ErrBodyReadAfterClose].
// What the client still sends is the host's to discard.
func (b *body) Close() error {
	b.closed = true
	return nil
}
