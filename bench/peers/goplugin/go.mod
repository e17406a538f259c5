module gohost.bench/goplugin-peer

go 1.24.0

require (
	github.com/knqyf263/go-plugin v0.9.0
	github.com/tetratelabs/wazero v1.11.0
	google.golang.org/protobuf v1.30.0
)

require golang.org/x/sys v0.38.0 // indirect
