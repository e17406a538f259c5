//! Private directories that are removed when dropped.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of its own for one run or one sweep, deleted with its
/// contents when dropped, so that test binaries and the files tests leave
/// behind do not pile up over a sweep of hundreds of packages.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Creates `parent/PREFIX-PID-N`, a name no other scratch directory of
    /// this or another live process has.
    pub fn create(parent: &Path, prefix: &str) -> io::Result<Scratch> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::fs::create_dir_all(parent)?;
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("{prefix}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Scratch { path }),
                // Left by a dead process that had our pid: take the next.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = remove_tree(&self.path) {
            eprintln!("go-compat: cannot remove {}: {e}", self.path.display());
        }
    }
}

/// Removes the scratch directories named `PREFIX-PID-N` in `parent` whose
/// process is gone: what an interrupted sweep left behind.
pub fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix)?.strip_prefix('-'))
            .and_then(|rest| rest.split('-').next()?.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only checks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = remove_tree(&entry.path());
        }
    }
}

/// Removes `path` and everything under it, also when a test left
/// directories without write or search permission (os and io/fs tests make
/// such directories, and a run killed at its limit does not clean up).
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            open_up(path);
            std::fs::remove_dir_all(path)
        }
    }
}

/// Gives the owner full access to every directory under `path`
/// (best effort: what cannot be changed makes the second removal fail).
fn open_up(path: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let mut perms = meta.permissions();
    perms.set_mode(perms.mode() | 0o700);
    let _ = std::fs::set_permissions(path, perms);
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            open_up(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_directory_goes_even_with_a_locked_subdirectory() {
        let scratch = Scratch::create(&std::env::temp_dir(), "go-compat-test").expect("create");
        let path = scratch.path().to_owned();
        let locked = path.join("a/b");
        std::fs::create_dir_all(&locked).expect("mkdir");
        std::fs::write(locked.join("f"), "x").expect("write");
        std::fs::set_permissions(path.join("a"), std::fs::Permissions::from_mode(0o500))
            .expect("chmod");
        drop(scratch);
        assert!(!path.exists());
    }
}
