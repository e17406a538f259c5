module github.com/gohost/gohost/go

go 1.24
