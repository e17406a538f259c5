// Httpout is the outbound HTTP benchmark's guest: plain net/http requests,
// which gohosthttp's Transport (installed as http.DefaultTransport by the
// import) hands to the host, and the same requests through the Transport
// alone.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"gohost.bench/httpout/internal/gohosthttp"
)

func main() {}

// getN makes n sequential GET requests of http://127.0.0.1:port/1k with
// http.Get, reads each body to its end and closes it, and returns the bytes
// read, or -1 after the first error (printed to standard error).
//
//go:wasmexport get_n
func getN(port int32, n int32) int64 {
	url := fmt.Sprintf("http://127.0.0.1:%d/1k", port)
	var total int64
	for i := int32(0); i < n; i++ {
		m, ok := drain(http.Get(url))
		if !ok {
			return -1
		}
		total += m
	}
	return total
}

// drain reads resp's body to its end and closes it: the bytes read, or
// false after printing the error to standard error.
func drain(resp *http.Response, err error) (int64, bool) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 0, false
	}
	m, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 0, false
	}
	return m, true
}

// roundTripN makes the same requests as getN through the Transport alone,
// without http.Client (one *http.Request, sent n times): what the client's
// own work costs is the difference.
//
//go:wasmexport round_trip_n
func roundTripN(port int32, n int32) int64 {
	req, err := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/1k", port), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return -1
	}
	var t gohosthttp.Transport
	var total int64
	for i := int32(0); i < n; i++ {
		m, ok := drain(t.RoundTrip(req))
		if !ok {
			return -1
		}
		total += m
	}
	return total
}
