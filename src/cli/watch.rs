//! `foresight watch FILE`: run the file, then run it again each time it or a file it extends is
//! saved, printing the headline and what moved since the last good run. A save that breaks the
//! file prints the error and keeps the last good outputs; the next good save runs again. With
//! `--serve PORT`, the latest run's report is served on 127.0.0.1 and the open page reloads
//! itself when a new run finishes. Ctrl-C stops it cleanly.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};

use super::run::{run_into_folder, RunRequest};
use super::{say, ModelArgs, OutputArgs, WorkArgs};
use crate::input::read_bounded;
use crate::live::LiveServer;
use crate::output::diff as diff_table;
use crate::problem::Problem;
use crate::scenario::source::MAX_FILE_BYTES;
use crate::scenario::Layers;
use crate::studies::run_diff::{RunDiff, RunSummary};

/// How long the file must be quiet before a run: an editor's save is often several writes.
const DEBOUNCE: Duration = Duration::from_millis(60);

/// How often the watched folders and files are also looked at directly: a folder removed and
/// made again has lost its watch (the system drops it with the folder) and is watched again, and
/// a change no event reported still runs.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Serve the latest run's report on http://127.0.0.1:PORT/, reloading on each new run.
    #[arg(long, value_name = "PORT")]
    pub serve: Option<u16>,
}

pub fn watch(args: &WatchArgs) -> Result<()> {
    // --out follows run's rule: a folder that already holds files needs --force (and even then
    // is replaced only if foresight wrote it); after the first run, the folder is watch's own.
    if let Some(out) = &args.output.out {
        let holds_files = std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some());
        if holds_files && !args.output.force {
            return Err(Problem::new(format!(
                "the output folder {} already holds files",
                out.display()
            ))
            .valid("pass --force to replace a folder foresight wrote, or choose another --out")
            .into());
        }
    }
    let server = args.serve.map(LiveServer::start).transpose()?;
    if let Some(server) = &server {
        say(format_args!(
            "serving the latest report on http://{}/",
            server.address()
        ));
    }
    let (events, changes) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, events).context("cannot watch files")?;
    let mut watched = Watched::default();
    let mut last_good: Option<GoodRun> = None;
    // What the files hold is noted before each run, so a save during the run is seen after it.
    watched.update(&args.model.file, &mut debouncer)?;
    run_once(args, &mut last_good, server.as_ref());
    say(format_args!(
        "watching {} (Ctrl-C to stop)",
        args.model.file.display()
    ));
    let mut polled = Instant::now();
    while !crate::interrupt::requested() {
        let event = changes.recv_timeout(Duration::from_millis(100));
        let mut changed = event.is_ok_and(|result| {
            result.is_ok_and(|events| watched.touched(events.iter().map(|e| e.path.as_path())))
        });
        if polled.elapsed() >= POLL {
            polled = Instant::now();
            watched.rewatch(&mut debouncer);
            changed |= watched.changed();
        }
        if changed {
            watched.update(&args.model.file, &mut debouncer)?;
            if watched.gone(&args.model.file) {
                say_gone(&args.model.file, last_good.as_ref());
            } else {
                run_once(args, &mut last_good, server.as_ref());
            }
        }
    }
    say(format_args!(
        "stopped watching {}",
        args.model.file.display()
    ));
    Ok(())
}

/// The last good run: its folder, and what it said (read at once: with `--out` the next run
/// replaces the folder).
struct GoodRun {
    folder: PathBuf,
    summary: Option<RunSummary>,
}

/// One run after a save: its headline and the diff against the last good run, or the error.
fn run_once(args: &WatchArgs, last_good: &mut Option<GoodRun>, server: Option<&LiveServer>) {
    let started = Instant::now();
    match run_into_folder(
        &RunRequest::plain(args.model.request()),
        &args.work,
        &run_output(args),
    ) {
        Ok(folder) => {
            say(format_args!(
                "ran in {:.2} s",
                started.elapsed().as_secs_f64()
            ));
            let summary = RunSummary::read(&folder)
                .map_err(|error| eprintln!("cannot read the run back: {error:#}"))
                .ok();
            let before = last_good.as_ref().and_then(|good| good.summary.clone());
            if let (Some(before), Some(after)) = (before, summary.clone()) {
                let diff = RunDiff::of(before, after);
                say(format_args!(
                    "\nsince the last run:\n{}",
                    diff_table::table(&diff)
                ));
            }
            if let Some(server) = server {
                server.publish(&folder);
            }
            *last_good = Some(GoodRun { folder, summary });
        }
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            match last_good {
                Some(good) => eprintln!("keeping the last good outputs: {}", good.folder.display()),
                None => eprintln!("no good run yet; fix the file and save it again"),
            }
        }
    }
}

/// Says that the scenario file is gone, and that watch waits for it rather than stopping.
fn say_gone(file: &Path, last_good: Option<&GoodRun>) {
    eprintln!(
        "{} is gone (deleted or moved); watching for it to come back",
        file.display()
    );
    if let Some(good) = last_good {
        eprintln!("keeping the last good outputs: {}", good.folder.display());
    }
}

/// Where `watch` writes each run: the output options, always replacing its own `--out`.
fn run_output(args: &WatchArgs) -> OutputArgs {
    OutputArgs {
        force: args.output.force || args.output.out.is_some(),
        ..args.output.clone()
    }
}

/// The scenario file and the files it extends, and the folders watched for them (folders, not
/// files, so an editor's save by rename is seen), with what each file held at the last run:
/// only a change of content runs again (reading a file, or saving it unchanged, does not).
#[derive(Default)]
struct Watched {
    files: HashSet<PathBuf>,
    /// Each watched folder and which folder it was when its watch was set.
    folders: HashMap<PathBuf, Option<FolderId>>,
    contents: HashMap<PathBuf, Option<u64>>,
}

impl Watched {
    /// Re-reads the chain of files (it may have changed) and watches their folders.
    fn update<W: WatchFolder>(&mut self, file: &Path, watcher: &mut W) -> Result<()> {
        let mut files: HashSet<PathBuf> = HashSet::from([absolute(file)]);
        match Layers::load(file) {
            Ok(layers) => files.extend(layers.files.iter().map(|source| absolute(&source.path))),
            // A broken file hides the chain: keep watching what it held before.
            Err(_) => files.extend(self.files.iter().cloned()),
        }
        for folder in files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
        {
            if let std::collections::hash_map::Entry::Vacant(entry) = self.folders.entry(folder) {
                watcher.watch_folder(entry.key())?;
                let id = folder_id(entry.key());
                entry.insert(id);
            }
        }
        self.contents = files.iter().map(|f| (f.clone(), content_hash(f))).collect();
        self.files = files;
        Ok(())
    }

    /// Watches again each folder that is not the one watched before (removed and made again,
    /// or moved away); a folder still missing is tried again at the next look.
    fn rewatch<W: WatchFolder>(&mut self, watcher: &mut W) {
        for (folder, watched_id) in &mut self.folders {
            let id = folder_id(folder);
            if id == *watched_id {
                continue;
            }
            let _ = watcher.unwatch_folder(folder);
            if id.is_none() || watcher.watch_folder(folder).is_ok() {
                *watched_id = id;
            }
        }
    }

    /// Whether any watched file's content differs from what it held at the last run.
    fn changed(&self) -> bool {
        self.files
            .iter()
            .any(|path| self.contents.get(path) != Some(&content_hash(path)))
    }

    /// Whether the file could not be read when the files were last looked at.
    fn gone(&self, file: &Path) -> bool {
        matches!(self.contents.get(&absolute(file)), Some(None))
    }

    /// Whether an event touched a watched file whose content has changed since the last run.
    fn touched<'a>(&self, paths: impl Iterator<Item = &'a Path>) -> bool {
        paths
            .map(absolute)
            .filter(|path| self.files.contains(path))
            .any(|path| self.contents.get(&path) != Some(&content_hash(&path)))
    }
}

/// Which folder a path names: its device and inode, so a folder made again is told apart.
type FolderId = (u64, u64);

#[cfg(unix)]
fn folder_id(folder: &Path) -> Option<FolderId> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(folder).ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn folder_id(folder: &Path) -> Option<FolderId> {
    folder.is_dir().then_some((0, 0))
}

/// A folder watcher (the debouncer's, or a test's).
trait WatchFolder {
    fn watch_folder(&mut self, folder: &Path) -> Result<()>;
    fn unwatch_folder(&mut self, folder: &Path) -> Result<()>;
}

impl<T: notify_debouncer_mini::notify::Watcher> WatchFolder
    for notify_debouncer_mini::Debouncer<T>
{
    fn watch_folder(&mut self, folder: &Path) -> Result<()> {
        self.watcher()
            .watch(folder, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", folder.display()))
    }

    fn unwatch_folder(&mut self, folder: &Path) -> Result<()> {
        Ok(self.watcher().unwatch(folder)?)
    }
}

/// A hash of a file's bytes; `None` while it cannot be read (mid-rename, say).
fn content_hash(path: &Path) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let bytes = read_bounded(path, MAX_FILE_BYTES).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// The path made absolute and tidied, without touching the file (a renamed-over file may be
/// briefly missing).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let folder = joined.parent().and_then(|p| std::fs::canonicalize(p).ok());
    match (folder, joined.file_name()) {
        (Some(folder), Some(name)) => folder.join(name),
        _ => joined,
    }
}
