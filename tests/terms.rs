//! Policy terms in the market's order (the retention first, shared across the covered
//! components by cost; each component's sublimit; the per-breach limit; per year each
//! component's aggregate sublimit, the aggregate limit, the share), and increased-limit
//! factors whose aggregate limit moves with the limit. Constant costs give exact answers.

mod engine_support;

use breachcost::engine::{simulate_exposures, Model, Outcome, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use engine_support::*;

fn outcomes(csv: &str, toml: &str, mode: Mode, iterations: u64, seed: u64) -> Vec<Outcome> {
    let assumptions = Assumptions::parse(toml, "test.toml").expect("assumptions parse");
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "test.csv").expect("exposures parse");
    let model = Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed }).expect("model builds");
    simulate_exposures(&model, 0..1, 0..iterations, &|_| {}).remove(0).outcomes().collect()
}

#[test]
fn a_60k_public_relations_cost_with_a_50k_sublimit_and_a_10k_retention_pays_50k() {
    let toml = "[breach]\naffected_share = 1\n[[component]]\nname = \"public_relations\"\nfixed = 60000\n";
    let csv = "id,records,retention,sublimit_public_relations\nx,10,10000,50000\n";
    let results = simulate(csv, toml, Mode::Breach, 10, 1);
    assert_eq!(summary(&results, "x", "insured").mean, 50_000.0);
    assert_eq!(summary(&results, "x", "retained").mean, 10_000.0);
}

#[test]
fn the_retention_is_shared_by_cost_and_uncovered_costs_neither_insured_nor_eroding_it() {
    // Covered a = 60K (sublimit 50K) and b = 40K; lost business 1M, not covered. The 10K
    // retention takes 10% of each covered cost: a keeps 54K, capped at 50K; b keeps 36K.
    let toml = "[breach]\naffected_share = 1\n\
        [[component]]\nname = \"a\"\nfixed = 60000\n\
        [[component]]\nname = \"b\"\nfixed = 40000\n\
        [[component]]\nname = \"lost_business\"\nfixed = 1000000\ncovered = false\n\
        [policy]\nretention = 10000\nsublimits = { a = 50000 }\n";
    let results = simulate("id,records\nx,10\n", toml, Mode::Breach, 10, 2);
    assert_eq!(summary(&results, "x", "insured").mean, 86_000.0);
    // A retention above the covered cost leaves nothing, whatever the uncovered cost.
    let results = simulate("id,records,retention\nx,10,100000\n", toml, Mode::Breach, 10, 2);
    assert_eq!(summary(&results, "x", "insured").mean, 0.0);
}

#[test]
fn the_per_breach_limit_caps_the_sum_of_the_sublimited_payments_then_the_share_applies() {
    let toml = "[breach]\naffected_share = 1\n[[component]]\nname = \"a\"\nfixed = 1000\n[[component]]\nname = \"b\"\nfixed = 500\n\
        [policy]\nsublimits = { a = 600 }\nretention = 300\nshare = 0.5\n";
    // 1500 covered, 80% above the retention: a 800 capped at 600, b 400: 1000 before the limit.
    for (limit, insured) in [("2000", 500.0), ("700", 350.0)] {
        let results = simulate(&format!("id,records,limit\nx,1,{limit}\n"), toml, Mode::Breach, 3, 501);
        assert_eq!(summary(&results, "x", "insured").mean, insured, "limit {limit}");
    }
}

#[test]
fn an_aggregate_sublimit_caps_what_a_year_pays_for_its_component() {
    // Each breach: a = 20K, b = 5K. a may cost the insurer 50K a year, from the column or the
    // [policy] default.
    let toml = "[frequency]\nrate = 3\n[breach]\naffected_share = 1\n\
        [[component]]\nname = \"a\"\nfixed = 20000\n[[component]]\nname = \"b\"\nfixed = 5000\n";
    let with_default = format!("{toml}[policy]\naggregate_sublimits = {{ a = 50000 }}\n");
    for (csv, toml) in [
        ("id,records,aggregate_sublimit_a\nx,10,50000\n", toml.to_string()),
        ("id,records\nx,10\n", with_default.clone()),
    ] {
        let years = outcomes(csv, &toml, Mode::Annual, 20_000, 3);
        let mut capped = 0;
        for o in &years {
            let breaches = (o.gross / 25_000.0).round();
            let expected = (20_000.0 * breaches).min(50_000.0) + 5_000.0 * breaches;
            assert_eq!(o.insured, expected, "{o:?}");
            assert_eq!(o.largest_insured, 25_000.0);
            capped += usize::from(breaches >= 3.0);
        }
        assert!(capped > 1000, "the aggregate sublimit should bind in many years");
    }
    // The column overrides the default; inf lifts it.
    let years = outcomes("id,records,aggregate_sublimit_a\nx,10,inf\n", &with_default, Mode::Annual, 2_000, 3);
    assert!(years.iter().all(|o| o.insured == o.gross));
}

#[test]
fn with_a_per_breach_limit_the_limited_payment_is_shared_pro_rata_before_the_aggregate_sublimits() {
    // a = 30K and b = 30K a breach, limited to 40K: 20K each. a's aggregate sublimit 25K, then
    // a 100K aggregate limit, then a share of 0.5.
    let toml = "[frequency]\nrate = 2\n[breach]\naffected_share = 1\n\
        [[component]]\nname = \"a\"\nfixed = 30000\n[[component]]\nname = \"b\"\nfixed = 30000\n\
        [policy]\nlimit = 40000\naggregate_limit = 100000\nshare = 0.5\naggregate_sublimits = { a = 25000 }\n";
    for o in outcomes("id,records\nx,10\n", toml, Mode::Annual, 20_000, 4) {
        let breaches = (o.gross / 60_000.0).round();
        let expected = 0.5 * ((20_000.0 * breaches).min(25_000.0) + 20_000.0 * breaches).min(100_000.0);
        assert!((o.insured - expected).abs() <= 1e-9 * expected, "{o:?}: expected {expected}");
        assert!((o.retained() + o.insured - o.gross).abs() <= 1e-9 * o.gross);
    }
}

#[test]
fn aggregate_sublimits_do_not_apply_in_breach_mode() {
    let toml = "[breach]\naffected_share = 1\n[[component]]\nname = \"a\"\nfixed = 20000\n\
        [policy]\naggregate_sublimits = { a = 5000 }\n";
    let results = simulate("id,records\nx,10\n", toml, Mode::Breach, 10, 5);
    assert_eq!(summary(&results, "x", "insured").mean, 20_000.0);
}

/// A heavy-tailed exposure whose breaches often exceed every limit.
fn heavy(rate: f64) -> String {
    format!(
        "[frequency]\nrate = {rate}\n[breach]\naffected_share = 1\n\
         [[component]]\nname = \"all\"\nfixed = {{ dist = \"lognormal\", mu = 14, sigma = 2.5 }}\n"
    )
}

#[test]
fn ilfs_strictly_increase_for_a_policy_whose_aggregate_equals_its_limit() {
    let csv = "id,records,limit,aggregate_limit\nx,10,1000000,1000000\n";
    let results = simulate(csv, &heavy(0.5), Mode::Annual, 50_000, 6);
    let layers = &results.exposures[0].layers;
    for basis in 0..2 {
        let means = layers.mean[basis];
        for pair in means.windows(2) {
            assert!(pair[1] > pair[0], "ILF layers must strictly increase: {means:?}");
        }
        // The $100M layer with a $100M aggregate is far above the $1M one.
        assert!(means[6] > 3.0 * means[0], "{means:?}");
    }
    // At the policy's own limit the layer is the policy.
    let insured = &results.exposures[0].measures.insured.summary;
    assert!((layers.mean[0][0] - insured.mean).abs() <= 1e-9 * insured.mean);
    assert!((layers.sd[0][0] - insured.sd).abs() <= 1e-6 * insured.sd, "{} vs {}", layers.sd[0][0], insured.sd);
}

#[test]
fn a_fixed_aggregate_keeps_the_ilfs_of_a_policy_whose_aggregate_equals_its_limit_flat() {
    let csv = "id,records,limit,aggregate_limit\nx,10,1000000,1000000\n";
    let toml = format!("{}[pricing]\nilf_aggregate = \"fixed\"\n", heavy(0.5));
    let results = simulate(csv, &toml, Mode::Annual, 50_000, 6);
    let means = results.exposures[0].layers.mean[0];
    for m in means {
        assert!((m - means[0]).abs() <= 1e-12 * means[0], "{means:?}");
    }
}

#[test]
fn the_layer_sd_at_the_policys_own_terms_is_the_insured_sd_with_several_breaches_a_year() {
    // Several breaches a year: the squares of years need the cross products of their breaches.
    for (csv, what) in [
        ("id,records,retention,limit\nx,10,50000,5000000\n", "no aggregate (linear)"),
        ("id,records,retention,limit,aggregate_limit,share\nx,10,50000,5000000,8000000,0.6\n", "an aggregate"),
    ] {
        for mode in [Mode::Annual, Mode::Breach] {
            let results = simulate(csv, &heavy(2.5), mode, 20_000, 7);
            let e = &results.exposures[0];
            let insured = &e.measures.insured.summary;
            // Column 2 is the $5M limit: the policy's own.
            let (mean, sd) = (e.layers.mean[0][2], e.layers.sd[0][2]);
            assert!((mean - insured.mean).abs() <= 1e-9 * insured.mean, "{what} {mode:?}: {mean} vs {}", insured.mean);
            assert!((sd - insured.sd).abs() <= 1e-6 * insured.sd, "{what} {mode:?}: {sd} vs {}", insured.sd);
        }
    }
}

#[test]
fn the_base_retention_is_the_most_common_one_or_the_one_given() {
    let csv = "id,records,retention\na,10,25000\nb,10,10000\nc,10,25000\nd,10,10000\ne,10,0\n";
    let build = |toml: &str| {
        let assumptions = Assumptions::parse(toml, "t.toml").expect("assumptions");
        let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "t.csv").expect("exposures");
        let settings = RunSettings { mode: Mode::Annual, iterations: 1000, seed: 1 };
        Model::build(&exposures, assumptions, settings).expect("model")
    };
    // 10K and 25K twice each: the smaller.
    assert_eq!(build(&heavy(0.1)).ilf_base_retention, 10_000.0);
    let given = build(&format!("{}[pricing]\nilf_base_retention = 5000\n", heavy(0.1)));
    assert_eq!(given.ilf_base_retention, 5_000.0);
    // Over the base retention every exposure's layers are those of the same retention.
    let results = simulate(
        "id,records,retention\na,10,0\nb,10,5000\n",
        &format!("{}[pricing]\nilf_base_retention = 5000\n", heavy(0.3)),
        Mode::Annual,
        5_000,
        8,
    );
    let b = &results.exposures[1].layers;
    assert_eq!(b.mean[0], b.mean[1]);
    let a = &results.exposures[0].layers;
    assert!(a.mean[0][0] > a.mean[1][0], "over a retention the layer pays less");
}
