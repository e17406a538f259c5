module gohost.test/asyncsoak

go 1.24
