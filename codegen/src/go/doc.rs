//! Rust doc comments as Go doc comments, in the form gofmt keeps.
//!
//! gofmt rewrites doc comments: indented lines become code blocks and lists
//! get a canonical indent. To stay gofmt-clean whatever the Rust docs say,
//! lines are written without leading space, and fenced code blocks become
//! tab-indented Go code blocks with blank lines around them.

/// Writes `lines` as `//` comments at `indent`.
pub(crate) fn write(out: &mut String, indent: &str, lines: &[String]) {
    let mut go: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in lines {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            if !in_code && go.last().is_some_and(|l| !l.is_empty()) {
                go.push(String::new());
            }
            if in_code {
                go.push(String::new());
            }
            in_code = !in_code;
            continue;
        }
        if in_code {
            // Rust hides doctest setup lines starting with `# `.
            if trimmed == "#" || trimmed.starts_with("# ") {
                continue;
            }
            go.push(if trimmed.is_empty() {
                String::new()
            } else {
                format!("\t{}", line.trim_end())
            });
        } else {
            if trimmed.is_empty() && go.last().is_some_and(String::is_empty) {
                continue;
            }
            go.push(trimmed.to_string());
        }
    }
    while go.first().is_some_and(String::is_empty) {
        go.remove(0);
    }
    while go.last().is_some_and(String::is_empty) {
        go.pop();
    }
    for l in go {
        if l.is_empty() {
            out.push_str(indent);
            out.push_str("//\n");
        } else if l.starts_with('\t') {
            out.push_str(indent);
            out.push_str("//");
            out.push_str(&l);
            out.push('\n');
        } else {
            out.push_str(indent);
            out.push_str("// ");
            out.push_str(&l);
            out.push('\n');
        }
    }
}
