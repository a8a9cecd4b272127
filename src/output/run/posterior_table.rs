//! `posterior_parameters.csv` (after `--evidence`): what the evidence taught each uncertain
//! parameter, its mean and 5/50/95% quantiles before and after.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::output::render::csv::{finish, fixed6};

pub const POSTERIOR_FILE: &str = "posterior_parameters.csv";

pub struct PosteriorTable;

impl Export for PosteriorTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let Some(assimilation) = report.assimilation else {
            return Ok(Vec::new());
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "parameter",
            "prior_mean",
            "prior_p5",
            "prior_p50",
            "prior_p95",
            "posterior_mean",
            "posterior_p5",
            "posterior_p50",
            "posterior_p95",
        ])?;
        for parameter in &assimilation.parameters {
            let (prior, posterior) = (parameter.prior, parameter.posterior);
            let numbers = [
                prior.mean,
                prior.p5,
                prior.p50,
                prior.p95,
                posterior.mean,
                posterior.p5,
                posterior.p50,
                posterior.p95,
            ];
            let record = std::iter::once(parameter.name.clone()).chain(numbers.map(fixed6));
            writer.write_record(record)?;
        }
        Ok(vec![Artifact::write(
            folder,
            POSTERIOR_FILE,
            &finish(writer)?,
        )?])
    }
}
