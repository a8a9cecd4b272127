//! Where a run's files go, written so that no run ever leaves half a result.
//!
//! Files are written into a hidden staging folder beside the destination; only when every file is
//! complete is the folder renamed into place (one atomic rename), and `latest` is then re-pointed
//! with another rename. A killed run leaves at most a stray staging folder, never a partial run.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use crate::problem::Problem;

mod lock;

use lock::DestinationLock;

/// The file that marks a folder as foresight's own output: `--force` replaces only such a folder,
/// never one that holds a user's files (or the scenario being run).
pub const MARK: &str = ".foresight-output";

/// Where the user asked the outputs to go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A new folder under `root/<scenario>/`, with `latest` pointing at it.
    Fresh { root: PathBuf, scenario: String },
    /// Exactly this folder; an existing non-empty one only with `force`.
    Exact { folder: PathBuf, force: bool },
}

/// A staging folder being filled, and where it will land.
#[derive(Debug)]
pub struct OutputFolder {
    staging: PathBuf,
    destination: PathBuf,
    force: bool,
    /// The folder holding `latest`, for fresh runs.
    latest_parent: Option<PathBuf>,
    /// For `--out`: the lock that keeps a second run from writing into the same folder.
    lock: Option<DestinationLock>,
    /// The folders this run created above its own (`outputs/<scenario>`, say), deepest first:
    /// a run that fails removes those it left empty.
    created: Vec<PathBuf>,
}

impl OutputFolder {
    /// Checks the destination and creates the staging folder, before any simulation time is spent.
    pub fn prepare(destination: &Destination, run_id: &str) -> Result<Self> {
        match destination {
            Destination::Fresh { root, scenario } => {
                let parent = root.join(scenario);
                check_latest(&parent)?;
                let created = missing_ancestors(&parent);
                fs::create_dir_all(&parent).with_context(|| {
                    format!("cannot create the output folder {}", parent.display())
                })?;
                let folder = unused_name(&parent, run_id);
                let mut staged = Self::stage(folder, false, Some(parent));
                match &mut staged {
                    Ok(staged) => staged.created = created,
                    Err(_) => remove_empty(&created),
                }
                staged
            }
            Destination::Exact { folder, force } => {
                if folder.file_name().is_none() {
                    return Err(Problem::new(format!(
                        "--out {} names no folder of its own",
                        folder.display()
                    ))
                    .valid("a folder name, such as runs/base: the run is moved into it whole")
                    .into());
                }
                if fs::symlink_metadata(folder).is_ok_and(|meta| meta.file_type().is_symlink()) {
                    return Err(Problem::new(format!(
                        "--out {} is a link, which foresight never writes through",
                        folder.display()
                    ))
                    .valid("the folder it points to, or another --out")
                    .into());
                }
                if is_non_empty_dir(folder) {
                    // Before suggesting --force: it would not replace files of another's.
                    refuse_foreign(folder)?;
                    if !force {
                        return Err(Problem::new(format!(
                            "the output folder {} already holds files",
                            folder.display()
                        ))
                        .valid("--force to replace it, or another --out")
                        .into());
                    }
                }
                if folder.exists() && !folder.is_dir() {
                    return Err(Problem::new(format!(
                        "{} exists and is not a folder",
                        folder.display()
                    ))
                    .valid("an --out that is a folder or does not exist yet")
                    .into());
                }
                let lock = DestinationLock::claim(folder)?;
                match Self::stage(folder.clone(), *force, None) {
                    Ok(staged) => Ok(OutputFolder {
                        lock: Some(lock),
                        ..staged
                    }),
                    Err(error) => {
                        lock.release();
                        Err(error)
                    }
                }
            }
        }
    }

    fn stage(destination: PathBuf, force: bool, latest_parent: Option<PathBuf>) -> Result<Self> {
        let parent = destination
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let parent = if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
        let name = destination
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        recover(&parent);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            remove_staged(&staging)
                .with_context(|| format!("cannot clear {}", staging.display()))?;
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot write in the output folder {}", parent.display()))?;
        probe_writable(&staging)?;
        fs::write(staging.join(MARK), format!("{MARK_TEXT}\n"))
            .with_context(|| format!("cannot write in {}", staging.display()))?;
        Ok(OutputFolder {
            staging,
            destination,
            force,
            latest_parent,
            lock: None,
            created: Vec::new(),
        })
    }

    /// A folder inside this one (a batch's scenario), written with it and committed with it;
    /// it must not be committed on its own.
    pub fn nested(&self, name: &str) -> Result<OutputFolder> {
        let staging = self.staging.join(name);
        fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(OutputFolder {
            staging,
            destination: self.destination.join(name),
            force: false,
            latest_parent: None,
            lock: None,
            created: Vec::new(),
        })
    }

    /// The final path of the run's folder.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Writes one file into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(name);
        let mut file =
            fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot flush {}", path.display()))?;
        Ok(())
    }

    /// Moves the complete run into place and points `latest` at it; returns where it went.
    pub fn commit(mut self) -> Result<PathBuf> {
        let committed = self.move_into_place();
        if let Some(lock) = self.lock.take() {
            lock.release();
        }
        if committed.is_err() {
            // Nothing of a run that could not be put in place stays behind.
            let _ = remove_staged(&self.staging);
        }
        committed?;
        if let Some(parent) = &self.latest_parent {
            point_latest(parent, &self.destination)?;
        }
        Ok(self.destination.clone())
    }

    fn move_into_place(&mut self) -> Result<()> {
        write_manifest(&self.staging)?;
        if self.force && self.destination.exists() {
            // Files may have been put in the old run since the run began.
            refuse_foreign(&self.destination)?;
            return self.replace_destination();
        }
        let Some(parent) = self.latest_parent.clone() else {
            return fs::rename(&self.staging, &self.destination).with_context(|| {
                format!("cannot move the run into {}", self.destination.display())
            });
        };
        // A fresh run's name is the second it started in: a run started in the same second may
        // have taken it meanwhile. The rename refuses a folder that holds files, so each run
        // lands in a name of its own, whoever renames first.
        let run_id = self
            .destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let run_id = run_id.unwrap_or_default();
        loop {
            match fs::rename(&self.staging, &self.destination) {
                Ok(()) => return Ok(()),
                Err(error) if taken(&error) => {
                    self.destination = unused_name(&parent, &run_id);
                }
                Err(error) => {
                    return Err(error).with_context(|| {
                        format!("cannot move the run into {}", self.destination.display())
                    })
                }
            }
        }
    }

    /// Puts the new run where the old one was. Where the system can swap two folders in one
    /// step, it does, so the destination always holds a whole run, old or new; elsewhere the old
    /// run is moved aside first, and a run killed between the two moves has it put back by the
    /// next run into the same folder (see [`recover`]).
    fn replace_destination(&self) -> Result<()> {
        if exchange(&self.staging, &self.destination).is_ok() {
            // The staging folder now holds the old run.
            return remove_staged(&self.staging).with_context(|| {
                format!("cannot remove the old run in {}", self.staging.display())
            });
        }
        let old = self.staging.with_extension("replaced");
        fs::rename(&self.destination, &old)
            .with_context(|| format!("cannot move the old {} aside", self.destination.display()))?;
        fs::rename(&self.staging, &self.destination)
            .with_context(|| format!("cannot move the run into {}", self.destination.display()))?;
        remove_staged(&old).with_context(|| format!("cannot remove {}", old.display()))
    }

    /// Removes the staging folder of a run that failed.
    pub fn abandon(self) {
        let _ = remove_staged(&self.staging);
        if let Some(lock) = self.lock {
            lock.release();
        }
        remove_empty(&self.created);
    }
}

/// `run_id`, or `run_id-2`, `run_id-3`... whichever does not exist yet.
fn unused_name(parent: &Path, run_id: &str) -> PathBuf {
    let mut candidate = parent.join(run_id);
    let mut counter = 2;
    while candidate.exists() {
        candidate = parent.join(format!("{run_id}-{counter}"));
        counter += 1;
    }
    candidate
}

/// The folders `create_dir_all(folder)` would create, deepest first.
fn missing_ancestors(folder: &Path) -> Vec<PathBuf> {
    folder
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// Removes, deepest first, the folders of `created` that are empty; stops at one that is not.
fn remove_empty(created: &[PathBuf]) {
    for folder in created {
        if fs::remove_dir(folder).is_err() {
            break;
        }
    }
}

/// Whether a rename failed because another run already holds the name.
fn taken(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::DirectoryNotEmpty | std::io::ErrorKind::AlreadyExists
    )
}

fn is_non_empty_dir(path: &Path) -> bool {
    fs::read_dir(path)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false)
}

/// The file a run writes and removes to learn that its staging folder can be written.
const PROBE: &str = ".probe";

fn probe_writable(folder: &Path) -> Result<()> {
    let probe = folder.join(PROBE);
    fs::write(&probe, b"probe").with_context(|| format!("cannot write in {}", folder.display()))?;
    fs::remove_file(&probe).with_context(|| format!("cannot write in {}", folder.display()))?;
    Ok(())
}

/// Refuses, before any work, a `latest` that is not foresight's link (a folder, a file): the run
/// could be written but never pointed at.
fn check_latest(parent: &Path) -> Result<()> {
    let latest = parent.join("latest");
    match fs::symlink_metadata(&latest) {
        Ok(meta) if !meta.file_type().is_symlink() && cfg!(unix) => Err(Problem::new(format!(
            "{} is a {}, not the link foresight points at the latest run",
            latest.display(),
            if meta.is_dir() { "folder" } else { "file" }
        ))
        .valid("move it away: foresight keeps `latest` as a link")
        .into()),
        _ => Ok(()),
    }
}

/// Replaces `parent/latest` with a relative link to `run`, atomically.
fn point_latest(parent: &Path, run: &Path) -> Result<()> {
    let target = run.file_name().map(PathBuf::from).unwrap_or_default();
    let link = parent.join("latest");
    let temporary = parent.join(format!(".latest.{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    make_link(&target, &temporary)
        .with_context(|| format!("cannot create {}", temporary.display()))?;
    fs::rename(&temporary, &link)
        .with_context(|| format!("cannot update {}", link.display()))
        .inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
}

#[cfg(unix)]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    // Without symbolic links, `latest` is a one-line file naming the run's folder.
    fs::write(link, target.to_string_lossy().as_bytes())
}

/// Swaps two folders in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(first: &Path, second: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |path: &Path| {
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (first, second) = (to_c(first)?, to_c(second)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            first.as_ptr(),
            libc::AT_FDCWD,
            second.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Tidies what killed runs left in `parent`, whatever their runs were named, but only what is
/// foresight's own and only where its process is gone: staging folders (`.NAME.partial-PID`,
/// holding the mark) are removed, an old run moved aside by a replacement that was cut off
/// (`.NAME.partial-PID.replaced`) is put back if `NAME` is missing, and a `latest` link being
/// replaced (`.latest.PID`) is removed.
fn recover(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(left) = Leftover::of(&file_name) else {
            continue;
        };
        if crate::process::alive(left.pid) {
            continue;
        }
        let path = entry.path();
        match left.kind {
            LeftoverKind::Latest if path.is_symlink() => {
                let _ = fs::remove_file(&path);
            }
            LeftoverKind::Latest => {}
            _ if !written_by_foresight(&path) => {}
            LeftoverKind::Replaced if !parent.join(left.name).exists() => {
                let _ = fs::rename(&path, parent.join(left.name));
            }
            LeftoverKind::Staging | LeftoverKind::Replaced => {
                let _ = remove_staged(&path);
            }
        }
    }
}

/// The first line of the mark; the lines after it name what the run wrote.
const MARK_TEXT: &str = "written by foresight; --force may replace this folder";

/// Rewrites the mark of a complete staging folder with the path of everything in it, so that a
/// later `--force` can tell the run's own files from any put there since.
fn write_manifest(staging: &Path) -> Result<()> {
    let mut written = Vec::new();
    list_entries(staging, Path::new(""), &mut written)
        .with_context(|| format!("cannot list {}", staging.display()))?;
    written.retain(|path| path != Path::new(MARK));
    written.sort();
    let mut text = format!("{MARK_TEXT}\n");
    for path in &written {
        text.push_str(&format!("{}\n", path.display()));
    }
    let mark = staging.join(MARK);
    fs::write(&mark, text).with_context(|| format!("cannot write {}", mark.display()))
}

/// Every path under `folder`, relative to the folder `relative` names; folders not followed
/// through links.
fn list_entries(folder: &Path, relative: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_entries(&entry.path(), &path, found)?;
        }
        found.push(path);
    }
    Ok(())
}

/// Refuses to replace `folder` unless foresight wrote everything in it: it holds the mark, and
/// nothing the mark's list leaves out (a mark without a list, from an older version, vouches
/// for the whole folder).
fn refuse_foreign(folder: &Path) -> Result<()> {
    let refuse = |what: String| -> Result<()> {
        Err(Problem::new(format!(
            "{} holds {what}, which --force never replaces",
            folder.display()
        ))
        .valid("another --out, or the folder emptied by hand")
        .into())
    };
    let Ok(mark) = fs::read_to_string(folder.join(MARK)) else {
        return refuse("files foresight did not write".into());
    };
    let listed: std::collections::HashSet<&Path> = mark.lines().skip(1).map(Path::new).collect();
    if listed.is_empty() {
        return Ok(());
    }
    let mut present = Vec::new();
    list_entries(folder, Path::new(""), &mut present)
        .with_context(|| format!("cannot list {}", folder.display()))?;
    // What the list leaves out, named by its topmost folder: inside a foreign folder, only it.
    let in_listed = |path: &Path| {
        path.parent()
            .is_none_or(|up| up == Path::new("") || listed.contains(up))
    };
    let mut foreign: Vec<String> = present
        .iter()
        .filter(|path| *path != Path::new(MARK) && !listed.contains(path.as_path()))
        .filter(|path| in_listed(path))
        .map(|path| path.display().to_string())
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let shown = foreign
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = foreign.len().saturating_sub(5);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    refuse(format!("files foresight did not write ({shown}{more})"))
}

/// Removes a folder foresight staged (or an old run moved aside), its mark last: a run killed
/// part-way through leaves a folder [`recover`] still knows as foresight's own, marked or empty.
/// A link in its place is removed itself, never what it points at.
fn remove_staged(folder: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(folder)?.file_type().is_symlink() {
        return fs::remove_file(folder);
    }
    for path in removal_order(folder)? {
        remove_entry(&path)?;
    }
    fs::remove_dir(folder)
}

/// Removes a file, a link (not what it points at) or a folder with all it holds.
fn remove_entry(path: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// What [`remove_staged`] removes, in order: everything in `folder` but the mark, then the mark.
fn removal_order(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_name() != MARK {
            paths.push(entry.path());
        }
    }
    let mark = folder.join(MARK);
    if fs::symlink_metadata(&mark).is_ok() {
        paths.push(mark);
    }
    Ok(paths)
}

/// Whether a leftover folder is one foresight staged: it carries the mark, or it is still as a
/// run leaves it when killed before writing the mark (empty, or holding only the write probe).
fn written_by_foresight(folder: &Path) -> bool {
    if folder.join(MARK).is_file() {
        return true;
    }
    fs::read_dir(folder).is_ok_and(|entries| {
        entries
            .flatten()
            .all(|entry| entry.file_name() == PROBE && entry.path().is_file())
    })
}

/// A name a run gives what it writes before it is in place, and the process it belongs to.
#[derive(Debug, PartialEq)]
struct Leftover<'a> {
    name: &'a str,
    pid: &'a str,
    kind: LeftoverKind,
}

#[derive(Debug, PartialEq)]
enum LeftoverKind {
    Staging,
    Replaced,
    Latest,
}

impl<'a> Leftover<'a> {
    fn of(file_name: &'a str) -> Option<Self> {
        let hidden = file_name.strip_prefix('.')?;
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        if let Some(pid) = hidden.strip_prefix("latest.").filter(|pid| digits(pid)) {
            let kind = LeftoverKind::Latest;
            return Some(Leftover {
                name: "latest",
                pid,
                kind,
            });
        }
        let (name, rest) = hidden.rsplit_once(".partial-")?;
        let (pid, kind) = match rest.strip_suffix(".replaced") {
            Some(pid) => (pid, LeftoverKind::Replaced),
            None => (rest, LeftoverKind::Staging),
        };
        (digits(pid) && !name.is_empty()).then_some(Leftover { name, pid, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::{
        removal_order, remove_entry, remove_staged, written_by_foresight, Leftover, LeftoverKind,
        MARK,
    };
    use std::fs;

    /// A staged run as the output stage leaves it: the mark among files and a nested folder,
    /// with the mark's name sorting before and after others.
    fn staged_run(folder: &std::path::Path) {
        fs::create_dir(folder).unwrap();
        for name in [MARK, ".a", "a.csv", "run.json", "z.png"] {
            fs::write(folder.join(name), name).unwrap();
        }
        fs::create_dir(folder.join("scenario")).unwrap();
        fs::write(folder.join("scenario").join("run.json"), "{}").unwrap();
    }

    #[test]
    fn a_removal_cut_off_anywhere_leaves_a_folder_known_as_foresights() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(".run.partial-1");
        staged_run(&folder);
        let order = removal_order(&folder).unwrap();
        assert_eq!(order.len(), 6);
        assert_eq!(order.last(), Some(&folder.join(MARK)));
        for cut in 0..=order.len() {
            fs::remove_dir_all(&folder).unwrap();
            staged_run(&folder);
            for path in &order[..cut] {
                remove_entry(path).unwrap();
            }
            assert!(written_by_foresight(&folder), "cut after {cut} removals");
        }
        remove_staged(&folder).unwrap();
        assert!(!folder.exists());
    }

    #[test]
    fn leftovers_are_told_by_their_names() {
        let staging = Leftover::of(".20260101T000000Z-2.partial-123");
        assert_eq!(
            staging,
            Some(Leftover {
                name: "20260101T000000Z-2",
                pid: "123",
                kind: LeftoverKind::Staging
            })
        );
        let replaced = Leftover::of(".my.run.partial-77.replaced").unwrap();
        assert_eq!((replaced.name, replaced.pid), ("my.run", "77"));
        assert_eq!(replaced.kind, LeftoverKind::Replaced);
        assert_eq!(
            Leftover::of(".latest.9").unwrap().kind,
            LeftoverKind::Latest
        );
        for other in [
            "run.partial-12",
            ".run.partial-",
            ".run.partial-12x",
            ".partial-12",
            ".latest.",
            ".foresight-output",
            ".base.lock",
        ] {
            assert_eq!(Leftover::of(other), None, "{other}");
        }
    }
}
