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

/// What a doc comment documents, for the verb [`lead`] inserts after an
/// article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    /// A function or method: `The length of s.` -> `Len returns the length of s.`
    Func,
    /// A type, field or constant: `A point.` -> `Point is a point.`
    Other,
}

/// Makes a doc comment start with the Go name it documents, as Go doc
/// comments do: `Returns a greeting for name.` on `Greet` becomes `Greet
/// returns a greeting for name.`. Docs that already start with the name,
/// or with an article and the name (`A Point is ...`), are kept; an article
/// followed by something else gets a verb (`The length.` -> `Len returns
/// the length.`, `A point.` -> `Point is a point.`). The first letter is
/// lowered only when the first word is an ordinary capitalized word (not an
/// acronym such as `URL`).
pub(crate) fn lead(name: &str, docs: &[String], item: Item) -> Vec<String> {
    let mut out = docs.to_vec();
    let Some(first) = out.iter_mut().find(|l| !l.trim().is_empty()) else {
        return out;
    };
    let line = first.trim().to_string();
    if line.starts_with("```") {
        return out;
    }
    let mut words = line.split_whitespace();
    let w0 = words.next().unwrap_or("");
    let bare = |w: &str| {
        w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_')
            .to_string()
    };
    if bare(w0) == name {
        return out;
    }
    let article = matches!(w0, "A" | "An" | "The");
    if article && words.next().map(bare).as_deref() == Some(name) {
        return out;
    }
    let ordinary = article || {
        let mut cs = w0.chars();
        cs.next().is_some_and(|c| c.is_ascii_uppercase())
            && bare(w0).len() > 1
            && bare(w0).chars().skip(1).all(|c| c.is_ascii_lowercase())
    };
    let rest = if ordinary {
        let mut cs = line.chars();
        let c = cs
            .next()
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_default();
        format!("{c}{}", cs.as_str())
    } else {
        line.clone()
    };
    *first = match (article, item) {
        (true, Item::Func) => format!("{name} returns {rest}"),
        (true, Item::Other) => format!("{name} is {rest}"),
        (false, _) => format!("{name} {rest}"),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::{lead, Item};

    fn one(name: &str, doc: &str, item: Item) -> String {
        lead(name, &[doc.to_string()], item).remove(0)
    }

    #[test]
    fn docs_start_with_the_name() {
        assert_eq!(
            one("Greet", "Returns a greeting for name.", Item::Func),
            "Greet returns a greeting for name."
        );
        assert_eq!(
            one("Greet", "Greet says hello.", Item::Func),
            "Greet says hello."
        );
        assert_eq!(
            one("Point", "A Point is a place.", Item::Other),
            "A Point is a place."
        );
        assert_eq!(
            one("Point", "A point with a name.", Item::Other),
            "Point is a point with a name."
        );
        assert_eq!(
            one("TextLen", "The length of a text.", Item::Func),
            "TextLen returns the length of a text."
        );
        assert_eq!(
            one("Fetch", "URL fetching.", Item::Func),
            "Fetch URL fetching."
        );
        assert_eq!(one("Red", "Like blood.", Item::Other), "Red like blood.");
        assert_eq!(
            one("Get", "`get` does it.", Item::Func),
            "Get `get` does it."
        );
        assert_eq!(
            lead(
                "X",
                &["```".into(), "code".into(), "```".into()],
                Item::Other
            )[0],
            "```"
        );
    }
}
