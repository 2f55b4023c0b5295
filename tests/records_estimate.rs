//! Records when unknown: a row that gives a revenue but no `records` holds
//! `revenue / 1e6 × records_per_million_revenue` of its sector (the median), times a multiplier
//! drawn per breach (`[records_estimate] multiplier`); a row without `data_types` takes its
//! sector's.

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};

mod common;
mod engine_support;

use engine_support::{assert_within, simulate, summary};

/// A sector holding 2,000 records per $1M, a default of 100 for other industries, a lognormal
/// multiplier with 90% of its draws in 0.2x-5x, and one component costing 1 per affected record,
/// so a breach costs exactly its affected records.
fn assumptions(affected_share: &str) -> String {
    format!(
        "[breach]\naffected_share = {affected_share}\ndata_types = [\"name\"]\n\
         [[sector]]\nname = \"Finance\"\nnames = [\"financial\"]\nrecords_per_million_revenue = 2000\ndata_types = [\"ssn\"]\n\
         [records_estimate]\nrecords_per_million_revenue = 100\nmultiplier = {{ dist = \"lognormal\", low = 0.2, high = 5 }}\n\
         [[component]]\nname = \"per_record\"\nper_unit = 1\n"
    )
}

/// The multiplier's log-sd: its 5th and 95th percentiles are 0.2 and 5.
fn sigma() -> f64 {
    5f64.ln() / engine_support::normal_quantile(0.95)
}

#[test]
fn a_row_with_revenue_and_industry_but_no_records_holds_its_sectors_records_per_revenue() {
    // $50M in finance: 100,000 records at the median. Mean affected = 100,000 × E[multiplier]
    // × E[share] = 1e5 × exp(σ²/2) × 0.3.
    let n = 400_000;
    let results = simulate(
        "id,industry,revenue\nbank,financial,50000000\n",
        &assumptions("{ dist = \"beta\", mean = 0.3, sd = 0.3 }"),
        Mode::Breach,
        n,
        11,
    );
    let s = summary(&results, "bank", "gross");
    let exact = 1e5 * (sigma() * sigma() / 2.0).exp() * 0.3;
    assert_within("mean affected records", s.mean, exact, s.sd / (n as f64).sqrt(), 4.0);
    // An industry no sector lists takes the default density: $50M × 100 = 5,000 at the median.
    let results = simulate("id,industry,revenue\nodd,knitting,50000000\n", &assumptions("1"), Mode::Breach, n, 11);
    let s = summary(&results, "odd", "gross");
    let exact = 5e3 * (sigma() * sigma() / 2.0).exp();
    assert_within("mean records of an unknown industry", s.mean, exact, s.sd / (n as f64).sqrt(), 4.0);
}

#[test]
fn the_spread_of_estimated_records_is_the_assumed_multipliers() {
    // With every record affected, ln(affected) = ln(100,000) + N(0, σ²).
    let n = 200_000u64;
    let exposures = Exposures::from_csv_bytes(b"id,industry,revenue\nbank,financial,50000000\n", "t.csv").unwrap();
    let assumptions = Assumptions::parse(&assumptions("1"), "t.toml").unwrap();
    let model =
        Model::build(&exposures, assumptions, RunSettings { mode: Mode::Breach, iterations: n, seed: 5 }).unwrap();
    let outcomes = simulate_exposures(&model, 0..1, 0..n, &|_| {});
    let logs: Vec<f64> = outcomes[0].outcomes().map(|o| o.gross.ln()).collect();
    assert_eq!(logs.len() as u64, n, "one breach an iteration");
    let mean = logs.iter().sum::<f64>() / n as f64;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let sigma = sigma();
    assert_within("mean log of affected records", mean, 1e5f64.ln(), sigma / (n as f64).sqrt(), 4.0);
    // The sd of n normal draws has a standard error of σ / sqrt(2(n − 1)).
    assert_within("log-sd of affected records", sd, sigma, sigma / (2.0 * (n - 1) as f64).sqrt(), 4.0);
}

#[test]
fn rows_with_records_keep_their_figures_bit_for_bit() {
    // The same row, alone under assumptions without sectors, and beside an estimated row under
    // assumptions with them: its draws and figures do not move.
    let plain = "[breach]\naffected_share = { dist = \"beta\", mean = 0.3, sd = 0.3 }\ndata_types = [\"name\"]\n\
                 [[component]]\nname = \"per_record\"\nper_unit = 1\n";
    let alone = simulate("id,records,annual_rate\nkeep,40000,0.7\n", plain, Mode::Annual, 20_000, 3);
    let beside = simulate(
        "id,records,annual_rate,industry,revenue\nkeep,40000,0.7,,\nguess,,0.7,financial,20000000\n",
        &assumptions("{ dist = \"beta\", mean = 0.3, sd = 0.3 }"),
        Mode::Annual,
        20_000,
        3,
    );
    let (a, b) = (summary(&alone, "keep", "gross"), summary(&beside, "keep", "gross"));
    for (what, x, y) in [("mean", a.mean, b.mean), ("sd", a.sd, b.sd), ("p99", a.p99, b.p99), ("max", a.max, b.max)] {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: {x} alone vs {y} beside an estimated row");
    }
    assert!(summary(&beside, "guess", "gross").mean > 0.0);
}

#[test]
fn a_rows_sector_gives_its_data_types_only_where_the_row_has_none() {
    let toml = format!("{}[[component]]\nname = \"needs_ssn\"\nfixed = 1\ndata_types = [\"ssn\"]\n", assumptions("1"));
    let csv =
        "id,records,industry,data_types\nsector,100,financial,\nown,100,financial,name;email\nother,100,knitting,\n";
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "t.csv").unwrap();
    let assumptions = Assumptions::parse(&toml, "t.toml").unwrap();
    let model =
        Model::build(&exposures, assumptions, RunSettings { mode: Mode::Breach, iterations: 10, seed: 1 }).unwrap();
    let applies: Vec<bool> = model.exposures.iter().map(|e| e.components.contains(&1)).collect();
    assert_eq!(applies, [true, false, false], "the sector's ssn, the row's own types, the default types");
    assert!(model.exposures.iter().all(|e| !e.records_estimated), "records given: nothing estimated");
}

#[test]
fn a_known_affected_count_needs_no_records() {
    let results = simulate("id,affected\ncase,5000\n", &assumptions("0.1"), Mode::Breach, 100, 1);
    let s = summary(&results, "case", "gross");
    assert_eq!((s.mean, s.max), (5000.0, 5000.0), "the affected count, exactly, with no draw");
}

/// Runs the binary in a fresh folder with `book` and `toml`, expecting an input error: exit 2,
/// one line on stderr holding every part of `expected`, nothing written.
fn refused(book: &str, toml: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "book.csv", book);
    common::write(dir.path(), "a.toml", toml);
    let args = ["simulate", "--quiet", "--exposures", "book.csv", "--assumptions", "a.toml", "--out", "out"];
    let output = common::run_in(dir.path(), &args);
    assert_eq!(output.status.code(), Some(2), "{}", common::describe(&output));
    let stderr = common::stderr(&output);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{part:?} missing from: {stderr}");
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn rows_and_tables_that_cannot_give_records_are_one_line_errors() {
    let toml = assumptions("1");
    refused(
        "id,industry,revenue,records\nok,financial,1e6,\nbare,financial,,\n",
        &toml,
        &["book.csv row 2, column records", "revenue"],
    );
    // A revenue, but no figure for its industry and no default.
    let no_default = toml.replace("[records_estimate]\nrecords_per_million_revenue = 100\n", "[records_estimate]\n");
    refused(
        "id,industry,revenue\nodd,knitting,1e6\n",
        &no_default,
        &["book.csv row 1, column records", "\"knitting\"", "records_per_million_revenue"],
    );
    let negative = toml.replace("records_per_million_revenue = 2000", "records_per_million_revenue = -2000");
    refused(
        "id,industry,revenue\nbank,financial,1e6\n",
        &negative,
        &["a.toml: sector[1].records_per_million_revenue: -2000"],
    );
    let old = toml.replace("[[sector]]", "[[frequency.sector]]");
    refused("id,industry,revenue\nbank,financial,1e6\n", &old, &["frequency.sector", "[[sector]]"]);
}

#[test]
fn estimated_rows_give_the_same_reports_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(
        dir.path(),
        "book.csv",
        "id,industry,revenue,records\nbank,financial,50000000,\nclinic,62,20000000,\nshop,retail,3e8,\nkept,retail,3e8,9000\n",
    );
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = format!("out-{threads}");
        let args = ["simulate", "--quiet", "--no-charts", "--exposures", "book.csv", "--iterations", "30000"];
        let mut args = args.to_vec();
        args.extend(["--threads", threads, "--out", &out]);
        common::assert_success(&common::run_in(dir.path(), &args));
        outs.push(common::csv_files(&dir.path().join(&out)));
    }
    assert!(!outs[0].is_empty());
    assert_eq!(outs[0], outs[1], "reports with 1 and 2 threads");
}

#[test]
fn a_portfolio_of_id_industry_and_revenue_alone_runs_and_prices() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(
        dir.path(),
        "book.csv",
        "id,industry,revenue\nbank,52,50000000\nclinic,healthcare,20000000\nshop,retail,300000000\n\
         maker,manufacturing,80000000\ncity,public sector,400000000\nodd,knitting,5000000\n",
    );
    let args =
        ["simulate", "--quiet", "--no-charts", "--exposures", "book.csv", "--iterations", "20000", "--out", "out"];
    common::assert_success(&common::run_in(dir.path(), &args));
    let out = dir.path().join("out");
    let summary = common::Table::read(&out.join("summary.csv"));
    for row in summary.rows.iter().filter(|r| r[1] == "gross") {
        let mean = summary.num(row, "mean");
        assert!(mean.is_finite() && mean > 0.0, "{}: gross mean {mean}", row[0]);
    }
    let pricing = common::Table::read(&out.join("pricing.csv"));
    for row in &pricing.rows {
        let premium = pricing.num(row, "technical_premium");
        assert!(premium.is_finite() && premium > 0.0, "{}: premium {premium}", row[0]);
    }
    let run = common::run_json(&out);
    let estimated = run["records_estimated"].as_array().expect("records_estimated in run.json");
    assert_eq!(estimated.len(), 6, "every row estimated");
    assert_eq!(estimated[0]["id"], "bank");
    assert_eq!(estimated[0]["records_median"].as_f64(), Some(50.0 * 3000.0), "the shipped finance figure");
    let validate = common::run_in(dir.path(), &["validate", "--exposures", "book.csv"]);
    common::assert_success(&validate);
    assert!(common::stdout(&validate).contains("records estimated from revenue and sector for 6 rows"));
}

/// The multiplier is an input of the tornado where records are estimated: held at its 10th and
/// 90th percentiles (exp(±1.2816 σ)), a breach costing its affected records costs that many
/// times the median records (every record affected), exactly.
#[test]
fn sensitivity_holds_the_records_multiplier_of_estimated_rows() {
    use breachcost::analysis::sensitivity::analyse;
    let exposures = Exposures::from_csv_bytes(b"id,industry,revenue\nbank,financial,50000000\n", "t.csv").unwrap();
    let parsed = Assumptions::parse(&assumptions("1"), "t.toml").unwrap();
    let model =
        Model::build(&exposures, parsed, RunSettings { mode: Mode::Breach, iterations: 2000, seed: 3 }).unwrap();
    let s = analyse(&model, &|_| {}).unwrap();
    let row = s.rows.iter().find(|r| r.input == "records_estimate.multiplier").expect("the multiplier's row");
    let z = engine_support::normal_quantile(0.9);
    for (held, value, mean) in [("low", row.low_value, row.mean_at_low), ("high", row.high_value, row.mean_at_high)] {
        let exact = if held == "low" { (-z * sigma()).exp() } else { (z * sigma()).exp() };
        assert!((value - exact).abs() < 1e-9 * exact, "{held}: {value} vs {exact}");
        assert!((mean - 1e5 * value).abs() < 1e-6 * mean, "{held}: mean {mean} vs {}", 1e5 * value);
    }
    // Rows with records have no such input.
    let exposures = Exposures::from_csv_bytes(b"id,records\nbank,1000\n", "t.csv").unwrap();
    let parsed = Assumptions::parse(&assumptions("1"), "t.toml").unwrap();
    let model = Model::build(&exposures, parsed, RunSettings { mode: Mode::Breach, iterations: 200, seed: 3 }).unwrap();
    assert!(analyse(&model, &|_| {}).unwrap().rows.iter().all(|r| r.input != "records_estimate.multiplier"));
}

/// The same kind of book with the terms small and mid-size firms buy prices sensibly: a data
/// breach is part of what a cyber policy covers, so each policy's loss cost (expected loss
/// grossed up for 30% expenses) per $1M of limit sits at or below the market's published
/// premium band for its revenue (never above), and small firms pay hundreds to thousands of
/// dollars, not millions. (The capital charge is left out of the check: in a book of seven
/// policies the largest carry nearly all of its tail.)
#[test]
fn a_revenue_and_industry_book_with_sme_terms_prices_within_the_market() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(
        dir.path(),
        "book.csv",
        "id,industry,revenue,retention,limit,aggregate_limit\n\
         dental,healthcare,2000000,10000,1000000,1000000\nshop,retail,8000000,10000,1000000,1000000\n\
         accountants,54,15000000,25000,1000000,1000000\nfactory,manufacturing,60000000,50000,2000000,2000000\n\
         creditunion,52,80000000,50000,5000000,5000000\nschool,education,120000000,100000,5000000,5000000\n\
         hospital,62,900000000,500000,10000000,10000000\n",
    );
    let args =
        ["simulate", "--quiet", "--no-charts", "--exposures", "book.csv", "--iterations", "50000", "--out", "out"];
    common::assert_success(&common::run_in(dir.path(), &args));
    let pricing = common::Table::read(&dir.path().join("out/pricing.csv"));
    for row in pricing.rows.iter().filter(|r| r[0] != "PORTFOLIO") {
        let loss_cost = pricing.num(row, "expected_loss") / 0.7 / pricing.num(row, "maximum_payout") * 1e6;
        let (low, high) = (pricing.num(row, "market_low"), pricing.num(row, "market_high"));
        assert!(
            loss_cost > 0.05 * low && loss_cost <= high,
            "{}: loss cost ${loss_cost:.0} per $1M (market {low}-{high})",
            row[0]
        );
        assert!(pricing.num(row, "loss_ratio") <= 0.70 + 1e-12, "{}", row[0]);
    }
    let dental = pricing.rows.iter().find(|r| r[0] == "dental").expect("dental row");
    let premium = pricing.num(dental, "technical_premium");
    assert!((100.0..10_000.0).contains(&premium), "a $2M dental practice pays {premium:.0} a year");
}
