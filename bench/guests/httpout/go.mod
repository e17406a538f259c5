module gohost.bench/httpout

go 1.24
