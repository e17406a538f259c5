// Command plugin serves the benchmark's hello handler as a gohost plugin
// (a reactor: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared).
package main

import (
	"gohost.bench/httphello/hello"
	"gohost.bench/httphello/internal/gohosthttp"
)

func init() { gohosthttp.Serve(hello.Handler()) }

func main() {}
