//! The ABI model of one host module: what crosses the wire, nothing else.
//!
//! Built from a `syn::ItemMod` by the parser (`parse`), consumed by the Rust
//! emitter, the Go emitter and the fingerprint. The model is versioned by
//! [`crate::ABI_VERSION`]; see `docs/abi.md` for the wire contract.

use proc_macro2::Span;

/// A host module: the items of one `#[host_module]` mod.
#[derive(Debug, Clone)]
pub struct Module {
    /// The wasm import module name (`name = "..."`).
    pub name: String,
    /// The Go package name (`go_package = "..."`, defaults to `name`).
    pub go_package: String,
    /// Where the macro writes the Go files, relative to `CARGO_MANIFEST_DIR`.
    pub go_out: Option<String>,
    /// Doc lines of the mod.
    pub docs: Vec<String>,
    /// Records, enums and handles in declaration order.
    pub types: Vec<TypeDef>,
    /// Host functions in declaration order.
    pub funcs: Vec<Func>,
    /// Guest exports (the `extern "Go"` functions) in declaration order.
    pub exports: Vec<Export>,
    /// The Go interface the guest implements (`go_interface = "..."`).
    pub go_interface: String,
    /// The state type the functions borrow (`&S` / `&mut S`), if any does.
    pub state: Option<syn::Type>,
    /// The store data type named by `&mut Caller<X>`, if any function takes one.
    pub caller_state: Option<syn::Type>,
}

/// A type declared in the module.
#[derive(Debug, Clone)]
pub enum TypeDef {
    /// A `pub struct` with named fields, passed by value.
    Record(Record),
    /// A `pub enum`.
    Enum(Enum),
    /// A `#[gohost(handle)]` struct: an opaque host object.
    Handle(Handle),
}

impl TypeDef {
    /// The Rust name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Record(r) => &r.name,
            TypeDef::Enum(e) => &e.name,
            TypeDef::Handle(h) => &h.name,
        }
    }
}

/// A record.
#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    pub docs: Vec<String>,
    pub fields: Vec<Field>,
    pub span: Span,
}

/// A named field of a record or of an enum variant.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust name; for tuple variants the index (`0`, `1`, ...).
    pub name: String,
    pub docs: Vec<String>,
    pub ty: Ty,
}

/// An enum; `error` is set when a function or an export returns
/// `Result<_, ThisEnum>`.
#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub docs: Vec<String>,
    pub variants: Vec<Variant>,
    /// Used as the error type of some `Result`: the Go type implements `error`.
    pub error: bool,
    pub span: Span,
}

impl Enum {
    /// True when no variant carries data (Go: `type E uint32` + constants).
    pub fn is_unit_only(&self) -> bool {
        self.variants.iter().all(|v| v.kind == VariantKind::Unit)
    }
}

/// One variant.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub docs: Vec<String>,
    pub kind: VariantKind,
    pub fields: Vec<Field>,
}

/// The shape of a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantKind {
    Unit,
    Named,
    Tuple,
}

/// An opaque host object.
#[derive(Debug, Clone)]
pub struct Handle {
    pub name: String,
    pub docs: Vec<String>,
    pub span: Span,
}

/// A host function.
#[derive(Debug, Clone)]
pub struct Func {
    /// The Rust name, which is also the wasm import name.
    pub name: String,
    pub docs: Vec<String>,
    /// An `async fn`: the guest's call awaits it (in async calls only).
    /// The Go side does not change.
    pub is_async: bool,
    /// How the first parameter reaches host state, if it does.
    pub state: StateUse,
    /// Guest-visible parameters.
    pub params: Vec<Param>,
    /// The result.
    pub ret: Ret,
    pub span: Span,
}

/// The most parameters of an export called directly (`Instance::call`
/// takes up to 8); an export with more scalar parameters takes them encoded.
pub const MAX_DIRECT_EXPORT_PARAMS: usize = 8;

/// A function the Go guest implements (declared in an `extern "Go"` block),
/// called by the host through a typed client.
#[derive(Debug, Clone)]
pub struct Export {
    /// The Rust name, which is also the wasm export name.
    pub name: String,
    pub docs: Vec<String>,
    /// Parameters; no handles.
    pub params: Vec<Param>,
    /// The result; an error is a module enum or `String` (`ErrTy::Message`).
    pub ret: Ret,
    pub span: Span,
}

impl Export {
    /// True when every parameter and the result are scalars (or no result),
    /// there are at most [`MAX_DIRECT_EXPORT_PARAMS`] parameters and the
    /// export cannot fail: it is called directly with wasm values
    /// (`docs/abi.md`, "Exports").
    pub fn is_direct(&self) -> bool {
        let scalar = |t: &Ty| {
            matches!(
                t,
                Ty::I32 | Ty::U32 | Ty::I64 | Ty::U64 | Ty::F32 | Ty::F64 | Ty::Bool
            )
        };
        self.ret.err.is_none()
            && self.params.len() <= MAX_DIRECT_EXPORT_PARAMS
            && (self.ret.ok == Ty::Unit || scalar(&self.ret.ok))
            && self.params.iter().all(|p| scalar(&p.ty))
    }
}

/// How a function reaches the host state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateUse {
    /// No state parameter.
    None,
    /// `&S`.
    Ref,
    /// `&mut S`.
    Mut,
    /// `&mut Caller<X>`.
    Caller,
}

/// A guest-visible parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The Rust name (`argN` when the pattern is not a plain identifier).
    pub name: String,
    pub ty: Ty,
}

/// A function's result.
#[derive(Debug, Clone)]
pub struct Ret {
    /// The success value (`Ty::Unit` for none).
    pub ok: Ty,
    /// The error of a `Result`, if the function returns one.
    pub err: Option<ErrTy>,
}

/// The `E` of a `Result<T, E>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrTy {
    /// An enum of the module: a typed Go error.
    Enum(String),
    /// Any other `Display` type: the message only.
    Message,
}

/// How a handle is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandleMode {
    /// `&H`.
    Ref,
    /// `&mut H`.
    Mut,
    /// `H`: consumed as a parameter, created as a result.
    Owned,
}

/// A guest-visible type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    Bool,
    /// `u8`, `i8`, `u16`, `i16`: Go `uint8`... on the wire 1 or 2 bytes,
    /// widened to `i32` as direct parameters and results.
    U8,
    I8,
    U16,
    I16,
    /// `usize` and `isize`: Go `uint` and `int`, 8 bytes on the wire (`i64`
    /// direct); the host checks that a guest's value fits its `usize`.
    Usize,
    Isize,
    /// `char`: Go `rune`, a u32 on the wire; the host checks it is a
    /// Unicode scalar value.
    Char,
    /// `[T; N]`: Go `[N]T`, the N elements without a count.
    Array(Box<Ty>, usize),
    /// `HashMap<K, V>` or `BTreeMap<K, V>`: Go `map[K]V`, a count then
    /// the pairs.
    Map {
        kind: MapKind,
        key: Box<Ty>,
        value: Box<Ty>,
    },
    /// `&str` (`owned: false`) or `String`.
    Str {
        owned: bool,
    },
    /// `&[u8]` (`owned: false`) or `Vec<u8>`.
    Bytes {
        owned: bool,
    },
    /// A module record, `&Record` in a parameter when `by_ref`.
    Record {
        name: String,
        by_ref: bool,
    },
    /// A module enum, `&Enum` in a parameter when `by_ref`.
    Enum {
        name: String,
        by_ref: bool,
    },
    Option(Box<Ty>),
    Vec(Box<Ty>),
    /// A handle; only directly as a parameter or result.
    Handle {
        name: String,
        mode: HandleMode,
    },
    /// `()`, only as a result.
    Unit,
}

/// Which Rust map a [`Ty::Map`] is; the wire and Go do not tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapKind {
    /// `std::collections::HashMap`.
    Hash,
    /// `std::collections::BTreeMap`.
    BTree,
}

/// How a value is lowered to wasm (see `docs/abi.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lowering {
    /// One `i32`.
    I32,
    /// One `i64`.
    I64,
    /// One `f32`.
    F32,
    /// One `f64`.
    F64,
    /// `ptr, len` of text.
    Text,
    /// `ptr, len` of bytes.
    Bytes,
    /// A handle, one `i32`.
    Handle,
    /// `ptr, len` of its encoding.
    Encoded,
    /// Nothing (`()`).
    None,
}

impl Ty {
    /// How this type is lowered as a top-level parameter or direct result.
    pub fn lowering(&self) -> Lowering {
        match self {
            Ty::I32 | Ty::U32 | Ty::Bool | Ty::U8 | Ty::I8 | Ty::U16 | Ty::I16 | Ty::Char => {
                Lowering::I32
            }
            Ty::I64 | Ty::U64 | Ty::Usize | Ty::Isize => Lowering::I64,
            Ty::F32 => Lowering::F32,
            Ty::F64 => Lowering::F64,
            Ty::Str { .. } => Lowering::Text,
            Ty::Bytes { .. } => Lowering::Bytes,
            Ty::Handle { .. } => Lowering::Handle,
            Ty::Unit => Lowering::None,
            Ty::Record { .. }
            | Ty::Enum { .. }
            | Ty::Option(_)
            | Ty::Vec(_)
            | Ty::Array(..)
            | Ty::Map { .. } => Lowering::Encoded,
        }
    }

    /// The number of wasm values this parameter lowers to.
    pub fn wasm_arity(&self) -> usize {
        match self.lowering() {
            Lowering::Text | Lowering::Bytes | Lowering::Encoded => 2,
            Lowering::None => 0,
            _ => 1,
        }
    }

    /// True for the types returned directly (no return area): `()`,
    /// scalars and handles.
    pub fn is_direct_result(&self) -> bool {
        matches!(
            self.lowering(),
            Lowering::None
                | Lowering::I32
                | Lowering::I64
                | Lowering::F32
                | Lowering::F64
                | Lowering::Handle
        )
    }

    /// The type as its encoding sees it, which the codec has one helper
    /// for: text, bytes, records and enums owned (`&str` is `String`, `&R`
    /// is `R`), and every map a `HashMap` (Go has one map type).
    pub(crate) fn wire(&self) -> Ty {
        match self {
            Ty::Str { .. } => Ty::Str { owned: true },
            Ty::Bytes { .. } => Ty::Bytes { owned: true },
            Ty::Record { name, .. } => Ty::Record {
                name: name.clone(),
                by_ref: false,
            },
            Ty::Enum { name, .. } => Ty::Enum {
                name: name.clone(),
                by_ref: false,
            },
            Ty::Option(t) => Ty::Option(Box::new(t.wire())),
            Ty::Vec(t) => Ty::Vec(Box::new(t.wire())),
            Ty::Array(t, n) => Ty::Array(Box::new(t.wire()), *n),
            // HashMap and BTreeMap are one Go type, with one codec.
            Ty::Map { key, value, .. } => Ty::Map {
                kind: MapKind::Hash,
                key: Box::new(key.wire()),
                value: Box::new(value.wire()),
            },
            other => other.clone(),
        }
    }

    /// True when the host must validate this parameter (handles, encoded
    /// values, a `char`), which can fail with an ABI error the Go caller
    /// receives. Text cannot fail: it is decoded lossily (`docs/abi.md`).
    ///
    /// The small integers and `usize` are checked too, but a guest cannot
    /// get them wrong through the generated Go (the Go types have the same
    /// range; a 64-bit host's `usize` holds any Go `uint`), so they do not
    /// add an `error` to the Go function: when such a function has no
    /// other way to fail, a bad value from a hand-written guest traps.
    pub fn is_validated(&self) -> bool {
        *self == Ty::Char || matches!(self.lowering(), Lowering::Handle | Lowering::Encoded)
    }
}

impl Func {
    /// The handle this function is a method of in Go: the type of its first
    /// guest parameter, when that is a handle of the module (borrowed or
    /// given).
    pub fn receiver(&self) -> Option<&str> {
        match &self.params.first()?.ty {
            Ty::Handle { name, .. } => Some(name),
            _ => None,
        }
    }

    /// True when the function uses the return area (`docs/abi.md`): its
    /// result is encoded (not a scalar, a handle or `()`).
    pub fn uses_ret_area(&self) -> bool {
        !self.ret.ok.is_direct_result()
    }

    /// True when the function returns its result directly but can fail, so
    /// it reports failures through the guest's status record
    /// (`docs/abi.md`): one more parameter, written only on failure.
    pub fn uses_status(&self) -> bool {
        !self.uses_ret_area() && self.can_fail()
    }

    /// True when the call can fail: it returns `Result` or validates a
    /// parameter. Such functions return a trailing `error` in Go.
    pub fn can_fail(&self) -> bool {
        self.ret.err.is_some() || self.params.iter().any(|p| p.ty.is_validated())
    }

    /// The number of wasm parameters, including the return area or the
    /// status record.
    pub fn wasm_arity(&self) -> usize {
        let extra = if self.uses_ret_area() {
            3
        } else if self.uses_status() {
            1
        } else {
            0
        };
        self.params.iter().map(|p| p.ty.wasm_arity()).sum::<usize>() + extra
    }
}

impl Module {
    /// The type definition named `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name() == name)
    }

    /// The length of `t`'s encoding when it is always the same: numbers,
    /// `bool`, `char`, enums without data, and records and arrays of such (`docs/abi.md`,
    /// "Fixed-size values").
    pub fn fixed_size(&self, t: &Ty) -> Option<usize> {
        self.fixed_size_within(t, 0)
    }

    fn fixed_size_within(&self, t: &Ty, depth: usize) -> Option<usize> {
        // A record that contains itself is refused by rustc after the macro
        // ran; stop here instead of recursing forever.
        if depth > 32 {
            return None;
        }
        match t {
            Ty::Bool | Ty::U8 | Ty::I8 => Some(1),
            Ty::U16 | Ty::I16 => Some(2),
            Ty::I32 | Ty::U32 | Ty::F32 | Ty::Char => Some(4),
            Ty::I64 | Ty::U64 | Ty::F64 | Ty::Usize | Ty::Isize => Some(8),
            Ty::Array(t, n) => self.fixed_size_within(t, depth + 1)?.checked_mul(*n),
            Ty::Enum { name, .. } => match self.type_def(name) {
                Some(TypeDef::Enum(e)) if e.is_unit_only() => Some(4),
                _ => None,
            },
            Ty::Record { name, .. } => match self.type_def(name) {
                Some(TypeDef::Record(r)) => r
                    .fields
                    .iter()
                    .map(|f| self.fixed_size_within(&f.ty, depth + 1))
                    .sum(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The option, list, array and map types used anywhere, as wire types
    /// ([`Ty::wire`]), in first-use order: each gets codec helpers.
    pub(crate) fn composites(&self) -> Vec<Ty> {
        fn walk(t: &Ty, out: &mut Vec<Ty>) {
            match t {
                Ty::Option(i) | Ty::Vec(i) | Ty::Array(i, _) => walk(i, out),
                Ty::Map { key, value, .. } => {
                    walk(key, out);
                    walk(value, out);
                }
                _ => return,
            }
            let w = t.wire();
            if !out.contains(&w) {
                out.push(w);
            }
        }
        let mut out = Vec::new();
        for t in &self.types {
            match t {
                TypeDef::Record(r) => r.fields.iter().for_each(|f| walk(&f.ty, &mut out)),
                TypeDef::Enum(e) => e
                    .variants
                    .iter()
                    .flat_map(|v| &v.fields)
                    .for_each(|f| walk(&f.ty, &mut out)),
                TypeDef::Handle(_) => {}
            }
        }
        for f in &self.funcs {
            f.params.iter().for_each(|p| walk(&p.ty, &mut out));
            walk(&f.ret.ok, &mut out);
        }
        for e in &self.exports {
            e.params.iter().for_each(|p| walk(&p.ty, &mut out));
            walk(&e.ret.ok, &mut out);
        }
        out
    }

    /// True when any function borrows the state (`&S` / `&mut S`).
    pub fn uses_state(&self) -> bool {
        self.state.is_some()
    }
}
