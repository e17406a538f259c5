// Stream serves the routes the streaming tests use: server-sent events, a
// full-duplex echo, uploads read in pieces, and handlers that watch for the
// client going away. /last reports what the previous request saw (the tests
// run it on a pool of one instance, so it is the same instance).
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

// last is what the previous request saw.
var last string

func main() {}

func init() {
	mux := http.NewServeMux()

	// Server-sent events: n events, ms milliseconds apart.
	mux.HandleFunc("GET /sse", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		rc := http.NewResponseController(w)
		for i := 1; i <= n; i++ {
			if _, err := fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i); err != nil {
				last = fmt.Sprintf("write %d: %v; cause: %v", i, err, context.Cause(r.Context()))
				return
			}
			if err := rc.Flush(); err != nil {
				last = fmt.Sprintf("flush %d: %v; cause: %v", i, err, context.Cause(r.Context()))
				return
			}
			select {
			case <-r.Context().Done():
				last = fmt.Sprintf("done after %d: %v", i, context.Cause(r.Context()))
				return
			case <-time.After(time.Duration(ms) * time.Millisecond):
			}
		}
		last = fmt.Sprintf("sent %d", n)
	})

	// Full duplex: each line of the body is answered, and flushed, before
	// the next is read.
	mux.HandleFunc("POST /duplex", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		sc := bufio.NewScanner(r.Body)
		n := 0
		for sc.Scan() {
			n++
			fmt.Fprintf(w, "echo %d: %s\n", n, sc.Text())
			w.(http.Flusher).Flush()
		}
		last = fmt.Sprintf("lines %d, err %v", n, sc.Err())
	})

	// An upload read in pieces of 1000 bytes; a handler that returns
	// without answering when the read fails.
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1000)
		total, reads := 0, 0
		for {
			n, err := r.Body.Read(buf)
			total += n
			reads++
			if err == io.EOF {
				break
			}
			if err != nil {
				var tooLarge *http.MaxBytesError
				last = fmt.Sprintf("read %d bytes, then: %v (MaxBytesError %v, unexpected EOF %v, ctx %v)",
					total, err, errors.As(err, &tooLarge), errors.Is(err, io.ErrUnexpectedEOF), context.Cause(r.Context()))
				if r.URL.Query().Has("answer") && errors.As(err, &tooLarge) {
					http.Error(w, fmt.Sprintf("too large: limit %d", tooLarge.Limit), http.StatusRequestEntityTooLarge)
				}
				return
			}
		}
		last = fmt.Sprintf("read %d bytes", total)
		fmt.Fprintf(w, "%d bytes", total)
	})

	// A large response the client reads at its own pace.
	mux.HandleFunc("GET /large", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		chunk := make([]byte, 32<<10)
		for i := range chunk {
			chunk[i] = byte('a' + i%26)
		}
		written := 0
		for written < n {
			k, err := w.Write(chunk[:min(len(chunk), n-written)])
			written += k
			if err != nil {
				last = fmt.Sprintf("wrote %d, then: %v", written, err)
				return
			}
		}
		last = fmt.Sprintf("wrote %d", written)
	})

	// A handler that ignores every error and never returns.
	mux.HandleFunc("GET /stubborn", func(w http.ResponseWriter, r *http.Request) {
		for {
			w.Write([]byte("tick\n"))
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	})

	mux.HandleFunc("GET /last", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, last)
	})
	gohosthttp.Serve(mux)
}
