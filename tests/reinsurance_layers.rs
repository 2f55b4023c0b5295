//! Per-risk and catastrophe excess-of-loss layers, with reinstatements: exact year by year on
//! books whose incidents all cost the same, so that each year's count of incidents (or of
//! systemic occurrences) is read off its gross loss and the year's recoveries follow in closed
//! form; a layer's expected recovery against the limited expected value of its subject; an
//! event filter; and the order and overlap rules as one-line errors.

mod common;
mod engine_support;

use breachcost::input::Mode;
use breachcost::run::RunResults;
use common::write;
use engine_support::{assert_within, simulate, Z};

const SEED: u64 = 4_242;

/// Each incident costs $1,000, covered.
fn model(rest: &str) -> String {
    format!("[[component]]\nname = \"a\"\nfixed = 1000\n{rest}")
}

/// The years' gross, insured and ceded losses, checking gross = ceded + net year by year.
fn years(results: &RunResults) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let r = results.reinsurance.as_ref().expect("treaties");
    let y = &r.years;
    for ((insured, ceded), net) in y.insured.iter().zip(&y.ceded).zip(&y.net) {
        assert!(*ceded >= 0.0 && *net >= 0.0);
        assert!((ceded + net - insured).abs() <= 1e-9 * insured.max(1.0), "{ceded} + {net} vs {insured}");
    }
    (y.gross.clone(), y.insured.clone(), y.ceded.clone())
}

/// A per-risk layer 400 xs 500 with one reinstatement at 100%, after a 20% quota share, on one
/// policy with a $1,500 aggregate limit: a year of `c` incidents pays min(1000 c, 1500), shared
/// equally among them, and each incident's 80% above $500 is recovered, up to $400, at most $800
/// a year. Year by year exact, and the reinstatement premium is the premium times the first
/// $400 recovered over $400.
#[test]
fn a_per_risk_layer_recovers_each_incidents_share_of_the_policy_year() {
    let treaties = "[policy]\naggregate_limit = 1500\n\
                    [[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.2\n\
                    [[treaty]]\nname = \"risk\"\nkind = \"per_risk_xol\"\nattachment = 500\nlimit = 400\n\
                    reinstatements = 1\npremium = 100\n";
    let n = 40_000;
    let results = simulate("id,records,annual_rate\nx,10,1.5\n", &model(treaties), Mode::Annual, n, SEED);
    let (gross, insured, ceded) = years(&results);
    let mut recovered = 0.0;
    let mut reinstatements = 0.0;
    let mut several = 0;
    for ((g, i), c) in gross.iter().zip(&insured).zip(&ceded) {
        let count = (g / 1000.0).round();
        let policy_year = (1000.0 * count).min(1500.0);
        assert_eq!(*i, policy_year);
        let each = if count > 0.0 { policy_year / count } else { 0.0 };
        let risk = (count * (0.8 * each - 500.0).clamp(0.0, 400.0)).min(800.0);
        let expected = 0.2 * policy_year + risk;
        assert!((c - expected).abs() <= 1e-9 * expected.max(1.0), "{count} incidents: ceded {c}, expected {expected}");
        recovered += risk;
        reinstatements += 100.0 * risk.min(400.0) / 400.0;
        several += usize::from(count >= 2.0);
    }
    assert!(several > 5_000, "years of several incidents, whose shares the aggregate limit cuts");
    let r = results.reinsurance.as_ref().expect("treaties");
    let (layer, _) = &r.treaties[1];
    assert!((layer.mean - recovered / n as f64).abs() <= 1e-9 * layer.mean);
    assert!((r.reinstatement_premiums[1] - reinstatements / n as f64).abs() <= 1e-9 * reinstatements / n as f64);
    assert_eq!(r.reinstatement_premiums[0], 0.0, "a quota share has none");
}

/// A per-risk layer on lognormal incidents of policies without terms (Poisson counts): its
/// yearly recovery is compound Poisson, whose mean is the rate times the limited expected value
/// of the layer, E[min(X, a + l)] − E[min(X, a)], and variance the rate times its second moment.
#[test]
fn a_per_risk_layers_expected_recovery_is_the_limited_expected_value_of_its_layer() {
    let toml = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", mu = 12, sigma = 1.2 }\n\
                [[treaty]]\nname = \"risk\"\nkind = \"per_risk_xol\"\nattachment = 300000\nlimit = 700000\n";
    let n = 200_000;
    let results = simulate("id,records,annual_rate\nx,10,0.3\ny,10,0.6\n", toml, Mode::Annual, n, SEED);
    let (mu, sigma) = (12.0, 1.2);
    let lev = |d: f64| engine_support::lognormal_lev(mu, sigma, d);
    let layer = lev(1e6) - lev(3e5);
    // E[layer²], by numerical integration.
    let square = layer_second_moment(mu, sigma, 3e5, 1e6);
    let (mean, variance) = (0.9 * layer, 0.9 * square);
    let r = results.reinsurance.as_ref().expect("treaties");
    let se = (variance / n as f64).sqrt();
    assert_within("per-risk expected recovery", r.treaties[0].0.mean, mean, se, Z);
}

/// E[min(max(X − a, 0), l)²] for a lognormal X, by Simpson's rule on its log.
fn layer_second_moment(mu: f64, sigma: f64, a: f64, top: f64) -> f64 {
    let (lo, hi) = (a.ln(), (mu + 12.0 * sigma).max(top.ln() + 1.0));
    let steps = 20_000;
    let h = (hi - lo) / steps as f64;
    let f = |z: f64| {
        let x = z.exp();
        let paid = (x - a).clamp(0.0, top - a);
        let density = (-((z - mu) / sigma).powi(2) / 2.0).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt());
        paid * paid * density
    };
    let odd: f64 = (1..steps).step_by(2).map(|i| f(lo + i as f64 * h)).sum();
    let even: f64 = (2..steps).step_by(2).map(|i| f(lo + i as f64 * h)).sum();
    h / 3.0 * (f(lo) + 4.0 * odd + 2.0 * even + f(hi))
}

/// Three policies without losses of their own, all hit by every occurrence of a Poisson event:
/// each occurrence costs the book $3,000. A 50% quota share with a $1,200 event limit cedes
/// $1,200 of each; a catastrophe layer 1,000 xs 1,000 with one reinstatement then recovers $800
/// of each, at most $2,000 a year.
#[test]
fn a_catastrophe_layer_recovers_each_occurrence_after_the_event_limited_quota_share() {
    let toml = model(
        "[frequency]\nrate = 0\n\
         [[systemic]]\nname = \"cloud\"\nannual_rate = 0.9\nfootprint = 1\n\
         [[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.5\nevent_limit = 1200\n\
         [[treaty]]\nname = \"cat\"\nkind = \"cat_xol\"\nattachment = 1000\nlimit = 1000\n\
         reinstatements = 1\nreinstatement_rate = 0.5\npremium = 300\n",
    );
    let n = 40_000;
    let results = simulate("id,records\nx,10\ny,10\nz,10\n", &toml, Mode::Annual, n, SEED);
    let (gross, insured, ceded) = years(&results);
    let (mut cat, mut reinstatements, mut three) = (0.0, 0.0, 0);
    for ((g, i), c) in gross.iter().zip(&insured).zip(&ceded) {
        assert_eq!(g, i);
        let occurrences = (g / 3000.0).round();
        let layer = (800.0 * occurrences).min(2000.0);
        let expected = 1200.0 * occurrences + layer;
        assert!((c - expected).abs() <= 1e-9 * expected.max(1.0), "{occurrences}: ceded {c}, expected {expected}");
        cat += layer;
        reinstatements += 300.0 * 0.5 * layer.min(1000.0) / 1000.0;
        three += usize::from(occurrences >= 3.0);
    }
    assert!(three > 1_000, "years the yearly limit bites");
    let r = results.reinsurance.as_ref().expect("treaties");
    assert!((r.treaties[1].0.mean - cat / n as f64).abs() <= 1e-9 * cat / n as f64);
    assert!((r.reinstatement_premiums[1] - reinstatements / n as f64).abs() <= 1e-9 * reinstatements / n as f64);
}

/// A catastrophe layer naming one event recovers nothing of another's occurrences: its
/// recoveries are those of the same layer in a model without the other event (each event draws
/// its own occurrences, so removing one leaves the other's as they were).
#[test]
fn a_catastrophe_layer_covers_only_the_events_it_names() {
    let events = |other_enabled: bool| {
        format!(
            "[frequency]\nrate = 0.2\n\
             [[systemic]]\nname = \"cloud\"\nannual_rate = 0.3\nfootprint = 0.8\n\
             [[systemic]]\nname = \"wave\"\nannual_rate = 0.5\nfootprint = 0.6\nenabled = {other_enabled}\n\
             [[treaty]]\nname = \"cat\"\nkind = \"cat_xol\"\nattachment = 2500\nlimit = 3000\nevents = [\"cloud\"]\n"
        )
    };
    let book = "id,records\na,10\nb,10\nc,10\nd,10\ne,10\n";
    let run = |other: bool| simulate(book, &model(&events(other)), Mode::Annual, 30_000, SEED);
    let (both, alone) = (run(true), run(false));
    let recoveries = |r: &RunResults| r.reinsurance.as_ref().expect("treaties").treaties[0].0.clone();
    let (with_wave, without) = (recoveries(&both), recoveries(&alone));
    assert!(without.mean > 0.0);
    assert_eq!(
        (with_wave.mean, with_wave.p99, with_wave.prob_nonzero),
        (without.mean, without.p99, without.prob_nonzero)
    );
    let insured = |r: &RunResults| r.portfolio.as_ref().expect("annual").insured.summary.mean;
    assert!(insured(&both) > insured(&alone) * 1.2, "the other event adds losses the layer leaves");
}

/// Per-risk recoveries on a systemic occurrence's incidents inure to the catastrophe layer:
/// each of three policies' $1,000 incident from an occurrence recovers $600 under a per-risk
/// layer 600 xs 400, leaving the occurrence $1,200 for a catastrophe layer 1,000 xs 1,000 ($200).
/// Own incidents (one policy's, at $1,000 each) go to the per-risk layer only.
#[test]
fn per_risk_recoveries_inure_to_the_catastrophe_layer() {
    let toml = model(
        "[frequency]\nrate = 0\n\
         [[systemic]]\nname = \"cloud\"\nannual_rate = 0.5\nmodel = \"bernoulli\"\nfootprint = 1\n\
         [[treaty]]\nname = \"risk\"\nkind = \"per_risk_xol\"\nattachment = 400\nlimit = 600\n\
         [[treaty]]\nname = \"cat\"\nkind = \"cat_xol\"\nattachment = 1000\nlimit = 1000\n",
    );
    let n = 20_000;
    let results = simulate("id,records,annual_rate\nx,10,0\ny,10,0\nz,10,0.7\n", &toml, Mode::Annual, n, SEED);
    let (gross, _, ceded) = years(&results);
    let r = results.reinsurance.as_ref().expect("treaties");
    let (risk, cat) = (&r.treaties[0].0, &r.treaties[1].0);
    // Every incident recovers $600 under the per-risk layer; each occurrence $200 under the cat.
    let incidents: f64 = gross.iter().map(|g| g / 1000.0).sum();
    assert!((risk.mean - 600.0 * incidents / n as f64).abs() <= 1e-9 * risk.mean);
    assert_eq!(cat.p99, 200.0, "never more than one occurrence a year, each leaving $200 above $1,000");
    assert!((cat.prob_nonzero - 0.5).abs() < 4.0 * (0.25 / n as f64).sqrt());
    let total: f64 = ceded.iter().sum::<f64>() / n as f64;
    assert!((total - risk.mean - cat.mean).abs() <= 1e-9 * total);
}

#[test]
fn bad_layers_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records\nx,10\n");
    let layer = |name: &str, kind: &str, attachment: u32, limit: u32| {
        format!("[[treaty]]\nname = \"{name}\"\nkind = \"{kind}\"\nattachment = {attachment}\nlimit = {limit}\n")
    };
    let stop_loss = "[[treaty]]\nname = \"s\"\nkind = \"aggregate_stop_loss\"\nattachment = 10\nlimit = 10\n";
    let event = "[[systemic]]\nname = \"cloud\"\nannual_rate = 0.1\nfootprint = 0.5\n";
    for (treaties, expected) in [
        (format!("{stop_loss}{}", layer("r", "per_risk_xol", 1, 2)), "treaty[2].kind: a per-risk layer comes before"),
        (
            format!("{stop_loss}{}", layer("c", "cat_xol", 1, 2)),
            "treaty[2].kind: a catastrophe layer comes before every stop loss",
        ),
        (
            format!("{}{}", layer("c", "cat_xol", 1, 2), layer("r", "per_risk_xol", 1, 2)),
            "move it before treaty[1] \"c\"",
        ),
        (
            format!("{}{}", layer("a", "per_risk_xol", 100, 200), layer("b", "per_risk_xol", 250, 100)),
            "overlaps treaty[1] \"a\"",
        ),
        (
            format!(
                "{}[[treaty]]\nname = \"q\"\nkind = \"quota_share\"\ncession = 0.5\n{}",
                layer("a", "per_risk_xol", 100, 200),
                layer("b", "per_risk_xol", 300, 100)
            ),
            "one after another; treaty[1] \"a\"",
        ),
        (
            "[[treaty]]\nname = \"q\"\nkind = \"quota_share\"\ncession = 0.5\nevent_limit = 9\n".to_string()
                + &layer("r", "per_risk_xol", 1, 2),
            "quota shares without an event_limit",
        ),
        (
            format!("{}events = [\"clod\"]\n", layer("c", "cat_xol", 1, 2)),
            "treaty[1].events: \"clod\" is not a [[systemic]] event's name (they are: cloud)",
        ),
        ("[[treaty]]\nname = \"r\"\nkind = \"per_risk_xol\"\nattachment = 5\n".to_string(), "treaty[1].limit: missing"),
        (layer("r", "per_risk_xol", 5, 0), "treaty[1].limit: 0 is not an amount above 0"),
        (format!("{}reinstatement_rate = 1\n", layer("r", "per_risk_xol", 5, 9)), "without reinstatements"),
        (format!("{}reinstatements = -1\n", layer("r", "per_risk_xol", 5, 9)), "is not a non-negative integer"),
    ] {
        let assumptions = write(dir.path(), "a.toml", model(&format!("{event}{treaties}")));
        common::assert_simulate_refused(dir.path(), (&exposures, &assumptions), expected);
    }
}

/// `validate` says each treaty's terms in words, as the report page does.
#[test]
fn validate_says_each_layers_terms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records,limit\nx,10,1e6\n");
    let treaties = "[[systemic]]\nname = \"cloud\"\nannual_rate = 0.1\nfootprint = 0.5\n\
                    [[treaty]]\nname = \"risk\"\nkind = \"per_risk_xol\"\nattachment = 1e6\nlimit = 4e6\nreinstatements = 2\n\
                    [[treaty]]\nname = \"cat\"\nkind = \"cat_xol\"\nattachment = 1e7\nlimit = 4e7\nevents = [\"cloud\"]\n";
    let assumptions = write(dir.path(), "a.toml", model(treaties));
    let output =
        common::run(&["validate", "--exposures", common::s(&exposures), "--assumptions", common::s(&assumptions)]);
    assert_eq!(output.status.code(), Some(0), "{}", common::describe(&output));
    let text = common::stdout(&output);
    for expected in [
        "risk (per_risk_xol: $4.00M xs $1.00M per incident, 2 reinstatements at 100%)",
        "cat (cat_xol: $40.0M xs $10.0M per event (cloud))",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}
