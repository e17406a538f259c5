// Basic serves the routes the tests use to check what crosses between the
// host and a handler: the request as the handler sees it, and responses with
// every kind of header, status and body.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

// seen is the request as the handler sees it.
type seen struct {
	Method           string
	Path             string
	RawQuery         string
	RequestURI       string
	Host             string
	Proto            string
	RemoteAddr       string
	ContentLength    int64
	TransferEncoding []string
	Close            bool
	Header           map[string][]string
	Trailer          map[string][]string
	Body             string
	BodyError        string
}

func echo(w http.ResponseWriter, r *http.Request) {
	s := seen{
		Method:           r.Method,
		Path:             r.URL.Path,
		RawQuery:         r.URL.RawQuery,
		RequestURI:       r.RequestURI,
		Host:             r.Host,
		Proto:            r.Proto,
		RemoteAddr:       r.RemoteAddr,
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		Close:            r.Close,
		Header:           r.Header,
	}
	b, err := io.ReadAll(r.Body)
	s.Body = string(b)
	if err != nil {
		s.BodyError = err.Error()
	}
	s.Trailer = r.Trailer
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s)
}

func main() {}

func init() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello, %s!\n", r.PathValue("name"))
	})
	mux.HandleFunc("/echo/", echo)
	mux.HandleFunc("GET /cookies", func(w http.ResponseWriter, r *http.Request) {
		for _, name := range []string{"a", "b", "c"} {
			http.SetCookie(w, &http.Cookie{Name: name, Value: "v" + name, Path: "/"})
		}
		w.Header().Add("X-Many", "one")
		w.Header().Add("X-Many", "two")
		io.WriteString(w, "cookies")
	})
	mux.HandleFunc("GET /status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
		_, err := io.WriteString(w, "body")
		fmt.Fprint(w, errText(err))
	})
	mux.HandleFunc("GET /sniff", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>hi</body></html>")
	})
	mux.HandleFunc("GET /trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "body with trailers\n")
		w.(http.Flusher).Flush()
		w.Header().Set("X-Checksum", "abc123")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	mux.HandleFunc("GET /trailers-unflushed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "short body")
		w.Header().Set("X-Checksum", "def456")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	mux.HandleFunc("GET /big/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		line := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n")
		for written := 0; written < n; {
			k := min(len(line), n-written)
			if _, err := w.Write(line[:k]); err != nil {
				return
			}
			written += k
		}
	})
	mux.HandleFunc("GET /sorted-header", func(w http.ResponseWriter, r *http.Request) {
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s=%q\n", k, r.Header[k])
		}
	})
	gohosthttp.Serve(mux)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
