//go:build !wasm

package gohost

import (
	"encoding/binary"
	"math"
	"unsafe"
)

func load32(p *byte) uint32 { return binary.LittleEndian.Uint32(unsafe.Slice(p, 4)) }

func load64(p *byte) uint64 { return binary.LittleEndian.Uint64(unsafe.Slice(p, 8)) }

func store32(p *byte, v uint32) { binary.LittleEndian.PutUint32(unsafe.Slice(p, 4), v) }

func store64(p *byte, v uint64) { binary.LittleEndian.PutUint64(unsafe.Slice(p, 8), v) }

func loadF32(p *byte) float32 { return math.Float32frombits(load32(p)) }

func loadF64(p *byte) float64 { return math.Float64frombits(load64(p)) }

func storeF32(p *byte, v float32) { store32(p, math.Float32bits(v)) }

func storeF64(p *byte, v float64) { store64(p, math.Float64bits(v)) }
