//! From the file as written to the model the engine runs: every check, every name resolved.
//!
//! The validator collects every problem rather than stopping at the first, and locates each one
//! in the file (or `--set` option) that wrote the offending field.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use indexmap::IndexMap;

use super::diagnostics::FieldPath;
use super::expressions::{is_reserved, Phase, Symbol, SymbolTable};
use super::facts::FactsFile;
use super::layers::Layers;
use super::raw::{
    RawChoice, RawDistribution, RawHorizon, RawMeta, RawParameter, RawPosture, RawRun, RawScenario,
    RawSeries,
};
use crate::model::distribution::IntervalShape;
use crate::model::expr::ExprTable;
use crate::model::magnitude::MAX_MAGNITUDE;
use crate::model::{
    Choice, Correlation, CorrelationTarget, Event, ExprId, Jump, Meta, Model, Onset, Parameter,
    ParameterValue, Posture, Process, Regime, Role, RunSettings, Sampling, Series, SeriesKind,
    SlotLayout,
};
use crate::model::{Distribution, ParameterId, PostureId, YearMonth};
use crate::problem::{Problem, Problems};

/// The most months a run may cover.
pub const MAX_HORIZON_MONTHS: i64 = 1200;
/// The most paths a run may ask for: tallies count weights in fixed point (one path weighs
/// 2^32) in 64 bits, so 2^32 paths is where they would overflow.
pub const MAX_PATHS: i64 = 4_000_000_000;
/// How far a transition row's sum may stray from 1.
pub const ROW_TOLERANCE: f64 = 1e-6;
/// The most postures a scenario may declare.
pub const MAX_POSTURES: usize = 64;
pub const DEFAULT_PATHS: u64 = 10_000;
pub const DEFAULT_SEED: u64 = 1;

/// Colour-blind-safe colours (Okabe and Ito), given to postures that name none.
pub const PALETTE: [&str; 8] = [
    "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

const PROCESS_FIELDS: &[&str] = &[
    "min",
    "max",
    "initial",
    "reversion",
    "target",
    "drift",
    "shock_sd",
    "jump_probability",
    "jump_size",
];
const REGIME_FIELDS: &[&str] = &["states", "initial", "transitions"];
const FORMULA_FIELDS: &[&str] = &["min", "max", "value"];
const EVENT_FIELDS: &[&str] = &["onset", "lasts_months"];

/// Checks a merged scenario and compiles it.
pub fn validate(layers: &Layers, raw: RawScenario) -> Result<Model, Problems> {
    let mut validator = Validator {
        layers,
        problems: Vec::new(),
        exprs: ExprTable::default(),
        expr_fields: Vec::new(),
        ranged: Vec::new(),
    };
    let model = validator.model(&raw);
    if validator.problems.is_empty() {
        if let Some(model) = model {
            return Ok(model);
        }
    }
    Err(Problems(validator.problems))
}

struct Validator<'a> {
    layers: &'a Layers,
    problems: Vec<Problem>,
    exprs: ExprTable,
    /// Where each compiled expression is written, to name it in later checks.
    expr_fields: Vec<(ExprId, FieldPath)>,
    /// Expressions that read the path and must be able to reach a range, checked once the model
    /// is whole.
    ranged: Vec<RangeCheck>,
}

/// An expression that must be able to take a value in `range` (it is clamped into it).
struct RangeCheck {
    id: ExprId,
    at: FieldPath,
    range: std::ops::RangeInclusive<f64>,
    what: String,
    valid: String,
}

/// The longest scenario name: it names an output folder, and file systems stop at 255 bytes.
const MAX_NAME_LENGTH: usize = 100;

/// The longest text a field may hold (a title, a label, an `about`, a `source`): text lands in
/// every chart and the report, and a megabyte of title took 15 to 25 s to draw.
const MAX_TEXT_CHARS: usize = 2000;

fn path(dotted: &str) -> FieldPath {
    FieldPath::parse_dotted(dotted)
}

impl Validator<'_> {
    fn report(&mut self, at: FieldPath, message: impl Into<String>, help: impl Into<String>) {
        let diagnostic = self
            .layers
            .diagnostic(&at, message.into(), Some(help.into()));
        self.problems.push(diagnostic);
    }

    /// Reports a problem found below `at` (in its own field, if it names one).
    fn report_problem(&mut self, at: FieldPath, problem: Problem) {
        let at = match problem.field.as_str() {
            "" => at,
            field => at.key(field),
        };
        self.report(at, problem.message, problem.help.unwrap_or_default());
    }

    fn model(&mut self, raw: &RawScenario) -> Option<Model> {
        let meta = self.meta(&raw.scenario);
        let run = self.run(&raw.run);
        self.check_names(raw);
        self.check_text_lengths(&self.layers.merged, FieldPath(Vec::new()));
        let (parameters, uncertain) = self.parameters(&raw.parameters);
        let correlations = self.correlations(raw, &uncertain);
        let symbols = self.symbols(raw);
        let series = self.all_series(raw, &symbols);
        self.check_formula_loops(raw);
        let postures = self.postures(&raw.postures, &symbols);
        let choice = self.choice(&raw.choice, &symbols);
        let mut meta = meta;
        if let Some(meta) = &mut meta {
            (meta.cited_documents, meta.cited_facts) = self.check_sources(raw, meta);
        }
        let resolved_toml = match resolved_model_toml(&self.layers.merged) {
            Ok(text) => Some(text),
            Err(error) => {
                // The hash guards merges against changed files: it must never be of a blank.
                let message =
                    format!("the merged scenario cannot be written back as TOML: {error}");
                self.report(FieldPath(Vec::new()), message, "values TOML can write");
                None
            }
        };
        let model = Model {
            meta: meta?,
            run: run?,
            parameters,
            uncertain,
            correlations,
            series,
            postures,
            choice: choice?,
            exprs: std::mem::take(&mut self.exprs),
            slots: symbols.layout,
            resolved_toml: resolved_toml?,
        };
        self.check_magnitudes(&model);
        self.check_ranges(&model);
        Some(model)
    }

    /// Refuses an expression that could reach a size no month can compute safely (see
    /// [`MAX_MAGNITUDE`]): utilities of 1e308 would overflow to infinity and give
    /// plausible-looking probabilities.
    fn check_magnitudes(&mut self, model: &Model) {
        for (id, at) in std::mem::take(&mut self.expr_fields) {
            let largest = model.largest_magnitude(id);
            if largest <= MAX_MAGNITUDE {
                continue;
            }
            let size = if largest.is_finite() {
                format!("{largest:.1e}")
            } else {
                "infinity".to_string()
            };
            self.report(
                at,
                format!(
                    "this expression can reach {size} in size (its coefficients times the \
                     largest values its names can take), past what a run computes safely"
                ),
                format!(
                    "coefficients and ranges that keep it within {MAX_MAGNITUDE:.0e} (a normal \
                     parameter counts as its mean ± 10 sd)"
                ),
            );
        }
    }

    /// Refuses an expression that reads the path but can never come within its range: clamped
    /// on every path in every month, it would be a constant outside it, silently.
    fn check_ranges(&mut self, model: &Model) {
        for check in std::mem::take(&mut self.ranged) {
            let (low, high) = model.value_range(check.id);
            if high < *check.range.start() || low > *check.range.end() {
                self.report(
                    check.at,
                    format!(
                        "{} that is never in range: this expression runs from {} to {}",
                        check.what,
                        short_number(low),
                        short_number(high)
                    ),
                    check.valid,
                );
            }
        }
    }

    fn meta(&mut self, raw: &RawMeta) -> Option<Meta> {
        let mut ok = true;
        if raw.name.is_empty()
            || !raw
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.report(
                path("scenario.name"),
                format!("`{}` cannot name an output folder", raw.name),
                "letters, digits, `_` and `-`",
            );
            ok = false;
        } else if raw.name.len() > MAX_NAME_LENGTH {
            self.report(
                path("scenario.name"),
                format!(
                    "a name of {} characters, too long to name a folder",
                    raw.name.len()
                ),
                format!("at most {MAX_NAME_LENGTH} letters, digits, `_` and `-`"),
            );
            ok = false;
        }
        let start = YearMonth::parse(&raw.start);
        if start.is_none() {
            self.report(
                path("scenario.start"),
                format!("`{}` is not a month", raw.start),
                "YYYY-MM, such as 2022-03",
            );
            ok = false;
        }
        let start = start?;
        let horizon_months = match &raw.horizon_months {
            RawHorizon::Months(months) => Some(*months),
            RawHorizon::Until(last) => YearMonth::parse(last).map(|last| last.months_since(start)),
        };
        let horizon_months =
            horizon_months.filter(|months| (1..=MAX_HORIZON_MONTHS).contains(months));
        if horizon_months.is_none() {
            let written = match &raw.horizon_months {
                RawHorizon::Months(months) => format!("a horizon of {months} months"),
                RawHorizon::Until(last) => format!("a horizon until `{last}`"),
            };
            let last = start.offset(MAX_HORIZON_MONTHS);
            self.report(
                path("scenario.horizon_months"),
                written,
                format!(
                    "a whole number of months from 1 to {MAX_HORIZON_MONTHS}, or the last month \
                     as YYYY-MM from {} to {last}",
                    start.offset(1)
                ),
            );
            ok = false;
        }
        let dir = self.layers.dir_of_writer(&path("scenario.sources"));
        let horizon_months = horizon_months? as u32;
        ok.then(|| Meta {
            name: raw.name.clone(),
            title: raw.title.clone().unwrap_or_else(|| raw.name.clone()),
            question: raw.question.clone(),
            actor: raw.actor.clone().unwrap_or_else(|| "the actor".into()),
            start,
            horizon_months,
            description: raw.description.clone(),
            file: self.layers.files[0].path.clone(),
            sources_file: raw
                .sources
                .as_ref()
                .map(|relative| normalize(&dir.join(relative))),
            cited_documents: Vec::new(),
            cited_facts: Vec::new(),
        })
    }

    fn run(&mut self, raw: &RawRun) -> Option<RunSettings> {
        let mut ok = true;
        let paths = raw.paths.unwrap_or(DEFAULT_PATHS as i64);
        if !(1..=MAX_PATHS).contains(&paths) {
            self.report(
                path("run.paths"),
                format!("{paths} paths"),
                format!("from 1 to {MAX_PATHS}"),
            );
            ok = false;
        }
        let seed = raw.seed.unwrap_or(DEFAULT_SEED as i64);
        if seed < 0 {
            self.report(
                path("run.seed"),
                format!("a negative seed ({seed})"),
                "a whole number from 0",
            );
            ok = false;
        }
        let sampling = match raw.sampling.as_deref() {
            None | Some("latin_hypercube") => Sampling::LatinHypercube,
            Some("monte_carlo") => Sampling::MonteCarlo,
            Some(other) => {
                self.report(
                    path("run.sampling"),
                    format!("unknown sampling `{other}`"),
                    "monte_carlo, latin_hypercube",
                );
                ok = false;
                Sampling::LatinHypercube
            }
        };
        ok.then_some(RunSettings {
            paths: paths as u64,
            seed: seed as u64,
            sampling,
        })
    }

    /// Names are identifiers, unique across parameters, drivers, indicators and postures.
    fn check_names(&mut self, raw: &RawScenario) {
        let mut seen: HashMap<String, String> = HashMap::new();
        let sections = [
            ("parameters", raw.parameters.keys().collect::<Vec<_>>()),
            ("drivers", raw.drivers.keys().collect()),
            ("indicators", raw.indicators.keys().collect()),
            ("postures", raw.postures.keys().collect()),
        ];
        for (section, names) in sections {
            for name in names {
                let at = path(section).key(name);
                if !is_identifier(name) || is_reserved(name) {
                    self.report(
                        at.clone(),
                        format!("`{name}` cannot be a name"),
                        "lower-case letters, digits and `_`, starting with a letter; not constant, month or posture",
                    );
                }
                if let Some(first) = seen.insert(name.clone(), section.to_string()) {
                    self.report(
                        at,
                        format!("`{name}` is declared again (first in `{first}`)"),
                        "a name used once",
                    );
                }
            }
        }
    }

    fn parameters(
        &mut self,
        raw: &IndexMap<String, RawParameter>,
    ) -> (Vec<Parameter>, Vec<ParameterId>) {
        let mut parameters = Vec::new();
        let mut uncertain = Vec::new();
        for (index, (name, parameter)) in raw.iter().enumerate() {
            let at = path("parameters").key(name);
            let value = self.parameter_value(&at, parameter);
            if let ParameterValue::Fixed(fixed) = value {
                self.check_within_replaced(&at, name, fixed);
            }
            if matches!(value, ParameterValue::Uncertain(_)) {
                uncertain.push(ParameterId(index as u32));
                if parameter.about.as_deref().is_none_or(str::is_empty) {
                    self.report(
                        at.key("about"),
                        "an uncertain parameter needs `about`",
                        "one line saying what it stands for",
                    );
                }
            }
            parameters.push(Parameter {
                name: name.clone(),
                about: parameter.about.clone().unwrap_or_default(),
                source: parameter.source.clone().unwrap_or_default(),
                unit: parameter.unit.clone(),
                value,
            });
        }
        (parameters, uncertain)
    }

    /// A parameter fixed by `--set` must take a value its distribution in the files can draw.
    fn check_within_replaced(&mut self, at: &FieldPath, name: &str, value: f64) {
        let replaced = self.layers.replaced_distributions.iter();
        let Some((_, dist)) = replaced.rev().find(|(fixed, _)| fixed == name) else {
            return;
        };
        let Ok(raw) = dist.clone().try_into::<RawDistribution>() else {
            return;
        };
        let Ok(distribution) = check_distribution(&raw) else {
            return;
        };
        if !distribution.contains(value) {
            self.report(
                at.key("value"),
                format!(
                    "{value} lies outside what {name}'s distribution, {}, can draw",
                    distribution.describe()
                ),
                format!("a value in its support: {}", distribution.support()),
            );
        }
    }

    fn parameter_value(&mut self, at: &FieldPath, raw: &RawParameter) -> ParameterValue {
        match (&raw.dist, raw.value) {
            (Some(dist), None) => match check_distribution(dist) {
                Ok(distribution) => ParameterValue::Uncertain(distribution),
                Err(problem) => {
                    self.report_problem(at.key("dist").key(dist_name(dist)), problem);
                    ParameterValue::Fixed(0.0)
                }
            },
            (None, Some(value)) if value.is_finite() => ParameterValue::Fixed(value),
            (None, Some(value)) => {
                self.report(
                    at.key("value"),
                    format!("{value} is not a finite number"),
                    "a finite number",
                );
                ParameterValue::Fixed(0.0)
            }
            (Some(_), Some(_)) => {
                self.report(
                    at.key("value"),
                    "both `dist` and `value` are given",
                    "either a distribution or a fixed value",
                );
                ParameterValue::Fixed(0.0)
            }
            (None, None) => {
                self.report(
                    at.clone(),
                    "neither `dist` nor `value` is given",
                    distribution_help(),
                );
                ParameterValue::Fixed(0.0)
            }
        }
    }

    fn correlations(
        &mut self,
        raw: &RawScenario,
        uncertain: &[ParameterId],
    ) -> Option<CorrelationTarget> {
        let names: Vec<&String> = raw.parameters.keys().collect();
        let position = |name: &str| uncertain.iter().position(|&id| names[id.index()] == name);
        let mut correlations = Vec::new();
        let mut pairs = HashSet::new();
        for (index, correlation) in raw.correlations.iter().enumerate() {
            let at = path("correlations").index(index);
            let fixed = &self.layers.fixed_on_command_line;
            if correlation.between.iter().any(|name| fixed.contains(name)) {
                continue;
            }
            if !(correlation.rank > -1.0 && correlation.rank < 1.0) {
                self.report(
                    at.key("rank"),
                    format!("a rank correlation of {}", correlation.rank),
                    "a number strictly between -1 and 1",
                );
                continue;
            }
            let [first, second] = correlation.between.as_slice() else {
                self.report(
                    at.key("between"),
                    format!("{} names", correlation.between.len()),
                    "two uncertain parameters",
                );
                continue;
            };
            // A parameter whose `dist` was refused has its own error: the pair is not one more.
            let refused_dist = |name: &str| {
                position(name).is_none()
                    && raw
                        .parameters
                        .get(name)
                        .is_some_and(|parameter| parameter.dist.is_some())
            };
            if refused_dist(first) || refused_dist(second) {
                continue;
            }
            let (Some(a), Some(b)) = (position(first), position(second)) else {
                let uncertain_names: Vec<&str> = uncertain
                    .iter()
                    .map(|&id| names[id.index()].as_str())
                    .collect();
                self.report(
                    at.key("between"),
                    format!("`{first}` and `{second}` are not both uncertain parameters"),
                    uncertain_names.join(", "),
                );
                continue;
            };
            if a == b || !pairs.insert((a.min(b), a.max(b))) {
                self.report(
                    at.key("between"),
                    format!("the pair {first}, {second} is repeated or not a pair"),
                    "two different parameters, each pair once",
                );
                continue;
            }
            correlations.push(Correlation {
                first: a,
                second: b,
                rank: correlation.rank,
            });
        }
        if correlations.is_empty() {
            return None;
        }
        match CorrelationTarget::new(uncertain.len(), correlations) {
            Ok(target) => Some(target),
            Err(conflict) => {
                self.report(
                    path("correlations"),
                    conflict.to_string(),
                    "weaker correlations, or ones that agree with each other",
                );
                None
            }
        }
    }

    fn symbols(&mut self, raw: &RawScenario) -> SymbolTable {
        let mut symbols = HashMap::new();
        for (index, name) in raw.parameters.keys().enumerate() {
            symbols.insert(name.clone(), Symbol::Parameter(ParameterId(index as u32)));
        }
        let mut regime_states = 0;
        let all = raw
            .drivers
            .iter()
            .map(|s| (s, Role::Driver))
            .chain(raw.indicators.iter().map(|s| (s, Role::Indicator)));
        for (index, ((name, series), role)) in all.enumerate() {
            let symbol = match (series.kind.as_str(), &series.states) {
                ("regime", Some(states)) => {
                    let symbol = Symbol::Regime {
                        index,
                        role,
                        first_state: regime_states,
                        states: states.clone(),
                    };
                    regime_states += states.len();
                    symbol
                }
                _ => Symbol::Series { index, role },
            };
            symbols.entry(name.clone()).or_insert(symbol);
        }
        SymbolTable {
            symbols,
            postures: raw.postures.keys().cloned().collect(),
            layout: SlotLayout {
                series: raw.drivers.len() + raw.indicators.len(),
                postures: raw.postures.len(),
                regime_states,
            },
        }
    }

    fn expr(
        &mut self,
        symbols: &SymbolTable,
        at: FieldPath,
        value: &toml::Value,
        phase: Phase,
    ) -> ExprId {
        match symbols.compile(value, phase) {
            Ok(terms) => {
                let id = self.exprs.push(terms);
                self.expr_fields.push((id, at));
                id
            }
            Err(problem) => {
                self.report_problem(at, problem);
                self.exprs.constant(0.0)
            }
        }
    }

    /// A probability: a constant must lie in [0, 1]; one that reads the path acts clamped to it.
    fn probability_expr(
        &mut self,
        symbols: &SymbolTable,
        at: FieldPath,
        value: &toml::Value,
        phase: Phase,
    ) -> ExprId {
        let id = self.expr(symbols, at.clone(), value, phase);
        self.check_constant(id, at, 0.0..=1.0, "a probability", "a number from 0 to 1");
        id
    }

    /// The value of an expression that reads nothing but numbers.
    fn constant_value(&self, id: ExprId) -> Option<f64> {
        let terms = self.exprs.terms_of(id);
        terms
            .iter()
            .all(|term| term.factors.is_empty())
            .then(|| terms.iter().map(|term| term.coefficient).sum())
    }

    /// A constant expression must lie in `range`: `what` names the quantity, `valid` the range.
    fn check_constant(
        &mut self,
        id: ExprId,
        at: FieldPath,
        range: std::ops::RangeInclusive<f64>,
        what: &str,
        valid: &str,
    ) {
        match self.constant_value(id) {
            Some(constant) if !range.contains(&constant) => {
                self.report(at, format!("{what} of {constant}"), valid);
            }
            Some(_) => {}
            None => self.ranged.push(RangeCheck {
                id,
                at,
                range,
                what: what.into(),
                valid: valid.into(),
            }),
        }
    }

    fn optional_expr(
        &mut self,
        symbols: &SymbolTable,
        at: FieldPath,
        value: &Option<toml::Value>,
        phase: Phase,
    ) -> Option<ExprId> {
        value
            .as_ref()
            .map(|value| self.expr(symbols, at, value, phase))
    }

    fn required_expr(
        &mut self,
        symbols: &SymbolTable,
        at: FieldPath,
        value: &Option<toml::Value>,
        phase: Phase,
    ) -> ExprId {
        match value {
            Some(value) => self.expr(symbols, at, value, phase),
            None => {
                self.report(
                    at,
                    "this field is required",
                    "an expression: a number, a name or a table of terms",
                );
                self.exprs.constant(0.0)
            }
        }
    }

    fn all_series(&mut self, raw: &RawScenario, symbols: &SymbolTable) -> Vec<Series> {
        let mut series = Vec::new();
        let mut regime_states = 0;
        for (section, role, entries) in [
            ("drivers", Role::Driver, &raw.drivers),
            ("indicators", Role::Indicator, &raw.indicators),
        ] {
            for (name, entry) in entries {
                let at = path(section).key(name);
                let kind = self.series_kind(&at, entry, role, symbols, &mut regime_states);
                series.push(Series {
                    name: name.clone(),
                    label: entry
                        .label
                        .clone()
                        .unwrap_or_else(|| name.replace('_', " ")),
                    about: entry.about.clone().unwrap_or_default(),
                    unit: entry.unit.clone().unwrap_or_default(),
                    source: entry.source.clone().unwrap_or_default(),
                    role,
                    kind,
                });
            }
        }
        series
    }

    /// Refuses any text longer than [`MAX_TEXT_CHARS`], wherever it stands in the file.
    fn check_text_lengths(&mut self, table: &toml::Table, at: FieldPath) {
        for (key, value) in table {
            self.check_text_length(value, at.key(key));
        }
    }

    fn check_text_length(&mut self, value: &toml::Value, at: FieldPath) {
        match value {
            toml::Value::String(text) if text.chars().count() > MAX_TEXT_CHARS => {
                let message = format!("the text is {} characters long", text.chars().count());
                self.report(at, message, format!("at most {MAX_TEXT_CHARS} characters"));
            }
            toml::Value::Table(table) => self.check_text_lengths(table, at),
            toml::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.check_text_length(item, at.index(index));
                }
            }
            _ => {}
        }
    }

    /// Refuses formulas that read each other in a loop (or one that reads itself): a formula
    /// has no value of its own to start from, so such a loop would silently start at 0 and
    /// stay wherever its constants take it. A process in the loop, with its `initial`, is fine.
    fn check_formula_loops(&mut self, raw: &RawScenario) {
        let formulas: Vec<(FieldPath, &str, Vec<&str>)> =
            [("drivers", &raw.drivers), ("indicators", &raw.indicators)]
                .into_iter()
                .flat_map(|(section, entries)| {
                    entries
                        .iter()
                        .filter(|(_, entry)| entry.kind == "formula")
                        .map(move |(name, entry)| {
                            let reads = entry.value.as_ref().map(names_read).unwrap_or_default();
                            (path(section).key(name), name.as_str(), reads)
                        })
                })
                .collect();
        let index_of = |name: &str| formulas.iter().position(|(_, other, _)| *other == name);
        let edges: Vec<Vec<usize>> = formulas
            .iter()
            .map(|(_, _, reads)| reads.iter().filter_map(|name| index_of(name)).collect())
            .collect();
        let mut reported = vec![false; formulas.len()];
        for start in 0..formulas.len() {
            let Some(cycle) = formula_cycle(&edges, start) else {
                continue;
            };
            if cycle.iter().any(|&index| reported[index]) {
                continue;
            }
            cycle.iter().for_each(|&index| reported[index] = true);
            let names: Vec<&str> = cycle
                .iter()
                .chain([&cycle[0]])
                .map(|&i| formulas[i].1)
                .collect();
            self.report(
                formulas[start].0.key("value"),
                format!(
                    "formulas read each other in a loop ({}): a formula has no value to start \
                     from, so the loop would start at 0",
                    names.join(" → ")
                ),
                "formulas that do not read themselves back; make one of the loop a `process` \
                 with an `initial` value to model a recurrence",
            );
        }
    }

    fn series_kind(
        &mut self,
        at: &FieldPath,
        raw: &RawSeries,
        role: Role,
        symbols: &SymbolTable,
        regime_states: &mut usize,
    ) -> SeriesKind {
        let phase = match role {
            Role::Driver => Phase::Driver,
            Role::Indicator => Phase::Indicator,
        };
        let allowed: &[&str] = match (raw.kind.as_str(), role) {
            ("regime", Role::Driver) => REGIME_FIELDS,
            ("process", _) => PROCESS_FIELDS,
            ("formula", _) => FORMULA_FIELDS,
            ("event", Role::Driver) => EVENT_FIELDS,
            (other, _) => {
                let valid = if role == Role::Driver {
                    "regime, process, formula, event"
                } else {
                    "process, formula"
                };
                self.report(
                    at.key("kind"),
                    format!("unknown kind `{other}` here"),
                    valid,
                );
                return SeriesKind::Event(Event {
                    onset: Onset::Month(0),
                    lasts_months: None,
                });
            }
        };
        self.check_fields(at, raw, allowed);
        match raw.kind.as_str() {
            "regime" => self.regime(at, raw, regime_states),
            "process" => self.process(at, raw, symbols, phase),
            "formula" => {
                let (min, max) = self.bounds(at, raw);
                let value = self.required_expr(symbols, at.key("value"), &raw.value, phase);
                SeriesKind::Formula { min, max, value }
            }
            _ => self.event(at, raw, symbols),
        }
    }

    /// Fields written for a kind they do not apply to.
    fn check_fields(&mut self, at: &FieldPath, raw: &RawSeries, allowed: &[&str]) {
        let written: [(&str, bool); 15] = [
            ("states", raw.states.is_some()),
            ("initial", raw.initial.is_some()),
            ("transitions", raw.transitions.is_some()),
            ("min", raw.min.is_some()),
            ("max", raw.max.is_some()),
            ("reversion", raw.reversion.is_some()),
            ("target", raw.target.is_some()),
            ("drift", raw.drift.is_some()),
            ("shock_sd", raw.shock_sd.is_some()),
            ("jump_probability", raw.jump_probability.is_some()),
            ("jump_size", raw.jump_size.is_some()),
            ("value", raw.value.is_some()),
            ("onset", raw.onset.is_some()),
            ("lasts_months", raw.lasts_months.is_some()),
            ("kind", true),
        ];
        for (field, present) in written {
            if present && field != "kind" && !allowed.contains(&field) {
                let help = format!(
                    "for kind `{}`: kind, label, about, unit, source, {}",
                    raw.kind,
                    allowed.join(", ")
                );
                self.report(
                    at.key(field),
                    format!("`{field}` does not apply to a {} series", raw.kind),
                    help,
                );
            }
        }
    }

    fn bounds(&mut self, at: &FieldPath, raw: &RawSeries) -> (f64, f64) {
        // Bounds past MAX_MAGNITUDE could make a histogram's width an infinity.
        let sized = |bound: f64| bound.is_finite() && bound.abs() <= MAX_MAGNITUDE;
        match (raw.min, raw.max) {
            (Some(min), Some(max)) if sized(min) && sized(max) && min < max => (min, max),
            (Some(min), Some(max)) => {
                // Blame the bound that is wrong, where it is written (a child may set only one).
                let (field, message) = if !sized(min) {
                    ("min", format!("min is {}", short_number(min)))
                } else if !sized(max) {
                    ("max", format!("max is {}", short_number(max)))
                } else {
                    ("max", format!("the range [{min}, {max}] is empty"))
                };
                let valid = format!("numbers within ±{MAX_MAGNITUDE:.0e} with min < max");
                self.report(at.key(field), message, valid);
                // Wide enough that no check of the series' initial value reports this again,
                // narrow enough that no expression reading it passes MAX_MAGNITUDE.
                (-1e30, 1e30)
            }
            _ => {
                let missing = if raw.min.is_none() { "min" } else { "max" };
                self.report(
                    at.key(missing),
                    "this field is required",
                    "finite bounds min < max that the values stay within",
                );
                (0.0, 1.0)
            }
        }
    }

    fn regime(&mut self, at: &FieldPath, raw: &RawSeries, regime_states: &mut usize) -> SeriesKind {
        let states = raw.states.clone().unwrap_or_default();
        let first_state = *regime_states;
        *regime_states += states.len();
        let empty = Regime {
            states: states.clone(),
            initial: 0,
            cumulative: Vec::new(),
            absorbing: Vec::new(),
            first_state,
        };
        if states.len() < 2 || states.iter().collect::<HashSet<_>>().len() != states.len() {
            self.report(
                at.key("states"),
                format!("{} states, or a state named twice", states.len()),
                "two or more distinct state names",
            );
            return SeriesKind::Regime(empty);
        }
        let initial = match &raw.initial {
            Some(toml::Value::String(name)) => states.iter().position(|state| state == name),
            _ => None,
        };
        let Some(initial) = initial else {
            self.report(
                at.key("initial"),
                "the initial state is missing or not one of the states",
                states.join(", "),
            );
            return SeriesKind::Regime(empty);
        };
        let Some(transitions) = &raw.transitions else {
            self.report(
                at.key("transitions"),
                "this field is required",
                "one row per state: { state = probability, ... } summing to 1",
            );
            return SeriesKind::Regime(empty);
        };
        let (cumulative, absorbing) =
            self.transition_rows(&at.key("transitions"), &states, transitions);
        SeriesKind::Regime(Regime {
            states,
            initial,
            cumulative,
            absorbing,
            first_state,
        })
    }

    fn transition_rows(
        &mut self,
        at: &FieldPath,
        states: &[String],
        rows: &IndexMap<String, IndexMap<String, f64>>,
    ) -> (Vec<f64>, Vec<bool>) {
        for from in rows.keys().filter(|from| !states.contains(from)) {
            self.report(
                at.key(from),
                format!("`{from}` is not a state"),
                states.join(", "),
            );
        }
        let mut cumulative = Vec::with_capacity(states.len() * states.len());
        let mut absorbing = Vec::with_capacity(states.len());
        for (row_index, from) in states.iter().enumerate() {
            let Some(row) = rows.get(from) else {
                self.report(
                    at.key(from),
                    format!("no row for state `{from}`"),
                    "a row for every state, summing to 1",
                );
                cumulative.extend(states.iter().map(|_| 1.0));
                absorbing.push(true);
                continue;
            };
            let (row_cumulative, stays) =
                self.transition_row(&at.key(from), states, row, row_index);
            cumulative.extend(row_cumulative);
            absorbing.push(stays);
        }
        (cumulative, absorbing)
    }

    fn transition_row(
        &mut self,
        at: &FieldPath,
        states: &[String],
        row: &IndexMap<String, f64>,
        row_index: usize,
    ) -> (Vec<f64>, bool) {
        let mut probabilities = vec![0.0; states.len()];
        for (to, probability) in row {
            let Some(column) = states.iter().position(|state| state == to) else {
                self.report(
                    at.key(to),
                    format!("`{to}` is not a state"),
                    states.join(", "),
                );
                continue;
            };
            if !(0.0..=1.0).contains(probability) {
                self.report(
                    at.key(to),
                    format!("a probability of {probability}"),
                    "a probability from 0 to 1",
                );
            }
            probabilities[column] = *probability;
        }
        let sum: f64 = probabilities.iter().sum();
        if (sum - 1.0).abs() > ROW_TOLERANCE {
            self.report(
                at.clone(),
                format!("the row sums to {sum}"),
                format!("probabilities summing to 1 (within {ROW_TOLERANCE})"),
            );
        }
        let mut running = 0.0;
        let mut cumulative: Vec<f64> = probabilities
            .iter()
            .map(|p| {
                running += p;
                running
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        (cumulative, probabilities[row_index] >= 1.0)
    }

    fn process(
        &mut self,
        at: &FieldPath,
        raw: &RawSeries,
        symbols: &SymbolTable,
        phase: Phase,
    ) -> SeriesKind {
        let (min, max) = self.bounds(at, raw);
        let initial = self.required_expr(symbols, at.key("initial"), &raw.initial, Phase::Initial);
        let reversion = match (&raw.reversion, &raw.target) {
            (Some(rate), Some(target)) => {
                let rate_id = self.expr(symbols, at.key("reversion"), rate, phase);
                let valid = "a share of the gap to the target closed each month, from 0 to 1";
                self.check_constant(
                    rate_id,
                    at.key("reversion"),
                    0.0..=1.0,
                    "a reversion",
                    valid,
                );
                Some((rate_id, self.expr(symbols, at.key("target"), target, phase)))
            }
            (None, None) => None,
            (Some(_), None) => {
                self.report(
                    at.key("target"),
                    "`reversion` is given without `target`",
                    "both or neither",
                );
                None
            }
            (None, Some(_)) => {
                self.report(
                    at.key("reversion"),
                    "`target` is given without `reversion`",
                    "both or neither",
                );
                None
            }
        };
        if reversion.is_none()
            && raw.drift.is_none()
            && raw.shock_sd.is_none()
            && raw.jump_probability.is_none()
        {
            self.report(
                at.clone(),
                "the process never moves",
                "reversion and target, drift, shock_sd or jump_probability",
            );
        }
        let drift = self.optional_expr(symbols, at.key("drift"), &raw.drift, phase);
        let shock_sd = self.optional_expr(symbols, at.key("shock_sd"), &raw.shock_sd, phase);
        if let Some(id) = shock_sd {
            let range = 0.0..=f64::INFINITY;
            self.check_constant(id, at.key("shock_sd"), range, "a shock sd", "0 or more");
        }
        if let Some(start) = raw.initial.as_ref().and(self.constant_value(initial)) {
            if !(min..=max).contains(&start) {
                self.report(
                    at.key("initial"),
                    format!("an initial value of {start}, outside the series' range"),
                    format!("a value from {min} to {max}, the series' min and max"),
                );
            }
        }
        let jump = match (&raw.jump_probability, &raw.jump_size) {
            (Some(probability), Some(size)) => Some(Jump {
                probability: self.probability_expr(
                    symbols,
                    at.key("jump_probability"),
                    probability,
                    phase,
                ),
                size: self.expr(symbols, at.key("jump_size"), size, phase),
            }),
            (None, None) => None,
            (Some(_), None) => {
                self.report(
                    at.key("jump_size"),
                    "`jump_probability` is given without `jump_size`",
                    "both or neither",
                );
                None
            }
            (None, Some(_)) => {
                self.report(
                    at.key("jump_probability"),
                    "`jump_size` is given without `jump_probability`",
                    "both or neither",
                );
                None
            }
        };
        SeriesKind::Process(Process {
            min,
            max,
            initial,
            reversion,
            drift,
            shock_sd,
            jump,
        })
    }

    fn event(&mut self, at: &FieldPath, raw: &RawSeries, symbols: &SymbolTable) -> SeriesKind {
        let help = "onset = <month from 0>, or onset = { hazard = <monthly probability> }";
        let onset = match &raw.onset {
            Some(toml::Value::Integer(month)) if *month >= 0 => {
                Onset::Month((*month).min(u32::MAX as i64) as u32)
            }
            Some(toml::Value::Table(table)) if table.len() == 1 && table.contains_key("hazard") => {
                Onset::Hazard(self.probability_expr(
                    symbols,
                    at.key("onset").key("hazard"),
                    &table["hazard"],
                    Phase::Driver,
                ))
            }
            Some(other) => {
                self.report(at.key("onset"), format!("`{other}` is not an onset"), help);
                Onset::Month(0)
            }
            None => {
                self.report(at.key("onset"), "this field is required", help);
                Onset::Month(0)
            }
        };
        let lasts_months = match raw.lasts_months {
            Some(months) if months >= 1 => Some(months.min(u32::MAX as i64) as u32),
            Some(months) => {
                self.report(
                    at.key("lasts_months"),
                    format!("{months} months"),
                    "1 or more months; leave it out for an event that lasts",
                );
                None
            }
            None => None,
        };
        SeriesKind::Event(Event {
            onset,
            lasts_months,
        })
    }

    fn postures(
        &mut self,
        raw: &IndexMap<String, RawPosture>,
        symbols: &SymbolTable,
    ) -> Vec<Posture> {
        if raw.len() > MAX_POSTURES {
            self.report(
                path("postures"),
                format!("{} postures", raw.len()),
                format!("at most {MAX_POSTURES} postures"),
            );
        }
        if raw.is_empty() {
            self.report(
                path("postures"),
                "no postures are declared",
                "one table per posture, such as [postures.fence_straddling]",
            );
        }
        let mut postures = Vec::new();
        for (index, (name, posture)) in raw.iter().enumerate() {
            let at = path("postures").key(name);
            let utility = self.expr(symbols, at.key("utility"), &posture.utility, Phase::Choice);
            let colour = posture
                .colour
                .clone()
                .unwrap_or_else(|| PALETTE[index % PALETTE.len()].to_string());
            if !is_hex_colour(&colour) {
                self.report(
                    at.key("colour"),
                    format!("`{colour}` is not a colour"),
                    "#rrggbb, such as #0072B2",
                );
            }
            postures.push(Posture {
                name: name.clone(),
                label: posture
                    .label
                    .clone()
                    .unwrap_or_else(|| name.replace('_', " ")),
                about: posture.about.clone().unwrap_or_default(),
                source: posture.source.clone().unwrap_or_default(),
                colour,
                utility,
            });
        }
        postures
    }

    fn choice(&mut self, raw: &RawChoice, symbols: &SymbolTable) -> Option<Choice> {
        let initial = symbols
            .postures
            .iter()
            .position(|name| *name == raw.initial)
            .map(|index| PostureId(index as u32));
        if initial.is_none() {
            self.report(
                path("choice.initial"),
                format!("`{}` is not a posture", raw.initial),
                symbols.postures.join(", "),
            );
        }
        let review_probability = self.probability_expr(
            symbols,
            path("choice.review_probability"),
            &raw.review_probability,
            Phase::Choice,
        );
        let inertia = self.expr(symbols, path("choice.inertia"), &raw.inertia, Phase::Choice);
        let abrupt_probability = raw.abrupt_probability.as_ref().map(|value| {
            let at = path("choice.abrupt_probability");
            self.probability_expr(symbols, at, value, Phase::Choice)
        });
        Some(Choice {
            initial: initial?,
            review_probability,
            inertia,
            abrupt_probability,
        })
    }

    /// Every `seed:<id>` in a source string must name a fact of the scenario's facts file.
    /// Returns the documents cited, most cited first, and the facts cited, in order.
    fn check_sources(&mut self, raw: &RawScenario, meta: &Meta) -> (Vec<String>, Vec<String>) {
        let Some(file) = &meta.sources_file else {
            return (Vec::new(), Vec::new());
        };
        let facts = match FactsFile::read(file) {
            Ok(facts) => facts.fact_documents(),
            Err(problem) => {
                self.report(
                    path("scenario.sources"),
                    problem.message,
                    "a TOML file of [[fact]] tables with an `id` and a `document` each",
                );
                return (Vec::new(), Vec::new());
            }
        };
        let mut citations: IndexMap<String, usize> = IndexMap::new();
        let mut cited: IndexMap<String, ()> = IndexMap::new();
        for (at, source) in source_fields(raw) {
            for id in cited_facts(source) {
                match facts.get(id) {
                    Some(document) => {
                        *citations.entry(document.clone()).or_default() += 1;
                        cited.insert(id.to_string(), ());
                    }
                    None => self.report(
                        at.clone(),
                        format!("`seed:{id}` is not a fact of {}", file.display()),
                        "seed:<id> for an id in that file",
                    ),
                }
            }
        }
        citations.sort_by(|_, a, _, b| b.cmp(a));
        (citations.into_keys().collect(), cited.into_keys().collect())
    }
}

/// The names an expression's products read (`a*b` reads `a` and `b`); `posture=...` and
/// `<regime>=<state>` factors are not series values and are left out.
fn names_read(value: &toml::Value) -> Vec<&str> {
    let products: Vec<&str> = match value {
        toml::Value::String(product) => vec![product.as_str()],
        toml::Value::Table(terms) => terms.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    products
        .into_iter()
        .flat_map(|product| product.split('*'))
        .map(str::trim)
        .filter(|name| !name.contains('='))
        .collect()
}

/// A loop of formulas through `start` (`start` first), if `start` lies on one. A depth-first
/// search whose visited marks stay set: a formula explored once without leading back to `start`
/// never will, so each search is linear in the reads.
fn formula_cycle(edges: &[Vec<usize>], start: usize) -> Option<Vec<usize>> {
    let mut trail = vec![start];
    let mut next_edge = vec![0usize];
    let mut visited = vec![false; edges.len()];
    visited[start] = true;
    while let Some(&node) = trail.last() {
        let depth = trail.len() - 1;
        let Some(&to) = edges[node].get(next_edge[depth]) else {
            trail.pop();
            next_edge.pop();
            continue;
        };
        next_edge[depth] += 1;
        if to == start {
            return Some(trail);
        }
        if !visited[to] && to > start {
            visited[to] = true;
            trail.push(to);
            next_edge.push(0);
        }
    }
    None
}

fn source_fields<'a>(raw: &'a RawScenario) -> Vec<(FieldPath, &'a str)> {
    let mut fields = Vec::new();
    let mut add = |at: FieldPath, source: &'a Option<String>| {
        if let Some(source) = source {
            fields.push((at.key("source"), source.as_str()));
        }
    };
    for (name, parameter) in &raw.parameters {
        add(path("parameters").key(name), &parameter.source);
    }
    for (name, series) in &raw.drivers {
        add(path("drivers").key(name), &series.source);
    }
    for (name, series) in &raw.indicators {
        add(path("indicators").key(name), &series.source);
    }
    for (name, posture) in &raw.postures {
        add(path("postures").key(name), &posture.source);
    }
    for (index, correlation) in raw.correlations.iter().enumerate() {
        add(path("correlations").index(index), &correlation.source);
    }
    add(path("choice"), &raw.choice.source);
    fields
}

/// The fact ids cited as `seed:<id>` in a source string.
pub fn cited_facts(source: &str) -> impl Iterator<Item = &str> {
    source.match_indices("seed:").map(move |(start, _)| {
        let rest = &source[start + 5..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

/// Checks a distribution's parameters; the error is (field, message, what is valid).
fn check_distribution(raw: &RawDistribution) -> Result<Distribution, Problem> {
    match raw {
        RawDistribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => Distribution::beta(*alpha, *beta, min.unwrap_or(0.0), max.unwrap_or(1.0)),
        RawDistribution::Normal { mean, sd, min, max } => Distribution::normal(
            *mean,
            *sd,
            min.unwrap_or(f64::NEG_INFINITY),
            max.unwrap_or(f64::INFINITY),
        ),
        RawDistribution::LogNormal { median, sigma } => Distribution::log_normal(*median, *sigma),
        RawDistribution::Triangular { min, mode, max } => {
            Distribution::triangular(*min, *mode, *max)
        }
        RawDistribution::Pert {
            min,
            mode,
            max,
            lambda,
        } => Distribution::pert(*min, *mode, *max, lambda.unwrap_or(4.0)),
        RawDistribution::Uniform { min, max } => Distribution::uniform(*min, *max),
        RawDistribution::LogUniform { min, max } => Distribution::log_uniform(*min, *max),
        RawDistribution::Categorical { values, weights } => {
            Distribution::categorical(values, weights)
        }
        RawDistribution::Interval90 { p5, p95, shape } => {
            let shape = match shape.as_str() {
                "normal" => IntervalShape::Normal,
                "log_normal" => IntervalShape::LogNormal,
                other => {
                    let problem = Problem::new(format!("unknown shape `{other}`"));
                    return Err(problem.valid("normal, log_normal").in_field("shape"));
                }
            };
            Distribution::interval90(*p5, *p95, shape)
        }
    }
}

fn dist_name(raw: &RawDistribution) -> &'static str {
    match raw {
        RawDistribution::Beta { .. } => "beta",
        RawDistribution::Normal { .. } => "normal",
        RawDistribution::LogNormal { .. } => "log_normal",
        RawDistribution::Triangular { .. } => "triangular",
        RawDistribution::Pert { .. } => "pert",
        RawDistribution::Uniform { .. } => "uniform",
        RawDistribution::LogUniform { .. } => "log_uniform",
        RawDistribution::Categorical { .. } => "categorical",
        RawDistribution::Interval90 { .. } => "interval90",
    }
}

pub fn distribution_help() -> String {
    "dist.beta = { alpha, beta }, dist.normal = { mean, sd }, dist.log_normal = { median, sigma }, dist.triangular = { min, mode, max }, dist.pert = { min, mode, max }, dist.uniform = { min, max }, dist.log_uniform = { min, max }, dist.categorical = { values, weights }, dist.interval90 = { p5, p95, shape = \"normal\" | \"log_normal\" }, or value = <number>".into()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The merged scenario without its run settings: what the model hash covers.
fn resolved_model_toml(merged: &toml::Table) -> Result<String, toml::ser::Error> {
    let mut model = merged.clone();
    model.remove("run");
    toml::to_string(&model)
}

/// Removes `.` and `dir/..` from a path without touching the file system.
fn normalize(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// A number as a message shows it: short, in plain or scientific notation.
fn short_number(value: f64) -> String {
    if value.is_infinite() || value.abs() >= 1e6 || (value != 0.0 && value.abs() < 1e-3) {
        format!("{value:.3e}")
    } else {
        format!("{}", (value * 1000.0).round() / 1000.0)
    }
}
