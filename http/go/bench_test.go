package gohosthttp

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkServeHello measures one request of the load benchmark's hello
// handler on the Go side, natively, with a host that answers at once.
func BenchmarkServeHello(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, world!\n")
	})
	saved := handler
	b.Cleanup(func() { handler = saved })
	handler = mux
	in := &incoming{
		head:            helloHead,
		maxResponseBody: 64 << 20,
	}
	x := &fakeExchange{}
	b.ReportAllocs()
	for b.Loop() {
		f := serve(x, in)
		if f.head == nil {
			b.Fatal("no head")
		}
	}
}

func helloMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, world!\n")
	})
	return mux
}

var helloHead = []byte("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n127.0.0.1:40000")

// BenchmarkNewRequest measures building the *http.Request alone.
func BenchmarkNewRequest(b *testing.B) {
	in := &incoming{head: helloHead}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newRequest(&fakeExchange{}, in, new(exchangeState)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMuxAlone measures the handler alone, on net/http's test
// recorder.
func BenchmarkMuxAlone(b *testing.B) {
	mux := helloMux()
	r, _ := http.NewRequest("GET", "/hello", nil)
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		mux.ServeHTTP(w, r)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
