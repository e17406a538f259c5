package gohosthttp

import (
	"errors"
	"net/http"
	"time"

	"gohosthttp/internal/httpwire"
)

// hostOut is the host's side of outbound requests: its functions out_send,
// out_read and out_close, through the bindings of gohost_http.
type hostOut struct{}

func (hostOut) send(r *outRequest) (*outResponse, error) {
	var ms uint64
	if r.timeout > 0 {
		ms = uint64((r.timeout + time.Millisecond - 1) / time.Millisecond)
	}
	res, err := httpwire.OutSend(httpwire.OutRequest{
		Method:    r.method,
		URL:       r.url,
		Header:    r.header,
		Body:      r.body,
		TimeoutMs: ms,
	})
	if err != nil {
		return nil, hostError(err)
	}
	return &outResponse{
		status:        int(res.Status),
		header:        res.Header,
		contentLength: res.ContentLength,
		data:          res.Data,
		end:           res.End,
		body:          res.Body,
	}, nil
}

func (hostOut) read(id uint32, max int) ([]byte, bool, error) {
	if max > 1<<20 {
		max = 1 << 20
	}
	c, err := httpwire.OutRead(id, uint32(max))
	if err != nil {
		return nil, false, hostError(err)
	}
	return c.Data, c.End, nil
}

func (hostOut) close(id uint32) {
	httpwire.OutClose(id)
}

// hostError is the host's error as a *HostError of its kind.
func hostError(err error) error {
	var (
		denied   httpwire.OutErrorDenied
		tooLarge httpwire.OutErrorTooLarge
		timeout  httpwire.OutErrorTimeout
		failed   httpwire.OutErrorFailed
		noBody   httpwire.OutErrorNoBody
	)
	switch {
	case errors.As(err, &denied):
		return &HostError{kind: hostDenied, msg: denied.Message}
	case errors.As(err, &tooLarge):
		return &HostError{kind: hostTooLarge, msg: tooLarge.Message}
	case errors.As(err, &timeout):
		return &HostError{kind: hostTimeout, msg: timeout.Message}
	case errors.As(err, &failed):
		return &HostError{kind: hostFailed, msg: failed.Message}
	case errors.As(err, &noBody):
		return errReadOnClosed
	}
	return err
}

func init() {
	outbound = hostOut{}
	http.DefaultTransport = &Transport{}
}
