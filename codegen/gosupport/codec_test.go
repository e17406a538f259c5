package gohost

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unsafe"
)

func TestRoundTrip(t *testing.T) {
	var w Writer
	w.PutUint8(7)
	w.PutBool(true)
	w.PutInt32(-2)
	w.PutUint32(math.MaxUint32)
	w.PutInt64(math.MinInt64)
	w.PutUint64(1 << 40)
	w.PutFloat32(1.5)
	w.PutFloat64(-0.25)
	w.PutString("héllo")
	w.PutBytes([]byte{1, 2, 3})
	w.PutOption(false)
	w.PutCount(2)

	r := NewReader(w.Bytes())
	must := func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := []any{uint8(7), true, int32(-2), uint32(math.MaxUint32), int64(math.MinInt64), uint64(1 << 40), float32(1.5), float64(-0.25), "héllo"}
	got := []any{
		must(r.Uint8()), must(r.Bool()), must(r.Int32()), must(r.Uint32()), must(r.Int64()),
		must(r.Uint64()), must(r.Float32()), must(r.Float64()), must(r.String()),
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if b := must(r.Bytes()).([]byte); !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Errorf("bytes: got %v", b)
	}
	if some := must(r.Option()).(bool); some {
		t.Error("option: got some")
	}
	if _, err := r.Count(0); err == nil {
		t.Error("count 2 with no bytes left: want error")
	}
}

func TestLittleEndian(t *testing.T) {
	var w Writer
	w.PutUint32(0x01020304)
	w.PutString("ab")
	if want := []byte{4, 3, 2, 1, 2, 0, 0, 0, 'a', 'b'}; !bytes.Equal(w.Bytes(), want) {
		t.Errorf("got % x, want % x", w.Bytes(), want)
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		read func(*Reader) error
	}{
		{"short u32", []byte{1, 2}, func(r *Reader) error { _, err := r.Uint32(); return err }},
		{"short u64", []byte{1, 2, 3, 4}, func(r *Reader) error { _, err := r.Uint64(); return err }},
		{"bool 2", []byte{2}, func(r *Reader) error { _, err := r.Bool(); return err }},
		{"option 5", []byte{5}, func(r *Reader) error { _, err := r.Option(); return err }},
		{"string too long", []byte{9, 0, 0, 0, 'a'}, func(r *Reader) error { _, err := r.String(); return err }},
		{"huge count", []byte{0xff, 0xff, 0xff, 0xff}, func(r *Reader) error { _, err := r.Count(4); return err }},
		{"huge bytes", []byte{0xff, 0xff, 0xff, 0xff}, func(r *Reader) error { _, err := r.Bytes(); return err }},
		{"trailing", []byte{0}, func(r *Reader) error { return r.Done() }},
		{"empty", nil, func(r *Reader) error { _, err := r.Uint8(); return err }},
	}
	for _, c := range cases {
		err := c.read(NewReader(c.in))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", c.name, err)
		}
	}
}

func TestBytesCopies(t *testing.T) {
	in := []byte{2, 0, 0, 0, 'h', 'i'}
	b, err := NewReader(in).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	in[4] = 'X'
	if string(b) != "hi" {
		t.Errorf("Bytes aliases its input: %q", b)
	}
}

type notFound struct{}

func (notFound) Error() string { return "not found" }

func TestCallError(t *testing.T) {
	var w Writer
	w.PutString("key missing")
	w.PutUint32(0)
	typed := func(r *Reader) (error, error) {
		if _, err := r.Uint32(); err != nil {
			return nil, err
		}
		return notFound{}, nil
	}
	err := CallError("kv", "get", StatusError, w.Bytes(), typed)
	var e *Error
	if !errors.As(err, &e) || e.ABI || e.Message != "key missing" || e.Error() != "kv.get: key missing" {
		t.Fatalf("got %#v", err)
	}
	if !errors.Is(err, notFound{}) {
		t.Error("errors.Is does not reach the typed value")
	}

	w.Reset()
	w.PutString("bad handle")
	err = CallError("kv", "get", StatusABI, w.Bytes(), nil)
	if !errors.As(err, &e) || !e.ABI || e.Error() != "kv.get: ABI error: bad handle" {
		t.Errorf("status 2: got %v", err)
	}
	if err := CallError("kv", "get", 9, nil, nil); !errors.As(err, &e) || !e.ABI {
		t.Errorf("status 9: got %v", err)
	}
	if err := CallError("kv", "get", StatusError, []byte{1}, nil); !errors.As(err, &e) || !e.ABI {
		t.Errorf("malformed payload: got %v", err)
	}
}

func TestCallErrorMessageOutlivesItsPayload(t *testing.T) {
	for _, msg := range []string{"", "short", strings.Repeat("m", 56), strings.Repeat("long ", 12)} {
		var w Writer
		w.PutString(msg)
		payload := w.Bytes()
		err := CallError("kv", "get", StatusError, payload, nil)
		clear(payload) // the wrapper reuses its buffer for the next call
		var e *Error
		if !errors.As(err, &e) || e.Message != msg {
			t.Errorf("message of %d bytes: got %#v", len(msg), err)
		}
	}
}

func TestCallErrorAllocatesOnceForAShortMessage(t *testing.T) {
	var w Writer
	w.PutString("refused with code 12345")
	payload := w.Bytes()
	allocs := testing.AllocsPerRun(100, func() {
		_ = CallError("bench", "refuse", StatusError, payload, nil)
	})
	if allocs != 1 {
		t.Errorf("%v allocations, want 1", allocs)
	}
	// The room for the message fills the size class of the rest: a field
	// added to Error or Reader should shrink it rather than move the
	// object to the next class.
	if size := unsafe.Sizeof(callError{}); size != 160 {
		t.Errorf("callError is %d bytes, want 160 (a size class of Go's allocator)", size)
	}
}

func TestFrame(t *testing.T) {
	a := BeginCall()
	if len(a.Buf) != ScratchSize {
		t.Fatalf("the shared frame has a result buffer of %d bytes", len(a.Buf))
	}
	a.Args.PutString("abc")
	b := BeginCall()
	if a == b {
		t.Fatal("a busy frame was handed out twice")
	}
	if len(b.Buf) != 0 {
		t.Error("a nested frame has a result buffer")
	}
	EndCall(b)
	EndCall(a)
	c := BeginCall()
	if c != a {
		t.Error("the shared frame was not reused")
	}
	if c.Args.Len() != 0 {
		t.Error("the shared frame's arguments were not reset")
	}
	c.Args.PutBytes(make([]byte, maxArgsKeep+1))
	EndCall(c)
	if cap(BeginCall().Args.buf) > maxArgsKeep {
		t.Error("a large argument buffer was kept")
	}
	EndCall(a)
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 'a', 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		for r.Len() > 0 {
			if _, err := r.String(); err != nil {
				if _, err := r.Uint8(); err != nil {
					return
				}
			}
		}
		_ = r.Done()
	})
}

func TestFixedMatchesWriter(t *testing.T) {
	var w Writer
	w.PutUint32(0xdeadbeef)
	w.PutInt32(-7)
	w.PutUint64(1<<63 | 5)
	w.PutInt64(math.MinInt64)
	w.PutFloat32(-1.5)
	w.PutFloat64(math.Pi)
	w.PutBool(true)
	w.PutBool(false)

	// The same values at their offsets, as a generated wrapper stores them;
	// the array is filled first so that every byte must be written.
	var a [38]byte
	for i := range a {
		a[i] = 0xaa
	}
	StoreUint32(&a[0], 0xdeadbeef)
	neg32, neg64 := int32(-7), int64(math.MinInt64)
	StoreUint32(&a[4], uint32(neg32))
	StoreUint64(&a[8], 1<<63|5)
	StoreUint64(&a[16], uint64(neg64))
	StoreFloat32(&a[24], -1.5)
	StoreFloat64(&a[28], math.Pi)
	StoreBool(&a[36], true)
	StoreBool(&a[37], false)
	if !bytes.Equal(a[:], w.Bytes()) {
		t.Fatalf("stores wrote % x\nthe Writer wrote % x", a[:], w.Bytes())
	}

	if got := LoadUint32(&a[0]); got != 0xdeadbeef {
		t.Errorf("LoadUint32 = %#x", got)
	}
	if got := int32(LoadUint32(&a[4])); got != -7 {
		t.Errorf("LoadUint32 as int32 = %d", got)
	}
	if got := LoadUint64(&a[8]); got != 1<<63|5 {
		t.Errorf("LoadUint64 = %#x", got)
	}
	if got := int64(LoadUint64(&a[16])); got != math.MinInt64 {
		t.Errorf("LoadUint64 as int64 = %d", got)
	}
	if got := LoadFloat32(&a[24]); got != -1.5 {
		t.Errorf("LoadFloat32 = %v", got)
	}
	if got := LoadFloat64(&a[28]); got != math.Pi {
		t.Errorf("LoadFloat64 = %v", got)
	}
	if !LoadBool(&a[36]) || LoadBool(&a[37]) {
		t.Errorf("LoadBool of 1, 0 = %v, %v", LoadBool(&a[36]), LoadBool(&a[37]))
	}
}

func TestNarrowNumbersRunesAndByteArrays(t *testing.T) {
	var w Writer
	w.PutInt8(-3)
	w.PutUint16(0xbeef)
	w.PutInt16(-300)
	w.PutUint(math.MaxUint64)
	w.PutInt(math.MinInt64)
	w.PutRune('é')
	w.PutRaw([]byte{9, 8, 7})
	if n := w.Len(); n != 1+2+2+8+8+4+3 {
		t.Fatalf("encoded %d bytes", n)
	}
	r := NewReader(w.Bytes())
	i8, _ := r.Int8()
	u16, _ := r.Uint16()
	i16, _ := r.Int16()
	u, _ := r.Uint()
	i, _ := r.Int()
	c, _ := r.Rune()
	var arr [3]byte
	err := r.Fill(arr[:])
	if i8 != -3 || u16 != 0xbeef || i16 != -300 || u != math.MaxUint64 || i != math.MinInt64 || c != 'é' || arr != [3]byte{9, 8, 7} || err != nil {
		t.Fatalf("got %v %v %v %v %v %q %v %v", i8, u16, i16, u, i, c, arr, err)
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []uint32{0xd800, 0x110000, math.MaxUint32} {
		var w Writer
		w.PutUint32(bad)
		if _, err := NewReader(w.Bytes()).Rune(); !errors.Is(err, ErrMalformed) {
			t.Errorf("rune %#x: %v", bad, err)
		}
		if !InvalidRune(&w.Bytes()[0]) {
			t.Errorf("InvalidRune(%#x) is false", bad)
		}
	}
	if err := NewReader([]byte{1, 2}).Fill(make([]byte, 3)); !errors.Is(err, ErrMalformed) {
		t.Errorf("short Fill: %v", err)
	}
	if err := DuplicateKey(12); !errors.Is(err, ErrMalformed) || !bytes.Contains([]byte(err.Error()), []byte("offset 12")) {
		t.Errorf("DuplicateKey: %v", err)
	}
}

func TestExtendReservesBytesToWriteInPlace(t *testing.T) {
	var w Writer
	w.PutUint8(7)
	b := w.Extend(4)
	if len(b) != 4 || cap(b) != 4 {
		t.Fatalf("Extend(4) = len %d cap %d", len(b), cap(b))
	}
	StoreUint32(&b[0], 0x01020304)
	w.PutString("ab")
	want := []byte{7, 4, 3, 2, 1, 2, 0, 0, 0, 'a', 'b'}
	if got := w.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("bytes = %v, want %v", got, want)
	}
	// Growing keeps what was written.
	big := w.Extend(1 << 12)
	big[len(big)-1] = 9
	if got := w.Bytes(); !bytes.Equal(got[:len(want)], want) || got[len(got)-1] != 9 {
		t.Fatalf("after growing: % x", got[:len(want)])
	}
}

func TestStringAtSharesOneBuffer(t *testing.T) {
	all := []byte("firstsecond")
	a, b, c := StringAt(all, 0, 5), StringAt(all, 5, 6), StringAt(all, 11, 0)
	if a != "first" || b != "second" || c != "" {
		t.Fatalf("got %q %q %q", a, b, c)
	}
}
