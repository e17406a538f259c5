// Command compute is the "compute vs native Go" workload of gohost's
// performance table. The same source is built natively (go build) and for
// wasip1 (GOOS=wasip1 GOARCH=wasm go build) and run on each host, so the
// table can show what a CPU-bound Go program pays for running as wasm on a
// given engine, relative to the same program running natively.
//
// It does no I/O besides its one line of output and keeps its memory small,
// so the time measured is the engine running Go code, not the host's system
// calls:
//
//	compute sha256 MIB   hash MIB mebibytes of generated data with crypto/sha256
//	compute json N       encode and decode a nested record N times with encoding/json
//
// sha256 measures tight integer loops; json measures reflection, allocation
// and the garbage collector. Under wasm, crypto/sha256 runs its generic Go
// code, while natively on amd64 it uses the CPU's SHA instructions; build
// the native binary with -tags purego as well to compare the same Go code.
// The output depends only on the arguments, so a test can require the same
// line from every host. json 4000 takes about 0.3 s natively.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"
)

const usage = `usage: compute sha256 MIB   hash MIB mebibytes of generated data
       compute json N       round-trip a record through encoding/json N times`

func main() {
	if len(os.Args) != 3 {
		fail()
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fail()
	}
	switch os.Args[1] {
	case "sha256":
		fmt.Printf("sha256 %d MiB %x\n", n, hashMiB(n))
	case "json":
		fmt.Printf("json %d iterations %d\n", n, roundTrip(n))
	default:
		fail()
	}
}

func fail() {
	fmt.Fprintln(os.Stderr, usage)
	os.Exit(2)
}

// hashMiB hashes n MiB: one 1 MiB buffer of xorshift output, hashed n
// times with the chunk index written over its first eight bytes, so that no
// two chunks are the same while memory stays at 1 MiB.
func hashMiB(n int) []byte {
	buf := make([]byte, 1<<20)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < len(buf); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(buf[i:], x)
	}
	h := sha256.New()
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(buf, uint64(i))
		h.Write(buf)
	}
	return h.Sum(nil)
}

// Report is the record round-tripped by the json workload: nested structs,
// a slice of records, maps, and strings that need escaping.
type Report struct {
	ID       int64              `json:"id"`
	Title    string             `json:"title"`
	Created  string             `json:"created"`
	Owner    Person             `json:"owner"`
	Items    []Item             `json:"items"`
	Totals   map[string]float64 `json:"totals"`
	Labels   map[string]string  `json:"labels"`
	Archived bool               `json:"archived"`
	Note     *string            `json:"note,omitempty"`
}

// Person is the owner of a Report.
type Person struct {
	Name   string   `json:"name"`
	Email  string   `json:"email"`
	Age    int      `json:"age"`
	Admin  bool     `json:"admin"`
	Groups []string `json:"groups"`
}

// Item is one line of a Report.
type Item struct {
	SKU      string   `json:"sku"`
	Name     string   `json:"name"`
	Price    float64  `json:"price"`
	Quantity int      `json:"quantity"`
	InStock  bool     `json:"in_stock"`
	Weight   float32  `json:"weight"`
	Tags     []string `json:"tags,omitempty"`
}

// newReport builds the record; the data is fixed, so the encoding is too.
func newReport() *Report {
	note := `checked by "ops" <ops@example.com> & signed off`
	r := &Report{
		Title:   "Quarterly inventory — Zürich warehouse",
		Created: "2025-03-31T23:59:59Z",
		Owner: Person{
			Name:   "Ada Lovelace",
			Email:  "ada@example.com",
			Age:    36,
			Admin:  true,
			Groups: []string{"inventory", "audit", "eu-central"},
		},
		Totals: map[string]float64{},
		Labels: map[string]string{
			"region": "eu-central-2",
			"team":   "logistics",
			"status": "final",
		},
		Note: &note,
	}
	words := []string{"bolt", "gear", "valve", "spring", "sensor", "cable", "filter"}
	for i := 0; i < 20; i++ {
		it := Item{
			SKU:      fmt.Sprintf("SKU-%05d", 1000+i*37),
			Name:     fmt.Sprintf("%s %s, size %d", words[i%len(words)], words[(i*3+1)%len(words)], i%9+1),
			Price:    float64(199+i*1234%9000) / 100,
			Quantity: i * 17 % 250,
			InStock:  i%3 != 0,
			Weight:   float32(i%7) + 0.25,
		}
		if i%4 == 0 {
			it.Tags = []string{"fragile", words[i%len(words)]}
		}
		r.Items = append(r.Items, it)
		r.Totals[words[i%len(words)]] += it.Price * float64(it.Quantity)
	}
	return r
}

// roundTrip encodes and decodes the record n times, changing it a little
// each time, checks that every decoded copy equals the original and returns
// the total number of bytes encoded.
func roundTrip(n int) int {
	r := newReport()
	total := 0
	for i := 0; i < n; i++ {
		r.ID = int64(i)
		r.Archived = i%2 == 1
		r.Items[i%len(r.Items)].Quantity = i % 1000
		b, err := json.Marshal(r)
		if err != nil {
			die("encode: %v", err)
		}
		var back Report
		if err := json.Unmarshal(b, &back); err != nil {
			die("decode: %v", err)
		}
		if !reflect.DeepEqual(r, &back) {
			die("iteration %d: decoded record differs from the encoded one", i)
		}
		total += len(b)
	}
	return total
}

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "compute: "+format+"\n", a...)
	os.Exit(1)
}
