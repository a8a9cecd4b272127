//! The engine: paths of the model, stepped month by month.
//!
//! A month runs in three phases: the drivers move (each from last month's state), the actor's
//! posture is chosen (from this month's drivers), and the indicators follow (from this month's
//! drivers and posture). The engine knows only series, postures and expressions; what they mean
//! is the scenario file's business.
//!
//! Runs use [`LaneSimulator`], which steps [`LANES`] paths together. [`PathSimulator`], here, is
//! the reference implementation: one path at a time, written for reading, and the lane engine is
//! tested against it bit for bit on every vector instruction set (`tests/engine.rs`). Nothing
//! but the tests and the benches runs it. It owns every buffer a path needs, so simulating a
//! path allocates nothing.

pub mod bound_exprs;
mod lanes;
mod logit;
mod trajectory;

use crate::model::{Event, Model, Onset, Process, Regime, SeriesKind};
use crate::sampling::rng::{stream, Draws, Stream};
use bound_exprs::BoundExprs;
use logit::logit_draw;

pub use lanes::{LaneHistory, LanePath, LaneSimulator, Lanes, LANES};
pub use trajectory::{PathView, Trajectory};

/// The most draws any path takes in one month: a non-absorbing chain one, a process one per
/// shock and one per jump, a hazard one, the choice one for an abrupt move, one for a review
/// and one for the logit. Skipped draws (absorbing states, started hazards) only take fewer.
pub fn most_draws_per_month(model: &Model) -> usize {
    let series: usize = model
        .series
        .iter()
        .map(|series| match &series.kind {
            SeriesKind::Regime(regime) => usize::from(!regime.absorbing.iter().all(|&a| a)),
            SeriesKind::Process(process) => {
                usize::from(process.shock_sd.is_some()) + usize::from(process.jump.is_some())
            }
            SeriesKind::Event(event) => usize::from(matches!(event.onset, Onset::Hazard(_))),
            SeriesKind::Formula { .. } => 0,
        })
        .sum();
    series + usize::from(model.choice.abrupt_probability.is_some()) + 2
}

/// The reference engine: simulates paths of one model one at a time, reusing its buffers.
pub struct PathSimulator<'m> {
    model: &'m Model,
    bound: BoundExprs,
    slots: Vec<f64>,
    /// Month each event started on this path (`NOT_STARTED` if it has not).
    event_onset: Vec<i64>,
    utilities: Vec<f64>,
    pub trajectory: Trajectory,
    posture: usize,
    /// Drivers come first in `model.series`; indicators follow.
    driver_count: usize,
}

const NOT_STARTED: i64 = i64::MIN;

impl<'m> PathSimulator<'m> {
    pub fn new(model: &'m Model) -> Self {
        PathSimulator {
            model,
            bound: BoundExprs::new(&model.exprs, model.slots.one()),
            slots: vec![0.0; model.slots.len()],
            event_onset: vec![NOT_STARTED; model.series.len()],
            utilities: vec![0.0; model.postures.len()],
            trajectory: Trajectory::new(model.horizon(), model.series.len()),
            posture: model.choice.initial.index(),
            driver_count: model.series_with_role(crate::model::Role::Driver).count(),
        }
    }

    /// Simulates path `path_index` with the given parameter values into `self.trajectory`.
    pub fn simulate(&mut self, path_index: u64, parameters: &[f64]) {
        let mut rng = stream(self.model.run.seed, Stream::Path, path_index);
        self.simulate_with(&mut rng, parameters);
    }

    /// Simulates one path drawing from `draws` (a path's stream, or a counting wrapper).
    pub fn simulate_with<D: Draws>(&mut self, draws: &mut D, parameters: &[f64]) {
        self.simulate_until(draws, parameters, self.model.horizon());
    }

    /// Simulates months 0 to `last` only; the trajectory's later months keep stale values.
    pub fn simulate_until<D: Draws>(&mut self, draws: &mut D, parameters: &[f64], last: usize) {
        self.start(parameters);
        for month in 1..=last.min(self.model.horizon()) {
            self.step(month, draws);
        }
    }

    /// Month 0: every series at its initial value, the actor in its initial posture.
    fn start(&mut self, parameters: &[f64]) {
        let model = self.model;
        self.bound.bind(parameters);
        self.slots.fill(0.0);
        self.slots[self.model.slots.one() as usize] = 1.0;
        self.event_onset.fill(NOT_STARTED);
        for (index, series) in model.series.iter().enumerate() {
            let value = match &series.kind {
                SeriesKind::Regime(regime) => {
                    self.set_regime(regime, regime.initial);
                    regime.initial as f64
                }
                SeriesKind::Process(process) => model
                    .exprs
                    .evaluate_static(process.initial, parameters)
                    .clamp(process.min, process.max),
                SeriesKind::Event(event) => self.start_event(index, event),
                SeriesKind::Formula { .. } => 0.0,
            };
            self.slots[model.slots.current_series(index) as usize] = value;
        }
        self.posture = model.choice.initial.index();
        self.slots[model.slots.current_posture(self.posture) as usize] = 1.0;
        self.carry_over();
        self.start_formulas();
        self.trajectory
            .record(0, self.posture, &self.slots[self.current_series_range()]);
    }

    fn start_event(&mut self, index: usize, event: &Event) -> f64 {
        if let Onset::Month(0) = event.onset {
            self.event_onset[index] = 0;
            return 1.0;
        }
        0.0
    }

    /// Formulas at month 0 read the other series' initial values.
    fn start_formulas(&mut self) {
        let model = self.model;
        for (index, series) in model.series.iter().enumerate() {
            if let SeriesKind::Formula { min, max, value } = series.kind {
                let computed = self.bound.evaluate(value, &self.slots).clamp(min, max);
                self.slots[model.slots.current_series(index) as usize] = computed;
                self.slots[model.slots.previous_series(index) as usize] = computed;
            }
        }
    }

    fn step<D: Draws>(&mut self, month: usize, rng: &mut D) {
        let model = self.model;
        self.carry_over();
        rng.month_begins(month);
        self.slots[self.model.slots.month() as usize] = month as f64;
        let drivers = self.driver_count;
        for index in 0..drivers {
            self.update_series(index, month, rng);
        }
        self.choose_posture(rng);
        for index in drivers..model.series.len() {
            self.update_series(index, month, rng);
        }
        let range = self.current_series_range();
        self.trajectory
            .record(month, self.posture, &self.slots[range]);
    }

    /// Last month's current values become this month's previous ones.
    fn carry_over(&mut self) {
        let block = self.model.slots.block();
        self.slots.copy_within(block..2 * block, 0);
    }

    fn current_series_range(&self) -> std::ops::Range<usize> {
        let start = self.model.slots.current_series(0) as usize;
        start..start + self.model.slots.series
    }

    fn update_series<D: Draws>(&mut self, index: usize, month: usize, rng: &mut D) {
        let model = self.model;
        let previous = self.slots[model.slots.previous_series(index) as usize];
        let value = match &model.series[index].kind {
            SeriesKind::Regime(regime) => {
                self.next_regime_state(regime, previous as usize, rng) as f64
            }
            SeriesKind::Process(process) => self.next_process_value(process, previous, rng),
            SeriesKind::Formula { min, max, value } => {
                self.bound.evaluate(*value, &self.slots).clamp(*min, *max)
            }
            SeriesKind::Event(event) => self.event_active(index, event, month, rng),
        };
        self.slots[model.slots.current_series(index) as usize] = value;
    }

    fn next_regime_state<D: Draws>(&mut self, regime: &Regime, state: usize, rng: &mut D) -> usize {
        if regime.absorbing[state] {
            return state;
        }
        let next = regime.next_state(state, rng.unit());
        self.set_regime(regime, next);
        next
    }

    /// Writes the chain's current one-hot slots.
    fn set_regime(&mut self, regime: &Regime, state: usize) {
        let first = self.model.slots.current_regime(regime.first_state) as usize;
        let slots = &mut self.slots[first..first + regime.states.len()];
        slots.fill(0.0);
        slots[state] = 1.0;
    }

    fn next_process_value<D: Draws>(&self, process: &Process, previous: f64, rng: &mut D) -> f64 {
        let slots = &self.slots;
        let bound = &self.bound;
        let mut value = previous;
        if let Some((rate, target)) = process.reversion {
            value += bound.evaluate(rate, slots) * (bound.evaluate(target, slots) - previous);
        }
        if let Some(drift) = process.drift {
            value += bound.evaluate(drift, slots);
        }
        if let Some(shock_sd) = process.shock_sd {
            value += bound.evaluate(shock_sd, slots) * rng.normal();
        }
        if let Some(jump) = process.jump {
            if rng.unit() < bound.evaluate(jump.probability, slots) {
                value += bound.evaluate(jump.size, slots);
            }
        }
        value.clamp(process.min, process.max)
    }

    fn event_active<D: Draws>(
        &mut self,
        index: usize,
        event: &Event,
        month: usize,
        rng: &mut D,
    ) -> f64 {
        let month = month as i64;
        if self.event_onset[index] == NOT_STARTED {
            let starts = match event.onset {
                Onset::Month(onset) => onset as i64 == month,
                Onset::Hazard(hazard) => rng.unit() < self.bound.evaluate(hazard, &self.slots),
            };
            if starts {
                self.event_onset[index] = month;
            }
        }
        let onset = self.event_onset[index];
        let active = onset != NOT_STARTED && event.active_since(onset, month);
        if active {
            1.0
        } else {
            0.0
        }
    }

    /// The actor's move: a rare abrupt switch, else a review by logit with inertia.
    fn choose_posture<D: Draws>(&mut self, rng: &mut D) {
        let model = self.model;
        let choice = &model.choice;
        let held = self.posture;
        let abrupt = choice
            .abrupt_probability
            .is_some_and(|probability| rng.unit() < self.bound.evaluate(probability, &self.slots));
        let reviews =
            !abrupt && rng.unit() < self.bound.evaluate(choice.review_probability, &self.slots);
        if abrupt || reviews {
            for (index, posture) in model.postures.iter().enumerate() {
                self.utilities[index] = self.bound.evaluate(posture.utility, &self.slots);
            }
            if abrupt {
                self.utilities[held] = f64::NEG_INFINITY;
            } else {
                self.utilities[held] += self.bound.evaluate(choice.inertia, &self.slots);
            }
            self.posture = logit_draw(&mut self.utilities, rng.unit());
        }
        let layout = model.slots;
        self.slots[layout.current_posture(held) as usize] = 0.0;
        self.slots[layout.current_posture(self.posture) as usize] = 1.0;
    }
}
