//! The path index: which wasm bytes a file held when it was last loaded, so
//! that loading an unchanged file again needs neither reading nor hashing
//! it (for a Go program, that is most of a cached start).
//!
//! One small file per wasm path, `index/<SHA-256 of the canonical path>`:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `GOHOSTIX` |
//! | 4 | index format version (u32 LE) |
//! | 56 | the file's identity: device, inode, size, modification and change times (seconds and nanoseconds), each u64 LE |
//! | 32 | SHA-256 of the bytes the file held |
//!
//! The identity is taken *before* the file is read, so a file that changes
//! while it is read has another identity next time and is hashed again. Any
//! write to a file updates its change time, which no tool can set back, so
//! a file whose identity matches holds the recorded bytes, with one caveat:
//! file systems keep times at a coarse granularity (a clock tick, or two
//! seconds), so two writes of the same size in one tick leave the identity
//! unchanged. A file changed within [`RACY`] of being recorded is therefore
//! not recorded (as git treats "racily clean" files): it is hashed on every
//! load until it has been left alone for that long. Unix only; elsewhere
//! every load hashes the file.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"GOHOSTIX";
const VERSION: u32 = 1;
const ID_LEN: usize = 7 * 8;
const ENTRY_LEN: usize = 8 + 4 + ID_LEN + 32;

/// How long a file must be left alone before it is recorded: longer than
/// any file system's timestamp granularity.
const RACY: Duration = Duration::from_secs(3);

/// What identifies a file's contents without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId([u64; 7]);

impl FileId {
    /// The identity of the file at `path` as it is now.
    #[cfg(unix)]
    pub(crate) fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path).ok()?;
        let time = |t: i64| u64::try_from(t).ok();
        Some(FileId([
            m.dev(),
            m.ino(),
            m.size(),
            time(m.mtime())?,
            time(m.mtime_nsec())?,
            time(m.ctime())?,
            time(m.ctime_nsec())?,
        ]))
    }

    #[cfg(not(unix))]
    pub(crate) fn of(_path: &Path) -> Option<FileId> {
        None
    }

    /// When the file's contents or metadata last changed.
    fn changed_at(&self) -> SystemTime {
        let [.., m_s, m_ns, c_s, c_ns] = self.0;
        let at = |s: u64, ns: u64| SystemTime::UNIX_EPOCH + Duration::new(s, ns as u32);
        at(m_s, m_ns).max(at(c_s, c_ns))
    }
}

/// The index file of the wasm file at `path`, in the cache directory `dir`.
fn entry_path(dir: &Path, path: &Path) -> Option<PathBuf> {
    let canonical = fs::canonicalize(path).ok()?;
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    Some(dir.join("index").join(super::file_name(&digest)))
}

/// The SHA-256 of the bytes of the file at `path`, if it is recorded and
/// the file has not changed since.
pub(crate) fn lookup(dir: &Path, path: &Path) -> Option<[u8; 32]> {
    let id = FileId::of(path)?;
    let entry = fs::read(entry_path(dir, path)?).ok()?;
    parse(&entry, id)
}

/// Records that the file at `path`, with identity `id` (taken before it was
/// read), held bytes whose SHA-256 is `wasm`. Best effort.
pub(crate) fn record(dir: &Path, path: &Path, id: FileId, wasm: &[u8; 32]) {
    let settled = SystemTime::now()
        .duration_since(id.changed_at())
        .is_ok_and(|age| age >= RACY);
    if !settled {
        return;
    }
    let Some(file) = entry_path(dir, path) else {
        return;
    };
    if let Some(parent) = file.parent() {
        if super::create_private_dir(parent).is_err() {
            return;
        }
    }
    let _ = super::write_atomically(&file, &encode(id, wasm));
}

/// The magic, the version and the identity: what an entry for `id` starts
/// with.
fn head(id: FileId) -> Vec<u8> {
    let mut h = Vec::with_capacity(ENTRY_LEN);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&VERSION.to_le_bytes());
    for v in id.0 {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h
}

fn encode(id: FileId, wasm: &[u8; 32]) -> Vec<u8> {
    let mut e = head(id);
    e.extend_from_slice(wasm);
    e
}

fn parse(entry: &[u8], id: FileId) -> Option<[u8; 32]> {
    if entry.len() != ENTRY_LEN {
        return None;
    }
    let (h, wasm) = entry.split_at(ENTRY_LEN - 32);
    if h != head(id) {
        return None;
    }
    wasm.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_matches_only_the_same_identity() {
        let id = FileId([1, 2, 3, 4, 5, 6, 7]);
        let wasm = [9u8; 32];
        let e = encode(id, &wasm);
        assert_eq!(parse(&e, id), Some(wasm));
        for field in 0..7 {
            let mut other = id;
            other.0[field] += 1;
            assert_eq!(parse(&e, other), None, "field {field}");
        }
        assert_eq!(parse(&e[..ENTRY_LEN - 1], id), None);
        let mut bad = e.clone();
        bad[0] ^= 1;
        assert_eq!(parse(&bad, id), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_file_has_another_identity() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("m.wasm");
        fs::write(&path, b"one").expect("write");
        let before = FileId::of(&path).expect("id");
        assert_eq!(FileId::of(&path), Some(before));
        // Same size, same modification time set back: the change time
        // still moves.
        let mtime = fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&path, b"two").expect("rewrite");
        fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(mtime))
            .expect("set mtime back");
        assert_ne!(FileId::of(&path), Some(before));
    }

    #[cfg(unix)]
    #[test]
    fn only_settled_files_are_recorded_and_a_change_is_seen() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (dir, path) = (tmp.path().join("cache"), tmp.path().join("m.wasm"));
        fs::write(&path, b"one").expect("write");
        let fresh = FileId::of(&path).expect("id");
        record(&dir, &path, fresh, &[7; 32]);
        assert_eq!(lookup(&dir, &path), None, "a fresh file is not recorded");

        std::thread::sleep(RACY + Duration::from_millis(100));
        let settled = FileId::of(&path).expect("id");
        record(&dir, &path, settled, &[7; 32]);
        assert_eq!(lookup(&dir, &path), Some([7; 32]));
        fs::write(&path, b"two").expect("rewrite");
        assert_eq!(lookup(&dir, &path), None, "a rewritten file is not known");
    }
}
