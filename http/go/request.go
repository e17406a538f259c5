package gohosthttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// A plugin instance serves one request at a time, so the reader of request
// heads is reused from request to request.
var (
	headBytes  bytes.Reader
	headReader = bufio.NewReaderSize(&headBytes, 4096)
)

// newRequest builds the *http.Request the handler gets, as net/http's
// server builds one from the same head, with a body that reads from x.
// The request's context is canceled by cancel.
func newRequest(x exchange, in *incoming) (*http.Request, context.CancelCauseFunc, error) {
	headBytes.Reset(in.head)
	headReader.Reset(&headBytes)
	tp := textproto.NewReader(headReader)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, nil, err
	}
	method, rest, ok1 := strings.Cut(line, " ")
	uri, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return nil, nil, errors.New("malformed request line " + line)
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return nil, nil, errors.New("malformed HTTP version " + proto)
	}
	u, err := parseRequestURI(method, uri)
	if err != nil {
		return nil, nil, err
	}
	mime, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, nil, err
	}
	header := http.Header(mime)

	ctx, cancel := context.WithCancelCause(context.Background())
	r := (&http.Request{}).WithContext(ctx)
	r.Method = method
	r.URL = u
	r.RequestURI = uri
	r.Proto, r.ProtoMajor, r.ProtoMinor = proto, major, minor
	r.Header = header
	r.RemoteAddr = in.remoteAddr
	r.Host = u.Host
	if r.Host == "" {
		r.Host = header.Get("Host")
	}
	delete(header, "Host")
	fixPragmaCacheControl(header)
	r.Close = shouldClose(major, minor, header)
	if te := header["Transfer-Encoding"]; len(te) > 0 {
		// As net/http: the framing moves out of the header.
		r.TransferEncoding = []string{"chunked"}
		delete(header, "Transfer-Encoding")
	}
	if !in.bodyFollows {
		r.Body = http.NoBody
		return r, cancel, nil
	}
	r.ContentLength = in.contentLength
	r.Trailer = declaredTrailer(header)
	r.Body = &body{x: x, req: r, gone: cancel}
	return r, cancel, nil
}

// parseRequestURI parses the request target as net/http does, including
// CONNECT's authority form.
func parseRequestURI(method, uri string) (*url.URL, error) {
	justAuthority := method == "CONNECT" && !strings.HasPrefix(uri, "/")
	if justAuthority {
		uri = "http://" + uri
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, err
	}
	if justAuthority {
		u.Scheme = ""
	}
	return u, nil
}

// fixPragmaCacheControl does what net/http does for HTTP/1.0 caches:
// "Pragma: no-cache" without Cache-Control means "Cache-Control: no-cache".
func fixPragmaCacheControl(header http.Header) {
	if hp, ok := header["Pragma"]; ok && len(hp) > 0 && hp[0] == "no-cache" {
		if _, presentcc := header["Cache-Control"]; !presentcc {
			header["Cache-Control"] = []string{"no-cache"}
		}
	}
}

// shouldClose reports whether the client asked to close the connection
// after this request, as net/http decides Request.Close.
func shouldClose(major, minor int, header http.Header) bool {
	if major < 1 {
		return true
	}
	conv := header["Connection"]
	hasClose := containsToken(conv, "close")
	if major == 1 && minor == 0 {
		return hasClose || !containsToken(conv, "keep-alive")
	}
	return hasClose
}

// containsToken reports whether any of the comma-separated values holds
// token, ignoring case.
func containsToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// declaredTrailer is Request.Trailer before the body is read: the keys the
// "Trailer" header declares, with no values; as net/http, it takes the
// "Trailer" field out of the header.
func declaredTrailer(header http.Header) http.Header {
	declared, ok := header["Trailer"]
	if !ok {
		return nil
	}
	delete(header, "Trailer")
	t := make(http.Header)
	for _, v := range declared {
		for _, k := range strings.Split(v, ",") {
			switch k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k {
			case "", "Transfer-Encoding", "Trailer", "Content-Length":
			default:
				t[k] = nil
			}
		}
	}
	return t
}
