//! The charts of a run: the posture probabilities, the headline, the first departure, with
//! `--given` or `--evidence` the weighted comparison, a fan per indicator and each regime chain,
//! listed in the order the briefing shows them. A chart implements [`super::chart::Chart`]
//! against its run; [`crate::output::render`] draws it, on the run's threads.

use crate::error::Result;
use crate::timing::Stage;

use super::calibration_charts::{PitChart, ReliabilityChart};
use super::chart::render;
use super::effective_sample_chart::EffectiveSampleChart;
use super::posterior_chart::PosteriorChart;
use super::{
    fan, first_departure as departure, headline, posture_probabilities as posture, regime_chart,
};
use super::{weighted_chart as weighted, Artifact, Export, OutputFolder, RunReport};
use crate::model::{Role, SeriesKind};
use crate::output::render::{render_all, style, RenderJob};

/// The run's own charts: postures, headline, first departure and, when weighted, the comparison.
pub struct Charts;

/// A fan chart per indicator, then each regime chain's states.
pub struct SeriesCharts;

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
    fn stage(&self) -> Stage {
        Stage::Charts
    }

    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        style::ensure_font()?;
        let weighted = weighted_chart(report);
        let mut jobs: Vec<RenderJob> = vec![
            Box::new(|| render(&posture::PostureChart, report, folder)),
            Box::new(|| render(&headline::HeadlineChart, report, folder)),
            Box::new(|| render(&departure::DepartureChart, report, folder)),
        ];
        if let Some(chart) = &weighted {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        if let Some(scores) = report.scores {
            if scores.model_rows().any(|row| !row.pit.is_nan()) {
                jobs.push(Box::new(|| render(&PitChart, report, folder)));
            }
            if scores.category_forecasts().next().is_some() {
                jobs.push(Box::new(|| render(&ReliabilityChart, report, folder)));
            }
        }
        if let Some(assimilation) = report.assimilation {
            jobs.push(Box::new(|| render(&EffectiveSampleChart, report, folder)));
            if !assimilation.parameters.is_empty() {
                jobs.push(Box::new(|| render(&PosteriorChart, report, folder)));
            }
        }
        render_all(jobs, report.threads)
    }
}

fn regime_charts(report: &RunReport) -> Vec<regime_chart::RegimeChart> {
    let model = report.model;
    model
        .regimes()
        .map(|(series, _)| regime_chart::RegimeChart {
            series,
            file_stem: format!("regime_{}", model.series[series].name),
        })
        .collect()
}

impl Export for SeriesCharts {
    fn stage(&self) -> Stage {
        Stage::Charts
    }

    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let (fans, regimes) = (fan_charts(report), regime_charts(report));
        let mut jobs: Vec<RenderJob> = Vec::new();
        for chart in &fans {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        for chart in &regimes {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        render_all(jobs, report.threads)
    }
}
