//! `foresight merge`: combine the partials of a sharded run into the outputs a single run of all
//! the paths would have written. The shards are checked to belong together; the model (and any
//! evidence) is loaded again from the files they name and must be unchanged since they ran.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;

use super::run::{weighting, write_finished, Finished};
use super::OutputArgs;
use crate::output::run::Merged;
use crate::runner::RunOutcome;
use crate::sharding::{self, Partial};
use crate::stats::Dims;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard files (shard-KKKK-of-NNNN.json, as `run --shard` names them), or folders holding them.
    #[arg(required = true, value_name = "SHARDS")]
    pub shards: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Skip report.html and brief.md.
    #[arg(long)]
    pub no_report: bool,
}

pub fn merge(args: &MergeArgs) -> Result<()> {
    let started = Instant::now();
    let files = sharding::shard_files(&args.shards)?;
    let partials = files
        .into_iter()
        .map(|path| Partial::read(&path).map(|partial| (path, partial)))
        .collect::<crate::error::Result<Vec<_>>>()?;
    let partials = sharding::check_set(partials)?;
    let first = &partials[0].1;
    let request = first.source.request();
    let model = request.load()?;
    if model.model_hash() != first.model_hash {
        bail!(
            "{} has changed since the shards ran (its model hash differs): run the shards again, \
             or restore the file",
            first.source.file.display()
        );
    }
    let weighting_files = &first.weighting;
    let given = weighting_files.given.as_deref();
    let evidence = weighting_files.evidence_to_load();
    if let Some(path) = &evidence {
        if Some(sharding::file_sha256(path)?) != weighting_files.evidence_sha256 {
            bail!(
                "the evidence file {} has changed since the shards ran: run the shards again, \
                 or restore the file",
                path.display()
            );
        }
    }
    let weighting = weighting(&model, given, evidence.as_deref())?;
    sharding::check_shapes(&partials, &Dims::of(&model))?;
    let (tally, prior) = sharding::merge_tallies(&partials)?;
    let outcome = RunOutcome {
        tally,
        prior,
        wall_time: Duration::ZERO,
        threads: partials.iter().map(|(_, p)| p.threads).max().unwrap_or(1),
        stages: Default::default(),
    };
    let merged = Merged {
        shards: partials.len() as u64,
        compute_seconds: partials.iter().map(|(_, p)| p.wall_time_seconds).sum(),
    };
    args.output
        .produce(model.meta.name.clone(), |folder, started_at| {
            // The merge's own time: reading, checking and adding the shards.
            let outcome = RunOutcome {
                wall_time: started.elapsed(),
                ..outcome
            };
            let finished = Finished {
                model: &model,
                outcome,
                assimilation: None,
                scores: None,
                weighting: weighting.as_ref(),
                overrides: request.written_overrides(),
                sensitivity: None,
                precision: None,
                merged: Some(merged),
                briefing: !args.no_report,
                timed_since: None,
            };
            let (text, ..) = write_finished(&finished, folder, started_at)?;
            Ok(format!("merged {} shards\n{text}", partials.len()))
        })
}
