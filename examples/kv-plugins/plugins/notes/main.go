// Command notes is a kv plugin that keeps the last two requests, shouted,
// as notes in the host's store, and says what it could not keep.
package main

import (
	"errors"
	"fmt"
	"strings"

	"gohost.example/kv-plugins/kv"
)

// keep is how many notes the plugin keeps.
const keep = 2

type notes struct{}

func (notes) Info() kv.Info {
	return kv.Info{Name: "notes", Version: "1.0", Summary: "keeps the last two requests, shouted"}
}

func (notes) Handle(req kv.Request) (kv.Response, error) {
	text := strings.ToUpper(req.Text)
	key := fmt.Sprintf("note/%04d", req.ID)
	if _, err := kv.Put(key, []byte(text), nil); err != nil {
		var big kv.KvErrorTooLarge
		if errors.As(err, &big) {
			return kv.Response{}, fmt.Errorf("note %d not kept: %d bytes, the store takes at most %d", req.ID, big.Size, big.Limit)
		}
		return kv.Response{}, err
	}
	all, err := kv.List("note/", nil)
	if err != nil {
		return kv.Response{}, err
	}
	reply := fmt.Sprintf("kept %q", text)
	for len(all) > keep {
		old, err := kv.Delete(all[0].Key)
		if err != nil {
			return kv.Response{}, err
		}
		reply += fmt.Sprintf(", dropped %q", old.Value)
		all = all[1:]
	}
	keys := make([]string, len(all))
	for i, e := range all {
		keys[i] = e.Key
	}
	return kv.Response{Reply: reply, Keys: keys}, nil
}

func init() {
	fmt.Println("started")
	kv.Register(notes{})
}

func main() {}
