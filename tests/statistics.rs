//! The engine reproduces closed forms, within tolerances derived from standard errors.

mod engine_support;

use breachcost::input::Mode;
use engine_support::*;

const ONE: &str = "id,records,affected\nx,10000,10000\n";

fn one_component(component: &str) -> String {
    format!("[breach]\naffected_share = 1\n[[component]]\nname = \"c\"\n{component}\n")
}

fn lognormal_density(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x.ln() - mu) / sigma;
    (-z * z / 2.0).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
}

/// Checks mean and quantiles of a lognormal(mu, sigma) breach cost.
fn check_lognormal(parameters: &str, mu: f64, sigma: f64, seed: u64) {
    let n = 200_000;
    let results = simulate(ONE, &one_component(&format!("fixed = {parameters}")), Mode::Breach, n, seed);
    let s = summary(&results, "x", "gross");
    let mean = lognormal_moment(mu, sigma, 1.0);
    let sd = (lognormal_moment(mu, sigma, 2.0) - mean * mean).sqrt();
    assert_within(&format!("{parameters} mean"), s.mean, mean, sd / (n as f64).sqrt(), Z);
    for (p, estimate) in [(0.5, s.p50), (0.9, s.p90), (0.99, s.p99)] {
        let exact = (mu + sigma * normal_quantile(p)).exp();
        let se = quantile_se(p, n, lognormal_density(exact, mu, sigma));
        assert_within(&format!("{parameters} p{}", p * 100.0), estimate, exact, se, Z);
    }
}

#[test]
fn a_lognormal_cost_from_mu_and_sigma_has_the_closed_form_mean_and_quantiles() {
    check_lognormal("{ dist = \"lognormal\", mu = 12.0, sigma = 1.1 }", 12.0, 1.1, 1);
}

#[test]
fn a_lognormal_cost_from_mean_and_sd_has_the_closed_form_mean_and_quantiles() {
    let (mean, sd) = (500_000.0f64, 1_200_000.0f64);
    let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
    check_lognormal(
        "{ dist = \"lognormal\", mean = 500000, sd = 1200000 }",
        mean.ln() - sigma2 / 2.0,
        sigma2.sqrt(),
        2,
    );
}

#[test]
fn a_lognormal_cost_from_a_confidence_interval_puts_low_and_high_at_its_ends() {
    let z = normal_quantile(0.9);
    let (low, high) = (1e5f64, 1e7f64);
    let mu = (low.ln() + high.ln()) / 2.0;
    let sigma = (high.ln() - low.ln()) / (2.0 * z);
    check_lognormal("{ dist = \"lognormal\", low = 1e5, high = 1e7, confidence = 0.8 }", mu, sigma, 3);
    // The default confidence is 90%: high is the 95th percentile.
    let n = 200_000;
    let results =
        simulate(ONE, &one_component("fixed = { dist = \"lognormal\", low = 1e5, high = 1e7 }"), Mode::Breach, n, 4);
    let s = summary(&results, "x", "gross");
    let sigma90 = (high.ln() - low.ln()) / (2.0 * normal_quantile(0.95));
    let se = quantile_se(0.95, n, lognormal_density(high, mu, sigma90));
    assert_within("p95 = high", s.p95, high, se, Z);
    assert_within("p50 = geometric midpoint", s.p50, 1e6, quantile_se(0.5, n, lognormal_density(1e6, mu, sigma90)), Z);
}

#[test]
fn a_compound_poisson_annual_loss_has_mean_rate_times_severity_and_the_compound_variance() {
    let (rate, mu, sigma) = (0.3, 12.0, 0.8);
    let n = 400_000;
    let toml = format!(
        "[frequency]\nrate = {rate}\n{}",
        one_component(&format!("fixed = {{ dist = \"lognormal\", mu = {mu}, sigma = {sigma} }}"))
    );
    let results = simulate(ONE, &toml, Mode::Annual, n, 5);
    let s = summary(&results, "x", "gross");
    // Cumulants of a compound Poisson sum: κ_k = rate × E[X^k].
    let k2 = rate * lognormal_moment(mu, sigma, 2.0);
    let k4 = rate * lognormal_moment(mu, sigma, 4.0);
    assert_within("mean", s.mean, rate * lognormal_moment(mu, sigma, 1.0), (k2 / n as f64).sqrt(), Z);
    assert_within("variance", s.sd * s.sd, k2, ((k4 + 2.0 * k2 * k2) / n as f64).sqrt(), Z);
    let p0 = (-rate).exp();
    assert_within("P(loss > 0)", s.prob_nonzero, 1.0 - p0, (p0 * (1.0 - p0) / n as f64).sqrt(), Z);
    // The portfolio of one exposure is that exposure.
    let portfolio = results.portfolio.as_ref().expect("annual mode has a portfolio");
    assert_eq!(portfolio.gross.summary, *s);
}

#[test]
fn the_jacobs_form_gives_mean_exp_mu_plus_half_sigma_squared_times_records_to_the_exponent() {
    let n_records: f64 = 10_000.0;
    let (mu, sigma, exponent) = (7.68, 0.523, 0.7584);
    let component = format!("per_unit = {{ dist = \"lognormal\", mu = {mu}, sigma = {sigma} }}\nexponent = {exponent}");
    let n = 200_000;
    let results = simulate(ONE, &one_component(&component), Mode::Breach, n, 6);
    let s = summary(&results, "x", "gross");
    let scale = n_records.powf(exponent);
    let mean = lognormal_moment(mu, sigma, 1.0) * scale;
    let sd = (lognormal_moment(mu, sigma, 2.0) * scale * scale - mean * mean).sqrt();
    assert_within("Jacobs mean", s.mean, mean, sd / (n as f64).sqrt(), Z);
    let median = mu.exp() * scale;
    let se = quantile_se(0.5, n, lognormal_density(median / scale, mu, sigma) / scale);
    assert_within("Jacobs median", s.p50, median, se, Z);
}

#[test]
fn negative_binomial_counts_have_the_requested_mean_and_zero_probability() {
    let (rate, dispersion) = (2.0, 0.5);
    let toml = format!(
        "[frequency]\nmodel = \"negative_binomial\"\nrate = {rate}\ndispersion = {dispersion}\n{}",
        one_component("fixed = 1")
    );
    let n = 200_000;
    let results = simulate(ONE, &toml, Mode::Annual, n, 7);
    let s = summary(&results, "x", "gross");
    let variance = rate + dispersion * rate * rate;
    assert_within("mean count", s.mean, rate, (variance / n as f64).sqrt(), Z);
    let p0 = (1.0f64 + dispersion * rate).powf(-1.0 / dispersion);
    assert_within("P(no breach)", 1.0 - s.prob_nonzero, p0, (p0 * (1.0 - p0) / n as f64).sqrt(), Z);
    // Overdispersed: the variance is well above the Poisson's.
    assert!(s.sd * s.sd > 1.5 * rate, "variance {} should exceed the Poisson's {rate}", s.sd * s.sd);
}

/// Checks the mean (and optionally sd) of a cost drawn from `dist`, with known moments.
fn check_moments(dist: &str, mean: f64, sd: f64, seed: u64) {
    let n = 200_000;
    let results = simulate(ONE, &one_component(&format!("fixed = {dist}")), Mode::Breach, n, seed);
    let s = summary(&results, "x", "gross");
    assert_within(&format!("{dist} mean"), s.mean, mean, sd / (n as f64).sqrt(), Z);
    // For these light-tailed laws the sample variance has se ≈ sd² × sqrt(2 / n) × 2 at most.
    assert_within(&format!("{dist} sd"), s.sd, sd, sd * (4.0 / n as f64).sqrt(), Z);
}

#[test]
fn every_distribution_reproduces_its_mean_and_standard_deviation() {
    // uniform(2, 10): mean 6, sd 8/√12
    check_moments("{ dist = \"uniform\", min = 2, max = 10 }", 6.0, 8.0 / 12f64.sqrt(), 10);
    // triangular(0, 2, 10): mean 4, var (a²+b²+c²−ab−ac−bc)/18 = (0+4+100−0−0−20)/18
    check_moments("{ dist = \"triangular\", min = 0, mode = 2, max = 10 }", 4.0, (84.0f64 / 18.0).sqrt(), 11);
    // pert(0, 2, 10, shape 6): alpha = 1 + 6·0.2 = 2.2, beta = 1 + 6·0.8 = 5.8 on [0, 10]
    let (a, b) = (2.2f64, 5.8f64);
    let beta_sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
    check_moments(
        "{ dist = \"pert\", min = 0, mode = 2, max = 10, shape = 6 }",
        10.0 * a / (a + b),
        10.0 * beta_sd,
        12,
    );
    check_moments("{ dist = \"gamma\", mean = 50, sd = 20 }", 50.0, 20.0, 13);
    check_moments("{ dist = \"gamma\", shape = 4, scale = 2.5 }", 10.0, 5.0, 14);
    check_moments("{ dist = \"beta\", mean = 0.3, sd = 0.1 }", 0.3, 0.1, 15);
    check_moments("{ dist = \"beta\", alpha = 2, beta = 3 }", 0.4, (6.0f64 / 25.0 / 6.0).sqrt(), 16);
    check_moments("{ dist = \"normal\", mean = 100, sd = 15 }", 100.0, 15.0, 17);
    // pareto(1000, 5): mean 1250, var = scale² · shape / ((shape−1)² (shape−2))
    check_moments("{ dist = \"pareto\", scale = 1000, shape = 5 }", 1250.0, 1000.0 * (5.0f64 / 48.0).sqrt(), 18);
    // empirical [1, 10, 100] with weights [1, 1, 2]
    let mean = (1.0 + 10.0 + 200.0) / 4.0;
    let second = (1.0 + 100.0 + 2.0 * 10_000.0) / 4.0;
    check_moments(
        "{ dist = \"empirical\", values = [1, 10, 100], weights = [1, 1, 2] }",
        mean,
        (second - mean * mean).sqrt(),
        19,
    );
    check_moments("{ dist = \"constant\", value = 42 }", 42.0, 0.0, 20);
}

#[test]
fn a_normal_cost_is_never_negative() {
    let results =
        simulate(ONE, &one_component("fixed = { dist = \"normal\", mean = 0, sd = 10 }"), Mode::Breach, 50_000, 21);
    let s = summary(&results, "x", "gross");
    // Clamped at zero: half the draws are zero, the mean is sd/√(2π).
    assert_within("P(cost > 0)", s.prob_nonzero, 0.5, (0.25f64 / 50_000.0).sqrt(), Z);
    let exact = 10.0 / (2.0 * std::f64::consts::PI).sqrt();
    let sd = 10.0 * (0.5 - 1.0 / (2.0 * std::f64::consts::PI)).sqrt();
    assert_within("clamped normal mean", s.mean, exact, sd / (50_000f64).sqrt(), Z);
}

#[test]
fn a_probability_makes_the_cost_arise_that_often_and_a_curve_interpolates_in_log_records() {
    let n = 100_000;
    let check = |probability: &str, expected: f64, seed: u64| {
        let results =
            simulate(ONE, &one_component(&format!("probability = {probability}\nfixed = 1")), Mode::Breach, n, seed);
        let s = summary(&results, "x", "gross");
        assert_within(probability, s.prob_nonzero, expected, (expected * (1.0 - expected) / n as f64).sqrt(), Z);
    };
    check("0.3", 0.3, 30);
    // 10,000 affected records lie halfway (in log10) between 1e3 and 1e5.
    check("[[1e3, 0.1], [1e5, 0.5]]", 0.3, 31);
    // Beyond the ends the curve is flat.
    check("[[1e5, 0.2], [1e7, 0.9]]", 0.2, 32);
    check("[[10, 0.05], [1000, 0.7]]", 0.7, 33);
}

#[test]
fn affected_records_are_records_times_the_affected_share_unless_given() {
    let n = 200_000;
    let toml = "[breach]\naffected_share = { dist = \"beta\", mean = 0.4, sd = 0.2 }\n[[component]]\nname = \"per_record\"\nper_unit = 1\n";
    let csv = "id,records,affected\ndrawn,1000000,\nknown,1000000,250000\n";
    let results = simulate(csv, toml, Mode::Breach, n, 40);
    let drawn = summary(&results, "drawn", "gross");
    assert_within("records × mean share", drawn.mean, 400_000.0, 200_000.0 / (n as f64).sqrt(), Z);
    assert_within("records × sd share", drawn.sd, 200_000.0, 200_000.0 * (4.0 / n as f64).sqrt(), Z);
    let known = summary(&results, "known", "gross");
    assert_eq!((known.mean, known.sd, known.max), (250_000.0, 0.0, 250_000.0));
}

#[test]
fn a_component_applies_only_to_exposures_holding_its_data_types() {
    let toml = "[breach]\naffected_share = 1\ndata_types = [\"email\"]\n\
        [[component]]\nname = \"monitoring\"\nfixed = 5\ndata_types = [\"ssn\", \"bank_account\"]\n\
        [[component]]\nname = \"contact_only\"\nfixed = 7\nexclude_data_types = [\"ssn\"]\n\
        [[component]]\nname = \"always\"\nfixed = 1\ndata_types = [\"any\"]\n";
    let csv = "id,records,data_types\nssn,10,name;SSN\nbank,10,bank_account\nplain,10,\n";
    let results = simulate(csv, toml, Mode::Breach, 10, 41);
    let mean = |id: &str| summary(&results, id, "gross").mean;
    assert_eq!(mean("ssn"), 5.0 + 1.0);
    assert_eq!(mean("bank"), 5.0 + 7.0 + 1.0);
    // No data_types cell: the assumptions' default (email).
    assert_eq!(mean("plain"), 7.0 + 1.0);
}

#[test]
fn a_units_exponent_below_one_gives_economies_of_scale() {
    let toml = "[breach]\naffected_share = 1\n[[component]]\nname = \"c\"\nfixed = 100\nper_unit = 2\nunit_share = 0.5\nexponent = 0.5\n";
    let csv = "id,records,affected\nx,20000,20000\n";
    let results = simulate(csv, toml, Mode::Breach, 3, 42);
    // 100 + 2 × (20000 × 0.5)^0.5 = 100 + 2 × 100
    assert_eq!(summary(&results, "x", "gross").mean, 300.0);
}
