// Fetch makes outbound requests with nothing but net/http and the standard
// library, as its routes say, and answers with what happened, as JSON. The
// requests go through gohosthttp's Transport, which importing the package
// installs as http.DefaultTransport.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"time"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

// outcome is what a request came to.
type outcome struct {
	Status   int                 `json:"status"`
	Body     string              `json:"body"`
	Len      int                 `json:"len"`
	Reads    int                 `json:"reads"`
	Header   map[string][]string `json:"header,omitempty"`
	Err      string              `json:"err,omitempty"`
	Denied   bool                `json:"denied"`
	TooLarge bool                `json:"too_large"`
	Timeout  bool                `json:"timeout"`
	Steps    []string            `json:"steps,omitempty"`
}

func (o *outcome) fail(err error) {
	o.Err = err.Error()
	o.Denied = errors.Is(err, gohosthttp.ErrDenied)
	o.TooLarge = errors.Is(err, gohosthttp.ErrTooLarge)
	o.Timeout = errors.Is(err, os.ErrDeadlineExceeded)
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		o.Timeout = true
	}
}

// read reads resp's body with a buffer of chunk bytes and closes it.
func (o *outcome) read(resp *http.Response, chunk int) {
	defer resp.Body.Close()
	o.Status = resp.StatusCode
	o.Header = resp.Header
	buf := make([]byte, chunk)
	var body []byte
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			o.Reads++
			body = append(body, buf[:n]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			o.fail(err)
			break
		}
	}
	o.Len = len(body)
	if len(body) > 256 {
		body = body[:256]
	}
	o.Body = string(body)
}

func reply(w http.ResponseWriter, o *outcome) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o)
}

// get answers with what client.Get(url) came to, its body read with a
// buffer of chunk bytes.
func get(w http.ResponseWriter, client *http.Client, url string, chunk int) {
	o := &outcome{}
	resp, err := client.Get(url)
	if err != nil {
		o.fail(err)
	} else {
		o.read(resp, chunk)
	}
	reply(w, o)
}

func intParam(r *http.Request, name string, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return n
	}
	return def
}

func main() {}

func init() {
	mux := http.NewServeMux()

	// http.Get, read with a buffer of ?chunk bytes (32 KiB by default).
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		get(w, http.DefaultClient, r.URL.Query().Get("url"), intParam(r, "chunk", 32<<10))
	})

	// Any method with http.NewRequest and http.DefaultClient.Do, with a
	// body of ?size bytes and the headers the test checks.
	mux.HandleFunc("GET /do", func(w http.ResponseWriter, r *http.Request) {
		o := &outcome{}
		q := r.URL.Query()
		body := bytes.Repeat([]byte{'b'}, intParam(r, "size", 0))
		req, err := http.NewRequest(q.Get("method"), q.Get("url"), bytes.NewReader(body))
		if err == nil {
			req.Header.Set("X-Plugin", "fetch")
			if host := q.Get("host"); host != "" {
				req.Host = host
			}
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				o.read(resp, 32<<10)
			}
		}
		if err != nil {
			o.fail(err)
		}
		reply(w, o)
	})

	// A client with a timeout of ?ms milliseconds.
	mux.HandleFunc("GET /timeout", func(w http.ResponseWriter, r *http.Request) {
		client := &http.Client{Timeout: time.Duration(intParam(r, "ms", 1000)) * time.Millisecond}
		get(w, client, r.URL.Query().Get("url"), 32<<10)
	})

	// ?n requests whose bodies stay open, then all closed, then one more.
	mux.HandleFunc("GET /open", func(w http.ResponseWriter, r *http.Request) {
		o := &outcome{}
		target := r.URL.Query().Get("url")
		var open []*http.Response
		for i := 0; i < intParam(r, "n", 1); i++ {
			resp, err := http.Get(target)
			if err != nil {
				o.Steps = append(o.Steps, "error: "+err.Error())
				o.fail(err)
				continue
			}
			o.Steps = append(o.Steps, "open")
			open = append(open, resp)
		}
		for _, resp := range open {
			resp.Body.Close()
		}
		if resp, err := http.Get(target); err != nil {
			o.Steps = append(o.Steps, "after close: "+err.Error())
		} else {
			o.Steps = append(o.Steps, "after close: open")
			resp.Body.Close()
		}
		reply(w, o)
	})

	// A request canceled through its context after the first read.
	mux.HandleFunc("GET /cancel", func(w http.ResponseWriter, r *http.Request) {
		o := &outcome{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", r.URL.Query().Get("url"), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			o.fail(err)
			reply(w, o)
			return
		}
		buf := make([]byte, 1024)
		n, _ := resp.Body.Read(buf)
		o.Len = n
		cancel()
		_, err = io.ReadAll(resp.Body)
		if err != nil {
			o.fail(err)
		}
		resp.Body.Close()
		reply(w, o)
	})

	// Code written against net/http only: a reverse proxy (which uses
	// http.DefaultTransport) to ?url.
	mux.HandleFunc("GET /proxy", func(w http.ResponseWriter, r *http.Request) {
		target, err := url.Parse(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		proxy := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.Out.URL = target
				pr.Out.Host = ""
			},
		}
		proxy.ServeHTTP(w, r)
	})

	// A client with a cookie jar (net/http/cookiejar) that follows
	// redirects, as a login flow does.
	mux.HandleFunc("GET /jar", func(w http.ResponseWriter, r *http.Request) {
		jar, _ := cookiejar.New(nil)
		get(w, &http.Client{Jar: jar}, r.URL.Query().Get("url"), 32<<10)
	})

	// JSON decoded straight from the response body.
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		o := &outcome{}
		resp, err := http.Get(r.URL.Query().Get("url"))
		if err != nil {
			o.fail(err)
			reply(w, o)
			return
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			o.fail(err)
		}
		o.Status = resp.StatusCode
		b, _ := json.Marshal(v)
		o.Body = string(b)
		reply(w, o)
	})

	gohosthttp.Serve(mux)
}
