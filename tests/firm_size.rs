//! Severity that scales with the firm: a component's cost is multiplied by
//! `(revenue / reference_revenue)^revenue_exponent`, revenues below `min_revenue` count as
//! `min_revenue`, rows without a revenue are costed as the reference firm, and the shipped
//! defaults make a small firm's breach cost less than a large one's at the same size.

mod engine_support;

use breachcost::input::{Mode, DEFAULT_ASSUMPTIONS};
use engine_support::{component, simulate, summary};

const TOML: &str = "[breach]\nreference_revenue = 1e9\nmin_revenue = 1e6\n\
    [[component]]\nname = \"scaled\"\nfixed = 1000\nper_unit = 2\nexponent = 1\nrevenue_exponent = 0.5\n\
    [[component]]\nname = \"flat\"\nfixed = 10\n";

#[test]
fn a_components_cost_grows_as_the_power_of_revenue_it_states() {
    let csv = "id,records,affected,revenue\nbig,100,100,4e9\nsmall,100,100,1e5\nunknown,100,100,\nref,100,100,1e9\n";
    let results = simulate(csv, TOML, Mode::Breach, 1000, 1);
    let gross = |id: &str| summary(&results, id, "gross").mean;
    // (1000 + 2 × 100) × factor + 10.
    assert_eq!(gross("big"), 1200.0 * 2.0 + 10.0);
    assert_eq!(gross("ref"), 1210.0);
    assert_eq!(gross("unknown"), 1210.0, "no revenue: the reference firm");
    let floored = 1200.0 * (1e6f64 / 1e9).powf(0.5) + 10.0;
    assert!((gross("small") - floored).abs() < 1e-9, "below min_revenue: {} vs {floored}", gross("small"));
}

#[test]
fn bad_size_settings_are_input_errors_naming_the_key() {
    for (toml, key) in [
        ("[breach]\nreference_revenue = 0\n[[component]]\nname = \"a\"\nfixed = 1\n", "reference_revenue"),
        ("[breach]\nmin_revenue = -1\n[[component]]\nname = \"a\"\nfixed = 1\n", "min_revenue"),
        ("[[component]]\nname = \"a\"\nfixed = 1\nrevenue_exponent = 3\n", "revenue_exponent"),
        ("[[component]]\nname = \"a\"\nfixed = 1\nrevenue_exponent = \"big\"\n", "revenue_exponent"),
    ] {
        let error = breachcost::input::Assumptions::parse(toml, "a.toml").expect_err(toml).to_string();
        assert!(error.contains("a.toml") && error.contains(key) && !error.contains('\n'), "{error}");
    }
}

#[test]
fn under_the_defaults_the_same_breach_costs_a_small_firm_less_than_a_large_one() {
    let csv = "id,records,affected,data_types,revenue\n\
        small,10000,10000,name;ssn,5e6\nmid,10000,10000,name;ssn,1e9\nlarge,10000,10000,name;ssn,5e10\n";
    let results = simulate(csv, DEFAULT_ASSUMPTIONS, Mode::Breach, 100_000, 5);
    let s = |id: &str| summary(&results, id, "gross");
    let (small, mid, large) = (s("small"), s("mid"), s("large"));
    // Far apart next to their standard errors: the ordering is the model's, not noise.
    assert!(small.mean_ci_high < mid.mean_ci_low && mid.mean_ci_high < large.mean_ci_low);
    let mean = |id: &str, name: &str| component(&results, id, name).map_or(0.0, |c| c.mean);
    for name in ["internal_response", "legal_defense", "forensics", "lost_business"] {
        assert!(mean("small", name) < mean("large", name), "{name} grows with the firm");
    }
    // Per-person costs do not depend on the firm's size.
    for name in ["notification", "credit_monitoring", "call_center"] {
        let (a, b) = (mean("small", name), mean("large", name));
        assert!((a - b).abs() < 0.05 * b, "{name}: {a} vs {b}");
    }
}
