//! Open Exposure Data (OED 4 cyber account files) as exposures: the shipped example and the
//! equivalent breachcost CSV give the same reports; each field mapped; `validate` says what was
//! used, ignored and missing; bad OED inputs are one-line errors naming file, row, field, value.

mod common;

use breachcost::input::Exposures;
use common::{assert_success, csv_files, describe, run, s, stderr, stdout, write};

/// `assumptions/oed-cyber-account.csv` in breachcost's own columns (default sections:
/// business_interruption NPBI, contingent_business_interruption CBI, data_restoration DIAS,
/// extortion EXT, funds_transfer_fraud FIN).
const EQUIVALENT: &str = "\
id,name,industry,records,revenue,currency,retention,limit,aggregate_limit,share,waiting_period_hours,period_of_restoration_hours,section_sublimit_business_interruption,section_retention_business_interruption,section_sublimit_extortion,section_sublimit_funds_transfer_fraud,section_sublimit_contingent_business_interruption,section_sublimit_data_restoration
A100/CY27-0001,Harbor Dental Group LLC,621210,40000,12000000,USD,10000,1000000,1000000,1,12,2160,,,250000,100000,,
A200/CY27-0002,Northwind Freight Inc.,484121,,250000000,USD,100000,5000000,5000000,1,12,2880,2000000,50000,1000000,0,0,0
A300/CY27-0003,Crescent Credit Union,522130,85000,60000000,USD,50000,3000000,3000000,0.5,24,4320,1000000,25000,,,,
A400/CY27-0004,Meridian Retail Holdings,452210,8000000,2000000000,USD,10000000,15000000,15000000,0.25,12,8760,,,,,,
";

#[test]
fn the_oed_example_gives_the_reports_of_its_breachcost_equivalent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let equivalent = write(dir.path(), "equivalent.csv", EQUIVALENT);
    let (from_oed, from_csv) = (dir.path().join("oed"), dir.path().join("csv"));
    let oed = common::manifest_path("assumptions/oed-cyber-account.csv");
    for (exposures, out) in [(s(&oed), &from_oed), (s(&equivalent), &from_csv)] {
        let args = ["simulate", "--exposures", exposures, "--iterations", "20000", "--no-charts", "--quiet", "--out"];
        assert_success(&run(&[&args[..], &[s(out)]].concat()));
    }
    let (a, b) = (csv_files(&from_oed), csv_files(&from_csv));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between the OED file and its equivalent");
    }
    let summary = String::from_utf8_lossy(&a.iter().find(|(n, _)| n == "summary.csv").expect("summary").1).to_string();
    assert!(summary.contains("A400/CY27-0004,insured"), "ids are AccNumber/PolNumber");
}

#[test]
fn each_field_is_mapped() {
    let oed = "AccNumber,PolNumber,AccCurrency,InsuredName,AccName,IndustryScheme1,IndustryCode1,IndustryScheme2,IndustryCode2,\
NumberOfRecords,AnnualRevenue,AnnualRevenueCurrency,LayerAttachment,PolDed,PolSIR,LayerLimit,LayerAggLimit,LayerParticipation,\
AccParticipation,PolLimitBI,PolDedBI,PolLimitLIA,PolCoverage,BIWaitingPeriod,BIPOI,CloudVendor
a,1,eur,Alpha Ltd,alpha,USSIC,7372,NAICS,541511,1200,5000000,EUR,0,2000,500,1000000,2000000,0.5,0.8,300000,10000,700000,BI;CBI;LIA,0.25,30,3
b,2,USD,,Beta,,,,,0,9000000,,750000,5000,,0,0,,,,,,CYB,,,
";
    let e = Exposures::from_csv_bytes(oed.as_bytes(), "acc.csv").expect("an OED file reads");
    let report = e.oed.as_ref().expect("read as OED");
    assert!(report.used.contains(&"PolLimitBI".to_string()) && report.ignored == vec!["CloudVendor".to_string()]);
    assert!(report.missing.contains(&"PortNumber".to_string()));
    let a = &e.rows[0];
    assert_eq!(a.id, "a/1");
    assert_eq!(a.name.as_deref(), Some("Alpha Ltd"), "InsuredName before AccName");
    assert_eq!(a.industry.as_deref(), Some("541511"), "the NAICS scheme's code");
    assert_eq!((a.records, a.revenue, a.currency.as_deref()), (Some(1200), Some(5e6), Some("EUR")));
    assert_eq!(a.retention, Some(2500.0), "no attachment: deductible + SIR");
    assert_eq!((a.limit, a.aggregate_limit, a.share), (Some(1e6), Some(2e6), Some(0.4)));
    assert_eq!((a.waiting_period_hours, a.restoration_hours), (Some(6.0), Some(720.0)));
    let term = |row: &breachcost::input::Exposure, name: &str| {
        row.section_terms.iter().find(|(t, s, _)| format!("{}{s}", t.column_prefix()) == name).map(|(_, _, v)| *v)
    };
    assert_eq!(term(a, "section_sublimit_oed:NPBI"), Some(300000.0));
    assert_eq!(term(a, "section_retention_oed:NPBI"), Some(10000.0));
    assert_eq!(term(a, "section_sublimit_oed:LIAB"), Some(700000.0));
    for code in ["DIAS", "EXT", "FIN", "INRE", "REG"] {
        assert_eq!(term(a, &format!("section_sublimit_oed:{code}")), Some(0.0), "{code} is not in PolCoverage");
    }
    assert_eq!(term(a, "section_sublimit_oed:CBI"), None, "CBI is covered");
    assert!(a.extra.contains(&("CloudVendor".to_string(), "3".to_string())), "other fields ride along");
    let b = &e.rows[1];
    assert_eq!((b.name.as_deref(), b.industry.as_deref(), b.records), (Some("Beta"), None, None), "0 records: unknown");
    assert_eq!(
        (b.retention, b.limit, b.share),
        (Some(750000.0), None, Some(1.0)),
        "an attachment includes the deductible"
    );
    assert!(b.section_terms.is_empty(), "CYB covers everything");
}

#[test]
fn validate_says_what_was_used_ignored_and_missing() {
    let o = run(&["validate", "--exposures", s(&common::manifest_path("assumptions/oed-cyber-account.csv"))]);
    assert_success(&o);
    let out = stdout(&o);
    for needle in [
        "read as an OED account file",
        "OED fields used: AccNumber, AccCurrency, PolNumber",
        "OED fields ignored (kept as extra columns): PortNumber",
        "OED cyber fields required but missing: none",
        "coverage codes no [[section]] has (their sublimits and deductibles are ignored): ENO",
    ] {
        assert!(out.contains(needle), "{needle}:\n{out}");
    }
}

/// Fields whose values overflow once translated are named as the OED file has them.
#[test]
fn oed_amounts_that_overflow_are_named_by_their_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "AccNumber,PolNumber,AccCurrency,AnnualRevenue,NumberOfRecords,PolDed,PolSIR,BIWaitingPeriod";
    for (row, says) in [
        ("a,1,USD,1000000,1e300,,,", "row 1, field NumberOfRecords: \"1e300\": is above the largest number of records"),
        ("a,1,USD,1000000,1000,1e308,1e308,", "row 1, field PolDed + PolSIR: \"inf\": the deductible and"),
        ("a,1,USD,1000000,1000,,,1e307", "row 1, field BIWaitingPeriod: \"1e307\": is too many days"),
    ] {
        let file = write(dir.path(), "acc.csv", format!("{head}\n{row}\n"));
        let o = run(&["validate", "--exposures", s(&file)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{row}: {}", describe(&o));
        assert!(err.contains(says), "{row}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn bad_oed_inputs_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "AccNumber,PolNumber,AccCurrency,AnnualRevenue,AnnualRevenueCurrency,LayerLimit,LayerParticipation,PolCoverage,LayerAggAttachment";
    for (row, says) in [
        (",1,USD,1000000,USD,1,1,CYB,", "row 1, field AccNumber: \"\": is blank"),
        ("a,1,USD,lots,USD,1,1,CYB,", "row 1, field AnnualRevenue: \"lots\": expected a number"),
        ("a,1,USD,1000000,EUR,1,1,CYB,", "field AnnualRevenueCurrency: \"EUR\": differs from AccCurrency USD"),
        ("a,1,USD,1000000,USD,1,1.5,CYB,", "field LayerParticipation: \"1.5\": expected a share"),
        ("a,1,USD,0,USD,1,1,CYB,", "field NumberOfRecords/AnnualRevenue: \"\": neither is given"),
        ("a,1,USD,1000000,USD,1,1,BI;XYZ,", "field PolCoverage: \"BI;XYZ\": XYZ is not an OED cyber coverage code"),
        (
            "a,1,USD,1000000,USD,1,1,CYB,5",
            "field LayerAggAttachment: \"5\": an annual aggregate attachment is not modelled",
        ),
        (
            "a,1,USD,1000000,USD,1,1,CYB,\na,1,USD,1000000,USD,1,1,CYB,",
            "row 2, field AccNumber/PolNumber: \"a/1\": repeats row 1",
        ),
        (
            "a,1,USD,1000000,USD,1,1,CYB,\na,2,USD,2000000,USD,1,1,CYB,",
            "row 2, field AnnualRevenue: \"2000000\": differs from row 1",
        ),
        ("a,1,USD,1e300,USD,1,1,CYB,", "row 1, field AnnualRevenue: \"1e300\": is above 1e15"),
    ] {
        let file = write(dir.path(), "acc.csv", format!("{head}\n{row}\n"));
        let out = dir.path().join("out");
        let o = run(&["simulate", "--exposures", s(&file), "--iterations", "100", "--out", s(&out)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{row}: {}", describe(&o));
        assert!(err.contains(&format!("acc.csv {says}")) || err.contains(says), "{row}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(!out.exists());
    }
}
