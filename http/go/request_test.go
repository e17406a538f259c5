package gohosthttp

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestPlainTargetsParseAsURLDoes(t *testing.T) {
	for _, uri := range []string{
		"/", "/hello", "/a/b/c.txt", "/a-b_c.d~e", "/$&+,:;=@x", "/x?", "/x?q=1&r=2",
		"/x?q=a?b", "/x??", "/x?q=%41", "/files/../etc", "/a/./b", "/%41", "/a%2Fb",
		"/a b", "/a!b", "/a*b", "/a'b", "/(x)", "//double", "/x#frag", "/x?y#frag",
		"/\u00e9", "/x?\u00e9", "/x?a b", "*", "http://host/x", "/x?a\x7f",
	} {
		want, wantErr := url.ParseRequestURI(uri)
		got, ok := plainRequestURI(uri)
		if !ok {
			continue
		}
		if wantErr != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: plain path gives %#v, url.ParseRequestURI %#v (%v)", uri, got, want, wantErr)
		}
	}
	for _, uri := range []string{"/hello", "/x?q=1", "/x?"} {
		if _, ok := plainRequestURI(uri); !ok {
			t.Errorf("%q is not taken as plain", uri)
		}
	}
}

func TestRequestContext(t *testing.T) {
	// Canceled before anyone looked: made canceled, with the cause.
	var c requestContext
	if c.Err() != nil {
		t.Fatal("a new context is canceled")
	}
	c.cancel(ErrClientGone)
	c.cancel(context.Canceled)
	if c.Err() != context.Canceled || context.Cause(&c) != ErrClientGone {
		t.Errorf("err %v, cause %v", c.Err(), context.Cause(&c))
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done is open after cancel")
	}

	// Looked at first, and a child attached natively (no goroutine):
	// canceled together.
	var d requestContext
	child, stop := context.WithTimeout(&d, time.Hour)
	defer stop()
	type key struct{}
	valued := context.WithValue(child, key{}, "v")
	if valued.Value(key{}) != "v" || d.Err() != nil {
		t.Fatal("a value or an early cancel")
	}
	d.cancel(errors.New("gone"))
	<-child.Done()
	if context.Cause(child).Error() != "gone" || child.Err() != context.Canceled {
		t.Errorf("child: %v, %v", child.Err(), context.Cause(child))
	}
	if _, ok := d.Deadline(); ok {
		t.Error("a deadline")
	}
}
