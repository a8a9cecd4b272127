//! Many paths stepped together, one lane each: the runner's engine. Every slot holds one value
//! per lane, so each piece of a month's work (an expression's term, a shock, a clamp) is one
//! loop over the lanes that the compiler vectorises, and the per-series work of a month (which
//! kind of series, which terms, which slots) is paid once for all lanes. The lanes' streams are
//! stepped together too ([`LaneStreams`]), yet each lane draws its own path's numbers in exactly
//! the order [`super::PathSimulator`] does, with the same arithmetic, so a lane's history is the
//! single path's, bit for bit (tested).

use super::bound_exprs::LaneExprs;
use super::logit::{logit_draw, logit_draw_lanes};
use super::{PathView, Trajectory};
use crate::model::{Event, Model, Onset, Process, Regime, SeriesId, SeriesKind, SlotLayout};
use crate::sampling::lane_streams::{LaneDraws, LaneStreams};
use crate::simd::{AlignedVec, CacheAligned, Isa};

/// Paths stepped together: measured fastest of 16, 32, 64 and 128 on the base model. At most
/// 64, as a lane group's sets of lanes (those whose normal needs a second look, those that
/// move) are bits of one `u64`.
pub const LANES: usize = 64;
const _: () = assert!(LANES <= 64, "a set of lanes is one u64");

/// One value per lane.
pub type Lanes = [f64; LANES];
type Streams = LaneStreams<LANES>;

const NOT_STARTED: i64 = i64::MIN;

/// Every lane's path as it went: each month's series values and posture, lane by lane.
#[derive(Debug, Clone)]
pub struct LaneHistory {
    series: usize,
    /// Slots of one month's state ([`SlotLayout::block`]).
    block: usize,
    /// A block for the start, then every month's block in a row, then the slots of the
    /// constants: `values[(month + 1) * block + index]` holds series `index` on every lane. The
    /// simulator's slots are a window of two blocks and the constants on it, a block further
    /// each month, so no month's state is copied (the constants' slots are the next month's
    /// block, written over in its turn).
    values: AlignedVec<Lanes>,
    /// `postures[month]`: the posture every lane held.
    postures: AlignedVec<[u16; LANES]>,
}

impl LaneHistory {
    fn new(horizon: usize, layout: SlotLayout) -> Self {
        let block = layout.block();
        LaneHistory {
            series: layout.series,
            block,
            values: AlignedVec::from_elem([0.0; LANES], (horizon + 2) * block + 2),
            postures: AlignedVec::from_elem([0; LANES], horizon + 1),
        }
    }

    /// Months 0..=horizon.
    pub fn months(&self) -> usize {
        self.postures.len()
    }

    /// Every series' values at `month`, lane by lane.
    pub fn month(&self, month: usize) -> &[Lanes] {
        let first = (month + 1) * self.block;
        &self.values[first..first + self.series]
    }

    /// The posture each lane held at `month`.
    pub fn postures(&self, month: usize) -> &[u16; LANES] {
        &self.postures[month]
    }

    /// Copies one lane's path into `trajectory` (made for the same horizon and series).
    pub fn trajectory_into(&self, lane: usize, trajectory: &mut Trajectory) {
        self.trajectory_through(lane, self.months() - 1, trajectory);
    }

    /// One lane's path through month `last`, read where it lies.
    pub fn lane(&self, lane: usize, last: usize) -> LanePath<'_> {
        LanePath {
            history: self,
            lane,
            last,
        }
    }

    /// Copies months 0 to `last` of one lane's path into `trajectory`, leaving later months.
    pub fn trajectory_through(&self, lane: usize, last: usize, trajectory: &mut Trajectory) {
        let months = self.postures.iter().take(last + 1);
        for (month, postures) in months.enumerate() {
            trajectory.postures[month] = postures[lane];
        }
        let values = trajectory
            .values
            .chunks_exact_mut(self.series)
            .take(last + 1);
        for (month, values) in values.enumerate() {
            for (value, lanes) in values.iter_mut().zip(self.month(month)) {
                *value = lanes[lane];
            }
        }
    }
}

/// One lane of a [`LaneHistory`] through a month: its path, read in place.
#[derive(Debug, Clone, Copy)]
pub struct LanePath<'h> {
    history: &'h LaneHistory,
    lane: usize,
    /// The last month the run reached; later months hold another run's values.
    last: usize,
}

impl PathView for LanePath<'_> {
    #[inline]
    fn value(&self, month: usize, series: SeriesId) -> f64 {
        debug_assert!(month <= self.last, "month {month} is past the run");
        self.history.month(month)[series.index()][self.lane]
    }

    #[inline]
    fn posture(&self, month: usize) -> u16 {
        debug_assert!(month <= self.last, "month {month} is past the run");
        self.history.postures(month)[self.lane]
    }
}

/// Temporary values of one step, kept between steps so no step allocates.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct Scratch {
    first: Lanes,
    second: Lanes,
    value: Lanes,
    draws: Lanes,
}

/// A process's expressions and draws for one month, kept between steps so no step allocates.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct ProcessScratch {
    rate: Lanes,
    target: Lanes,
    drift: Lanes,
    sd: Lanes,
    normals: Lanes,
    jump_probability: Lanes,
    jump_size: Lanes,
    jump_draws: Lanes,
}

/// Simulates up to [`LANES`] paths of one model at a time, reusing its buffers.
pub struct LaneSimulator<'m> {
    model: &'m Model,
    exprs: LaneExprs<LANES>,
    /// Where the month's slots start in `history.values`.
    window: usize,
    /// Month each event started on each lane (`NOT_STARTED` if it has not).
    event_onset: AlignedVec<[i64; LANES]>,
    scratch: Scratch,
    process_scratch: Box<ProcessScratch>,
    /// One lane's utilities, for its choice on narrow vectors.
    utilities: Vec<f64>,
    /// Each posture's utility in every lane, this month.
    posture_utilities: AlignedVec<Lanes>,
    /// The posture every lane holds, as a number (so setting its one-hot slots is a compare).
    postures: CacheAligned<Lanes>,
    /// After [`LaneSimulator::simulate`], the first `paths.len()` lanes hold the paths given.
    pub history: LaneHistory,
    driver_count: usize,
    /// The vector instructions it runs with.
    isa: Isa,
}

impl<'m> LaneSimulator<'m> {
    pub fn new(model: &'m Model) -> Self {
        LaneSimulator::with_isa(model, Isa::detect())
    }

    /// A simulator that runs with the given vector instructions (the same paths to the bit).
    pub fn with_isa(model: &'m Model, isa: Isa) -> Self {
        LaneSimulator {
            isa,
            model,
            exprs: LaneExprs::new(&model.exprs, model.slots.one()),
            window: 0,
            event_onset: AlignedVec::from_elem([NOT_STARTED; LANES], model.series.len()),
            scratch: Scratch {
                first: [0.0; LANES],
                second: [0.0; LANES],
                value: [0.0; LANES],
                draws: [0.0; LANES],
            },
            process_scratch: Box::new(ProcessScratch {
                rate: [0.0; LANES],
                target: [0.0; LANES],
                drift: [0.0; LANES],
                sd: [0.0; LANES],
                normals: [0.0; LANES],
                jump_probability: [0.0; LANES],
                jump_size: [0.0; LANES],
                jump_draws: [0.0; LANES],
            }),
            utilities: vec![0.0; model.postures.len()],
            posture_utilities: AlignedVec::from_elem([0.0; LANES], model.postures.len()),
            postures: CacheAligned([model.choice.initial.index() as f64; LANES]),
            history: LaneHistory::new(model.horizon(), model.slots),
            driver_count: model.series_with_role(crate::model::Role::Driver).count(),
        }
    }

    /// A trajectory of this model's shape, for [`LaneHistory::trajectory_into`].
    pub fn blank_trajectory(&self) -> Trajectory {
        Trajectory::new(self.model.horizon(), self.model.series.len())
    }

    /// Simulates the paths `paths` (at most [`LANES`]) with their parameter rows. Lanes beyond
    /// them repeat the last path, and their history is to be ignored.
    pub fn simulate(&mut self, paths: &[u64], parameters: &[&[f64]]) {
        let lane_paths = std::array::from_fn(|lane| paths[lane.min(paths.len() - 1)]);
        let mut streams = Streams::for_paths(self.model.run.seed, lane_paths);
        let last = self.model.horizon();
        self.simulate_until_with(&mut streams, parameters, last);
    }

    /// Simulates months 1 to `last` of up to [`LANES`] paths with their parameter rows, each lane
    /// drawing from `draws`, as [`super::PathSimulator::simulate_until`] does one path: later
    /// months of the history are left as they were. Lanes beyond the rows repeat the last one.
    pub fn simulate_until_with<D: LaneDraws<LANES>>(
        &mut self,
        draws: &mut D,
        parameters: &[&[f64]],
        last: usize,
    ) {
        crate::simd::dispatch(
            self.isa,
            #[inline(always)]
            || self.simulate_lanes(draws, parameters, last),
        );
    }

    #[inline(always)]
    fn simulate_lanes<D: LaneDraws<LANES>>(
        &mut self,
        draws: &mut D,
        parameters: &[&[f64]],
        last: usize,
    ) {
        let rows = std::array::from_fn(|lane| parameters[lane.min(parameters.len() - 1)]);
        self.exprs.bind(&rows);
        self.start(&rows);
        for month in 1..=last.min(self.model.horizon()) {
            self.step(month, draws);
        }
    }

    /// The slots of the month being stepped, on the history.
    #[inline(always)]
    fn slots(&mut self) -> &mut [Lanes] {
        window(&mut self.history.values, self.window, self.model.slots)
    }

    #[inline(always)]
    fn start(&mut self, rows: &[&[f64]; LANES]) {
        let model = self.model;
        self.window = 0;
        self.slots().fill([0.0; LANES]);
        let one = model.slots.one() as usize;
        self.slots()[one] = [1.0; LANES];
        for onset in &mut self.event_onset {
            *onset = [NOT_STARTED; LANES];
        }
        for (index, series) in model.series.iter().enumerate() {
            let slot = model.slots.current_series(index) as usize;
            match &series.kind {
                SeriesKind::Regime(regime) => {
                    self.slots()[slot] = [regime.initial as f64; LANES];
                    self.set_regime_states(regime, slot);
                }
                SeriesKind::Process(process) => {
                    for (value, row) in self.slots()[slot].iter_mut().zip(rows) {
                        *value = model
                            .exprs
                            .evaluate_static(process.initial, row)
                            .clamp(process.min, process.max);
                    }
                }
                SeriesKind::Event(event) => {
                    if let Onset::Month(0) = event.onset {
                        self.event_onset[index] = [0; LANES];
                        self.slots()[slot] = [1.0; LANES];
                    }
                }
                SeriesKind::Formula { .. } => {}
            }
        }
        *self.postures = [model.choice.initial.index() as f64; LANES];
        self.set_postures();
        // Last month's block reads as this one's at the start.
        let block = model.slots.block();
        self.slots().copy_within(block..2 * block, 0);
        self.start_formulas();
        self.record(0);
    }

    #[inline(always)]
    fn start_formulas(&mut self) {
        let model = self.model;
        for (index, series) in model.series.iter().enumerate() {
            if let SeriesKind::Formula { min, max, value } = series.kind {
                self.update_formula(index, value, min, max);
                let computed = self.slots()[model.slots.current_series(index) as usize];
                self.slots()[model.slots.previous_series(index) as usize] = computed;
            }
        }
    }

    #[inline(always)]
    fn step<D: LaneDraws<LANES>>(&mut self, month: usize, streams: &mut D) {
        let model = self.model;
        streams.month_begins(month);
        self.window = month * model.slots.block();
        let (one, month_slot) = (model.slots.one() as usize, model.slots.month() as usize);
        self.slots()[one] = [1.0; LANES];
        self.slots()[month_slot] = [month as f64; LANES];
        for index in 0..self.driver_count {
            self.update_series(index, month, streams);
        }
        self.choose_postures(streams);
        for index in self.driver_count..model.series.len() {
            self.update_series(index, month, streams);
        }
        self.record(month);
    }

    #[inline(always)]
    fn record(&mut self, month: usize) {
        self.history.postures[month] = self.postures.map(|posture| posture as u16);
    }

    #[inline(always)]
    fn update_series<D: LaneDraws<LANES>>(&mut self, index: usize, month: usize, streams: &mut D) {
        let model = self.model;
        match &model.series[index].kind {
            SeriesKind::Regime(regime) => self.next_regime_states(index, regime, streams),
            SeriesKind::Process(process) => self.next_process_values(index, process, streams),
            SeriesKind::Formula { min, max, value } => {
                self.update_formula(index, *value, *min, *max)
            }
            SeriesKind::Event(event) => self.events_active(index, event, month, streams),
        }
    }

    #[inline(always)]
    fn update_formula(&mut self, index: usize, value: crate::model::ExprId, min: f64, max: f64) {
        let slots = window(&mut self.history.values, self.window, self.model.slots);
        let computed = self.exprs.evaluate(value, slots, &mut self.scratch.first);
        let slot = &mut slots[self.model.slots.current_series(index) as usize];
        for lane in 0..LANES {
            slot[lane] = computed[lane].clamp(min, max);
        }
    }

    /// Every lane's next state; a lane in an absorbing state takes no draw and stays. Worked
    /// out state by state over all lanes (compares and selects, which vector instructions do
    /// many lanes at a time) rather than lane by lane through its state's row: the same count
    /// of edges at or below the draw that [`Regime::next_state`] makes.
    #[inline(always)]
    fn next_regime_states<D: LaneDraws<LANES>>(
        &mut self,
        index: usize,
        regime: &Regime,
        streams: &mut D,
    ) {
        let layout = self.model.slots;
        let slot = layout.current_series(index) as usize;
        let (before, after) = self.slots().split_at_mut(slot);
        let (previous, current) = (
            &before[layout.previous_series(index) as usize],
            &mut after[0],
        );
        let mut moving = [false; LANES];
        for (state, _) in regime.absorbing.iter().enumerate().filter(|(_, &a)| !a) {
            let state = state as f64;
            for lane in 0..LANES {
                moving[lane] |= previous[lane] == state;
            }
        }
        let draws = streams.units_where(moving);
        let width = regime.states.len();
        let last = (width - 1) as f64;
        let mut next = *previous;
        for (state, row) in regime.cumulative.chunks_exact(width).enumerate() {
            if regime.absorbing[state] {
                continue;
            }
            let mut below = [0.0; LANES];
            for &edge in row {
                for lane in 0..LANES {
                    below[lane] += f64::from(u8::from(edge <= draws[lane]));
                }
            }
            let state = state as f64;
            for lane in 0..LANES {
                let to = below[lane].min(last);
                next[lane] = if previous[lane] == state {
                    to
                } else {
                    next[lane]
                };
            }
        }
        *current = next;
        self.set_regime_states(regime, slot);
    }

    /// Sets the chain's one-hot state slots from its state in `slot`, on every lane.
    #[inline(always)]
    fn set_regime_states(&mut self, regime: &Regime, slot: usize) {
        let first = self.model.slots.current_regime(regime.first_state) as usize;
        let (before, after) = self.slots().split_at_mut(first);
        let states = &before[slot];
        for (state, one_hot) in after[..regime.states.len()].iter_mut().enumerate() {
            let state = state as f64;
            for lane in 0..LANES {
                one_hot[lane] = f64::from(u8::from(states[lane] == state));
            }
        }
    }

    /// Every lane's next value of a process: its parts' expressions evaluated and its draws
    /// made first (normals, then the jump's uniforms, as the one-path engine draws them), then
    /// one pass over the lanes that moves and clamps each value.
    #[inline(always)]
    fn next_process_values<D: LaneDraws<LANES>>(
        &mut self,
        index: usize,
        process: &Process,
        streams: &mut D,
    ) {
        let layout = self.model.slots;
        let (previous_slot, current_slot) = (
            layout.previous_series(index) as usize,
            layout.current_series(index) as usize,
        );
        let LaneSimulator {
            exprs,
            history,
            window: start,
            process_scratch: scratch,
            ..
        } = self;
        let slots = window(&mut history.values, *start, layout);
        let ProcessScratch {
            rate,
            target,
            drift,
            sd,
            normals,
            jump_probability,
            jump_size,
            jump_draws,
        } = &mut **scratch;
        let absent = &[0.0; LANES];
        let mut parts = ProcessParts {
            rate: absent,
            target: absent,
            drift: absent,
            sd: absent,
            normals: absent,
            jump_probability: absent,
            jump_size: absent,
            jump_draws: absent,
        };
        if let Some((rate_id, target_id)) = process.reversion {
            parts.rate = exprs.evaluate(rate_id, slots, rate);
            parts.target = exprs.evaluate(target_id, slots, target);
        }
        if let Some(drift_id) = process.drift {
            parts.drift = exprs.evaluate(drift_id, slots, drift);
        }
        if let Some(sd_id) = process.shock_sd {
            parts.sd = exprs.evaluate(sd_id, slots, sd);
            streams.normals_into(normals);
            parts.normals = normals;
        }
        if let Some(jump) = process.jump {
            parts.jump_probability = exprs.evaluate(jump.probability, slots, jump_probability);
            parts.jump_size = exprs.evaluate(jump.size, slots, jump_size);
            streams.units_into(jump_draws);
            parts.jump_draws = jump_draws;
        }
        let (before, after) = slots.split_at_mut(current_slot);
        let (previous, next) = (&before[previous_slot], &mut after[0]);
        let bounds = (process.min, process.max);
        macro_rules! move_with {
            ($(($r:literal, $d:literal, $s:literal, $j:literal)),*) => {
                match (
                    process.reversion.is_some(),
                    process.drift.is_some(),
                    process.shock_sd.is_some(),
                    process.jump.is_some(),
                ) {
                    $(($r, $d, $s, $j) => {
                        move_process::<$r, $d, $s, $j>(next, previous, &parts, bounds)
                    })*
                }
            };
        }
        move_with!(
            (false, false, false, false),
            (false, false, false, true),
            (false, false, true, false),
            (false, false, true, true),
            (false, true, false, false),
            (false, true, false, true),
            (false, true, true, false),
            (false, true, true, true),
            (true, false, false, false),
            (true, false, false, true),
            (true, false, true, false),
            (true, false, true, true),
            (true, true, false, false),
            (true, true, false, true),
            (true, true, true, false),
            (true, true, true, true)
        );
    }

    #[inline(always)]
    fn events_active<D: LaneDraws<LANES>>(
        &mut self,
        index: usize,
        event: &Event,
        month: usize,
        streams: &mut D,
    ) {
        let month = month as i64;
        let onsets = &mut self.event_onset[index];
        match event.onset {
            Onset::Hazard(hazard) => {
                let slots = window(&mut self.history.values, self.window, self.model.slots);
                let hazard = self.exprs.evaluate(hazard, slots, &mut self.scratch.first);
                let waiting = onsets.map(|onset| onset == NOT_STARTED);
                let draws = streams.units_where(waiting);
                for lane in 0..LANES {
                    if waiting[lane] && draws[lane] < hazard[lane] {
                        onsets[lane] = month;
                    }
                }
            }
            Onset::Month(start) => {
                for onset in onsets.iter_mut() {
                    if *onset == NOT_STARTED && i64::from(start) == month {
                        *onset = month;
                    }
                }
            }
        }
        let slots = window(&mut self.history.values, self.window, self.model.slots);
        let slot = &mut slots[self.model.slots.current_series(index) as usize];
        // Read once, not per lane: behind the `&&` the compiler gathered it for every lane.
        let lasts = event.lasts_months.map_or(i64::MAX, i64::from);
        for lane in 0..LANES {
            let onset = onsets[lane];
            // `Event::active_since`, with an event that never ends lasting `i64::MAX` months.
            let on = onset != NOT_STARTED && month - onset < lasts;
            slot[lane] = f64::from(u8::from(on));
        }
    }

    /// Each lane's move, as [`super::PathSimulator`] makes it for one path.
    #[inline(always)]
    fn choose_postures<D: LaneDraws<LANES>>(&mut self, streams: &mut D) {
        let choice = &self.model.choice;
        let LaneSimulator {
            exprs,
            history,
            window: start,
            scratch,
            posture_utilities,
            ..
        } = self;
        let slots = window(&mut history.values, *start, self.model.slots);
        for (posture, utility) in self.model.postures.iter().zip(posture_utilities.iter_mut()) {
            exprs.evaluate_into(posture.utility, slots, utility);
        }
        let abrupt = match choice.abrupt_probability {
            Some(probability) => {
                let probability = exprs.evaluate(probability, slots, &mut scratch.value);
                streams.units_into(&mut scratch.draws);
                std::array::from_fn(|lane| scratch.draws[lane] < probability[lane])
            }
            None => [false; LANES],
        };
        let review = exprs.evaluate(choice.review_probability, slots, &mut scratch.first);
        let review_draws = streams.units_where(abrupt.map(|abrupt| !abrupt));
        let moves: [bool; LANES] =
            std::array::from_fn(|lane| abrupt[lane] || review_draws[lane] < review[lane]);
        if moves.contains(&true) {
            exprs.evaluate_into(choice.inertia, slots, &mut scratch.second);
            // Each moving lane's draw for its choice, the next number of its own stream.
            let choice_draws = streams.units_where(moves);
            hold_or_leave(posture_utilities, &self.postures, &abrupt, &scratch.second);
            if self.isa.has_wide_vectors() {
                // Every lane draws: selects over all lanes beat picking out the moving ones.
                let chosen = &mut scratch.first;
                logit_draw_lanes(posture_utilities, &choice_draws, chosen);
                keep_where(&mut self.postures, chosen, &moves);
            } else {
                let utilities = &mut self.utilities;
                draw_one_by_one(
                    &mut self.postures,
                    posture_utilities,
                    &moves,
                    &choice_draws,
                    utilities,
                );
            }
        }
        // Every month: this month's block starts unwritten.
        self.set_postures();
    }

    /// Sets the posture one-hot slots from every lane's posture.
    #[inline(always)]
    fn set_postures(&mut self) {
        let model = self.model;
        let first = model.slots.current_posture(0) as usize;
        let slots = window(&mut self.history.values, self.window, model.slots);
        let one_hot = &mut slots[first..first + model.postures.len()];
        for (posture, slot) in one_hot.iter_mut().enumerate() {
            let posture = posture as f64;
            for (one, held) in slot.iter_mut().zip(self.postures.iter()) {
                *one = f64::from(u8::from(*held == posture));
            }
        }
    }
}

/// `values` takes `chosen` on the lanes of `mask`.
#[inline(always)]
fn keep_where(values: &mut Lanes, chosen: &Lanes, mask: &[bool; LANES]) {
    for lane in 0..LANES {
        values[lane] = if mask[lane] {
            chosen[lane]
        } else {
            values[lane]
        };
    }
}

/// The logit choices of the lanes in `moves`, one at a time by their bits, into `postures`:
/// with two doubles an instruction, cheaper than weighing every lane. `utilities` holds one
/// lane's utilities in turn.
#[inline(always)]
fn draw_one_by_one(
    postures: &mut Lanes,
    posture_utilities: &[Lanes],
    moves: &[bool; LANES],
    draws: &Lanes,
    utilities: &mut [f64],
) {
    let mut moving = lane_set(moves);
    while moving != 0 {
        let lane = moving.trailing_zeros() as usize;
        moving &= moving - 1;
        for (utility, lanes) in utilities.iter_mut().zip(posture_utilities) {
            *utility = lanes[lane];
        }
        postures[lane] = logit_draw(utilities, draws[lane]) as f64;
    }
}

/// The lanes of `mask` as the bits of a `u64`.
#[inline(always)]
fn lane_set(mask: &[bool; LANES]) -> u64 {
    mask.iter()
        .enumerate()
        .fold(0, |bits, (lane, &set)| bits | u64::from(set) << lane)
}

/// The slots of a month whose window starts at `start` in a history's `values`.
#[inline(always)]
fn window(values: &mut [Lanes], start: usize, layout: SlotLayout) -> &mut [Lanes] {
    &mut values[start..start + layout.len()]
}

/// Each lane's utility of the posture it holds: excluded (-inf) on an abrupt move, raised by
/// `inertia` on a review.
#[inline(always)]
fn hold_or_leave(
    utilities: &mut [Lanes],
    postures: &Lanes,
    abrupt: &[bool; LANES],
    inertia: &Lanes,
) {
    for (posture, utility) in utilities.iter_mut().enumerate() {
        let posture = posture as f64;
        for lane in 0..LANES {
            let held = if abrupt[lane] {
                f64::NEG_INFINITY
            } else {
                utility[lane] + inertia[lane]
            };
            utility[lane] = if postures[lane] == posture {
                held
            } else {
                utility[lane]
            };
        }
    }
}

/// A process's parts on every lane this month: each expression's values and the draws. Parts
/// the process lacks point at zeros that [`move_process`] never reads.
struct ProcessParts<'a> {
    rate: &'a Lanes,
    target: &'a Lanes,
    drift: &'a Lanes,
    sd: &'a Lanes,
    normals: &'a Lanes,
    jump_probability: &'a Lanes,
    jump_size: &'a Lanes,
    jump_draws: &'a Lanes,
}

/// Moves every lane from `previous` by the parts the process has (`REVERSION`, `DRIFT`,
/// `SHOCK`, `JUMP`), in the one-path engine's order and rounding, and clamps it into `next`:
/// one pass, with no part tested inside it.
#[inline(always)]
fn move_process<const REVERSION: bool, const DRIFT: bool, const SHOCK: bool, const JUMP: bool>(
    next: &mut Lanes,
    previous: &Lanes,
    parts: &ProcessParts,
    (min, max): (f64, f64),
) {
    for lane in 0..LANES {
        let start = previous[lane];
        let mut value = start;
        if REVERSION {
            value = start + parts.rate[lane] * (parts.target[lane] - start);
        }
        if DRIFT {
            value += parts.drift[lane];
        }
        if SHOCK {
            value += parts.sd[lane] * parts.normals[lane];
        }
        if JUMP && parts.jump_draws[lane] < parts.jump_probability[lane] {
            value += parts.jump_size[lane];
        }
        next[lane] = value.clamp(min, max);
    }
}
