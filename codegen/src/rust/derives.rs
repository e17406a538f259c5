//! The standard traits a module's records and enums derive: `Clone` and
//! `Debug` (a request is cloned into a task, printed in a log line) and
//! `PartialEq` (a test compares a reply), where every field allows them and
//! the user has not derived or implemented them already.

use std::collections::BTreeSet;

use syn::{Attribute, Item, ItemMod};

use crate::model::*;

/// The traits, by the name a `derive` or `impl` spells last, with the
/// path the generated `derive` names.
const TRAITS: [(&str, &str); 3] = [
    ("Clone", "::core::clone::Clone"),
    ("Debug", "::core::fmt::Debug"),
    ("PartialEq", "::core::cmp::PartialEq"),
];

/// Adds `#[derive(...)]` of the [`TRAITS`] each record and enum of `m`
/// lacks to its item in `module`.
pub(crate) fn add_derives(m: &Module, module: &mut ItemMod) {
    let Some((_, items)) = &mut module.content else {
        return;
    };
    let implemented = implemented(items);
    for item in items.iter_mut() {
        let (name, attrs) = match item {
            Item::Struct(s) => (s.ident.to_string(), &mut s.attrs),
            Item::Enum(e) => (e.ident.to_string(), &mut e.attrs),
            _ => continue,
        };
        let Some(def) = m.types.iter().find(|t| t.name() == name) else {
            continue;
        };
        if !derivable(m, def, &mut BTreeSet::new()) {
            continue;
        }
        let derived = derived(attrs);
        let missing: Vec<syn::Path> = TRAITS
            .iter()
            .filter(|(t, _)| !derived.contains(*t) && !implemented.contains(&(*t, name.clone())))
            .filter_map(|(_, path)| syn::parse_str(path).ok())
            .collect();
        if !missing.is_empty() {
            attrs.push(syn::parse_quote!(#[derive(#(#missing),*)]));
        }
    }
}

/// Whether every field of `def` (and of the types it holds) can derive the
/// traits: all can but handles, which are the host's own objects.
fn derivable<'m>(m: &'m Module, def: &'m TypeDef, seen: &mut BTreeSet<&'m str>) -> bool {
    if !seen.insert(def.name()) {
        return true;
    }
    let fields: Vec<&Field> = match def {
        TypeDef::Handle(_) => return false,
        TypeDef::Record(r) => r.fields.iter().collect(),
        TypeDef::Enum(e) => e.variants.iter().flat_map(|v| &v.fields).collect(),
    };
    fields.iter().all(|f| ty_derivable(m, &f.ty, seen))
}

fn ty_derivable<'m>(m: &'m Module, t: &'m Ty, seen: &mut BTreeSet<&'m str>) -> bool {
    match t {
        Ty::Handle { .. } => false,
        Ty::Record { name, .. } | Ty::Enum { name, .. } => m
            .types
            .iter()
            .find(|d| d.name() == name)
            .is_none_or(|d| derivable(m, d, seen)),
        Ty::Option(t) | Ty::Vec(t) | Ty::Array(t, _) => ty_derivable(m, t, seen),
        Ty::Map { key, value, .. } => ty_derivable(m, key, seen) && ty_derivable(m, value, seen),
        _ => true,
    }
}

/// The traits an item's `#[derive(...)]`s name, by their last segment.
fn derived(attrs: &[Attribute]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last() {
                names.insert(last.ident.to_string());
            }
            Ok(())
        });
    }
    names
}

/// The (trait, type) pairs the module implements by hand: `impl Clone for
/// Entry { ... }`.
fn implemented(items: &[Item]) -> BTreeSet<(&'static str, String)> {
    let mut pairs = BTreeSet::new();
    for item in items {
        let Item::Impl(imp) = item else { continue };
        let (Some((_, path, _)), syn::Type::Path(ty)) = (&imp.trait_, &*imp.self_ty) else {
            continue;
        };
        let (Some(t), Some(ty)) = (path.segments.last(), ty.path.segments.last()) else {
            continue;
        };
        if let Some((name, _)) = TRAITS.iter().find(|(n, _)| t.ident == n) {
            pairs.insert((*name, ty.ident.to_string()));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    fn expanded(src: proc_macro2::TokenStream) -> String {
        let item: syn::ItemMod = syn::parse2(src).unwrap();
        let args = crate::Args::parse(quote::quote!(name = "shop")).unwrap();
        let m = crate::model(&args, &item).unwrap();
        let mut item = item;
        super::add_derives(&m, &mut item);
        item.to_token_stream().to_string()
    }

    #[test]
    fn records_and_enums_derive_what_they_lack() {
        let out = expanded(quote::quote! {
            mod shop {
                #[derive(Debug)]
                pub struct Item { pub price: f64, pub tags: Vec<String> }
                pub enum Kind { Book, Food { grams: u32 } }
                pub struct Cart { pub items: Vec<Item>, pub kind: Option<Kind> }
                impl Clone for Cart { fn clone(&self) -> Self { todo!() } }
                pub fn total(cart: &Cart) -> f64 { 0.0 }
            }
        });
        assert!(out.contains(
            "# [derive (Debug)] # [derive (:: core :: clone :: Clone , :: core :: cmp :: PartialEq)] pub struct Item"
        ), "{out}");
        assert!(out.contains(
            "# [derive (:: core :: clone :: Clone , :: core :: fmt :: Debug , :: core :: cmp :: PartialEq)] pub enum Kind"
        ), "{out}");
        assert!(out.contains(
            "# [derive (:: core :: fmt :: Debug , :: core :: cmp :: PartialEq)] pub struct Cart"
        ), "{out}");
    }
}
