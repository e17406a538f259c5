package gohost

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"
)

// ErrMalformed is wrapped by every error a [Reader] returns for bytes that
// do not follow the encoding.
var ErrMalformed = errors.New("malformed value")

// A Writer encodes values by appending them to a byte slice. The zero value
// is ready to use.
type Writer struct {
	buf []byte
}

// NewWriter returns a Writer that appends to buf[:0].
func NewWriter(buf []byte) *Writer {
	return &Writer{buf: buf[:0]}
}

// Bytes returns the encoded bytes.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of encoded bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset discards the encoded bytes, keeping the buffer.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Extend appends n bytes and returns them, for the caller to write in
// place: what a generated wrapper does for a record whose layout it knows
// (numbers at fixed offsets, strings after their lengths). The bytes are
// valid until the next write to w.
func (w *Writer) Extend(n int) []byte {
	start := len(w.buf)
	if cap(w.buf)-start < n {
		w.buf = append(w.buf, make([]byte, n)...)
	} else {
		w.buf = w.buf[:start+n]
	}
	return w.buf[start : start+n : start+n]
}

// PutUint8 appends one byte.
func (w *Writer) PutUint8(v uint8) { w.buf = append(w.buf, v) }

// PutBool appends 1 for true, 0 for false.
func (w *Writer) PutBool(v bool) {
	if v {
		w.PutUint8(1)
	} else {
		w.PutUint8(0)
	}
}

// PutInt8 appends one byte, two's complement.
func (w *Writer) PutInt8(v int8) { w.PutUint8(uint8(v)) }

// PutUint16 appends 2 bytes, little endian.
func (w *Writer) PutUint16(v uint16) { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }

// PutInt16 appends 2 bytes, little endian.
func (w *Writer) PutInt16(v int16) { w.PutUint16(uint16(v)) }

// PutUint appends 8 bytes, little endian (a Rust usize).
func (w *Writer) PutUint(v uint) { w.PutUint64(uint64(v)) }

// PutInt appends 8 bytes, little endian (a Rust isize).
func (w *Writer) PutInt(v int) { w.PutUint64(uint64(v)) }

// PutRune appends the rune as 4 bytes, little endian (a Rust char). The
// host refuses one that is not a Unicode scalar value.
func (w *Writer) PutRune(v rune) { w.PutUint32(uint32(v)) }

// PutRaw appends b without a length: the elements of a byte array.
func (w *Writer) PutRaw(b []byte) { w.buf = append(w.buf, b...) }

// PutUint32 appends 4 bytes, little endian.
func (w *Writer) PutUint32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }

// PutInt32 appends 4 bytes, little endian.
func (w *Writer) PutInt32(v int32) { w.PutUint32(uint32(v)) }

// PutUint64 appends 8 bytes, little endian.
func (w *Writer) PutUint64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// PutInt64 appends 8 bytes, little endian.
func (w *Writer) PutInt64(v int64) { w.PutUint64(uint64(v)) }

// PutFloat32 appends the IEEE 754 bits of v, little endian.
func (w *Writer) PutFloat32(v float32) { w.PutUint32(math.Float32bits(v)) }

// PutFloat64 appends the IEEE 754 bits of v, little endian.
func (w *Writer) PutFloat64(v float64) { w.PutUint64(math.Float64bits(v)) }

// PutCount appends a list length or element count as a uint32.
// It panics if n does not fit in a uint32.
func (w *Writer) PutCount(n int) {
	if uint64(n) > math.MaxUint32 {
		panic(lengthError(n))
	}
	w.PutUint32(uint32(n))
}

// lengthError is the panic value of a length that does not fit the wire
// format; a conversion rather than a call, so that PutCount is inlined.
type lengthError int

func (e lengthError) Error() string {
	return fmt.Sprintf("gohost: length %d does not fit the wire format", int(e))
}

// PutString appends the length of s, then its bytes.
func (w *Writer) PutString(s string) {
	w.PutCount(len(s))
	w.buf = append(w.buf, s...)
}

// PutBytes appends the length of b, then b.
func (w *Writer) PutBytes(b []byte) {
	w.PutCount(len(b))
	w.buf = append(w.buf, b...)
}

// PutOption appends the tag of an optional value: 1 if some, 0 if none.
// The value itself follows when some.
func (w *Writer) PutOption(some bool) { w.PutBool(some) }

// A Reader decodes values from a byte slice. Its methods never panic: bytes
// that run short or are out of range yield an error wrapping [ErrMalformed].
type Reader struct {
	buf []byte
	off int
}

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader {
	return &Reader{buf: b}
}

// Len returns the number of unread bytes.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

func (r *Reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// take returns the next n bytes. Its error is built without a call, so
// that take and the fixed-size reads stay small enough to be inlined.
func (r *Reader) take(n int, what string) ([]byte, error) {
	if uint(n) > uint(len(r.buf)-r.off) {
		return nil, &shortError{what, r.off, n, len(r.buf) - r.off}
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// shortError is the error of a read past the end.
type shortError struct {
	what           string
	off, need, has int
}

func (e *shortError) Error() string {
	return fmt.Sprintf("%v: %s at offset %d needs %d bytes, %d remain", ErrMalformed, e.what, e.off, e.need, e.has)
}

func (e *shortError) Unwrap() error { return ErrMalformed }

// Uint8 reads one byte.
func (r *Reader) Uint8() (uint8, error) {
	b, err := r.take(1, "u8")
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// Int8 reads one byte, two's complement.
func (r *Reader) Int8() (int8, error) {
	v, err := r.Uint8()
	return int8(v), err
}

// Uint16 reads 2 bytes, little endian.
func (r *Reader) Uint16() (uint16, error) {
	b, err := r.take(2, "u16")
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

// Int16 reads 2 bytes, little endian.
func (r *Reader) Int16() (int16, error) {
	v, err := r.Uint16()
	return int16(v), err
}

// Uint reads 8 bytes, little endian (a Rust usize).
func (r *Reader) Uint() (uint, error) {
	v, err := r.Uint64()
	return uint(v), err
}

// Int reads 8 bytes, little endian (a Rust isize).
func (r *Reader) Int() (int, error) {
	v, err := r.Uint64()
	return int(v), err
}

// Rune reads 4 bytes, little endian, that must be a Unicode scalar value
// (a Rust char).
func (r *Reader) Rune() (rune, error) {
	off := r.off
	v, err := r.Uint32()
	if err != nil {
		return 0, err
	}
	if !utf8.ValidRune(rune(v)) {
		return 0, r.errorf("char at offset %d is not a Unicode scalar value: %#x", off, v)
	}
	return rune(v), nil
}

// Fill reads len(b) bytes into b: the elements of a byte array.
func (r *Reader) Fill(b []byte) error {
	src, err := r.take(len(b), "byte array")
	if err != nil {
		return err
	}
	copy(b, src)
	return nil
}

// Bool reads one byte that must be 0 or 1.
func (r *Reader) Bool() (bool, error) {
	off := r.off
	v, err := r.Uint8()
	if err != nil {
		return false, err
	}
	if v > 1 {
		return false, r.errorf("bool at offset %d must be 0 or 1, found %d", off, v)
	}
	return v == 1, nil
}

// Uint32 reads 4 bytes, little endian.
func (r *Reader) Uint32() (uint32, error) {
	if len(r.buf)-r.off < 4 {
		return 0, &shortError{"u32", r.off, 4, len(r.buf) - r.off}
	}
	v := le32(r.buf[r.off:])
	r.off += 4
	return v, nil
}

// Int32 reads 4 bytes, little endian.
func (r *Reader) Int32() (int32, error) {
	v, err := r.Uint32()
	return int32(v), err
}

// Uint64 reads 8 bytes, little endian.
func (r *Reader) Uint64() (uint64, error) {
	if len(r.buf)-r.off < 8 {
		return 0, &shortError{"u64", r.off, 8, len(r.buf) - r.off}
	}
	v := le64(r.buf[r.off:])
	r.off += 8
	return v, nil
}

// Int64 reads 8 bytes, little endian.
func (r *Reader) Int64() (int64, error) {
	v, err := r.Uint64()
	return int64(v), err
}

// Float32 reads 4 bytes of IEEE 754 bits, little endian.
func (r *Reader) Float32() (float32, error) {
	if len(r.buf)-r.off < 4 {
		return 0, &shortError{"u32", r.off, 4, len(r.buf) - r.off}
	}
	v := loadF32(&r.buf[r.off])
	r.off += 4
	return v, nil
}

// Float64 reads 8 bytes of IEEE 754 bits, little endian.
func (r *Reader) Float64() (float64, error) {
	if len(r.buf)-r.off < 8 {
		return 0, &shortError{"u64", r.off, 8, len(r.buf) - r.off}
	}
	v := loadF64(&r.buf[r.off])
	r.off += 8
	return v, nil
}

// Count reads a uint32 list count and checks it against the unread bytes,
// assuming each element takes at least minSize bytes (at least 1), so that
// a forged count cannot make the caller allocate a huge slice.
func (r *Reader) Count(minSize int) (int, error) {
	off := r.off
	n, err := r.Uint32()
	if err != nil {
		return 0, err
	}
	need := uint64(n) * uint64(max(minSize, 1))
	if need > uint64(r.Len()) {
		return 0, r.errorf("list of %d elements at offset %d needs at least %d bytes, %d remain", n, off, need, r.Len())
	}
	return int(n), nil
}

// Bytes reads a length-prefixed byte string and returns a copy of it.
func (r *Reader) Bytes() ([]byte, error) {
	n, err := r.Count(1)
	if err != nil {
		return nil, err
	}
	b, err := r.take(n, "bytes")
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}

// String reads a length-prefixed string. Its bytes are not checked: a Go
// string may hold any bytes, as on the host a string never fails a call.
func (r *Reader) String() (string, error) {
	if b, ok := r.nextString(); ok {
		return string(b), nil
	}
	return r.shortString()
}

// stringInto is [Reader.String] for a string that is kept only as long as
// buf: when it fits, its bytes are copied into buf and the string is made
// of them, without an allocation. buf must not change afterwards.
func (r *Reader) stringInto(buf []byte) (string, error) {
	b, ok := r.nextString()
	switch {
	case !ok:
		return r.shortString()
	case len(b) <= len(buf):
		n := copy(buf, b)
		return unsafe.String(unsafe.SliceData(buf), n), nil
	default:
		return string(b), nil
	}
}

// nextString is the common case of reading a string, in one piece: the
// length, then the bytes, all there. It returns the bytes, in the
// reader's buffer, and moves past them; otherwise it returns false and
// does not move.
func (r *Reader) nextString() ([]byte, bool) {
	if rest := r.buf[r.off:]; len(rest) >= 4 {
		n := binary.LittleEndian.Uint32(rest)
		if uint64(n) <= uint64(len(rest)-4) {
			r.off += 4 + int(n)
			return rest[4 : 4+n], true
		}
	}
	return nil, false
}

// shortString reads a string the fast path of [Reader.String] refused, for
// the error.
func (r *Reader) shortString() (string, error) {
	n, err := r.Count(1)
	if err != nil {
		return "", err
	}
	b, err := r.take(n, "string")
	return string(b), err
}

// Option reads the tag of an optional value: true if a value follows.
func (r *Reader) Option() (bool, error) {
	off := r.off
	t, err := r.Uint8()
	if err != nil {
		return false, err
	}
	if t > 1 {
		return false, r.errorf("option tag at offset %d must be 0 or 1, found %d", off, t)
	}
	return t == 1, nil
}

// Done reports an error unless every byte was read: a top-level value must
// use its bytes exactly.
func (r *Reader) Done() error {
	if r.off != len(r.buf) {
		return &trailingError{len(r.buf) - r.off, r.off}
	}
	return nil
}

// trailingError is the error of bytes left after a top-level value.
type trailingError struct{ n, off int }

func (e *trailingError) Error() string {
	return fmt.Sprintf("%v: %d trailing bytes after offset %d", ErrMalformed, e.n, e.off)
}

func (e *trailingError) Unwrap() error { return ErrMalformed }

// DuplicateKey returns the error for a map key, at offset off, that an
// earlier key of the same map repeats.
func DuplicateKey(off int) error {
	return fmt.Errorf("%w: the map key at offset %d repeats an earlier key", ErrMalformed, off)
}

// BadVariant returns the error for an enum variant index that does not exist.
func BadVariant(enum string, index uint32) error {
	return fmt.Errorf("%w: enum %s has no variant %d", ErrMalformed, enum, index)
}
