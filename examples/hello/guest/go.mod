module gohost.example/hello

go 1.24
