// Command guest calls every function of the sample module (kv) and prints
// what it got, one line per call; macros/tests/e2e.rs compares the output.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"guest/kv"
)

func main() {
	fmt.Println("add", kv.Add(40, 2))
	fmt.Println("mix", kv.Mix(1, 2, 3, 4.5, 0.5, true))
	fmt.Println("empty", kv.IsEmpty())
	fmt.Printf("hash %x\n", kv.Hash([]byte("a")))
	_, err := kv.Get("missing")
	fmt.Println("get missing", errors.Is(err, kv.KvErrorNotFound{}), err)
	fmt.Println("put", kv.Put("apple", []byte("red")), kv.Put("avocado", []byte("green")))
	v, err := kv.Get("apple")
	fmt.Println("get apple", string(v), err)
	var tooLarge kv.KvErrorTooLarge
	err = kv.Put("big", make([]byte, 2<<20))
	fmt.Println("put big", errors.As(err, &tooLarge), tooLarge.Limit, err)
	id := kv.GetUserID("avocado")
	fmt.Println("user id", *id)
	fmt.Println("user id", kv.GetUserID("nobody") == nil)
	limit := uint32(1)
	entries, err := kv.List(kv.ListOptions{Prefix: "a", Limit: &limit, Reverse: true})
	fmt.Println("list", len(entries), entries[0].Key, string(entries[0].Value), err)
	s := kv.GetStats()
	fmt.Println("stats", s.Count, s.TotalBytes, s.Load, s.Ratio, s.Last == nil, s.Histogram, s.Shape)
	a, err := kv.Area(kv.ShapeRect{V0: 2, V1: 3})
	fmt.Println("area", a, err)
	fmt.Println("favorite", kv.Favorite())
	t := kv.Begin()
	fmt.Println("txn put", t.Put("k", []byte("v")), t.Put("l", nil))
	n, err := t.Len()
	fmt.Println("txn len", n, err)
	n, err = t.Commit()
	fmt.Println("commit", n, err)
	_, err = t.Len()
	fmt.Println("after commit", err)
	fmt.Println("close", t.Close())
	_, err = kv.OpenTxn("")
	var ro kv.KvErrorReadOnly
	fmt.Println("open txn", errors.As(err, &ro), ro.V0, err)
	t2, err := kv.OpenTxn("x")
	fmt.Println("open txn", err, t2.Close())
	big := bytes.Repeat([]byte("0123456789"), 1000)
	fmt.Println("echo", bytes.Equal(kv.Echo(big), big))
	// Around the end of the host's result buffer (4096 bytes, a 4-byte
	// length first): results that fit, that fill it, and that outgrow it
	// part of the way through.
	for _, n := range []int{4091, 4092, 4093, 0, 8192, 7} {
		b := big[:n]
		fmt.Println("echo", n, bytes.Equal(kv.Echo(b), b))
	}
	url := "u"
	got, err := kv.Lookup("t", []string{"apple", "nope"}, &url)
	fmt.Println("lookup", *got[0], got[1] == nil, err)
	// Text that is not UTF-8 reaches the host with U+FFFD in place of each
	// invalid sequence, as Go ranges over it; it never fails the call.
	fmt.Println("bad utf8", kv.Put(string([]byte{'k', 0xff}), []byte("kept")))
	v, err = kv.Get("k\uFFFD")
	fmt.Println("bad utf8 key", string(v), err)
	_, err = kv.Get("nope")
	var ge *kv.Error
	fmt.Println("error type", errors.As(err, &ge) && !ge.ABI, ge.Module, ge.Func)
	greeting, ok := kv.Config("greeting")
	fmt.Println("config greeting", greeting, ok)
	long, ok := kv.Config("long")
	fmt.Println("config long", len(long), long == strings.Repeat("ab", 100), ok)
	_, ok = kv.Config("missing")
	fmt.Println("config missing", ok)
	kv.Log("hello")

	// Handles dropped without Close: their cleanups release them once
	// collected (the host counts what stays open).
	abandon(3)
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
}

// abandon opens n transactions and drops them.
//
//go:noinline
func abandon(n int) {
	for range n {
		kv.Begin()
	}
}
