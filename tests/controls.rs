//! Security controls (`[[control]]` and the exposures' `controls` column): their multipliers on
//! frequency, probability, cost, the records exposed and notice, against closed forms; the
//! same draws for everything they do not touch; and bad inputs.

mod common;
mod engine_support;

use breachcost::input::Mode;
use common::{describe, run, stderr, write};
use engine_support::{assert_within, component, simulate, summary, Z};

const SEED: u64 = 90210;

/// Breaches at 0.5 a year; `a` costs $1,000 in 80% of them, `b` $100 in all, `c` $1 a record
/// exposed; `x` halves the frequency and `a`'s probability and cuts `b` to 30%; `y` halves the
/// records exposed.
const MODEL: &str = r#"
[frequency]
rate = 0.5
[breach]
affected_share = 1
[[component]]
name = "a"
fixed = 1000
probability = 0.8
[[component]]
name = "b"
fixed = 100
[[component]]
name = "c"
per_unit = 1
[[control]]
name = "x"
frequency = { data_breach = 0.5 }
probability = { a = 0.5 }
cost = { b = 0.3 }
source = "test"
[[control]]
name = "y"
affected_share = 0.5
"#;

#[test]
fn each_multiplier_moves_the_mean_by_its_closed_form() {
    let n = 400_000;
    let csv = "id,records,controls\nnone,1000,\nx,1000,x\nxy,1000,x;Y\n";
    let results = simulate(csv, MODEL, Mode::Annual, n, SEED);
    // A component costing c with probability p at Poisson rate λ: mean λpc, sd c√(λp).
    for (id, rate, p_a, b, records) in
        [("none", 0.5, 0.8, 100.0, 1000.0), ("x", 0.25, 0.4, 30.0, 1000.0), ("xy", 0.25, 0.4, 30.0, 500.0)]
    {
        let check = |name: &str, p: f64, cost: f64| {
            let figures = component(&results, id, name).expect("applies");
            let se = cost * (rate * p / n as f64).sqrt();
            assert_within(&format!("{id} {name}"), figures.mean, rate * p * cost, se, Z);
        };
        check("a", p_a, 1000.0);
        check("b", 1.0, b);
        check("c", 1.0, records);
    }
    // The controls change only what they touch: the uncontrolled row is the row without them.
    let alone = simulate("id,records\nnone,1000\n", MODEL, Mode::Annual, n, SEED);
    assert_eq!(summary(&alone, "none", "gross").mean, summary(&results, "none", "gross").mean);
}

#[test]
fn encryption_halves_the_breaches_that_must_be_notified() {
    let model = r#"
[frequency]
rate = 1
[notice]
data_types = ["ssn"]
otherwise = 0.2
[[component]]
name = "notification"
fixed = 10
needs_notice = true
[[control]]
name = "encryption"
notice = 0.5
"#;
    let n = 200_000;
    let csv = "id,records,data_types,controls\nplain,100,email,\nencrypted,100,email,encryption\n";
    let results = simulate(csv, model, Mode::Breach, n, SEED);
    for (id, p) in [("plain", 0.2), ("encrypted", 0.1)] {
        let notified = component(&results, id, "notification").expect("applies").prob_nonzero;
        assert_within(&format!("{id} notified"), notified, p, (p * (1.0 - p) / n as f64).sqrt(), Z);
    }
}

#[test]
fn bad_controls_are_one_line_errors_naming_the_row_or_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let assumptions = write(dir.path(), "a.toml", MODEL);
    let simulate_files = |csv: &str, toml: &std::path::Path| {
        let exposures = write(dir.path(), "e.csv", csv);
        let out = dir.path().join("out");
        let (e, a, o) = (common::s(&exposures), common::s(toml), common::s(&out));
        let output =
            run(&["simulate", "--exposures", e, "--assumptions", a, "--out", o, "--quiet", "--iterations", "100"]);
        assert!(!out.exists(), "nothing written");
        output
    };
    let output = simulate_files("id,records,controls\nok,10,x\nbad,10,x;yy\n", &assumptions);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = stderr(&output);
    assert!(message.contains("row 2, column controls: no control is called \"yy\" (did you mean \"y\"?)"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    for (toml, expected) in [
        (
            MODEL.replace("frequency = { data_breach = 0.5 }", "frequency = { ransomwar = 0.5 }"),
            "no incident type is called \"ransomwar\"",
        ),
        (MODEL.replace("probability = { a = 0.5 }", "probability = { aa = 0.5 }"), "did you mean \"a\"?"),
        (MODEL.replace("cost = { b = 0.3 }", "cost = { b = -1 }"), "control[1].cost.b: -1 is not a multiplier"),
        (MODEL.replace("affected_share = 0.5", "affected_share = inf"), "inf is not a multiplier"),
        (MODEL.replace("name = \"y\"", "name = \"x\""), "the name is used twice"),
        (MODEL.replace("source = \"test\"", "sorce = \"test\""), "unknown key"),
    ] {
        let assumptions = write(dir.path(), "bad.toml", &toml);
        let output = simulate_files("id,records\nok,10\n", &assumptions);
        assert_eq!(output.status.code(), Some(2), "{expected}: {}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "expected {expected:?} in {message}");
        assert_eq!(message.trim().lines().count(), 1, "{message}");
    }
}
