//! Bad inputs: every input error exits with status 2, prints exactly one line on stderr
//! starting with `error: ` that names the file, the place and the value, and writes nothing.
//! A few well-formed but unusual inputs (CRLF, BOM, quoted commas) must be accepted.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

/// Exposures that go with [`TEST_ASSUMPTIONS`] and are valid.
const GOOD_CSV: &str = "id,records\na,1000\nb,250000\n";

/// A minimal valid assumptions file with one component `legal`.
const GOOD_TOML: &str = "[[component]]\nname = \"legal\"\nfixed = 1000\nper_unit = 0.5\n";

/// What to pass as an input file.
enum Input<'a> {
    /// Leave the flag out (built-in defaults).
    BuiltIn,
    /// Write this text to a file of the given name in the temporary folder.
    Text(&'a str, &'a [u8]),
    /// Name a file that does not exist.
    Missing(&'a str),
    /// Name a folder.
    Folder(&'a str),
}

/// Prepares `input` in `dir`; returns the path to pass, if any.
fn prepare(dir: &Path, input: &Input) -> Option<PathBuf> {
    match input {
        Input::BuiltIn => None,
        Input::Text(name, bytes) => Some(write(dir, name, bytes)),
        Input::Missing(name) => Some(dir.join(name)),
        Input::Folder(name) => {
            let path = dir.join(name);
            std::fs::create_dir_all(&path).expect("mkdir");
            Some(path)
        }
    }
}

/// Runs `breachcost <command>` on the inputs (plus `--out dir/reports/out` for simulate),
/// with the input files in `dir`; returns the out folder and the process output.
fn run_in_dir(dir: &Path, command: &str, exposures: &Input, assumptions: &Input, extra: &[&str]) -> (PathBuf, Output) {
    let out = dir.join("reports").join("out");
    let exposures = prepare(dir, exposures);
    let assumptions = prepare(dir, assumptions);
    let mut args: Vec<&str> = vec![command];
    if let Some(path) = &exposures {
        args.extend(["--exposures", s(path)]);
    }
    if let Some(path) = &assumptions {
        args.extend(["--assumptions", s(path)]);
    }
    if command == "simulate" {
        args.extend(["--out", s(&out)]);
        if !extra.contains(&"--iterations") {
            args.extend(["--iterations", "200"]);
        }
    }
    args.extend_from_slice(extra);
    let output = run(&args);
    (out, output)
}

/// [`run_in_dir`] in a fresh temporary folder, returned so that it lives long enough.
fn run_command(
    command: &str,
    exposures: &Input,
    assumptions: &Input,
    extra: &[&str],
) -> (tempfile::TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, output) = run_in_dir(dir.path(), command, exposures, assumptions, extra);
    (dir, out, output)
}

/// Asserts the process failed with an input error: exit 2, one line on stderr starting with
/// `error: ` that contains each of `needles`.
fn assert_input_error(output: &Output, needles: &[&str]) -> String {
    assert_eq!(output.status.code(), Some(2), "expected exit 2 (bad input); {}", describe(output));
    let err = stderr(output);
    assert!(err.starts_with("error: "), "stderr should start with \"error: \": {err:?}");
    assert_eq!(err.trim_end_matches('\n').lines().count(), 1, "stderr should be exactly one line: {err:?}");
    assert!(err.ends_with('\n'), "the error line should end with a newline: {err:?}");
    for needle in needles {
        assert!(err.contains(needle), "the error should mention {needle:?}: {err}");
    }
    assert!(output.stdout.is_empty(), "nothing on stdout on an input error: {}", stdout(output));
    err
}

/// `simulate` must fail with an input error mentioning `needles` and write nothing; then
/// `validate` on the same inputs must report the same error.
fn rejects(exposures: Input, assumptions: Input, needles: &[&str]) -> String {
    let (dir, out, output) = run_command("simulate", &exposures, &assumptions, &[]);
    let err = assert_input_error(&output, needles);
    assert!(!out.exists(), "the out folder should not be created on an input error");
    assert!(!dir.path().join("reports").exists(), "not even its parent should be created");
    let (_out, validated) = run_in_dir(dir.path(), "validate", &exposures, &assumptions, &[]);
    let validate_err = assert_input_error(&validated, needles);
    assert_eq!(validate_err, err, "validate and simulate should report the same error");
    err
}

/// An exposures text that must be rejected (with the good test assumptions).
fn bad_exposures(csv: &str, needles: &[&str]) -> String {
    let mut all = vec!["book.csv"];
    all.extend_from_slice(needles);
    rejects(Input::Text("book.csv", csv.as_bytes()), Input::Text("study.toml", GOOD_TOML.as_bytes()), &all)
}

/// An assumptions text that must be rejected (with good exposures).
fn bad_assumptions(toml: &str, needles: &[&str]) -> String {
    let mut all = vec!["study.toml"];
    all.extend_from_slice(needles);
    rejects(Input::Text("book.csv", GOOD_CSV.as_bytes()), Input::Text("study.toml", toml.as_bytes()), &all)
}

/// A component `legal` with one extra line.
fn component(line: &str) -> String {
    format!("[[component]]\nname = \"legal\"\n{line}\n")
}

/// Runs simulate on inputs that must be accepted; returns the report folder's summary.
fn accepts(exposures: &[u8], assumptions: &[u8]) -> Table {
    let (dir, out, output) = run_command(
        "simulate",
        &Input::Text("book.csv", exposures),
        &Input::Text("study.toml", assumptions),
        &["--quiet"],
    );
    assert_success(&output);
    let summary = Table::read(&out.join("summary.csv"));
    drop(dir);
    summary
}

// ---- exposures file ----

#[test]
fn a_missing_exposures_file_is_an_input_error() {
    rejects(Input::Missing("nope.csv"), Input::BuiltIn, &["nope.csv"]);
}

#[test]
fn a_folder_given_as_the_exposures_file_is_an_input_error() {
    rejects(Input::Folder("book.csv"), Input::BuiltIn, &["book.csv", "directory"]);
}

#[test]
fn an_empty_exposures_file_is_an_input_error() {
    bad_exposures("", &["empty"]);
    bad_exposures("\n\n", &["empty"]);
}

#[test]
fn an_exposures_file_with_only_a_header_is_an_input_error() {
    bad_exposures("id,records\n", &["no rows"]);
}

#[test]
fn a_missing_id_column_is_an_input_error() {
    bad_exposures("name,records\nAcme,10\n", &["id", "missing"]);
}

#[test]
fn column_names_are_case_sensitive_with_a_hint() {
    bad_exposures("ID,Records\na,10\n", &["column id", "missing", "\"ID\""]);
}

#[test]
fn a_missing_records_column_is_an_input_error_with_a_hint() {
    bad_exposures("id,record\na,10\n", &["records", "missing", "\"record\""]);
}

#[test]
fn a_duplicate_id_is_an_input_error() {
    bad_exposures("id,records\na,10\nb,20\na,30\n", &["row 3", "id", "\"a\"", "row 1"]);
}

#[test]
fn a_blank_id_is_an_input_error() {
    bad_exposures("id,records\na,10\n,20\n", &["row 2", "column id", "empty"]);
    bad_exposures("id,records\n\"  \",20\n", &["row 1", "column id", "empty"]);
}

#[test]
fn non_numeric_records_are_an_input_error() {
    bad_exposures("id,records\na,10\nb,abc\n", &["row 2", "column records", "\"abc\"", "non-negative integer"]);
}

#[test]
fn negative_records_are_an_input_error() {
    bad_exposures("id,records\na,-5\n", &["row 1", "column records", "\"-5\"", "non-negative integer"]);
}

#[test]
fn records_in_scientific_notation_or_with_thousands_separators_are_rejected_with_a_hint() {
    bad_exposures("id,records\na,1e6\n", &["row 1", "column records", "\"1e6\"", "plain digits"]);
    bad_exposures("id,records\na,\"1,000\"\n", &["row 1", "column records", "\"1,000\"", "thousands separators"]);
    bad_exposures("id,records\na,2.5\n", &["row 1", "column records", "\"2.5\"", "non-negative integer"]);
}

#[test]
fn records_beyond_u64_are_an_input_error() {
    bad_exposures(
        "id,records\na,18446744073709551616\n",
        &["row 1", "column records", "\"18446744073709551616\"", "too large"],
    );
}

#[test]
fn nan_and_infinite_annual_rates_are_input_errors() {
    for value in ["NaN", "nan", "inf", "-inf", "infinity"] {
        bad_exposures(
            &format!("id,records,annual_rate\na,10,0.1\nb,10,{value}\n"),
            &["row 2", "column annual_rate", &format!("\"{value}\""), "finite"],
        );
    }
    bad_exposures("id,records,annual_rate\na,10,-0.5\n", &["row 1", "column annual_rate", "\"-0.5\""]);
    bad_exposures("id,records,revenue\na,10,lots\n", &["row 1", "column revenue", "\"lots\""]);
}

#[test]
fn a_share_above_one_in_the_exposures_is_an_input_error() {
    bad_exposures("id,records,share\na,10,1.5\n", &["row 1", "column share", "\"1.5\"", "between 0 and 1"]);
}

#[test]
fn a_semicolon_delimited_csv_is_rejected_with_a_hint_about_commas() {
    bad_exposures("id;records\na;10\n", &["semicolon", "comma"]);
}

#[test]
fn a_tab_delimited_csv_is_rejected_with_a_hint_about_commas() {
    bad_exposures("id\trecords\na\t10\n", &["tab", "comma"]);
}

#[test]
fn affected_above_records_is_an_input_error() {
    bad_exposures("id,records,affected\na,10,20\n", &["row 1", "column affected", "\"20\"", "records"]);
    bad_exposures("id,records,affected\na,10,-1\n", &["row 1", "column affected", "\"-1\""]);
}

#[test]
fn an_unknown_sublimit_component_column_is_an_input_error() {
    bad_exposures(
        "id,records,sublimit_legl\na,10,500\n",
        &["row 1", "sublimit_legl", "no component", "\"legl\"", "sublimit_legal"],
    );
}

#[test]
fn an_unknown_aggregate_sublimit_component_column_is_an_input_error() {
    bad_exposures(
        "id,records,aggregate_sublimit_legl\na,10,500\n",
        &["row 1", "aggregate_sublimit_legl", "no component", "\"legl\"", "aggregate_sublimit_legal"],
    );
}

#[test]
fn a_negative_aggregate_sublimit_in_the_exposures_is_an_input_error() {
    bad_exposures("id,records,aggregate_sublimit_legal\na,10,-5\n", &["row 1", "aggregate_sublimit_legal", "-5"]);
}

#[test]
fn a_negative_policy_amount_in_the_exposures_is_an_input_error() {
    bad_exposures("id,records,retention\na,10,-100\n", &["row 1", "column retention", "\"-100\""]);
    bad_exposures("id,records,limit\na,10,-1\n", &["row 1", "column limit", "\"-1\""]);
}

#[test]
fn a_row_with_too_many_fields_is_an_input_error() {
    bad_exposures("id,records\na,10\nb,20,30\n", &[]);
}

#[test]
fn a_file_that_is_not_utf8_is_an_input_error() {
    let (_dir, out, output) = run_command(
        "simulate",
        &Input::Text("book.csv", b"id,records\n\xff\xfe,10\n"),
        &Input::Text("study.toml", GOOD_TOML.as_bytes()),
        &[],
    );
    assert_input_error(&output, &["book.csv", "UTF-8"]);
    assert!(!out.exists());
}

#[test]
fn a_truncated_parquet_file_is_an_input_error() {
    let (_dir, out, output) = run_command(
        "simulate",
        &Input::Text("book.parquet", GOOD_CSV.as_bytes()),
        &Input::Text("study.toml", GOOD_TOML.as_bytes()),
        &[],
    );
    assert_input_error(&output, &["book.parquet", "Parquet"]);
    assert!(!out.exists());
}

#[test]
fn a_column_named_twice_in_the_header_is_an_input_error() {
    bad_exposures("id,records,records\na,10,20\n", &["records", "twice"]);
}

#[test]
fn blank_lines_in_the_exposures_are_ignored() {
    for text in ["id,records\na,10\n\n", "id,records\r\na,10\r\n\r\n", "id,records\na,10\n\nb,20\n"] {
        let summary = accepts(text.as_bytes(), GOOD_TOML.as_bytes());
        assert!(!summary.rows.is_empty(), "{text:?}");
    }
}

// ---- assumptions file ----

#[test]
fn a_missing_assumptions_file_is_an_input_error() {
    rejects(Input::Text("book.csv", GOOD_CSV.as_bytes()), Input::Missing("nope.toml"), &["nope.toml"]);
}

#[test]
fn a_folder_given_as_the_assumptions_file_is_an_input_error() {
    rejects(Input::Text("book.csv", GOOD_CSV.as_bytes()), Input::Folder("study.toml"), &["study.toml", "directory"]);
}

#[test]
fn a_toml_syntax_error_names_the_line_and_column() {
    let err = bad_assumptions(&format!("{GOOD_TOML}\n[policy\nretention = 5\n"), &["line", "column"]);
    assert!(err.contains("line 6"), "the broken table header is on line 6: {err}");
}

#[test]
fn an_unknown_top_level_key_is_an_input_error_with_a_did_you_mean_hint() {
    bad_assumptions(
        &format!("[simulaton]\niterations = 5\n{GOOD_TOML}"),
        &["simulaton", "unknown key", "did you mean", "\"simulation\""],
    );
}

#[test]
fn an_unknown_component_key_is_an_input_error_with_a_did_you_mean_hint() {
    bad_assumptions(&component("per_unti = 5"), &["component \"legal\"", "per_unti", "unknown key", "\"per_unit\""]);
}

#[test]
fn an_unknown_distribution_is_an_input_error_with_a_hint() {
    bad_assumptions(
        &component("fixed = { dist = \"lognormel\", low = 1e4, high = 1e6 }"),
        &["component \"legal\".fixed", "\"lognormel\"", "\"lognormal\""],
    );
}

#[test]
fn an_unknown_distribution_parameter_is_an_input_error() {
    bad_assumptions(
        &component("fixed = { dist = \"uniform\", min = 1, max = 2, mode = 3 }"),
        &["component \"legal\".fixed", "mode", "unknown key"],
    );
}

#[test]
fn a_lognormal_with_low_not_below_high_is_an_input_error() {
    bad_assumptions(
        &component("fixed = { dist = \"lognormal\", low = 1e6, high = 1e6 }"),
        &["component \"legal\".fixed", "low < high"],
    );
    bad_assumptions(
        &component("fixed = { dist = \"lognormal\", low = 2e6, high = 1e6 }"),
        &["component \"legal\".fixed", "low < high"],
    );
}

#[test]
fn a_normal_with_sd_not_above_zero_is_an_input_error() {
    for sd in ["0", "-1"] {
        bad_assumptions(
            &component(&format!("fixed = {{ dist = \"normal\", mean = 100, sd = {sd} }}")),
            &["component \"legal\".fixed", "sd > 0"],
        );
    }
}

#[test]
fn an_impossible_beta_mean_and_sd_is_an_input_error() {
    bad_assumptions(
        &format!("[breach]\naffected_share = {{ dist = \"beta\", mean = 0.5, sd = 0.6 }}\n{GOOD_TOML}"),
        &["breach.affected_share", "beta", "0.6"],
    );
}

#[test]
fn a_pert_with_min_above_max_is_an_input_error() {
    bad_assumptions(
        &component("per_unit = { dist = \"pert\", min = 20, mode = 10, max = 5 }"),
        &["component \"legal\".per_unit", "pert", "min"],
    );
}

#[test]
fn a_distribution_missing_a_parameter_is_an_input_error() {
    bad_assumptions(
        &component("fixed = { dist = \"gamma\", mean = 5 }"),
        &["component \"legal\".fixed", "sd", "missing"],
    );
}

#[test]
fn a_probability_outside_zero_to_one_is_an_input_error() {
    bad_assumptions(&component("probability = 1.5"), &["component \"legal\".probability", "1.5"]);
    bad_assumptions(&component("probability = -0.1"), &["component \"legal\".probability", "-0.1"]);
    bad_assumptions(&component("probability = [[1e3, 0.1], [1e6, 1.2]]"), &["component \"legal\".probability", "1.2"]);
}

#[test]
fn a_probability_curve_not_increasing_in_records_is_an_input_error() {
    bad_assumptions(
        &component("probability = [[1e6, 0.1], [1e3, 0.2]]"),
        &["component \"legal\".probability", "increase"],
    );
    bad_assumptions(
        &component("probability = [[1e3, 0.1], [1e3, 0.2]]"),
        &["component \"legal\".probability", "increase"],
    );
}

#[test]
fn a_unit_share_that_can_exceed_one_is_an_input_error() {
    bad_assumptions(&component("unit_share = 1.5"), &["component \"legal\".unit_share", "1.5"]);
    bad_assumptions(
        &component("unit_share = { dist = \"uniform\", min = 0, max = 2 }"),
        &["component \"legal\".unit_share", "uniform"],
    );
    bad_assumptions(
        &format!(
            "[breach]\naffected_share = {{ dist = \"triangular\", min = 0.1, mode = 0.5, max = 1.2 }}\n{GOOD_TOML}"
        ),
        &["breach.affected_share"],
    );
}

#[test]
fn a_negative_fixed_cost_is_an_input_error() {
    bad_assumptions(&component("fixed = -5"), &["component \"legal\".fixed", "-5"]);
    bad_assumptions(&component("fixed = { dist = \"uniform\", min = -5, max = 5 }"), &["component \"legal\".fixed"]);
    bad_assumptions(&component("fixed = { dist = \"empirical\", values = [1, -2] }"), &["component \"legal\".fixed"]);
}

#[test]
fn zero_iterations_in_the_simulation_table_is_an_input_error() {
    bad_assumptions(&format!("[simulation]\niterations = 0\n{GOOD_TOML}"), &["simulation.iterations", "0"]);
}

#[test]
fn too_many_iterations_in_the_simulation_table_names_the_file_and_key() {
    // Without an --iterations flag (validate takes none), the file's value is the one in force.
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = format!("[simulation]\niterations = 1000000000\n{GOOD_TOML}");
    let (_out, output) = run_in_dir(
        dir.path(),
        "validate",
        &Input::Text("book.csv", GOOD_CSV.as_bytes()),
        &Input::Text("study.toml", toml.as_bytes()),
        &[],
    );
    let err = assert_input_error(&output, &["study.toml", "simulation.iterations", "1000000000"]);
    assert!(!err.contains("--iterations"), "no --iterations flag was given: {err}");
}

#[test]
fn a_value_of_the_wrong_type_is_an_input_error() {
    bad_assumptions(
        &format!("[simulation]\niterations = \"many\"\n{GOOD_TOML}"),
        &["simulation.iterations", "\"many\""],
    );
    bad_assumptions(&format!("[simulation]\nseed = -1\n{GOOD_TOML}"), &["simulation.seed", "-1"]);
    bad_assumptions(&format!("[simulation]\nmode = \"yearly\"\n{GOOD_TOML}"), &["simulation.mode", "\"yearly\""]);
    bad_assumptions(&component("covered = \"yes\""), &["component \"legal\".covered", "\"yes\""]);
}

#[test]
fn an_unknown_component_in_policy_sublimits_is_an_input_error() {
    bad_assumptions(
        &format!("{GOOD_TOML}\n[policy]\nsublimits = {{ legl = 5000 }}\n"),
        &["policy.sublimits.legl", "\"legal\""],
    );
}

#[test]
fn an_unknown_component_in_policy_aggregate_sublimits_is_an_input_error() {
    bad_assumptions(
        &format!("{GOOD_TOML}\n[policy]\naggregate_sublimits = {{ legl = 5000 }}\n"),
        &["policy.aggregate_sublimits.legl", "\"legal\""],
    );
}

#[test]
fn an_unknown_ilf_aggregate_choice_is_an_input_error() {
    bad_assumptions(
        &format!("{GOOD_TOML}\n[pricing]\nilf_aggregate = \"floats\"\n"),
        &["pricing.ilf_aggregate", "\"moves\""],
    );
}

#[test]
fn a_negative_ilf_base_retention_or_sd_multiple_is_an_input_error() {
    bad_assumptions(
        &format!("{GOOD_TOML}\n[pricing]\nilf_base_retention = -1\n"),
        &["pricing.ilf_base_retention", "-1"],
    );
    bad_assumptions(&format!("{GOOD_TOML}\n[pricing]\nilf_sd_multiple = -2\n"), &["pricing.ilf_sd_multiple", "-2"]);
}

#[test]
fn a_policy_share_above_one_is_an_input_error() {
    bad_assumptions(&format!("{GOOD_TOML}\n[policy]\nshare = 2\n"), &["policy.share", "2"]);
    bad_assumptions(&format!("{GOOD_TOML}\n[policy]\nretention = -1\n"), &["policy.retention", "-1"]);
}

#[test]
fn frequency_errors_are_input_errors() {
    bad_assumptions(&format!("[frequency]\nrate = -1\n{GOOD_TOML}"), &["frequency.rate", "-1"]);
    bad_assumptions(&format!("[frequency]\nrate = nan\n{GOOD_TOML}"), &["frequency.rate", "nan"]);
    bad_assumptions(&format!("[frequency]\nmodel = \"negative_binomial\"\n{GOOD_TOML}"), &["frequency.dispersion"]);
}

#[test]
fn assumptions_without_components_or_with_duplicate_names_are_input_errors() {
    bad_assumptions("[simulation]\niterations = 10\n", &["component", "missing"]);
    bad_assumptions("", &["component"]);
    bad_assumptions(&format!("{GOOD_TOML}{GOOD_TOML}"), &["component \"legal\"", "twice"]);
}

#[test]
fn an_input_error_leaves_an_existing_report_folder_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    assert_success(&run(&["simulate", "--out", s(&out), "--iterations", "200", "--quiet"]));
    let before = snapshot(&out);
    let bad = write(dir.path(), "book.csv", "id,records\na,-5\n");
    let output = run(&["simulate", "--exposures", s(&bad), "--out", s(&out), "--iterations", "200"]);
    assert_input_error(&output, &["book.csv", "row 1", "records", "\"-5\""]);
    let after = snapshot(&out);
    assert!(before == after, "the report folder changed after an input error");
    assert_eq!(entries(dir.path()), ["book.csv", "report"].iter().map(|x| x.to_string()).collect());
}

// ---- command line ----

#[test]
fn zero_iterations_on_the_command_line_is_an_input_error() {
    let (_dir, out, output) = run_command("simulate", &Input::BuiltIn, &Input::BuiltIn, &["--iterations", "0"]);
    assert_input_error(&output, &["--iterations", "0"]);
    assert!(!out.exists());
}

#[test]
fn zero_threads_is_an_input_error() {
    let (_dir, out, output) = run_command("simulate", &Input::BuiltIn, &Input::BuiltIn, &["--threads", "0"]);
    assert_input_error(&output, &["--threads", "0"]);
    assert!(!out.exists());
}

#[test]
fn a_breach_mode_run_too_large_for_memory_is_refused_with_an_estimate() {
    let (_dir, out, output) =
        run_command("simulate", &Input::BuiltIn, &Input::BuiltIn, &["--mode", "breach", "--iterations", "1000000000"]);
    assert_input_error(&output, &["1000000000 iterations", "GiB", "budget", "use at most about"]);
    assert!(!out.exists());
}

#[test]
fn a_component_that_can_cost_more_than_a_number_holds_is_an_input_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = write(dir.path(), "huge.csv", "id,records\nx,1000000000000\n");
    let a = write(dir.path(), "huge.toml", "[[component]]\nname = \"c\"\nper_unit = 1e300\n");
    let out = dir.path().join("out");
    let output = run(&["simulate", "--exposures", s(&e), "--assumptions", s(&a), "--out", s(&out)]);
    assert_input_error(&output, &["huge.csv row 1", "\"x\"", "component \"c\"", "largest number"]);
    assert!(!out.exists());
}

#[test]
fn a_shard_beyond_the_shard_count_is_an_input_error() {
    let (_dir, out, output) = run_command("simulate", &Input::BuiltIn, &Input::BuiltIn, &["--shard", "5/4"]);
    assert_input_error(&output, &["--shard", "5/4", "between 1 and N"]);
    assert!(!out.exists());
}

#[test]
fn out_pointing_at_an_existing_file_is_an_input_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "report", "not a folder");
    let output = run(&["simulate", "--out", s(&file), "--iterations", "200"]);
    assert_input_error(&output, &["--out", "report", "file"]);
    assert_eq!(read_text(&file), "not a folder");
    assert_eq!(entries(dir.path()), ["report".to_string()].into_iter().collect());
}

#[test]
fn usage_errors_exit_with_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    for args in [
        vec!["simulate", "--mode", "yearly"],
        vec!["simulate", "--iterations", "-5"],
        vec!["simulate", "--iterations", "many"],
        vec!["simulate", "--threads", "two"],
        vec!["simulate", "--seed", "-1"],
        vec!["simulate", "--no-such-flag"],
        vec!["frobnicate"],
        vec!["init"],
    ] {
        let mut all = args.clone();
        if args[0] == "simulate" {
            all.extend(["--out", s(&out)]);
        }
        let output = run_in(dir.path(), &all);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", describe(&output));
        assert!(!out.exists(), "{args:?} created the out folder");
    }
    assert!(entries(dir.path()).is_empty(), "usage errors wrote {:?}", entries(dir.path()));
}

// ---- unusual but valid inputs ----

#[test]
fn crlf_line_endings_are_accepted() {
    let summary =
        accepts(b"id,records,name\r\na,1000,Alpha\r\nb,20,Beta\r\n", GOOD_TOML.replace('\n', "\r\n").as_bytes());
    let ids: Vec<&str> = summary.rows.iter().map(|r| r[0].as_str()).collect();
    assert!(ids.contains(&"a") && ids.contains(&"b"), "{ids:?}");
    assert!(ids.iter().all(|id| !id.contains('\r')), "{ids:?}");
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let mut csv = b"\xEF\xBB\xBF".to_vec();
    csv.extend_from_slice(b"id,records\na,1000\n");
    let mut toml = b"\xEF\xBB\xBF".to_vec();
    toml.extend_from_slice(GOOD_TOML.as_bytes());
    let summary = accepts(&csv, &toml);
    assert_eq!(summary.rows[0][0], "a", "the BOM should not become part of the first column name or id");
}

#[test]
fn quoted_fields_containing_commas_and_quotes_are_accepted_and_written_back_quoted() {
    let csv = "id,records,name,data_types\n\
               \"smith, jones\",1000,\"Smith, Jones & Co\",\"ssn;name\"\n\
               plain,20,\"The \"\"Best\"\" Bank\",\n";
    let summary = accepts(csv.as_bytes(), GOOD_TOML.as_bytes());
    let ids: Vec<&str> = summary.rows.iter().map(|r| r[0].as_str()).collect();
    assert!(ids.contains(&"smith, jones"), "the id with a comma should survive quoting: {ids:?}");
    assert!(ids.contains(&"plain"), "{ids:?}");
}

#[test]
fn unknown_columns_empty_optional_cells_and_zero_records_are_accepted() {
    accepts(b"id , records , name\na , 10 , x\n", GOOD_TOML.as_bytes());
    let csv = "id,records,affected,annual_rate,revenue,retention,limit,aggregate_limit,share,broker,sublimit_legal\n\
               a,0,,,,,,,,Marsh,\n\
               b,+500, 200 ,0.2,1e9,1000,inf,inf,0.5,,250\n";
    accepts(csv.as_bytes(), GOOD_TOML.as_bytes());
}

// ---- inputs each within bounds whose product is not ----

/// A control, with GOOD_TOML's component.
fn with_control(name: &str, frequency: &str) -> String {
    format!("{GOOD_TOML}[[control]]\nname = \"{name}\"\nfrequency = {{ data_breach = {frequency} }}\n")
}

#[test]
fn a_rate_that_controls_or_a_relative_type_push_above_the_cap_is_refused() {
    let err = rejects(
        Input::Text("book.csv", b"id,records,controls\na,3000,bad\n"),
        Input::Text("study.toml", with_control("bad", "1e300").as_bytes()),
        &["book.csv row 1", "data_breach rate comes to 5.000e298", "frequency factor 1.000e300", "at most 10000"],
    );
    assert!(err.len() < 400, "{err}");
    let relative = format!("{GOOD_TOML}[[incident]]\nname = \"ransomware\"\nrelative_rate = 2\n");
    rejects(
        Input::Text("book.csv", b"id,records,annual_rate\na,3000,8000\n"),
        Input::Text("study.toml", relative.as_bytes()),
        &["book.csv row 1", "ransomware rate comes to 1.600e4"],
    );
}

#[test]
fn a_trend_compounded_over_centuries_is_refused() {
    let toml =
        format!("{GOOD_TOML}[meta]\nas_of = \"2026-01\"\n[trend]\npolicy_start = \"2100-01-01\"\nfrequency = 0.9\n");
    bad_assumptions(&toml, &["trend.frequency", "0.9 a year over the 74.5 years", "by 5.850e20", "policy_start"]);
    let toml =
        format!("{GOOD_TOML}[meta]\nas_of = \"2026-01\"\n[trend]\npolicy_start = \"2027-01-01\"\nseverity = 0.1\n");
    accepts(GOOD_CSV.as_bytes(), toml.as_bytes());
}

#[test]
fn an_exchange_rate_that_makes_an_amount_infinite_is_refused() {
    let toml = format!("{GOOD_TOML}[fx]\nEUR = 1e300\n");
    rejects(
        Input::Text("book.csv", b"id,records,retention,currency\na,3000,1000000000,EUR\n"),
        Input::Text("study.toml", toml.as_bytes()),
        &["book.csv row 1, column retention", "1000000000 EUR at fx.EUR = 1e300 comes to inf USD"],
    );
}

#[test]
fn a_control_listed_twice_in_a_row_is_refused() {
    let toml = with_control("mfa", "0.7");
    for cell in ["mfa;MFA", "mfa; mfa ;mfa"] {
        rejects(
            Input::Text("book.csv", format!("id,records,controls\na,3000,{cell}\n").as_bytes()),
            Input::Text("study.toml", toml.as_bytes()),
            &["book.csv row 1, column controls", "\"mfa\" twice"],
        );
    }
}

#[test]
fn a_revenue_beyond_any_firm_is_refused() {
    bad_exposures("id,records,revenue\na,1000,1e308\n", &["row 1, column revenue", "1e308", "above 1e15"]);
    bad_assumptions(&format!("{GOOD_TOML}[breach]\nreference_revenue = 1e-300\n"), &["reference_revenue", "1e-300"]);
}

#[test]
fn a_header_of_many_columns_without_records_is_named_in_a_short_line() {
    let header: Vec<String> = (0..50_000).map(|i| format!("c{i}")).collect();
    let csv = format!("id,{}\na,{}\n", header.join(","), vec!["1"; 50_000].join(","));
    let err = bad_exposures(&csv, &["column records: missing", "c0, c1", "and 49981 more"]);
    assert!(err.len() < 600, "{} bytes", err.len());
}

#[test]
fn an_outage_longer_than_a_year_is_refused() {
    let toml = format!(
        "{GOOD_TOML}[[incident]]\nname = \"outage\"\nrate = 0.1\nduration_hours = {{ dist = \"uniform\", min = 1, max = 1e308 }}\n"
    );
    bad_assumptions(&toml, &["incident[1].duration_hours", "reaches 1e308 hours", "at most a year (8760 hours)"]);
}
