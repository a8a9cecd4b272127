//! The architecture, checked: dependencies between `src/`'s modules run one way (model →
//! sampling → engine → stats → analysis and studies → output → cli), and no file imports,
//! through others, a file that imports it. Dependencies are read from `crate::`, `super::` and
//! `self::` paths outside test modules, resolved to the deepest module file they name.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type ModulePath = Vec<String>;

/// Each top-level module's layer: a module may use only modules of a lower layer.
const LAYERS: &[(&str, u32)] = &[
    ("simd", 0),
    ("input", 0),
    ("interrupt", 0),
    ("problem", 0),
    ("process", 0),
    ("timing", 0),
    ("error", 1),
    ("model", 1),
    ("sampling", 2),
    ("scenario", 3),
    ("sources", 4),
    ("engine", 3),
    ("stats", 4),
    ("analysis", 5),
    ("limits", 5),
    ("sharding", 5),
    ("weighting", 5),
    ("runner", 6),
    ("scoring", 6),
    ("precision", 7),
    ("assimilation", 7),
    ("studies", 8),
    ("output", 9),
    ("live", 10),
    ("cli", 11),
];

fn modules(root: &Path, dir: &Path, found: &mut BTreeMap<ModulePath, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(root, &path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().with_extension("");
            let mut name: ModulePath = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if name.last().is_some_and(|last| last == "mod") {
                name.pop();
            }
            if name == ["lib"] || name == ["main"] {
                name.clear();
            }
            found.insert(name, fs::read_to_string(&path).unwrap());
        }
    }
}

/// The source without comments and without its test module.
fn code_of(source: &str) -> String {
    let before_tests = source.split("#[cfg(test)]").next().unwrap_or("");
    before_tests
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names from `crate`, `super` or `self`, as module segments from the root;
/// brace groups (`crate::a::{b, c::D}`) give one path per item.
fn named_paths(module: &ModulePath, code: &str) -> Vec<ModulePath> {
    let mut paths = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        if !(ident(bytes[i]) && (i == 0 || !ident(bytes[i - 1]))) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (ident(bytes[i]) || bytes[i] == ':') {
            i += 1;
        }
        let text: String = bytes[start..i].iter().collect();
        let mut segments: Vec<&str> = text.split("::").collect();
        let base: ModulePath = match segments.first() {
            Some(&"crate") => Vec::new(),
            Some(&"super") => module[..module.len().saturating_sub(1)].to_vec(),
            Some(&"self") => module.clone(),
            _ => continue,
        };
        segments.remove(0);
        let mut prefix = base;
        prefix.extend(
            segments
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string()),
        );
        if text.ends_with("::") && bytes.get(i) == Some(&'{') {
            let close = bytes[i..]
                .iter()
                .position(|&c| c == '}')
                .map_or(bytes.len(), |p| i + p);
            let group: String = bytes[i + 1..close].iter().collect();
            for item in group.split(',') {
                let mut path = prefix.clone();
                path.extend(
                    item.trim()
                        .split("::")
                        .filter(|s| !s.is_empty() && !s.contains('{'))
                        .map(|s| s.trim().to_string()),
                );
                paths.push(path);
            }
            i = close;
        } else {
            paths.push(prefix);
        }
    }
    paths
}

/// The deepest module a path names.
fn resolve(path: &ModulePath, known: &BTreeMap<ModulePath, String>) -> Option<ModulePath> {
    (1..=path.len())
        .rev()
        .map(|length| path[..length].to_vec())
        .find(|candidate| known.contains_key(candidate))
}

fn dependencies() -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut known = BTreeMap::new();
    modules(&root, &root, &mut known);
    known
        .iter()
        .map(|(module, source)| {
            let uses = named_paths(module, &code_of(source))
                .iter()
                .filter_map(|path| resolve(path, &known))
                .filter(|target| target != module && !target.is_empty())
                .collect();
            (module.clone(), uses)
        })
        .collect()
}

/// A cycle through `start`, if the graph has one.
fn cycle_from<T: Ord + Clone>(graph: &BTreeMap<T, BTreeSet<T>>, start: &T) -> Option<Vec<T>> {
    fn walk<T: Ord + Clone>(
        graph: &BTreeMap<T, BTreeSet<T>>,
        node: &T,
        start: &T,
        trail: &mut Vec<T>,
        seen: &mut BTreeSet<T>,
    ) -> bool {
        for next in graph.get(node).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                trail.push(next.clone());
                if walk(graph, next, start, trail, seen) {
                    return true;
                }
                trail.pop();
            }
        }
        false
    }
    let mut trail = vec![start.clone()];
    walk(graph, start, start, &mut trail, &mut BTreeSet::new()).then_some(trail)
}

#[test]
fn no_file_imports_itself_through_others() {
    let graph = dependencies();
    assert!(graph.len() > 50, "read only {} modules", graph.len());
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("/")).collect();
            panic!("import cycle: {}", names.join(" -> "));
        }
    }
}

#[test]
fn top_level_modules_depend_only_on_lower_layers() {
    let layer: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut violations = Vec::new();
    for (module, uses) in dependencies() {
        let Some(from) = module.first() else { continue };
        let from_layer = *layer
            .get(from.as_str())
            .unwrap_or_else(|| panic!("src/{from} has no layer in tests/layers.rs"));
        for target in uses {
            let to = &target[0];
            if to != from && layer[to.as_str()] >= from_layer {
                violations.push(format!("{} uses {}", module.join("/"), target.join("/")));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// Below the command line every error is `crate::error::Error`: problems keep their location and
/// what would be valid until `main` prints them.
#[test]
fn only_the_command_line_uses_anyhow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    modules(&root, &root, &mut found);
    let outside: Vec<String> = found
        .iter()
        .filter(|(module, _)| {
            module
                .first()
                .is_some_and(|top| top != "cli" && top != "main")
        })
        .filter(|(_, source)| code_of(source).contains("anyhow"))
        .map(|(module, _)| module.join("::"))
        .collect();
    assert!(
        outside.is_empty(),
        "anyhow used below the command line in {outside:?}"
    );
}

#[test]
fn the_reader_finds_a_cycle_when_there_is_one() {
    let module: ModulePath = vec!["output".into(), "batch".into()];
    let named = named_paths(
        &module,
        "use super::render::{csv::fixed6, Figure};\nuse crate::model::Model;",
    );
    assert!(named.contains(&vec![
        "output".into(),
        "render".into(),
        "csv".into(),
        "fixed6".into()
    ]));
    assert!(named.contains(&vec!["model".into(), "Model".into()]));
    let graph: BTreeMap<u8, BTreeSet<u8>> = [
        (1, [2].into()),
        (2, [3].into()),
        (3, [1].into()),
        (4, [1].into()),
    ]
    .into();
    assert_eq!(cycle_from(&graph, &1), Some(vec![1, 2, 3]));
    assert_eq!(cycle_from(&graph, &4), None);
}
