//! What a plugin folder holds: one plugin per manifest (`NAME.toml`) and
//! one per module without a manifest (`NAME.wasm`), each read in full and
//! fingerprinted, so that a rescan can tell which plugins changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::manifest::Manifest;
use crate::manifest::{hex, sha256_hex};

/// A plugin as found in the folder, ready to be compiled.
#[derive(Debug)]
pub(crate) struct Found {
    /// The module's bytes (its SHA-256 checked, if a manifest pins it).
    pub(crate) wasm: Vec<u8>,
    /// Where they came from, for messages.
    pub(crate) wasm_path: PathBuf,
    pub(crate) manifest: Option<Manifest>,
    /// The SHA-256 of the module.
    pub(crate) sha256: String,
    /// Changes when the module or the manifest changes.
    pub(crate) fingerprint: String,
}

/// Every plugin of `dir` by name, or why it cannot be loaded. Fails only
/// when the folder itself cannot be read.
///
/// A `.wasm` file is a plugin of its own unless a manifest of the folder
/// names it or a manifest has its name (`counter.toml` governs
/// `counter.wasm` even when it does not parse). Names starting with `.` are
/// skipped: editors and build tools write their temporary files so.
pub(crate) fn scan(dir: &Path) -> Result<BTreeMap<String, Result<Found, Error>>, Error> {
    let io = |e: std::io::Error| {
        Error::Config(format!(
            "cannot read the plugin folder {}: {e}",
            dir.display()
        ))
    };
    let mut manifests = BTreeMap::new();
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let (Some(stem), Some(ext)) = (path.file_stem(), path.extension()) else {
            continue;
        };
        let stem = stem.to_string_lossy().into_owned();
        if stem.starts_with('.') || !path.is_file() {
            continue;
        }
        match ext.to_str() {
            Some("toml") => manifests.insert(stem, path),
            Some("wasm") => modules.insert(stem, path),
            _ => None,
        };
    }
    let mut found = BTreeMap::new();
    let mut governed = BTreeSet::new();
    for (name, path) in manifests {
        let plugin = read_manifest(&path);
        if let Ok(f) = &plugin {
            governed.insert(same_file(&f.wasm_path));
        }
        found.insert(name, plugin);
    }
    for (name, path) in modules {
        if found.contains_key(&name) || governed.contains(&same_file(&path)) {
            continue;
        }
        found.insert(name, read_module(&path));
    }
    Ok(found)
}

fn read_manifest(path: &Path) -> Result<Found, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Manifest {
        path: path.display().to_string(),
        line: None,
        message: format!("cannot read it: {e}"),
    })?;
    let manifest = Manifest::parse(&text, path)?;
    let wasm = manifest.read_wasm()?;
    let mut found = found(wasm, manifest.wasm.clone());
    found.fingerprint = hex(&Sha256::new()
        .chain_update(found.sha256.as_bytes())
        .chain_update(text.as_bytes())
        .finalize());
    found.manifest = Some(manifest);
    Ok(found)
}

fn read_module(path: &Path) -> Result<Found, Error> {
    let wasm = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(found(wasm, path.to_owned()))
}

fn found(wasm: Vec<u8>, wasm_path: PathBuf) -> Found {
    let sha256 = sha256_hex(&wasm);
    Found {
        wasm,
        wasm_path,
        manifest: None,
        fingerprint: sha256.clone(),
        sha256,
    }
}

/// A path to compare files by: canonical when it resolves, so that
/// `./a.wasm` and `a.wasm` are the same module.
fn same_file(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        std::fs::write(dir.join(name), bytes).expect("write");
    }

    #[test]
    fn manifests_govern_their_modules_and_everything_else_stands_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        write(d, "plain.wasm", b"\0asm plain");
        write(d, "pinned.toml", b"wasm = \"shared.wasm\"\n");
        write(d, "shared.wasm", b"\0asm shared");
        write(d, "broken.toml", b"wasm = 3\n");
        write(d, "broken.wasm", b"\0asm broken");
        write(d, ".plain.wasm.tmp", b"partial");
        write(d, ".hidden.wasm", b"partial");
        write(d, "notes.txt", b"not a plugin");
        let found = scan(d).expect("scan");
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            ["broken", "pinned", "plain"]
        );
        let pinned = found["pinned"].as_ref().expect("pinned");
        assert_eq!(pinned.wasm, b"\0asm shared");
        assert!(pinned.manifest.is_some());
        assert_ne!(pinned.fingerprint, pinned.sha256);
        let plain = found["plain"].as_ref().expect("plain");
        assert_eq!(plain.fingerprint, plain.sha256);
        let broken = found["broken"].as_ref().expect_err("broken manifest");
        assert!(
            broken.to_string().contains("broken.toml, line 1"),
            "{broken}"
        );
    }

    #[test]
    fn a_manifest_change_alone_changes_the_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        write(d, "p.wasm", b"\0asm");
        write(
            d,
            "p.toml",
            b"wasm = \"p.wasm\"\n[config]\nversion = \"1\"\n",
        );
        let before = scan(d).expect("scan").remove("p").expect("p").expect("ok");
        write(
            d,
            "p.toml",
            b"wasm = \"p.wasm\"\n[config]\nversion = \"2\"\n",
        );
        let after = scan(d).expect("scan").remove("p").expect("p").expect("ok");
        assert_eq!(before.sha256, after.sha256);
        assert_ne!(before.fingerprint, after.fingerprint);
    }

    #[test]
    fn an_unreadable_folder_is_an_error() {
        let err = scan(Path::new("/no/such/folder")).expect_err("missing folder");
        assert!(
            err.to_string().starts_with(
                "invalid configuration: cannot read the plugin folder /no/such/folder: "
            ),
            "{err}"
        );
    }
}
