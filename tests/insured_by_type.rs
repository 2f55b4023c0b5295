//! The expected insured loss by incident type (`incidents.csv`'s `insured_mean`): each year's
//! insured loss shared among its incidents pro rata to what the policy pays of each before the
//! year's terms, against its closed form under an aggregate limit; the types adding up to the
//! insured mean; and the portfolio's rows summing the exposures'.

mod common;
mod engine_support;

use breachcost::input::Mode;
use common::{run, write};
use engine_support::{assert_within, simulate, Z};

const SEED: u64 = 9_119;

/// Breaches at $1,000 (Poisson 0.6 a year), fraud at $3,000 (Poisson 0.4), and an aggregate
/// limit of $4,000: a year of `a` breaches and `f` frauds pays min(1000 a + 3000 f, 4000), of
/// which the breaches' part is 1000 a / (1000 a + 3000 f).
const MODEL: &str = "[frequency]\nrate = 0.6\n[policy]\naggregate_limit = 4000\n\
                     [[incident]]\nname = \"fraud\"\nrate = 0.4\n\
                     [[component]]\nname = \"response\"\nfixed = 1000\n\
                     [[component]]\nname = \"transfer\"\nincident = \"fraud\"\nfixed = 3000\n";

fn poisson(lambda: f64, k: u32) -> f64 {
    (-lambda).exp() * lambda.powi(k as i32) / (1..=k).map(f64::from).product::<f64>()
}

#[test]
fn each_type_gets_its_pro_rata_share_of_the_insured_year() {
    let n = 200_000;
    let results = simulate("id,records\nx,10\n", MODEL, Mode::Annual, n, SEED);
    let e = &results.exposures[0];
    assert_eq!(e.insured_by_type.len(), 2);
    // Exact moments over the two Poisson counts.
    let (mut mean, mut square) = ([0.0; 2], [0.0; 2]);
    for a in 0..40 {
        for f in 0..40 {
            let p = poisson(0.6, a) * poisson(0.4, f);
            let gross = 1000.0 * f64::from(a) + 3000.0 * f64::from(f);
            if gross == 0.0 {
                continue;
            }
            let insured = gross.min(4000.0);
            let parts = [insured * 1000.0 * f64::from(a) / gross, insured * 3000.0 * f64::from(f) / gross];
            for t in 0..2 {
                mean[t] += p * parts[t];
                square[t] += p * parts[t] * parts[t];
            }
        }
    }
    for (t, name) in ["data_breach", "fraud"].into_iter().enumerate() {
        let se = ((square[t] - mean[t] * mean[t]) / n as f64).sqrt();
        assert_within(name, e.insured_by_type[t], mean[t], se, Z);
    }
    // The limit bites: the insured loss by type is below the gross.
    assert!(e.insured_by_type[1] < 0.97 * e.incidents[1].1.mean, "{:?}", e.insured_by_type);
    let total: f64 = e.insured_by_type.iter().sum();
    let insured = e.measures.insured.summary.mean;
    assert!((total - insured).abs() <= 1e-9 * insured, "{total} vs {insured}");
}

/// Without policy terms each type's insured loss is its gross cost; with a share, that share of
/// it. The `PORTFOLIO` rows of `incidents.csv` sum the exposures' and their shares add to one.
#[test]
fn incidents_csv_carries_the_insured_loss_by_type_for_each_exposure_and_the_book() {
    let no_terms = MODEL.replace("[policy]\naggregate_limit = 4000\n", "");
    let results = simulate("id,records,share\nx,10,\ny,10,0.25\n", &no_terms, Mode::Annual, 20_000, SEED);
    for (e, share) in results.exposures.iter().zip([1.0, 0.25]) {
        for ((_, gross), insured) in e.incidents.iter().zip(&e.insured_by_type) {
            assert!((insured - share * gross.mean).abs() <= 1e-9 * gross.mean, "{}: {insured} vs {}", e.id, gross.mean);
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (e, a) = (write(dir.path(), "e.csv", "id,records\nx,10\ny,10\n"), write(dir.path(), "a.toml", MODEL));
    let out = dir.path().join("out");
    let output = run(&[
        "simulate",
        "--exposures",
        common::s(&e),
        "--assumptions",
        common::s(&a),
        "--iterations",
        "20000",
        "--quiet",
        "--no-charts",
        "--out",
        common::s(&out),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::describe(&output));
    let table = common::Table::read(&out.join("incidents.csv"));
    for incident in ["data_breach", "fraud"] {
        let rows: Vec<_> = table.rows.iter().filter(|r| table.get(r, "incident") == incident).collect();
        let (book, policies): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| table.get(r, "id") == "PORTFOLIO");
        let sum: f64 = policies.iter().map(|r| table.num(r, "insured_mean")).sum();
        assert!((table.num(book[0], "insured_mean") - sum).abs() <= 1e-9 * sum, "{incident}");
    }
    let book = table.rows.iter().filter(|r| table.get(r, "id") == "PORTFOLIO");
    let shares: f64 = book.map(|r| table.num(r, "share_of_insured")).sum();
    assert!((shares - 1.0).abs() < 1e-12, "{shares}");
    let summary = common::Table::read(&out.join("summary.csv"));
    let insured = summary.num(summary.row("PORTFOLIO", "insured"), "mean");
    let by_type: f64 =
        table.rows.iter().filter(|r| table.get(r, "id") == "PORTFOLIO").map(|r| table.num(r, "insured_mean")).sum();
    assert!((by_type - insured).abs() <= 1e-9 * insured, "{by_type} vs {insured}");
}
