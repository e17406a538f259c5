module gohost.bench/compute

go 1.24
