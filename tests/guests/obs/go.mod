module gohost.test/obs

go 1.24
