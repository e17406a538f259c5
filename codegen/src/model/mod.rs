//! The ABI model of one host module: what crosses the wire, nothing else.
//!
//! Built from a `syn::ItemMod` by the parser (`parse`), consumed by the Rust
//! emitter, the Go emitter and the fingerprint. The model is versioned by
//! [`crate::ABI_VERSION`]; see `docs/abi.md` for the wire contract. This
//! file declares it; `abi` holds the rules of the ABI over it (lowering,
//! return area and status record, fixed sizes, wire types).

mod abi;

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
}

impl Module {
    /// The type definition named `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name() == name)
    }

    /// True when any function borrows the state (`&S` / `&mut S`).
    pub fn uses_state(&self) -> bool {
        self.state.is_some()
    }
}
