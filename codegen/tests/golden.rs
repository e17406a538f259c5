//! Golden tests: the Go and the Rust generated for `golden/sample.rs`.
//! Re-bless with `GOHOST_BLESS=1 cargo test -p gohost-codegen --test golden`.

use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn sample() -> String {
    std::fs::read_to_string(dir().join("sample.rs")).expect("read sample.rs")
}

fn check(name: &str, actual: &str) {
    let path = dir().join(name);
    if std::env::var_os("GOHOST_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs from the generated output; re-bless with GOHOST_BLESS=1 and review the diff",
        path.display()
    );
}

#[test]
fn go_golden() {
    let files = gohost_codegen::generate_from_file(&sample()).expect("generate");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "kv.go");
    check("kv.go.golden", &files[0].contents);
}

/// The expanded Rust module, pretty-printed.
#[test]
fn rust_golden() {
    let file = syn::parse_file(&sample()).expect("parse");
    let m = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) => Some(m.clone()),
            _ => None,
        })
        .expect("module");
    let attr = m
        .attrs
        .iter()
        .find(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "host_module")
        })
        .expect("attr");
    let args = match &attr.meta {
        syn::Meta::List(l) => l.tokens.clone(),
        _ => panic!("no args"),
    };
    let mut item = m.clone();
    item.attrs.retain(|a| {
        !a.path().is_ident("host_module")
            && !a.path().segments.iter().any(|s| s.ident == "host_module")
    });
    let mut out = gohost_codegen::expand_to_file(args, quote::quote!(#item)).expect("expand");
    // GO_FILES repeats kv.go.golden; keep the Rust golden readable.
    if let Some(syn::Item::Mod(m)) = out.items.first_mut() {
        for it in m.content.as_mut().map(|c| &mut c.1).into_iter().flatten() {
            if let syn::Item::Const(c) = it {
                if c.ident == "GO_FILES" {
                    *c.expr = syn::parse_quote!(&[("kv.go", "<kv.go.golden>")]);
                }
            }
        }
    }
    check("kv.rs.golden", &prettyplease::unparse(&out));
}

/// The macro path and the file path produce the same Go, byte for byte.
#[test]
fn macro_and_file_agree() {
    let file = syn::parse_file(&sample()).expect("parse");
    let syn::Item::Mod(m) = file
        .items
        .iter()
        .find(|i| matches!(i, syn::Item::Mod(_)))
        .expect("mod")
        .clone()
    else {
        unreachable!()
    };
    let exp = gohost_codegen::expand(
        quote::quote!(name = "kv", go_package = "kv"),
        quote::quote!(#m),
    );
    let files = gohost_codegen::generate_from_file(&sample()).expect("generate");
    assert_eq!(exp.go_files, files);
}
