//! The Slurm recipe on a real scheduler: `deploy/slurm/submit.sh`, unchanged, submits a study of
//! four shards and its merge to the one-node Slurm that `.ci/slurm.sh` starts, and the merged
//! reports equal a single run's byte for byte. CI sets `BREACHCOST_REQUIRE_SLURM=1`: there the
//! test fails if no scheduler answers; elsewhere it is skipped with a note when none does.
//! (tests/deploy.rs checks the scripts' arguments fast with a stand-in `sbatch`.)

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{describe, run, s, write};

const SHARDS: usize = 4;
const ITERATIONS: &str = "6000";
const SEED: &str = "4141";

/// Whether a Slurm node answers `sinfo` and can take jobs.
fn scheduler_up() -> Result<(), String> {
    let output = Command::new("sinfo").args(["-h", "-o", "%T"]).output().map_err(|e| format!("sinfo: {e}"))?;
    let states = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && ["idle", "mixed", "allocated"].iter().any(|s| states.contains(s)) {
        Ok(())
    } else {
        Err(format!("sinfo says {states:?}: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// Job ids from submit.sh's "shards: job N (array 1-K); merge: job M ..." line.
fn job_ids(stdout: &str) -> (String, String) {
    let line = stdout.lines().find(|l| l.starts_with("shards: job ")).unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |word: &str| {
        let at = words.iter().position(|w| *w == word).unwrap_or_else(|| panic!("no {word:?} in {stdout:?}"));
        words[at + 2].trim_end_matches(|c: char| !c.is_ascii_digit()).to_string()
    };
    (after("shards:"), after("merge:"))
}

/// Waits until Slurm has no job `ids` left (pending or running), at most `limit`.
fn wait_for(ids: &str, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let output = Command::new("squeue").args(["-h", "-j", ids, "-o", "%i %T %r"]).output();
        let listed = output.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        if listed.is_empty() {
            return Ok(());
        }
        if started.elapsed() > limit {
            let _ = Command::new("scancel").arg(ids).status();
            return Err(format!("jobs still queued after {limit:?}: {listed}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every file of the study's logs folder, for a failure message.
fn logs(study: &Path) -> String {
    let mut out = String::new();
    if let Ok(entries) = std::fs::read_dir(study.join("logs")) {
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            out.push_str(&format!("--- {}\n{text}\n", entry.path().display()));
        }
    }
    out
}

fn same_bytes(single: &Path, merged: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(single)
        .expect("single run's folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv") || n == "ylt.parquet")
        .collect();
    names.sort();
    assert!(names.len() >= 8, "the single run's reports: {names:?}");
    for name in names {
        let [a, b] = [single, merged].map(|dir| std::fs::read(dir.join(&name)).unwrap_or_default());
        assert!(!a.is_empty(), "{name}: empty in the single run");
        assert!(a == b, "{name}: the merged report differs from the single run's");
    }
}

#[test]
fn the_slurm_recipe_on_a_real_scheduler_merges_to_the_single_run() {
    if let Err(why) = scheduler_up() {
        assert!(
            std::env::var("BREACHCOST_REQUIRE_SLURM").as_deref() != Ok("1"),
            "BREACHCOST_REQUIRE_SLURM=1 but no Slurm scheduler answers ({why}); .ci/slurm.sh start prints its logs"
        );
        eprintln!("skipped: no Slurm scheduler here ({why}); `.ci/slurm.sh start DIR` starts one");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    let inputs = study.join("inputs");
    std::fs::create_dir_all(&inputs).expect("inputs folder");
    // The sample portfolio (policy terms on its rows) on the defaults plus a systemic event.
    let sample = std::fs::read_to_string(common::manifest_path("assumptions/sample-portfolio.csv")).expect("sample");
    let mut assumptions = std::fs::read_to_string(common::manifest_path("assumptions/default.toml")).expect("defaults");
    assumptions.push_str("\n[[systemic]]\nname = \"shared-platform\"\nannual_rate = 0.3\nfootprint = 0.2\n");
    let exposures = write(&inputs, "exposures.csv", sample);
    let assumptions = write(&inputs, "assumptions.toml", assumptions);

    // submit.sh as a user runs it, with sbatch options that fit a one-core, small-memory node.
    let submit = common::manifest_path("deploy/slurm/submit.sh");
    let output: Output = Command::new("bash")
        .arg(&submit)
        .args(["--cpus-per-task=1", "--mem=500M", "--time=00:10:00"])
        .current_dir(dir.path())
        .env("STUDY_DIR", &study)
        .env("ITERATIONS", ITERATIONS)
        .env("SHARDS", SHARDS.to_string())
        .env("SEED", SEED)
        .env("BREACHCOST", env!("CARGO_BIN_EXE_breachcost"))
        .output()
        .expect("bash runs submit.sh");
    assert!(output.status.success(), "submit.sh: {}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (shards, merge) = job_ids(&stdout);
    if let Err(why) = wait_for(&format!("{shards},{merge}"), Duration::from_secs(600)) {
        panic!("{why}\n{}", logs(&study));
    }
    let report = study.join("report");
    assert!(report.join("summary.csv").exists(), "no merged report: the merge job failed?\n{}", logs(&study));
    // Each shard ran as its own array task of the one array job, each with its log.
    for k in 1..=SHARDS {
        assert!(study.join(format!("shards/shard-{k}/manifest.json")).exists(), "shard {k} wrote no manifest");
        let log = study.join(format!("logs/shard-{shards}_{k}.out"));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(text.contains(&format!("shard {k}/{SHARDS}")), "{}: {text:?}", log.display());
    }

    let single = dir.path().join("single");
    let (e, a, o) = (s(&exposures), s(&assumptions), s(&single));
    let args = ["simulate", "--exposures", e, "--assumptions", a, "--iterations", ITERATIONS, "--seed", SEED];
    let output = run(&[&args[..], &["--mode", "annual", "--ylt", "--quiet", "--out", o]].concat());
    assert!(output.status.success(), "single run: {}", describe(&output));
    same_bytes(&single, &report);
}
