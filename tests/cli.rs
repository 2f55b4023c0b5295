//! End-to-end tests of the `breachcost` command line: they run the compiled binary on the
//! shipped defaults and on small inline fixtures, and check the reports against the contract.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

const ITERATIONS: &str = "2000";

/// The columns the contract promises, in order; the reports may add columns after them.
const SUMMARY_COLUMNS: &str =
    "id,measure,mean,sd,se_mean,p50,p75,p90,p95,p99,p99_5,p99_9,tvar_95,tvar_99,max,prob_nonzero";
const COMPONENTS_COLUMNS: &str = "id,component,mean,sd,p50,p95,p99,share_of_mean,prob_nonzero";
const EXCEEDANCE_COLUMNS: &str = "id,measure,ep_type,return_period,exceedance_probability,loss";
const PRICING_COLUMNS: &str = "id,expected_loss,sd,risk_load,expense_load,technical_premium,rate_on_line";
const RETURN_PERIODS: [u32; 11] = [2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
const MEASURES: [&str; 3] = ["gross", "retained", "insured"];
/// The files every report folder holds (others, like pricing.csv or charts/, may be added).
const REPORT_FILES: [&str; 4] = ["components.csv", "exceedance.csv", "run.json", "summary.csv"];

/// Runs `simulate` with `args` (plus `--out out --quiet`) and asserts success.
fn simulate(out: &Path, args: &[&str]) {
    let mut all = vec!["simulate", "--out", s(out), "--quiet"];
    all.extend_from_slice(args);
    let output = run(&all);
    assert_success(&output);
}

fn first_line(path: &Path) -> String {
    read_text(path).lines().next().unwrap_or_default().to_string()
}

/// The header of `file` is exactly `implemented` (the columns the code writes) and starts
/// with the contract's `promised` columns.
fn check_header(out: &Path, file: &str, promised: &str, implemented: &[&str]) {
    let header = first_line(&out.join(file));
    assert_eq!(header, implemented.join(","), "{file}: header");
    assert!(
        header == promised || header.starts_with(&format!("{promised},")),
        "{file}: the header should start with the contract's columns {promised}: {header}"
    );
}

fn has_all_report_files(out: &Path) {
    let found = entries(out);
    for file in REPORT_FILES {
        assert!(found.contains(file), "{file} missing from {}: {found:?}", out.display());
    }
}

/// Checks every invariant of a report folder that holds for any inputs, and returns the
/// exposure ids in summary order (without PORTFOLIO).
fn check_reports(out: &Path, annual: bool, iterations: u64) -> Vec<String> {
    for file in REPORT_FILES {
        assert!(out.join(file).is_file(), "{file} should be written into {}", out.display());
    }

    // Numbers are plain decimals: no exponents, no NaN or infinities.
    for file in ["summary.csv", "components.csv", "exceedance.csv"] {
        let table = Table::read(&out.join(file));
        let first_number = table.header.iter().position(|h| h == "mean" || h == "return_period").unwrap_or(2);
        for row in &table.rows {
            for cell in &row[first_number..] {
                let value: f64 = cell.parse().unwrap_or_else(|_| panic!("{file}: {cell:?} in {row:?} is not a number"));
                assert!(value.is_finite(), "{file}: {cell:?} in {row:?} is not finite");
                assert!(!cell.contains(['e', 'E']), "{file}: {cell:?} should be a plain decimal");
            }
        }
    }

    // summary.csv
    check_header(out, "summary.csv", SUMMARY_COLUMNS, &breachcost::report::summary::header());
    let summary = Table::read(&out.join("summary.csv"));
    assert!(!summary.rows.is_empty(), "summary.csv has no rows");
    assert_eq!(summary.rows.len() % 3, 0, "summary.csv should have three rows per id");
    let mut ids = Vec::new();
    for group in summary.rows.chunks(3) {
        let id = group[0][0].clone();
        let measures: Vec<&str> = group.iter().map(|r| summary.get(r, "measure")).collect();
        assert_eq!(measures, MEASURES, "rows of {id} should be gross, retained, insured");
        assert!(group.iter().all(|r| r[0] == id), "the three rows of {id} should be together");
        ids.push(id);
    }
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "each id appears in one group of rows: {ids:?}");
    let exposure_ids: Vec<String> = ids.iter().filter(|i| *i != "PORTFOLIO").cloned().collect();
    assert!(!exposure_ids.is_empty(), "summary.csv has no exposure rows");
    if annual {
        assert_eq!(ids.last().map(String::as_str), Some("PORTFOLIO"), "annual mode ends with the PORTFOLIO rows");
        assert_eq!(ids.len(), exposure_ids.len() + 1);
    } else {
        assert_eq!(ids.len(), exposure_ids.len(), "breach mode has no PORTFOLIO rows: {ids:?}");
    }
    for row in &summary.rows {
        let v = |c: &str| summary.num(row, c);
        let chain = ["p50", "p75", "p90", "p95", "p99", "p99_5", "p99_9", "max"];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) <= v(pair[1]), "{} should be <= {} in {row:?}", pair[0], pair[1]);
        }
        for c in ["mean", "sd", "se_mean", "p50", "max", "prob_nonzero"] {
            assert!(v(c) >= 0.0, "{c} should be >= 0 in {row:?}");
        }
        assert!(v("prob_nonzero") <= 1.0, "prob_nonzero should be <= 1 in {row:?}");
        assert!(v("mean") <= v("tvar_99") * (1.0 + 1e-12), "mean should be <= tvar_99 in {row:?}");
        assert!(v("tvar_95") <= v("tvar_99") * (1.0 + 1e-12), "tvar_95 should be <= tvar_99 in {row:?}");
        assert!(v("p99") <= v("tvar_99") * (1.0 + 1e-12), "p99 should be <= tvar_99 in {row:?}");
        assert!(v("tvar_99") <= v("max") * (1.0 + 1e-12), "tvar_99 should be <= max in {row:?}");
        assert!(v("mean") <= v("max") * (1.0 + 1e-12), "mean should be <= max in {row:?}");
        let se = v("sd") / (iterations as f64).sqrt();
        assert!(close(v("se_mean"), se, 1e-9), "se_mean should be sd/sqrt(iterations) in {row:?}");
    }
    for id in &ids {
        let mean = |m: &str| summary.num(summary.row(id, m), "mean");
        let (gross, retained, insured) = (mean("gross"), mean("retained"), mean("insured"));
        assert!(
            (gross - (retained + insured)).abs() <= 1e-9 * gross.abs().max(1e-300),
            "{id}: gross mean {gross} should equal retained {retained} + insured {insured}"
        );
        assert!(insured <= gross * (1.0 + 1e-12), "{id}: insured mean above gross mean");
        let max = |m: &str| summary.num(summary.row(id, m), "max");
        assert!(max("insured") <= max("gross") * (1.0 + 1e-12), "{id}: insured max above gross max");
        assert!(max("retained") <= max("gross") * (1.0 + 1e-12), "{id}: retained max above gross max");
    }
    if annual {
        // The portfolio is the year-by-year sum of the exposures.
        for m in MEASURES {
            let total: f64 = exposure_ids.iter().map(|id| summary.num(summary.row(id, m), "mean")).sum();
            let portfolio = summary.num(summary.row("PORTFOLIO", m), "mean");
            assert!(close(portfolio, total, 1e-9), "PORTFOLIO {m} mean {portfolio} should be the sum {total}");
            let largest = exposure_ids.iter().map(|id| summary.num(summary.row(id, m), "max")).fold(0.0, f64::max);
            assert!(summary.num(summary.row("PORTFOLIO", m), "max") >= largest * (1.0 - 1e-12));
        }
    }

    // components.csv
    check_header(out, "components.csv", COMPONENTS_COLUMNS, &breachcost::report::components::HEADER);
    let components = Table::read(&out.join("components.csv"));
    let component_ids: BTreeSet<&str> = components.rows.iter().map(|r| r[0].as_str()).collect();
    for id in &component_ids {
        assert!(exposure_ids.iter().any(|e| e == id), "components.csv id {id} is not in summary.csv");
    }
    for id in &exposure_ids {
        let rows = components.rows_where("id", id);
        let names: BTreeSet<&str> = rows.iter().map(|r| components.get(r, "component")).collect();
        assert_eq!(names.len(), rows.len(), "{id}: a component is listed twice");
        let gross_mean = summary.num(summary.row(id, "gross"), "mean");
        let share_sum: f64 = rows.iter().map(|r| components.num(r, "share_of_mean")).sum();
        let mean_sum: f64 = rows.iter().map(|r| components.num(r, "mean")).sum();
        if gross_mean > 0.0 {
            assert!((share_sum - 1.0).abs() < 1e-6, "{id}: share_of_mean sums to {share_sum}, expected 1");
            assert!(
                close(mean_sum, gross_mean, 1e-9),
                "{id}: component means sum to {mean_sum}, gross mean {gross_mean}"
            );
        } else {
            assert_eq!(mean_sum, 0.0, "{id}: components cost something but the gross mean is 0");
        }
        for r in rows {
            let v = |c: &str| components.num(r, c);
            assert!(v("mean") >= 0.0 && v("sd") >= 0.0, "{r:?}");
            assert!(v("p50") <= v("p95") && v("p95") <= v("p99"), "component quantiles out of order in {r:?}");
            assert!((0.0..=1.0).contains(&v("prob_nonzero")), "{r:?}");
            assert!((0.0..=1.0 + 1e-9).contains(&v("share_of_mean")), "{r:?}");
        }
    }

    // exceedance.csv
    check_header(out, "exceedance.csv", EXCEEDANCE_COLUMNS, &breachcost::report::exceedance::HEADER);
    let exceedance = Table::read(&out.join("exceedance.csv"));
    let ep_types: &[&str] = if annual { &["AEP", "OEP"] } else { &["BREACH"] };
    assert_eq!(
        exceedance.rows.len(),
        ids.len() * 3 * ep_types.len() * RETURN_PERIODS.len(),
        "exceedance.csv row count"
    );
    let all_types: BTreeSet<&str> = exceedance.rows.iter().map(|r| exceedance.get(r, "ep_type")).collect();
    assert_eq!(all_types, ep_types.iter().copied().collect::<BTreeSet<&str>>());
    for id in &ids {
        for m in MEASURES {
            let mut curves: Vec<Vec<f64>> = Vec::new();
            for ep in ep_types {
                let rows: Vec<&Vec<String>> = exceedance
                    .rows
                    .iter()
                    .filter(|r| r[0] == *id && exceedance.get(r, "measure") == m && exceedance.get(r, "ep_type") == *ep)
                    .collect();
                let periods: Vec<u32> = rows
                    .iter()
                    .map(|r| exceedance.get(r, "return_period").parse().expect("integer return period"))
                    .collect();
                assert_eq!(periods, RETURN_PERIODS, "{id}/{m}/{ep}: return periods");
                let losses: Vec<f64> = rows.iter().map(|r| exceedance.num(r, "loss")).collect();
                for (r, t) in rows.iter().zip(RETURN_PERIODS) {
                    let p = exceedance.num(r, "exceedance_probability");
                    assert!(close(p, 1.0 / f64::from(t), 1e-12), "{id}/{m}/{ep}: probability {p} for T = {t}");
                }
                for pair in losses.windows(2) {
                    assert!(pair[0] <= pair[1], "{id}/{m}/{ep}: losses decrease with the return period: {losses:?}");
                }
                // AEP (annual) and BREACH (breach mode) are the quantiles of summary.csv.
                if *ep != "OEP" {
                    let row = summary.row(id, m);
                    for (t, column) in [(2, "p50"), (20, "p95"), (100, "p99"), (200, "p99_5"), (1000, "p99_9")] {
                        let i = RETURN_PERIODS.iter().position(|x| *x == t).expect("a listed return period");
                        let q = summary.num(row, column);
                        assert!(
                            close(losses[i], q, 1e-9),
                            "{id}/{m}/{ep}: T = {t} loss {} but {column} {q}",
                            losses[i]
                        );
                    }
                }
                curves.push(losses);
            }
            if annual {
                for (i, (aep, oep)) in curves[0].iter().zip(&curves[1]).enumerate() {
                    assert!(
                        *oep <= aep * (1.0 + 1e-9),
                        "{id}/{m}: OEP {oep} above AEP {aep} at T = {}",
                        RETURN_PERIODS[i]
                    );
                }
            }
        }
    }

    // pricing.csv (annual mode): the premium of the insured annual loss, where written.
    if annual && out.join("pricing.csv").exists() {
        let header = first_line(&out.join("pricing.csv"));
        assert!(
            header == PRICING_COLUMNS || header.starts_with(&format!("{PRICING_COLUMNS},")),
            "pricing.csv: the header should start with the contract's columns {PRICING_COLUMNS}: {header}"
        );
        let pricing = Table::read(&out.join("pricing.csv"));
        for id in &exposure_ids {
            let rows = pricing.rows_where("id", id);
            assert_eq!(rows.len(), 1, "pricing.csv should have one row for {id}");
            let expected = pricing.num(rows[0], "expected_loss");
            let insured = summary.num(summary.row(id, "insured"), "mean");
            assert!(close(expected, insured, 1e-9), "{id}: expected_loss {expected} but the insured mean is {insured}");
            assert!(
                pricing.num(rows[0], "technical_premium") >= expected * (1.0 - 1e-12),
                "{id}: premium below the expected loss"
            );
        }
    }

    // run.json
    let json = run_json(out);
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["mode"], if annual { "annual" } else { "breach" });
    assert_eq!(json["iterations"].as_u64(), Some(iterations));
    assert!(json["seed"].is_u64(), "seed should be an integer: {}", json["seed"]);
    assert!(json["threads"].as_u64().is_some_and(|t| t >= 1), "threads: {}", json["threads"]);
    for input in ["exposures", "assumptions"] {
        let hash = json["inputs"][input]["sha256"].as_str().unwrap_or_default();
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "inputs.{input}.sha256 should be 64 lower-case hex digits: {hash:?}"
        );
        assert!(json["inputs"][input]["path"].is_string(), "inputs.{input}.path should be a string");
    }
    assert!(
        json["wall_seconds"].as_f64().is_some_and(|w| w >= 0.0 && w.is_finite()),
        "wall_seconds: {}",
        json["wall_seconds"]
    );
    assert!(json["simulated_breaches"].is_u64(), "simulated_breaches: {}", json["simulated_breaches"]);
    assert!(
        json["breaches_per_second"].as_f64().is_some_and(|b| b >= 0.0 && b.is_finite()),
        "breaches_per_second: {}",
        json["breaches_per_second"]
    );
    assert!(json["assumptions"].is_object(), "run.json should echo the resolved assumptions");
    exposure_ids
}

/// The component names of `[[component]]` tables in a TOML text.
fn component_names(toml_text: &str) -> Vec<String> {
    let doc: toml::Table = toml::from_str(toml_text).expect("the assumptions should be valid TOML");
    doc.get("component")
        .and_then(|c| c.as_array())
        .map(|items| items.iter().filter_map(|c| c.get("name").and_then(|n| n.as_str()).map(str::to_string)).collect())
        .unwrap_or_default()
}

#[test]
fn simulate_on_the_shipped_defaults_writes_four_consistent_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    simulate(&out, &["--iterations", ITERATIONS, "--seed", "7", "--threads", "3"]);
    has_all_report_files(&out);
    let ids = check_reports(&out, true, 2000);
    let json = run_json(&out);
    assert_eq!(json["seed"].as_u64(), Some(7));
    assert_eq!(json["threads"].as_u64(), Some(3));
    assert!(json["inputs"]["exposures"]["path"].as_str().is_some_and(|p| p.contains("built-in")));
    // The built-in sample portfolio: one id per data row of the shipped CSV.
    let shipped = read_text(&manifest_path("assumptions/sample-portfolio.csv"));
    let shipped_rows = shipped.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
    assert_eq!(ids.len(), shipped_rows, "one summary group per sample exposure: {ids:?}");
}

#[test]
fn simulate_on_inline_inputs_reports_every_exposure_and_its_components_in_file_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "book.csv", TEST_EXPOSURES);
    let assumptions = write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    let out = dir.path().join("out");
    simulate(&out, &["--exposures", s(&exposures), "--assumptions", s(&assumptions), "--iterations", ITERATIONS]);
    let ids = check_reports(&out, true, 2000);
    assert_eq!(ids, ["a", "b", "c"]);

    // Components apply by data type: credit_monitoring only where ssn is held.
    let components = Table::read(&out.join("components.csv"));
    let names = |id: &str| -> Vec<String> {
        components.rows_where("id", id).iter().map(|r| components.get(r, "component").to_string()).collect()
    };
    assert_eq!(names("a"), ["legal", "notification", "lost_business"]);
    assert_eq!(names("b"), ["legal", "notification", "credit_monitoring", "lost_business"]);
    assert_eq!(names("c"), ["legal", "notification", "lost_business"]);

    // run.json names the inputs and hashes their bytes.
    let json = run_json(&out);
    assert_eq!(json["inputs"]["exposures"]["sha256"], sha256_hex(TEST_EXPOSURES.as_bytes()));
    assert_eq!(json["inputs"]["assumptions"]["sha256"], sha256_hex(TEST_ASSUMPTIONS.as_bytes()));
    assert!(json["inputs"]["exposures"]["path"].as_str().is_some_and(|p| p.ends_with("book.csv")));
    assert!(json["inputs"]["assumptions"]["path"].as_str().is_some_and(|p| p.ends_with("study.toml")));
    assert_eq!(json["assumptions"]["meta"]["name"], "test assumptions", "the assumptions are echoed");
    assert_eq!(json["iterations"].as_u64(), Some(2000));

    // Uncovered costs are never insured: lost business is retained.
    let summary = Table::read(&out.join("summary.csv"));
    for id in ["a", "b", "c"] {
        let lost: f64 = components
            .rows_where("id", id)
            .iter()
            .filter(|r| components.get(r, "component") == "lost_business")
            .map(|r| components.num(r, "mean"))
            .sum();
        let retained = summary.num(summary.row(id, "retained"), "mean");
        assert!(retained >= lost * (1.0 - 1e-9), "{id}: retained mean {retained} below the uncovered mean {lost}");
    }
}

#[test]
fn breach_mode_gives_breach_exceedance_rows_and_no_portfolio_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("breach");
    simulate(&out, &["--mode", "breach", "--iterations", ITERATIONS]);
    let ids = check_reports(&out, false, 2000);
    for file in ["summary.csv", "components.csv", "exceedance.csv"] {
        assert!(
            !read_text(&out.join(file)).contains("PORTFOLIO"),
            "{file} should have no PORTFOLIO rows in breach mode"
        );
    }
    let json = run_json(&out);
    assert_eq!(json["mode"], "breach");
    // One iteration is one breach of each exposure.
    assert_eq!(json["simulated_breaches"].as_u64(), Some(2000 * ids.len() as u64));
}

#[test]
fn breach_mode_on_inline_inputs_simulates_one_breach_per_iteration_and_exposure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "book.csv", TEST_EXPOSURES);
    let assumptions = write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    let out = dir.path().join("out");
    simulate(
        &out,
        &["--exposures", s(&exposures), "--assumptions", s(&assumptions), "--iterations", "1500", "--mode", "breach"],
    );
    assert_eq!(check_reports(&out, false, 1500), ["a", "b", "c"]);
    assert_eq!(run_json(&out)["simulated_breaches"].as_u64(), Some(4500));
    // Every breach costs something: notification is certain and records > 0.
    let summary = Table::read(&out.join("summary.csv"));
    for id in ["a", "b", "c"] {
        assert_eq!(summary.get(summary.row(id, "gross"), "prob_nonzero"), "1", "{id}: every breach has a cost");
    }
}

#[test]
fn the_mr_cooper_case_runs_in_breach_mode() {
    let case = manifest_path("assumptions/mr-cooper-2023.csv");
    assert!(case.is_file(), "the shipped case study {} is missing", case.display());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("mr-cooper");
    simulate(&out, &["--exposures", s(&case), "--mode", "breach", "--iterations", ITERATIONS]);
    let ids = check_reports(&out, false, 2000);
    assert!(!ids.is_empty());
    let json = run_json(&out);
    let bytes = std::fs::read(&case).expect("the case study should be readable");
    assert_eq!(json["inputs"]["exposures"]["sha256"], sha256_hex(&bytes));
    let summary = Table::read(&out.join("summary.csv"));
    for id in &ids {
        assert!(summary.num(summary.row(id, "gross"), "mean") > 0.0, "{id}: a known breach should cost something");
    }
}

#[test]
fn the_same_seed_gives_byte_identical_reports_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "book.csv", TEST_EXPOSURES);
    let assumptions = write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    for inputs in [vec![], vec!["--exposures", s(&exposures), "--assumptions", s(&assumptions)]] {
        let mut reports = Vec::new();
        for threads in ["1", "2", "8"] {
            let out = dir.path().join(format!("t{threads}-{}", inputs.len()));
            let mut args = vec!["--iterations", "9000", "--seed", "42", "--threads", threads];
            args.extend_from_slice(&inputs);
            simulate(&out, &args);
            reports.push((threads, csv_files(&out)));
        }
        let names: Vec<&String> = reports[0].1.iter().map(|(n, _)| n).collect();
        assert!(names.len() >= 3, "expected at least three CSV reports: {names:?}");
        for (threads, files) in &reports[1..] {
            assert_eq!(files.len(), reports[0].1.len(), "--threads {threads} wrote other CSV files");
            for ((name, bytes), (_, first)) in files.iter().zip(&reports[0].1) {
                assert!(bytes == first, "{name} differs between --threads 1 and --threads {threads}");
            }
        }
    }
}

#[test]
fn a_different_seed_gives_a_different_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (one, two, again) = (dir.path().join("one"), dir.path().join("two"), dir.path().join("again"));
    simulate(&one, &["--iterations", ITERATIONS, "--seed", "1"]);
    simulate(&two, &["--iterations", ITERATIONS, "--seed", "2"]);
    simulate(&again, &["--iterations", ITERATIONS, "--seed", "1"]);
    assert_ne!(read_text(&one.join("summary.csv")), read_text(&two.join("summary.csv")));
    assert_eq!(read_text(&one.join("summary.csv")), read_text(&again.join("summary.csv")));
}

#[test]
fn an_exposure_draws_the_same_losses_wherever_it_sits_in_the_file() {
    // Draws depend only on (seed, exposure, iteration): reordering rows or adding another
    // exposure leaves each exposure's own results unchanged.
    let dir = tempfile::tempdir().expect("tempdir");
    let assumptions = write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    let forward = write(dir.path(), "forward.csv", TEST_EXPOSURES);
    let mut lines: Vec<&str> = TEST_EXPOSURES.lines().collect();
    lines[1..].reverse();
    let mut reversed_text = lines.join("\n");
    reversed_text.push_str("\nd,777,Delta,,1,,,\n");
    let reversed = write(dir.path(), "reversed.csv", reversed_text);
    let (out1, out2) = (dir.path().join("forward"), dir.path().join("reversed"));
    for (file, out) in [(&forward, &out1), (&reversed, &out2)] {
        simulate(out, &["--exposures", s(file), "--assumptions", s(&assumptions), "--iterations", ITERATIONS]);
    }
    let rows_of = |out: &Path, file: &str| -> BTreeSet<String> {
        read_text(&out.join(file))
            .lines()
            .skip(1)
            .filter(|l| ["a,", "b,", "c,"].iter().any(|p| l.starts_with(p)))
            .map(str::to_string)
            .collect()
    };
    for file in ["summary.csv", "components.csv", "exceedance.csv"] {
        assert_eq!(rows_of(&out1, file), rows_of(&out2, file), "{file}: rows of a, b, c changed with the row order");
    }
}

#[test]
fn policy_terms_apply_sublimits_retention_limit_and_share_per_breach() {
    // Constant costs: covered 1000 (sublimit 800) + uncovered 400 per breach.
    let dir = tempfile::tempdir().expect("tempdir");
    let assumptions = write(
        dir.path(),
        "terms.toml",
        r#"
[[component]]
name = "response"
fixed = 1000

[[component]]
name = "lost_business"
fixed = 400
covered = false

[policy]
retention = 300
limit = 500
share = 0.5
sublimits = { response = 800 }
"#,
    );
    let exposures = write(
        dir.path(),
        "terms.csv",
        "id,records,retention,limit,share,sublimit_response\n\
         defaults,100,,,,\n\
         overridden,100,0,inf,1,2000\n\
         big_retention,100,5000,,,\n",
    );
    let out = dir.path().join("out");
    simulate(
        &out,
        &["--exposures", s(&exposures), "--assumptions", s(&assumptions), "--mode", "breach", "--iterations", "500"],
    );
    check_reports(&out, false, 500);
    let summary = Table::read(&out.join("summary.csv"));
    let expect = |id: &str, gross: f64, insured: f64| {
        for (measure, value) in [("gross", gross), ("insured", insured), ("retained", gross - insured)] {
            let row = summary.row(id, measure);
            for column in ["mean", "p50", "p99_9", "max", "tvar_99"] {
                assert!(
                    close(summary.num(row, column), value, 1e-12),
                    "{id}/{measure}/{column}: {} expected {value}",
                    summary.num(row, column)
                );
            }
            assert_eq!(summary.num(row, "sd"), 0.0, "{id}/{measure}: constant losses have sd 0");
        }
    };
    // The retention first: 1000 − 300 = 700 (under the 800 sublimit), limit 500, share 0.5.
    expect("defaults", 1400.0, 250.0);
    // No retention, no limit, full share, sublimit above the cost.
    expect("overridden", 1400.0, 1000.0);
    expect("big_retention", 1400.0, 0.0);
    let components = Table::read(&out.join("components.csv"));
    for r in components.rows_where("id", "defaults") {
        let (name, share) = (components.get(r, "component"), components.num(r, "share_of_mean"));
        let expected = if name == "response" { 1000.0 / 1400.0 } else { 400.0 / 1400.0 };
        assert!(close(share, expected, 1e-12), "{name}: share_of_mean {share}, expected {expected}");
    }
}

#[test]
fn the_aggregate_limit_caps_the_insured_annual_loss_and_oep_is_the_largest_breach() {
    let dir = tempfile::tempdir().expect("tempdir");
    let assumptions = write(
        dir.path(),
        "agg.toml",
        "[frequency]\nrate = 3\n\n[[component]]\nname = \"response\"\nfixed = 1000\n\n[policy]\naggregate_limit = 1500\n",
    );
    let exposures = write(dir.path(), "agg.csv", "id,records\nx,10\n");
    let out = dir.path().join("out");
    simulate(&out, &["--exposures", s(&exposures), "--assumptions", s(&assumptions), "--iterations", "4000"]);
    check_reports(&out, true, 4000);
    let summary = Table::read(&out.join("summary.csv"));
    let insured = summary.row("x", "insured");
    assert_eq!(summary.num(insured, "max"), 1500.0, "the insured year is capped at the aggregate limit");
    // P(N >= 2) = 0.80 for Poisson(3), so the median insured year is at the cap.
    assert_eq!(summary.num(insured, "p50"), 1500.0);
    let gross = summary.row("x", "gross");
    assert!(summary.num(gross, "max") >= 4000.0, "some year has several breaches");
    let (mean, se) = (summary.num(gross, "mean"), summary.num(gross, "se_mean"));
    assert!((mean - 3000.0).abs() < 6.0 * se, "gross mean {mean} should be near rate × cost = 3000 (se {se})");
    // Every breach costs 1000 and P(no breach) = e^-3 ≈ 5%: the OEP is 1000 at every return period.
    let exceedance = Table::read(&out.join("exceedance.csv"));
    let oep: Vec<f64> = exceedance
        .rows
        .iter()
        .filter(|r| r[0] == "x" && r[1] == "gross" && exceedance.get(r, "ep_type") == "OEP")
        .map(|r| exceedance.num(r, "loss"))
        .collect();
    assert_eq!(oep, vec![1000.0; 11]);
}

#[test]
fn quiet_prints_nothing_and_the_default_prints_a_headline_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quiet = run(&["simulate", "--out", s(&dir.path().join("q")), "--iterations", ITERATIONS, "--quiet"]);
    assert_success(&quiet);
    assert!(quiet.stdout.is_empty(), "--quiet printed on stdout: {}", stdout(&quiet));
    assert!(quiet.stderr.is_empty(), "--quiet printed on stderr: {}", stderr(&quiet));

    let out = dir.path().join("loud");
    let loud = run(&["simulate", "--out", s(&out), "--iterations", ITERATIONS]);
    assert_success(&loud);
    let text = stdout(&loud);
    for word in ["mean", "p50", "p95", "p99", "tvar_99", "PORTFOLIO"] {
        assert!(text.contains(word), "the headline should mention {word}:\n{text}");
    }
    let summary = Table::read(&out.join("summary.csv"));
    for id in summary.rows.iter().map(|r| &r[0]).take(30) {
        assert!(text.contains(id.as_str()), "the headline should list {id}:\n{text}");
    }
    assert!(loud.stderr.is_empty(), "no progress bar when stderr is not a terminal: {}", stderr(&loud));
}

#[test]
fn cli_flags_override_the_simulation_table_of_the_assumptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("[simulation]\nmode = \"breach\"\niterations = 300\nseed = 99\n{TEST_ASSUMPTIONS}");
    let assumptions = write(dir.path(), "study.toml", text);
    let exposures = write(dir.path(), "book.csv", TEST_EXPOSURES);
    let from_file = dir.path().join("from-file");
    simulate(&from_file, &["--exposures", s(&exposures), "--assumptions", s(&assumptions)]);
    let json = run_json(&from_file);
    assert_eq!(
        (json["mode"].as_str(), json["iterations"].as_u64(), json["seed"].as_u64()),
        (Some("breach"), Some(300), Some(99))
    );
    check_reports(&from_file, false, 300);

    let flags = dir.path().join("flags");
    simulate(
        &flags,
        &[
            "--exposures",
            s(&exposures),
            "--assumptions",
            s(&assumptions),
            "--mode",
            "annual",
            "--iterations",
            "400",
            "--seed",
            "5",
        ],
    );
    let json = run_json(&flags);
    assert_eq!(
        (json["mode"].as_str(), json["iterations"].as_u64(), json["seed"].as_u64()),
        (Some("annual"), Some(400), Some(5))
    );
    check_reports(&flags, true, 400);
}

#[test]
fn run_json_echoes_the_seed_actually_used_in_the_resolved_assumptions() {
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in ["5", "18446744073709551615"] {
        let out = dir.path().join(format!("seed-{seed}"));
        simulate(&out, &["--iterations", "100", "--seed", seed]);
        let json = run_json(&out);
        assert_eq!(json["seed"].to_string(), seed);
        assert_eq!(
            json["assumptions"]["simulation"]["seed"].to_string(),
            seed,
            "the resolved [simulation] table should hold the seed used"
        );
    }
}

#[test]
fn a_single_iteration_still_writes_valid_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("one");
    simulate(&out, &["--iterations", "1"]);
    check_reports(&out, true, 1);
}

#[test]
fn validate_on_the_defaults_exits_0_and_lists_the_components() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run_in(dir.path(), &["validate"]);
    assert_success(&output);
    let text = stdout(&output);
    let names = component_names(&read_text(&manifest_path("assumptions/default.toml")));
    assert!(!names.is_empty(), "the shipped defaults should have components");
    for name in names {
        assert!(text.contains(&name), "validate should list the component {name}:\n{text}");
    }
    assert!(entries(dir.path()).is_empty(), "validate should write nothing: {:?}", entries(dir.path()));
}

#[test]
fn validate_prints_what_it_understood_from_given_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "book.csv", TEST_EXPOSURES);
    write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    let output = run_in(dir.path(), &["validate", "--exposures", "book.csv", "--assumptions", "study.toml"]);
    assert_success(&output);
    let text = stdout(&output);
    for word in ["legal", "notification", "credit_monitoring", "lost_business", "book.csv", "study.toml"] {
        assert!(text.contains(word), "validate should mention {word}:\n{text}");
    }
    for id in ["a", "b", "c"] {
        assert!(
            text.lines().any(|l| l.split_whitespace().next() == Some(id)),
            "validate should list exposure {id}:\n{text}"
        );
    }
    assert_eq!(
        entries(dir.path()),
        ["book.csv", "study.toml"].iter().map(|x| x.to_string()).collect(),
        "validate wrote files"
    );
}

#[test]
fn validate_prints_unlimited_policy_limits_readably() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "book.csv", "id,records\na,1000\n");
    let assumptions = write(dir.path(), "study.toml", "[[component]]\nname = \"legal\"\nfixed = 5\n");
    let output = run(&["validate", "--exposures", s(&exposures), "--assumptions", s(&assumptions)]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(!text.contains("infT"), "an infinite limit should not print as $infT:\n{text}");
}

#[test]
fn init_writes_the_embedded_defaults_which_validate_accepts_and_simulate_runs_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    let output = run(&["init", s(&study)]);
    assert_success(&output);
    assert_eq!(entries(&study), ["assumptions.toml", "exposures.csv"].iter().map(|x| x.to_string()).collect());
    let exposures = study.join("exposures.csv");
    let assumptions = study.join("assumptions.toml");

    let output = run(&["validate", "--exposures", s(&exposures), "--assumptions", s(&assumptions)]);
    assert_success(&output);

    let from_init = dir.path().join("from-init");
    simulate(&from_init, &["--exposures", s(&exposures), "--assumptions", s(&assumptions), "--iterations", ITERATIONS]);
    check_reports(&from_init, true, 2000);

    // init writes exactly the built-in inputs: same bytes, same reports.
    let built_in = dir.path().join("built-in");
    simulate(&built_in, &["--iterations", ITERATIONS]);
    let (a, b) = (run_json(&from_init), run_json(&built_in));
    assert_eq!(a["inputs"]["exposures"]["sha256"], b["inputs"]["exposures"]["sha256"]);
    assert_eq!(a["inputs"]["assumptions"]["sha256"], b["inputs"]["assumptions"]["sha256"]);
    for file in ["summary.csv", "components.csv", "exceedance.csv"] {
        assert_eq!(
            read_text(&from_init.join(file)),
            read_text(&built_in.join(file)),
            "{file} differs from the built-in run"
        );
    }
}

#[test]
fn init_refuses_to_overwrite_existing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    assert_success(&run(&["init", s(&study)]));
    write(&study, "assumptions.toml", "# mine\n");
    let before = entries(&study);
    let again = run(&["init", s(&study)]);
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));
    let err = stderr(&again);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(err.starts_with("error: ") && err.contains("exists"), "{err}");
    assert_eq!(read_text(&study.join("assumptions.toml")), "# mine\n", "the existing file was overwritten");
    assert_eq!(entries(&study), before);

    // Only one of the two files present: still refused, and the other is not written.
    let half = dir.path().join("half");
    std::fs::create_dir(&half).expect("mkdir");
    write(&half, "exposures.csv", "id,records\nmine,1\n");
    let output = run(&["init", s(&half)]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert_eq!(entries(&half), ["exposures.csv".to_string()].into_iter().collect());
    assert_eq!(read_text(&half.join("exposures.csv")), "id,records\nmine,1\n");

    // A file where the folder should be.
    let file = write(dir.path(), "a-file", "x");
    let output = run(&["init", s(&file)]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert_eq!(read_text(&file), "x");
}

#[test]
fn a_rerun_replaces_the_report_folder_completely() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    simulate(&out, &["--iterations", ITERATIONS, "--seed", "1"]);
    assert!(out.join("charts").is_dir());
    simulate(&out, &["--iterations", "1000", "--seed", "2", "--no-charts"]);
    has_all_report_files(&out);
    assert!(!out.join("charts").exists(), "the previous run's charts should be gone");
    assert!(!out.join("report.html").exists(), "the previous run's report.html should be gone");
    assert_eq!(run_json(&out)["seed"].as_u64(), Some(2));
    check_reports(&out, true, 1000);
    assert_eq!(
        entries(dir.path()),
        ["report".to_string()].into_iter().collect(),
        "nothing left beside the report folder"
    );
}

#[test]
fn a_rerun_refuses_a_report_folder_holding_a_file_breachcost_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    simulate(&out, &["--iterations", ITERATIONS, "--seed", "1"]);
    write(&out, "my-notes.txt", "mine");
    let before = snapshot(&out);
    let output = run(&["simulate", "--out", s(&out), "--quiet", "--iterations", "1000"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(err.contains("my-notes.txt"), "the error should name the file: {err}");
    assert!(before == snapshot(&out), "the report folder was changed");
    assert_eq!(entries(dir.path()), ["report".to_string()].into_iter().collect());
}

#[test]
fn out_pointing_at_a_foreign_non_empty_folder_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let precious = dir.path().join("precious");
    std::fs::create_dir(&precious).expect("mkdir");
    write(&precious, "thesis.docx", "do not delete");
    let output = run(&["simulate", "--out", s(&precious), "--iterations", ITERATIONS]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(err.starts_with("error: ") && err.contains("precious"), "{err}");
    assert_eq!(entries(&precious), ["thesis.docx".to_string()].into_iter().collect());
    assert_eq!(read_text(&precious.join("thesis.docx")), "do not delete");
    assert_eq!(entries(dir.path()), ["precious".to_string()].into_iter().collect(), "nothing written beside it");
}

#[test]
fn an_empty_existing_out_folder_and_missing_parent_folders_are_fine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    simulate(&empty, &["--iterations", "500"]);
    check_reports(&empty, true, 500);
    let nested = dir.path().join("a").join("b").join("c");
    simulate(&nested, &["--iterations", "500"]);
    check_reports(&nested, true, 500);
}

#[test]
fn no_temporary_folders_or_locks_remain_beside_the_out_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    simulate(&out, &["--iterations", "500"]);
    simulate(&out, &["--iterations", "500"]);
    assert_eq!(entries(dir.path()), ["report".to_string()].into_iter().collect());
}

#[test]
fn the_default_out_folder_is_reports_latest_in_the_working_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run_in(dir.path(), &["simulate", "--iterations", "500", "--quiet"]);
    assert_success(&output);
    check_reports(&dir.path().join("reports").join("latest"), true, 500);
    assert_eq!(entries(&dir.path().join("reports")), ["latest".to_string()].into_iter().collect());
}

#[test]
fn simulate_help_mentions_examples() {
    let output = run(&["simulate", "--help"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains("Examples"), "simulate --help should show examples:\n{text}");
    assert!(text.contains("breachcost simulate"), "{text}");
    for flag in ["--exposures", "--assumptions", "--out", "--mode", "--iterations", "--seed", "--threads", "--quiet"] {
        assert!(text.contains(flag), "simulate --help should document {flag}:\n{text}");
    }
    let top = run(&["--help"]);
    assert_success(&top);
    for command in ["simulate", "validate", "init"] {
        assert!(stdout(&top).contains(command), "--help should list {command}");
    }
    let version = run(&["--version"]);
    assert_success(&version);
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_parquet_exposures_file_gives_the_same_reports_as_the_same_table_in_csv() {
    use polars::prelude::{df, ParquetWriter};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut frame = df!(
        "id" => ["a", "b", "c"],
        "records" => [1000i64, 2_000_000, 50_000],
        "name" => ["Alpha", "Beta", "Gamma"],
        "data_types" => [None, Some("ssn;name"), Some("email")],
        "annual_rate" => [None, Some(0.5), Some(2.0)],
        "retention" => [None, Some(50000.0), None],
        "limit" => [None, None, Some(1e6)],
        "share" => [None, Some(0.8), None]
    )
    .expect("a small data frame");
    let parquet = dir.path().join("book.parquet");
    let file = std::fs::File::create(&parquet).expect("the Parquet file should be creatable");
    ParquetWriter::new(file).finish(&mut frame).expect("the Parquet file should be writable");
    let csv = write(dir.path(), "book.csv", TEST_EXPOSURES);
    let assumptions = write(dir.path(), "study.toml", TEST_ASSUMPTIONS);
    let (from_parquet, from_csv) = (dir.path().join("parquet"), dir.path().join("csv"));
    for (input, out) in [(&parquet, &from_parquet), (&csv, &from_csv)] {
        simulate(out, &["--exposures", s(input), "--assumptions", s(&assumptions), "--iterations", ITERATIONS]);
    }
    check_reports(&from_parquet, true, 2000);
    for file in ["summary.csv", "components.csv", "exceedance.csv"] {
        assert_eq!(
            read_text(&from_parquet.join(file)),
            read_text(&from_csv.join(file)),
            "{file} differs between the Parquet and the CSV exposures"
        );
    }
}

#[test]
fn an_exposure_cannot_be_confused_with_the_portfolio_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "book.csv", "id,records\nPORTFOLIO,1000\nb,50\n");
    let out = dir.path().join("out");
    let output = run(&["simulate", "--exposures", s(&exposures), "--out", s(&out), "--iterations", "500", "--quiet"]);
    if output.status.code() == Some(0) {
        // Accepted: then (id, measure) must still identify one row.
        let summary = Table::read(&out.join("summary.csv"));
        let keys: BTreeSet<(String, String)> = summary.rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        assert_eq!(keys.len(), summary.rows.len(), "summary.csv has two rows with the same id and measure");
    } else {
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        assert!(stderr(&output).contains("PORTFOLIO"), "{}", describe(&output));
        assert!(!out.exists());
    }
}

#[test]
fn a_killed_run_leaves_the_previous_reports_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    simulate(&out, &["--iterations", "500"]);
    let before = snapshot(&out);
    // A run long enough to be killed mid-way on any machine: 1000 breaches a year, two million years.
    let exposures = write(dir.path(), "book.csv", "id,records,annual_rate\nbusy,100000,1000\n");
    let mut child = bin()
        .args(["simulate", "--exposures", s(&exposures), "--out", s(&out), "--iterations", "2000000", "--quiet"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the breachcost binary should start");
    std::thread::sleep(std::time::Duration::from_millis(400));
    let still_running = child.try_wait().expect("the child's status should be readable").is_none();
    child.kill().expect("the child should be killable");
    child.wait().expect("the killed child should be reaped");
    assert!(still_running, "the long run finished before it could be killed; make it longer");
    assert!(before == snapshot(&out), "a killed run changed the report folder");

    // The next run cleans up whatever the killed run left beside the folder.
    simulate(&out, &["--iterations", "500"]);
    let left: Vec<String> = entries(dir.path()).into_iter().filter(|n| n.contains("breachcost-")).collect();
    assert!(left.is_empty(), "left-overs of the killed run remain: {left:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_out_folder_that_cannot_be_created_is_refused_before_simulating() {
    // Nothing can be created in /proc, whatever the user's permissions (even root's).
    let target = format!("/proc/breachcost-test-{}", std::process::id());
    let output = run(&["simulate", "--out", &target, "--iterations", "100"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let err = stderr(&output);
    assert!(err.starts_with("error: ") && err.contains(&target), "{err}");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err:?}");
    assert!(output.stdout.is_empty(), "no headline after a failed run: {}", stdout(&output));

    let output = run(&["init", &target]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", describe(&output));
}
