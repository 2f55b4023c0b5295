//! `breachcost completions <shell>` prints a completion script and `breachcost man` a roff man
//! page, both naming every subcommand, on standard output.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::*;

const SUBCOMMANDS: [&str; 8] =
    ["simulate", "merge", "sensitivity", "backtest", "validate", "init", "completions", "man"];

#[test]
fn each_shell_gets_a_completion_script_naming_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = run(&["completions", shell]);
        assert_success(&output);
        assert!(output.stderr.is_empty(), "{shell}: {}", describe(&output));
        let script = stdout(&output);
        assert!(script.contains("breachcost"), "{shell}: the script does not name the command");
        for subcommand in SUBCOMMANDS {
            assert!(script.contains(subcommand), "{shell}: the script does not name {subcommand}");
        }
        // fish names long options as `-l exposures`, the others as `--exposures`.
        let option = if shell == "fish" { "-l exposures" } else { "--exposures" };
        assert!(script.contains(option), "{shell}: the script does not complete --exposures");
    }
}

#[test]
fn an_unknown_shell_is_refused_naming_the_shells() {
    let output = run(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("bash"), "{}", describe(&output));
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let output = run(&["man"]);
    assert_success(&output);
    assert!(output.stderr.is_empty(), "{}", describe(&output));
    let page = stdout(&output);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "not roff: {}", &page[..page.len().min(200)]);
    assert!(page.lines().any(|l| l.starts_with(".TH breachcost")), "no .TH line");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "no {section}");
    }
    for subcommand in SUBCOMMANDS {
        assert!(page.contains(&format!("breachcost\\-{subcommand}(1)")), "the page does not name {subcommand}");
    }
}

#[test]
fn a_closed_standard_output_ends_both_commands_quietly() {
    for args in [&["completions", "zsh"][..], &["man"][..]] {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the breachcost binary should start");
        drop(child.stdout.take());
        let mut errors = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            stderr.read_to_string(&mut errors).expect("stderr should be readable");
        }
        let status = child.wait().expect("the binary should finish");
        assert_eq!(status.code(), Some(0), "{args:?}: {errors}");
        assert!(errors.is_empty(), "{args:?}: {errors}");
    }
}
