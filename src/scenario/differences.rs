//! What one resolved scenario sets differently from another, field by field: what a batch's
//! briefing says each scenario changes from its reference. Descriptions (labels, `about`,
//! sources, colours) and the scenario's own name and wording are left out: they change no number.

use std::fmt::Write;

/// One field that differs: its dotted path, and its value in each model (`None` where absent).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDifference {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Keys that describe rather than model.
const DESCRIPTIVE: &[&str] = &[
    "about",
    "label",
    "source",
    "unit",
    "colour",
    "reasoning",
    "title",
    "question",
    "name",
    "sources",
    "description",
];

/// Every field of `after` that differs from `before`, both resolved scenarios as TOML text, in
/// the order `after` writes them (fields only `before` has follow). A text that does not parse
/// gives no difference: both come from models that loaded.
pub fn between(before: &str, after: &str) -> Vec<FieldDifference> {
    let parse = |text: &str| text.parse::<toml::Table>().unwrap_or_default();
    let (before, after) = (parse(before), parse(after));
    let mut differences = Vec::new();
    compare_tables(&before, &after, "", &mut differences);
    differences
}

fn compare_tables(
    before: &toml::Table,
    after: &toml::Table,
    prefix: &str,
    differences: &mut Vec<FieldDifference>,
) {
    let keys = after
        .keys()
        .chain(before.keys().filter(|key| !after.contains_key(*key)));
    for key in keys {
        if DESCRIPTIVE.contains(&key.as_str()) {
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (before.get(key), after.get(key)) {
            (Some(toml::Value::Table(was)), Some(toml::Value::Table(now))) => {
                compare_tables(was, now, &path, differences)
            }
            (was, now) if was != now => differences.push(FieldDifference {
                path,
                before: was.map(written),
                after: now.map(written),
            }),
            _ => {}
        }
    }
}

/// A value as a scenario file writes it, on one line.
fn written(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => format!("\"{text}\""),
        toml::Value::Table(table) => {
            let mut text = String::from("{ ");
            for (index, (key, value)) in table.iter().enumerate() {
                let separator = if index > 0 { ", " } else { "" };
                let _ = write!(text, "{separator}{key} = {}", written(value));
            }
            text.push_str(" }");
            text
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(written).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_changed_added_and_removed_field_is_listed_and_descriptions_are_not() {
        let before = "[scenario]\nname = \"a\"\nhorizon_months = 24\n\n[drivers.war]\nlabel = \"War\"\ninitial = \"frustrated\"\ntransitions = { grinding = { grinding = 0.9, settlement = 0.1 } }\n";
        let after = "[scenario]\nname = \"b\"\nhorizon_months = 24\n\n[drivers.war]\nlabel = \"The war\"\ninitial = \"grinding\"\ntransitions = { grinding = { grinding = 0.8, settlement = 0.2 } }\nextra = 1\n";
        let found = between(before, after);
        let paths: Vec<&str> = found.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "drivers.war.initial",
                "drivers.war.transitions.grinding.grinding",
                "drivers.war.transitions.grinding.settlement",
                "drivers.war.extra"
            ]
        );
        assert_eq!(found[0].before.as_deref(), Some("\"frustrated\""));
        assert_eq!(found[0].after.as_deref(), Some("\"grinding\""));
        assert_eq!(found[3].before, None);
        assert!(between(before, before).is_empty());
    }
}
