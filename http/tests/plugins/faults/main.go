// Faults serves handlers that go wrong in every way the tests check: panics
// before and after writing, handlers that never answer, and net/http
// mistakes (bad header fields, WriteHeader twice, writes after WriteHeader,
// writes past a declared Content-Length). /last reports what the previous
// request's handler saw.
package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

var last string

func main() {}

func init() {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic-before", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Partial", "never sent")
		io.WriteString(w, "buffered, never sent")
		panic("boom before")
	})
	mux.HandleFunc("/panic-after", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first part\n")
		w.(http.Flusher).Flush()
		panic("boom after")
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first part\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("flush") {
			io.WriteString(w, "started\n")
			w.(http.Flusher).Flush()
		}
		time.Sleep(time.Hour)
	})
	mux.HandleFunc("/spin", func(w http.ResponseWriter, r *http.Request) {
		n := 0
		for {
			n++
		}
	})
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		select {}
	})
	mux.HandleFunc("/bad-headers", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Bad Name", "dropped")
		h["Bad:Colon"] = []string{"dropped"}
		h.Set("X-Newline", "a\r\nInjected: yes")
		h.Set("X-Nul", "a\x00b")
		h.Set("X-Ok", "  kept  ")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/header-after-writeheader", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "sent")
		w.WriteHeader(http.StatusCreated)
		w.Header().Set("X-After", "ignored")
		io.WriteString(w, "created")
	})
	mux.HandleFunc("/writeheader-twice", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "accepted")
	})
	mux.HandleFunc("/writeheader-after-write", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "implied 200")
		w.WriteHeader(http.StatusTeapot)
	})
	mux.HandleFunc("/content-length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
		_, err1 := io.WriteString(w, "abc")
		_, err2 := io.WriteString(w, "d")
		last = fmt.Sprintf("first write: %v; second write: %v", err1, err2)
	})
	mux.HandleFunc("/content-length-short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "abc")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/body-after-204", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		_, err := io.WriteString(w, "no")
		last = fmt.Sprintf("write: %v", err)
	})
	mux.HandleFunc("/too-large", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		chunk := make([]byte, 1000)
		written := 0
		for written < n {
			k, err := w.Write(chunk)
			written += k
			if err != nil {
				last = fmt.Sprintf("wrote %d, then: %v", written, err)
				return
			}
		}
		last = fmt.Sprintf("wrote %d", written)
	})
	mux.HandleFunc("/last", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, last)
	})
	gohosthttp.Serve(mux)
}
