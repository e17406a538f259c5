package gohosthttp

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unsafe"
)

// newRequest builds the *http.Request the handler gets, as net/http's
// server builds one from the same head, with the context and body of st
// (a body that reads from x).
func newRequest(x exchange, in *incoming, st *exchangeState) (*http.Request, error) {
	// One string for the whole head: every field is a piece of it. The
	// bytes are the request's own (the host's copy) and never change.
	text := unsafe.String(unsafe.SliceData(in.head), len(in.head))
	line, text, ok := strings.Cut(text, "\r\n")
	if !ok {
		return nil, errors.New("malformed request head")
	}
	method, rest, ok1 := strings.Cut(line, " ")
	uri, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return nil, errors.New("malformed request line " + line)
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return nil, errors.New("malformed HTTP version " + proto)
	}
	u, err := parseRequestURI(method, uri)
	if err != nil {
		return nil, err
	}
	var h parsedHeader
	remoteAddr, err := h.parse(text)
	if err != nil {
		return nil, err
	}

	r := (&http.Request{}).WithContext(&st.ctx)
	r.Method = method
	r.URL = u
	r.RequestURI = uri
	r.Proto, r.ProtoMajor, r.ProtoMinor = proto, major, minor
	r.Header = h.header
	r.RemoteAddr = remoteAddr
	r.Host = u.Host
	if r.Host == "" {
		r.Host = h.host
	}
	if h.pragmaNoCache && !h.cacheControl {
		// As net/http, for HTTP/1.0 caches.
		h.header["Cache-Control"] = []string{"no-cache"}
	}
	r.Close = major < 1 || h.connClose || (major == 1 && minor == 0 && !h.connKeepAlive)
	if h.chunked {
		r.TransferEncoding = []string{"chunked"}
	}
	if !in.bodyFollows {
		r.Body = http.NoBody
		return r, nil
	}
	r.ContentLength = in.contentLength
	if h.trailer != nil {
		r.Trailer = declaredTrailer(h.trailer)
		delete(h.header, "Trailer")
	}
	st.body = body{x: x, req: r, ctx: &st.ctx}
	r.Body = &st.body
	return r, nil
}

// parsedHeader is a request's header section, parsed, with what net/http's
// server reads from it noted on the way (a lookup in a Go map costs as much
// as parsing a field when Go runs in a plugin).
type parsedHeader struct {
	header        http.Header
	host          string
	chunked       bool
	trailer       []string // the "Trailer" field's values
	pragmaNoCache bool
	cacheControl  bool
	connClose     bool
	connKeepAlive bool
}

// parse parses the header section at the start of text (a "Name: value"
// line per field, ending with an empty line) as net/http's server does:
// canonical keys, repeated fields as several values, Host and
// Transfer-Encoding taken out. It returns what follows the section: the
// client's address. The host writes well-formed sections with canonical
// names, so this is one map and one slice of values.
func (h *parsedHeader) parse(text string) (string, error) {
	h.header = make(http.Header)
	var values []string
	for {
		line, rest, ok := strings.Cut(text, "\r\n")
		if !ok {
			return "", errors.New("malformed header section")
		}
		text = rest
		if line == "" {
			return text, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			return "", errors.New("malformed header field " + line)
		}
		k = http.CanonicalHeaderKey(k)
		v = textproto.TrimString(v)
		switch k {
		case "Host":
			if h.host == "" {
				h.host = v
			}
			continue
		case "Transfer-Encoding":
			// As net/http: the framing moves out of the header.
			h.chunked = true
			continue
		case "Connection":
			h.connClose = h.connClose || hasToken(v, "close")
			h.connKeepAlive = h.connKeepAlive || hasToken(v, "keep-alive")
		case "Pragma":
			h.pragmaNoCache = h.pragmaNoCache || v == "no-cache"
		case "Cache-Control":
			h.cacheControl = true
		case "Trailer":
			h.trailer = append(h.trailer, v)
		}
		if vs, seen := h.header[k]; seen {
			h.header[k] = append(vs, v)
			continue
		}
		if values == nil {
			values = make([]string, 0, strings.Count(text, "\n")+1)
		}
		values = append(values, v)
		h.header[k] = values[len(values)-1 : len(values) : len(values)]
	}
}

// hasToken reports whether the comma-separated list v holds token,
// ignoring case.
func hasToken(v, token string) bool {
	for t := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// parseRequestURI parses the request target as net/http does, with
// url.ParseRequestURI (and CONNECT's authority form). A target made of a
// plain path and a query (the usual case) is built directly: it is what
// ParseRequestURI would return (a test checks), at a fraction of its cost
// in a plugin.
func parseRequestURI(method, uri string) (*url.URL, error) {
	if u, ok := plainRequestURI(uri); ok {
		return u, nil
	}
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

// plainRequestURI is the URL of a target whose path holds only characters
// that neither url's unescaping nor its escaping of paths changes, and whose
// query holds only visible ASCII; ok is false for any other target.
func plainRequestURI(uri string) (u *url.URL, ok bool) {
	path, query, hasQuery := strings.Cut(uri, "?")
	if path == "" || path[0] != '/' || (len(path) > 1 && path[1] == '/') {
		return nil, false
	}
	for i := 0; i < len(path); i++ {
		if !plainPathByte[path[i]] {
			return nil, false
		}
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return nil, false
		}
	}
	return &url.URL{Path: path, RawQuery: query, ForceQuery: hasQuery && query == ""}, true
}

// plainPathByte holds the bytes url leaves as they are in a path, both when
// it unescapes one and when it escapes it back.
var plainPathByte = alnumAnd("-._~/$&+,:;=@")

// declaredTrailer is Request.Trailer before the body is read: the keys the
// "Trailer" field's values declare, with no values, as net/http sets it.
func declaredTrailer(declared []string) http.Header {
	t := make(http.Header)
	for _, v := range declared {
		for k := range strings.SplitSeq(v, ",") {
			switch k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k {
			case "", "Transfer-Encoding", "Trailer", "Content-Length":
			default:
				t[k] = nil
			}
		}
	}
	return t
}
