module gohost.example/kv-plugins

go 1.24
