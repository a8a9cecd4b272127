//! `indicators_by_held_posture.csv`: each indicator by month among the paths holding each
//! posture *that month*, with the share of paths holding it. `indicators.csv` groups paths by
//! the posture they end in (its `subset` column); this table groups them by the posture held at
//! the month shown, which is what a reader comparing a month's indicator across postures wants.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::Role;
use crate::output::render::csv::{finish, fixed4, fixed6};
use crate::stats::tally::histogram_quantile;

pub const HELD_POSTURE_FILE: &str = "indicators_by_held_posture.csv";

/// The quantiles of the table, as in `indicators.csv`.
const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

pub struct HeldPostureTable;

impl Export for HeldPostureTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let (model, tally) = (report.model, report.tally);
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "month",
            "indicator",
            "posture_held",
            "share_holding",
            "mean",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
            "unit",
            "date",
        ])?;
        let total = tally.weight.max(1) as f64;
        for month in 0..tally.dims.months {
            for id in model.series_with_role(Role::Indicator) {
                let series = id.index();
                let Some(binning) = tally.dims.binning[series] else {
                    continue;
                };
                for (posture, definition) in model.postures.iter().enumerate() {
                    let Some((mean, low, high)) = tally.held_summary(month, series, posture) else {
                        continue;
                    };
                    let slots = tally.held_histogram_of(month, series, posture);
                    let quantile = |q| histogram_quantile(&slots, &binning, q).clamp(low, high);
                    let share = tally.held_weight(month, posture) as f64 / total;
                    let mut record = vec![
                        month.to_string(),
                        model.series[series].name.clone(),
                        definition.name.clone(),
                        fixed6(share),
                        fixed4(mean),
                    ];
                    record.extend(QUANTILES.map(|q| fixed4(quantile(q))));
                    record.push(model.series[series].unit.clone());
                    record.push(super::tables::date(model, month));
                    writer.write_record(&record)?;
                }
            }
        }
        Ok(vec![Artifact::write(
            folder,
            HELD_POSTURE_FILE,
            &finish(writer)?,
        )?])
    }
}
