module gohosthttp

go 1.24
