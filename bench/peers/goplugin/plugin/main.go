//go:build wasip1

// Command plugin is the go-plugin peer's plugin: the same work as the gohost
// benchmark guest's loop_typed_text and GuestSwap, through the code
// protoc-gen-go-plugin generates.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm ./plugin
package main

import (
	"context"

	"gohost.bench/goplugin-peer/benchpb"
)

// main is required for Go to compile to Wasm.
func main() {}

func init() { benchpb.RegisterBench(plugin{}) }

// text is the string of the host-call row (the gohost guest's).
const text = "hello, gohost: a string of a typical size"

type plugin struct{}

func (plugin) LoopText(ctx context.Context, req *benchpb.LoopRequest) (*benchpb.LoopReply, error) {
	host := benchpb.NewHostFunctions()
	sum := uint64(0)
	for i := int32(0); i < req.GetN(); i++ {
		r, err := host.TextLen(ctx, &benchpb.TextLenRequest{Text: text})
		if err != nil {
			return nil, err
		}
		sum += r.GetLength()
	}
	return &benchpb.LoopReply{Sum: sum}, nil
}

func (plugin) Swap(_ context.Context, p *benchpb.Pair) (*benchpb.Pair, error) {
	return &benchpb.Pair{
		First:  p.GetSecond(),
		Second: p.GetFirst(),
		N:      p.GetN() + int64(len(p.GetFirst())+len(p.GetSecond())),
	}, nil
}
