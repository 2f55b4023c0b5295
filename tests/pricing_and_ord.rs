//! ilf.csv and the Open Results Data export, end to end through the binary (pricing.csv:
//! tests/pricing.rs).

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

/// The `(SummaryId → name)` of a summary set's `summary-info` file, with the name's column.
fn summary_info(out: &Path, set: u32) -> (String, HashMap<String, String>) {
    let (header, rows) = read_csv(&out.join(format!("ord/il_S{set}_summary-info.csv")));
    assert_eq!(header.len(), 2, "summary_id and one grouping field: {header:?}");
    assert_eq!(header[0], "summary_id");
    let names = rows.iter().map(|r| (r["summary_id"].clone(), r[&header[1]].clone())).collect();
    (header[1].clone(), names)
}

#[test]
fn ord_files_are_oasis_summary_sets_for_the_portfolio_and_the_exposures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_annual(dir.path(), &["--ord"]);
    let mut names: Vec<String> = std::fs::read_dir(out.join("ord"))
        .expect("ord folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "il_S1_ept.csv",
            "il_S1_palt.csv",
            "il_S1_summary-info.csv",
            "il_S2_ept.csv",
            "il_S2_palt.csv",
            "il_S2_summary-info.csv"
        ]
    );
    // Set 1 is the whole portfolio, described as Oasis describes a set grouped by no field.
    let (field, portfolio) = summary_info(&out, 1);
    assert_eq!((field.as_str(), portfolio.len(), portfolio["1"].as_str()), ("_not_set_", 1, "All-Risks"));
    let (field, exposures) = summary_info(&out, 2);
    assert_eq!(field, "id");
    let mut ids: Vec<&str> = exposures.values().map(String::as_str).collect();
    ids.sort();
    assert_eq!(ids, ["large", "small", "unlimited"]);

    let (_, exceedance) = read_csv(&out.join("exceedance.csv"));
    let mut expected: HashMap<(String, String, String), String> = HashMap::new();
    for r in exceedance.iter().filter(|r| r["measure"] == "insured") {
        expected.insert((r["id"].clone(), r["ep_type"].clone(), r["return_period"].clone()), r["loss"].clone());
    }
    let (_, summary) = read_csv(&out.join("summary.csv"));
    let mut checked = 0;
    for set in [1, 2] {
        let (_, info) = summary_info(&out, set);
        // Our reports' id for a SummaryId: set 1's only one is the portfolio.
        let id = |summary_id: &str| if set == 1 { "PORTFOLIO".to_string() } else { info[summary_id].clone() };
        let (ept_header, ept) = read_csv(&out.join(format!("ord/il_S{set}_ept.csv")));
        assert_eq!(ept_header, ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"]);
        for r in &ept {
            assert_eq!(r["EPCalc"], "2");
            let ep_type = match r["EPType"].as_str() {
                "1" => "OEP",
                "3" => "AEP",
                "2" | "4" => continue,
                other => panic!("unexpected EPType {other}"),
            };
            let key = (id(&r["SummaryId"]), ep_type.to_string(), r["ReturnPeriod"].clone());
            assert_eq!(r["Loss"], expected[&key], "{key:?}");
            checked += 1;
        }
        // TVaR at a return period is at least the loss at that return period.
        for rows in ept.chunks(11 * 4) {
            let loss = |ep_type: &str, t: &str| {
                number(rows.iter().find(|r| r["EPType"] == ep_type && r["ReturnPeriod"] == t).expect("row"), "Loss")
            };
            assert!(loss("4", "100") >= loss("3", "100"));
            assert!(loss("2", "100") >= loss("1", "100"));
        }
        let (palt_header, palt) = read_csv(&out.join(format!("ord/il_S{set}_palt.csv")));
        assert_eq!(palt_header, ["SummaryId", "SampleType", "MeanLoss", "SDLoss"]);
        assert_eq!(palt.len(), info.len(), "one row per SummaryId of set {set}");
        for r in &palt {
            assert_eq!(r["SampleType"], "2");
            let id = id(&r["SummaryId"]);
            let s = summary.iter().find(|s| s["id"] == id && s["measure"] == "insured").expect("summary row");
            assert_eq!(r["MeanLoss"], s["mean"]);
            assert_eq!(r["SDLoss"], s["sd"]);
        }
    }
    assert_eq!(checked, (1 + 3) * 2 * 11, "OEP and AEP at 11 return periods for the portfolio and 3 exposures");
}

#[test]
fn ord_portfolio_mean_loss_appears_once_and_is_the_sum_of_the_exposures_mean_losses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_annual(dir.path(), &["--ord"]);
    let (_, portfolio) = read_csv(&out.join("ord/il_S1_palt.csv"));
    let (_, exposures) = read_csv(&out.join("ord/il_S2_palt.csv"));
    assert_eq!(portfolio.len(), 1, "the portfolio is set 1's only SummaryId");
    let (_, info) = summary_info(&out, 2);
    assert!(!info.values().any(|id| id == "PORTFOLIO"), "set 2 holds the exposures only: {info:?}");
    let total = number(&portfolio[0], "MeanLoss");
    let sum: f64 = exposures.iter().map(|r| number(r, "MeanLoss")).sum();
    assert!(total > 0.0);
    // The portfolio mean sums each year's losses, the exposures' means each exposure's: the
    // same non-negative terms added in another order, which in f64 differ by at most about
    // (20,000 years + 3 exposures) × 2^-53 ≈ 2e-12 of the total.
    assert!((total - sum).abs() <= 1e-9 * total, "portfolio {total} vs sum of exposures {sum}");
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
