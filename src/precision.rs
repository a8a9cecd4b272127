//! Precision targets: instead of a fixed number of paths, keep adding rounds of whole blocks
//! until every headline probability (each posture at the headline months) has a 95% interval no
//! wider than the target on either side, or a cap is reached. The rounds are fixed in size and
//! the decision to go on depends only on the tallies, which do not depend on the thread count,
//! so a given seed always stops at the same number of paths, and the result equals a plain run
//! of that many paths.

use crate::error::{Error, Result};

use crate::model::Model;
use crate::problem::Problem;
use crate::runner::{run_blocks, RunOptions, RunOutcome};
use crate::sampling::{block_count, BLOCK_PATHS};
use crate::stats::estimates::headline_months;
use crate::stats::Estimates;
use crate::weighting::PathWeighting;

/// Blocks added per round after the first: 32,768 paths.
pub const ROUND_BLOCKS: u64 = 8;

/// The goal: every headline interval's half-width at most `half_width`, within `max_paths`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionTarget {
    pub half_width: f64,
    pub max_paths: u64,
}

/// What a run to a precision target did.
#[derive(Debug)]
pub struct PrecisionRun {
    pub outcome: RunOutcome,
    pub reached: PrecisionReached,
}

/// How far a run to a precision target got.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PrecisionReached {
    pub target_half_width: f64,
    pub max_paths: u64,
    /// Paths run: always whole blocks.
    pub paths: u64,
    /// The widest headline half-width reached.
    pub widest_half_width: f64,
    pub met: bool,
}

impl PrecisionTarget {
    /// Checks the target before any path is run.
    pub fn checked(half_width: f64, max_paths: u64) -> Result<Self> {
        if !(half_width > 0.0 && half_width < 0.5) {
            return Err(
                Problem::new(format!("--precision {half_width} is out of range"))
                    .valid("a half-width between 0 and 0.5, such as 0.005")
                    .into(),
            );
        }
        if max_paths < BLOCK_PATHS {
            return Err(
                Problem::new(format!("--max-paths {max_paths} is below one block"))
                    .valid(format!("at least {BLOCK_PATHS} paths"))
                    .into(),
            );
        }
        Ok(PrecisionTarget {
            half_width,
            max_paths,
        })
    }
}

/// Runs the model's paths (rounded up to whole blocks), then rounds of [`ROUND_BLOCKS`] more,
/// until the target is met or the next round would pass the cap.
pub fn run_to_precision(
    model: &Model,
    weighting: Option<&PathWeighting>,
    target: PrecisionTarget,
    options: RunOptions,
) -> Result<PrecisionRun> {
    let cap_blocks = (target.max_paths / BLOCK_PATHS).max(1);
    let mut sized = model.clone();
    // Every block the rounds may run is whole, so the first rounds equal a plain run's blocks.
    sized.run.paths = cap_blocks * BLOCK_PATHS;
    let mut done = block_count(model.run.paths).clamp(1, cap_blocks);
    let mut outcome = run_blocks(&sized, 0..done, weighting, options)?;
    loop {
        let widest = widest_half_width(model, &outcome);
        let met = widest <= target.half_width;
        if met || done >= cap_blocks {
            let reached = PrecisionReached {
                target_half_width: target.half_width,
                max_paths: target.max_paths,
                paths: done * BLOCK_PATHS,
                widest_half_width: widest,
                met,
            };
            return Ok(PrecisionRun { outcome, reached });
        }
        let next = (done + ROUND_BLOCKS).min(cap_blocks);
        let more = run_blocks(&sized, done..next, weighting, options)?;
        absorb(&mut outcome, more)?;
        done = next;
    }
}

fn absorb(outcome: &mut RunOutcome, more: RunOutcome) -> Result<()> {
    let failed = |error| Error::Failed(Box::new(error));
    outcome.tally.merge(&more.tally).map_err(failed)?;
    if let (Some(prior), Some(extra)) = (outcome.prior.as_mut(), more.prior.as_ref()) {
        prior.merge(extra).map_err(failed)?;
    }
    outcome.wall_time += more.wall_time;
    outcome.stages.merge(&more.stages);
    Ok(())
}

/// The widest side of any headline posture probability's 95% interval; infinite while no path
/// has weight.
pub fn widest_half_width(model: &Model, outcome: &RunOutcome) -> f64 {
    if outcome.tally.weight == 0 {
        return f64::INFINITY;
    }
    let estimates = Estimates::from_tally(model, &outcome.tally);
    let mut widest: f64 = 0.0;
    for month in headline_months(model.horizon()) {
        for posture in model.posture_ids() {
            let estimate = estimates.posture_at(month, posture);
            let side = (estimate.probability - estimate.ci_low)
                .max(estimate.ci_high - estimate.probability);
            widest = widest.max(side);
        }
    }
    widest
}
