//! The module cache: compiled code of modules loaded with
//! [`Module::from_file`](crate::Module::from_file), so that the next load
//! skips Cranelift.
//!
//! An entry is two files in the cache directory: `<key>.cwasm`, exactly
//! what `wasmtime::Module::serialize` wrote, which the next load maps into
//! memory instead of reading and copying it (wasmtime runs the code and
//! takes the initial memory image from the mapping); and `<key>.meta`, which
//! says what the code is:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `GOHOSTCW` |
//! | 4 | entry format version (u32 LE) |
//! | 32 | SHA-256 of the wasm bytes |
//! | 32 | engine fingerprint: SHA-256 of wasmtime's compatibility hash (its version, target, compiler flags, tunables, features) |
//! | 8 | length of `<key>.cwasm` (u64 LE) |
//! | 4 | CRC-32 of `<key>.cwasm` (u32 LE) |
//!
//! `<key>` is a SHA-256 of both hashes. An entry is used only if every field
//! matches the module being loaded and this engine, and the code file has
//! the recorded length and checksum; anything else (corrupt, truncated, from
//! another wasmtime or configuration, renamed from another module's entry)
//! is ignored and rewritten. Each file is written to a temporary file,
//! flushed to disk and renamed into place, the code first and the meta file
//! last, so a reader never sees a partial file, and a meta file never
//! vouches for code other than the one it was written with. Files are never
//! changed in place, so a mapping stays valid while a writer replaces them.
//! wasmtime checks the code's own version and settings again when it loads
//! it.
//!
//! The checksum guards against accidents (a damaged disk, a tool that
//! rewrote the file), not against someone who can write to the cache
//! directory: they can already change the user's programs. The directory is
//! created readable by its owner only.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

mod index;

pub(crate) use index::FileId;

const MAGIC: &[u8; 8] = b"GOHOSTCW";
const FORMAT_VERSION: u32 = 2;
const META_LEN: usize = 8 + 4 + 32 + 32 + 8 + 4;

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

    /// The cached module for the file at `path`, if the path index knows
    /// its bytes (it has not changed since it was last loaded) and there is
    /// a valid entry for them: neither reads nor hashes the file.
    pub(crate) fn load_unchanged(
        &self,
        engine: &wasmtime::Engine,
        path: &Path,
    ) -> Option<wasmtime::Module> {
        let wasm = index::lookup(&self.dir, path)?;
        self.load(
            engine,
            &Key {
                wasm,
                engine: self.engine,
            },
        )
    }

    /// Records in the path index that the file at `path`, whose identity
    /// was `id` before it was read, held the bytes of `key`.
    pub(crate) fn remember(&self, path: &Path, id: Option<FileId>, key: &Key) {
        if let Some(id) = id {
            index::record(&self.dir, path, id, &key.wasm);
        }
    }

    /// Where the entry for `key` lives: its code file and its meta file.
    pub(crate) fn paths(&self, key: &Key) -> (PathBuf, PathBuf) {
        let mut h = Sha256::new();
        h.update(key.wasm);
        h.update(key.engine);
        let name = file_name(&h.finalize());
        (
            self.dir.join(format!("{name}.cwasm")),
            self.dir.join(format!("{name}.meta")),
        )
    }

    /// The cached module for `key`, if there is a valid entry.
    pub(crate) fn load(&self, engine: &wasmtime::Engine, key: &Key) -> Option<wasmtime::Module> {
        let (code_path, meta_path) = self.paths(key);
        let meta = parse_meta(&fs::read(meta_path).ok()?, key)?;
        let mut code = fs::File::open(&code_path).ok()?;
        if checksum(&mut code).ok()? != (meta.len, meta.crc) {
            return None;
        }
        let same_file = code.try_clone().ok()?;
        // SAFETY: `deserialize_open_file` must only see bytes that
        // `Module::serialize` produced, since compiled code is executed as
        // it is, and the file must not change while the module lives, since
        // it is mapped rather than copied. Both hold: the file is our own
        // cache entry, written by `store` below with the meta file that was
        // just checked, which names this exact module (SHA-256 of the wasm
        // bytes) and this engine (SHA-256 of wasmtime's version and
        // compilation settings), and the file has the length and CRC-32
        // recorded when it was serialized. A corrupt, truncated or foreign
        // entry fails these checks and is never passed here. Entries are
        // replaced by renaming a new file over them, never rewritten in
        // place, so the mapped file keeps its contents (only someone who can
        // write to the cache directory could change it, and they can already
        // change the user's programs). wasmtime itself rejects code from
        // another version or configuration with an error.
        match unsafe { wasmtime::Module::deserialize_open_file(engine, code) } {
            Ok(module) => Some(module),
            // A cache on a file system mounted `noexec` cannot be mapped
            // executable; a copy in memory can.
            Err(_) => {
                let bytes = read_from_start(same_file).ok()?;
                if (bytes.len() as u64, crc32fast::hash(&bytes)) != (meta.len, meta.crc) {
                    return None;
                }
                // SAFETY: as above; these are the checked bytes of the same
                // open file, copied rather than mapped.
                unsafe { wasmtime::Module::deserialize(engine, bytes) }.ok()
            }
        }
    }

    /// Writes `module`'s entry, best effort: a cache that cannot be written
    /// (read-only home, full disk) only costs the next load a compilation.
    pub(crate) fn store(&self, key: &Key, module: &wasmtime::Module) {
        let _ = self.try_store(key, module);
    }

    fn try_store(&self, key: &Key, module: &wasmtime::Module) -> std::io::Result<()> {
        let code = module
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        create_private_dir(&self.dir)?;
        let (code_path, meta_path) = self.paths(key);
        // The code first: the meta file is what makes an entry valid.
        write_atomically(&code_path, &code)?;
        write_atomically(&meta_path, &meta(key, &code))
    }
}

/// Writes `path` through a temporary file in the same directory, flushed to
/// disk and renamed into place, so that readers see the old file or the
/// whole new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Unique per process and call, so that concurrent writers do not share
    // a temporary file.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = path.with_file_name(format!(
        ".{}.{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

fn read_from_start(mut file: fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::Seek;
    file.rewind()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What a meta file records about its code file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Meta {
    len: u64,
    crc: u32,
}

fn meta(key: &Key, code: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(META_LEN);
    m.extend_from_slice(MAGIC);
    m.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    m.extend_from_slice(&key.wasm);
    m.extend_from_slice(&key.engine);
    m.extend_from_slice(&(code.len() as u64).to_le_bytes());
    m.extend_from_slice(&crc32fast::hash(code).to_le_bytes());
    m
}

/// The code file's length and checksum if `meta` is a meta file for `key`.
fn parse_meta(meta: &[u8], key: &Key) -> Option<Meta> {
    if meta.len() != META_LEN {
        return None;
    }
    let (magic, m) = meta.split_at(8);
    let (version, m) = m.split_at(4);
    let (wasm, m) = m.split_at(32);
    let (engine, m) = m.split_at(32);
    let (len, crc) = m.split_at(8);
    let matches = magic == MAGIC
        && version == FORMAT_VERSION.to_le_bytes()
        && wasm == key.wasm
        && engine == key.engine;
    matches.then(|| Meta {
        len: u64::from_le_bytes(len.try_into().unwrap_or_default()),
        crc: u32::from_le_bytes(crc.try_into().unwrap_or_default()),
    })
}

/// The length and CRC-32 of what `file` holds, read in chunks (the code is
/// then mapped, so it is never held in memory twice).
fn checksum(file: &mut fs::File) -> std::io::Result<(u64, u32)> {
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut len = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok((len, hasher.finalize())),
            Ok(n) => {
                hasher.update(&buf[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// A cache file's name from a SHA-256 digest: its first 20 bytes in hex.
pub(crate) fn file_name(digest: &[u8]) -> String {
    digest[..20].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Config, Engine, EngineKind, Module};
    use crate::linker::Linker;
    use crate::wasi::WasiConfig;

    fn engine(dir: &Path, fuel: bool) -> Engine {
        Engine::new(wasmtime().cache_dir(dir).consume_fuel(fuel))
    }

    /// The settings of a wasmtime engine, which alone has the cache.
    fn wasmtime() -> Config {
        let mut config = Config::new();
        config.engine(EngineKind::Wasmtime);
        config
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
        let code = entries(&cache).pop().expect("an entry");
        let meta = code.with_extension("meta");
        let (good_code, good_meta) = (read(&code), read(&meta));

        let flip = |mut b: Vec<u8>, at: usize| {
            b[at] ^= 0x10;
            b
        };
        let mid = good_code.len() / 2;
        // Damaged code: a flipped bit, truncated, empty, garbage, longer.
        let mut longer = good_code.clone();
        longer.push(0);
        let bad_code = [
            flip(good_code.clone(), mid),
            good_code[..good_code.len() - 100].to_vec(),
            Vec::new(),
            b"\x7fELF not really".to_vec(),
            longer,
        ];
        // A damaged meta file: each field, truncated, missing.
        let bad_meta = [
            flip(good_meta.clone(), 0),
            flip(good_meta.clone(), 8),
            flip(good_meta.clone(), 12),
            flip(good_meta.clone(), 44),
            flip(good_meta.clone(), 76),
            flip(good_meta.clone(), 84),
            good_meta[..META_LEN - 1].to_vec(),
        ];
        let damage = bad_code
            .into_iter()
            .map(|b| (code.clone(), b))
            .chain(bad_meta.into_iter().map(|b| (meta.clone(), b)));
        for (file, bad) in damage {
            fs::write(&file, &bad).expect("damage entry");
            assert_eq!(call_f(&engine, &wasm), 3);
            assert_eq!(read(&code), good_code, "the code is rewritten");
            assert_eq!(read(&meta), good_meta, "the meta file is rewritten");
        }
        fs::remove_file(&meta).expect("remove meta");
        assert_eq!(call_f(&engine, &wasm), 3);
        assert_eq!(read(&meta), good_meta, "a missing meta file is rewritten");
    }

    fn read(p: &Path) -> Vec<u8> {
        fs::read(p).expect("read entry")
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
        // Put module one's code where module two's entry belongs, with and
        // without its meta file.
        fs::copy(&entry_one, &entry_two).expect("copy");
        assert_eq!(call_f(&engine, &two), 2, "module two runs its own code");
        fs::copy(&entry_one, &entry_two).expect("copy");
        fs::copy(
            entry_one.with_extension("meta"),
            entry_two.with_extension("meta"),
        )
        .expect("copy");
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
        // The plain engine's entry under the metered engine's name is refused.
        fs::copy(&plain_entry, &metered_entry).expect("copy");
        fs::copy(
            plain_entry.with_extension("meta"),
            metered_entry.with_extension("meta"),
        )
        .expect("copy");
        assert_eq!(call_f(&metered, &wasm), 5);
        let rewritten = fs::read(&metered_entry).expect("read");
        assert_ne!(rewritten, fs::read(&plain_entry).expect("read"));
    }

    #[test]
    fn the_cache_can_be_turned_off() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let engine = Engine::new(wasmtime().cache_dir(&cache).cache(false));
        let wasm = module_file(tmp.path(), 9);
        assert_eq!(call_f(&engine, &wasm), 9);
        assert!(!cache.exists());
    }

    #[test]
    fn the_meta_file_is_checked_field_by_field() {
        let key = Key {
            wasm: [1; 32],
            engine: [2; 32],
        };
        let m = meta(&key, b"code");
        let expected = Meta {
            len: 4,
            crc: crc32fast::hash(b"code"),
        };
        assert_eq!(parse_meta(&m, &key), Some(expected));
        let other_wasm = Key {
            wasm: [3; 32],
            ..key
        };
        let other_engine = Key {
            engine: [3; 32],
            ..key
        };
        assert_eq!(parse_meta(&m, &other_wasm), None);
        assert_eq!(parse_meta(&m, &other_engine), None);
        let mut longer = m.clone();
        longer.push(0);
        assert_eq!(parse_meta(&longer, &key), None);
        assert_eq!(parse_meta(&m[..META_LEN - 1], &key), None);
    }

    #[test]
    fn the_checksum_reads_the_whole_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("f");
        let bytes: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).expect("write");
        let mut f = fs::File::open(&path).expect("open");
        assert_eq!(
            checksum(&mut f).expect("checksum"),
            (bytes.len() as u64, crc32fast::hash(&bytes))
        );
    }
}
