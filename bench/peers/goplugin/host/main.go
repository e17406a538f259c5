// Command goplugin-host is the go-plugin peer of gohost's performance
// table: the peer rows (bench/src/peers.rs) through the host code
// protoc-gen-go-plugin generates, on wazero.
//
//	goplugin-host calls [--interp] [--quick] plugin.wasm
//	goplugin-host check [--interp] plugin.wasm
//	goplugin-host instances [--interp] N plugin.wasm
//
// calls prints one line per row, ROW<TAB>NANOS<TAB>ANSWER: host-call (the
// plugin calls the TextLen host function 1000 times; nanoseconds per call),
// plugin-call (one Swap call) and start-call (Load, which makes a new
// wazero runtime and instantiates the plugin, then the first Swap).
// check prints the same lines after one run of each, with 0 for the time:
// the answers, for tests. instances loads the plugin N times, makes one Swap call on each and keeps
// them all, then prints "instances N ok"; its peak memory is the cost per
// instance.
//
// Modules are compiled by wazero's compiler (--interp: its interpreter)
// once: every runtime shares one in-memory compilation cache, which is how
// a go-plugin host avoids compiling the plugin again at each Load.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"gohost.bench/goplugin-peer/benchpb"
)

// calls is the number of host calls per guest loop.
const calls = 1000

// text is the string of the host-call row.
const text = "hello, gohost: a string of a typical size"

const usage = `usage: goplugin-host calls [--interp] [--quick] plugin.wasm
       goplugin-host check [--interp] plugin.wasm
       goplugin-host instances [--interp] N plugin.wasm`

func main() {
	if len(os.Args) < 2 {
		fail(2, usage)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	interp := fs.Bool("interp", false, "use wazero's interpreter instead of its compiler")
	quick := fs.Bool("quick", false, "fewer samples")
	if err := fs.Parse(os.Args[2:]); err != nil {
		fail(2, fmt.Sprintf("%v\n%s", err, usage))
	}
	args := fs.Args()
	ctx := context.Background()
	p, err := benchpb.NewBenchPlugin(ctx, benchpb.WazeroRuntime(newRuntime(*interp)))
	if err != nil {
		fail(1, err.Error())
	}
	switch {
	case os.Args[1] == "calls" && len(args) == 1:
		samples := 15
		if *quick {
			samples = 3
		}
		err = measure(ctx, p, args[0], samples)
	case os.Args[1] == "check" && len(args) == 1:
		err = measure(ctx, p, args[0], 0)
	case os.Args[1] == "instances" && len(args) == 2:
		n, convErr := strconv.Atoi(args[0])
		if convErr != nil || n < 1 {
			fail(2, usage)
		}
		err = instances(ctx, p, args[1], n)
	default:
		fail(2, usage)
	}
	if err != nil {
		fail(1, err.Error())
	}
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "goplugin-host:", msg)
	os.Exit(code)
}

// newRuntime returns go-plugin's runtime constructor: a wazero runtime with
// WASI, as go-plugin's default one, sharing one compilation cache.
func newRuntime(interp bool) benchpb.WazeroNewRuntime {
	cache := wazero.NewCompilationCache()
	return func(ctx context.Context) (wazero.Runtime, error) {
		cfg := wazero.NewRuntimeConfigCompiler()
		if interp {
			cfg = wazero.NewRuntimeConfigInterpreter()
		}
		r := wazero.NewRuntimeWithConfig(ctx, cfg.WithCompilationCache(cache))
		if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// hostFunctions implements benchpb.HostFunctions.
type hostFunctions struct{}

func (hostFunctions) TextLen(_ context.Context, r *benchpb.TextLenRequest) (*benchpb.TextLenReply, error) {
	return &benchpb.TextLenReply{Length: uint64(len(r.GetText()))}, nil
}

func request() *benchpb.Pair {
	return &benchpb.Pair{First: "origin", Second: text, N: 7}
}

func answer(p *benchpb.Pair) string {
	return fmt.Sprintf("%s|%s|%d", p.GetFirst(), p.GetSecond(), p.GetN())
}

func measure(ctx context.Context, p *benchpb.BenchPlugin, path string, samples int) error {
	plugin, err := p.Load(ctx, path, hostFunctions{})
	if err != nil {
		return err
	}
	defer plugin.Close(ctx)

	var sum uint64
	var callErr error
	ns := medianTime(samples, func() {
		r, err := plugin.LoopText(ctx, &benchpb.LoopRequest{N: calls})
		if err != nil {
			callErr = err
			return
		}
		sum = r.GetSum()
	})
	if callErr != nil {
		return callErr
	}
	fmt.Printf("host-call\t%.1f\t%d\n", ns/calls, sum)

	req := request()
	var resp *benchpb.Pair
	ns = medianTime(samples, func() {
		r, err := plugin.Swap(ctx, req)
		if err != nil {
			callErr = err
			return
		}
		resp = r
	})
	if callErr != nil {
		return callErr
	}
	fmt.Printf("plugin-call\t%.1f\t%s\n", ns, answer(resp))

	ns = medianTime(min(samples, 10), func() {
		fresh, err := p.Load(ctx, path, hostFunctions{})
		if err != nil {
			callErr = err
			return
		}
		r, err := fresh.Swap(ctx, req)
		if err != nil {
			callErr = err
		}
		resp = r
		fresh.Close(ctx)
	})
	if callErr != nil {
		return callErr
	}
	fmt.Printf("start-call\t%.1f\t%s\n", ns, answer(resp))
	return nil
}

func instances(ctx context.Context, p *benchpb.BenchPlugin, path string, n int) error {
	req := request()
	var kept []interface{ Close(context.Context) error }
	for i := 0; i < n; i++ {
		plugin, err := p.Load(ctx, path, hostFunctions{})
		if err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
		if _, err := plugin.Swap(ctx, req); err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
		kept = append(kept, plugin)
	}
	fmt.Printf("instances %d ok\n", len(kept))
	return nil
}

// medianTime returns the median time of one run of f in nanoseconds, over
// samples samples of about 20 ms each (as gohost's measure::single). With
// no samples it runs f once and returns 0.
func medianTime(samples int, f func()) float64 {
	if samples == 0 {
		f()
		return 0
	}
	sample := func(iters int) float64 {
		start := time.Now()
		for i := 0; i < iters; i++ {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / float64(iters)
	}
	f()
	once := max(sample(1), 1)
	iters := int(min(max(float64(20*time.Millisecond)/once, 1), 1e6))
	v := make([]float64, samples)
	for i := range v {
		v[i] = sample(iters)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
