package gohost

import (
	"errors"
	"fmt"
	"unsafe"
)

// The reply of the export call that returned last. It stays alive until the
// next export call replies; by then the host has copied it out.
var reply Writer

// ExportArgs returns a Reader of the n argument bytes at p: the buffer the
// host got from __gohost_alloc and wrote the encoded arguments of an export
// call to. Decoding copies what it keeps ([Reader.String], [Reader.Bytes]),
// so the values outlive the buffer.
func ExportArgs(p unsafe.Pointer, n uint32) *Reader {
	if n == 0 {
		return NewReader(nil)
	}
	return NewReader(unsafe.Slice((*byte)(p), n))
}

// ArgBytes returns the n argument bytes at p, as [ExportArgs] reads them,
// for a shim that reads its arguments in place. What it keeps it copies.
func ArgBytes(p unsafe.Pointer, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

func startReply(status uint8) *Writer {
	reply.Reset()
	reply.PutUint8(status)
	return &reply
}

// Reply starts the reply of an export that succeeded: the returned writer
// holds status [StatusOK]; the caller appends the encoded result and
// returns [Send] of it.
//
// An export starts its reply only once its implementation has returned, so
// that exports the host calls while the implementation runs (from inside a
// host function) do not overwrite it.
func Reply() *Writer { return startReply(StatusOK) }

// ReplyError starts the reply of an export whose implementation returned
// err: status [StatusError] and err's message. When the error type is an
// enum of the module, the caller appends the encoded value.
func ReplyError(err error) *Writer {
	w := startReply(StatusError)
	w.PutString(err.Error())
	return w
}

// Refuse replies with status [StatusRefused] and a message: the export did
// not run.
func Refuse(msg string) uint64 {
	w := startReply(StatusRefused)
	w.PutString(msg)
	return Send(w)
}

// BadArgs refuses a call whose arguments do not decode.
func BadArgs(err error) uint64 {
	return Refuse("malformed arguments: " + err.Error())
}

// NotRegistered is the message for an export called before the package pkg
// was given an implementation.
func NotRegistered(pkg string) string {
	return "no implementation registered: call " + pkg + ".Register from an init function"
}

// Recover turns a panic of an export into a reply with status [StatusPanic]
// and the panic value printed with fmt.Sprint. Exports that reply defer it
// directly: defer gohost.Recover(&ret).
func Recover(ret *uint64) {
	if p := recover(); p != nil {
		w := startReply(StatusPanic)
		w.PutString(fmt.Sprint(p))
		*ret = Send(w)
	}
}

// Send returns the result of an export that replies: the address of the
// reply in the high 32 bits, its length in the low 32 bits.
func Send(w *Writer) uint64 {
	b := w.Bytes()
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}

// ErrorAs finds the first error in err's tree that is an E, as errors.As
// does.
func ErrorAs[E error](err error) (E, bool) {
	var e E
	ok := errors.As(err, &e)
	return e, ok
}
