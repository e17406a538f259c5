package gohosthttp

import (
	"context"
	"sync"
	"time"
)

// requestContext is a request's context: canceled when the handler returns
// or the client goes away, with the reason as its cause ([context.Cause]).
//
// It is a [context.WithCancelCause] of [context.Background], made only when
// something asks for it (Done, Value, a child context). Many handlers never
// look at their context, and in a plugin, where Go runs on an interpreter
// or a compiler without Go's own optimizations, making and canceling one
// costs as much as the rest of building a request; this makes that cost
// the handler's choice, with the same behavior.
type requestContext struct {
	mu       sync.Mutex
	inner    context.Context // nil until asked for
	cancelFn context.CancelCauseFunc
	canceled bool  // canceled before inner was made
	cause    error // the cause then
}

// ctx returns the context behind c, making it on first use.
func (c *requestContext) ctx() context.Context {
	c.mu.Lock()
	if c.inner == nil {
		c.inner, c.cancelFn = context.WithCancelCause(context.Background())
		if c.canceled {
			c.cancelFn(c.cause)
		}
	}
	inner := c.inner
	c.mu.Unlock()
	return inner
}

// cancel cancels the context with cause; the first cause wins.
func (c *requestContext) cancel(cause error) {
	c.mu.Lock()
	inner, cancel := c.inner, c.cancelFn
	if inner == nil && !c.canceled {
		c.canceled, c.cause = true, cause
	}
	c.mu.Unlock()
	if inner != nil {
		cancel(cause)
	}
}

// Deadline reports no deadline: the host's deadline cuts a call off
// rather than cancels it.
func (c *requestContext) Deadline() (time.Time, bool) {
	return time.Time{}, false
}

// Done returns a channel closed when the context is canceled.
func (c *requestContext) Done() <-chan struct{} {
	return c.ctx().Done()
}

// Err returns [context.Canceled] once the context is canceled, and nil
// before.
func (c *requestContext) Err() error {
	c.mu.Lock()
	inner, canceled := c.inner, c.canceled
	c.mu.Unlock()
	if inner != nil {
		return inner.Err()
	}
	if canceled {
		return context.Canceled
	}
	return nil
}

// Value returns the value for key; a request context has none of its own
// but context's (which is how [context.Cause] finds the cause).
func (c *requestContext) Value(key any) any {
	return c.ctx().Value(key)
}

// String names the context, as context's own do.
func (c *requestContext) String() string {
	return "gohosthttp.requestContext"
}
