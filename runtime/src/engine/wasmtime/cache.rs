//! The module cache: compiled code of modules loaded with
//! [`Module::from_file`](super::Module::from_file), so that the next load
//! skips Cranelift.
//!
//! An entry is one file, `<key>.cwasm`, in the cache directory:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `GOHOSTCW` |
//! | 4 | entry format version (u32 LE) |
//! | 32 | SHA-256 of the wasm bytes |
//! | 32 | engine fingerprint: SHA-256 of wasmtime's compatibility hash (its version, target, compiler flags, tunables, features) |
//! | 8 | payload length (u64 LE) |
//! | 4 | CRC-32 of the payload (u32 LE) |
//! | n | payload: `wasmtime::Module::serialize` output |
//!
//! `<key>` is a SHA-256 of both hashes. An entry is used only if every header
//! field matches the module being loaded and this engine, and the payload has
//! the recorded length and checksum; anything else (corrupt, truncated, from
//! another wasmtime or configuration, renamed from another module's entry)
//! is ignored and rewritten. Entries are written to a temporary file,
//! flushed to disk and renamed into place, so a reader never sees a partial
//! one. wasmtime checks the payload's own version and settings again when it
//! loads it.
//!
//! The checksum guards against accidents (a damaged disk, a tool that
//! rewrote the file), not against someone who can write to the cache
//! directory: they can already change the user's programs. The directory is
//! created readable by its owner only.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"GOHOSTCW";
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 32 + 32 + 8 + 4;

/// The cache directory from the environment: `$GOHOST_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/gohost`, else `~/.cache/gohost`.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("GOHOST_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("gohost"));
    }
    var("HOME").map(|home| home.join(".cache").join("gohost"))
}

/// A cache directory for one engine configuration.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
    engine: [u8; 32],
}

/// Identifies one module's entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    wasm: [u8; 32],
    engine: [u8; 32],
}

/// Feeds what `Hash` writes into a SHA-256.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Only the digest is used; `Hash` implementations never call this.
        0
    }
}

impl Cache {
    pub(crate) fn new(dir: PathBuf, engine: &wasmtime::Engine) -> Self {
        let mut h = Sha256Hasher(Sha256::new());
        h.write(MAGIC);
        h.write(&FORMAT_VERSION.to_le_bytes());
        engine.precompile_compatibility_hash().hash(&mut h);
        Cache {
            dir,
            engine: h.0.finalize().into(),
        }
    }

    pub(crate) fn key(&self, wasm: &[u8]) -> Key {
        Key {
            wasm: Sha256::digest(wasm).into(),
            engine: self.engine,
        }
    }

    /// Where the entry for `key` lives.
    pub(crate) fn path(&self, key: &Key) -> PathBuf {
        let mut h = Sha256::new();
        h.update(key.wasm);
        h.update(key.engine);
        let name: String = h.finalize()[..20]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{name}.cwasm"))
    }

    /// The cached module for `key`, if there is a valid entry.
    pub(crate) fn load(&self, engine: &wasmtime::Engine, key: &Key) -> Option<wasmtime::Module> {
        let bytes = fs::read(self.path(key)).ok()?;
        let payload = verify(&bytes, key)?;
        // SAFETY: `deserialize` must only see bytes that `Module::serialize`
        // produced, since compiled code is executed as it is. These are: the
        // file is our own cache entry, written atomically (temporary file,
        // fsync, rename) by `store` below; its header matches this exact
        // module (SHA-256 of the wasm bytes) and this engine (SHA-256 of
        // wasmtime's version and compilation settings); and the payload has
        // the length and CRC-32 that were recorded when it was serialized.
        // A corrupt, truncated or foreign entry fails `verify` and is never
        // passed here. wasmtime itself rejects payloads from another version
        // or configuration with an error.
        unsafe { wasmtime::Module::deserialize(engine, payload) }.ok()
    }

    /// Writes `module`'s entry, best effort: a cache that cannot be written
    /// (read-only home, full disk) only costs the next load a compilation.
    pub(crate) fn store(&self, key: &Key, module: &wasmtime::Module) {
        let _ = self.try_store(key, module);
    }

    fn try_store(&self, key: &Key, module: &wasmtime::Module) -> std::io::Result<()> {
        let payload = module
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        create_private_dir(&self.dir)?;
        let path = self.path(key);
        // Unique per process and call, in the same directory so that the
        // rename is atomic.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&header(key, &payload))?;
            f.write_all(&payload)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }
}

fn header(key: &Key, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    h.extend_from_slice(&key.wasm);
    h.extend_from_slice(&key.engine);
    h.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    h.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    h
}

/// The payload of `entry` if its header matches `key` and the payload is
/// intact; `None` otherwise.
fn verify<'a>(entry: &'a [u8], key: &Key) -> Option<&'a [u8]> {
    if entry.len() < HEADER_LEN {
        return None;
    }
    let (h, payload) = entry.split_at(HEADER_LEN);
    let (magic, h) = h.split_at(8);
    let (version, h) = h.split_at(4);
    let (wasm, h) = h.split_at(32);
    let (engine, h) = h.split_at(32);
    let (len, crc) = h.split_at(8);
    let ok = magic == MAGIC
        && version == FORMAT_VERSION.to_le_bytes()
        && wasm == key.wasm
        && engine == key.engine
        && len == (payload.len() as u64).to_le_bytes()
        && crc == crc32fast::hash(payload).to_le_bytes();
    ok.then_some(payload)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Engine, Linker, Module, WasiConfig};

    fn engine(dir: &Path, fuel: bool) -> Engine {
        Engine::new(Config::new().cache_dir(dir).consume_fuel(fuel))
    }

    /// A module whose export `f` returns `n`.
    fn module_file(dir: &Path, n: i32) -> PathBuf {
        let path = dir.join(format!("m{n}.wasm"));
        let wasm = wat::parse_str(format!(
            r#"(module (memory (export "memory") 1) (func (export "f") (result i32) i32.const {n}))"#
        ))
        .expect("wat");
        fs::write(&path, wasm).expect("write wasm");
        path
    }

    fn call_f(engine: &Engine, path: &Path) -> i32 {
        let module = Module::from_file(engine, path).expect("load");
        let linker = Linker::<()>::new(engine);
        let mut instance = linker
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("instantiate");
        instance.call("f", ()).expect("call f")
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
        v.sort();
        v
    }

    #[cfg(unix)]
    fn inode(p: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).expect("stat"))
    }

    #[test]
    fn a_valid_entry_is_reused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let engine = engine(&cache, false);
        let wasm = module_file(tmp.path(), 7);
        assert_eq!(call_f(&engine, &wasm), 7);
        let e = entries(&cache);
        assert_eq!(e.len(), 1, "{e:?}");
        #[cfg(unix)]
        {
            let before = inode(&e[0]);
            assert_eq!(call_f(&engine, &wasm), 7);
            assert_eq!(inode(&e[0]), before, "a valid entry is not rewritten");
        }
    }

    #[test]
    fn corrupt_and_truncated_entries_are_rebuilt() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let engine = engine(&cache, false);
        let wasm = module_file(tmp.path(), 3);
        assert_eq!(call_f(&engine, &wasm), 3);
        let entry = entries(&cache).pop().expect("an entry");
        let good = fs::read(&entry).expect("read entry");

        // One flipped bit in the compiled code, in the header, a truncated
        // file, an empty file, garbage.
        let mut flipped = good.clone();
        let mid = HEADER_LEN + (good.len() - HEADER_LEN) / 2;
        flipped[mid] ^= 0x10;
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        let damaged = [
            flipped,
            bad_magic,
            good[..good.len() - 100].to_vec(),
            good[..HEADER_LEN].to_vec(),
            Vec::new(),
            b"\x7fELF not really".to_vec(),
        ];
        for bad in damaged {
            fs::write(&entry, &bad).expect("damage entry");
            assert_eq!(call_f(&engine, &wasm), 3);
            assert_eq!(
                fs::read(&entry).expect("read entry"),
                good,
                "the entry is rewritten"
            );
        }
    }

    #[test]
    fn another_modules_entry_is_not_executed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let engine = engine(&cache, false);
        let (one, two) = (module_file(tmp.path(), 1), module_file(tmp.path(), 2));
        assert_eq!(call_f(&engine, &one), 1);
        let entry_one = entries(&cache).pop().expect("an entry");
        assert_eq!(call_f(&engine, &two), 2);
        let entry_two = entries(&cache)
            .into_iter()
            .find(|e| *e != entry_one)
            .expect("a second entry");
        // Put module one's code where module two's entry belongs.
        fs::copy(&entry_one, &entry_two).expect("copy");
        assert_eq!(call_f(&engine, &two), 2, "module two runs its own code");
        assert_eq!(call_f(&engine, &one), 1);
    }

    #[test]
    fn another_configurations_entry_is_not_used() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let wasm = module_file(tmp.path(), 5);
        let plain = engine(&cache, false);
        assert_eq!(call_f(&plain, &wasm), 5);
        let plain_entry = entries(&cache).pop().expect("an entry");
        // A fuel-metering engine compiles other code: its own entry.
        let metered = engine(&cache, true);
        assert_eq!(call_f(&metered, &wasm), 5);
        let all = entries(&cache);
        assert_eq!(all.len(), 2, "{all:?}");
        let metered_entry = all.into_iter().find(|e| *e != plain_entry).expect("entry");
        // The plain engine's code under the metered engine's name is refused.
        fs::copy(&plain_entry, &metered_entry).expect("copy");
        assert_eq!(call_f(&metered, &wasm), 5);
        let rewritten = fs::read(&metered_entry).expect("read");
        assert_ne!(rewritten, fs::read(&plain_entry).expect("read"));
    }

    #[test]
    fn the_cache_can_be_turned_off() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let engine = Engine::new(Config::new().cache_dir(&cache).cache(false));
        let wasm = module_file(tmp.path(), 9);
        assert_eq!(call_f(&engine, &wasm), 9);
        assert!(!cache.exists());
    }

    #[test]
    fn the_header_is_checked_field_by_field() {
        let key = Key {
            wasm: [1; 32],
            engine: [2; 32],
        };
        let payload = b"payload".to_vec();
        let mut entry = header(&key, &payload);
        entry.extend_from_slice(&payload);
        assert_eq!(verify(&entry, &key), Some(&payload[..]));
        let other_wasm = Key {
            wasm: [3; 32],
            ..key
        };
        let other_engine = Key {
            engine: [3; 32],
            ..key
        };
        assert_eq!(verify(&entry, &other_wasm), None);
        assert_eq!(verify(&entry, &other_engine), None);
        let mut longer = entry.clone();
        longer.push(0);
        assert_eq!(verify(&longer, &key), None);
    }
}
