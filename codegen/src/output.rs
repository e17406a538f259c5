//! Placing a generated Go package on disk: the package's own files, and the
//! support package in the Go module that holds it.

use std::path::{Path, PathBuf};

use crate::go;
use crate::model::Module;
use crate::shared::{Error, GoFile};
use crate::support::{self, GoModule};

/// A module's generated Go package, placed in a directory of a Go module.
///
/// ```no_run
/// # fn main() -> Result<(), gohost_codegen::Error> {
/// let src = std::fs::read_to_string("src/host.rs").unwrap();
/// for module in gohost_codegen::modules_from_file(&src)? {
///     let package = gohost_codegen::GoPackage::place(&module, "guest/kv".as_ref())?;
///     package.write()?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GoPackage {
    /// The directory of the package.
    pub dir: PathBuf,
    /// The package's files.
    pub files: Vec<GoFile>,
    /// The support package (its directory and files), when the package
    /// imports it.
    pub support: Option<(PathBuf, Vec<GoFile>)>,
}

impl GoPackage {
    /// Generates the Go package of `m` for `dir`. When the package uses the
    /// support package, `dir` must be inside a Go module (a `go.mod` at or
    /// above it): the support package goes to `internal/gohost` at its root.
    pub fn place(m: &Module, dir: &Path) -> Result<GoPackage, Error> {
        let module = GoModule::find(dir)?;
        let import = module
            .as_ref()
            .map_or_else(support::default_import, GoModule::support_import);
        let files = go::emit(m, &import);
        let support = match (&module, files.iter().any(|f| f.uses_support)) {
            (_, false) => None,
            (Some(module), true) => Some((module.support_dir(), support::support_files())),
            (None, true) => {
                return Err(Error::NoGoModule {
                    dir: dir.display().to_string(),
                })
            }
        };
        Ok(GoPackage {
            dir: dir.to_path_buf(),
            files,
            support,
        })
    }

    /// Every file of the package and of its support package, with the path
    /// it belongs at.
    pub fn all_files(&self) -> impl Iterator<Item = (PathBuf, &GoFile)> {
        let own = self.files.iter().map(|f| (self.dir.join(&f.name), f));
        let support = self
            .support
            .iter()
            .flat_map(|(dir, files)| files.iter().map(move |f| (dir.join(&f.name), f)));
        own.chain(support)
    }

    /// Writes the package and its support package, rewriting only the files
    /// whose contents differ. Refuses to overwrite a file of the support
    /// directory that gohost did not generate, and removes generated support
    /// files that are no longer part of it. Returns the paths written.
    pub fn write(&self) -> Result<Vec<PathBuf>, Error> {
        let mut written = write_go_files(&self.dir, &self.files)?;
        if let Some((dir, files)) = &self.support {
            for f in files {
                let path = dir.join(&f.name);
                if let Ok(have) = std::fs::read_to_string(&path) {
                    if !support::is_generated(&have) {
                        return Err(Error::Foreign {
                            path: path.display().to_string(),
                        });
                    }
                }
            }
            remove_retired(dir, files)?;
            written.extend(write_go_files(dir, files)?);
        }
        Ok(written)
    }
}

/// Removes the generated `.go` files of `dir` that `files` no longer holds.
fn remove_retired(dir: &Path, files: &[GoFile]) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".go") || files.iter().any(|f| f.name == name) {
            continue;
        }
        let generated = std::fs::read_to_string(&path).is_ok_and(|t| support::is_generated(&t));
        if generated {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `files` into `dir` (created if missing), rewriting a file only
/// when its contents differ. Returns the paths written.
///
/// Each file is written to a temporary name and renamed into place, so a
/// Go build (or another expansion of the macro) never reads half a file.
pub fn write_go_files(dir: &Path, files: &[GoFile]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        if std::fs::read(&path).ok().as_deref() == Some(f.contents.as_bytes()) {
            continue;
        }
        let tmp = dir.join(format!(".{}.{}.tmp", f.name, std::process::id()));
        std::fs::write(&tmp, &f.contents).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}
