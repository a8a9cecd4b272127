//! PRIM, the patient rule induction method: start from a box holding every row and peel a thin
//! slice (a share `alpha` of the rows still inside) off one side of one input at a time,
//! always the slice whose removal leaves the highest share of target rows inside. The boxes
//! peeled along the way trade coverage (the share of all target rows a box holds) for density
//! (the share of a box's rows that are target rows); the analyst picks one on that trade-off.
//! A second box is searched among the rows the first one leaves out, and so on.

/// How the search peels and when it stops.
#[derive(Debug, Clone, Copy)]
pub struct PrimSettings {
    /// Share of the box's rows peeled at each step.
    pub peel_alpha: f64,
    /// Peeling stops before a box would hold fewer than this share of all rows.
    pub min_mass: f64,
    /// The chosen box is the densest one that still covers at least this share of the target
    /// rows it searched.
    pub min_coverage: f64,
}

impl Default for PrimSettings {
    fn default() -> Self {
        PrimSettings {
            peel_alpha: 0.05,
            min_mass: 0.05,
            min_coverage: 0.5,
        }
    }
}

/// One box: inclusive bounds on every input, and how it scores.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimBox {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Whether the input's bounds were peeled (else they span every row searched).
    pub restricted: Vec<bool>,
    /// Target rows inside / all target rows.
    pub coverage: f64,
    /// Target rows inside / rows inside.
    pub density: f64,
    /// Rows inside / all rows.
    pub mass: f64,
}

/// One box search: the boxes peeled step by step, and the one chosen.
#[derive(Debug, Clone)]
pub struct Peeling {
    pub steps: Vec<PrimBox>,
    pub chosen: usize,
    /// For each input the chosen box restricts: its density with that restriction lifted.
    pub density_without: Vec<Option<f64>>,
}

impl Peeling {
    pub fn chosen_box(&self) -> &PrimBox {
        &self.steps[self.chosen]
    }
}

/// The data a search runs on: input columns and which rows are targets.
pub struct PrimData<'a> {
    pub inputs: &'a [Vec<f64>],
    pub target: &'a [bool],
}

/// Up to `boxes` successive boxes; each searches the rows the earlier ones left out. Stops
/// early when no target rows are left.
pub fn find_boxes(data: &PrimData, settings: &PrimSettings, boxes: usize) -> Vec<Peeling> {
    let rows = data.target.len();
    let total_hits = data.target.iter().filter(|&&t| t).count();
    let mut remaining: Vec<usize> = (0..rows).collect();
    let mut found = Vec::new();
    for _ in 0..boxes {
        if total_hits == 0 || !remaining.iter().any(|&row| data.target[row]) {
            break;
        }
        let search = Search::new(data, &remaining, total_hits);
        let peeling = search.peel(settings);
        let chosen = peeling.chosen_box().clone();
        remaining.retain(|&row| !inside(data.inputs, row, &chosen));
        found.push(peeling);
    }
    found
}

fn inside(inputs: &[Vec<f64>], row: usize, prim_box: &PrimBox) -> bool {
    inputs
        .iter()
        .enumerate()
        .all(|(i, column)| column[row] >= prim_box.lower[i] && column[row] <= prim_box.upper[i])
}

/// One peeling over a set of rows.
struct Search<'a> {
    data: &'a PrimData<'a>,
    /// The rows searched, sorted by each input in turn.
    sorted: Vec<Vec<usize>>,
    in_box: Vec<bool>,
    count: usize,
    hits: usize,
    total_rows: usize,
    total_hits: usize,
}

/// A candidate peel: input, which side, the new bound, and what it removes.
struct Peel {
    input: usize,
    from_top: bool,
    bound: f64,
    removed: usize,
    removed_hits: usize,
}

impl<'a> Search<'a> {
    fn new(data: &'a PrimData<'a>, rows: &[usize], total_hits: usize) -> Self {
        let mut in_box = vec![false; data.target.len()];
        for &row in rows {
            in_box[row] = true;
        }
        let sorted = data
            .inputs
            .iter()
            .map(|column| {
                let mut order = rows.to_vec();
                order.sort_by(|&a, &b| column[a].total_cmp(&column[b]));
                order
            })
            .collect();
        Search {
            data,
            sorted,
            in_box,
            count: rows.len(),
            hits: rows.iter().filter(|&&row| data.target[row]).count(),
            total_rows: data.target.len(),
            total_hits,
        }
    }

    fn peel(mut self, settings: &PrimSettings) -> Peeling {
        let mut current = self.whole_box();
        let mut steps = vec![current.clone()];
        let min_rows = (settings.min_mass * self.total_rows as f64).ceil() as usize;
        while self.hits < self.count {
            let Some(peel) = self.best_peel(settings.peel_alpha) else {
                break;
            };
            if self.count - peel.removed < min_rows.max(1) {
                break;
            }
            self.apply(&peel, &mut current);
            steps.push(current.clone());
        }
        // A later box can only cover the target rows the earlier ones left: ask for a share of those.
        let reachable = steps[0].coverage;
        let chosen = choose(&steps, settings.min_coverage * reachable);
        let density_without = self.densities_without(&steps[chosen]);
        Peeling {
            steps,
            chosen,
            density_without,
        }
    }

    fn whole_box(&self) -> PrimBox {
        let bound = |order: &Vec<usize>, column: &Vec<f64>, last: bool| {
            let row = if last { order.last() } else { order.first() };
            row.map_or(f64::NAN, |&row| column[row])
        };
        let inputs = self.data.inputs;
        PrimBox {
            lower: (0..inputs.len())
                .map(|i| bound(&self.sorted[i], &inputs[i], false))
                .collect(),
            upper: (0..inputs.len())
                .map(|i| bound(&self.sorted[i], &inputs[i], true))
                .collect(),
            restricted: vec![false; inputs.len()],
            coverage: self.hits as f64 / self.total_hits as f64,
            density: self.hits as f64 / self.count.max(1) as f64,
            mass: self.count as f64 / self.total_rows as f64,
        }
    }

    /// The peel leaving the densest box; ties go to the smaller peel, then the earlier input.
    fn best_peel(&self, alpha: f64) -> Option<Peel> {
        let wanted = ((alpha * self.count as f64).floor() as usize).max(1);
        let density = |peel: &Peel| {
            (self.hits - peel.removed_hits) as f64 / (self.count - peel.removed).max(1) as f64
        };
        let mut best: Option<Peel> = None;
        for input in 0..self.data.inputs.len() {
            for from_top in [false, true] {
                let Some(peel) = self.candidate(input, from_top, wanted) else {
                    continue;
                };
                let better = match &best {
                    None => true,
                    Some(held) => {
                        let (d, h) = (density(&peel), density(held));
                        d > h || (d == h && peel.removed < held.removed)
                    }
                };
                if better {
                    best = Some(peel);
                }
            }
        }
        best
    }

    /// Peels the `wanted` lowest (or highest) rows of an input, and every row tied with them.
    fn candidate(&self, input: usize, from_top: bool, wanted: usize) -> Option<Peel> {
        let column = &self.data.inputs[input];
        let order = &self.sorted[input];
        let at = |k: usize| {
            if from_top {
                order[order.len() - 1 - k]
            } else {
                order[k]
            }
        };
        let (mut removed, mut removed_hits, mut last_value) = (0, 0, f64::NAN);
        for row in (0..order.len()).map(at).filter(|&row| self.in_box[row]) {
            let value = column[row];
            if removed >= wanted && value != last_value {
                return Some(Peel {
                    input,
                    from_top,
                    bound: value,
                    removed,
                    removed_hits,
                });
            }
            removed += 1;
            removed_hits += usize::from(self.data.target[row]);
            last_value = value;
        }
        None
    }

    fn apply(&mut self, peel: &Peel, current: &mut PrimBox) {
        let column = &self.data.inputs[peel.input];
        for &row in &self.sorted[peel.input] {
            let outside = if peel.from_top {
                column[row] > peel.bound
            } else {
                column[row] < peel.bound
            };
            if outside && self.in_box[row] {
                self.in_box[row] = false;
            }
        }
        self.count -= peel.removed;
        self.hits -= peel.removed_hits;
        if peel.from_top {
            current.upper[peel.input] = peel.bound;
        } else {
            current.lower[peel.input] = peel.bound;
        }
        current.restricted[peel.input] = true;
        current.coverage = self.hits as f64 / self.total_hits as f64;
        current.density = self.hits as f64 / self.count as f64;
        current.mass = self.count as f64 / self.total_rows as f64;
    }

    /// The chosen box's density with each of its restrictions lifted in turn: how much that
    /// restriction matters.
    fn densities_without(&self, chosen: &PrimBox) -> Vec<Option<f64>> {
        let searched = &self.sorted[0];
        (0..self.data.inputs.len())
            .map(|lifted| {
                if !chosen.restricted[lifted] {
                    return None;
                }
                let mut relaxed = chosen.clone();
                relaxed.lower[lifted] = f64::NEG_INFINITY;
                relaxed.upper[lifted] = f64::INFINITY;
                let (mut rows, mut hits) = (0usize, 0usize);
                for &row in searched {
                    if inside(self.data.inputs, row, &relaxed) {
                        rows += 1;
                        hits += usize::from(self.data.target[row]);
                    }
                }
                Some(hits as f64 / rows.max(1) as f64)
            })
            .collect()
    }
}

/// The densest box covering at least `min_coverage`; the first box if none does.
fn choose(steps: &[PrimBox], min_coverage: f64) -> usize {
    let mut chosen = 0;
    for (index, step) in steps.iter().enumerate() {
        if step.coverage >= min_coverage && step.density > steps[chosen].density {
            chosen = index;
        }
    }
    chosen
}
