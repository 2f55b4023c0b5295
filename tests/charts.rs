//! Charts (`charts/*.png`, `charts/*.svg`) and `report.html`: produced, valid, showing what
//! the CSVs hold, self-contained, skipped by `--no-charts`, and rendering in a real browser.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use breachcost::report::format::money;
use common::{assert_success, entries, read_text, run, s, snapshot, write, Table, TEST_ASSUMPTIONS, TEST_EXPOSURES};

const ITERATIONS: &str = "2000";

/// The charts and the axis titles each one's SVG must show (annual mode).
const CHARTS: [(&str, &[&str]); 4] = [
    ("loss_distribution", &["Loss per year (USD, log scale)", "Share of years with a loss (%)"]),
    ("exceedance_curve", &["Loss (USD, log scale)", "Annual exceedance probability", "Return period (years)"]),
    ("components", &["Expected annual loss (USD)"]),
    ("cost_vs_records", &["Records affected by the breach (log scale)", "Cost of one breach (USD, log scale)"]),
];

/// The chart of what each incident type contributes, drawn beside [`CHARTS`] in annual runs
/// whose assumptions have types beside the data breach (the shipped defaults do).
const INCIDENTS: (&str, &[&str]) =
    ("incidents", &["Expected annual loss by incident type", "Expected annual loss (USD)", "ransomware"]);

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn simulate(out: &Path, extra: &[&str]) {
    let mut args = vec!["simulate", "--quiet", "--iterations", ITERATIONS, "--out", s(out)];
    args.extend_from_slice(extra);
    assert_success(&run(&args));
}

/// Decodes a PNG: (width, height, RGB(A) pixels, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let size = reader.output_buffer_size().expect("a PNG of sensible size");
    let mut pixels = vec![0; size];
    let info = reader.next_frame(&mut pixels).expect("valid PNG image data");
    pixels.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, pixels, channels)
}

fn distinct_colours(pixels: &[u8], channels: usize) -> usize {
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(channels).map(|p| &p[..channels.min(3)]).collect();
    colours.len()
}

fn check_charts(out: &Path, titles: &[(&str, &[&str])]) {
    let charts = out.join("charts");
    for (name, axis_titles) in titles {
        let png = std::fs::read(charts.join(format!("{name}.png"))).expect("the PNG chart should exist");
        assert!(png.starts_with(PNG_SIGNATURE), "{name}.png should be a PNG");
        assert!(png.len() > 5_000, "{name}.png is only {} bytes", png.len());
        let (w, h, pixels, channels) = decode_png(&png);
        assert_eq!((w, h), (1000, 600), "{name}.png size");
        assert!(distinct_colours(&pixels, channels) > 20, "{name}.png looks blank");

        let svg = read_text(&charts.join(format!("{name}.svg")));
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{name}.svg should be SVG");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg should be complete");
        for title in *axis_titles {
            assert!(svg.contains(title), "{name}.svg should show the axis title {title:?}");
        }
    }
}

/// The gross summary row of `id` in summary.csv: (mean, p95, p99, tvar_99).
fn gross_figures(out: &Path, id: &str) -> [f64; 4] {
    let summary = Table::read(&out.join("summary.csv"));
    let row = summary.row(id, "gross");
    ["mean", "p95", "p99", "tvar_99"].map(|c| summary.num(row, c))
}

/// No scripts, and nothing the browser would fetch: no `src`/`href` to anywhere, no CSS
/// imports or `url(...)`.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for forbidden in ["<script", " src=", "href=", "url(", "@import", "<link", "<iframe", "<object", "<img"] {
        assert!(!lower.contains(forbidden), "report.html should not contain {forbidden:?}");
    }
    for quoted_url in ["=\"http", "='http", "=http", "(http", "xmlns=\"http"] {
        assert!(!lower.contains(quoted_url), "report.html should not reference a URL ({quoted_url:?})");
    }
}

#[test]
fn simulate_writes_every_chart_as_png_and_svg_with_axis_titles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    simulate(&out, &[]);
    let expected: std::collections::BTreeSet<String> =
        CHARTS.iter().chain([&INCIDENTS]).flat_map(|(n, _)| [format!("{n}.png"), format!("{n}.svg")]).collect();
    assert_eq!(entries(&out.join("charts")), expected);
    check_charts(&out, &CHARTS);
    check_charts(&out, &[INCIDENTS]);
}

#[test]
fn the_incidents_chart_and_section_appear_only_where_the_assumptions_have_incident_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("defaults");
    simulate(&out, &[]);
    check_charts(&out, &[INCIDENTS]);
    let html = read_text(&out.join("report.html"));
    assert!(html.contains("What each incident type contributes"), "the page has the incident-type section");
    assert!(html.contains("<figure id=\"incidents\">"), "with the chart inline");
    // The table's total is the portfolio's expected annual loss, as summary.csv has it.
    let mean = money(gross_figures(&out, "PORTFOLIO")[0]);
    let svg = read_text(&out.join("charts").join("incidents.svg"));
    assert!(svg.contains(&format!("{mean} expected annual loss")), "the chart should give the total {mean}");

    // Data breaches alone: no incidents chart and no section, in either mode.
    let assumptions = write(dir.path(), "breaches-only.toml", TEST_ASSUMPTIONS);
    let exposures = write(dir.path(), "book.csv", TEST_EXPOSURES);
    for mode in ["annual", "breach"] {
        let out = dir.path().join(mode);
        simulate(&out, &["--assumptions", s(&assumptions), "--exposures", s(&exposures), "--mode", mode]);
        let charts = entries(&out.join("charts"));
        assert_eq!(charts.len(), 2 * CHARTS.len(), "{mode}: {charts:?}");
        assert!(!charts.contains("incidents.png") && !charts.contains("incidents.svg"), "{mode}: {charts:?}");
        let html = read_text(&out.join("report.html"));
        assert!(!html.contains("incident type"), "{mode}: no incident-type section without incident types");
    }
    // A breach-mode run costs one data breach: no chart of types either.
    let out = dir.path().join("breach-defaults");
    simulate(&out, &["--mode", "breach"]);
    assert!(!out.join("charts").join("incidents.png").exists(), "breach mode draws no incidents chart");
}

#[test]
fn the_report_is_one_self_contained_page_with_the_portfolio_figures_of_summary_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    simulate(&out, &[]);
    let html = read_text(&out.join("report.html"));
    assert!(html.starts_with("<!DOCTYPE html>"), "report.html should be an HTML5 document");
    assert!(html.trim_end().ends_with("</html>"));
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), CHARTS.len() + 1, "every chart inline, the incidents chart too");
    assert!(html.contains("<style>"), "inline CSS");
    for (figure, value) in ["mean", "p95", "p99", "tvar_99"].iter().zip(gross_figures(&out, "PORTFOLIO")) {
        let shown = money(value);
        assert!(html.contains(&shown), "report.html should show the portfolio {figure} as {shown}");
    }
    for heading in [
        "Expected annual loss",
        "Exposures",
        "Where the money goes",
        "What each incident type contributes",
        "Assumptions in force",
        "Run",
    ] {
        assert!(html.contains(heading), "report.html should have {heading:?}");
    }
    let run_json: serde_json::Value =
        serde_json::from_str(&read_text(&out.join("run.json"))).expect("run.json should be JSON");
    let seed = run_json["seed"].as_u64().expect("run.json has the seed");
    assert!(html.contains(&seed.to_string()), "report.html should show the seed");
    assert!(html.contains(env!("CARGO_PKG_VERSION")), "report.html should show the version");
    assert!(html.contains("2,000"), "report.html should show the iterations");
}

#[test]
fn breach_mode_reports_each_exposure_and_escapes_the_names_from_the_user_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(
        dir.path(),
        "exposures.csv",
        "id,records,affected,data_types\n\"<b>Fish & Chips</b>\",200000,150000,name;ssn\nplain,5000,,\n",
    );
    let out = dir.path().join("out");
    simulate(&out, &["--exposures", s(&exposures), "--mode", "breach"]);
    check_charts(
        &out,
        &[
            ("loss_distribution", &["Cost of one breach (USD, log scale)", "Share of breaches (%)"]),
            ("exceedance_curve", &["Probability that a breach costs more", "Return period (breaches)"]),
            ("components", &["Mean cost per breach (USD)"]),
            ("cost_vs_records", &["Records affected by the breach (log scale)"]),
        ],
    );
    let html = read_text(&out.join("report.html"));
    assert_self_contained(&html);
    assert!(!html.contains("<b>Fish"), "a user id must not become markup");
    assert!(html.contains("&lt;b&gt;Fish &amp; Chips&lt;/b&gt;"), "the id should be shown, escaped");
    for id in ["<b>Fish & Chips</b>", "plain"] {
        let mean = money(gross_figures(&out, id)[0]);
        assert!(html.contains(&mean), "report.html should show the mean of {id} as {mean}");
    }
    for name in ["loss_distribution", "exceedance_curve", "components"] {
        let svg = read_text(&out.join("charts").join(format!("{name}.svg")));
        assert!(!svg.contains("<b>"), "{name}.svg must escape ids");
    }
}

#[test]
fn no_charts_writes_neither_charts_nor_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    simulate(&out, &["--no-charts"]);
    let files = entries(&out);
    assert!(files.contains("summary.csv"), "the CSVs are still written");
    assert!(!files.contains("charts"), "--no-charts should write no charts/ folder");
    assert!(!files.contains("report.html"), "--no-charts should write no report.html");
}

#[test]
fn charts_cover_a_one_row_and_a_thousand_row_portfolio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = write(dir.path(), "one.csv", "id,records,data_types\nacme-health,250000,name;address;health;ssn\n");
    let out = dir.path().join("one");
    simulate(&out, &["--exposures", s(&one)]);
    check_charts(&out, &CHARTS);

    let mut rows = String::from("id,records,data_types\n");
    let mixes = ["name;address;email", "name;ssn;bank_account", ""];
    for i in 0..1000u64 {
        let records = 300 + (i * 7919 % 1000) * (i % 97 + 1) * 500;
        rows.push_str(&format!("org-{i:04},{records},{}\n", mixes[i as usize % mixes.len()]));
    }
    let thousand = write(dir.path(), "thousand.csv", rows);
    let out = dir.path().join("thousand");
    simulate(&out, &["--exposures", s(&thousand)]);
    check_charts(&out, &CHARTS);
    let html = read_text(&out.join("report.html"));
    assert!(html.contains("more exposures in <code>summary.csv</code>"), "a long table is cut, pointing to the CSV");
    let components = read_text(&out.join("charts").join("components.svg"));
    assert!(components.contains("Portfolio total"), "the components chart shows the portfolio total");
    assert!(components.contains("The 15 exposures with the largest mean"), "and says it shows the top 15");
}

#[test]
fn a_run_without_any_loss_still_draws_every_chart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quiet = write(dir.path(), "quiet.csv", "id,records,annual_rate\nnever,1000,0\n");
    let out = dir.path().join("out");
    simulate(&out, &["--exposures", s(&quiet)]);
    check_charts(&out, &CHARTS[3..]);
    for name in ["loss_distribution", "exceedance_curve", "components"] {
        let png = std::fs::read(out.join("charts").join(format!("{name}.png"))).expect("the chart exists");
        assert!(png.starts_with(PNG_SIGNATURE));
        let svg = read_text(&out.join("charts").join(format!("{name}.svg")));
        assert!(svg.contains("above $0"), "{name}.svg should say there is nothing to draw");
    }
    assert!(read_text(&out.join("report.html")).contains("$0"));
}

#[test]
fn charts_and_report_are_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    simulate(&a, &["--threads", "1"]);
    simulate(&b, &["--threads", "3"]);
    let visual = |out: &Path| -> Vec<(String, Vec<u8>)> {
        snapshot(out).into_iter().filter(|(p, _)| p.starts_with("charts") || p == "report.html").collect()
    };
    let (va, vb) = (visual(&a), visual(&b));
    assert_eq!(va.len(), 2 * (CHARTS.len() + 1) + 1, "the charts, the incidents chart and report.html");
    for ((pa, ba), (pb, bb)) in va.iter().zip(&vb) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{pa} differs between --threads 1 and --threads 3");
    }
}

/// `chromium` on the PATH, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("chromium")).find(|p| p.is_file())
}

/// Runs headless chromium with `args` on `page`, killing it after a minute; its stdout
/// (through a file: a pipe would fill and block chromium while we wait).
fn headless(chromium: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    let stdout_path = profile.with_extension("stdout");
    let stdout = std::fs::File::create(&stdout_path).expect("a file for chromium's output");
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("chromium should start");
    let started = Instant::now();
    loop {
        match child.try_wait().expect("chromium should be waitable") {
            Some(_) => break,
            None if started.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                panic!("chromium did not finish within a minute");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    String::from_utf8_lossy(&std::fs::read(&stdout_path).expect("chromium's output")).into_owned()
}

#[test]
fn the_report_renders_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("note: chromium is not on the PATH; skipping the browser check (.ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    simulate(&out, &[]);
    let page = out.join("report.html");
    let profile = dir.path().join("profile");
    let shot = dir.path().join("shot.png");

    headless(&chromium, &profile, &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000"], &page);
    let bytes = std::fs::read(&shot).expect("chromium should write the screenshot");
    let (w, h, pixels, channels) = decode_png(&bytes);
    assert_eq!((w, h), (1280, 2000));
    let colours = distinct_colours(&pixels, channels);
    assert!(colours > 50, "the screenshot has only {colours} colours: is the page blank?");

    let dom = headless(&chromium, &profile, &["--dump-dom"], &page);
    assert!(dom.contains("Expected annual loss"), "the rendered page should show the headline");
    let mean = money(gross_figures(&out, "PORTFOLIO")[0]);
    assert!(dom.contains(&mean), "the rendered page should show the portfolio mean {mean}");
    assert!(dom.contains("<svg"), "the charts should be in the rendered page");
}

#[test]
fn the_exceedance_curve_shows_the_portfolio_without_systemic_events_only_where_they_are_simulated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let defaults = std::fs::read_to_string(common::manifest_path("assumptions/default.toml")).expect("defaults");
    // The shipped accumulation scenarios, switched on.
    let enabled = write(dir.path(), "on.toml", defaults.replace("enabled = false", "enabled = true"));
    let label = "AEP without systemic events";
    for (assumptions, shown) in [(None, false), (Some(enabled), true)] {
        let out = dir.path().join(if shown { "on" } else { "off" });
        let flags: Vec<&str> = assumptions.as_deref().map(|a| vec!["--assumptions", s(a)]).unwrap_or_default();
        simulate(&out, &flags);
        let svg = read_text(&out.join("charts").join("exceedance_curve.svg"));
        assert_eq!(svg.contains(label), shown, "scenarios enabled: {shown}");
        let summary = read_text(&out.join("summary.csv"));
        assert_eq!(summary.contains("PORTFOLIO_EXCL_SYSTEMIC"), shown);
    }
}
