//! `brief.md`: the briefing's bottom line, tables, assumptions and sources as Markdown, for
//! pasting into a document. Charts are referred to by file, since Markdown cannot carry them.

use std::fmt::Write;

use super::{Briefing, Table};

/// Escapes the characters that would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(briefing: &Briefing) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# {}\n", briefing.title);
    let _ = writeln!(text, "*{}*\n", briefing.subtitle);
    let _ = writeln!(text, "**Question.** {}\n", briefing.question);
    text.push_str("## Bottom line\n\n");
    let _ = writeln!(text, "{}\n", briefing.bottom_line.join(" "));
    for table in &briefing.tables {
        render_table(&mut text, table);
    }
    for note in &briefing.notes {
        let _ = writeln!(text, "> {note}\n");
    }
    if !briefing.track_record.is_empty() {
        text.push_str("## How earlier forecasts did\n\n");
        let _ = writeln!(text, "{}\n", briefing.track_record.join(" "));
    }
    if !briefing.charts.is_empty() {
        text.push_str("## Charts\n\n");
        for chart in &briefing.charts {
            let _ = writeln!(text, "- {} (`{}`)", chart.caption, chart.file);
        }
        text.push('\n');
    }
    if !briefing.links.is_empty() {
        text.push_str("## Each scenario's own brief\n\n");
        for (label, href) in &briefing.links {
            let brief = href.replace("report.html", "brief.md");
            let _ = writeln!(text, "- [{label}]({brief})");
        }
        text.push('\n');
    }
    for group in &briefing.assumptions {
        let _ = writeln!(text, "## Key assumptions: {}\n", group.heading);
        let _ = writeln!(
            text,
            "| {} | what it is | value | source |\n| --- | --- | --- | --- |",
            group.column
        );
        for row in &group.rows {
            let _ = writeln!(
                text,
                "| `{}` | {} | {} | {} |",
                row.name,
                cell(&row.about),
                cell(&row.value),
                cell(&row.source)
            );
        }
        text.push('\n');
    }
    sources(&mut text, briefing);
    text.push_str("---\n\n");
    let footer: Vec<String> = briefing
        .footer
        .iter()
        .map(|(what, value)| format!("{what}: {value}"))
        .collect();
    let _ = writeln!(text, "{}", footer.join(" · "));
    text
}

fn render_table(text: &mut String, table: &Table) {
    let _ = writeln!(text, "{}:\n", table.caption);
    let _ = writeln!(text, "| | {} |", table.header.join(" | "));
    let _ = writeln!(text, "| --- |{}", " --- |".repeat(table.header.len()));
    for (label, cells) in &table.rows {
        let cells: Vec<String> = cells
            .iter()
            .map(|c| {
                if c.words.is_empty() {
                    c.number.clone()
                } else {
                    format!("{}, {}", c.number, c.words)
                }
            })
            .collect();
        let _ = writeln!(text, "| {} | {} |", cell(label), cells.join(" | "));
    }
    text.push('\n');
}

fn sources(text: &mut String, briefing: &Briefing) {
    text.push_str("## Sources\n\n");
    if briefing.sources.documents.is_empty() {
        text.push_str("The scenario file cites no facts file.\n\n");
        return;
    }
    for (document, facts) in &briefing.sources.documents {
        let _ = writeln!(
            text,
            "- *{}*, {} (`{}`)",
            document.title,
            document.byline().join(", "),
            document.id
        );
        for fact in facts {
            let _ = writeln!(text, "  - `seed:{}` {}", fact.id, fact.claim);
        }
    }
    text.push('\n');
}
