//! pricing.csv, ilf.csv and the Open Results Data export, end to end through the binary.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

type Table = Vec<HashMap<String, String>>;

fn read_csv(path: &Path) -> (Vec<String>, Table) {
    let text = std::fs::read_to_string(path).expect("report readable");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").split(',').map(str::to_string).collect();
    let rows = lines.map(|line| header.iter().cloned().zip(line.split(',').map(str::to_string)).collect()).collect();
    (header, rows)
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

fn run_annual(dir: &Path, extra: &[&str]) -> std::path::PathBuf {
    let exposures = dir.join("book.csv");
    std::fs::write(
        &exposures,
        "id,records,data_types,retention,limit,aggregate_limit,share\n\
         small,20000,name;email,50000,1000000,2000000,1\n\
         large,5000000,name;ssn;bank_account,1000000,10000000,20000000,0.5\n\
         unlimited,300000,name;ssn,,,,\n",
    )
    .expect("write exposures");
    let assumptions = dir.join("a.toml");
    std::fs::write(
        &assumptions,
        "[frequency]\nrate = 0.3\n[breach]\naffected_share = { dist = \"beta\", mean = 0.4, sd = 0.3 }\n\
         [[component]]\nname = \"response\"\nfixed = { dist = \"lognormal\", low = 1e5, high = 5e6 }\nper_unit = 2\nexponent = 0.9\n\
         [[component]]\nname = \"monitoring\"\nper_unit = 12\nunit_share = 0.05\ndata_types = [\"ssn\"]\n\
         [pricing]\nexpense_ratio = 0.25\ncost_of_capital = 0.08\ncapital_measure = \"tvar_99\"\n",
    )
    .expect("write assumptions");
    let out = dir.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_breachcost"))
        .args(["simulate", "--quiet", "--no-charts", "--iterations", "20000", "--seed", "9"])
        .arg("--exposures")
        .arg(&exposures)
        .arg("--assumptions")
        .arg(&assumptions)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .status()
        .expect("binary runs");
    assert!(status.success());
    out
}

#[test]
fn pricing_follows_the_stated_formula_from_the_insured_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_annual(dir.path(), &[]);
    let (header, pricing) = read_csv(&out.join("pricing.csv"));
    assert_eq!(
        header,
        [
            "id",
            "expected_loss",
            "sd",
            "risk_load",
            "expense_load",
            "technical_premium",
            "rate_on_line",
            "se_expected_loss",
            "capital"
        ]
    );
    let (_, summary) = read_csv(&out.join("summary.csv"));
    let insured: HashMap<&str, &HashMap<String, String>> =
        summary.iter().filter(|r| r["measure"] == "insured").map(|r| (r["id"].as_str(), r)).collect();
    assert_eq!(pricing.len(), 4, "three policies and the portfolio");
    for row in &pricing {
        let s = insured[row["id"].as_str()];
        let expected = number(s, "mean");
        assert_eq!(number(row, "expected_loss"), expected);
        assert_eq!(number(row, "se_expected_loss"), number(s, "se_mean"));
        let capital = (number(s, "tvar_99") - expected).max(0.0);
        let premium = (expected + 0.08 * capital) / (1.0 - 0.25);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(close(number(row, "technical_premium"), premium), "{row:?}");
        assert!(close(number(row, "expense_load"), 0.25 * premium));
        assert!(close(number(row, "risk_load"), 0.08 * capital));
        assert!(number(row, "technical_premium") >= expected);
    }
    let by_id: HashMap<&str, &HashMap<String, String>> = pricing.iter().map(|r| (r["id"].as_str(), r)).collect();
    // Rate on line = premium / (share × min(limit, aggregate)); blank when unlimited.
    let large = by_id["large"];
    assert!((number(large, "rate_on_line") - number(large, "technical_premium") / 5_000_000.0).abs() < 1e-12);
    assert_eq!(by_id["unlimited"]["rate_on_line"], "");
}

#[test]
fn ilf_table_has_seven_limits_per_exposure_and_basis_rising_from_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_annual(dir.path(), &[]);
    let (header, ilf) = read_csv(&out.join("ilf.csv"));
    assert_eq!(
        header,
        [
            "id",
            "basis",
            "retention",
            "limit",
            "aggregate_limit",
            "expected_insured_loss",
            "sd",
            "ilf",
            "ilf_with_risk_load"
        ]
    );
    assert_eq!(ilf.len(), 3 * 2 * 7);
    for (i, rows) in ilf.chunks(7).enumerate() {
        assert_eq!(rows[0]["basis"], if i % 2 == 0 { "own" } else { "base" });
        let limits: Vec<f64> = rows.iter().map(|r| number(r, "limit")).collect();
        assert_eq!(limits, [1e6, 2e6, 5e6, 10e6, 25e6, 50e6, 100e6]);
        assert_eq!(number(&rows[0], "ilf"), 1.0);
        assert_eq!(number(&rows[0], "ilf_with_risk_load"), 1.0);
        for pair in rows.windows(2) {
            assert!(number(&pair[1], "ilf") >= number(&pair[0], "ilf"));
            assert!(number(&pair[1], "ilf_with_risk_load") >= number(&pair[0], "ilf_with_risk_load"));
        }
    }
}

#[test]
fn ord_files_have_the_standard_columns_and_agree_with_the_exceedance_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_annual(dir.path(), &["--ord"]);
    let (ept_header, ept) = read_csv(&out.join("ord/ept.csv"));
    assert_eq!(ept_header, ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"]);
    let (alt_header, alt) = read_csv(&out.join("ord/alt.csv"));
    assert_eq!(alt_header, ["SummaryId", "SampleType", "MeanLoss", "SDLoss"]);
    let (map_header, map) = read_csv(&out.join("ord/summary_map.csv"));
    assert_eq!(map_header, ["SummaryId", "id"]);
    let ids: HashMap<String, String> = map.iter().map(|r| (r["SummaryId"].clone(), r["id"].clone())).collect();
    assert_eq!(ids.len(), 4);

    let (_, exceedance) = read_csv(&out.join("exceedance.csv"));
    let mut expected: HashMap<(String, String, String), String> = HashMap::new();
    for r in exceedance.iter().filter(|r| r["measure"] == "insured") {
        expected.insert((r["id"].clone(), r["ep_type"].clone(), r["return_period"].clone()), r["loss"].clone());
    }
    let mut checked = 0;
    for r in &ept {
        assert_eq!(r["EPCalc"], "2");
        let ep_type = match r["EPType"].as_str() {
            "1" => "OEP",
            "3" => "AEP",
            "2" | "4" => continue,
            other => panic!("unexpected EPType {other}"),
        };
        let key = (ids[&r["SummaryId"]].clone(), ep_type.to_string(), r["ReturnPeriod"].clone());
        assert_eq!(r["Loss"], expected[&key], "{key:?}");
        checked += 1;
    }
    assert_eq!(checked, 4 * 2 * 11);
    // TVaR at a return period is at least the loss at that return period.
    for pair in ept.chunks(11 * 4) {
        let loss = |ep_type: &str, t: &str| {
            number(pair.iter().find(|r| r["EPType"] == ep_type && r["ReturnPeriod"] == t).expect("row"), "Loss")
        };
        assert!(loss("4", "100") >= loss("3", "100"));
        assert!(loss("2", "100") >= loss("1", "100"));
    }
    let (_, summary) = read_csv(&out.join("summary.csv"));
    for r in &alt {
        assert_eq!(r["SampleType"], "2");
        let id = &ids[&r["SummaryId"]];
        let s = summary.iter().find(|s| &s["id"] == id && s["measure"] == "insured").expect("summary row");
        assert_eq!(r["MeanLoss"], s["mean"]);
        assert_eq!(r["SDLoss"], s["sd"]);
    }
}

#[test]
fn ord_export_in_breach_mode_is_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_breachcost"))
        .args(["simulate", "--mode", "breach", "--ord", "--iterations", "100"])
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(!dir.path().join("out").exists());
}
