//! A read-only view of a WASI preopened directory.
//!
//! [`ReadOnlyDir`] wraps any [`WasiDir`] and lets every read operation
//! through while failing every operation that could modify the file system
//! with `EPERM`. Go's `os` maps `EPERM` to `fs.ErrPermission`, so guests see
//! `os.IsPermission(err) == true` ("operation not permitted").
//!
//! Files opened through it are opened without write access, so
//! wasi-common itself rejects `fd_write`/`fd_pwrite` on them (it checks the
//! access mode recorded at `path_open`), and the host OS rejects
//! `fd_filestat_set_size` on a read-only descriptor.
//!
//! wasi-common hard-codes the rights reported by `fd_fdstat_get` for
//! directories; the `WasiDir` trait has no hook for them, so they cannot be
//! narrowed here. The checks below are what actually enforces read-only.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;

use wasmi_wasi::wasi_common::dir::{OpenResult, ReaddirCursor, ReaddirEntity};
use wasmi_wasi::wasi_common::file::{FdFlags, Filestat, OFlags};
use wasmi_wasi::wasi_common::{Error, ErrorExt, SystemTimeSpec, WasiDir};

/// A [`WasiDir`] that delegates reads to the wrapped directory and refuses
/// all writes with `EPERM`. Subdirectories opened through it are wrapped
/// again, so read-only is inherited.
pub(crate) struct ReadOnlyDir(Box<dyn WasiDir>);

impl ReadOnlyDir {
    /// Wraps `inner` so that the guest can only read through it.
    pub(crate) fn new(inner: Box<dyn WasiDir>) -> Self {
        Self(inner)
    }
}

impl fmt::Debug for ReadOnlyDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOnlyDir").finish_non_exhaustive()
    }
}

/// The error returned for every refused write.
fn read_only(op: &str) -> Error {
    Error::perm().context(format!("{op}: directory is mounted read-only"))
}

// `wiggle::async_trait` (which wasi-common declares the trait with) expands
// to plain `#[async_trait::async_trait]`, i.e. `Send` futures; using the
// `async-trait` crate directly avoids depending on `wiggle`.
#[async_trait::async_trait]
impl WasiDir for ReadOnlyDir {
    // This must return `self`, never the inner directory: the stock
    // `sync::dir::Dir` implements `rename`/`hard_link` by downcasting the
    // *destination* directory via `as_any` to reach its cap-std handle. If we
    // exposed the inner `Dir` here, a writable source directory could move or
    // link files into this one. Returning `self` makes that downcast fail
    // (EBADF), so this directory can't be a target either.
    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn open_file(
        &self,
        symlink_follow: bool,
        path: &str,
        oflags: OFlags,
        read: bool,
        write: bool,
        fdflags: FdFlags,
    ) -> Result<OpenResult, Error> {
        // `DIRECTORY` is the only open flag that can't create or modify
        // anything. The SYNC family is passed on (the inner dir rejects or
        // ignores it; it only matters for writes anyway).
        if write
            || oflags.intersects(OFlags::CREATE | OFlags::EXCLUSIVE | OFlags::TRUNCATE)
            || fdflags.contains(FdFlags::APPEND)
        {
            return Err(read_only("open for writing"));
        }
        match self
            .0
            .open_file(symlink_follow, path, oflags, read, false, fdflags)
            .await?
        {
            OpenResult::Dir(dir) => Ok(OpenResult::Dir(Box::new(ReadOnlyDir(dir)))),
            // Opened with `write == false`: wasi-common records a read-only
            // access mode for the fd and refuses fd_write/fd_pwrite on it.
            file @ OpenResult::File(_) => Ok(file),
        }
    }

    async fn create_dir(&self, _path: &str) -> Result<(), Error> {
        Err(read_only("create_dir"))
    }

    async fn readdir(
        &self,
        cursor: ReaddirCursor,
    ) -> Result<Box<dyn Iterator<Item = Result<ReaddirEntity, Error>> + Send>, Error> {
        self.0.readdir(cursor).await
    }

    async fn symlink(&self, _old_path: &str, _new_path: &str) -> Result<(), Error> {
        Err(read_only("symlink"))
    }

    async fn remove_dir(&self, _path: &str) -> Result<(), Error> {
        Err(read_only("remove_dir"))
    }

    async fn unlink_file(&self, _path: &str) -> Result<(), Error> {
        Err(read_only("unlink_file"))
    }

    async fn read_link(&self, path: &str) -> Result<PathBuf, Error> {
        self.0.read_link(path).await
    }

    async fn get_filestat(&self) -> Result<Filestat, Error> {
        self.0.get_filestat().await
    }

    async fn get_path_filestat(
        &self,
        path: &str,
        follow_symlinks: bool,
    ) -> Result<Filestat, Error> {
        self.0.get_path_filestat(path, follow_symlinks).await
    }

    // Only called when this directory is the *source*; the target side is
    // covered by `as_any` above.
    async fn rename(
        &self,
        _path: &str,
        _dest_dir: &dyn WasiDir,
        _dest_path: &str,
    ) -> Result<(), Error> {
        Err(read_only("rename"))
    }

    // As for `rename`: source side here, target side via `as_any`.
    async fn hard_link(
        &self,
        _path: &str,
        _target_dir: &dyn WasiDir,
        _target_path: &str,
    ) -> Result<(), Error> {
        Err(read_only("hard_link"))
    }

    // Also reached by `fd_filestat_set_times` on a directory fd (as ".").
    async fn set_times(
        &self,
        _path: &str,
        _atime: Option<SystemTimeSpec>,
        _mtime: Option<SystemTimeSpec>,
        _follow_symlinks: bool,
    ) -> Result<(), Error> {
        Err(read_only("set_times"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use wasmi_wasi::sync::dir::Dir as SyncDir;
    use wasmi_wasi::wasi_common::snapshots::preview_1::types::Errno;

    /// The sync `Dir`'s futures never suspend, so a single poll suffices.
    fn block_on<F: Future>(fut: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match std::pin::pin!(fut).poll(&mut cx) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("sync WasiDir future returned Pending"),
        }
    }

    /// A temp dir holding `hello.txt` ("hello") and `sub/inner.txt` ("inner").
    fn fixture() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("create tempdir");
        fs::write(tmp.path().join("hello.txt"), "hello").expect("write hello.txt");
        fs::create_dir(tmp.path().join("sub")).expect("mkdir sub");
        fs::write(tmp.path().join("sub/inner.txt"), "inner").expect("write inner.txt");
        tmp
    }

    fn sync_dir(path: &std::path::Path) -> Box<dyn WasiDir> {
        let dir =
            wasmi_wasi::sync::Dir::open_ambient_dir(path, wasmi_wasi::sync::ambient_authority())
                .expect("open ambient dir");
        Box::new(SyncDir::from_cap_std(dir))
    }

    fn ro(path: &std::path::Path) -> ReadOnlyDir {
        ReadOnlyDir::new(sync_dir(path))
    }

    #[track_caller]
    fn assert_perm<T>(res: Result<T, Error>) {
        match res {
            Ok(_) => panic!("expected EPERM, got Ok"),
            Err(e) => assert_eq!(e.downcast_ref(), Some(&Errno::Perm), "{e:?}"),
        }
    }

    fn open(
        dir: &dyn WasiDir,
        path: &str,
        oflags: OFlags,
        write: bool,
        fdflags: FdFlags,
    ) -> Result<OpenResult, Error> {
        block_on(dir.open_file(false, path, oflags, true, write, fdflags))
    }

    fn read_all(dir: &dyn WasiDir, path: &str) -> String {
        let OpenResult::File(file) =
            open(dir, path, OFlags::empty(), false, FdFlags::empty()).expect("open for reading")
        else {
            panic!("{path} opened as a directory");
        };
        let mut buf = [0u8; 64];
        let n =
            block_on(file.read_vectored(&mut [std::io::IoSliceMut::new(&mut buf)])).expect("read");
        let n = usize::try_from(n).expect("read length fits usize");
        String::from_utf8(buf[..n].to_vec()).expect("utf-8 contents")
    }

    #[test]
    fn reads_are_delegated() {
        let tmp = fixture();
        let dir = ro(tmp.path());
        assert_eq!(read_all(&dir, "hello.txt"), "hello");

        let stat = block_on(dir.get_path_filestat("hello.txt", true)).expect("stat");
        assert_eq!(stat.size, 5);
        block_on(dir.get_filestat()).expect("fstat dir");

        let names: Vec<String> = block_on(dir.readdir(ReaddirCursor::from(0)))
            .expect("readdir")
            .map(|e| e.expect("readdir entry").name)
            .collect();
        assert!(names.iter().any(|n| n == "hello.txt"), "{names:?}");
        assert!(names.iter().any(|n| n == "sub"), "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn read_link_is_delegated() {
        let tmp = fixture();
        std::os::unix::fs::symlink("hello.txt", tmp.path().join("link")).expect("symlink");
        let dir = ro(tmp.path());
        let target = block_on(dir.read_link("link")).expect("read_link");
        assert_eq!(target, PathBuf::from("hello.txt"));
    }

    #[test]
    fn write_opens_are_refused() {
        let tmp = fixture();
        let dir = ro(tmp.path());
        let none = OFlags::empty();
        let plain = FdFlags::empty();

        assert_perm(open(&dir, "hello.txt", none, true, plain));
        assert_perm(open(&dir, "hello.txt", none, false, FdFlags::APPEND));
        assert_perm(open(&dir, "hello.txt", OFlags::TRUNCATE, false, plain));
        assert_perm(open(&dir, "hello.txt", OFlags::CREATE, false, plain));
        assert_perm(open(&dir, "new.txt", OFlags::CREATE, false, plain));
        assert_perm(open(
            &dir,
            "new.txt",
            OFlags::CREATE | OFlags::EXCLUSIVE,
            false,
            plain,
        ));

        assert_eq!(
            fs::read_to_string(tmp.path().join("hello.txt")).expect("read"),
            "hello"
        );
        assert!(!tmp.path().join("new.txt").exists());
    }

    #[test]
    fn mutations_are_refused() {
        let tmp = fixture();
        let dir = ro(tmp.path());

        assert_perm(block_on(dir.create_dir("newdir")));
        assert_perm(block_on(dir.symlink("hello.txt", "link")));
        assert_perm(block_on(dir.remove_dir("sub")));
        assert_perm(block_on(dir.unlink_file("hello.txt")));
        assert_perm(block_on(dir.set_times(
            "hello.txt",
            None,
            Some(SystemTimeSpec::SymbolicNow),
            true,
        )));
        assert_perm(block_on(dir.rename("hello.txt", &dir, "moved.txt")));
        assert_perm(block_on(dir.hard_link("hello.txt", &dir, "linked.txt")));

        let p = tmp.path();
        assert!(!p.join("newdir").exists());
        assert!(!p.join("link").exists());
        assert!(p.join("sub").is_dir());
        assert!(p.join("hello.txt").is_file());
        assert!(!p.join("moved.txt").exists());
        assert!(!p.join("linked.txt").exists());
    }

    #[test]
    fn cannot_be_rename_or_link_target_of_writable_dir() {
        let src_tmp = tempfile::tempdir().expect("create tempdir");
        fs::write(src_tmp.path().join("a.txt"), "a").expect("write a.txt");
        let writable = sync_dir(src_tmp.path());
        let dst_tmp = fixture();
        let dir = ro(dst_tmp.path());

        assert!(block_on(writable.rename("a.txt", &dir, "a.txt")).is_err());
        assert!(block_on(writable.hard_link("a.txt", &dir, "a.txt")).is_err());
        assert!(src_tmp.path().join("a.txt").is_file());
        assert!(!dst_tmp.path().join("a.txt").exists());
    }

    #[test]
    fn subdirectories_stay_read_only() {
        let tmp = fixture();
        let dir = ro(tmp.path());
        let OpenResult::Dir(sub) = open(&dir, "sub", OFlags::DIRECTORY, false, FdFlags::empty())
            .expect("open subdirectory")
        else {
            panic!("sub opened as a file");
        };
        assert!(sub.as_any().is::<ReadOnlyDir>());

        assert_eq!(read_all(&*sub, "inner.txt"), "inner");
        assert_perm(open(
            &*sub,
            "inner.txt",
            OFlags::empty(),
            true,
            FdFlags::empty(),
        ));
        assert_perm(block_on(sub.create_dir("deeper")));
        assert_perm(block_on(sub.unlink_file("inner.txt")));
        assert!(tmp.path().join("sub/inner.txt").is_file());
        assert!(!tmp.path().join("sub/deeper").exists());

        // "." and ".." resolve through the same wrapper too.
        let OpenResult::Dir(dot) =
            open(&dir, ".", OFlags::DIRECTORY, false, FdFlags::empty()).expect("open .")
        else {
            panic!(". opened as a file");
        };
        assert!(dot.as_any().is::<ReadOnlyDir>());
        assert_perm(block_on(dot.create_dir("x")));
    }
}
