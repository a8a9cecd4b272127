//! Several paths stepped together, one lane each: the runner's engine. Every slot holds one
//! value per lane, so an expression's terms are evaluated for all lanes at once (the compiler
//! vectorises the lane loop and the lanes' dependency chains overlap) and the per-series work of
//! a month is paid once for all lanes. The lanes' streams are stepped together too
//! ([`LaneStreams`]), yet each lane draws its own path's numbers in exactly the order
//! [`super::PathSimulator`] does, with the same arithmetic, so a lane's trajectory is the single
//! path's, bit for bit (tested).

use super::Trajectory;
use crate::model::expr::LaneExprs;
use crate::model::{Event, Model, Onset, Process, Regime, SeriesKind, SlotLayout};
use crate::sampling::lane_streams::LaneStreams;

/// Paths stepped together.
pub const LANES: usize = 8;

type Lanes = [f64; LANES];
type Streams = LaneStreams<LANES>;

const NOT_STARTED: i64 = i64::MIN;

/// Simulates up to [`LANES`] paths of one model at a time, reusing its buffers.
pub struct LaneSimulator<'m> {
    model: &'m Model,
    exprs: LaneExprs<LANES>,
    slots: Vec<Lanes>,
    /// Month each event started on each lane (`NOT_STARTED` if it has not).
    event_onset: Vec<[i64; LANES]>,
    utilities: Vec<f64>,
    /// Each posture's utility in every lane, this month.
    posture_utilities: Vec<Lanes>,
    postures: [usize; LANES],
    /// One per lane; after [`LaneSimulator::simulate`], the first `paths` hold the paths given.
    pub trajectories: Vec<Trajectory>,
    driver_count: usize,
}

impl<'m> LaneSimulator<'m> {
    pub fn new(model: &'m Model) -> Self {
        LaneSimulator {
            model,
            exprs: LaneExprs::new(&model.exprs, SlotLayout::ONE),
            slots: vec![[0.0; LANES]; model.slots.len()],
            event_onset: vec![[NOT_STARTED; LANES]; model.series.len()],
            utilities: vec![0.0; model.postures.len()],
            posture_utilities: vec![[0.0; LANES]; model.postures.len()],
            postures: [model.choice.initial; LANES],
            trajectories: (0..LANES)
                .map(|_| Trajectory::new(model.horizon(), model.series.len()))
                .collect(),
            driver_count: model.series_with_role(crate::model::Role::Driver).count(),
        }
    }

    /// Simulates the paths `paths` (at most [`LANES`]) with their parameter rows. Lanes beyond
    /// them repeat the last path, and their trajectories are to be ignored.
    pub fn simulate(&mut self, paths: &[u64], parameters: &[&[f64]]) {
        let lane_paths = std::array::from_fn(|lane| paths[lane.min(paths.len() - 1)]);
        let mut streams = Streams::for_paths(self.model.run.seed, lane_paths);
        for lane in 0..LANES {
            self.exprs
                .bind(lane, parameters[lane.min(parameters.len() - 1)]);
        }
        self.start(parameters);
        for month in 1..=self.model.horizon() {
            self.step(month, &mut streams);
        }
    }

    fn start(&mut self, parameters: &[&[f64]]) {
        let model = self.model;
        for slot in &mut self.slots {
            *slot = [0.0; LANES];
        }
        self.slots[SlotLayout::ONE as usize] = [1.0; LANES];
        for onset in &mut self.event_onset {
            *onset = [NOT_STARTED; LANES];
        }
        for (index, series) in model.series.iter().enumerate() {
            let slot = model.slots.current_series(index) as usize;
            for lane in 0..LANES {
                let row = parameters[lane.min(parameters.len() - 1)];
                self.slots[slot][lane] = match &series.kind {
                    SeriesKind::Regime(regime) => {
                        self.set_regime(lane, regime, regime.initial);
                        regime.initial as f64
                    }
                    SeriesKind::Process(process) => model
                        .exprs
                        .evaluate_static(process.initial, row)
                        .clamp(process.min, process.max),
                    SeriesKind::Event(event) => self.start_event(lane, index, event),
                    SeriesKind::Formula { .. } => 0.0,
                };
            }
        }
        self.postures = [model.choice.initial; LANES];
        self.slots[model.slots.current_posture(model.choice.initial) as usize] = [1.0; LANES];
        self.carry_over();
        self.start_formulas();
        self.record(0);
    }

    fn start_event(&mut self, lane: usize, index: usize, event: &Event) -> f64 {
        if let Onset::Month(0) = event.onset {
            self.event_onset[index][lane] = 0;
            return 1.0;
        }
        0.0
    }

    fn start_formulas(&mut self) {
        let model = self.model;
        for (index, series) in model.series.iter().enumerate() {
            if let SeriesKind::Formula { min, max, value } = series.kind {
                let computed = self
                    .exprs
                    .evaluate(value, &self.slots)
                    .map(|v| v.clamp(min, max));
                self.slots[model.slots.current_series(index) as usize] = computed;
                self.slots[model.slots.previous_series(index) as usize] = computed;
            }
        }
    }

    fn step(&mut self, month: usize, streams: &mut Streams) {
        let model = self.model;
        self.carry_over();
        self.slots[SlotLayout::MONTH as usize] = [month as f64; LANES];
        for index in 0..self.driver_count {
            self.update_series(index, month, streams);
        }
        self.choose_postures(streams);
        for index in self.driver_count..model.series.len() {
            self.update_series(index, month, streams);
        }
        self.record(month);
    }

    fn carry_over(&mut self) {
        let block = self.model.slots.block();
        self.slots.copy_within(2 + block..2 + 2 * block, 2);
    }

    fn record(&mut self, month: usize) {
        let layout = self.model.slots;
        let series = layout.series;
        let first = layout.current_series(0) as usize;
        for (lane, trajectory) in self.trajectories.iter_mut().enumerate() {
            trajectory.postures[month] = self.postures[lane] as u16;
            let row = &mut trajectory.values[month * series..(month + 1) * series];
            for (value, slot) in row.iter_mut().zip(&self.slots[first..first + series]) {
                *value = slot[lane];
            }
        }
    }

    fn update_series(&mut self, index: usize, month: usize, streams: &mut Streams) {
        let model = self.model;
        let previous = self.slots[model.slots.previous_series(index) as usize];
        let value = match &model.series[index].kind {
            SeriesKind::Regime(regime) => self.next_regime_states(regime, previous, streams),
            SeriesKind::Process(process) => self.next_process_values(process, previous, streams),
            SeriesKind::Formula { min, max, value } => self
                .exprs
                .evaluate(*value, &self.slots)
                .map(|v| v.clamp(*min, *max)),
            SeriesKind::Event(event) => self.events_active(index, event, month, streams),
        };
        self.slots[model.slots.current_series(index) as usize] = value;
    }

    /// Every lane's next state; a lane in an absorbing state takes no draw.
    fn next_regime_states(
        &mut self,
        regime: &Regime,
        previous: Lanes,
        streams: &mut Streams,
    ) -> Lanes {
        let states = previous.map(|state| state as usize);
        let moving = states.map(|state| !regime.absorbing[state]);
        let draws = streams.units_where(moving);
        let mut next = previous;
        for lane in 0..LANES {
            if moving[lane] {
                let state = regime.next_state(states[lane], draws[lane]);
                self.set_regime(lane, regime, state);
                next[lane] = state as f64;
            }
        }
        next
    }

    fn set_regime(&mut self, lane: usize, regime: &Regime, state: usize) {
        let first = self.model.slots.current_regime(regime.first_state) as usize;
        for (offset, slot) in self.slots[first..first + regime.states.len()]
            .iter_mut()
            .enumerate()
        {
            slot[lane] = f64::from(u8::from(offset == state));
        }
    }

    fn next_process_values(
        &self,
        process: &Process,
        previous: Lanes,
        streams: &mut Streams,
    ) -> Lanes {
        let slots = &self.slots;
        let exprs = &self.exprs;
        let mut value = previous;
        if let Some((rate, target)) = process.reversion {
            let (rate, target) = (exprs.evaluate(rate, slots), exprs.evaluate(target, slots));
            for lane in 0..LANES {
                value[lane] += rate[lane] * (target[lane] - previous[lane]);
            }
        }
        if let Some(drift) = process.drift {
            let drift = exprs.evaluate(drift, slots);
            for lane in 0..LANES {
                value[lane] += drift[lane];
            }
        }
        if let Some(shock_sd) = process.shock_sd {
            let sd = exprs.evaluate(shock_sd, slots);
            let normals = streams.normals();
            for lane in 0..LANES {
                value[lane] += sd[lane] * normals[lane];
            }
        }
        if let Some(jump) = process.jump {
            let probability = exprs.evaluate(jump.probability, slots);
            let size = exprs.evaluate(jump.size, slots);
            let draws = streams.units();
            for lane in 0..LANES {
                if draws[lane] < probability[lane] {
                    value[lane] += size[lane];
                }
            }
        }
        value.map(|v| v.clamp(process.min, process.max))
    }

    fn events_active(
        &mut self,
        index: usize,
        event: &Event,
        month: usize,
        streams: &mut Streams,
    ) -> Lanes {
        let month = month as i64;
        let hazard = match event.onset {
            Onset::Hazard(hazard) => Some(self.exprs.evaluate(hazard, &self.slots)),
            Onset::Month(_) => None,
        };
        let onsets = &mut self.event_onset[index];
        let draws = match hazard {
            Some(_) => streams.units_where(onsets.map(|onset| onset == NOT_STARTED)),
            None => [1.0; LANES],
        };
        let mut active = [0.0; LANES];
        for lane in 0..LANES {
            let onset = &mut onsets[lane];
            if *onset == NOT_STARTED {
                let starts = match (event.onset, hazard) {
                    (Onset::Month(start), _) => start as i64 == month,
                    (Onset::Hazard(_), Some(hazard)) => draws[lane] < hazard[lane],
                    (Onset::Hazard(_), None) => false,
                };
                if starts {
                    *onset = month;
                }
            }
            let on = *onset != NOT_STARTED && event.active_since(*onset, month);
            active[lane] = f64::from(u8::from(on));
        }
        active
    }

    /// Each lane's move, as [`super::PathSimulator`] makes it for one path.
    fn choose_postures(&mut self, streams: &mut Streams) {
        let model = self.model;
        let choice = &model.choice;
        let abrupt_probability = choice
            .abrupt_probability
            .map(|probability| self.exprs.evaluate(probability, &self.slots));
        let review = self.exprs.evaluate(choice.review_probability, &self.slots);
        let inertia = self.exprs.evaluate(choice.inertia, &self.slots);
        for (posture, utility) in model.postures.iter().zip(&mut self.posture_utilities) {
            *utility = self.exprs.evaluate(posture.utility, &self.slots);
        }
        let abrupt = match abrupt_probability {
            Some(probability) => {
                let draws = streams.units();
                std::array::from_fn(|lane| draws[lane] < probability[lane])
            }
            None => [false; LANES],
        };
        let review_draws = streams.units_where(abrupt.map(|abrupt| !abrupt));
        let layout = model.slots;
        for lane in 0..LANES {
            let held = self.postures[lane];
            let reviews = !abrupt[lane] && review_draws[lane] < review[lane];
            if abrupt[lane] || reviews {
                for (slot, utility) in self.utilities.iter_mut().zip(&self.posture_utilities) {
                    *slot = utility[lane];
                }
                if abrupt[lane] {
                    self.utilities[held] = f64::NEG_INFINITY;
                } else {
                    self.utilities[held] += inertia[lane];
                }
                self.postures[lane] = super::logit_draw(&mut self.utilities, streams.unit_of(lane));
            }
            self.slots[layout.current_posture(held) as usize][lane] = 0.0;
            self.slots[layout.current_posture(self.postures[lane]) as usize][lane] = 1.0;
        }
    }
}
