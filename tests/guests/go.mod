module gohost.test/guests

go 1.24
