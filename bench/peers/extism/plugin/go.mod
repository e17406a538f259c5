module gohost.bench/extism-plugin

go 1.24.0
