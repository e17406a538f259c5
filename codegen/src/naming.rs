//! Rust names to Go names, in one place (as uniffi does): case conversion,
//! Go's initialisms, keyword escaping, the Go names of fields and methods,
//! and the names of the codec helpers generated for each type.

use crate::model::Ty;

/// Go's common initialisms (the golint list), written in upper case.
const INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GID", "GUID", "HTML", "HTTP", "HTTPS",
    "ID", "IP", "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP",
    "TLS", "TTL", "UDP", "UI", "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF",
    "XSS",
];

/// Go's keywords.
const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Identifiers a parameter must not shadow in a generated wrapper: Go's
/// predeclared identifiers, the imported packages and the wrapper's locals.
const RESERVED: &[&str] = &[
    "any",
    "append",
    "bool",
    "byte",
    "cap",
    "clear",
    "close",
    "comparable",
    "complex",
    "complex128",
    "complex64",
    "copy",
    "delete",
    "error",
    "false",
    "float32",
    "float64",
    "imag",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "iota",
    "len",
    "make",
    "max",
    "min",
    "new",
    "nil",
    "panic",
    "print",
    "println",
    "real",
    "recover",
    "rune",
    "string",
    "true",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "uintptr", // predeclared
    "gohost",
    "runtime",
    "unsafe", // packages
    "err",
    "n",
    "p",
    "r",
    "sc",
    "st",
    "w",
    "v",
    "h",
    "ret", // wrapper locals; also a0, b0, e0, ... (see `escape`)
    "moduleName",
    "callStatus",
    "takeResult",
    "callFailed",
    "fixedFailed",
    "gohostABI",
    "gohostTake",
    "gohostDrop",
    "asyncPending",
    "dropHandle", // package-level helpers; also raw*, encode*, ... (see `escape`)
];

/// The prefixes of generated package-level helpers named after a function
/// or type (`rawGet`, `decodeEntry`, `errorOfKvError`, `replyErrorKvError`,
/// `exportHandle`): a parameter named like one would shadow it.
const HELPER_PREFIXES: &[&str] = &["raw", "encode", "decode", "errorOf", "replyError", "export"];

/// True for a name a generated helper could have: a helper prefix followed
/// by an upper-case letter.
fn is_helper_name(s: &str) -> bool {
    HELPER_PREFIXES.iter().any(|p| {
        s.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

/// True for the wrapper locals named after a parameter's position: `aN`
/// (its fixed-size array), `bN` (its encoded bytes), `eN` (where they end).
fn is_positional_local(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a' | 'b' | 'e'))
        && !chars.as_str().is_empty()
        && chars.all(|c| c.is_ascii_digit())
}

/// Splits a Rust identifier (`snake_case` or `CamelCase`) into words.
fn words(ident: &str) -> Vec<String> {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let mut out = Vec::new();
    for part in ident.split('_').filter(|p| !p.is_empty()) {
        let chars: Vec<char> = part.chars().collect();
        let mut cur = String::new();
        for (i, &c) in chars.iter().enumerate() {
            // A new word starts at an upper-case letter that follows a lower
            // case letter or digit, or that starts a lower-case run after an
            // upper-case run (`HTTPServer` -> `HTTP`, `Server`).
            let boundary = c.is_uppercase()
                && i > 0
                && (chars[i - 1].is_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_uppercase()
                        && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// One word in exported form: an initialism in upper case, else capitalised.
fn export_word(w: &str) -> String {
    let upper = w.to_uppercase();
    if INITIALISMS.contains(&upper.as_str()) {
        return upper;
    }
    let mut cs = w.chars();
    match cs.next() {
        Some(f) => f
            .to_uppercase()
            .chain(cs.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// An exported Go name: `get_user_id` -> `GetUserID`, `HttpClient` -> `HTTPClient`.
pub fn exported(ident: &str) -> String {
    let s: String = words(ident).iter().map(|w| export_word(w)).collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("X{s}")
    } else {
        s
    }
}

/// The Go type of a variant of an enum with data: the enum's exported name
/// (`go_enum`), then the variant's: `Shape` and `circle` -> `ShapeCircle`.
pub fn variant_type(go_enum: &str, variant: &str) -> String {
    format!("{go_enum}{}", exported(variant))
}

/// An unexported Go name (for parameters): `user_id` -> `userID`,
/// `url` -> `url`, `type` -> `type_`.
pub fn unexported(ident: &str) -> String {
    let ws = words(ident);
    let mut s = String::new();
    for (i, w) in ws.iter().enumerate() {
        if i == 0 {
            s.push_str(&w.to_lowercase());
        } else {
            s.push_str(&export_word(w));
        }
    }
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'x');
    }
    escape(s)
}

/// Whether `s` is one of Go's keywords, which no Go identifier may be.
///
/// ```
/// use gohost_codegen::naming::is_go_keyword;
/// assert!(is_go_keyword("func"));
/// assert!(!is_go_keyword("string")); // predeclared, not a keyword
/// ```
pub fn is_go_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Appends `_` to a Go keyword or an identifier the wrapper code needs.
pub fn escape(s: String) -> String {
    if is_go_keyword(&s)
        || RESERVED.contains(&s.as_str())
        || is_positional_local(&s)
        || is_helper_name(&s)
    {
        s + "_"
    } else {
        s
    }
}

/// A snake-case name: `TxnLog` -> `txn_log`.
pub fn snake(ident: &str) -> String {
    words(ident)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Words in lower case separated by spaces: `NotFound` -> `not found`, for
/// the `Error()` text of an error enum's variants.
pub fn phrase(ident: &str) -> String {
    words(ident)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Go name of a record or variant field: exported, and `V0`, `V1`, ...
/// for the fields of a tuple variant.
///
/// ```
/// use gohost_codegen::naming::field_name;
/// assert_eq!(field_name("expires_at"), "ExpiresAt");
/// assert_eq!(field_name("0"), "V0");
/// ```
pub fn field_name(rust: &str) -> String {
    if rust.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{rust}")
    } else {
        exported(rust)
    }
}

/// The Go method a host function of `handle` becomes: its name without the
/// handle's name in front, or its whole name when it does not start with it.
///
/// ```
/// use gohost_codegen::naming::method_name;
/// assert_eq!(method_name("txn_put", "Txn"), "Put");
/// assert_eq!(method_name("commit", "Txn"), "Commit");
/// ```
pub fn method_name(func: &str, handle: &str) -> String {
    let prefix = format!("{}_", snake(handle));
    match func.strip_prefix(&prefix) {
        Some(rest) if !rest.is_empty() => exported(rest),
        _ => exported(func),
    }
}

/// The prefixes of composite types in codec helper names
/// (`decodeOptU32`, `encodeListEntry`); the parser refuses a module type
/// whose name would read the same (`OptU32`).
const OPTION_MANGLE: &str = "Opt";
const LIST_MANGLE: &str = "List";
const ARRAY_MANGLE: &str = "Arr";
const MAP_MANGLE: &str = "Map";

/// The mangled name of a type in codec helper names (`encodeEntry`,
/// `decodeOptU32`): the exported Go name of a module type, a capitalised
/// tag for the others.
pub(crate) fn mangle(t: &Ty) -> String {
    match t {
        Ty::I32 => "I32".into(),
        Ty::U32 => "U32".into(),
        Ty::I64 => "I64".into(),
        Ty::U64 => "U64".into(),
        Ty::F32 => "F32".into(),
        Ty::F64 => "F64".into(),
        Ty::Bool => "Bool".into(),
        Ty::U8 => "U8".into(),
        Ty::I8 => "I8".into(),
        Ty::U16 => "U16".into(),
        Ty::I16 => "I16".into(),
        Ty::Usize => "Uint".into(),
        Ty::Isize => "Int".into(),
        Ty::Char => "Rune".into(),
        Ty::Array(t, n) => format!("{ARRAY_MANGLE}{n}{}", mangle(t)),
        Ty::Map { key, value, .. } => format!("{MAP_MANGLE}{}{}", mangle(key), mangle(value)),
        Ty::Str { .. } => "String".into(),
        Ty::Bytes { .. } => "Bytes".into(),
        Ty::Record { name, .. } | Ty::Enum { name, .. } | Ty::Handle { name, .. } => exported(name),
        Ty::Option(t) => format!("{OPTION_MANGLE}{}", mangle(t)),
        Ty::Vec(t) => format!("{LIST_MANGLE}{}", mangle(t)),
        Ty::Unit => "Unit".into(),
    }
}

/// How a wire type reads in Rust, for messages: `Option<u32>`.
pub(crate) fn rust_name(t: &Ty) -> String {
    match t {
        Ty::Option(t) => format!("Option<{}>", rust_name(t)),
        Ty::Vec(t) => format!("Vec<{}>", rust_name(t)),
        Ty::Array(t, n) => format!("[{}; {n}]", rust_name(t)),
        Ty::Map { key, value, .. } => format!("map of {} to {}", rust_name(key), rust_name(value)),
        Ty::Str { .. } => "String".into(),
        Ty::Bytes { .. } => "Vec<u8>".into(),
        Ty::Record { name, .. } | Ty::Enum { name, .. } | Ty::Handle { name, .. } => name.clone(),
        Ty::Unit => "()".into(),
        Ty::Char => "char".into(),
        Ty::Usize => "usize".into(),
        Ty::Isize => "isize".into(),
        t => mangle(t).to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_names() {
        assert_eq!(exported("get_user_id"), "GetUserID");
        assert_eq!(exported("get"), "Get");
        assert_eq!(exported("parse_json_api_url"), "ParseJSONAPIURL");
        assert_eq!(exported("HttpClient"), "HTTPClient");
        assert_eq!(exported("HTTPServer"), "HTTPServer");
        assert_eq!(exported("KvError"), "KvError");
        assert_eq!(exported("to_utf8"), "ToUTF8");
        assert_eq!(exported("r#type"), "Type");
        assert_eq!(exported("v2_thing"), "V2Thing");
        assert_eq!(exported("_"), "X");
    }

    #[test]
    fn unexported_names() {
        assert_eq!(unexported("user_id"), "userID");
        assert_eq!(unexported("id"), "id");
        assert_eq!(unexported("http_url"), "httpURL");
        assert_eq!(unexported("type"), "type_");
        assert_eq!(unexported("r#type"), "type_");
        assert_eq!(unexported("string"), "string_");
        assert_eq!(unexported("err"), "err_");
        assert_eq!(unexported("prefix"), "prefix");
        assert_eq!(unexported("ret"), "ret_");
        assert_eq!(unexported("a0"), "a0_");
        assert_eq!(unexported("b12"), "b12_");
        assert_eq!(unexported("a"), "a");
        assert_eq!(unexported("e1x"), "e1x");
        assert_eq!(unexported("module_name"), "moduleName_");
        assert_eq!(unexported("raw_get"), "rawGet_");
        assert_eq!(unexported("raw"), "raw");
        assert_eq!(unexported("decoder"), "decoder");
    }

    #[test]
    fn phrases() {
        assert_eq!(phrase("NotFound"), "not found");
        assert_eq!(phrase("TooLarge"), "too large");
    }
}
