//! The share of the records a breach exposes falls with the records held: above
//! `[breach] affected_share_pivot` records, a firm holding `H` loses `(H / pivot)^exponent` times
//! the drawn share (`affected_share_exponent`), for its own breaches, systemic ones and the
//! records estimated from revenue alike; without the keys nothing changes.

use breachcost::input::{Assumptions, Mode};

mod common;
mod engine_support;

use engine_support::{assert_within, simulate, summary};

/// One component costing 1 per affected record, so a breach costs exactly its affected records.
fn assumptions(breach: &str) -> String {
    format!("[breach]\n{breach}\ndata_types = [\"name\"]\n[[component]]\nname = \"per_record\"\nper_unit = 1\n")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

#[test]
fn a_large_holding_loses_a_smaller_share_in_closed_form() {
    let breach = "affected_share = 0.5\naffected_share_exponent = -0.4\naffected_share_pivot = 1e6";
    let rows = "id,records\nlarge,100000000\nsmall,500000\nat_pivot,1000000\n";
    let results = simulate(rows, &assumptions(breach), Mode::Breach, 2_000, 3);
    // 1e8 records: 0.5 × 1e8 × 100^-0.4 in every breach; at or below the pivot, the share as drawn.
    let large = 0.5 * 1e8 * 100f64.powf(-0.4);
    for (id, exact) in [("large", large), ("small", 250_000.0), ("at_pivot", 500_000.0)] {
        let s = summary(&results, id, "gross");
        assert!(close(s.mean, exact) && close(s.max, exact) && close(s.p50, exact), "{id}: {} against {exact}", s.mean);
    }
    // Without the keys, the share does not depend on the holding.
    let results = simulate(rows, &assumptions("affected_share = 0.5"), Mode::Breach, 2_000, 3);
    assert!(close(summary(&results, "large", "gross").mean, 5e7));
}

#[test]
fn a_systemic_breach_at_a_large_holding_loses_the_same_smaller_share() {
    // No own breaches; an event that hits every exposure in a year with probability 0.5 (at most
    // once): each year it hits costs exactly the scaled share of the holding.
    let toml = format!(
        "{}[frequency]\nrate = 0\n[[systemic]]\nname = \"mass-exploit\"\nannual_rate = 0.5\nmodel = \"bernoulli\"\nfootprint = 1\n",
        assumptions("affected_share = 0.5\naffected_share_exponent = -0.4\naffected_share_pivot = 1e6")
    );
    let results = simulate("id,records\nlarge,100000000\n", &toml, Mode::Annual, 20_000, 5);
    let s = summary(&results, "large", "gross");
    let exact = 0.5 * 1e8 * 100f64.powf(-0.4);
    assert!(close(s.max, exact) && close(s.p99, exact), "{} against {exact}", s.max);
    let n = 20_000f64;
    assert_within("years hit", s.prob_nonzero, 0.5, (0.25 / n).sqrt(), 4.0);
}

#[test]
fn estimated_records_are_scaled_by_their_own_drawn_holding() {
    // Records from revenue: 100 a $1M at the median (5,000 for $50M), times a lognormal multiplier
    // m with 90% of draws in 0.2x-5x; with the pivot at one record every holding is above it, so
    // affected = (5,000 m)^(1 + e) and E = 5,000^(1 + e) × exp((1 + e)² σ² / 2).
    let e = -0.4;
    let toml = format!(
        "{}[records_estimate]\nrecords_per_million_revenue = 100\nmultiplier = {{ dist = \"lognormal\", low = 0.2, high = 5 }}\n",
        assumptions(&format!("affected_share = 1\naffected_share_exponent = {e}\naffected_share_pivot = 1"))
    );
    let n = 400_000;
    let results = simulate("id,industry,revenue\nfirm,knitting,50000000\n", &toml, Mode::Breach, n, 11);
    let s = summary(&results, "firm", "gross");
    let sigma = 5f64.ln() / engine_support::normal_quantile(0.95);
    let exact = 5e3f64.powf(1.0 + e) * ((1.0 + e) * (1.0 + e) * sigma * sigma / 2.0).exp();
    assert_within("mean affected records", s.mean, exact, s.sd / (n as f64).sqrt(), 4.0);
}

#[test]
fn an_exponent_or_pivot_out_of_range_is_refused_by_name() {
    for (breach, key) in [
        ("affected_share_exponent = 0.5", "affected_share_exponent"),
        ("affected_share_exponent = -2", "affected_share_exponent"),
        ("affected_share_exponent = -0.4\naffected_share_pivot = 0", "affected_share_pivot"),
        ("affected_share_pivot = nan", "affected_share_pivot"),
    ] {
        let why = Assumptions::parse(&assumptions(breach), "a.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(why.contains(key) && why.contains("a.toml"), "{breach}: {why}");
    }
}

#[test]
fn a_control_scales_what_a_breach_exposes_not_the_holding_the_share_looks_at() {
    // A control exposing half the records halves every breach of a large holding exactly: the
    // share by holding is that of the 1e8 records held, not of the 5e7 a breach could reach.
    let toml = format!(
        "{}[[control]]\nname = \"minimise\"\naffected_share = 0.5\n",
        assumptions("affected_share = 0.5\naffected_share_exponent = -0.4\naffected_share_pivot = 1e6")
    );
    let rows = "id,records,controls\nplain,100000000,\nminimised,100000000,minimise\n";
    let results = simulate(rows, &toml, Mode::Breach, 2_000, 3);
    let exact = 0.5 * 1e8 * 100f64.powf(-0.4);
    assert!(close(summary(&results, "plain", "gross").mean, exact));
    assert!(close(summary(&results, "minimised", "gross").mean, 0.5 * exact));
}
