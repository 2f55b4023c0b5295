//! The shipped insured view (`assumptions/insured-claims.toml`) reproduces the NetDiligence Cyber
//! Claims Study 2019 mean breach costs within a factor 2: $178K for SMEs (revenue under $2B) and
//! $5.6M for large companies. See the "Insured view" section of assumptions/README.md for why an
//! SME claim stands for a breach of 10,000 records and a large-company claim for 750,000, and why
//! the gross cost of this file is what is compared.

mod engine_support;

use std::sync::OnceLock;

use breachcost::input::{Assumptions, Mode};
use breachcost::run::RunResults;
use breachcost::stats::Summary;
use engine_support::{simulate, summary};

const INSURED_CLAIMS: &str = include_str!("../assumptions/insured-claims.toml");

/// NetDiligence Cyber Claims Study 2019: mean breach cost per claim.
const NETDILIGENCE_SME_MEAN: f64 = 178e3;
const NETDILIGENCE_LARGE_MEAN: f64 = 5.6e6;

/// Records exposed by the breach that stands for a claim of each revenue band (README derivation:
/// the size whose cost is the mean cost of log-normally spread claims with NetDiligence's average
/// counts, 281k per SME claim and 19.6M per large-company claim).
const SME_RECORDS: u64 = 10_000;
const LARGE_RECORDS: u64 = 750_000;

/// Contact data only, and contact data with SSNs (credit monitoring, costlier settlements).
const MIXES: [(&str, &str); 2] = [("contact", "name;address;email"), ("ssn", "name;address;email;ssn")];

const ITERATIONS: u64 = 200_000;
const SEED: u64 = 20231031;

fn assumptions() -> Assumptions {
    Assumptions::parse(INSURED_CLAIMS, "insured-claims.toml").expect("insured-claims.toml parses")
}

/// One breach per iteration of each band and data mix, with the file's own policy terms.
fn claims() -> &'static RunResults {
    static RESULTS: OnceLock<RunResults> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let mut csv = String::from("id,records,affected,data_types\n");
        for (band, records) in [("sme", SME_RECORDS), ("large", LARGE_RECORDS)] {
            for (mix, types) in MIXES {
                csv.push_str(&format!("{band}_{mix},{records},{records},{types}\n"));
            }
        }
        simulate(&csv, INSURED_CLAIMS, Mode::Breach, ITERATIONS, SEED)
    })
}

fn measure(band: &str, mix: &str, what: &str) -> &'static Summary {
    summary(claims(), &format!("{band}_{mix}"), what)
}

/// The mean is within `factor` of `anchor` over its whole 95% confidence interval, and its
/// standard error is small next to the factor.
fn assert_mean_within_factor(what: &str, s: &Summary, anchor: f64, factor: f64) {
    let relative_se = s.se_mean / s.mean;
    assert!(
        relative_se < 0.10,
        "{what}: standard error {:.0} is {relative_se:.3} of the mean {:.0}",
        s.se_mean,
        s.mean
    );
    assert!(
        s.mean_ci_low >= anchor / factor && s.mean_ci_high <= anchor * factor,
        "{what}: simulated mean {:.0} (95% CI {:.0}..{:.0}) vs NetDiligence {anchor:.0}: ratio {:.2}, allowed factor {factor}",
        s.mean,
        s.mean_ci_low,
        s.mean_ci_high,
        s.mean / anchor
    );
}

#[test]
fn sme_breach_cost_is_within_a_factor_two_of_the_netdiligence_mean() {
    for (mix, _) in MIXES {
        let gross = measure("sme", mix, "gross");
        assert_mean_within_factor(&format!("SME ({mix}) gross"), gross, NETDILIGENCE_SME_MEAN, 2.0);
        // Most SME claims stay under the $1M limit, so what the policy pays after the retention
        // must also be within the factor.
        let insured = measure("sme", mix, "insured");
        assert_mean_within_factor(&format!("SME ({mix}) insured"), insured, NETDILIGENCE_SME_MEAN, 2.0);
    }
}

#[test]
fn large_company_breach_cost_is_within_a_factor_two_of_the_netdiligence_mean() {
    for (mix, _) in MIXES {
        let gross = measure("large", mix, "gross");
        assert_mean_within_factor(&format!("large company ({mix}) gross"), gross, NETDILIGENCE_LARGE_MEAN, 2.0);
    }
}

#[test]
fn large_claims_cost_far_more_than_sme_claims() {
    // NetDiligence 2019: 31 times. The model must show the same order of magnitude, not just two
    // numbers each within a factor 2.
    for (mix, _) in MIXES {
        let ratio = measure("large", mix, "gross").mean / measure("sme", mix, "gross").mean;
        assert!((10.0..=100.0).contains(&ratio), "{mix}: large / SME mean = {ratio:.1}");
    }
}

#[test]
fn the_insured_view_has_no_lost_business_or_other_uninsured_component() {
    let a = assumptions();
    let uninsured_words = ["lost", "business", "revenue", "interruption", "churn", "reputation"];
    for c in &a.components {
        assert!(c.covered, "component {} is not covered: the insured view holds only insured costs", c.name);
        let name = c.name.to_lowercase();
        assert!(!uninsured_words.iter().any(|w| name.contains(w)), "component {} looks like lost business", c.name);
    }
    for expected in ["forensics", "notification", "credit_monitoring", "call_center", "legal_defense", "class_action"] {
        assert!(a.component_index(expected).is_some(), "the insured view should cost {expected}");
    }
    // Every component cites where its figures come from.
    for c in &a.components {
        assert!(!c.source.trim().is_empty(), "component {} has no source", c.name);
    }
}

#[test]
fn sme_policy_terms_are_applied() {
    let policy = assumptions().policy;
    assert!(policy.retention > 0.0, "the SME policy should have a retention");
    assert!(policy.limit.is_finite(), "the SME policy should have a limit");
    assert!(policy.sublimits.iter().any(|s| s.is_finite()), "the SME policy should have sublimits");
    for (mix, _) in MIXES {
        let (gross, insured) = (measure("sme", mix, "gross"), measure("sme", mix, "insured"));
        // The retention alone keeps at least a few thousand dollars a breach with the insured.
        assert!(
            gross.mean - insured.mean >= 0.25 * policy.retention,
            "SME ({mix}): gross {:.0} vs insured {:.0}: the retention is not applied",
            gross.mean,
            insured.mean
        );
        let (gross, insured) = (measure("large", mix, "gross"), measure("large", mix, "insured"));
        assert!(insured.max <= policy.limit, "large ({mix}): insured maximum {} above the limit", insured.max);
        assert!(insured.mean < 0.5 * gross.mean, "large ({mix}): the $1M limit should cap most of the cost");
    }
}
