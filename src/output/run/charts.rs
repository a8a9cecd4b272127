//! The charts of a run: the posture probabilities, the headline, the first departure, a fan per
//! indicator and, with `--given` or `--evidence`, the weighted comparison. A chart implements
//! [`Chart`] against its run; [`crate::output::render`] draws it, on the run's threads.

use anyhow::{anyhow, Result};

use super::chart::{render, Chart};
use super::{fan, first_departure as departure, headline, posture_probabilities as posture};
use super::{weighted_chart as weighted, Export, OutputFolder, RunReport};
use crate::model::{Role, SeriesKind};
use crate::output::render::{render_all, style, RenderJob};

pub struct Charts;

/// The charts of a run: postures, headline, first departure, and a fan per indicator.
fn chart_names(report: &RunReport) -> Vec<String> {
    let mut names = vec![
        posture::NAME.to_string(),
        headline::NAME.to_string(),
        departure::NAME.to_string(),
    ];
    names.extend(fan_charts(report).into_iter().map(|chart| chart.name()));
    names.extend(weighted_chart(report).map(|chart| chart.name()));
    names
}

fn weighted_chart(report: &RunReport) -> Option<weighted::WeightedChart> {
    let stem = report.weighted.as_ref()?.kind();
    Some(weighted::WeightedChart { stem })
}

fn fan_charts(report: &RunReport) -> Vec<fan::FanChart> {
    report
        .model
        .series_with_role(Role::Indicator)
        .filter(|&index| !matches!(report.model.series[index].kind, SeriesKind::Regime(_)))
        .map(|series| fan::FanChart {
            series,
            file_stem: format!("fan_{}", report.model.series[series].name),
        })
        .collect()
}

impl Export for Charts {
    fn file_names(&self, report: &RunReport) -> Vec<String> {
        chart_names(report)
            .into_iter()
            .flat_map(|name| [format!("{name}.png"), format!("{name}.svg")])
            .collect()
    }

    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<()> {
        style::ensure_font().map_err(|error| anyhow!(error))?;
        let (fans, weighted) = (fan_charts(report), weighted_chart(report));
        let mut jobs: Vec<RenderJob> = vec![
            Box::new(|| render(&posture::PostureChart, report, folder)),
            Box::new(|| render(&headline::HeadlineChart, report, folder)),
            Box::new(|| render(&departure::DepartureChart, report, folder)),
        ];
        for chart in &fans {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        if let Some(chart) = &weighted {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        render_all(jobs, report.threads)
    }
}
