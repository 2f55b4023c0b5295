//! Coverage sections (`[[section]]`): section sublimits, aggregate sublimits and retentions
//! cap what they should (against closed forms), contingent business interruption goes to the
//! section that covers it, the insured loss by section adds up to the insured loss, and bad
//! section inputs are one-line errors.

mod common;
mod engine_support;

use std::path::Path;
use std::process::Output;

use breachcost::input::Mode;
use breachcost::run::{ComponentResult, RunResults};
use common::{describe, run, stderr, write};
use engine_support::{assert_within, simulate, summary, Z};

const SEED: u64 = 777;

/// Three components in two sections: `a` ($1,000) and `b` ($300) in every breach, `c` ($50,
/// uncovered); `a` in section `first`, `b` in `second`.
fn model(policy: &str) -> String {
    format!(
        r#"
[frequency]
rate = 0.5
[[component]]
name = "a"
fixed = 1000
[[component]]
name = "b"
fixed = 300
[[component]]
name = "c"
fixed = 50
covered = false
[[section]]
name = "first"
code = "INRE"
components = ["a"]
[[section]]
name = "second"
components = ["b"]
[policy]
{policy}
"#
    )
}

fn section<'r>(results: &'r RunResults, id: &str, name: &str) -> &'r ComponentResult {
    let exposure = results.exposures.iter().find(|e| e.id == id).expect("exposure present");
    exposure.sections.iter().find(|c| c.name == name).expect("section present")
}

/// Each breach's insured loss (breach mode: every iteration one breach, all costs constant).
fn per_breach(policy: &str, csv: &str) -> RunResults {
    simulate(csv, &model(policy), Mode::Breach, 2_000, SEED)
}

#[test]
fn a_section_sublimit_and_retention_cap_what_the_section_pays() {
    let csv = "id,records\nx,100\n";
    // (policy, insured per breach, paid under first, under second)
    let kept = |r: f64| (1300.0 - r) / 1300.0;
    let cases = [
        // No terms: each section pays its components.
        ("", 1300.0, 1000.0, 300.0),
        // The first section's sublimit caps it alone.
        ("section_sublimits = { first = 400 }", 700.0, 400.0, 300.0),
        // A section's own retention, the highest of the touched sections', applies once,
        // shared across the components by cost.
        ("section_retentions = { second = 500 }", 800.0, 1000.0 * kept(500.0), 300.0 * kept(500.0)),
        ("retention = 200\nsection_retentions = { first = 100 }", 1100.0, 1000.0 * kept(200.0), 300.0 * kept(200.0)),
        // The retention first, then the sublimit: 1000 × 800/1300 = 615 capped at 400.
        (
            "section_retentions = { second = 500 }\nsection_sublimits = { first = 400 }",
            400.0 + 300.0 * kept(500.0),
            400.0,
            300.0 * kept(500.0),
        ),
        // A component's sublimit inside a section's, then the per-breach limit.
        (
            "sublimits = { a = 600 }\nsection_sublimits = { first = 800 }\nlimit = 700",
            700.0,
            600.0 * 7.0 / 9.0,
            300.0 * 7.0 / 9.0,
        ),
    ];
    for (policy, insured, first, second) in cases {
        let results = per_breach(policy, csv);
        let s = summary(&results, "x", "insured");
        assert!((s.mean - insured).abs() < 1e-9 * insured, "{policy}: insured {} vs {insured}", s.mean);
        assert_eq!(s.max, s.p50, "{policy}: every breach the same");
        for (name, paid) in [("first", first), ("second", second)] {
            let got = section(&results, "x", name).mean;
            assert!((got - paid).abs() < 1e-9 * paid.max(1.0), "{policy}: {name} {got} vs {paid}");
        }
        assert_eq!(summary(&results, "x", "gross").mean, 1350.0);
    }
    // The exposure's own columns override the [policy] defaults.
    let csv = "id,records,section_sublimit_first,section_retention_second\nx,100,400,500\n";
    let results = per_breach("", csv);
    let expected = 400.0 + 300.0 * kept(500.0);
    assert!((summary(&results, "x", "insured").mean - expected).abs() < 1e-9 * expected);
}

#[test]
fn a_section_aggregate_sublimit_caps_the_year_against_its_expectation() {
    // Poisson(0.5) breaches a year, the first section paying $1,000 each, capped at $1,500 a
    // year: E[min(1000 N, 1500)] and the second section's 300 λ.
    let n = 200_000;
    let results = simulate(
        "id,records\nx,100\n",
        &model("section_aggregate_sublimits = { first = 1500 }"),
        Mode::Annual,
        n,
        SEED,
    );
    let lambda: f64 = 0.5;
    let poisson = |k: u32| (-lambda).exp() * lambda.powi(k as i32) / (1..=k).map(f64::from).product::<f64>();
    let capped: f64 = (0..60).map(|k| poisson(k) * (1000.0 * f64::from(k)).min(1500.0)).sum();
    let capped_sq: f64 = (0..60).map(|k| poisson(k) * (1000.0 * f64::from(k)).min(1500.0).powi(2)).sum();
    let first = section(&results, "x", "first");
    let se = ((capped_sq - capped * capped) / n as f64).sqrt();
    assert_within("first section's capped year", first.mean, capped, se, Z);
    assert!(first.p99 <= 1500.0 + 1e-9, "never above the aggregate sublimit: {}", first.p99);
    // The sections' years add up to the insured years, so their means to the insured mean.
    let insured = summary(&results, "x", "insured").mean;
    let second = section(&results, "x", "second").mean;
    assert!((first.mean + second - insured).abs() < 1e-9 * insured, "{} + {second} vs {insured}", first.mean);
    assert_within("second section", second, 300.0 * lambda, 300.0 * (lambda / n as f64).sqrt(), Z);
}

/// A provider's outage of 48 hours once in ten years hitting every insured on the provider,
/// and the firm's own outages (half a year), both costed at half the revenue of each hour,
/// business interruption in its own section and in a contingent one.
fn outages(contingent_terms: &str) -> String {
    format!(
        r#"
[frequency]
rate = 0
[[incident]]
name = "outage"
rate = 0.5
duration_hours = 20
[[component]]
name = "response"
fixed = 1000
[[component]]
name = "downtime"
incident = "outage"
basis = "outage"
per_unit = 0.5
[[section]]
name = "response"
components = ["response"]
[[section]]
name = "bi"
code = "NPBI"
components = ["downtime"]
[[section]]
name = "cbi"
code = "CBI"
contingent = true
components = ["downtime"]
[[systemic]]
name = "cloud-down"
annual_rate = 0.1
model = "bernoulli"
footprint = 1
incident = "outage"
duration_hours = 48
[policy]
waiting_period_hours = 8
{contingent_terms}
"#
    )
}

#[test]
fn contingent_business_interruption_goes_to_the_section_that_covers_it() {
    let n = 100_000;
    // $8.76M of revenue: $1,000 an hour, half of it lost while down.
    let csv = "id,records,revenue\na,100,8760000\n";
    let results = simulate(csv, &outages(""), Mode::Annual, n, SEED);
    // The provider's outage pays 40 hours past the waiting period, only under cbi, in a tenth
    // of the years; the firm's own (20 hours, 12 paid) only under bi.
    let cbi = section(&results, "a", "cbi");
    assert_within("years with contingent BI", cbi.prob_nonzero, 0.1, (0.09 / n as f64).sqrt(), Z);
    assert!((cbi.p99 - 20_000.0).abs() < 1e-6, "one provider outage: 40 h × $500: {}", cbi.p99);
    let bi = section(&results, "a", "bi");
    let own = 0.5 * 12.0 * 500.0;
    assert_within("own business interruption", bi.mean, own, 6000.0 * (0.5 / n as f64).sqrt(), Z);
    let insured = summary(&results, "a", "insured").mean;
    let sum: f64 = ["response", "bi", "cbi"].iter().map(|s| section(&results, "a", s).mean).sum();
    assert!((sum - insured).abs() < 1e-9 * insured, "sections {sum} vs insured {insured}");
    // A contingent sublimit of nothing removes the provider's outages from the insured loss
    // and leaves the firm's own where they were.
    let excluded = simulate(csv, &outages("section_sublimits = { cbi = 0 }"), Mode::Annual, n, SEED);
    assert_eq!(section(&excluded, "a", "cbi").mean, 0.0);
    let kept = section(&excluded, "a", "bi").mean;
    assert!((kept - bi.mean).abs() < 1e-12 * bi.mean, "{kept} vs {}", bi.mean);
    assert_eq!(summary(&excluded, "a", "gross").mean, summary(&results, "a", "gross").mean);
    // Without a contingent section, the provider's outage is paid under bi.
    let without = outages("")
        .replace("[[section]]\nname = \"cbi\"\ncode = \"CBI\"\ncontingent = true\ncomponents = [\"downtime\"]\n", "");
    let merged = simulate(csv, &without, Mode::Annual, n, SEED);
    let together = section(&merged, "a", "bi").mean;
    assert!((together - (bi.mean + cbi.mean)).abs() < 1e-9 * together, "{together} vs {} + {}", bi.mean, cbi.mean);
}

fn simulate_files(exposures: &Path, assumptions: &Path, out: &Path) -> Output {
    let (e, a, o) = (common::s(exposures), common::s(assumptions), common::s(out));
    run(&["simulate", "--exposures", e, "--assumptions", a, "--out", o, "--iterations", "2000", "--quiet"])
}

#[test]
fn sections_csv_lists_each_section_per_exposure_and_for_the_portfolio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records\nx,100\ny,10\n");
    let assumptions = write(dir.path(), "a.toml", model("section_sublimits = { first = 400 }"));
    let out = dir.path().join("out");
    let output = simulate_files(&exposures, &assumptions, &out);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = std::fs::read_to_string(out.join("sections.csv")).expect("sections.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,section,code,mean,sd,p50,p95,p99,share_of_mean,prob_nonzero");
    assert_eq!(lines.len(), 1 + 3 * 2, "two sections for two exposures and the portfolio");
    assert!(lines[1].starts_with("x,first,INRE,"), "{}", lines[1]);
    assert!(lines[2].starts_with("x,second,,"), "{}", lines[2]);
    assert!(lines[5].starts_with("PORTFOLIO,first,INRE,"), "{}", lines[5]);
    let page = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(page.contains("Insured loss by coverage section"));
    // Without sections, no sections.csv.
    let plain = model("").replace("[[section]]\nname = \"first\"\ncode = \"INRE\"\ncomponents = [\"a\"]\n", "");
    let plain = plain.replace("[[section]]\nname = \"second\"\ncomponents = [\"b\"]\n", "");
    let assumptions = write(dir.path(), "plain.toml", plain);
    let out = dir.path().join("plain");
    let output = simulate_files(&exposures, &assumptions, &out);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!out.join("sections.csv").exists());
}

#[test]
fn bad_section_inputs_are_one_line_errors_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records\nx,100\n");
    let base = model("");
    let cases = [
        (base.replace("components = [\"a\"]", "components = [\"aa\"]"), "no component is called \"aa\""),
        (base.replace("components = [\"b\"]", "components = [\"b\", \"c\"]"), "\"c\" is not covered"),
        (base.replace("components = [\"b\"]", "components = [\"a\"]"), "is in the sections \"first\" and \"second\""),
        (base.replace("components = [\"b\"]", "components = [\"a\", \"a\"]"), "listed twice"),
        (
            base.replace("name = \"second\"\ncomponents = [\"b\"]\n", "name = \"second\"\ncomponents = []\n"),
            "missing or empty",
        ),
        (
            base.replace("[[section]]\nname = \"second\"\ncomponents = [\"b\"]\n", ""),
            "covered component \"b\" is in no section",
        ),
        (base.replace("name = \"second\"", "name = \"first\""), "the name is used twice"),
        (
            base.replace("name = \"second\"", "name = \"second\"\ncontingent = true"),
            "a contingent section holds business interruption",
        ),
        (base.replace("code = \"INRE\"", "code = \"IN RE\""), "is not a coverage code"),
        (model("section_sublimits = { frist = 1 }"), "did you mean \"first\"?"),
        (model("section_retentions = { first = inf }"), "section_retentions.first: inf is not an amount"),
        (model("section_sublimits = { first = -1 }"), "section_sublimits.first: -1 is not an amount"),
    ];
    for (toml, expected) in cases {
        let assumptions = write(dir.path(), "a.toml", &toml);
        let out = dir.path().join("out");
        let output = simulate_files(&exposures, &assumptions, &out);
        assert_eq!(output.status.code(), Some(2), "{expected}: {}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "expected {expected:?} in {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
        assert!(!out.exists(), "nothing written");
    }
    let assumptions = write(dir.path(), "a.toml", &base);
    for (csv, expected) in [
        ("id,records,section_sublimit_frist\nx,10,1\n", "row 1, column section_sublimit_frist: no section is called \"frist\" (did you mean \"section_sublimit_first\"?)"),
        ("id,records,section_retention_first\nx,10,inf\n", "column section_retention_first"),
        ("id,records,section_aggregate_sublimit_first\nx,10,-3\n", "column section_aggregate_sublimit_first"),
    ] {
        let exposures = write(dir.path(), "bad.csv", csv);
        let out = dir.path().join("out");
        let output = simulate_files(&exposures, &assumptions, &out);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "expected {expected:?} in {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
        assert!(!out.exists(), "nothing written");
    }
}
