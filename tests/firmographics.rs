//! Breach frequency from revenue and industry: an exposure without `annual_rate` takes its
//! revenue band's rate times its sector's multiplier from the shipped assumptions; a row's
//! `annual_rate` still wins, and a row without revenue keeps the flat `[frequency] rate`.

use std::path::Path;

mod common;

/// The shipped table (assumptions/default.toml), as the test reads it: band upper bounds
/// and rates, and a few sectors' multipliers.
const BANDS: [(f64, f64); 6] =
    [(1e7, 0.01), (1e8, 0.02), (1e9, 0.04), (1e10, 0.08), (1e11, 0.15), (f64::INFINITY, 0.25)];

fn validate_rates(book: &str) -> Vec<(String, f64)> {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "book.csv", book);
    let output = common::run_in(dir.path(), &["validate", "--exposures", "book.csv"]);
    common::assert_success(&output);
    let text = common::stdout(&output);
    let table = text.split_once("  id ").expect("the exposures table").1;
    table
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("  ") && !l.starts_with("ok"))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_string(), cells[3].parse().expect("rate"))
        })
        .collect()
}

/// Runs `simulate --quiet --no-charts --out out` with `args` in `dir`, and reads back the
/// `summary.csv` or `components.csv` row whose first two cells are `id` and `second`, with
/// the header.
fn simulate_row(dir: &Path, args: &[&str], report: &str, id: &str, second: &str) -> common::Table {
    let mut all = vec!["simulate", "--quiet", "--no-charts", "--out", "out"];
    all.extend(args);
    common::assert_success(&common::run_in(dir, &all));
    let mut table = common::Table::read(&dir.join("out").join(report));
    table.rows.retain(|r| r[0] == id && r[1] == second);
    assert_eq!(table.rows.len(), 1, "one {id} {second} row in {report}");
    table
}

#[test]
fn each_revenue_band_and_sector_gets_the_rate_the_table_gives() {
    let sectors = [
        ("", 1.0),
        ("52", 1.3),
        ("5221", 1.3),
        ("Healthcare", 1.3),
        ("public sector", 1.5),
        ("Construction", 0.6),
        ("knitting", 1.0),
    ];
    let mut book = String::from("id,records,revenue,industry\n");
    let mut expected = Vec::new();
    for (b, (below, rate)) in BANDS.iter().enumerate() {
        let revenue = if below.is_finite() { below * 0.5 } else { 5e11 };
        for (s, (industry, multiplier)) in sectors.iter().enumerate() {
            let id = format!("b{b}s{s}");
            book.push_str(&format!("{id},1000,{revenue},{industry}\n"));
            expected.push((id, rate * multiplier));
        }
    }
    let rates = validate_rates(&book);
    assert_eq!(rates.len(), expected.len());
    for ((id, rate), (expected_id, expected_rate)) in rates.iter().zip(&expected) {
        assert_eq!(id, expected_id);
        assert!((rate - expected_rate).abs() <= 1e-6, "{id}: rate {rate}, the table gives {expected_rate}");
    }
    // A band's upper bound belongs to the next band.
    let edge = validate_rates("id,records,revenue\nedge,1000,10000000\n");
    assert_eq!(edge[0].1, 0.02);
}

#[test]
fn a_rows_annual_rate_wins_and_a_row_without_revenue_keeps_the_flat_rate() {
    let rates = validate_rates("id,records,revenue,industry,annual_rate\nown,1000,5e9,52,0.7\nflat,1000,,52,\n");
    assert_eq!(rates, [("own".to_string(), 0.7), ("flat".to_string(), 0.05)]);
}

/// The engine draws with the table's rate: one breach costs exactly 1, so the mean annual
/// loss is the rate; 40,000 Poisson years give it within 4 standard errors.
#[test]
fn simulated_breaches_follow_the_firmographic_rate() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "book.csv", "id,records,revenue,industry\nbank,1000,5e9,finance\n");
    let assumptions = common::read_text(&common::manifest_path("assumptions/default.toml"));
    // The shipped frequency table, one component costing 1 per breach.
    let start = assumptions.find("[frequency]").expect("frequency");
    let end = assumptions.find("\n[breach]\n").expect("breach");
    let toml = format!("{}\n[[component]]\nname = \"one\"\nfixed = 1\n", &assumptions[start..end]);
    common::write(dir.path(), "a.toml", toml);
    let args = ["--iterations", "40000", "--exposures", "book.csv", "--assumptions", "a.toml"];
    let summary = simulate_row(dir.path(), &args, "summary.csv", "bank", "gross");
    let mean = summary.num(&summary.rows[0], "mean");
    let rate = 0.08 * 1.3;
    let se = (rate / 40_000.0f64).sqrt();
    assert!((mean - rate).abs() < 4.0 * se, "mean {mean} vs rate {rate} (se {se})");
}

/// Lost business of one breach is capped at 20% of revenue (the shipped `max_share_of_revenue`):
/// a $1.5M firm's p99 sits on $300K; without a revenue nothing caps it.
#[test]
fn a_tiny_firm_cannot_lose_more_than_its_cap_of_revenue_to_lost_business() {
    let lost_business_p99 = |book: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        common::write(dir.path(), "book.csv", book);
        let args = ["--mode", "breach", "--iterations", "20000", "--exposures", "book.csv"];
        let components = simulate_row(dir.path(), &args, "components.csv", "tiny", "lost_business");
        let row = &components.rows[0];
        (components.num(row, "p95"), components.num(row, "p99"))
    };
    let (p95, p99) = lost_business_p99("id,records,revenue\ntiny,30000,1500000\n");
    assert!(p95 <= 300_000.0 && p99 == 300_000.0, "p95 {p95}, p99 {p99}: the cap binds at 20% of $1.5M");
    let (_, uncapped) = lost_business_p99("id,records\ntiny,30000\n");
    assert!(uncapped > 1_000_000.0, "without a revenue the record-driven cost stands: p99 {uncapped}");
}

/// The cap holds for breaches brought by a systemic event too (costed one at a time): an
/// event that hits every year at most once, no breaches of the firm's own, and a year's
/// gross loss never above 10% of a $3M revenue.
#[test]
fn a_systemic_breach_is_capped_at_the_share_of_revenue_as_well() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "book.csv", "id,records,annual_rate,revenue\nfirm,5000,0,3000000\n");
    common::write(
        dir.path(),
        "a.toml",
        "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\nmax_share_of_revenue = 0.1\n\
         [[systemic]]\nname = \"cloud\"\nannual_rate = 0.9\nmodel = \"bernoulli\"\nfootprint = 1\n",
    );
    let args = ["--iterations", "20000", "--exposures", "book.csv", "--assumptions", "a.toml"];
    let summary = simulate_row(dir.path(), &args, "summary.csv", "firm", "gross");
    assert_eq!(summary.num(&summary.rows[0], "max"), 300_000.0, "the largest year's loss sits on the cap");
}
