//! What a wasm module declares, read with `wasmparser`: imports and exports
//! with their signatures, memories, the custom sections Go writes, and the
//! data segments (where Go keeps its module information).

use serde::Serialize;
use wasmparser::{ExternalKind, KnownCustom, Parser, Payload, TypeRef, ValType};

/// One import or export.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// The import's module; `None` for exports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub name: String,
    /// `func`, `memory`, `table`, `global` or `tag`.
    pub kind: &'static str,
    /// A function's signature as wasm text reads it: `(i32, i32) -> i32`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A linear memory.
#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    pub min_pages: u64,
    pub max_pages: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
    /// Whether it is imported rather than defined by the module.
    pub imported: bool,
}

/// The parts of a module `gohost inspect` reports.
#[derive(Debug, Default)]
pub struct ModuleInfo {
    pub imports: Vec<Item>,
    pub exports: Vec<Item>,
    pub memories: Vec<Memory>,
    /// The `producers` section: (field, name, version), e.g.
    /// `("language", "Go", "go1.26.8")`.
    pub producers: Vec<(String, String, String)>,
    /// The `go:buildid` section's text.
    pub go_build_id: Option<String>,
    /// The bytes of the active and passive data segments.
    pub data: Vec<Vec<u8>>,
}

impl ModuleInfo {
    /// Reads `bytes`; a file that is not a whole, valid wasm module is an
    /// error that says what is wrong and where.
    pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, String> {
        if !bytes.starts_with(b"\0asm") {
            return Err(if bytes.is_empty() {
                "the file is empty".to_owned()
            } else {
                "not a WebAssembly module (it does not start with \\0asm)".to_owned()
            });
        }
        let mut info = ModuleInfo::default();
        let mut types = Vec::new();
        let mut func_types = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.map_err(|e| describe(&e))? {
                Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                    return Err("a WebAssembly component, not a core module".to_owned());
                }
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        types.push(Some(ty.map_err(|e| describe(&e))?));
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import.map_err(|e| describe(&e))?;
                        let (kind, signature) = match import.ty {
                            TypeRef::Func(t) => {
                                func_types.push(t);
                                ("func", Some(signature(&types, t)))
                            }
                            TypeRef::Memory(m) => {
                                info.memories.push(memory(&m, true));
                                ("memory", None)
                            }
                            TypeRef::Table(_) => ("table", None),
                            TypeRef::Global(_) => ("global", None),
                            TypeRef::Tag(_) => ("tag", None),
                        };
                        info.imports.push(Item {
                            module: Some(import.module.to_owned()),
                            name: import.name.to_owned(),
                            kind,
                            signature,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        func_types.push(t.map_err(|e| describe(&e))?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for m in reader {
                        info.memories
                            .push(memory(&m.map_err(|e| describe(&e))?, false));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| describe(&e))?;
                        let (kind, signature) = match export.kind {
                            ExternalKind::Func => (
                                "func",
                                func_types
                                    .get(export.index as usize)
                                    .map(|&t| signature(&types, t)),
                            ),
                            ExternalKind::Memory => ("memory", None),
                            ExternalKind::Table => ("table", None),
                            ExternalKind::Global => ("global", None),
                            ExternalKind::Tag => ("tag", None),
                        };
                        info.exports.push(Item {
                            module: None,
                            name: export.name.to_owned(),
                            kind,
                            signature,
                        });
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        info.data
                            .push(data.map_err(|e| describe(&e))?.data.to_vec());
                    }
                }
                Payload::CustomSection(reader) => match reader.as_known() {
                    KnownCustom::Producers(fields) => {
                        for field in fields {
                            let field = field.map_err(|e| describe(&e))?;
                            for value in field.values {
                                let value = value.map_err(|e| describe(&e))?;
                                info.producers.push((
                                    field.name.to_owned(),
                                    value.name.to_owned(),
                                    value.version.to_owned(),
                                ));
                            }
                        }
                    }
                    _ if reader.name() == "go:buildid" => {
                        let text = String::from_utf8_lossy(reader.data());
                        info.go_build_id = text
                            .split('"')
                            .nth(1)
                            .map(str::to_owned)
                            .or_else(|| Some(text.trim().to_owned()));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(info)
    }

    /// The export named `name`, if any.
    pub fn export(&self, name: &str) -> Option<&Item> {
        self.exports.iter().find(|e| e.name == name)
    }
}

fn describe(e: &wasmparser::BinaryReaderError) -> String {
    let what = e.message();
    if what.contains("unexpected end") {
        format!(
            "the module is truncated (at byte {:#x}): {what}",
            e.offset()
        )
    } else {
        format!("invalid wasm at byte {:#x}: {what}", e.offset())
    }
}

fn memory(m: &wasmparser::MemoryType, imported: bool) -> Memory {
    Memory {
        min_pages: m.initial,
        max_pages: m.maximum,
        memory64: m.memory64,
        shared: m.shared,
        imported,
    }
}

/// `(i32, i32) -> i32` for the function type `index`.
fn signature(types: &[Option<wasmparser::FuncType>], index: u32) -> String {
    let Some(Some(ty)) = types.get(index as usize) else {
        return format!("(type {index})");
    };
    let list = |v: &[ValType]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match ty.results() {
        [] => format!("({})", list(ty.params())),
        [one] => format!("({}) -> {one}", list(ty.params())),
        many => format!("({}) -> ({})", list(ty.params()), list(many)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_says_what_is_wrong() {
        assert_eq!(
            ModuleInfo::parse(b"").expect_err("bad input"),
            "the file is empty"
        );
        assert!(ModuleInfo::parse(b"#!/bin/sh\n")
            .expect_err("bad input")
            .contains("not a WebAssembly module"));
        let wasm = wat::parse_str(
            r#"(module (func (export "f") (param i32) (result i64) (i64.const 1)))"#,
        )
        .expect("wat");
        let truncated = &wasm[..wasm.len() - 3];
        assert!(ModuleInfo::parse(truncated)
            .expect_err("bad input")
            .contains("truncated"));
        let info = ModuleInfo::parse(&wasm).expect("valid");
        assert_eq!(info.exports[0].signature.as_deref(), Some("(i32) -> i64"));
    }
}
