//! Data-type triggers that follow the law: components that need notice arise in every breach
//! of data that trigger it and, for other data, only in the share `[notice] otherwise` of
//! breaches, the same breaches for every such component.

mod engine_support;

use breachcost::input::{Mode, DEFAULT_ASSUMPTIONS};
use breachcost::run::RunResults;
use engine_support::{component, simulate, summary};

/// Two components that need notice and cost 1, one that needs notice and arises half the
/// time, and one that applies only to SSNs.
const TOML: &str = "[notice]\ndata_types = [\"ssn\", \"health\"]\notherwise = 0.1\n\
    [[component]]\nname = \"letters\"\nfixed = 1\nneeds_notice = true\n\
    [[component]]\nname = \"calls\"\nfixed = 1\nneeds_notice = true\n\
    [[component]]\nname = \"fines\"\nfixed = 1\nprobability = 0.5\nneeds_notice = true\n\
    [[component]]\nname = \"monitoring\"\nfixed = 1\ndata_types = [\"ssn\"]\n";

const ITERATIONS: u64 = 200_000;

/// The component's mean (breaches of cost 1 per iteration) is within four standard errors
/// of `expected`.
fn mean_near(results: &RunResults, id: &str, name: &str, expected: f64) {
    let c = component(results, id, name).unwrap_or_else(|| panic!("{id} has no {name}"));
    let se = c.sd / (ITERATIONS as f64).sqrt();
    assert!((c.mean - expected).abs() <= 4.0 * se + 1e-12, "{id} {name}: mean {} vs {expected} (se {se})", c.mean);
}

#[test]
fn contact_data_are_notified_rarely_and_never_monitored_while_ssns_always_are() {
    let breach = "id,records,affected,data_types\ncontact,1000,1000,name;email\nssn,1000,1000,name;ssn\nhealth,1000,1000,health\n";
    let results = simulate(breach, TOML, Mode::Breach, ITERATIONS, 7);
    for (name, p) in [("letters", 0.1), ("calls", 0.1), ("fines", 0.05)] {
        mean_near(&results, "contact", name, p);
    }
    for id in ["ssn", "health"] {
        assert_eq!(component(&results, id, "letters").map(|c| c.prob_nonzero), Some(1.0), "{id}");
        mean_near(&results, id, "fines", 0.5);
    }
    // Letters and calls go together: notice is drawn once per breach, so the breaches with
    // any cost are exactly those with letters.
    let letters = component(&results, "contact", "letters").map_or(0.0, |c| c.prob_nonzero);
    assert_eq!(summary(&results, "contact", "gross").prob_nonzero, letters);
    assert!(component(&results, "contact", "monitoring").is_none(), "monitoring never applies to contact data");
    assert_eq!(component(&results, "ssn", "monitoring").map(|c| c.prob_nonzero), Some(1.0));

    // Annual mode, three breaches a year costed in rounds: the same law breach by breach.
    let annual =
        "id,records,affected,data_types,annual_rate\ncontact,1000,1000,name;email,3\nssn,1000,1000,name;ssn,3\n";
    let results = simulate(annual, TOML, Mode::Annual, ITERATIONS, 7);
    mean_near(&results, "contact", "letters", 0.3);
    mean_near(&results, "contact", "fines", 0.15);
    mean_near(&results, "ssn", "letters", 3.0);
}

#[test]
fn under_the_defaults_contact_breaches_rarely_notify_and_ssn_breaches_always_do() {
    let csv =
        "id,records,affected,data_types\ncontact,50000,50000,name;address;email\nssn,50000,50000,name;address;ssn\n";
    let results = simulate(csv, DEFAULT_ASSUMPTIONS, Mode::Breach, ITERATIONS, 11);
    let p = |id: &str, name: &str| component(&results, id, name).map(|c| c.prob_nonzero);
    assert!(p("contact", "credit_monitoring").is_none(), "contact data are never monitored");
    assert!(p("contact", "notification").is_some_and(|p| p < 0.15), "contact data are rarely notified");
    assert_eq!(p("ssn", "notification"), Some(1.0));
    assert_eq!(p("ssn", "credit_monitoring"), Some(1.0));
}

#[test]
fn breaches_brought_by_a_systemic_event_follow_the_same_notice_law() {
    // An event that hits every year once (costed one breach at a time), no own breaches.
    let toml = format!("{TOML}[[systemic]]\nname = \"wave\"\nannual_rate = 1\nmodel = \"bernoulli\"\nfootprint = 1\n");
    let csv = "id,records,affected,data_types,annual_rate\ncontact,1000,1000,name;email,0\nssn,1000,1000,ssn,0\n";
    let results = simulate(csv, &toml, Mode::Annual, ITERATIONS, 3);
    mean_near(&results, "contact", "letters", 0.1);
    mean_near(&results, "contact", "fines", 0.05);
    mean_near(&results, "ssn", "letters", 1.0);
}
