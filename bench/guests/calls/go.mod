module gohost.bench/calls

go 1.24
