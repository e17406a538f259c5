// Command extism-plugin is the Go plugin of the Extism peer in gohost's
// performance table (bench/peers/extism): the same work as the gohost
// benchmark guest's loop_typed_text and GuestSwap, through Extism's ABI.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
package main

import (
	"encoding/json"
	"strconv"
)

func main() {}

// text is the string of the host-call row (the gohost guest's).
var text = []byte("hello, gohost: a string of a typical size")

// textLen is the host function of the host-call row: it takes the offset
// of a string in Extism memory and returns its length.
//
//go:wasmimport extism:host/user text_len
func textLen(offset uint64) uint64

// loopText calls textLen as many times as its input (a decimal number)
// says, each time with the text in a new block of Extism memory, as a
// PDK user passes a string (pdk.AllocateBytes, then Free); its output is
// the sum of the lengths, in decimal.
//
//go:wasmexport loop_text
func loopText() int32 {
	n, err := strconv.Atoi(string(input()))
	if err != nil {
		return 1
	}
	sum := uint64(0)
	for i := 0; i < n; i++ {
		m := allocate(text)
		sum += textLen(m)
		extismFree(m)
	}
	output(strconv.AppendUint(nil, sum, 10))
	return 0
}

// pair is the request and response of the plugin-call row, in JSON as
// Extism passes records (the PDK's InputJSON and OutputJSON, the host's
// Json<T>).
type pair struct {
	First  string `json:"first"`
	Second string `json:"second"`
	N      int64  `json:"n"`
}

// swap swaps the strings and adds their lengths to n.
//
//go:wasmexport swap
func swap() int32 {
	var p pair
	if err := json.Unmarshal(input(), &p); err != nil {
		return 1
	}
	b, err := json.Marshal(pair{First: p.Second, Second: p.First, N: p.N + int64(len(p.First)+len(p.Second))})
	if err != nil {
		return 1
	}
	output(b)
	return 0
}
