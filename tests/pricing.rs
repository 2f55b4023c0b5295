//! Tail measures and pricing, end to end through the binary: TVaR is the expected shortfall
//! of the simulated years (checked against a brute-force sort of the year loss table),
//! co-TVaR takes exactly the portfolio's worst years, and premiums are priced on the
//! portfolio's capital allocated to each policy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use polars::prelude::*;

mod common;

type Table = Vec<HashMap<String, String>>;

const ITERATIONS: u64 = 20_000;

/// A report's header and its rows keyed by column (read by the tests' shared CSV reader).
fn read_csv(path: &Path) -> (Vec<String>, Table) {
    let table = common::Table::read(path);
    let rows = table.rows.iter().map(|r| table.header.iter().cloned().zip(r.iter().cloned()).collect()).collect();
    (table.header, rows)
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// The row of `id` (and `measure`, where the table has one).
fn row<'t>(table: &'t Table, id: &str, measure: Option<&str>) -> &'t HashMap<String, String> {
    table
        .iter()
        .find(|r| r["id"] == id && measure.is_none_or(|m| r["measure"] == m))
        .unwrap_or_else(|| panic!("no row {id} {measure:?}"))
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1.0)
}

const ASSUMPTIONS: &str = "[frequency]\nrate = 0.3\n[breach]\naffected_share = { dist = \"beta\", mean = 0.4, sd = 0.3 }\n\
     [[component]]\nname = \"response\"\nfixed = { dist = \"lognormal\", low = 1e5, high = 5e6 }\nper_unit = 2\nexponent = 0.9\n\
     [[component]]\nname = \"monitoring\"\nper_unit = 12\nunit_share = 0.05\ndata_types = [\"ssn\"]\n\
     [pricing]\nexpense_ratio = 0.25\ncost_of_capital = 0.08\ncapital_measure = \"tvar_99\"\n";

/// A book with a policy that rarely has a loss (P < 1%), one whose loss sits on its limit
/// in most years with a loss (a mass at the limit), and a large one.
const BOOK: &str = "id,records,data_types,annual_rate,retention,limit,aggregate_limit,share\n\
     rare,20000,name;email,0.004,10000,1000000,1000000,1\n\
     capped,50000,name;ssn,1.5,0,100000,100000,1\n\
     large,5000000,name;ssn;bank_account,0.3,1000000,10000000,20000000,0.5\n";

fn simulate(dir: &Path, book: &str, assumptions: &str, extra: &[&str]) -> (PathBuf, Output) {
    common::write(dir, "book.csv", book);
    common::write(dir, "a.toml", assumptions);
    let iterations = ITERATIONS.to_string();
    let mut args = vec!["simulate", "--no-charts", "--iterations", &iterations, "--seed", "11"];
    args.extend(["--exposures", "book.csv", "--assumptions", "a.toml", "--out", "out"]);
    args.extend(extra);
    let output = common::run_in(dir, &args);
    common::assert_success(&output);
    (dir.join("out"), output)
}

/// Every year's loss (zeros included) of each exposure and measure, from the year loss table.
fn years(ylt: &Path) -> HashMap<(String, &'static str), Vec<f64>> {
    let table = ParquetReader::new(std::fs::File::open(ylt).expect("ylt")).finish().expect("ylt reads back");
    let ids = table.column("id").expect("id").str().expect("text").clone();
    let iterations = table.column("iteration").expect("iteration").u64().expect("u64").clone();
    let mut out: HashMap<(String, &'static str), Vec<f64>> = HashMap::new();
    for measure in ["gross", "insured"] {
        let values = table.column(measure).expect("measure").f64().expect("f64").clone();
        for r in 0..table.height() {
            let (id, i, v) =
                (ids.get(r).expect("id"), iterations.get(r).expect("iteration"), values.get(r).expect("value"));
            for key in [id, "PORTFOLIO"] {
                out.entry((key.to_string(), measure)).or_insert_with(|| vec![0.0; ITERATIONS as usize])[i as usize] +=
                    v;
            }
        }
    }
    out
}

/// The worst (1 − q)·n years, worst first (ties: the earlier iteration first), with weights:
/// the plain definition, by a full sort.
fn worst_years(years: &[f64], q: f64) -> (Vec<(usize, f64)>, f64) {
    let m = (1.0 - q) * years.len() as f64;
    let m = if (m - m.round()).abs() < 1e-9 { m.round() } else { m };
    let mut order: Vec<usize> = (0..years.len()).collect();
    order.sort_by(|a, b| years[*b].total_cmp(&years[*a]).then(a.cmp(b)));
    let whole = m.floor() as usize;
    let mut taken: Vec<(usize, f64)> = order[..whole].iter().map(|i| (*i, 1.0)).collect();
    if m > whole as f64 {
        taken.push((order[whole], m - whole as f64));
    }
    (taken, m)
}

fn expected_shortfall(years: &[f64], q: f64) -> f64 {
    let (taken, m) = worst_years(years, q);
    taken.iter().map(|(i, w)| w * years[*i]).sum::<f64>() / m
}

#[test]
fn tvar_is_the_expected_shortfall_of_the_simulated_years_even_at_a_mass_of_zeros() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, _) = simulate(dir.path(), BOOK, ASSUMPTIONS, &["--ylt", "--quiet"]);
    let years = years(&out.join("ylt.parquet"));
    let (_, summary) = read_csv(&out.join("summary.csv"));
    let rare = &years[&("rare".to_string(), "insured")];
    let with_loss = rare.iter().filter(|v| **v > 0.0).count() as f64 / ITERATIONS as f64;
    assert!(with_loss > 0.0 && with_loss < 0.01, "the rare policy has a loss in {with_loss} of years");
    let capped = &years[&("capped".to_string(), "insured")];
    let at_limit = capped.iter().filter(|v| **v == 100_000.0).count();
    assert!(at_limit as f64 > 0.05 * ITERATIONS as f64, "the capped policy sits on its limit in {at_limit} years");
    for id in ["rare", "capped", "large", "PORTFOLIO"] {
        for measure in ["gross", "insured"] {
            let values = &years[&(id.to_string(), measure)];
            let r = row(&summary, id, Some(measure));
            for (q, column) in [(0.95, "tvar_95"), (0.99, "tvar_99")] {
                let brute = expected_shortfall(values, q);
                let ours = number(r, column);
                assert!(close(ours, brute, 1e-9), "{id} {measure} {column}: {ours} vs {brute}");
            }
            assert!(number(r, "tvar_99") >= number(r, "p99"), "{id} {measure}: TVaR99 below VaR99");
            assert!(number(r, "tvar_95") >= number(r, "p95"), "{id} {measure}: TVaR95 below VaR95");
        }
    }
    // At a mass of zeros TVaR95 is not the mean: for the rare policy it is its mean ÷ 5%.
    let rare_row = row(&summary, "rare", Some("insured"));
    assert_eq!(number(rare_row, "p95"), 0.0);
    assert!(close(number(rare_row, "tvar_95"), number(rare_row, "mean") / 0.05, 1e-9));
}

#[test]
fn co_tvar_averages_exactly_the_portfolios_worst_years_and_adds_up_to_its_tvar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, _) = simulate(dir.path(), BOOK, ASSUMPTIONS, &["--ylt", "--quiet"]);
    let years = years(&out.join("ylt.parquet"));
    let (_, contribution) = read_csv(&out.join("contribution.csv"));
    for measure in ["gross", "insured"] {
        let portfolio = &years[&("PORTFOLIO".to_string(), measure)];
        let (worst, m) = worst_years(portfolio, 0.99);
        let mut sum = 0.0;
        for id in ["rare", "capped", "large"] {
            let own = &years[&(id.to_string(), measure)];
            let brute = worst.iter().map(|(i, w)| w * own[*i]).sum::<f64>() / m;
            let ours = number(row(&contribution, id, Some(measure)), "co_tvar_99");
            assert!(close(ours, brute, 1e-9), "{id} {measure}: co-TVaR {ours} vs {brute}");
            sum += ours;
        }
        let whole = number(row(&contribution, "PORTFOLIO", Some(measure)), "co_tvar_99");
        assert!(close(sum, whole, 1e-12), "{measure}: contributions add to {sum}, the portfolio's TVaR99 is {whole}");
    }
}

#[test]
fn premiums_are_priced_on_allocated_capital_and_add_up_to_the_portfolio_premium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, _) = simulate(dir.path(), BOOK, ASSUMPTIONS, &["--quiet"]);
    let (header, pricing) = read_csv(&out.join("pricing.csv"));
    for column in ["expected_loss", "standalone_capital", "allocated_capital", "risk_load", "expense_load"] {
        assert!(header.iter().any(|h| h == column), "pricing.csv has {column}");
    }
    for column in ["technical_premium", "loss_ratio", "rate_on_line", "diversification_benefit", "market_check"] {
        assert!(header.iter().any(|h| h == column), "pricing.csv has {column}");
    }
    let (_, summary) = read_csv(&out.join("summary.csv"));
    let (_, contribution) = read_csv(&out.join("contribution.csv"));
    let (mut premiums, mut allocated, mut standalone_premiums) = (0.0, 0.0, 0.0);
    for id in ["rare", "capped", "large"] {
        let p = row(&pricing, id, None);
        let s = row(&summary, id, Some("insured"));
        let mean = number(s, "mean");
        assert_eq!(number(p, "expected_loss"), mean);
        assert!(close(number(p, "standalone_capital"), number(s, "tvar_99") - mean, 1e-12));
        let co_tvar = number(row(&contribution, id, Some("insured")), "co_tvar_99");
        assert!(close(number(p, "allocated_capital"), co_tvar - mean, 1e-9), "{id}");
        // Priced on its allocation; one below zero (a hedge of the book's tail) is charged none.
        assert_eq!(number(p, "capital"), number(p, "allocated_capital").max(0.0), "{id}: priced on its allocation");
        let premium = (mean + 0.08 * number(p, "capital")) / 0.75;
        assert!(close(number(p, "technical_premium"), premium, 1e-12), "{id}");
        assert!(close(number(p, "loss_ratio"), mean / premium, 1e-12), "{id}");
        let standalone = (mean + 0.08 * number(p, "standalone_capital")) / 0.75;
        assert!(close(number(p, "standalone_premium"), standalone, 1e-12), "{id}");
        premiums += number(p, "technical_premium");
        allocated += number(p, "allocated_capital");
        standalone_premiums += standalone;
    }
    let book = row(&pricing, "PORTFOLIO", None);
    let whole = row(&summary, "PORTFOLIO", Some("insured"));
    assert!(close(number(book, "technical_premium"), premiums, 1e-12));
    let portfolio_capital = number(whole, "tvar_99") - number(whole, "mean");
    assert!(close(allocated, portfolio_capital, 1e-9), "allocations {allocated} vs {portfolio_capital}");
    let portfolio_premium = (number(whole, "mean") + 0.08 * portfolio_capital) / 0.75;
    // The policies' premiums add to the portfolio's, but for the credit no policy is given
    // (an allocation below zero is charged as zero).
    let uncredited: f64 = ["rare", "capped", "large"]
        .iter()
        .map(|id| (-number(row(&pricing, id, None), "allocated_capital")).max(0.0))
        .sum();
    assert!(
        close(premiums, portfolio_premium + 0.08 * uncredited / 0.75, 1e-9),
        "the policies' premiums add to the portfolio's"
    );
    let benefit = number(book, "diversification_benefit");
    assert!(close(benefit, standalone_premiums - portfolio_premium, 1e-9));
    // TVaR is subadditive: pricing the book together never costs more than alone.
    assert!(benefit >= 0.0, "diversification benefit {benefit}");
    // The rare policy's standalone capital is most of its limit; its share of the book's is far less.
    let rare = row(&pricing, "rare", None);
    assert!(number(rare, "allocated_capital") < 0.2 * number(rare, "standalone_capital"));
}

#[test]
fn standalone_allocation_charges_each_policy_its_own_capital() {
    let dir = tempfile::tempdir().expect("tempdir");
    let assumptions = format!("{ASSUMPTIONS}capital_allocation = \"standalone\"\n");
    let (out, _) = simulate(dir.path(), BOOK, &assumptions, &["--quiet"]);
    let (_, pricing) = read_csv(&out.join("pricing.csv"));
    let mut capitals = 0.0;
    for p in pricing.iter().filter(|p| p["id"] != "PORTFOLIO") {
        assert_eq!(number(p, "capital"), number(p, "standalone_capital"), "{}", p["id"]);
        assert!(close(number(p, "technical_premium"), number(p, "standalone_premium"), 1e-12), "{}", p["id"]);
        capitals += number(p, "capital");
    }
    // The book charges the sum of standalone capitals, more than the portfolio's own.
    let book = row(&pricing, "PORTFOLIO", None);
    assert!(close(number(book, "capital"), capitals, 1e-12));
    assert!(number(book, "standalone_capital") < capitals);
}

#[test]
fn a_one_policy_portfolio_prices_the_same_both_ways() {
    let one = "id,records,data_types,annual_rate,retention,limit,aggregate_limit,share\n\
               only,300000,name;ssn,0.2,50000,5000000,5000000,1\n";
    let priced = |allocation: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        let assumptions = format!("{ASSUMPTIONS}capital_allocation = \"{allocation}\"\n");
        let (out, _) = simulate(dir.path(), one, &assumptions, &["--quiet"]);
        (common::read_text(&out.join("pricing.csv")), read_csv(&out.join("pricing.csv")).1)
    };
    let ((portfolio, rows), (standalone, _)) = (priced("portfolio"), priced("standalone"));
    assert_eq!(portfolio, standalone);
    let only = row(&rows, "only", None);
    assert_eq!(number(only, "allocated_capital"), number(only, "standalone_capital"));
}

/// The shipped sample book on the default assumptions: 30% expenses cap a policy's loss
/// ratio at 70% (a policy that adds nothing to the book's tail carries no capital), and
/// the policies that drive the tail carry its capital, so the book's loss ratio lands
/// inside the US market's published 40-65% (the `[market]` band it is checked against).
#[test]
fn the_sample_book_prices_at_loss_ratios_a_market_would_recognise() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::assert_success(&common::run_in(dir.path(), &["simulate", "--quiet", "--out", "out"]));
    let (_, pricing) = read_csv(&dir.path().join("out/pricing.csv"));
    for p in pricing.iter().filter(|p| p["id"] != "PORTFOLIO") {
        let ratio = number(p, "loss_ratio");
        assert!((0.35..=0.72).contains(&ratio), "{}: loss ratio {ratio}", p["id"]);
        assert!(!p["rate_on_line"].is_empty(), "{} has a limit", p["id"]);
    }
    let page = common::read_text(&dir.path().join("out/report.html"));
    assert!(page.contains("<h2>Pricing</h2>") && page.contains("a loss ratio of"), "the page prices the book");
    let flagged = pricing.iter().filter(|p| p["market_check"] == "above" || p["market_check"] == "below").count();
    assert!(page.contains(&format!("{flagged} of 20 policies price outside")), "the page counts the flagged policies");
    let book = row(&pricing, "PORTFOLIO", None);
    let ratio = number(book, "loss_ratio");
    assert!((0.40..=0.65).contains(&ratio), "book loss ratio {ratio}");
    assert_eq!(book["market_check"], "within");
    assert_eq!((number(book, "market_low"), number(book, "market_high")), (0.40, 0.65));
}

#[test]
fn premiums_are_checked_against_the_market_band_for_the_insureds_revenue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = "id,records,data_types,annual_rate,revenue,limit\n\
                cheap,1000,name;email,0.0001,2000000,1000000\n\
                dear,1000000,name;ssn,0.5,2000000,1000000\n\
                mid,1000000,name;ssn,0.5,50000000,1000000\n\
                unknown,1000,name;email,0.1,,1000000\n";
    let market = "[market]\nloss_ratio = { low = 0.4, high = 0.65 }\n\
                  [[market.premium_per_million]]\nrevenue_below = 1e7\npremium = { low = 1000, high = 7500 }\n\
                  [[market.premium_per_million]]\nrevenue_below = inf\npremium = { low = 3000, high = 1e9 }\n";
    let (out, _) = simulate(dir.path(), book, &format!("{ASSUMPTIONS}{market}"), &["--quiet"]);
    let (_, pricing) = read_csv(&out.join("pricing.csv"));
    let verdict = |id: &str| row(&pricing, id, None)["market_check"].clone();
    assert_eq!(verdict("cheap"), "below");
    assert_eq!(verdict("dear"), "above");
    assert_eq!(verdict("mid"), "within");
    assert_eq!(verdict("unknown"), "", "no revenue, no band");
    let dear = row(&pricing, "dear", None);
    assert!(close(number(dear, "premium_per_million"), number(dear, "technical_premium"), 1e-12), "a $1M limit");
    assert_eq!((number(dear, "market_low"), number(dear, "market_high")), (1000.0, 7500.0));
}

#[test]
fn a_run_that_prices_a_policy_without_a_limit_warns_but_succeeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = "id,records,limit\nlimited,1000,1000000\nopen,2000,\n";
    let (_, output) = simulate(dir.path(), book, ASSUMPTIONS, &[]);
    let err = common::stderr(&output);
    assert!(err.starts_with("warning: 1 of 2 policies have no limit (\"open\")"), "{err}");
    let again = tempfile::tempdir().expect("tempdir");
    let (_, quiet) = simulate(again.path(), book, ASSUMPTIONS, &["--quiet"]);
    assert!(quiet.stderr.is_empty(), "--quiet silences warnings");
}
