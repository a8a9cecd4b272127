//! What the benches share: the scenario they run.

use std::path::Path;

use foresight::model::Model;
use foresight::scenario;

/// The scenario benched, run with `paths` paths: `scenarios/base.toml`, or the file
/// `FORESIGHT_BENCH_SCENARIO` names (such as the frozen reference scenario the NumPy twin is
/// timed against).
pub fn bench_model(paths: u64) -> Model {
    let file = std::env::var_os("FORESIGHT_BENCH_SCENARIO").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"),
        std::path::PathBuf::from,
    );
    let mut model = scenario::load(&file, &[]).expect("the scenario loads");
    model.run.paths = paths;
    model
}
