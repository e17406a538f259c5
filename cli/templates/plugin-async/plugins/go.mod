module plugins

go 1.24
