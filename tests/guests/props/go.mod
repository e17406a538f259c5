module gohost.test/props

go 1.24
