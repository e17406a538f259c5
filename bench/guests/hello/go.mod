module gohost.bench/hello

go 1.24
