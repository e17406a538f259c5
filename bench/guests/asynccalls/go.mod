module gohost.bench/asynccalls

go 1.24
