//! Bad scenario files and the errors they give.
//!
//! `tests/bad/valid_minimal.toml` is a small valid scenario; every other file in `tests/bad/` is a
//! minimal edit of it that breaks one thing. Each test loads one file and checks that the error
//! names the file, the line (found by searching the fixture's text, never hard-coded), the field
//! path, what is wrong and what would be valid.

use std::path::{Path, PathBuf};

use foresight::problem::{Location, Problem, Problems};
use foresight::scenario::{self, Override};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("bad")
        .join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name))
        .unwrap_or_else(|error| panic!("cannot read fixture {name}: {error}"))
}

/// Loads a fixture that must fail, and returns its errors.
fn load_fixture(name: &str) -> Problems {
    load_fixture_with(name, &[])
}

/// Loads a fixture with `--set` overrides (as typed after `--set`); it must fail.
fn load_fixture_with(name: &str, sets: &[&str]) -> Problems {
    let overrides: Vec<Override> = sets
        .iter()
        .map(|set| Override::parse(set).unwrap_or_else(|error| panic!("{error}")))
        .collect();
    match scenario::load(&fixture_path(name), &overrides) {
        Ok(_) => panic!("{name} (with {sets:?}) loaded, but it should fail"),
        Err(errors) => errors,
    }
}

/// The 1-based line of the only occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = unique_offset(text, needle);
    text[..offset].matches('\n').count() + 1
}

/// The 1-based column, in characters, of the only occurrence of `needle` in `text`.
fn column_of(text: &str, needle: &str) -> usize {
    let offset = unique_offset(text, needle);
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    text[line_start..offset].chars().count() + 1
}

fn unique_offset(text: &str, needle: &str) -> usize {
    let found: Vec<usize> = text.match_indices(needle).map(|(at, _)| at).collect();
    assert_eq!(
        found.len(),
        1,
        "`{needle}` should occur exactly once in the fixture, found {} times",
        found.len()
    );
    found[0]
}

/// The only diagnostic.
fn only(errors: &Problems) -> &Problem {
    assert_eq!(errors.0.len(), 1, "expected exactly one problem:\n{errors}");
    &errors.0[0]
}

/// The diagnostic for `field`.
fn for_field<'a>(errors: &'a Problems, field: &str) -> &'a Problem {
    errors
        .0
        .iter()
        .find(|diagnostic| diagnostic.field == field)
        .unwrap_or_else(|| panic!("no problem reported for field `{field}`:\n{errors}"))
}

/// The diagnostic's file name (the last path component) and line.
fn file_and_line(diagnostic: &Problem) -> (String, usize) {
    match diagnostic
        .location
        .as_ref()
        .expect("a scenario problem is located")
    {
        Location::File { file, line, .. } => (file_name(file), *line),
        other => panic!("expected a file and line, got {other:?} for {diagnostic}"),
    }
}

fn column(diagnostic: &Problem) -> usize {
    match diagnostic
        .location
        .as_ref()
        .expect("a scenario problem is located")
    {
        Location::File { column, .. } => *column,
        other => panic!("expected a file and line, got {other:?} for {diagnostic}"),
    }
}

fn file_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The diagnostic stands in `fixture` on the line of `needle` (searched in that fixture's text).
fn assert_at_line_of(diagnostic: &Problem, fixture: &str, needle: &str) {
    let expected = line_of(&fixture_text(fixture), needle);
    assert_eq!(
        file_and_line(diagnostic),
        (fixture.to_string(), expected),
        "{diagnostic}\nshould stand on the line of `{needle}`"
    );
}

fn assert_message_contains(diagnostic: &Problem, part: &str) {
    assert!(
        diagnostic.message.contains(part),
        "message should contain `{part}`:\n{diagnostic}"
    );
}

fn assert_help_contains(diagnostic: &Problem, part: &str) {
    let help = diagnostic
        .help
        .as_deref()
        .unwrap_or_else(|| panic!("no help (what is valid) given:\n{diagnostic}"));
    assert!(
        help.contains(part),
        "help should contain `{part}`:\n{diagnostic}"
    );
}

/// The whole report, as the user sees it, names `file:line`, the field and the valid values.
fn assert_display(errors: &Problems, fixture: &str, line: usize, field: &str, valid: &str) {
    let shown = errors.to_string();
    assert!(
        shown.contains(&format!("{fixture}:{line}:")),
        "the report should name {fixture}:{line}:\n{shown}"
    );
    if !field.is_empty() {
        assert!(
            shown.contains(&format!("field `{field}`")),
            "the report should name field `{field}`:\n{shown}"
        );
    }
    assert!(
        shown.contains(&format!("valid: {valid}")),
        "the report should say `valid: {valid}`:\n{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// The valid base of every fixture
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_minimal_fixture_loads() {
    let model = match scenario::load(&fixture_path("valid_minimal.toml"), &[]) {
        Ok(model) => model,
        Err(errors) => panic!("valid_minimal.toml should load:\n{errors}"),
    };
    assert_eq!(model.parameters.len(), 2);
    assert_eq!(model.uncertain.len(), 2);
    assert_eq!(model.series.len(), 4, "3 drivers and 1 indicator");
    assert_eq!(model.postures.len(), 2);
    assert_eq!(model.meta.horizon_months, 12);
}

#[test]
fn valid_correlated_fixture_loads() {
    if let Err(errors) = scenario::load(&fixture_path("valid_correlated.toml"), &[]) {
        panic!("valid_correlated.toml should load:\n{errors}");
    }
}

#[test]
fn every_bad_fixture_fails_with_a_located_report() {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path(""))
        .expect("tests/bad exists")
        .map(|entry| entry.expect("a readable entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml") && !name.starts_with("valid_"))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "only {} bad fixtures found", names.len());
    for name in names {
        let errors = load_fixture(&name);
        assert!(!errors.0.is_empty(), "{name}: an error with no problems");
        for diagnostic in &errors.0 {
            assert!(
                !diagnostic.message.trim().is_empty(),
                "{name}: empty message"
            );
            match diagnostic
                .location
                .as_ref()
                .expect("a scenario problem is located")
            {
                Location::File { file, .. } | Location::FileOnly { file } => assert!(
                    file.ends_with(".toml"),
                    "{name}: the location names no file: {diagnostic}"
                ),
                Location::CommandLine { .. } => panic!("{name}: no --set was given"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TOML syntax and encoding
// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_toml_gives_line_and_column() {
    let fixture = "syntax_error.toml";
    let text = fixture_text(fixture);
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    // The second `=` of `horizon_months = = 12` is the error.
    let line = line_of(&text, "= = 12");
    let column = column_of(&text, "= 12");
    assert_eq!(
        diagnostic.location,
        Some(Location::File {
            file: fixture_path(fixture).display().to_string(),
            line,
            column,
        })
    );
    assert_message_contains(diagnostic, "not valid TOML");
    assert_help_contains(diagnostic, "TOML syntax");
    assert!(errors
        .to_string()
        .contains(&format!("{fixture}:{line}:{column}")));
}

#[test]

fn malformed_toml_column_counts_characters_not_bytes() {
    let fixture = "syntax_error_unicode.toml";
    let text = fixture_text(fixture);
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    // `question = "China–Russia — does it load?" = 1`: the stray `= 1` after the string.
    let expected_column = column_of(&text, "?\" = 1") + 3;
    assert_eq!(file_and_line(diagnostic).1, line_of(&text, "?\" = 1"));
    assert_eq!(
        column(diagnostic),
        expected_column,
        "an en dash and an em dash precede the error on its line: {diagnostic}"
    );
}

#[test]
fn duplicate_toml_key_points_at_the_second_one() {
    let fixture = "duplicate_key.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_at_line_of(diagnostic, fixture, "seed = 8");
    assert_message_contains(diagnostic, "`seed` is written twice in the same table");
}

#[test]
fn non_utf8_file_is_refused_with_the_offset() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("latin1.toml");
    let mut bytes = std::fs::read(fixture_path("valid_minimal.toml")).expect("the valid fixture");
    let text = String::from_utf8(bytes.clone()).expect("the valid fixture is UTF-8");
    // `name = "minimal"` becomes `name = "\xffinimal"`: a byte that cannot start UTF-8.
    let offset = unique_offset(&text, "name = \"minimal\"") + "name = \"".len();
    bytes[offset] = 0xff;
    std::fs::write(&file, &bytes).expect("write the fixture");

    let errors = match scenario::load(&file, &[]) {
        Ok(_) => panic!("a file that is not UTF-8 loaded"),
        Err(errors) => errors,
    };
    let diagnostic = only(&errors);
    let line = line_of(&text, "name = \"minimal\"");
    let column = column_of(&text, "name = \"minimal\"") + "name = \"".len();
    assert_eq!(
        diagnostic.location,
        Some(Location::File {
            file: file.display().to_string(),
            line,
            column
        })
    );
    assert_message_contains(diagnostic, "not UTF-8");
    assert_message_contains(diagnostic, &format!("offset {offset}"));
    assert_help_contains(diagnostic, "UTF-8");
    assert!(errors.to_string().contains("latin1.toml"));
}

// ---------------------------------------------------------------------------------------------
// Keys and types
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_key_is_named_and_valid_keys_are_listed() {
    let fixture = "unknown_key.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_at_line_of(diagnostic, fixture, "horizon = 12");
    assert_eq!(diagnostic.field, "scenario.horizon");
    assert_message_contains(diagnostic, "unknown field `horizon`");
    assert_help_contains(diagnostic, "`horizon_months`");
    assert_help_contains(diagnostic, "`question`");
    let line = line_of(&fixture_text(fixture), "horizon = 12");
    assert_display(&errors, fixture, line, "scenario.horizon", "one of `name`");
}

#[test]
fn wrong_type_names_the_field_and_the_value() {
    let fixture = "wrong_type.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_at_line_of(diagnostic, fixture, "paths = \"ten\"");
    assert_eq!(diagnostic.field, "run.paths");
    assert_message_contains(diagnostic, "invalid type: string \"ten\"");
    assert!(diagnostic.help.is_some(), "no help: {diagnostic}");
}

#[test]
fn a_horizon_is_months_or_the_last_month() {
    let until = Override::parse("scenario.horizon_months=\"2023-03\"").unwrap();
    let model = scenario::load(&fixture_path("valid_minimal.toml"), &[until])
        .unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(model.horizon(), 12, "March 2022 to March 2023");
    let errors = load_fixture_with(
        "valid_minimal.toml",
        &["scenario.horizon_months=\"2022-03\""],
    );
    let problem = only(&errors);
    assert_eq!(problem.message, "a horizon until `2022-03`");
    assert_help_contains(
        problem,
        "or the last month as YYYY-MM from 2022-04 to 2122-03",
    );
    // Neither a whole number nor a month: said in words, not as serde's enum.
    let errors = load_fixture_with("valid_minimal.toml", &["scenario.horizon_months=12.5"]);
    let problem = only(&errors);
    assert_eq!(problem.message, "not a horizon");
    assert_help_contains(
        problem,
        "a whole number of months or the last month as \"YYYY-MM\"",
    );
}

#[test]
fn wrong_type_inside_a_distribution_names_the_distribution() {
    let fixture = "dist_wrong_type.toml";
    let text = fixture_text(fixture);
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "parameters.appetite.dist.beta.alpha");
    assert_at_line_of(diagnostic, fixture, "alpha = \"two\"");
    assert_eq!(column(diagnostic), column_of(&text, "alpha = \"two\""));
    assert_message_contains(diagnostic, "invalid type: string \"two\"");
}

#[test]

fn serde_errors_say_what_is_valid_in_plain_words() {
    // parse_raw takes `error.inner().to_string()`, whose Display (toml::de::Error) ends with
    // "\nin `scenario`"; split_expected leaves that in the help, so the report shows
    // "valid: i64\nin `scenario.horizon_months`". For a distribution the toml path even drops the
    // variant ("parameters.appetite.dist.alpha"), contradicting the correct `field`.
    for fixture in [
        "unknown_key.toml",
        "wrong_type.toml",
        "dist_wrong_type.toml",
    ] {
        let errors = load_fixture(fixture);
        let help = only(&errors).help.clone().unwrap_or_default();
        assert!(
            !help.contains('\n') && !help.contains("in `"),
            "{fixture}: the help repeats a (possibly wrong) path: {help:?}"
        );
        for jargon in ["i64", "f64", "struct Raw"] {
            assert!(
                !help.contains(jargon),
                "{fixture}: the help speaks Rust (`{jargon}`): {help:?}"
            );
        }
    }
}

#[test]
fn missing_postures_table_is_reported() {
    let fixture = "missing_postures.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(
        diagnostic.location,
        Some(Location::FileOnly {
            file: fixture_path(fixture).display().to_string()
        })
    );
    assert_message_contains(diagnostic, "`postures` is missing");
    assert_help_contains(diagnostic, "[postures] table");
}

// ---------------------------------------------------------------------------------------------
// Names and expressions
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_name_in_a_utility() {
    let fixture = "unknown_name_in_utility.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "postures.act.utility");
    assert_at_line_of(diagnostic, fixture, "unknown_thing = 1.0");
    assert_message_contains(diagnostic, "unknown name `unknown_thing`");
    // The help lists the names that are valid there.
    for name in [
        "constant",
        "appetite",
        "weight",
        "pressure",
        "posture=<name>",
    ] {
        assert_help_contains(diagnostic, name);
    }
    let line = line_of(&fixture_text(fixture), "unknown_thing = 1.0");
    assert_display(&errors, fixture, line, "postures.act.utility", "constant, ");
}

#[test]
fn regime_named_without_a_state() {
    let fixture = "regime_without_state.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.pressure.target");
    assert_at_line_of(diagnostic, fixture, "war = 0.4");
    assert_message_contains(diagnostic, "`war` is a regime chain");
    assert_help_contains(diagnostic, "war=calm, war=hot");
}

#[test]
fn process_initial_may_not_read_a_driver() {
    let fixture = "initial_reads_driver.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.pressure.initial");
    assert_at_line_of(diagnostic, fixture, "package = 0.1");
    assert_message_contains(diagnostic, "`package` changes over time");
    assert_help_contains(diagnostic, "parameters");
}

#[test]
fn unknown_posture_in_choice_initial() {
    let fixture = "unknown_initial_posture.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "choice.initial");
    assert_at_line_of(diagnostic, fixture, "initial = \"attack\"");
    assert_message_contains(diagnostic, "`attack` is not a posture");
    assert_help_contains(diagnostic, "wait, act");
}

#[test]
fn empty_postures_table_is_reported() {
    let fixture = "empty_postures.toml";
    let errors = load_fixture(fixture);
    let diagnostic = for_field(&errors, "postures");
    assert_at_line_of(diagnostic, fixture, "[postures]\n");
    assert_message_contains(diagnostic, "no postures are declared");
    assert_help_contains(diagnostic, "[postures.");
    // What named the removed postures is reported too.
    assert_message_contains(
        for_field(&errors, "choice.initial"),
        "`wait` is not a posture",
    );
    assert_message_contains(
        for_field(&errors, "indicators.trade.target"),
        "unknown posture `act`",
    );
}

#[test]

fn empty_postures_table_gives_no_empty_valid_lists() {
    let errors = load_fixture("empty_postures.toml");
    for diagnostic in &errors.0 {
        let help = diagnostic.help.as_deref().unwrap_or("");
        assert!(
            !help.trim().is_empty(),
            "an empty `valid:` line: {diagnostic}"
        );
    }
}

#[test]
fn duplicate_name_across_sections() {
    let fixture = "duplicate_name.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.pressure");
    assert_at_line_of(diagnostic, fixture, "[drivers.pressure]");
    assert_message_contains(diagnostic, "`pressure` is declared again");
    assert_message_contains(diagnostic, "first in `parameters`");
    assert_help_contains(diagnostic, "a name used once");
}

// ---------------------------------------------------------------------------------------------
// Numbers: horizon, distributions, NaN and infinity
// ---------------------------------------------------------------------------------------------

#[test]
fn horizon_of_zero_months() {
    let fixture = "horizon_zero.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "scenario.horizon_months");
    assert_at_line_of(diagnostic, fixture, "horizon_months = 0");
    assert_message_contains(diagnostic, "a horizon of 0 months");
    assert_help_contains(diagnostic, "from 1 to 1200");
}

#[test]
fn horizon_of_100000_months() {
    let fixture = "horizon_huge.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "scenario.horizon_months");
    assert_at_line_of(diagnostic, fixture, "horizon_months = 100000");
    assert_message_contains(diagnostic, "a horizon of 100000 months");
    assert_help_contains(diagnostic, "from 1 to 1200");
    let line = line_of(&fixture_text(fixture), "horizon_months = 100000");
    assert_display(
        &errors,
        fixture,
        line,
        "scenario.horizon_months",
        "a whole number of months",
    );
}

/// A distribution parameter's problem stands on the field itself, inside the inline table.
fn assert_distribution_error(fixture: &str, field: &str, needle: &str, message: &str, help: &str) {
    let text = fixture_text(fixture);
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, field);
    assert_at_line_of(diagnostic, fixture, needle);
    assert_eq!(column(diagnostic), column_of(&text, needle), "{diagnostic}");
    assert_message_contains(diagnostic, message);
    assert_help_contains(diagnostic, help);
    assert_display(&errors, fixture, line_of(&text, needle), field, help);
}

#[test]
fn beta_with_negative_alpha() {
    assert_distribution_error(
        "beta_negative_alpha.toml",
        "parameters.appetite.dist.beta.alpha",
        "alpha = -1",
        "alpha is -1",
        "a number from 1e-4 to 1e6",
    );
}

#[test]
fn beta_shapes_the_sampler_cannot_draw_fast_and_faithfully_are_refused() {
    // These took seconds to minutes per run: the quantile's iteration never settles.
    for (set, field, value) in [
        ("alpha = 1e-300, beta = 2", "alpha", "1e-300"),
        ("alpha = 2, beta = 1e12", "beta", "1e12"),
    ] {
        let dist = format!("parameters.appetite.dist={{ beta = {{ {set} }} }}");
        let errors = load_fixture_with("valid_minimal.toml", &[&dist]);
        let problem = only(&errors);
        assert_eq!(
            problem.field,
            format!("parameters.appetite.dist.beta.{field}")
        );
        assert_eq!(problem.message, format!("{field} is {value}"));
        assert_eq!(problem.help.as_deref(), Some("a number from 1e-4 to 1e6"));
    }
    let pert = "parameters.appetite.dist={ pert = { min = 0, mode = 0.5, max = 1, lambda = 1e9 } }";
    let errors = load_fixture_with("valid_minimal.toml", &[pert]);
    assert_help_contains(only(&errors), "at most 1e5");
}

#[test]
fn normal_with_zero_sd() {
    assert_distribution_error(
        "normal_zero_sd.toml",
        "parameters.weight.dist.normal.sd",
        "sd = 0 }",
        "sd is 0",
        "a finite number above 0",
    );
}

#[test]
fn triangular_with_mode_outside_the_range() {
    assert_distribution_error(
        "triangular_mode_outside.toml",
        "parameters.weight.dist.triangular.mode",
        "mode = 2.0",
        "the mode 2 is outside [0, 1]",
        "min <= mode <= max",
    );
}

#[test]
fn interval90_with_p5_not_below_p95() {
    assert_distribution_error(
        "interval90_reversed.toml",
        "parameters.weight.dist.interval90.p95",
        "p95 = 1.0",
        "p95 (1) is not above p5 (2)",
        "p5 < p95",
    );
}

#[test]
fn unknown_distribution_kind() {
    let fixture = "unknown_dist_kind.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "parameters.weight.dist");
    assert_at_line_of(diagnostic, fixture, "dist.gamma");
    assert_message_contains(diagnostic, "unknown variant `gamma`");
    for kind in ["`beta`", "`normal`", "`triangular`", "`interval90`"] {
        assert_help_contains(diagnostic, kind);
    }
}

#[test]
fn nan_and_inf_are_not_numbers() {
    let fixture = "nan_inf.toml";
    let errors = load_fixture(fixture);
    assert_eq!(errors.0.len(), 3, "{errors}");

    let appetite = for_field(&errors, "parameters.appetite.value");
    assert_at_line_of(appetite, fixture, "value = inf");
    assert_message_contains(appetite, "inf is not a finite number");
    assert_help_contains(appetite, "a finite number");

    let weight = for_field(&errors, "parameters.weight.value");
    assert_at_line_of(weight, fixture, "value = nan");
    assert_message_contains(weight, "NaN is not a finite number");

    let shock = for_field(&errors, "drivers.pressure.shock_sd");
    assert_at_line_of(shock, fixture, "shock_sd = nan");
    assert_message_contains(shock, "NaN is not a finite number");
}

// ---------------------------------------------------------------------------------------------
// Regimes
// ---------------------------------------------------------------------------------------------

#[test]
fn transition_row_that_does_not_sum_to_one() {
    let fixture = "row_sum.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.war.transitions.calm");
    assert_at_line_of(diagnostic, fixture, "calm = { calm");
    assert_message_contains(diagnostic, "the row sums to 1.1");
    assert_help_contains(diagnostic, "summing to 1");
    let line = line_of(&fixture_text(fixture), "calm = { calm");
    assert_display(
        &errors,
        fixture,
        line,
        "drivers.war.transitions.calm",
        "probabilities summing to 1",
    );
}

#[test]
fn transition_probabilities_outside_zero_to_one() {
    let fixture = "probability_outside.toml";
    let text = fixture_text(fixture);
    let errors = load_fixture(fixture);
    // The row sums to 1, so only the two probabilities are wrong.
    assert_eq!(errors.0.len(), 2, "{errors}");

    let high = for_field(&errors, "drivers.war.transitions.hot.calm");
    assert_at_line_of(high, fixture, "calm = 1.2");
    assert_eq!(column(high), column_of(&text, "calm = 1.2"));
    assert_message_contains(high, "a probability of 1.2");
    assert_help_contains(high, "from 0 to 1");

    let low = for_field(&errors, "drivers.war.transitions.hot.hot");
    assert_at_line_of(low, fixture, "hot = -0.2");
    assert_eq!(column(low), column_of(&text, "hot = -0.2"));
    assert_message_contains(low, "a probability of -0.2");
}

// ---------------------------------------------------------------------------------------------
// Correlations
// ---------------------------------------------------------------------------------------------

#[test]
fn correlations_that_are_not_positive_definite() {
    let fixture = "correlations_not_pd.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "correlations");
    // Reported on the first [[correlations]] table.
    let text = fixture_text(fixture);
    let first = text.find("[[correlations]]").expect("a correlation");
    let expected_line = text[..first].matches('\n').count() + 1;
    assert_eq!(
        file_and_line(diagnostic),
        (fixture.to_string(), expected_line)
    );
    assert_message_contains(diagnostic, "not positive definite");
    assert_help_contains(diagnostic, "weaker correlations");
}

#[test]
fn correlation_rank_outside_minus_one_to_one() {
    let fixture = "correlation_rank.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "correlations[1].rank");
    assert_at_line_of(diagnostic, fixture, "rank = 1.5");
    assert_message_contains(diagnostic, "a rank correlation of 1.5");
    assert_help_contains(diagnostic, "strictly between -1 and 1");
}

// ---------------------------------------------------------------------------------------------
// extends
// ---------------------------------------------------------------------------------------------

#[test]
fn extends_cycle_is_refused() {
    let errors = load_fixture("extends_cycle_a.toml");
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "extends");
    // b's `extends` closes the cycle.
    assert_at_line_of(
        diagnostic,
        "extends_cycle_b.toml",
        "extends = \"extends_cycle_a.toml\"",
    );
    assert_message_contains(diagnostic, "makes a cycle");
    let shown = errors.to_string();
    assert!(
        shown.contains("extends_cycle_a.toml -> ") && shown.contains("extends_cycle_b.toml -> "),
        "the report should show the chain:\n{shown}"
    );
    assert_help_contains(diagnostic, "does not extend this one");

    // Entered from the other end, the cycle is closed by a's `extends`.
    let errors = load_fixture("extends_cycle_b.toml");
    assert_at_line_of(
        only(&errors),
        "extends_cycle_a.toml",
        "extends = \"extends_cycle_b.toml\"",
    );
}

#[test]
fn extends_a_missing_file() {
    let fixture = "extends_missing.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "extends");
    assert_at_line_of(diagnostic, fixture, "extends = \"does_not_exist.toml\"");
    assert_message_contains(diagnostic, "does_not_exist.toml");
    assert_message_contains(diagnostic, "does not exist");
    assert_help_contains(diagnostic, "relative to this file");
}

#[test]
fn extended_file_errors_stand_in_the_file_that_wrote_them() {
    // The parent's bad row is reported in the parent.
    let errors = load_fixture("extends_bad_parent.toml");
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.war.transitions.calm");
    assert_at_line_of(diagnostic, "row_sum.toml", "calm = { calm");

    // A child's replacement row is reported in the child.
    let errors = load_fixture("extends_bad_child.toml");
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "drivers.war.transitions.calm");
    assert_at_line_of(diagnostic, "extends_bad_child.toml", "calm = { calm");
    assert_message_contains(diagnostic, "the row sums to 0.6");
}

// ---------------------------------------------------------------------------------------------
// --set
// ---------------------------------------------------------------------------------------------

#[test]
fn set_with_an_unknown_parameter_is_on_the_command_line() {
    let errors = load_fixture_with("valid_minimal.toml", &["nonexistent=3"]);
    let diagnostic = only(&errors);
    assert_eq!(
        diagnostic.location,
        Some(Location::CommandLine {
            option: "--set nonexistent=3".into()
        })
    );
    assert_eq!(diagnostic.field, "nonexistent");
    assert_message_contains(diagnostic, "`nonexistent` is not a parameter");
    assert_help_contains(diagnostic, "appetite, weight");
    assert!(errors
        .to_string()
        .contains("command line `--set nonexistent=3`"));
}

#[test]
fn set_problems_found_later_are_blamed_on_the_option() {
    let errors = load_fixture_with("valid_minimal.toml", &["appetite=nan"]);
    let diagnostic = only(&errors);
    assert_eq!(
        diagnostic.location,
        Some(Location::CommandLine {
            option: "--set appetite=nan".into()
        })
    );
    assert_eq!(diagnostic.field, "parameters.appetite.value");
    assert_message_contains(diagnostic, "NaN is not a finite number");

    let set = "drivers.war.transitions.calm={calm=0.5,hot=0.1}";
    let errors = load_fixture_with("valid_minimal.toml", &[set]);
    let diagnostic = only(&errors);
    assert_eq!(
        diagnostic.location,
        Some(Location::CommandLine {
            option: format!("--set {set}")
        })
    );
    assert_eq!(diagnostic.field, "drivers.war.transitions.calm");
    assert_message_contains(diagnostic, "the row sums to 0.6");
}

#[test]

fn set_can_fix_a_correlated_parameter() {
    // `--set appetite=0.3` is the documented way to fix an uncertain parameter, but the
    // correlation that names it then fails validation ("`appetite` and `weight` are not both
    // uncertain parameters"), located in the file rather than on the option. The same happens
    // with `scenarios/base.toml --set xi_risk_appetite=0.3`.
    let overrides = [Override::parse("appetite=0.3").expect("a valid --set")];
    if let Err(errors) = scenario::load(&fixture_path("valid_correlated.toml"), &overrides) {
        panic!("fixing a correlated parameter should load:\n{errors}");
    }
}

// ---------------------------------------------------------------------------------------------
// Several problems at once
// ---------------------------------------------------------------------------------------------

#[test]
fn several_problems_are_all_reported() {
    let fixture = "multiple_problems.toml";
    let errors = load_fixture(fixture);
    assert_eq!(errors.0.len(), 5, "{errors}");
    let text = errors.to_string();
    let heading = text.lines().next().unwrap();
    assert!(
        heading.ends_with(&format!("{fixture} has 5 problems:")),
        "{text}"
    );
    for (field, needle) in [
        ("scenario.horizon_months", "horizon_months = 0"),
        ("parameters.appetite.dist.beta.alpha", "alpha = -1"),
        ("drivers.war.transitions.calm", "calm = { calm"),
        ("postures.act.utility", "unknown_thing = 1.0"),
        ("choice.initial", "initial = \"attack\""),
    ] {
        assert_at_line_of(for_field(&errors, field), fixture, needle);
    }
}

#[test]
fn review_probability_above_one() {
    let fixture = "review_probability_above_one.toml";
    let errors = load_fixture(fixture);
    let diagnostic = only(&errors);
    assert_eq!(diagnostic.field, "choice.review_probability");
    assert_at_line_of(diagnostic, fixture, "review_probability = 1.5");
    assert_message_contains(diagnostic, "a probability of 1.5");
    assert_help_contains(diagnostic, "from 0 to 1");
}

#[test]
fn formulas_that_read_each_other_in_a_loop_are_refused_once_per_loop() {
    let errors = load_fixture("formula_loop.toml");
    assert_eq!(errors.0.len(), 2, "{errors}");
    let pair = for_field(&errors, "indicators.exposure.value");
    assert_at_line_of(
        pair,
        "formula_loop.toml",
        "value = { constant = 1.0, \"leverage",
    );
    assert_message_contains(
        pair,
        "formulas read each other in a loop (exposure → leverage → exposure)",
    );
    assert_help_contains(
        pair,
        "make one of the loop a `process` with an `initial` value",
    );
    let itself = for_field(&errors, "indicators.momentum.value");
    assert_message_contains(itself, "(momentum → momentum)");
}

#[test]
fn an_expression_that_can_never_reach_its_range_is_refused() {
    for (set, field, message) in [
        (
            "choice.review_probability={constant=-2.0,appetite=0.5}",
            "choice.review_probability",
            "a probability that is never in range: this expression runs from -2 to -1.5",
        ),
        (
            "drivers.package.onset.hazard={constant=3.0,pressure=0.1}",
            "drivers.package.onset.hazard",
            "never in range: this expression runs from 3 to 3.1",
        ),
        (
            "drivers.pressure.reversion={constant=7.0,\"war=hot\"=0.1}",
            "drivers.pressure.reversion",
            "a reversion that is never in range: this expression runs from 7 to 7.1",
        ),
    ] {
        let errors = load_fixture_with("valid_minimal.toml", &[set]);
        let problem = only(&errors);
        assert_eq!(problem.field, field, "{errors}");
        assert_message_contains(problem, message);
    }
    // Reaching the range on some paths is enough: the rest are clamped, as documented.
    let reaches = "choice.review_probability={constant=-0.5,appetite=2.0}";
    let model = scenario::load(
        &fixture_path("valid_minimal.toml"),
        &[Override::parse(reaches).unwrap()],
    );
    assert!(model.is_ok(), "{:?}", model.err().map(|e| e.to_string()));
}

#[test]
fn series_bounds_past_what_a_histogram_spans_are_refused_once() {
    let errors = load_fixture_with("valid_minimal.toml", &["indicators.trade.min=-1.7e308"]);
    let problem = only(&errors);
    assert_eq!(problem.field, "indicators.trade.min");
    assert_message_contains(problem, "min is -1.700e308");
    assert_help_contains(problem, "numbers within ±1e100 with min < max");
    // An empty range is one problem, not also every value outside a stand-in range.
    let errors = load_fixture_with("valid_minimal.toml", &["indicators.trade.max=-1"]);
    let problem = only(&errors);
    assert_message_contains(problem, "the range [0, -1] is empty");
}
