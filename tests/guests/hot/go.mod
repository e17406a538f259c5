module gohost.test/hot

go 1.24
