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
/// comments do ("Entry is one stored pair."):
///
/// - docs that already start with the name, or with an article and the
///   name (`A Point is ...`), are kept;
/// - a function's verb stays a verb (`Returns a greeting.` on `Greet`
///   becomes `Greet returns a greeting.`), an imperative is conjugated
///   (`Compute the sum.` -> `Sum computes the sum.`), and a noun phrase
///   gets "returns" (`The length.` -> `Len returns the length.`);
/// - a type's noun phrase gets "is" (`One stored pair.` -> `Entry is one
///   stored pair.`) unless it starts with a verb types are described with
///   (`Holds ...` -> `Store holds ...`).
///
/// The first letter is lowered only when the first word is an ordinary
/// capitalized word (not an acronym such as `URL`, not code); other docs
/// get the name in front and nothing else.
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
    let article = ARTICLES.contains(&w0);
    if article && words.next().map(bare).as_deref() == Some(name) {
        return out;
    }
    let ordinary = {
        let w = bare(w0);
        w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && w.chars().skip(1).all(|c| c.is_ascii_lowercase())
    };
    if !ordinary {
        *first = format!("{name} {line}");
        return out;
    }
    let lowered = {
        let mut cs = line.chars();
        let c = cs
            .next()
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_default();
        format!("{c}{}", cs.as_str())
    };
    let word = bare(w0).to_ascii_lowercase();
    let verb = match item {
        Item::Func => !article && is_third_person(&word),
        Item::Other => !article && TYPE_VERBS.contains(&word.as_str()),
    };
    *first = match item {
        _ if verb => format!("{name} {lowered}"),
        Item::Func if article => format!("{name} returns {lowered}"),
        // An imperative: conjugated, its punctuation kept.
        Item::Func => {
            let rest = &lowered[w0.len()..];
            let punct = &w0[bare(w0).len()..];
            format!("{name} {}{punct}{rest}", third_person(&word))
        }
        Item::Other => format!("{name} is {lowered}"),
    };
    out
}

/// Words that start a noun phrase.
const ARTICLES: &[&str] = &["A", "An", "The"];

/// Verbs a type's doc may start with (`Holds the state.`).
const TYPE_VERBS: &[&str] = &[
    "allows",
    "are",
    "carries",
    "configures",
    "contains",
    "controls",
    "counts",
    "defines",
    "describes",
    "gives",
    "has",
    "holds",
    "identifies",
    "is",
    "keeps",
    "lets",
    "lists",
    "maps",
    "marks",
    "means",
    "names",
    "owns",
    "records",
    "reports",
    "represents",
    "says",
    "selects",
    "specifies",
    "stands",
    "stores",
    "tells",
    "tracks",
    "wraps",
];

/// Whether `word` (lower case) reads as a verb in the third person
/// (`returns`, `is`), not an imperative (`return`).
fn is_third_person(word: &str) -> bool {
    matches!(word, "is" | "has" | "does" | "was")
        || (word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us"))
}

/// The third person of an imperative: `get` -> `gets`, `fetch` ->
/// `fetches`, `copy` -> `copies`.
fn third_person(verb: &str) -> String {
    let vowel = |c: char| "aeiou".contains(c);
    if ["s", "sh", "ch", "x", "z", "o"]
        .iter()
        .any(|e| verb.ends_with(e))
    {
        format!("{verb}es")
    } else if let Some(stem) = verb.strip_suffix('y') {
        if stem.ends_with(|c: char| !vowel(c)) && !stem.is_empty() {
            format!("{stem}ies")
        } else {
            format!("{verb}s")
        }
    } else {
        format!("{verb}s")
    }
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
        assert_eq!(one("Red", "Like blood.", Item::Other), "Red is like blood.");
        assert_eq!(
            one("Entry", "One stored pair.", Item::Other),
            "Entry is one stored pair."
        );
        assert_eq!(
            one("Store", "Holds the keys.", Item::Other),
            "Store holds the keys."
        );
        assert_eq!(
            one("Sum", "Compute the sum.", Item::Func),
            "Sum computes the sum."
        );
        assert_eq!(one("Clone", "Copy it.", Item::Func), "Clone copies it.");
        assert_eq!(
            one("Get", "Fetch, then cache.", Item::Func),
            "Get fetches, then cache."
        );
        assert_eq!(
            one("Add", "Adds two numbers.", Item::Func),
            "Add adds two numbers."
        );
        assert_eq!(one("Ok", "Is it fine?", Item::Func), "Ok is it fine?");
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
