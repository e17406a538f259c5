package gohost

import "fmt"

// An Error is a failed host call.
//
// When the host function returned an error, Message is its Display text and,
// if the error type is an enum of the module, Err is the typed value
// (reachable with errors.Is and errors.As). When ABI is true, the guest and
// host disagreed about the wire (malformed bytes, an unknown or closed
// handle, a stale binding) and Message says what and where.
type Error struct {
	Module  string // the host module, e.g. "kv"
	Func    string // the host function, e.g. "get"
	Message string // what went wrong
	Err     error  // the typed error value, if any
	ABI     bool   // true for a broken ABI rather than an error of the function
}

// Error returns "module.func: message", with "ABI error: " before the
// message when ABI is set.
func (e *Error) Error() string {
	if e.ABI {
		return e.Module + "." + e.Func + ": ABI error: " + e.Message
	}
	return e.Module + "." + e.Func + ": " + e.Message
}

// Unwrap returns the typed error value, or nil.
func (e *Error) Unwrap() error { return e.Err }

// CallError builds the error for a call that returned a non-zero status.
// payload is what the host wrote; typed decodes the error value that follows
// the message for status 1 and is nil when the error type is not an enum of
// the module.
func CallError(module, fn string, status uint32, payload []byte, typed func(*Reader) (error, error)) error {
	if status != StatusError && status != StatusABI {
		return &Error{Module: module, Func: fn, ABI: true, Message: fmt.Sprintf("unknown status %d", status)}
	}
	// The Error, the Reader that typed may keep and a short message are
	// one allocation: two fewer on an error path, on a guest where each
	// allocation costs more than the rest of the path. The payload is not
	// kept: r is cleared before c is returned.
	c := &callError{Error: Error{Module: module, Func: fn}, r: Reader{buf: payload}}
	e, r := &c.Error, &c.r
	msg, err := r.stringInto(c.text[:])
	if err != nil {
		return ResultError(module, fn, err)
	}
	e.Message = msg
	e.ABI = status == StatusABI
	if typed != nil && !e.ABI {
		v, err := typed(r)
		if err != nil {
			return ResultError(module, fn, err)
		}
		e.Err = v
	}
	if err := r.Done(); err != nil && !e.ABI {
		return ResultError(module, fn, err)
	}
	c.r = Reader{}
	return e
}

// callError is an Error with the Reader of its payload and room for its
// message: see CallError. The room fills the object's size class (160
// bytes): messages of up to 56 bytes cost no allocation of their own.
type callError struct {
	Error
	r    Reader
	text [56]byte
}

// ResultError is the error for a result the guest could not decode.
func ResultError(module, fn string, err error) error {
	return &Error{Module: module, Func: fn, Message: "bad result from the host: " + err.Error(), Err: err, ABI: true}
}
