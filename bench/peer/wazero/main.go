// Command wazero-host is the peer host of gohost's performance table: it
// runs the same Go wasip1 programs and plugins on wazero, the WebAssembly
// runtime written in Go, so that each row can set gohost's figures beside
// those of an established runtime.
//
// Build it with
//
//	cd bench/peer/wazero && go build -o wazero-host .
//
// It has two subcommands:
//
//	wazero-host run [--interp] [--cache DIR] prog.wasm [ARGS...]
//	wazero-host instances [--interp] [--cache DIR] N plugin.wasm
//
// run behaves like gohost run: the guest gets WASI preview 1, its arguments
// (os.Args[0] is the program's file name), the host's standard input, output
// and error, clocks, sleep and crypto/rand, but no directories and no
// environment. wazero-host exits with the guest's exit code; 125 if the
// module cannot be loaded, compiled or linked, 134 if it traps.
//
// instances compiles a Go reactor (built with -buildmode=c-shared) once,
// instantiates it N times, runs _initialize in each instance and keeps all
// of them alive, then prints "instances N ok". Its peak memory is the
// per-instance cost. Imports from modules other than WASI are stubbed with
// functions that return zeros, so any plugin can be instantiated.
//
// By default modules are compiled to machine code by wazero's compiler;
// --interp selects wazero's interpreter. --cache DIR keeps compiled code in
// DIR, the peer of gohost's wasmtime module cache: time a second run to see
// a warm start.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

const (
	// exitUsage is the exit code for a malformed command line.
	exitUsage = 2
	// exitLoadFailed is the exit code when the module cannot be read,
	// compiled or linked, as distinct from the guest's own exit codes.
	exitLoadFailed = 125
	// exitTrapped is the exit code when the guest traps.
	exitTrapped = 134
)

const usage = `usage: wazero-host run [--interp] [--cache DIR] prog.wasm [ARGS...]
       wazero-host instances [--interp] [--cache DIR] N plugin.wasm`

func main() {
	if len(os.Args) < 2 {
		usageError("missing subcommand")
	}
	switch os.Args[1] {
	case "run":
		os.Exit(run(os.Args[2:]))
	case "instances":
		os.Exit(instances(os.Args[2:]))
	case "-h", "-help", "--help", "help":
		fmt.Println(usage)
	default:
		usageError("unknown subcommand %q", os.Args[1])
	}
}

func usageError(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "wazero-host: "+format+"\n%s\n", append(a, usage)...)
	os.Exit(exitUsage)
}

// engineFlags are the flags both subcommands take.
type engineFlags struct {
	interp bool
	cache  string
}

// parse parses args with the engine flags, exiting with a usage error on a
// bad flag, and returns the remaining arguments. Flags must come before the
// module, so that the guest's own arguments are passed as they are.
func (e *engineFlags) parse(name string, args []string) []string {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&e.interp, "interp", false, "use wazero's interpreter instead of its compiler")
	fs.StringVar(&e.cache, "cache", "", "keep compiled code in `DIR`")
	if err := fs.Parse(args); err != nil {
		usageError("%s: %v", name, err)
	}
	return fs.Args()
}

// runtime returns a wazero runtime with WASI preview 1 instantiated.
func (e *engineFlags) runtime(ctx context.Context) (wazero.Runtime, error) {
	cfg := wazero.NewRuntimeConfigCompiler()
	if e.interp {
		cfg = wazero.NewRuntimeConfigInterpreter()
	}
	if e.cache != "" {
		cache, err := wazero.NewCompilationCacheWithDir(e.cache)
		if err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", e.cache, err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("WASI preview 1: %w", err)
	}
	return r, nil
}

// moduleConfig is what every guest gets: stdio, clocks, sleep and
// randomness (a Go wasip1 program needs all of them) and no start
// functions, which the caller runs itself to tell a failed link from a trap.
func moduleConfig() wazero.ModuleConfig {
	return wazero.NewModuleConfig().
		WithStdin(os.Stdin).
		WithStdout(os.Stdout).
		WithStderr(os.Stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStartFunctions()
}

// compile reads and compiles the module at path.
func compile(ctx context.Context, r wazero.Runtime, path string) (wazero.CompiledModule, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return compiled, nil
}

// run runs a wasip1 command and returns the exit code for the host.
func run(args []string) int {
	var e engineFlags
	args = e.parse("run", args)
	if len(args) < 1 {
		usageError("run: missing prog.wasm")
	}
	path := args[0]
	ctx := context.Background()
	loadFailed := func(err error) int {
		fmt.Fprintln(os.Stderr, "wazero-host:", err)
		return exitLoadFailed
	}
	r, err := e.runtime(ctx)
	if err != nil {
		return loadFailed(err)
	}
	defer r.Close(ctx)
	compiled, err := compile(ctx, r, path)
	if err != nil {
		return loadFailed(err)
	}
	argv := append([]string{filepath.Base(path)}, args[1:]...)
	mod, err := r.InstantiateModule(ctx, compiled, moduleConfig().WithArgs(argv...))
	if err != nil {
		return loadFailed(err)
	}
	start := mod.ExportedFunction("_start")
	if start == nil {
		return loadFailed(fmt.Errorf("%s: no _start export (is it a command module?)", path))
	}
	_, err = start.Call(ctx)
	var exit *sys.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return int(exit.ExitCode())
	default:
		fmt.Fprintf(os.Stderr, "wazero-host: %s: %v\n", path, err)
		return exitTrapped
	}
}

// instances instantiates a reactor n times, keeping every instance alive.
func instances(args []string) int {
	var e engineFlags
	args = e.parse("instances", args)
	if len(args) != 2 {
		usageError("instances: want N and plugin.wasm, got %d arguments", len(args))
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		usageError("instances: N must be a positive integer, got %q", args[0])
	}
	path := args[1]
	ctx := context.Background()
	fail := func(code int, err error) int {
		fmt.Fprintln(os.Stderr, "wazero-host:", err)
		return code
	}
	r, err := e.runtime(ctx)
	if err != nil {
		return fail(exitLoadFailed, err)
	}
	defer r.Close(ctx)
	compiled, err := compile(ctx, r, path)
	if err != nil {
		return fail(exitLoadFailed, err)
	}
	if err := stubImports(ctx, r, compiled); err != nil {
		return fail(exitLoadFailed, err)
	}
	live := make([]api.Module, 0, n)
	for i := 0; i < n; i++ {
		// The empty name makes each instance anonymous, so n can coexist.
		mod, err := r.InstantiateModule(ctx, compiled, moduleConfig().WithName("").WithArgs(filepath.Base(path)))
		if err != nil {
			return fail(exitLoadFailed, fmt.Errorf("instance %d: %w", i, err))
		}
		if initialize := mod.ExportedFunction("_initialize"); initialize != nil {
			if _, err := initialize.Call(ctx); err != nil {
				return fail(exitTrapped, fmt.Errorf("instance %d: _initialize: %w", i, err))
			}
		}
		live = append(live, mod)
	}
	fmt.Printf("instances %d ok\n", len(live))
	return 0
}

// stubImports defines every function the module imports from a module other
// than WASI as a host function that returns zeros, so that a plugin written
// for some other host can still be instantiated and initialised.
func stubImports(ctx context.Context, r wazero.Runtime, compiled wazero.CompiledModule) error {
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	seen := map[[2]string]bool{}
	for _, def := range compiled.ImportedFunctions() {
		module, name, _ := def.Import()
		if module == wasi_snapshot_preview1.ModuleName || seen[[2]string{module, name}] {
			continue
		}
		seen[[2]string{module, name}] = true
		b, ok := builders[module]
		if !ok {
			b = r.NewHostModuleBuilder(module)
			builders[module] = b
			order = append(order, module)
		}
		results := len(def.ResultTypes())
		zeros := api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			clear(stack[:results])
		})
		b.NewFunctionBuilder().
			WithGoModuleFunction(zeros, def.ParamTypes(), def.ResultTypes()).
			Export(name)
	}
	for _, module := range order {
		if _, err := builders[module].Instantiate(ctx); err != nil {
			return fmt.Errorf("stub module %q: %w", module, err)
		}
	}
	return nil
}
