// Command hot is the plugin of the hot-reload tests: it answers each
// request with the version its host configured (a manifest's [config]
// version), so a test can tell which version of the plugin answered.
package main

import (
	"strconv"

	"gohost.test/hot/hot"
)

type plugin struct{ version string }

func (p plugin) Answer(n uint32) string {
	return p.version + ":" + strconv.FormatUint(uint64(n), 10)
}

func init() {
	version, ok := hot.Config("version")
	if !ok {
		version = "none"
	}
	hot.Register(plugin{version})
}

func main() {}
