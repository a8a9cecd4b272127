//! Sharding: one run's blocks split among N processes (on one machine or many), each writing a
//! partial result, and the partials checked and merged back into the tally a single run would
//! have made. Blocks are the sampling design's fixed units, so shard K of N always runs the same
//! paths; tallies are exact integer sums, so the merge equals the single run byte for byte.
//!
//! A partial records how its model was loaded (file and overrides) and weighted, so `merge`
//! loads the model again and refuses shards whose model, seed, paths, weighting or version differ,
//! and sets with a shard missing or given twice.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::input::{read_bounded, sha256_hex};
use crate::problem::Problem;
use crate::scenario::request::{Horizon, ModelRequest};
use crate::stats::{Dims, Tally, TallyError};

/// A shard file larger than this is refused (a shard of the base model is well under 1 MiB).
pub const MAX_SHARD_BYTES: u64 = 1 << 30;

/// The version of foresight that writes and merges shards; a shard of any other is refused.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Which share of the blocks a process runs: shard `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl FromStr for ShardSpec {
    type Err = Problem;

    fn from_str(text: &str) -> Result<Self, Problem> {
        let invalid = || {
            Problem::new(format!("`{text}` is not a shard")).valid("K/N with 1 <= K <= N, e.g. 3/8")
        };
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let index: u64 = index.trim().parse().map_err(|_| invalid())?;
        let count: u64 = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The shard's contiguous share of `total_blocks`; shares differ in size by at most one
    /// block, and a shard may be empty when there are more shards than blocks.
    pub fn blocks(&self, total_blocks: u64) -> Range<u64> {
        let edge =
            |k: u64| (u128::from(total_blocks) * u128::from(k) / u128::from(self.count)) as u64;
        edge(self.index - 1)..edge(self.index)
    }

    /// `shard-0003-of-0008.json`: names sort in shard order.
    pub fn file_name(&self) -> String {
        format!("shard-{:04}-of-{:04}.json", self.index, self.count)
    }
}

/// How the shards' model was loaded: enough to load it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSource {
    /// The scenario file as given on the command line (outputs name it so).
    pub file: PathBuf,
    /// The same file made absolute, for a merge run from another folder.
    pub absolute_file: PathBuf,
    /// `--set` options as given.
    pub set: Vec<String>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub horizon: Option<Horizon>,
    /// Written only when given, so shards that did not set it read and write as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<String>,
}

impl ModelSource {
    /// Where a shard's model comes from: the request, with its file made absolute.
    pub fn of(request: &ModelRequest) -> Result<ModelSource> {
        let file = &request.file;
        let absolute_file =
            fs::canonicalize(file).with_context(|| format!("cannot resolve {}", file.display()))?;
        Ok(ModelSource {
            file: file.clone(),
            absolute_file,
            set: request.set.clone(),
            paths: request.paths,
            seed: request.seed,
            horizon: request.horizon.clone(),
            sampling: request.sampling.clone(),
        })
    }

    /// The request that loads the same model again, from wherever `merge` runs.
    pub fn request(&self) -> ModelRequest {
        ModelRequest {
            file: self.file_to_load(),
            file_sets: Vec::new(),
            set: self.set.clone(),
            paths: self.paths,
            seed: self.seed,
            horizon: self.horizon.clone(),
            sampling: self.sampling.clone(),
        }
    }

    /// The file as given where it still names the same file from here, else the absolute path.
    pub fn file_to_load(&self) -> PathBuf {
        let same = fs::canonicalize(&self.file).is_ok_and(|here| here == self.absolute_file);
        if same {
            self.file.clone()
        } else {
            self.absolute_file.clone()
        }
    }
}

/// How the shards' paths were weighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightingSource {
    pub given: Option<String>,
    /// The evidence file as given on the command line, and made absolute.
    pub evidence: Option<PathBuf>,
    pub evidence_absolute: Option<PathBuf>,
    /// SHA-256 of the evidence file's bytes: the file must not change between shard and merge.
    pub evidence_sha256: Option<String>,
}

impl WeightingSource {
    /// The evidence file as given where it still names the same file from here, else the
    /// absolute path.
    pub fn evidence_to_load(&self) -> Option<PathBuf> {
        let (given, absolute) = (self.evidence.as_ref()?, self.evidence_absolute.as_ref()?);
        let same = fs::canonicalize(given).is_ok_and(|here| &here == absolute);
        Some(if same {
            given.clone()
        } else {
            absolute.clone()
        })
    }
}

/// What one shard leaves: its tallies and what it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    pub program: String,
    pub version: String,
    pub shard: ShardSpec,
    pub blocks: Range<u64>,
    pub total_blocks: u64,
    pub model_hash: String,
    pub seed: u64,
    pub paths: u64,
    pub source: ModelSource,
    pub weighting: WeightingSource,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub tally: Tally,
    pub prior: Option<Tally>,
    /// SHA-256 of the file's JSON written with this field empty: a shard changed after it was
    /// written (by hand, or damaged) is refused.
    #[serde(default)]
    pub content_sha256: String,
}

/// The two fields read before the rest, so a shard of another version is named as such.
#[derive(Deserialize)]
struct Label {
    program: String,
    version: String,
}

/// The valid form of any shard file problem.
const SHARD_AS_WRITTEN: &str =
    "a shard file as `run --shard` of this version wrote it: run that shard again";

/// The `program` field of a partial: a partial is told from any other JSON file by it.
pub const PARTIAL_PROGRAM: &str = "foresight shard";

impl Partial {
    /// Reads a partial, saying which file failed and why: not a shard, a shard of another
    /// version, damaged, or changed since it was written.
    pub fn read(path: &Path) -> Result<Partial> {
        let bytes = read_bounded(path, MAX_SHARD_BYTES)
            .with_context(|| format!("cannot read the shard file {}", path.display()))?;
        let refuse = |message: String| Error::from(Problem::new(message).valid(SHARD_AS_WRITTEN));
        let label: Label = serde_json::from_slice(&bytes)
            .map_err(|_| refuse(format!("{} is not a shard file", path.display())))?;
        if label.program != PARTIAL_PROGRAM {
            return Err(refuse(format!(
                "{} is not a shard file (its program is `{}`)",
                path.display(),
                label.program
            )));
        }
        if label.version != VERSION {
            return Err(refuse(format!(
                "{} was written by foresight {}; this is foresight {VERSION}",
                path.display(),
                label.version
            )));
        }
        if !sealed_intact(&bytes) {
            return Err(refuse(format!(
                "{} was changed after it was written: its content does not match its digest",
                path.display()
            )));
        }
        serde_json::from_slice(&bytes)
            .map_err(|error| refuse(format!("{} is damaged: {error}", path.display())))
    }

    /// The partial as compact JSON, sealed: its digest is the SHA-256 of these very bytes with
    /// the digest left empty, so checking it needs no parsing (floats included).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let unsealed = Partial {
            content_sha256: String::new(),
            ..self.clone()
        };
        let text = String::from_utf8(serde_json::to_vec(&unsealed)?)
            .map_err(|error| Error::Failed(Box::new(error)))?;
        let digest = sha256_hex(text.as_bytes());
        let empty = format!("{DIGEST_KEY}\"");
        let Some(at) = text.rfind(&empty) else {
            let missing = "the shard's JSON has no digest field to seal";
            return Err(Error::Failed(missing.into()));
        };
        Ok(format!(
            "{}{DIGEST_KEY}{digest}\"{}",
            &text[..at],
            &text[at + empty.len()..]
        )
        .into_bytes())
    }
}

/// The digest's key and opening quote, as the JSON writes them.
const DIGEST_KEY: &str = "\"content_sha256\":\"";

/// Whether a shard's bytes still match the digest they carry.
fn sealed_intact(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let Some(start) = text.rfind(DIGEST_KEY).map(|at| at + DIGEST_KEY.len()) else {
        return false;
    };
    let Some(length) = text[start..].find('"') else {
        return false;
    };
    let unsealed = format!("{}{}", &text[..start], &text[start + length..]);
    sha256_hex(unsealed.as_bytes()) == text[start..start + length]
}

/// Expands folders into the shard files they hold (`shard-*.json`), in name order.
pub fn shard_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = fs::read_dir(path)
                .with_context(|| format!("cannot read the folder {}", path.display()))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|file| is_shard_name(file))
                .collect();
            if inside.is_empty() {
                return Err(
                    Problem::new(format!("{} holds no shard file", path.display()))
                        .valid("a folder holding shard-KKKK-of-NNNN.json files")
                        .into(),
                );
            }
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn is_shard_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("shard-") && name.ends_with(".json"))
}

/// Checks that the partials are the shards of one run, each once, none missing; returns them in
/// shard order.
pub fn check_set(partials: Vec<(PathBuf, Partial)>) -> Result<Vec<(PathBuf, Partial)>> {
    let Some((first_path, first)) = partials.first().cloned() else {
        return Err(Problem::new("no shard files to merge")
            .valid("shard files (shard-KKKK-of-NNNN.json) or folders holding them")
            .into());
    };
    for (path, partial) in &partials[1..] {
        check_same_run((&first_path, &first), (path, partial))?;
    }
    let mut by_index: BTreeMap<u64, (PathBuf, Partial)> = BTreeMap::new();
    for (path, partial) in partials {
        if let Some((earlier, _)) = by_index.get(&partial.shard.index) {
            return Err(Problem::new(format!(
                "shard {} is given twice: {} and {}",
                partial.shard,
                earlier.display(),
                path.display()
            ))
            .valid("each shard of the run once")
            .into());
        }
        let expected = partial.shard.blocks(partial.total_blocks);
        if partial.blocks != expected {
            return Err(Problem::new(format!(
                "{} claims blocks {:?}, but shard {} runs blocks {:?}: the file is damaged",
                path.display(),
                partial.blocks,
                partial.shard,
                expected
            ))
            .valid(SHARD_AS_WRITTEN)
            .into());
        }
        by_index.insert(partial.shard.index, (path, partial));
    }
    let count = first.shard.count;
    let missing = count - by_index.len() as u64;
    if missing > 0 {
        let shown = first_missing(by_index.keys().copied(), count);
        let mut named = shown
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if missing > shown.len() as u64 {
            named = format!("{named} and {} more", missing - shown.len() as u64);
        }
        return Err(Problem::new(format!(
            "shard{} {named} of {count} {} missing",
            if missing == 1 { "" } else { "s" },
            if missing == 1 { "is" } else { "are" }
        ))
        .valid(format!("all {count} shards of the run"))
        .into());
    }
    Ok(by_index.into_values().collect())
}

/// Refuses a partial that belongs to another run than the first one.
fn check_same_run(first: (&Path, &Partial), other: (&Path, &Partial)) -> Result<()> {
    let (first_path, first) = first;
    let (path, partial) = other;
    let differs = |what: &str, theirs: String, ours: String| {
        Error::from(
            Problem::new(format!(
                "{} is not a shard of the same run as {}: its {what} is {theirs}, not {ours}",
                path.display(),
                first_path.display()
            ))
            .valid("shards of one run (same file, overrides, seed, paths, weighting and version)"),
        )
    };
    if partial.version != first.version {
        return Err(differs(
            "foresight version",
            partial.version.clone(),
            first.version.clone(),
        ));
    }
    if partial.model_hash != first.model_hash {
        return Err(differs(
            "model",
            format!("hash {}", short(&partial.model_hash)),
            format!("hash {}", short(&first.model_hash)),
        ));
    }
    if partial.seed != first.seed {
        return Err(differs(
            "seed",
            partial.seed.to_string(),
            first.seed.to_string(),
        ));
    }
    if partial.paths != first.paths {
        return Err(differs(
            "paths",
            partial.paths.to_string(),
            first.paths.to_string(),
        ));
    }
    if partial.shard.count != first.shard.count {
        return Err(differs(
            "shard count",
            partial.shard.count.to_string(),
            first.shard.count.to_string(),
        ));
    }
    if partial.weighting != first.weighting {
        return Err(differs(
            "weighting",
            format!("{:?}", partial.weighting),
            format!("{:?}", first.weighting),
        ));
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Refuses a shard whose tallies (a file edited by hand, say) do not have the model's shape.
pub fn check_shapes(partials: &[(PathBuf, Partial)], expected: &Dims) -> Result<()> {
    for (path, partial) in partials {
        let tallies = std::iter::once(&partial.tally).chain(partial.prior.as_ref());
        for tally in tallies {
            tally
                .check_shape(expected)
                .map_err(|error| refused(path, error))?;
        }
    }
    Ok(())
}

/// The sum of the shards' tallies (and priors), in shard order.
pub fn merge_tallies(partials: &[(PathBuf, Partial)]) -> Result<(Tally, Option<Tally>)> {
    let Some((_, first)) = partials.first() else {
        return Err(Error::invalid("no shard files to merge"));
    };
    let mut tally = first.tally.clone();
    let mut prior = first.prior.clone();
    for (path, partial) in &partials[1..] {
        tally
            .merge(&partial.tally)
            .map_err(|error| refused(path, error))?;
        if let (Some(prior), Some(more)) = (prior.as_mut(), partial.prior.as_ref()) {
            prior.merge(more).map_err(|error| refused(path, error))?;
        }
    }
    Ok((tally, prior))
}

/// A shard whose tally cannot be used, named.
fn refused(path: &Path, error: TallyError) -> Error {
    Problem::new(format!("{}: {error}", path.display()))
        .valid(SHARD_AS_WRITTEN)
        .into()
}

/// The first few shard indices in 1..=count that `present` (ascending) lacks: found by walking
/// the gaps, so the work and memory depend on the files given, never on the shard count.
fn first_missing(present: impl Iterator<Item = u64>, count: u64) -> Vec<u64> {
    const SHOWN: usize = 5;
    let mut missing = Vec::new();
    let mut next = 1;
    for index in present.chain(std::iter::once(count + 1)) {
        while next < index && missing.len() < SHOWN {
            missing.push(next);
            next += 1;
        }
        if missing.len() == SHOWN {
            break;
        }
        next = index + 1;
    }
    missing
}

/// SHA-256 of a file's bytes, in hex, to tell whether it changed.
pub fn file_sha256(path: &Path) -> Result<String> {
    let bytes = read_bounded(path, crate::scenario::source::MAX_FILE_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(sha256_hex(&bytes))
}

/// Refuses, before any path is run, a shard file that exists already (unless `force`).
fn check_unwritten(spec: &ShardSpec, folder: &Path, force: bool) -> Result<()> {
    let path = folder.join(spec.file_name());
    if path.exists() && !force {
        return Err(Problem::new(format!("{} already exists", path.display()))
            .valid("--force to replace it, or another --out")
            .into());
    }
    Ok(())
}

/// Makes the shard folder ready before any path is run: created, writable, holding no file for
/// this shard (unless `force`), and rid of what dead shard runs left. A folder it had to create
/// is removed again when it fails.
pub fn prepare_folder(spec: &ShardSpec, folder: &Path, force: bool) -> Result<()> {
    let existed = folder.exists();
    let prepared = fs::create_dir_all(folder)
        .with_context(|| format!("cannot create the shard folder {}", folder.display()))
        .and_then(|()| check_unwritten(spec, folder, force))
        .and_then(|()| probe_writable(folder));
    if prepared.is_err() && !existed {
        let _ = fs::remove_dir(folder);
    }
    remove_dead_staging(folder);
    prepared
}

fn probe_writable(folder: &Path) -> Result<()> {
    let probe = folder.join(format!(".shard-probe.json.partial-{}", std::process::id()));
    let written = fs::write(&probe, b"probe");
    let _ = fs::remove_file(&probe);
    written.with_context(|| format!("cannot write in the shard folder {}", folder.display()))
}

/// Writes a partial to `folder/shard-KKKK-of-NNNN.json` whole or not at all (a temporary file renamed
/// into place); an existing file for the same shard only with `force`.
pub fn write_partial(partial: &Partial, folder: &Path, force: bool) -> Result<PathBuf> {
    fs::create_dir_all(folder)
        .with_context(|| format!("cannot create the shard folder {}", folder.display()))?;
    check_unwritten(&partial.shard, folder, force)?;
    let path = folder.join(partial.shard.file_name());
    let staging = folder.join(format!(
        ".{}.partial-{}",
        partial.shard.file_name(),
        std::process::id()
    ));
    let written = fs::write(&staging, partial.to_json()?)
        .with_context(|| format!("cannot write {}", staging.display()))
        .and_then(|()| {
            fs::rename(&staging, &path).with_context(|| format!("cannot write {}", path.display()))
        });
    if written.is_err() {
        // A file cut short by a full disk must not stay behind.
        let _ = fs::remove_file(&staging);
    }
    written.map(|()| path)
}

/// Removes the temporary shard files (`.shard-...json.partial-PID`) of shard runs that died.
fn remove_dead_staging(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(".shard-")
            .and_then(|rest| rest.rsplit_once(".json.partial-"))
            .map(|(_, pid)| pid)
        else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
        let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
        if is_file && digits && !crate::process::alive(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sealed_intact, ShardSpec};
    use crate::input::sha256_hex;

    #[test]
    fn the_seal_is_checked_on_the_bytes_without_parsing_floats() {
        // A float that a best-effort parser may read an ulp off: the check never parses it.
        let unsealed = r#"{"wall_time_seconds":0.30000000000000004,"content_sha256":""}"#;
        let digest = sha256_hex(unsealed.as_bytes());
        let sealed = unsealed.replace(
            r#""content_sha256":"""#,
            &format!(r#""content_sha256":"{digest}""#),
        );
        assert!(sealed_intact(sealed.as_bytes()));
        let edited = sealed.replace("0.30000000000000004", "0.30000000000000005");
        assert!(!sealed_intact(edited.as_bytes()));
        assert!(!sealed_intact(unsealed.as_bytes()));
    }

    #[test]
    fn shards_cover_every_block_once_in_order() {
        for total in [0u64, 1, 5, 8, 100, 1001] {
            for count in 1..=9u64 {
                let mut next = 0;
                for index in 1..=count {
                    let blocks = ShardSpec { index, count }.blocks(total);
                    assert_eq!(blocks.start, next, "{index}/{count} of {total}");
                    assert!(blocks.end - blocks.start <= total.div_ceil(count));
                    next = blocks.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_specs_parse_and_refuse() {
        let spec: ShardSpec = "3/8".parse().expect("valid");
        assert_eq!((spec.index, spec.count), (3, 8));
        assert_eq!(spec.file_name(), "shard-0003-of-0008.json");
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }
}
