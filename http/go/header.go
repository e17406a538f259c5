package gohosthttp

import (
	"bufio"
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
)

// Header fields cross to the host in HTTP/1 form, a header section: one
// "Name: value\r\n" line per field, then an empty line. The host parses
// them with its HTTP server's parser; this package writes them as
// net/http's server does (Header.WriteSubset) and parses the host's with
// net/textproto, as net/http's server does.

// appendValues appends the fields of key k with values vs to dst, with
// net/http's treatment of a handler's mistakes: a key that is not a token
// is dropped, line breaks in a value become spaces and surrounding white
// space is trimmed. A value that still holds a control character is dropped
// too, since no HTTP version can carry it (net/http would write it out, and
// the client would reject the response).
func appendValues(dst []byte, k string, vs []string) []byte {
	if !validHeaderName(k) {
		return dst
	}
	for _, v := range vs {
		v, ok := cleanHeaderValue(v)
		if ok {
			dst = appendField(dst, k, v)
		}
	}
	return dst
}

// cleanHeaderValue is v with line breaks turned into spaces and surrounding
// white space trimmed, as net/http writes values; ok is false when it holds
// another control character but tab.
func cleanHeaderValue(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c == 0x7f {
			if c == '\r' || c == '\n' {
				v = strings.Map(func(r rune) rune {
					if r == '\r' || r == '\n' {
						return ' '
					}
					return r
				}, v)
				break
			}
			if c != '\t' {
				return "", false
			}
		}
	}
	v = textproto.TrimString(v)
	return v, validHeaderValue(v)
}

// appendField appends one field in HTTP/1 form.
func appendField(dst []byte, k, v string) []byte {
	dst = append(dst, k...)
	dst = append(dst, ": "...)
	dst = append(dst, v...)
	return append(dst, "\r\n"...)
}

// validHeaderName reports whether k is an HTTP token (RFC 9110, 5.1).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !tokenByte[k[i]] {
			return false
		}
	}
	return true
}

// tokenByte holds the bytes of HTTP tokens.
var tokenByte = alnumAnd("!#$%&'*+-.^_`|~")

// alnumAnd is a byte table that holds ASCII letters and digits, and extra.
func alnumAnd(extra string) (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return t
}

// validHeaderValue reports whether v holds no control character but tab
// (RFC 9110, 5.5).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validTrailer reports whether k may be sent as a trailer field, by
// net/http's rule (RFC 9110, 6.5.1).
func validTrailer(k string) bool {
	if strings.HasPrefix(k, "If-") {
		return false
	}
	switch k {
	case "Authorization", "Cache-Control", "Connection", "Content-Encoding",
		"Content-Length", "Content-Range", "Content-Type", "Expect", "Host",
		"Keep-Alive", "Max-Forwards", "Pragma", "Proxy-Authenticate",
		"Proxy-Authorization", "Proxy-Connection", "Range", "Realm", "Te",
		"Trailer", "Transfer-Encoding", "Www-Authenticate":
		return false
	}
	return true
}

// parseHeaderBlock parses a header section (as the host sends a request's
// trailer), canonicalizing the names as net/http does.
func parseHeaderBlock(b []byte) (http.Header, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	h, err := tp.ReadMIMEHeader()
	return http.Header(h), err
}
