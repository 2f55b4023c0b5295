//! Currencies (`[meta] currency`, `[fx]`, the exposures' `currency` column) and the policy
//! period (`[meta] as_of`, `[trend]`): exact on a constant-cost model, and bad inputs.

mod common;
mod engine_support;

use breachcost::input::Mode;
use common::{describe, run, stderr, write};
use engine_support::{assert_within, simulate, summary, Z};

const SEED: u64 = 1234;

/// A breach costs $1,000 fixed plus a $100,000 capped at 0.1% of revenue.
const MODEL: &str = r#"
[meta]
currency = "USD"
as_of = "2025-01"
[frequency]
rate = 0.5
[[component]]
name = "response"
fixed = 1000
[[component]]
name = "capped"
fixed = 100000
max_share_of_revenue = 0.001
[fx]
EUR = 1.1
GBP = 1.25
"#;

#[test]
fn amounts_in_another_currency_are_converted_exactly() {
    // €20M of revenue is $22M: the capped component costs $22,000; a €10,000 limit pays $11,000.
    let csv = "id,records,revenue,limit,currency\nusd,10,22000000,11000,\neur,10,20000000,10000,eur\n";
    let results = simulate(csv, MODEL, Mode::Breach, 1000, SEED);
    for id in ["usd", "eur"] {
        let gross = summary(&results, id, "gross");
        assert_eq!((gross.p50, gross.max), (23_000.0, 23_000.0), "{id}");
        assert_eq!(summary(&results, id, "insured").max, 11_000.0, "{id}");
    }
}

#[test]
fn the_trend_carries_frequency_and_severity_to_the_policy_period() {
    // From 2025-01-01 to the middle of a year from 2027-01-01: 2.5 years.
    let trended = format!("{MODEL}[trend]\npolicy_start = \"2027-01-01\"\nfrequency = 0.1\nseverity = 0.2\n");
    let csv = "id,records,revenue\nx,10,1000000000\n";
    let (f, s) = (1.1f64.powf(2.5), 1.2f64.powf(2.5));
    let per_breach = simulate(csv, &trended, Mode::Breach, 1000, SEED);
    let cost = summary(&per_breach, "x", "gross").max;
    assert!((cost - 101_000.0 * s).abs() < 1e-9 * cost, "{cost} vs {}", 101_000.0 * s);
    let n = 400_000;
    let years = simulate(csv, &trended, Mode::Annual, n, SEED);
    let rate = 0.5 * f;
    let mean = summary(&years, "x", "gross").mean;
    assert_within("trended annual mean", mean, rate * 101_000.0 * s, 101_000.0 * s * (rate / n as f64).sqrt(), Z);
}

#[test]
fn run_json_and_the_page_state_the_currency_and_trend() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trended = format!("{MODEL}[trend]\npolicy_start = \"2027-01-01\"\nseverity = 0.07\nsource = \"test\"\n");
    let assumptions = write(dir.path(), "a.toml", trended);
    let exposures = write(dir.path(), "e.csv", "id,records,revenue\nx,10,1000000000\n");
    let out = dir.path().join("out");
    let (e, a, o) = (common::s(&exposures), common::s(&assumptions), common::s(&out));
    let output =
        run(&["simulate", "--exposures", e, "--assumptions", a, "--out", o, "--quiet", "--iterations", "2000"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let json = common::run_json(&out);
    assert_eq!(json["currency"], "USD");
    assert_eq!(json["trend"]["years"], 2.5);
    let factor = json["trend"]["severity_factor"].as_f64().expect("a factor");
    assert!((factor - 1.07f64.powf(2.5)).abs() < 1e-12, "{factor}");
    let page = std::fs::read_to_string(out.join("report.html")).expect("page");
    assert!(page.contains("amounts in USD") && page.contains("severity ×1.184"), "the page states them");
}

#[test]
fn bad_currencies_and_dates_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            MODEL.to_string(),
            "id,records,currency\nx,10,EUT\n",
            "row 1, column currency: \"EUT\" has no exchange rate into USD in [fx] (did you mean \"EUR\"?)",
        ),
        (
            MODEL.replace("as_of = \"2025-01\"", "as_of = \"2025-13\""),
            "id,records\nx,10\n",
            "meta.as_of: \"2025-13\" is not a date",
        ),
        (MODEL.replace("EUR = 1.1", "EUR = 0"), "id,records\nx,10\n", "fx.EUR: 0 is not an exchange rate"),
        (MODEL.replace("EUR = 1.1", "eur = 1.1"), "id,records\nx,10\n", "fx.eur: is not a currency code"),
        (
            MODEL.replace("as_of = \"2025-01\"\n", "") + "[trend]\npolicy_start = \"2027-01-01\"\n",
            "id,records\nx,10\n",
            "needs [meta] as_of",
        ),
        (
            format!("{MODEL}[trend]\npolicy_start = \"2027-01-01\"\nseverity = 1.5\n"),
            "id,records\nx,10\n",
            "trend.severity: 1.5 is not an annual trend",
        ),
        (format!("{MODEL}[trend]\nseverity = 0.05\n"), "id,records\nx,10\n", "trend.policy_start: missing"),
    ];
    for (toml, csv, expected) in cases {
        let assumptions = write(dir.path(), "a.toml", &toml);
        let exposures = write(dir.path(), "e.csv", csv);
        let out = dir.path().join("out");
        let (e, a, o) = (common::s(&exposures), common::s(&assumptions), common::s(&out));
        let output =
            run(&["simulate", "--exposures", e, "--assumptions", a, "--out", o, "--quiet", "--iterations", "100"]);
        assert_eq!(output.status.code(), Some(2), "{expected}: {}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "expected {expected:?} in {message}");
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(!out.exists(), "nothing written");
    }
}
