// Command counter is a kv plugin that counts the words of every request in
// the host's store, one key per word, with conditional writes.
//
// Build it by hand with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o counter.wasm ./counter
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"gohost.example/kv-plugins/kv"
)

// version is what Info reports; a build can set it, to tell versions apart
// when the host reloads the plugin:
//
//	go build -ldflags=-X=main.version=2.0 ...
var version = "1.0"

type counter struct{}

func (counter) Info() kv.Info {
	return kv.Info{Name: "counter", Version: version, Summary: "counts words across requests in the store"}
}

func (counter) Handle(req kv.Request) (kv.Response, error) {
	words := strings.FieldsFunc(strings.ToLower(req.Text), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
	for _, w := range words {
		if err := increment("word/" + w); err != nil {
			return kv.Response{}, err
		}
	}
	all, err := kv.List("word/", nil)
	if err != nil {
		return kv.Response{}, err
	}
	top, most := "", 0
	for _, e := range all {
		if n, _ := strconv.Atoi(string(e.Value)); n > most {
			top, most = strings.TrimPrefix(e.Key, "word/"), n
		}
	}
	return kv.Response{
		Reply: fmt.Sprintf("%d word(s) counted, %d distinct so far, top %q x%d", len(words), len(all), top, most),
	}, nil
}

// increment adds one to the count under key: a read, then a write that
// only succeeds if nobody wrote in between (version 0: no value yet).
func increment(key string) error {
	n, version := 0, uint64(0)
	e, err := kv.Get(key)
	var missing kv.KvErrorNotFound
	switch {
	case err == nil:
		n, _ = strconv.Atoi(string(e.Value))
		version = e.Version
	case !errors.As(err, &missing):
		return err
	}
	_, err = kv.Put(key, []byte(strconv.Itoa(n+1)), &version)
	return err
}

func init() {
	fmt.Println("started")
	kv.Register(counter{})
}

func main() {}
