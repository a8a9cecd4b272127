//! The briefing as a reader gets it: `report.html` is one self-contained page (no script, no
//! external reference, every chart inline) holding the question, the bottom line, the headline
//! table, every chart, the assumptions and the sources; `brief.md` holds the same bottom line,
//! table and sources. Where Chromium is installed, the page is rendered headless, screenshot on
//! a desktop and a phone and printed to PDF on A4 and Letter, and what rendered is checked.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{chromium, succeeds};

fn run_into(out: &Path, extra: &[&str]) {
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "6000", "--quiet"];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    succeeds(&args);
}

fn svg_files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".svg"))
        .collect();
    names.sort();
    names
}

/// No script, stylesheet link, image, frame, import or URL fetch: the page loads nothing.
fn assert_self_contained(html: &str) {
    for forbidden in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "src=",
    ] {
        assert!(
            !html.contains(forbidden),
            "the report contains `{forbidden}`"
        );
    }
    for piece in html.split("href=\"").skip(1) {
        let target = piece.split('"').next().unwrap_or("");
        assert!(
            !target.contains("://"),
            "the report links outside itself: {target}"
        );
    }
}

/// Each opening tag of these kinds is closed.
fn assert_balanced(html: &str) {
    for tag in ["figure", "table", "section", "svg", "ul", "p", "main"] {
        let opened =
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        let closed = html.matches(&format!("</{tag}>")).count();
        assert_eq!(
            opened, closed,
            "<{tag}> opened {opened} times, closed {closed}"
        );
    }
}

#[test]
fn a_run_report_holds_the_bottom_line_every_chart_and_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_into(&out, &[]);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_self_contained(&html);
    assert_balanced(&html);
    for text in [
        "Bottom line",
        "From March 2022, which path does Beijing take towards Moscow",
        "the likeliest path for Beijing is",
        "<table class=\"headline\">",
        "Fence-straddling",
        "Overt support",
        "Arm&#39;s length",
        "month 24 (Mar 2024)",
        "Key assumptions",
        "xi_risk_appetite",
        "beta(2, 5)",
        "Beijing&#39;s Moscow Muddle",
        "seed:xi-risk-taking",
    ] {
        assert!(html.contains(text), "the report lacks `{text}`");
    }
    let charts = svg_files(&out);
    assert!(charts.len() >= 8, "{charts:?}");
    for chart in &charts {
        assert!(
            html.contains(&format!("<figure data-chart=\"{chart}\">")),
            "{chart} is not in the report"
        );
    }
    assert_eq!(html.matches("<svg ").count(), charts.len());
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
    let hash = record["model_hash"].as_str().unwrap();
    assert!(html.contains(hash), "the footer lacks the model hash");

    let brief = fs::read_to_string(out.join("brief.md")).unwrap();
    for text in [
        "## Bottom line",
        "| | month 6 (Sep 2022) | month 12 (Mar 2023) | month 24 (Mar 2024) |",
        "| Arm's length |",
        "## Sources",
        "`seed:xi-risk-taking`",
        hash,
    ] {
        assert!(brief.contains(text), "brief.md lacks `{text}`");
    }
}

#[test]
fn weighted_and_studied_runs_brief_their_extra_charts_and_caveats() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence");
    run_into(
        &evidence,
        &["--evidence", "scenarios/evidence/march_2022.toml"],
    );
    let html = fs::read_to_string(evidence.join("report.html")).unwrap();
    assert!(html.contains("<figure data-chart=\"evidence.svg\">"));
    assert!(html.contains("These probabilities are weighted (evidence"));
    let studied = dir.path().join("studied");
    run_into(&studied, &["--sensitivity", "--swing-paths", "1000"]);
    let html = fs::read_to_string(studied.join("report.html")).unwrap();
    assert!(html.contains("<figure data-chart=\"tornado.svg\">"));
}

#[test]
fn no_report_skips_the_briefing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bare");
    run_into(&out, &["--no-report"]);
    assert!(!out.join("report.html").exists());
    assert!(!out.join("brief.md").exists());
    assert!(out.join("posture_probabilities.csv").exists());
}

#[test]
fn a_batch_report_sets_the_scenarios_side_by_side_and_links_each_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    succeeds(&[
        "batch",
        "scenarios/looking_glass.batch.toml",
        "--paths",
        "4000",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_self_contained(&html);
    assert_balanced(&html);
    assert!(html.contains("<figure data-chart=\"comparison.svg\">"));
    assert!(html.contains("<figure data-chart=\"posture_curves.svg\">"));
    assert!(html.contains("What if: early settlement"));
    assert_eq!(html.matches("<table class=\"headline\">").count(), 4);
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|piece| piece.split('"').next())
        .collect();
    assert_eq!(links.len(), 8);
    for link in links {
        assert!(out.join(link).is_file(), "{link} is a broken link");
    }
    // Every scenario says everything it sets differently from the reference, in the files'
    // own terms and in words: parameters, and every other field.
    let brief = fs::read_to_string(out.join("brief.md")).unwrap();
    for label in [
        "Fence-straddling world",
        "Overt-support world",
        "Arm's-length world",
        "What if: Russian breakthrough",
        "What if: early settlement",
        "What if: Western resolve fades",
        "What if: early secondary sanctions",
    ] {
        let heading = format!(
            "## Key assumptions: {label}: what differs from Base: all three paths competing"
        );
        assert!(brief.contains(&heading), "no section for {label}");
    }
    for row in [
        "| `drivers.war.initial` | War in Ukraine | \"frustrated\" in the reference; \"grinding\" here |",
        "| `drivers.civilian_harm.target.war=frustrated` | Civilian harm and destruction | 0.55 in the reference; 0.35 here |",
        "| `drivers.war.transitions.frustrated.settlement` | War in Ukraine | 0.015 in the reference; 0.25 here |",
        "| `drivers.war.transitions.frustrated.breakthrough` | War in Ukraine | 0.005 in the reference; 0 (not listed) here |",
        "| `drivers.early_secondary_package.onset` | Secondary-sanctions package on China | { hazard = 0.01 } in the reference; 2 here |",
        "| `drivers.western_unity.target.constant` | Western unity and resolve | 0.3 in the reference; 0.15 here |",
        "| `xi_risk_appetite` |",
    ] {
        assert!(brief.contains(row), "missing: {row}");
    }
    assert!(
        !brief.contains("what What"),
        "a heading repeats the label's first word"
    );
    assert!(
        !brief.contains("scenario.description"),
        "descriptions are not differences"
    );
}

fn browse(browser: &Path, args: &[&str], page: &Path) -> Vec<u8> {
    let output = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(["--no-first-run", "--disable-extensions"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("the browser runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// How many pixels are not white, and how many of them carry the given colour (within 24).
fn pixel_counts(file: &Path, colour: [u8; 3]) -> (usize, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(file).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let step = info.color_type.samples();
    let (mut inked, mut coloured) = (0, 0);
    for pixel in pixels[..info.buffer_size()].chunks(step) {
        if pixel[..3].iter().any(|&c| c < 235) {
            inked += 1;
        }
        if pixel[..3]
            .iter()
            .zip(colour)
            .all(|(&c, want)| c.abs_diff(want) < 24)
        {
            coloured += 1;
        }
    }
    (inked, coloured)
}

fn pdf_pages(file: &Path) -> usize {
    let bytes = fs::read(file).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// The PDF's text, where poppler's pdftotext is installed.
fn pdf_text(pdf: &Path) -> Option<String> {
    let output = Command::new("pdftotext").arg(pdf).arg("-").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_report_renders_in_a_real_browser_and_prints() {
    let Some(browser) = chromium() else {
        let status = "SKIPPED: no Chromium to render the report (the static checks ran)";
        eprintln!("{status}");
        let _ = fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-test-status.txt"),
            format!("{status}\n"),
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_into(&out, &[]);
    let page = out.join("report.html");

    let dom = String::from_utf8_lossy(&browse(&browser, &["--dump-dom"], &page)).into_owned();
    assert!(
        dom.contains("<table class=\"headline\">"),
        "the table did not render"
    );
    assert_eq!(
        dom.matches("<svg ").count(),
        svg_files(&out).len(),
        "a chart was lost"
    );
    assert!(dom.contains("id=\"sources\""));

    let desktop = dir.path().join("desktop.png");
    let phone = dir.path().join("phone.png");
    for (shot, size) in [(&desktop, "1280,2400"), (&phone, "390,2400")] {
        browse(
            &browser,
            &[
                &format!("--window-size={size}"),
                &format!("--screenshot={}", shot.display()),
            ],
            &page,
        );
        let (inked, arms_length_blue) = pixel_counts(shot, [0x00, 0x72, 0xB2]);
        assert!(
            inked > 20_000,
            "{shot:?} is nearly blank ({inked} inked pixels)"
        );
        assert!(
            arms_length_blue > 200,
            "{shot:?} shows no chart line ({arms_length_blue})"
        );
    }

    let letter = dir.path().join("letter.pdf");
    browse(
        &browser,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", letter.display()),
        ],
        &page,
    );
    let a4_page = out.join("report-a4.html");
    let html = fs::read_to_string(&page).unwrap();
    fs::write(&a4_page, html.replace("@page {", "@page { size: A4; ")).unwrap();
    let a4 = dir.path().join("a4.pdf");
    browse(
        &browser,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", a4.display()),
        ],
        &a4_page,
    );
    let (letter_pages, a4_pages) = (pdf_pages(&letter), pdf_pages(&a4));
    assert!(
        letter_pages >= 4 && a4_pages >= 4,
        "{letter_pages} and {a4_pages} pages"
    );
    assert!(
        letter_pages.abs_diff(a4_pages) <= 2,
        "{letter_pages} vs {a4_pages} pages"
    );
    for pdf in [&letter, &a4] {
        if let Some(text) = pdf_text(pdf) {
            for expected in [
                "Bottom line",
                "Arm's length",
                "Key assumptions",
                "Sources",
                "model hash",
            ] {
                assert!(
                    text.contains(expected),
                    "{pdf:?} lacks `{expected}` in its text"
                );
            }
        }
    }
    let _ = fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-test-status.txt"),
        format!("ran: rendered, screenshot on a desktop and a phone, printed to {letter_pages} Letter and {a4_pages} A4 pages\n"),
    );
}
