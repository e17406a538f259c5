package gohosthttp

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"gohosthttp/internal/httpwire"
)

// host is the exchange of a plugin: the host's functions, through the
// bindings gohost generates for the host module gohost_http.
type host struct{}

func (host) readBody(max int) ([]byte, bool, []byte, error) {
	c, err := httpwire.ReadBody(uint32(max))
	if err != nil {
		var tooLarge httpwire.BodyErrorTooLarge
		var incomplete httpwire.BodyErrorIncomplete
		switch {
		case errors.As(err, &tooLarge):
			return nil, false, nil, &http.MaxBytesError{Limit: int64(tooLarge.Limit)}
		case errors.As(err, &incomplete):
			return nil, false, nil, fmt.Errorf("%w: %s", io.ErrUnexpectedEOF, incomplete.Reason)
		}
		return nil, false, nil, err
	}
	return c.Data, c.End, c.Trailer, nil
}

func (host) send(h *head, data []byte, flush bool) error {
	var wh *httpwire.Head
	if h != nil {
		wh = &httpwire.Head{Status: uint16(h.status), Header: h.header}
	}
	err := httpwire.Send(wh, data, flush)
	if err != nil {
		var gone httpwire.SendErrorClientGone
		var tooLarge httpwire.SendErrorTooLarge
		switch {
		case errors.As(err, &gone):
			return ErrClientGone
		case errors.As(err, &tooLarge):
			return ErrResponseTooLarge
		}
	}
	return err
}

// server is the plugin's side of the host's export gohost_http_serve.
type server struct{}

var finishHead httpwire.Head

func (server) GohostHTTPServe(head []byte, contentLength int64, bodyFollows bool, maxResponseBody uint64) httpwire.Finish {
	limit := int64(-1)
	if maxResponseBody <= 1<<62 {
		limit = int64(maxResponseBody)
	}
	f := serve(host{}, &incoming{
		head:            head,
		contentLength:   contentLength,
		bodyFollows:     bodyFollows,
		maxResponseBody: limit,
	})
	out := httpwire.Finish{Body: f.body, Trailer: f.trailer}
	if f.head != nil {
		// The shim encodes the result before anything else runs: one
		// head serves every request.
		finishHead = httpwire.Head{Status: uint16(f.head.status), Header: f.head.header}
		out.Head = &finishHead
	}
	switch f.outcome {
	case returned:
		out.Outcome = httpwire.OutcomeReturned{}
	case aborted:
		out.Outcome = httpwire.OutcomeAborted{}
	default:
		out.Outcome = httpwire.OutcomePanicked{Message: f.panic}
	}
	return out
}

func init() {
	httpwire.Register(server{})
}
