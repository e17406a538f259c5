module gohost.bench/httphello

go 1.24
