//! The lock that keeps a second run out of an `--out` folder another run is writing into.
//!
//! The lock is a file beside the folder (`.<name>.lock`) that holds the writer's process id, for
//! the message, and that the writer keeps locked (an advisory whole-file lock) until it is done.
//! The system drops that lock the moment the writer ends, however it ends, so a lock left by a
//! killed run is taken over at once, and a process that happens to reuse a dead run's id, or a
//! run killed but not yet reaped, never keeps the folder held.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use crate::problem::Problem;

/// The claim on an `--out` folder: held until [`DestinationLock::release`] or the process ends.
#[derive(Debug)]
pub struct DestinationLock {
    path: PathBuf,
    /// Open, and locked, for as long as the claim stands.
    file: File,
}

impl DestinationLock {
    /// Claims `folder` for this process before any work is done: a second run into the same
    /// `--out` is refused up front, naming the run that holds it.
    pub fn claim(folder: &Path) -> Result<Self> {
        let path = lock_path(folder);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
        }
        let cannot = || format!("cannot lock the output folder {}", folder.display());
        // A holder that releases between our open and our lock has removed the file we hold:
        // then the claim is tried again on the file now at the path.
        for _ in 0..8 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(cannot)?;
            match file.try_lock() {
                Ok(()) if still_at(&file, &path) => return Self::claimed(path, file),
                Ok(()) => continue,
                Err(TryLockError::WouldBlock) => return Err(held_by_another(&path, folder)),
                Err(TryLockError::Error(error)) => return Err(error).with_context(cannot),
            }
        }
        Err(Problem::new(cannot())
            .valid("an --out no other run is writing into")
            .into())
    }

    /// The lock is ours: it now names this process.
    fn claimed(path: PathBuf, mut file: File) -> Result<Self> {
        let written = file
            .set_len(0)
            .and_then(|()| write!(file, "{}", std::process::id()));
        written.with_context(|| format!("cannot write {}", path.display()))?;
        Ok(DestinationLock { path, file })
    }

    /// Gives the folder up: the file goes before the lock does, so a run waiting on it finds
    /// the path gone and claims a fresh one.
    pub fn release(self) {
        let _ = fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// `.<name>.lock` beside the folder.
fn lock_path(folder: &Path) -> PathBuf {
    let name = folder.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent = folder.parent().filter(|p| !p.as_os_str().is_empty());
    parent
        .unwrap_or(Path::new("."))
        .join(format!(".{}.lock", name.unwrap_or_default()))
}

/// Whether `file` is still the file at `path` (not one its holder removed meanwhile).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_: &File, path: &Path) -> bool {
    path.exists()
}

fn held_by_another(path: &Path, folder: &Path) -> crate::error::Error {
    let holder = fs::read_to_string(path).unwrap_or_default();
    let holder = match holder.trim() {
        "" => String::new(),
        pid => format!(" (process {pid})"),
    };
    Problem::new(format!(
        "another foresight run{holder} is writing into {}",
        folder.display()
    ))
    .valid("wait for it to finish, or another --out")
    .into()
}

#[cfg(test)]
mod tests {
    use super::{lock_path, DestinationLock};
    use std::fs;

    #[test]
    fn a_held_folder_is_refused_and_a_released_or_abandoned_one_is_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("run");
        let first = DestinationLock::claim(&folder).unwrap();
        let pid = std::process::id().to_string();
        assert_eq!(fs::read_to_string(lock_path(&folder)).unwrap(), pid);
        let refused = DestinationLock::claim(&folder).unwrap_err().to_string();
        assert!(
            refused.contains(&format!(
                "another foresight run (process {pid}) is writing into"
            )),
            "{refused}"
        );
        first.release();
        assert!(!lock_path(&folder).exists());
        // A lock file nobody holds, whatever process it names (one that is gone, or one that
        // reused its id), is taken over.
        fs::write(lock_path(&folder), &pid).unwrap();
        let second = DestinationLock::claim(&folder).unwrap();
        assert_eq!(fs::read_to_string(lock_path(&folder)).unwrap(), pid);
        second.release();
    }
}
