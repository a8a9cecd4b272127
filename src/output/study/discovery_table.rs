//! `discovery.csv`: each box PRIM chose, one row per uncertain parameter (the restricted ones
//! first), with its bounds in the parameter's units and as percentiles of the sampled values, and
//! the box's coverage, density and mass; `discovery_peeling.csv`: every step of every peeling,
//! the trade-off an analyst may prefer to choose from.

use crate::error::Result;

use crate::model::Model;
use crate::output::render::csv::{finish, fixed4, fixed6};
use crate::output::OutputFolder;
use crate::studies::discovery::DiscoveryStudy;

pub const DISCOVERY_FILE: &str = "discovery.csv";
pub const PEELING_FILE: &str = "discovery_peeling.csv";

const HEADER: [&str; 14] = [
    "box",
    "target",
    "target_share",
    "coverage",
    "density",
    "mass",
    "parameter",
    "restricted",
    "lower",
    "upper",
    "lower_percentile",
    "upper_percentile",
    "density_without_restriction",
    "paths",
];

const PEELING_HEADER: [&str; 6] = ["box", "step", "chosen", "coverage", "density", "mass"];

pub fn write(study: &DiscoveryStudy, model: &Model, folder: &OutputFolder) -> Result<()> {
    folder.write(DISCOVERY_FILE, &boxes_table(study, model)?)?;
    folder.write(PEELING_FILE, &peeling_table(study)?)
}

fn boxes_table(study: &DiscoveryStudy, model: &Model) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for (box_index, peeling) in study.boxes.iter().enumerate() {
        let chosen = peeling.chosen_box();
        let mut order: Vec<usize> = (0..study.parameters.len()).collect();
        order.sort_by_key(|&i| !chosen.restricted[i]);
        for i in order {
            let (lower_percentile, upper_percentile) = study.bound_percentiles[box_index][i];
            let record = [
                (box_index + 1).to_string(),
                study.target.clone(),
                fixed6(study.target_share),
                fixed6(chosen.coverage),
                fixed6(chosen.density),
                fixed6(chosen.mass),
                model.parameters[study.parameters[i]].name.clone(),
                chosen.restricted[i].to_string(),
                fixed4(chosen.lower[i]),
                fixed4(chosen.upper[i]),
                fixed4(lower_percentile),
                fixed4(upper_percentile),
                peeling.density_without[i].map_or_else(String::new, fixed6),
                study.paths.to_string(),
            ];
            writer.write_record(record)?;
        }
    }
    finish(writer)
}

fn peeling_table(study: &DiscoveryStudy) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(PEELING_HEADER)?;
    for (box_index, peeling) in study.boxes.iter().enumerate() {
        for (step, prim_box) in peeling.steps.iter().enumerate() {
            writer.write_record([
                (box_index + 1).to_string(),
                step.to_string(),
                (step == peeling.chosen).to_string(),
                fixed6(prim_box.coverage),
                fixed6(prim_box.density),
                fixed6(prim_box.mass),
            ])?;
        }
    }
    finish(writer)
}
