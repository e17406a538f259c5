// Command native serves the benchmark's hello handler with Go's own
// net/http server: it listens on 127.0.0.1 (an ephemeral port), prints
// "listening ADDR", and serves until its standard input closes.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"gohost.bench/httphello/hello"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, hello.Handler()))
}
