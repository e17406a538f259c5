module gohosthttp.test/plugins

go 1.24
