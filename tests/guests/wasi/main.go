// Command wasi exercises what a Go wasip1 program gets from WASI preview 1
// on gohost. The first argument picks the scenario; the test suite runs each
// one and checks what it printed and how it exited.
package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wasi SCENARIO [ARGS...]")
		os.Exit(64)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "hello":
		fmt.Println("hello from Go on gohost")
	case "args":
		fmt.Println(strings.Join(os.Args, "|"))
	case "env":
		for _, k := range args {
			v, ok := os.LookupEnv(k)
			fmt.Printf("%s=%q %v\n", k, v, ok)
		}
		fmt.Println("count", len(os.Environ()))
	case "files":
		// args: DIR. Reads DIR/in.txt, writes its upper-case copy to DIR/out.txt.
		in, err := os.ReadFile(args[0] + "/in.txt")
		check(err)
		check(os.WriteFile(args[0]+"/out.txt", []byte(strings.ToUpper(string(in))), 0o644))
		entries, err := os.ReadDir(args[0])
		check(err)
		for _, e := range entries {
			fmt.Println(e.Name())
		}
	case "read":
		// args: PATH. Reports whether the file can be read.
		b, err := os.ReadFile(args[0])
		if err != nil {
			fmt.Println("denied:", err, errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission))
			return
		}
		fmt.Printf("read %d bytes\n", len(b))
	case "write":
		// args: PATH. Reports whether the file can be written.
		if err := os.WriteFile(args[0], []byte("x"), 0o644); err != nil {
			fmt.Println("denied:", err)
			return
		}
		fmt.Println("written")
	case "exit":
		fmt.Println("exiting with 3")
		os.Exit(3)
	case "cat":
		_, err := io.Copy(os.Stdout, os.Stdin)
		check(err)
	case "spin":
		// Never ends: for deadlines (gohost run --timeout).
		fmt.Println("spinning")
		for n := 0; ; n++ {
		}
	case "sleep":
		// Sleeps, with two goroutines and a timer, then says so: every
		// goroutine waits, so Go polls WASI for the time until the timer.
		d, err := time.ParseDuration(args[0])
		check(err)
		done := make(chan struct{})
		go func() {
			time.Sleep(d)
			close(done)
		}()
		<-done
		fmt.Println("slept", d)
	case "panic":
		panic("something went wrong in the guest")
	case "time-rand":
		now := time.Now()
		buf := make([]byte, 32)
		_, err := rand.Read(buf)
		check(err)
		zero := true
		for _, b := range buf {
			zero = zero && b == 0
		}
		fmt.Println("year-ok", now.Year() >= 2024, "random-ok", !zero)
		start := time.Now()
		time.Sleep(20 * time.Millisecond)
		fmt.Println("slept-ok", time.Since(start) >= 20*time.Millisecond)
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario", os.Args[1])
		os.Exit(64)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
