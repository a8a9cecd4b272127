//! The validated model: what the engine runs, with every name compiled to an index.
//!
//! A [`Model`] can only be made by [`crate::scenario::load`], which checks it; its invariants
//! (transition rows sum to 1, bounds are ordered, every index is in range) hold everywhere after.

pub mod calendar;
pub mod correlation;
pub mod distribution;
pub mod expr;
pub mod ids;
pub mod magnitude;

use std::path::PathBuf;

use serde::Serialize;

pub use calendar::YearMonth;
pub use correlation::{Correlation, CorrelationTarget};
pub use distribution::Distribution;
pub use expr::{ExprId, ExprTable};
pub use ids::{ParameterId, PostureId, SeriesId};

/// How uncertain parameters are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    MonteCarlo,
    LatinHypercube,
}

impl Sampling {
    pub fn name(self) -> &'static str {
        match self {
            Sampling::MonteCarlo => "monte_carlo",
            Sampling::LatinHypercube => "latin_hypercube",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub name: String,
    pub title: String,
    pub question: String,
    /// Who holds the postures, for titles and axes ("Beijing"); "the actor" when unnamed.
    pub actor: String,
    /// Calendar month of month 0.
    pub start: YearMonth,
    pub horizon_months: u32,
    pub description: Option<String>,
    /// The scenario file the user named.
    pub file: PathBuf,
    /// The facts file its `seed:` sources cite, if any.
    pub sources_file: Option<PathBuf>,
    /// The documents its cited facts come from, most cited first.
    pub cited_documents: Vec<String>,
    /// The facts its sources cite, each once, in the order first cited.
    pub cited_facts: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunSettings {
    pub paths: u64,
    pub seed: u64,
    pub sampling: Sampling,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    pub about: String,
    pub source: String,
    pub unit: Option<String>,
    pub value: ParameterValue,
}

#[derive(Debug, Clone, Serialize)]
pub enum ParameterValue {
    Fixed(f64),
    Uncertain(Distribution),
}

/// Whether a series drives the actor's choice or reports its consequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Driver,
    Indicator,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub label: String,
    pub about: String,
    pub unit: String,
    pub source: String,
    pub role: Role,
    #[serde(skip)]
    pub kind: SeriesKind,
}

impl Series {
    /// The range its values are kept in (and histogrammed over); `None` for a regime chain.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match &self.kind {
            SeriesKind::Regime(_) => None,
            SeriesKind::Process(process) => Some((process.min, process.max)),
            SeriesKind::Formula { min, max, .. } => Some((*min, *max)),
            SeriesKind::Event(_) => Some((0.0, 1.0)),
        }
    }
}

#[derive(Debug, Clone)]
pub enum SeriesKind {
    Regime(Regime),
    Process(Process),
    Formula { min: f64, max: f64, value: ExprId },
    Event(Event),
}

/// A Markov chain over named states.
#[derive(Debug, Clone)]
pub struct Regime {
    pub states: Vec<String>,
    pub initial: usize,
    /// Row-major cumulative transition probabilities; each row ends at 1.
    pub cumulative: Vec<f64>,
    /// States whose row keeps the chain where it is.
    pub absorbing: Vec<bool>,
    /// Index of this chain's first state among all regime states (its one-hot slots).
    pub first_state: usize,
}

impl Regime {
    /// The state after `state` for a uniform `draw`; only for states that are not absorbing
    /// (an absorbing state takes no draw).
    #[inline]
    pub fn next_state(&self, state: usize, draw: f64) -> usize {
        let width = self.states.len();
        let row = &self.cumulative[state * width..(state + 1) * width];
        // The first edge above the draw, counted without a branch: a row's edges never fall
        // (running sums of probabilities from 0 to 1) before its last, which is 1 and above any
        // draw, so the edges at or below the draw are exactly those before it.
        let below = row.iter().filter(|&&edge| edge <= draw).count();
        below.min(width - 1)
    }
}

/// A bounded mean-reverting process with shocks and jumps:
/// `x' = clamp(x + reversion * (target - x) + drift + shock_sd * z + jump, min, max)`.
#[derive(Debug, Clone)]
pub struct Process {
    pub min: f64,
    pub max: f64,
    pub initial: ExprId,
    /// Mean reversion: (rate per month, target). Without it the process only drifts and jumps.
    pub reversion: Option<(ExprId, ExprId)>,
    pub drift: Option<ExprId>,
    pub shock_sd: Option<ExprId>,
    pub jump: Option<Jump>,
}

#[derive(Debug, Clone, Copy)]
pub struct Jump {
    pub probability: ExprId,
    pub size: ExprId,
}

/// A dated or random event: 1 while active, else 0.
#[derive(Debug, Clone)]
pub struct Event {
    pub onset: Onset,
    /// Months it stays active after onset; `None` = for good.
    pub lasts_months: Option<u32>,
}

impl Event {
    /// Whether an event that started in month `started` is still on in month `month`.
    pub fn active_since(&self, started: i64, month: i64) -> bool {
        self.lasts_months
            .is_none_or(|lasts| month - started < lasts as i64)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Onset {
    Month(u32),
    /// Monthly probability that it starts, while it has not.
    Hazard(ExprId),
}

#[derive(Debug, Clone, Serialize)]
pub struct Posture {
    pub name: String,
    pub label: String,
    pub about: String,
    pub source: String,
    /// `#rrggbb`.
    pub colour: String,
    #[serde(skip)]
    pub utility: ExprId,
}

/// The actor's monthly choice rule.
#[derive(Debug, Clone)]
pub struct Choice {
    pub initial: PostureId,
    pub review_probability: ExprId,
    pub inertia: ExprId,
    pub abrupt_probability: Option<ExprId>,
}

/// Where each piece of a path's state lives in its flat slot array.
///
/// Slots: `[1.0, month, last month's block, this month's block]`, where a block is every
/// series' value, then the posture one-hot, then every regime's state one-hot.
#[derive(Debug, Clone, Copy)]
pub struct SlotLayout {
    pub series: usize,
    pub postures: usize,
    pub regime_states: usize,
}

impl SlotLayout {
    pub fn len(&self) -> usize {
        2 * self.block() + 2
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Slots of one month's state: every series, posture and regime state. Last month's block
    /// comes first and this month's follows, so a month's carry-over is one copy, or, for an
    /// engine that keeps every month's block in a row, a step of its window.
    pub fn block(&self) -> usize {
        self.series + self.postures + self.regime_states
    }

    /// The slot that always holds 1.0, after the two blocks.
    pub fn one(&self) -> u32 {
        (2 * self.block()) as u32
    }
    /// The slot that holds the month being stepped.
    pub fn month(&self) -> u32 {
        self.one() + 1
    }

    pub fn previous_series(&self, index: usize) -> u32 {
        index as u32
    }
    pub fn current_series(&self, index: usize) -> u32 {
        self.previous_series(index) + self.block() as u32
    }
    pub fn previous_posture(&self, index: usize) -> u32 {
        (self.series + index) as u32
    }
    pub fn current_posture(&self, index: usize) -> u32 {
        self.previous_posture(index) + self.block() as u32
    }
    pub fn previous_regime(&self, state: usize) -> u32 {
        (self.series + self.postures + state) as u32
    }
    pub fn current_regime(&self, state: usize) -> u32 {
        self.previous_regime(state) + self.block() as u32
    }
}

/// A checked, compiled scenario.
#[derive(Debug, Clone)]
pub struct Model {
    pub meta: Meta,
    pub run: RunSettings,
    pub parameters: Vec<Parameter>,
    /// Indices (into `parameters`) of the uncertain ones, in file order.
    pub uncertain: Vec<ParameterId>,
    /// The declared rank correlations, checked; `None` when there are none.
    pub correlations: Option<CorrelationTarget>,
    /// Drivers first (in file order), then indicators.
    pub series: Vec<Series>,
    pub postures: Vec<Posture>,
    pub choice: Choice,
    pub exprs: ExprTable,
    pub slots: SlotLayout,
    /// The merged, overridden scenario as TOML, which the model hash covers.
    pub resolved_toml: String,
}

impl Model {
    pub fn horizon(&self) -> usize {
        self.meta.horizon_months as usize
    }

    /// Every series with its identity, in file order (drivers first).
    pub fn series_with_ids(&self) -> impl Iterator<Item = (SeriesId, &Series)> {
        (0..self.series.len() as u32)
            .map(SeriesId)
            .zip(&self.series)
    }

    /// The series with the given role.
    pub fn series_with_role(&self, role: Role) -> impl Iterator<Item = SeriesId> + '_ {
        self.series_with_ids()
            .filter(move |(_, series)| series.role == role)
            .map(|(id, _)| id)
    }

    /// The series called `name`.
    pub fn series_named(&self, name: &str) -> Option<SeriesId> {
        self.series_with_ids()
            .find(|(_, series)| series.name == name)
            .map(|(id, _)| id)
    }

    /// The regime chains, each with its series' identity.
    pub fn regimes(&self) -> impl Iterator<Item = (SeriesId, &Regime)> + '_ {
        self.series_with_ids()
            .filter_map(|(id, series)| match &series.kind {
                SeriesKind::Regime(regime) => Some((id, regime)),
                _ => None,
            })
    }

    pub fn posture_index(&self, name: &str) -> Option<PostureId> {
        self.postures
            .iter()
            .position(|posture| posture.name == name)
            .map(|index| PostureId(index as u32))
    }

    /// Every posture with its identity, in file order.
    pub fn postures_with_ids(&self) -> impl Iterator<Item = (PostureId, &Posture)> {
        self.posture_ids().zip(&self.postures)
    }

    /// Every posture's identity, in file order.
    pub fn posture_ids(&self) -> impl Iterator<Item = PostureId> {
        (0..self.postures.len() as u32).map(PostureId)
    }

    /// Hex SHA-256 of the resolved scenario, excluding run settings (paths, seed, sampling).
    pub fn model_hash(&self) -> String {
        crate::input::sha256_hex(self.resolved_toml.as_bytes())
    }
}
