//! Accumulation: systemic events, correlated components, contributions to the portfolio.

mod engine_support;

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use breachcost::run::{run, RunResults};
use engine_support::*;

fn model(csv: &str, toml: &str, mode: Mode, iterations: u64, seed: u64) -> Model {
    let assumptions = Assumptions::parse(toml, "test.toml").expect("assumptions parse");
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "test.csv").expect("exposures parse");
    Model::build(&exposures, assumptions, RunSettings { mode, iterations, seed }).expect("model builds")
}

const BOOK: &str = "id,records,vendor\na,10000,acme\nb,50000,acme\nc,20000,other\nd,80000,\n";
const COST: &str = "[breach]\naffected_share = { dist = \"beta\", mean = 0.4, sd = 0.2 }\n\
    [[component]]\nname = \"response\"\nfixed = { dist = \"lognormal\", low = 1e5, high = 1e7 }\nper_unit = 3\n";

#[test]
fn a_certain_event_with_full_footprint_breaches_every_exposure_every_year() {
    let toml = format!(
        "[frequency]\nrate = 0\n{COST}[[systemic]]\nname = \"cloud\"\nannual_rate = 1\nmodel = \"bernoulli\"\nfootprint = 1\n"
    );
    let results = simulate(BOOK, &toml, Mode::Annual, 2_000, 1);
    for e in &results.exposures {
        assert_eq!(e.measures.gross.summary.prob_nonzero, 1.0, "{} must be breached every year", e.id);
        assert_eq!(e.simulated_breaches, 2_000);
    }
    // Without the systemic event there is nothing at all.
    let without = results.portfolio_independent.as_ref().expect("systemic runs report the portfolio without events");
    assert_eq!(without.gross.summary.max, 0.0);
}

#[test]
fn a_match_limits_an_event_to_the_matching_exposures() {
    let toml = format!(
        "[frequency]\nrate = 0\n{COST}[[systemic]]\nname = \"acme-outage\"\nannual_rate = 1\nmodel = \"bernoulli\"\nfootprint = 1\nmatch = {{ vendor = \"ACME\" }}\n"
    );
    let results = simulate(BOOK, &toml, Mode::Annual, 500, 2);
    let hit: Vec<bool> = results.exposures.iter().map(|e| e.measures.gross.summary.prob_nonzero == 1.0).collect();
    assert_eq!(hit, [true, true, false, false]);
}

#[test]
fn an_event_with_rate_zero_changes_nothing() {
    let with_event =
        format!("[frequency]\nrate = 0.3\n{COST}[[systemic]]\nname = \"cloud\"\nannual_rate = 0\nfootprint = 0.5\n");
    let without = format!("[frequency]\nrate = 0.3\n{COST}");
    let a = simulate(BOOK, &with_event, Mode::Annual, 20_000, 3);
    let b = simulate(BOOK, &without, Mode::Annual, 20_000, 3);
    for (x, y) in a.exposures.iter().zip(&b.exposures) {
        assert_eq!(x.measures.gross.summary, y.measures.gross.summary);
        assert_eq!(x.measures.insured.aggregate_ep, y.measures.insured.aggregate_ep);
    }
    assert!(a.portfolio_independent.is_none());
}

#[test]
fn each_matching_exposure_is_hit_with_the_footprint_probability() {
    let rows: String = (0..200).map(|i| format!("e{i},1000\n")).collect();
    let csv = format!("id,records\n{rows}");
    let toml = format!(
        "[frequency]\nrate = 0\n{COST}[[systemic]]\nname = \"platform\"\nannual_rate = 1\nmodel = \"bernoulli\"\nfootprint = 0.3\n"
    );
    let results = simulate(&csv, &toml, Mode::Annual, 1_000, 4);
    let breaches: u64 = results.exposures.iter().map(|e| e.simulated_breaches).sum();
    let n = 200.0 * 1_000.0;
    assert_within("share hit", breaches as f64 / n, 0.3, (0.3f64 * 0.7 / n).sqrt(), Z);
    // The systemic event makes years bad for everyone at once: the portfolio with events is
    // more spread out than without (where nothing happens at all).
    let portfolio = results.portfolio.as_ref().expect("portfolio");
    assert!(portfolio.gross.summary.mean > 0.0);
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
        let mut r = vec![0.0; v.len()];
        for (rank, i) in order.into_iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mean) * (b - mean)).sum();
    let var: f64 = rx.iter().map(|a| (a - mean) * (a - mean)).sum();
    cov / var
}

#[test]
fn correlated_components_have_the_copula_rank_correlation() {
    let rho: f64 = 0.6;
    let toml = format!(
        "[breach]\naffected_share = 1\n\
         [[component]]\nname = \"legal\"\nfixed = {{ dist = \"lognormal\", mu = 12, sigma = 1 }}\n\
         [[component]]\nname = \"fines\"\nper_unit = {{ dist = \"pert\", min = 1, mode = 2, max = 10 }}\n\
         [[component]]\nname = \"other\"\nfixed = {{ dist = \"gamma\", mean = 10, sd = 5 }}\n\
         [correlation]\ncomponents = [\"legal\", \"fines\"]\nmatrix = [[1, {rho}], [{rho}, 1]]\n"
    );
    let n = 40_000;
    let m = model("id,records\nx,1000\n", &toml, Mode::Breach, n, 5);
    let outcomes = simulate_exposures(&m, 0..1, 0..n, &|_| {}).remove(0);
    let column = |j: usize| outcomes.rows(3).map(|(_, costs)| costs[j]).collect::<Vec<f64>>();
    let (legal, fines, other) = (column(0), column(1), column(2));
    // Spearman's rho of a Gaussian copula: (6/π) asin(ρ/2); its standard error ≈ √(1.06/(n−3)) at most.
    let expected = 6.0 / std::f64::consts::PI * (rho / 2.0).asin();
    let se = (1.06 / (n as f64 - 3.0)).sqrt();
    assert_within("Spearman legal-fines", spearman(&legal, &fines), expected, se, Z);
    assert_within("Spearman legal-other", spearman(&legal, &other), 0.0, se, Z);
    // The copula leaves each marginal as it was: the lognormal mean is unchanged.
    let mean = legal.iter().sum::<f64>() / n as f64;
    let sd = (lognormal_moment(12.0, 1.0, 2.0) - lognormal_moment(12.0, 1.0, 1.0).powi(2)).sqrt();
    assert_within("legal mean", mean, lognormal_moment(12.0, 1.0, 1.0), sd / (n as f64).sqrt(), Z);
}

#[test]
fn an_invalid_correlation_matrix_is_a_clear_error() {
    let base = "[[component]]\nname = \"a\"\nfixed = 1\n[[component]]\nname = \"b\"\nfixed = 1\n[[component]]\nname = \"c\"\nfixed = 1\n";
    let cases = [
        ("components = [\"a\", \"b\"]\nmatrix = [[1, 0.5], [0.4, 1]]", "not symmetric"),
        ("components = [\"a\", \"b\"]\nmatrix = [[1, 0.5], [0.5, 0.9]]", "diagonal"),
        (
            "components = [\"a\", \"b\", \"c\"]\nmatrix = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]",
            "positive semi-definite",
        ),
        ("components = [\"a\", \"legl\"]\nmatrix = [[1, 0.5], [0.5, 1]]", "no component is called \"legl\""),
        ("components = [\"a\", \"b\"]\nmatrix = [[1, 1.5], [1.5, 1]]", "not a correlation in [-1, 1]"),
        ("components = [\"a\", \"b\"]\nmatrix = [[1, 0.5]]", "has 1 rows"),
    ];
    for (table, expected) in cases {
        let text = format!("{base}[correlation]\n{table}\n");
        let error = Assumptions::parse(&text, "a.toml").expect_err("invalid matrix must be rejected").to_string();
        assert!(error.contains("correlation") && error.contains(expected), "{error}");
        assert_eq!(error.lines().count(), 1);
    }
}

fn results_with_everything(threads: usize) -> RunResults {
    let toml = format!(
        "[frequency]\nrate = 0.2\n{COST}[[component]]\nname = \"legal\"\nfixed = {{ dist = \"lognormal\", low = 1e4, high = 1e6 }}\n\
         [correlation]\ncomponents = [\"response\", \"legal\"]\nmatrix = [[1, 0.5], [0.5, 1]]\n\
         [[systemic]]\nname = \"cloud\"\nannual_rate = 0.05\nfootprint = {{ dist = \"beta\", mean = 0.4, sd = 0.2 }}\n"
    );
    let m = model(
        "id,records,retention,limit\na,10000,100000,5000000\nb,500000,,\nc,2000000,50000,20000000\n",
        &toml,
        Mode::Annual,
        30_000,
        6,
    );
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    pool.install(|| run(&m, &|_| {}))
}

#[test]
fn contributions_sum_to_the_portfolio_mean_and_tvar99() {
    let results = results_with_everything(2);
    let portfolio = results.portfolio.as_ref().expect("portfolio");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let sum = |f: fn(&breachcost::run::Contribution) -> f64| results.contributions.iter().map(f).sum::<f64>();
    assert!(close(sum(|c| c.gross_mean), portfolio.gross.summary.mean));
    assert!(close(sum(|c| c.gross_co_tvar_99), portfolio.gross.summary.tvar_99));
    assert!(close(sum(|c| c.insured_mean), portfolio.insured.summary.mean));
    assert!(close(sum(|c| c.insured_co_tvar_99), portfolio.insured.summary.tvar_99));
    // Systemic events fatten the portfolio tail relative to the independent breaches alone.
    let without = results.portfolio_independent.as_ref().expect("portfolio without systemic");
    assert!(portfolio.gross.summary.mean > without.gross.summary.mean);
}

#[test]
fn results_with_systemic_events_and_correlation_do_not_depend_on_threads() {
    let one = results_with_everything(1);
    let three = results_with_everything(3);
    let portfolio = |r: &RunResults| r.portfolio.as_ref().map(|p| p.gross.summary.clone());
    assert_eq!(portfolio(&one), portfolio(&three));
    assert_eq!(one.contributions, three.contributions);
    for (a, b) in one.exposures.iter().zip(&three.exposures) {
        assert_eq!(a.measures.insured.summary, b.measures.insured.summary);
        assert_eq!(a.measures.gross.occurrence_ep, b.measures.gross.occurrence_ep);
    }
}
