package gohost

import (
	"errors"
	"fmt"
	"testing"
	"unsafe"
)

// checkReply checks the reply an export returned: its length (the low 32
// bits of ret), status byte and message.
func checkReply(t *testing.T, ret uint64, status uint8, msg string) {
	t.Helper()
	b := reply.Bytes()
	if uint64(len(b)) != ret&0xffffffff {
		t.Fatalf("reply length %d, ret says %d", len(b), ret&0xffffffff)
	}
	if b[0] != status {
		t.Fatalf("status %d, want %d", b[0], status)
	}
	r := NewReader(b[1:])
	got, err := r.String()
	if err != nil || got != msg || r.Done() != nil {
		t.Fatalf("message %q (%v), want %q", got, err, msg)
	}
}

func TestReplies(t *testing.T) {
	checkReply(t, Refuse("no"), StatusRefused, "no")
	checkReply(t, BadArgs(BadVariant("E", 7)), StatusRefused, "malformed arguments: malformed value: enum E has no variant 7")
	checkReply(t, Send(ReplyError(errors.New("bad"))), StatusError, "bad")
	panics := func(v any) (ret uint64) {
		defer Recover(&ret)
		panic(v)
	}
	checkReply(t, panics("boom"), StatusPanic, "boom")
	checkReply(t, panics(fmt.Errorf("wrapped: %w", errors.New("inner"))), StatusPanic, "wrapped: inner")
	w := Reply()
	w.PutUint32(7)
	if b := reply.Bytes(); Send(w)&0xffffffff != 5 || b[0] != StatusOK {
		t.Fatalf("ok reply %v", b)
	}
}

func TestExportArgs(t *testing.T) {
	if r := ExportArgs(nil, 0); r.Len() != 0 {
		t.Fatal("empty arguments")
	}
	b := []byte{3, 0, 0, 0, 'a', 'b', 'c'}
	s, err := ExportArgs(unsafe.Pointer(&b[0]), uint32(len(b))).String()
	if err != nil || s != "abc" {
		t.Fatalf("got %q, %v", s, err)
	}
}

type testErr uint32

func (testErr) Error() string { return "test error" }

func TestErrorAs(t *testing.T) {
	if e, ok := ErrorAs[testErr](fmt.Errorf("ctx: %w", testErr(2))); !ok || e != 2 {
		t.Fatalf("got %v, %v", e, ok)
	}
	if _, ok := ErrorAs[testErr](errors.New("other")); ok {
		t.Fatal("matched another error")
	}
}
