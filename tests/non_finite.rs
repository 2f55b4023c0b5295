//! No report ever holds `inf` or `nan`: costs whose sums could overflow are refused when the
//! inputs are validated, and results that overflow anyway (a heavy tail's rare draw squared
//! for the sd) are refused after the run, before anything is written.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

const ONE_EXPOSURE: &str = "id,records\nx,1000\n";

/// Two components of `fixed = 1e308`: each is a finite number, their sum is not.
const TWO_COMPONENTS_OF_1E308: &str =
    "[[component]]\nname = \"a\"\nfixed = 1e308\n[[component]]\nname = \"b\"\nfixed = 1e308\n";

/// A Pareto cost of scale 1e150: every draw is finite (validation accepts it), but about one
/// breach in 13,000 costs more than 1.3e154, whose square overflows.
const HEAVY_TAIL: &str = "[[component]]\nname = \"tail\"\nfixed = { dist = \"pareto\", scale = 1e150, shape = 1 }\n";

/// Runs `command` on `exposures` and `assumptions` written into `dir`, with `extra` flags and
/// `--out dir/out` unless it is `validate`.
fn run_on(dir: &Path, command: &str, exposures: &str, assumptions: &str, extra: &[&str]) -> Output {
    let e = write(dir, "book.csv", exposures);
    let a = write(dir, "assumptions.toml", assumptions);
    let out = dir.join("out");
    let mut args = vec![command, "--exposures", s(&e), "--assumptions", s(&a)];
    if command != "validate" {
        args.extend(["--out", s(&out), "--quiet"]);
    }
    args.extend(extra);
    run(&args)
}

/// Exit 2 with one line on stderr containing each of `needles`, nothing on stdout.
fn assert_one_line_input_error(output: &Output, needles: &[&str]) {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    let err = stderr(output);
    assert!(err.starts_with("error: ") && err.trim_end().lines().count() == 1, "{err:?}");
    for needle in needles {
        assert!(err.contains(needle), "expected {needle:?} in {err}");
    }
    assert!(output.stdout.is_empty(), "{}", describe(output));
}

/// Nothing but the two inputs is left in `dir`: no report folder, no staging folder.
fn assert_nothing_written(dir: &Path) {
    let left: Vec<String> = entries(dir).into_iter().filter(|n| n != "book.csv" && n != "assumptions.toml").collect();
    assert!(left.is_empty(), "left behind in {}: {left:?}", dir.display());
}

/// No file under `dir` spells a number that is not finite.
fn assert_no_inf_or_nan(dir: &Path) {
    for (name, bytes) in snapshot(dir) {
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        assert!(!text.contains("inf") && !text.contains("nan"), "{name} holds inf or nan");
    }
}

#[test]
fn two_components_of_fixed_1e308_are_refused_by_validate_and_simulate_and_nothing_is_written() {
    for command in ["validate", "simulate"] {
        for mode in ["annual", "breach"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let extra: &[&str] = if command == "validate" { &[] } else { &["--mode", mode] };
            let output = run_on(dir.path(), command, ONE_EXPOSURE, TWO_COMPONENTS_OF_1E308, extra);
            assert_one_line_input_error(
                &output,
                &["assumptions.toml", "component \"a\"", "1e308", "exposure \"x\"", "book.csv row 1", "fixed"],
            );
            assert_nothing_written(dir.path());
        }
    }
}

#[test]
fn a_heavy_tail_that_overflows_only_at_run_time_is_an_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Validation cannot know whether a run will draw the rare losses that overflow.
    assert_success(&run_on(dir.path(), "validate", ONE_EXPOSURE, HEAVY_TAIL, &[]));
    let output =
        run_on(dir.path(), "simulate", ONE_EXPOSURE, HEAVY_TAIL, &["--mode", "breach", "--iterations", "100000"]);
    assert_one_line_input_error(&output, &["assumptions.toml", "exposure \"x\"", "gross sd", "not a finite number"]);
    assert_nothing_written(dir.path());
    assert_no_inf_or_nan(dir.path());
}

#[test]
fn a_constant_cost_whose_years_square_past_the_largest_number_is_an_error_in_annual_mode() {
    // 1e200 a breach is below the validation bound (its sums stay finite), but the sd of the
    // annual loss squares deviations of 1e200.
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = "[frequency]\nrate = 0.5\n[[component]]\nname = \"a\"\nfixed = 1e200\n";
    let output = run_on(dir.path(), "simulate", ONE_EXPOSURE, toml, &["--iterations", "1000"]);
    assert_one_line_input_error(&output, &["exposure \"x\"", "gross sd", "inf"]);
    assert_nothing_written(dir.path());
    // A breach costs 1e200 every time: no spread, nothing overflows, and the reports are finite.
    let output = run_on(dir.path(), "simulate", ONE_EXPOSURE, toml, &["--iterations", "1000", "--mode", "breach"]);
    assert_success(&output);
    assert_no_inf_or_nan(dir.path());
}

#[test]
fn sensitivity_and_a_convergence_target_refuse_the_heavy_tail_and_write_nothing() {
    let cases: [(&str, &[&str]); 2] = [
        ("sensitivity", &["--mode", "breach", "--iterations", "100000"]),
        (
            "simulate",
            &["--mode", "breach", "--target-rel-error", "0.01", "--batch", "50000", "--max-iterations", "200000"],
        ),
    ];
    for (command, extra) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = run_on(dir.path(), command, ONE_EXPOSURE, HEAVY_TAIL, extra);
        assert_one_line_input_error(&output, &["assumptions.toml", "\"x\"", "not a finite number"]);
        assert_nothing_written(dir.path());
    }
}

#[test]
fn one_component_of_up_to_1e308_is_accepted_but_its_overflowing_years_are_an_error() {
    // A breach of up to 1e308 is a number (tests/fuzz_regressions keeps such an input), so
    // validation accepts it; two of them in a year are not, and the run says so.
    let dir = tempfile::tempdir().expect("tempdir");
    let toml =
        "[frequency]\nrate = 2\n[[component]]\nname = \"a\"\nfixed = { dist = \"uniform\", min = 0, max = 1e308 }\n";
    assert_success(&run_on(dir.path(), "validate", ONE_EXPOSURE, toml, &[]));
    let output = run_on(dir.path(), "simulate", ONE_EXPOSURE, toml, &["--iterations", "1000"]);
    assert_one_line_input_error(&output, &["exposure \"x\"", "gross", "not a finite number"]);
    assert_nothing_written(dir.path());
}
