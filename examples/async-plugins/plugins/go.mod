module gohost.example/async-plugins

go 1.24

require github.com/gohost/gohost/go v0.0.0

replace github.com/gohost/gohost/go => ../../../go
