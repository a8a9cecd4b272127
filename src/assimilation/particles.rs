//! Particles run on the lane engine, up to [`LANES`] at a time: each lane replays its own
//! particle's kept noise ([`LaneReplay`]) and then draws from its own fresh stream, so every
//! particle's path is the one the one-path engine gives it, to the bit (tested), at the lane
//! engine's speed.

use super::latent::{LaneReplay, LatentLayout};
use crate::engine::{LaneHistory, LanePath, LaneSimulator, Trajectory, LANES};
use crate::model::Model;
use crate::sampling::lane_streams::LaneStreams;
use crate::sampling::rng::Stream;

/// One worker's lane engine for particles, and a buffer for one particle's path.
pub struct ParticleLanes<'m> {
    simulator: LaneSimulator<'m>,
    layout: LatentLayout,
    seed: u64,
    trajectory: Trajectory,
}

/// A lane group of particles: each one's parameter values, kept noise, and the index of its
/// fresh stream past the kept months (`Stream::Forecast`).
pub struct Group<'a> {
    pub values: &'a [&'a [f64]],
    pub latent: &'a [&'a [f32]],
    pub fresh: &'a [u64],
}

impl<'m> ParticleLanes<'m> {
    pub fn new(model: &'m Model, layout: LatentLayout) -> Self {
        let simulator = LaneSimulator::new(model);
        ParticleLanes {
            trajectory: simulator.blank_trajectory(),
            simulator,
            layout,
            seed: model.run.seed,
        }
    }

    /// Runs the group's particles (at least one, at most [`LANES`]) to month `until`.
    pub fn run(&mut self, group: &Group, until: usize) {
        let last = group.values.len() - 1;
        let latent = std::array::from_fn(|lane| group.latent[lane.min(last)]);
        let fresh = std::array::from_fn(|lane| group.fresh[lane.min(last)]);
        let fresh = LaneStreams::for_stream(self.seed, Stream::Forecast, fresh);
        let mut draws = LaneReplay::new(latent, self.layout, fresh);
        self.simulator
            .simulate_until_with(&mut draws, group.values, until);
    }

    /// Every lane's path as the last run left it.
    pub fn history(&self) -> &LaneHistory {
        &self.simulator.history
    }

    /// Particle `lane`'s path through month `until` of the last run, read in place: what
    /// evidence and conditions read, with no copy.
    pub fn path(&self, lane: usize, until: usize) -> LanePath<'_> {
        self.simulator.history.lane(lane, until)
    }

    /// Particle `lane`'s path through month `until` of the last run, copied out (later months
    /// are stale): for what records or keeps whole paths.
    pub fn trajectory(&mut self, lane: usize, until: usize) -> &Trajectory {
        let history = &self.simulator.history;
        history.trajectory_through(lane, until, &mut self.trajectory);
        &self.trajectory
    }
}

/// The rows of the particles `ats` of a chunk-like store holding `width` values each.
pub fn rows<T>(store: &[T], width: usize, ats: std::ops::Range<usize>) -> [&[T]; LANES] {
    let last = ats.end - 1;
    std::array::from_fn(|lane| {
        let at = (ats.start + lane).min(last);
        &store[at * width..(at + 1) * width]
    })
}

#[cfg(test)]
mod tests {
    use super::{Group, ParticleLanes};
    use crate::assimilation::latent::{LatentLayout, ReplayDraws};
    use crate::engine::{most_draws_per_month, PathSimulator, PathView, LANES};
    use crate::model::SeriesId;
    use crate::sampling::design::ParameterSampler;
    use crate::sampling::rng::{standard_normal, stream, Stream};
    use crate::sampling::BlockSample;

    /// Particles of the base scenario (with its jumps, absorbing states, hazards and choices),
    /// kept noise for some months and fresh draws after them: every lane's path is the one-path
    /// engine's, to the bit, through the last month run and on every month of it.
    #[test]
    fn particle_lanes_are_the_one_path_engines_to_the_bit() {
        let path = std::path::Path::new("scenarios/base.toml");
        let model = crate::scenario::load(path, &[]).expect("the base scenario loads");
        let layout = LatentLayout {
            slots: most_draws_per_month(&model),
            months: 9,
        };
        let mut sample = BlockSample::default();
        ParameterSampler::new(&model).sample_block(0, &mut sample);
        let particles = LANES + 7;
        let mut rng = stream(11, Stream::Bootstrap, 0);
        let latent: Vec<f32> = (0..particles * layout.len())
            .map(|_| standard_normal(&mut rng) as f32)
            .collect();
        let mut lanes = ParticleLanes::new(&model, layout);
        let mut one = PathSimulator::new(&model);
        for until in [4, 9, model.horizon()] {
            for first in (0..particles).step_by(LANES) {
                let ats = first..(first + LANES).min(particles);
                let values = super::rows(&sample.values, sample.stride, ats.clone());
                let kept = super::rows(&latent, layout.len(), ats.clone());
                let fresh: Vec<u64> = ats.clone().map(|at| at as u64).collect();
                let n = ats.len();
                let group = Group {
                    values: &values[..n],
                    latent: &kept[..n],
                    fresh: &fresh,
                };
                lanes.run(&group, until);
                for (lane, at) in ats.enumerate() {
                    let fresh = stream(model.run.seed, Stream::Forecast, at as u64);
                    let mut draws = ReplayDraws::new(kept[lane], layout, fresh);
                    one.simulate_until(&mut draws, values[lane], until);
                    let path = lanes.trajectory(lane, until);
                    let months = until + 1;
                    let width = path.values.len() / path.postures.len();
                    assert_eq!(path.postures[..months], one.trajectory.postures[..months]);
                    let same = path.values[..months * width]
                        .iter()
                        .zip(&one.trajectory.values)
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same, "particle {at} to month {until}: values differ");
                    let in_place = lanes.path(lane, until);
                    for month in 0..months {
                        assert_eq!(in_place.posture(month), one.trajectory.postures[month]);
                        for series in 0..width {
                            let id = SeriesId(series as u32);
                            let (read, alone) =
                                (in_place.value(month, id), one.trajectory.value(month, id));
                            assert_eq!(
                                read.to_bits(),
                                alone.to_bits(),
                                "particle {at}, month {month}"
                            );
                        }
                    }
                }
            }
        }
    }
}
