//! `report.html`: one self-contained page. Charts are inline SVG, styles are inline, there is no
//! script and nothing is fetched, so it opens from a mail attachment, prints to A4 or Letter
//! (print styles keep figures and tables whole), and reads on a phone (fluid widths, scrolling
//! tables).

use std::fmt::Write;

use super::{AssumptionGroup, Briefing, Chart, Table};
use crate::sources::CitedSources;

const STYLE: &str = r#"
:root { --ink: #1d232b; --muted: #5a6470; --rule: #d7dce2; --band: #f4f6f8; --accent: #0b4f8a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.question { font-size: 1.1rem; border-left: 4px solid var(--accent); padding: .4rem .9rem; background: var(--band); }
.bottom-line p { font-size: 1.08rem; margin: .5rem 0; }
.notes { color: var(--muted); font-size: .92rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .95rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .3rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--rule); }
thead th { background: var(--band); }
td .words { display: block; color: var(--muted); font-size: .88rem; }
figure { margin: 1.2rem 0 1.8rem; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .35rem; }
.assumptions td:first-child, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88rem; }
.sources li { margin-bottom: .6rem; }
.sources ul ul { color: var(--muted); font-size: .92rem; }
footer { margin-top: 2.5rem; border-top: 2px solid var(--rule); padding-top: .8rem; color: var(--muted); font-size: .85rem; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
footer dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  main { padding: 1rem .8rem 2rem; }
  h1 { font-size: 1.35rem; }
  th, td { padding: .35rem .4rem; }
}
@page { margin: 15mm 14mm; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, table, .bottom-line, footer { break-inside: avoid; page-break-inside: avoid; }
  figure { margin: 3mm 0 6mm; }
  figure svg { border: none; width: auto; max-width: 100%; max-height: 110mm; margin: 0 auto; }
  .scroll { overflow: visible; }
}
"#;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// The whole page.
pub fn render(briefing: &Briefing) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&briefing.title)
    );
    header(&mut page, briefing);
    bottom_line(&mut page, briefing);
    charts(&mut page, &briefing.charts);
    links(&mut page, &briefing.links);
    for group in &briefing.assumptions {
        assumptions(&mut page, group);
    }
    sources(&mut page, &briefing.sources);
    footer(&mut page, &briefing.footer);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

fn header(page: &mut String, briefing: &Briefing) {
    let _ = write!(
        page,
        "<header>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n<p class=\"question\" id=\"question\">{}</p>\n</header>\n",
        escape(&briefing.title),
        escape(&briefing.subtitle),
        escape(&briefing.question)
    );
}

fn bottom_line(page: &mut String, briefing: &Briefing) {
    page.push_str(
        "<section id=\"bottom-line\">\n<h2>Bottom line</h2>\n<div class=\"bottom-line\">\n",
    );
    for sentence in &briefing.bottom_line {
        let _ = writeln!(page, "<p>{}</p>", escape(sentence));
    }
    page.push_str("</div>\n");
    for table in &briefing.tables {
        probability_table(page, table);
    }
    if !briefing.notes.is_empty() {
        page.push_str("<div class=\"notes\">\n");
        for note in &briefing.notes {
            let _ = writeln!(page, "<p>{}</p>", escape(note));
        }
        page.push_str("</div>\n");
    }
    page.push_str("</section>\n");
    if !briefing.track_record.is_empty() {
        page.push_str("<section>\n<h2>How earlier forecasts did</h2>\n");
        for sentence in &briefing.track_record {
            let _ = writeln!(page, "<p>{}</p>", escape(sentence));
        }
        page.push_str("</section>\n");
    }
}

fn probability_table(page: &mut String, table: &Table) {
    let _ = write!(
        page,
        "<div class=\"scroll\"><table class=\"headline\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\"></th>",
        escape(&table.caption)
    );
    for column in &table.header {
        let _ = write!(page, "<th scope=\"col\">{}</th>", escape(column));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for (label, cells) in &table.rows {
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(label));
        for cell in cells {
            let _ = write!(
                page,
                "<td>{}<span class=\"words\">{}</span></td>",
                escape(&cell.number),
                escape(&cell.words)
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table></div>\n");
}

fn charts(page: &mut String, charts: &[Chart]) {
    if charts.is_empty() {
        return;
    }
    page.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for chart in charts {
        let label = escape(&chart.caption);
        // The chart is the SVG file beside the report, inlined; it is named for screen readers.
        let svg = chart.svg.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{label}\" "),
            1,
        );
        let _ = write!(
            page,
            "<figure data-chart=\"{}\">\n{svg}\n<figcaption>{label} <code>{}</code></figcaption>\n</figure>\n",
            escape(&chart.file),
            escape(&chart.file)
        );
    }
    page.push_str("</section>\n");
}

fn links(page: &mut String, links: &[(String, String)]) {
    if links.is_empty() {
        return;
    }
    page.push_str("<section id=\"scenarios\">\n<h2>Each scenario's own report</h2>\n<ul>\n");
    for (label, href) in links {
        let _ = writeln!(
            page,
            "<li><a href=\"{}\">{}</a></li>",
            escape(href),
            escape(label)
        );
    }
    page.push_str("</ul>\n</section>\n");
}

fn assumptions(page: &mut String, group: &AssumptionGroup) {
    let _ = write!(
        page,
        "<section class=\"assumptions\">\n<h2>Key assumptions: {}</h2>\n<div class=\"scroll\"><table>\n\
         <thead><tr><th scope=\"col\">{}</th><th scope=\"col\">what it is</th>\
         <th scope=\"col\">value</th><th scope=\"col\">source</th></tr></thead>\n<tbody>\n",
        escape(&group.heading),
        group.column
    );
    for row in &group.rows {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.name),
            escape(&row.about),
            escape(&row.value),
            escape(&row.source)
        );
    }
    page.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn sources(page: &mut String, sources: &CitedSources) {
    page.push_str("<section id=\"sources\" class=\"sources\">\n<h2>Sources</h2>\n");
    if sources.documents.is_empty() {
        page.push_str("<p>The scenario file cites no facts file; its sources are written beside each number.</p>\n</section>\n");
        return;
    }
    page.push_str(
        "<p class=\"notes\">The documents the model's numbers cite, most cited first, each with the \
         facts taken from it (summarised in the project's own words; <code>seed:</code> ids as \
         the scenario files cite them).</p>\n<ul>\n",
    );
    for (document, facts) in &sources.documents {
        let _ = write!(
            page,
            "<li><strong>{}</strong>{} <code>{}</code>",
            escape(&document.title),
            prefixed(", ", &document.byline().join(", ")),
            escape(&document.id)
        );
        if !document.url.is_empty() {
            let _ = write!(page, " <code>{}</code>", escape(&document.url));
        }
        if !facts.is_empty() {
            page.push_str("\n<ul>\n");
            for fact in facts {
                let _ = writeln!(
                    page,
                    "<li><code>seed:{}</code> {}{}</li>",
                    escape(&fact.id),
                    escape(&fact.claim),
                    if fact.date.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", escape(&fact.date))
                    }
                );
            }
            page.push_str("</ul>\n");
        }
        page.push_str("</li>\n");
    }
    page.push_str("</ul>\n</section>\n");
}

fn prefixed(prefix: &str, text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{prefix}{}", escape(text))
    }
}

fn footer(page: &mut String, items: &[(String, String)]) {
    page.push_str("<footer>\n<p>To reproduce any figure:</p>\n<dl>\n");
    for (what, value) in items {
        let _ = writeln!(page, "<dt>{}</dt><dd>{}</dd>", escape(what), escape(value));
    }
    page.push_str("</dl>\n</footer>\n");
}
