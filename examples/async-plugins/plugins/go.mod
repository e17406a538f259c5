module gohost.example/async-plugins

go 1.24
