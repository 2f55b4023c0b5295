//! Checks of the cluster deployment files in `deploy/`. The Kubernetes manifests are parsed as
//! YAML and their pod scripts are run for every shard index with a stand-in `breachcost` that
//! records its arguments; the Slurm scripts pass `bash -n` and are run the same way, with a
//! stand-in `sbatch`. Together this checks what matters for a sharded study: the N shards get
//! `--shard 1/N` … `--shard N/N` exactly once each, with the same inputs, seed and iterations,
//! the merge is given exactly the folders the shards write, and every pod uses the shared claim.
//! The Dockerfile is checked to copy everything the build reads.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = repo().join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} should be readable: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests
// ---------------------------------------------------------------------------------------------

/// One YAML document of a file under deploy/kubernetes.
struct Manifest {
    file: String,
    doc: Yaml,
}

impl Manifest {
    fn kind(&self) -> &str {
        self.doc["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.doc["metadata"]["name"].as_str().unwrap_or_else(|| panic!("{}: metadata.name is missing", self.file))
    }

    /// The pod spec: a Job's template, or a Pod's own spec.
    fn pod_spec(&self) -> Option<&Yaml> {
        match self.kind() {
            "Job" => Some(&self.doc["spec"]["template"]["spec"]),
            "Pod" => Some(&self.doc["spec"]),
            _ => None,
        }
    }

    /// The pod's only container.
    fn container(&self) -> &Yaml {
        let containers = self.pod_spec().and_then(|s| s["containers"].as_vec());
        match containers.map(Vec::as_slice) {
            Some([c]) => c,
            _ => panic!("{}: expected exactly one container", self.file),
        }
    }
}

/// Every YAML document under deploy/kubernetes (each file's documents, empty ones skipped).
fn manifests() -> Vec<Manifest> {
    let dir = repo().join("deploy/kubernetes");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} should exist: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no YAML files under {}", dir.display());
    let mut out = Vec::new();
    for path in files {
        let file = format!("deploy/kubernetes/{}", path.file_name().unwrap().to_string_lossy());
        let text = fs::read_to_string(&path).unwrap();
        let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file}: not valid YAML: {e}"));
        for doc in docs.into_iter().filter(|d| !d.is_null()) {
            let m = Manifest { file: file.clone(), doc };
            assert!(m.doc["apiVersion"].as_str().is_some(), "{}: apiVersion is missing", m.file);
            assert!(!m.kind().is_empty(), "{}: kind is missing", m.file);
            m.name();
            out.push(m);
        }
    }
    out
}

/// A scalar as text (env values and resource quantities may be strings or numbers).
fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int(m: &Manifest, y: &Yaml, what: &str) -> i64 {
    y.as_i64().unwrap_or_else(|| panic!("{}: {what} should be an integer, found {y:?}", m.file))
}

/// Whole cores of a CPU quantity ("4", 4, "1.5", "500m"), rounded up as Kubernetes does for
/// `resourceFieldRef` with the default divisor.
fn cores(quantity: &str) -> u64 {
    let millis = match quantity.strip_suffix('m') {
        Some(m) => m.parse::<f64>().unwrap_or_else(|_| panic!("bad CPU quantity {quantity:?}")),
        None => quantity.parse::<f64>().unwrap_or_else(|_| panic!("bad CPU quantity {quantity:?}")) * 1000.0,
    };
    (millis / 1000.0).ceil() as u64
}

/// The container's environment, with `resourceFieldRef` CPU values resolved from its resources.
fn env_of(m: &Manifest) -> BTreeMap<String, String> {
    let container = m.container();
    let mut env = BTreeMap::new();
    for var in container["env"].as_vec().map(Vec::as_slice).unwrap_or_default() {
        let name = var["name"].as_str().unwrap_or_else(|| panic!("{}: env entry without a name", m.file));
        let value = if let Some(v) = scalar(&var["value"]) {
            v
        } else if let Some(resource) = var["valueFrom"]["resourceFieldRef"]["resource"].as_str() {
            let (section, key) = resource.split_once('.').unwrap();
            let quantity = scalar(&container["resources"][section][key])
                .unwrap_or_else(|| panic!("{}: env {name} refers to {resource}, which is not set", m.file));
            assert_eq!(key, "cpu", "{}: env {name}: only CPU resourceFieldRefs are understood here", m.file);
            cores(&quantity).to_string()
        } else {
            panic!("{}: env {name} has neither a value nor a resourceFieldRef", m.file)
        };
        env.insert(name.to_string(), value);
    }
    env
}

/// The container's shell script: `command: [sh, -c, SCRIPT]` (or the script as the only arg).
fn script_of(m: &Manifest) -> String {
    let c = m.container();
    let mut words: Vec<String> = Vec::new();
    for key in ["command", "args"] {
        for w in c[key].as_vec().map(Vec::as_slice).unwrap_or_default() {
            words.push(scalar(w).unwrap_or_else(|| panic!("{}: {key} entries should be strings", m.file)));
        }
    }
    match words.as_slice() {
        [shell, flag, script] if matches!(shell.as_str(), "sh" | "/bin/sh") && flag == "-c" => script.clone(),
        _ => panic!("{}: the container should run `sh -c SCRIPT`, found {words:?}", m.file),
    }
}

/// The Job whose script runs `breachcost SUBCOMMAND`.
fn job_running<'a>(all: &'a [Manifest], subcommand: &str) -> &'a Manifest {
    let needle = format!("breachcost {subcommand}");
    let jobs: Vec<&Manifest> = all.iter().filter(|m| m.kind() == "Job" && script_of(m).contains(&needle)).collect();
    match jobs.as_slice() {
        [job] => job,
        _ => panic!("expected exactly one Job running `{needle}`, found {}", jobs.len()),
    }
}

fn pvc(all: &[Manifest]) -> &Manifest {
    let claims: Vec<&Manifest> = all.iter().filter(|m| m.kind() == "PersistentVolumeClaim").collect();
    match claims.as_slice() {
        [claim] => claim,
        _ => panic!("expected exactly one PersistentVolumeClaim under deploy/kubernetes, found {}", claims.len()),
    }
}

/// Where the pod mounts the shared claim.
fn data_mount(m: &Manifest, claim: &str) -> String {
    let spec = m.pod_spec().unwrap();
    let volumes = spec["volumes"].as_vec().map(Vec::as_slice).unwrap_or_default();
    let volume = volumes
        .iter()
        .find(|v| v["persistentVolumeClaim"]["claimName"].as_str() == Some(claim))
        .unwrap_or_else(|| panic!("{}: no volume uses the claim {claim:?} that pvc.yaml defines", m.file));
    let volume_name = volume["name"].as_str().unwrap();
    let mounts = m.container()["volumeMounts"].as_vec().map(Vec::as_slice).unwrap_or_default();
    let mount = mounts
        .iter()
        .find(|v| v["name"].as_str() == Some(volume_name))
        .unwrap_or_else(|| panic!("{}: the container does not mount the volume {volume_name:?}", m.file));
    mount["mountPath"].as_str().unwrap().trim_end_matches('/').to_string()
}

// ---------------------------------------------------------------------------------------------
// Running scripts with stand-ins
// ---------------------------------------------------------------------------------------------

/// Whether `program` can be started (for skipping with a message where it cannot).
fn available(program: &str) -> bool {
    Command::new(program).arg("-c").arg("exit 0").output().is_ok_and(|o| o.status.success())
}

/// A folder with stand-in `breachcost` and `sbatch` executables that append their arguments,
/// one per line and a `----` line after each call, to `$FAKE_LOG`. `sbatch` prints
/// `<4000 + call number>;testcluster`, as `sbatch --parsable` does on a multi-cluster setup.
struct Stand {
    dir: tempfile::TempDir,
}

impl Stand {
    fn new() -> Stand {
        let dir = tempfile::tempdir().unwrap();
        let record = "{ printf '%s\\n' \"$@\"; printf '%s\\n' ----; } >>\"${FAKE_LOG:?}\"\n";
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        fs::write(bin.join("breachcost"), format!("#!/bin/sh\n{record}")).unwrap();
        fs::write(
            bin.join("sbatch"),
            format!("#!/bin/sh\n{record}echo \"$((4000 + $(grep -c '^----$' \"$FAKE_LOG\")));testcluster\"\n"),
        )
        .unwrap();
        for name in ["breachcost", "sbatch"] {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(bin.join(name), fs::Permissions::from_mode(0o755)).unwrap();
        }
        Stand { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path_var(&self) -> String {
        let system = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        format!("{}:{system}", self.dir.path().join("bin").display())
    }

    /// Runs `program args` with only `env` (plus PATH and HOME) and a fresh log; returns the
    /// process output and the recorded calls.
    fn run(&self, program: &str, args: &[&str], env: &BTreeMap<String, String>) -> (Output, Vec<Vec<String>>) {
        let log = self.dir.path().join("calls.log");
        let _ = fs::remove_file(&log);
        fs::write(&log, "").unwrap();
        let output = Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", self.path_var())
            .env("HOME", self.dir.path())
            .env("FAKE_LOG", &log)
            .envs(env)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{program} should start: {e}"));
        let text = fs::read_to_string(&log).unwrap();
        let mut calls = Vec::new();
        let mut call = Vec::new();
        for line in text.lines() {
            if line == "----" {
                calls.push(std::mem::take(&mut call));
            } else {
                call.push(line.to_string());
            }
        }
        (output, calls)
    }
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One `breachcost` call: its subcommand, `--flag value` options, flags without a value, and
/// positional arguments.
#[derive(Debug)]
struct Call {
    subcommand: String,
    options: BTreeMap<String, String>,
    flags: BTreeSet<String>,
    positional: Vec<String>,
}

/// Options of `simulate` and `merge` that take no value.
const VALUELESS: [&str; 5] = ["--ylt", "--no-charts", "--quiet", "--ord", "--help"];

fn parse_call(args: &[String]) -> Call {
    let (subcommand, rest) = args.split_first().expect("breachcost was called without arguments");
    let mut call =
        Call { subcommand: subcommand.clone(), options: BTreeMap::new(), flags: BTreeSet::new(), positional: vec![] };
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        if let Some((flag, value)) = a.split_once('=').filter(|_| a.starts_with("--")) {
            call.options.insert(flag.to_string(), value.to_string());
        } else if VALUELESS.contains(&a.as_str()) {
            call.flags.insert(a.clone());
        } else if a.starts_with("--") {
            let value = rest.get(i + 1).unwrap_or_else(|| panic!("{a} has no value in {args:?}"));
            assert!(call.options.insert(a.clone(), value.clone()).is_none(), "{a} given twice in breachcost {args:?}");
            i += 1;
        } else {
            call.positional.push(a.clone());
        }
        i += 1;
    }
    call
}

impl Call {
    fn option(&self, flag: &str) -> &str {
        self.options
            .get(flag)
            .unwrap_or_else(|| panic!("breachcost {} is run without {flag}: {self:?}", self.subcommand))
    }
}

/// Checks N shard calls: `simulate` with `--shard K/N` for every K once, the same inputs, seed,
/// iterations and mode, distinct output folders; returns the output folders by K.
fn check_shard_calls(calls: &[Call], n: usize) -> Vec<String> {
    assert_eq!(calls.len(), n, "expected one breachcost call per shard");
    let mut outs = vec![String::new(); n];
    let same = ["--exposures", "--assumptions", "--seed", "--iterations", "--mode", "--threads"];
    for call in calls {
        assert_eq!(call.subcommand, "simulate");
        let (k, of) = call.option("--shard").split_once('/').expect("--shard K/N");
        let (k, of): (usize, usize) = (k.parse().expect("K is a number"), of.parse().expect("N is a number"));
        assert_eq!(of, n, "--shard {k}/{of}: N should be the number of shards run, {n}");
        assert!((1..=n).contains(&k), "--shard {k}/{n}: K is outside 1..={n}");
        assert!(outs[k - 1].is_empty(), "shard {k} is run twice");
        outs[k - 1] = call.option("--out").to_string();
        assert!(call.flags.contains("--ylt"), "shard {k} should write its rows of the year loss table (--ylt)");
        for flag in same {
            assert_eq!(call.option(flag), calls[0].option(flag), "shards disagree on {flag}");
        }
        call.option("--seed").parse::<u64>().expect("--seed is an integer");
        let iterations: u64 = call.option("--iterations").parse().expect("--iterations is an integer");
        assert!(iterations >= n as u64, "{iterations} iterations cannot make {n} shards");
    }
    let distinct: BTreeSet<&String> = outs.iter().collect();
    assert_eq!(distinct.len(), n, "shards share an output folder: {outs:?}");
    outs
}

/// Checks a merge call: `merge --out DIR --ylt` given exactly the shard folders.
fn check_merge_call(call: &Call, shard_outs: &[String]) -> String {
    assert_eq!(call.subcommand, "merge");
    assert!(call.flags.contains("--ylt"), "the merge should write the year loss table (--ylt)");
    let given: BTreeSet<&String> = call.positional.iter().collect();
    assert_eq!(given.len(), call.positional.len(), "the merge is given a shard folder twice");
    let written: BTreeSet<&String> = shard_outs.iter().collect();
    let missing: Vec<_> = written.difference(&given).collect();
    let extra: Vec<_> = given.difference(&written).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the merge should be given exactly the shards' folders; not given: {missing:?}, not written: {extra:?}"
    );
    let out = call.option("--out").to_string();
    assert!(!shard_outs.contains(&out), "the merge writes into a shard folder");
    out
}

// ---------------------------------------------------------------------------------------------
// Kubernetes tests
// ---------------------------------------------------------------------------------------------

#[test]
fn kubernetes_shards_job_is_an_indexed_job_with_retries_and_resources() {
    let all = manifests();
    let job = job_running(&all, "simulate");
    let spec = &job.doc["spec"];
    assert_eq!(job.doc["apiVersion"].as_str(), Some("batch/v1"), "{}", job.file);
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"), "{}: completionMode", job.file);
    let completions = int(job, &spec["completions"], "completions");
    assert!(completions >= 1, "{}: completions {completions}", job.file);
    let parallelism = int(job, &spec["parallelism"], "parallelism");
    assert!((1..=completions).contains(&parallelism), "{}: parallelism {parallelism}", job.file);
    assert!(int(job, &spec["backoffLimitPerIndex"], "backoffLimitPerIndex") >= 0);
    assert!(int(job, &spec["backoffLimit"], "backoffLimit") >= 0);
    // backoffLimitPerIndex and podFailurePolicy need restartPolicy Never.
    assert_eq!(job.pod_spec().unwrap()["restartPolicy"].as_str(), Some("Never"), "{}", job.file);

    let script = script_of(job);
    for needed in ["JOB_COMPLETION_INDEX", "--shard", "--out", "--seed", "--iterations", "--threads"] {
        assert!(script.contains(needed), "{}: the shard script does not use {needed}", job.file);
    }
    let resources = &job.container()["resources"];
    for section in ["requests", "limits"] {
        for key in ["cpu", "memory"] {
            assert!(scalar(&resources[section][key]).is_some(), "{}: resources.{section}.{key} is not set", job.file);
        }
    }
    // Rules of the pod failure policy must name the real container.
    let name = job.container()["name"].as_str().unwrap();
    for rule in spec["podFailurePolicy"]["rules"].as_vec().map(Vec::as_slice).unwrap_or_default() {
        if let Some(c) = rule["onExitCodes"]["containerName"].as_str() {
            assert_eq!(c, name, "{}: podFailurePolicy names a container that does not exist", job.file);
        }
    }
}

#[test]
fn kubernetes_pods_share_the_claim_and_image() {
    let all = manifests();
    let claim = pvc(&all);
    let modes = claim.doc["spec"]["accessModes"].as_vec().expect("pvc.yaml: spec.accessModes");
    assert!(
        modes.iter().any(|m| m.as_str() == Some("ReadWriteMany")),
        "{}: shard pods on different nodes need ReadWriteMany",
        claim.file
    );
    assert!(scalar(&claim.doc["spec"]["resources"]["requests"]["storage"]).is_some(), "{}: storage", claim.file);

    let pods: Vec<&Manifest> = all.iter().filter(|m| m.pod_spec().is_some()).collect();
    assert!(pods.len() >= 2, "expected at least the shards and merge Jobs");
    let mut mounts = BTreeSet::new();
    let mut images = BTreeSet::new();
    for m in &pods {
        mounts.insert(data_mount(m, claim.name()));
        let image = m.container()["image"].as_str().unwrap_or_else(|| panic!("{}: no image", m.file));
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        assert!(!tag.is_empty() && tag != "latest" && !tag.contains('/'), "{}: pin the image tag: {image}", m.file);
        images.insert(image.to_string());
    }
    assert_eq!(mounts.len(), 1, "the pods mount the shared claim at different paths: {mounts:?}");
    assert_eq!(images.len(), 1, "the pods run different images (shards and merge must be one build): {images:?}");
}

/// Runs the shards Job's script for every completion index, and the merge Job's script, with
/// the shared mount moved into a temporary folder and a stand-in `breachcost`.
#[test]
fn kubernetes_shards_cover_every_shard_once_and_the_merge_reads_them_all() {
    if !available("sh") {
        eprintln!("SKIPPED: no `sh` to run the pod scripts with");
        return;
    }
    let all = manifests();
    let claim = pvc(&all).name().to_string();
    let shards = job_running(&all, "simulate");
    let merge = job_running(&all, "merge");
    let completions = shards.doc["spec"]["completions"].as_i64().unwrap() as usize;

    let stand = Stand::new();
    let data = stand.root().join("data");
    fs::create_dir(&data).unwrap();
    let data = data.to_str().unwrap().to_string();
    // The scripts' and env's paths on the shared mount, moved to the temporary folder.
    let relocate = |m: &Manifest, text: &str| {
        let mount = data_mount(m, &claim);
        text.replace(&format!("{mount}/"), &format!("{data}/"))
    };
    let env_relocated = |m: &Manifest| -> BTreeMap<String, String> {
        env_of(m).into_iter().map(|(k, v)| (k.clone(), relocate(m, &v))).collect()
    };

    let script = relocate(shards, &script_of(shards));
    let mut calls = Vec::new();
    for index in 0..completions {
        let mut env = env_relocated(shards);
        env.insert("JOB_COMPLETION_INDEX".into(), index.to_string());
        let (output, recorded) = stand.run("sh", &["-c", &script], &env);
        assert!(output.status.success(), "{}: shard index {index} failed: {}", shards.file, describe(&output));
        match recorded.as_slice() {
            [args] => calls.push(parse_call(args)),
            _ => panic!("{}: index {index} called breachcost {} times", shards.file, recorded.len()),
        }
    }
    let outs = check_shard_calls(&calls, completions);
    let cpu_limit = scalar(&shards.container()["resources"]["limits"]["cpu"]).unwrap();
    assert_eq!(calls[0].option("--threads"), cores(&cpu_limit).to_string(), "--threads should match the CPU limit");
    for call in &calls {
        for (flag, path) in [("--out", call.option("--out")), ("--exposures", call.option("--exposures"))] {
            assert!(path.starts_with(&format!("{data}/")), "{flag} {path} is not on the shared claim");
        }
        assert!(call.option("--assumptions").starts_with(&format!("{data}/")), "assumptions not on the shared claim");
    }

    let (output, recorded) = stand.run("sh", &["-c", &relocate(merge, &script_of(merge))], &env_relocated(merge));
    assert!(output.status.success(), "{}: {}", merge.file, describe(&output));
    let [args] = recorded.as_slice() else { panic!("{}: expected one breachcost call", merge.file) };
    let report = check_merge_call(&parse_call(args), &outs);
    assert!(report.starts_with(&format!("{data}/")), "the merged report {report} is not on the shared claim");
}

#[test]
fn readme_walks_through_the_kubernetes_files() {
    let all = manifests();
    let readme = read("README.md");
    let section = readme.split("## Running on a cluster").nth(1).expect("README: a \"Running on a cluster\" section");
    let section = section.split("\n## ").next().unwrap();
    for job in [job_running(&all, "simulate"), job_running(&all, "merge")] {
        let wait = "kubectl wait --for=condition=complete --timeout=";
        let target = format!("job/{}", job.name());
        assert!(
            section.lines().any(|l| l.contains(wait) && l.contains(&target)),
            "README: no `{wait}… {target}` for {}",
            job.file
        );
    }
    for m in &all {
        let file = m.file.rsplit('/').next().unwrap();
        assert!(section.contains(file), "README's cluster section does not mention {file}");
    }
    for needle in ["deploy/slurm/submit.sh", "docker build -f deploy/Dockerfile"] {
        assert!(section.contains(needle), "README's cluster section does not mention `{needle}`");
    }
}

// ---------------------------------------------------------------------------------------------
// Slurm
// ---------------------------------------------------------------------------------------------

fn slurm_scripts() -> Vec<PathBuf> {
    let dir = repo().join("deploy/slurm");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} should exist: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("sbatch" | "sh")))
        .collect();
    files.sort();
    files
}

#[test]
fn slurm_scripts_are_valid_bash_and_strict() {
    let scripts = slurm_scripts();
    let names: BTreeSet<String> = scripts.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
    for expected in ["shards.sbatch", "merge.sbatch", "submit.sh"] {
        assert!(names.contains(expected), "deploy/slurm/{expected} is missing");
    }
    let bash = available("bash");
    if !bash {
        eprintln!("SKIPPED: `bash -n` of deploy/slurm scripts (bash is not installed)");
    }
    for path in &scripts {
        let text = fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(text.starts_with("#!/usr/bin/env bash\n") || text.starts_with("#!/bin/bash\n"), "{name}: shebang");
        assert!(text.lines().any(|l| l.trim() == "set -euo pipefail"), "{name}: no `set -euo pipefail`");
        if bash {
            let output = Command::new("bash").arg("-n").arg(path).output().unwrap();
            assert!(output.status.success(), "bash -n {name}: {}", describe(&output));
        }
    }
    let shards = read("deploy/slurm/shards.sbatch");
    for needle in
        ["#SBATCH --array=", "#SBATCH --cpus-per-task=", "#SBATCH --mem=", "#SBATCH --time=", "SLURM_ARRAY_TASK_ID"]
    {
        assert!(shards.contains(needle), "shards.sbatch: no {needle}");
    }
    for needle in ["--shard", "--threads \"${SLURM_CPUS_PER_TASK"] {
        assert!(shards.contains(needle), "shards.sbatch: no {needle}");
    }
    assert!(read("deploy/slurm/merge.sbatch").contains("\" merge "), "merge.sbatch does not run merge");
    let submit = read("deploy/slurm/submit.sh");
    for needle in ["sbatch --parsable", "afterok:"] {
        assert!(submit.contains(needle), "submit.sh: no {needle}");
    }
    for var in ["STUDY_DIR", "ITERATIONS", "SHARDS", "SEED", "EXPOSURES", "ASSUMPTIONS", "BREACHCOST"] {
        let default = format!("{var}=\"${{{var}:-");
        assert!(submit.lines().any(|l| l.starts_with(&default)), "submit.sh: no `{default}…}}\"` default at the top");
    }
}

/// The `#SBATCH --NAME=VALUE` value of a script.
fn sbatch_option(script: &str, name: &str) -> String {
    let prefix = format!("#SBATCH --{name}=");
    let line = script.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {prefix}"));
    line[prefix.len()..].trim().to_string()
}

/// Runs submit.sh with a stand-in `sbatch`, then every array task and the merge as Slurm would.
#[test]
fn slurm_submit_runs_every_shard_then_the_merge_after_them() {
    if !available("bash") {
        eprintln!("SKIPPED: running deploy/slurm scripts (bash is not installed)");
        return;
    }
    let stand = Stand::new();
    let study = stand.root().join("study");
    fs::create_dir_all(study.join("inputs")).unwrap();
    fs::write(study.join("inputs/exposures.csv"), "id,records\n").unwrap();
    fs::write(study.join("inputs/assumptions.toml"), "").unwrap();
    let study = study.to_str().unwrap().to_string();
    let n = 7;
    let settings: BTreeMap<String, String> = [
        ("STUDY_DIR", study.as_str()),
        ("ITERATIONS", "123456"),
        ("SHARDS", &n.to_string()),
        ("SEED", "99"),
        ("BREACHCOST", "breachcost"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let slurm = repo().join("deploy/slurm");
    let script = |name: &str| slurm.join(name).to_str().unwrap().to_string();

    let (output, calls) = stand.run("bash", &[&script("submit.sh"), "--partition=test"], &settings);
    assert!(output.status.success(), "submit.sh: {}", describe(&output));
    let sbatch: Vec<&Vec<String>> = calls.iter().filter(|c| c.iter().any(|a| a.ends_with(".sbatch"))).collect();
    let [array, merge] = sbatch.as_slice() else { panic!("submit.sh should call sbatch twice: {calls:?}") };
    assert!(array.last().unwrap().ends_with("/shards.sbatch"), "first sbatch: {array:?}");
    assert!(array.contains(&"--parsable".to_string()) && array.contains(&format!("--array=1-{n}")), "{array:?}");
    assert!(merge.last().unwrap().ends_with("/merge.sbatch"), "second sbatch: {merge:?}");
    // The stand-in printed "4001;testcluster" for the array: the merge waits on job 4001.
    let first_id = 4000 + calls.iter().position(|c| c == *array).unwrap() + 1;
    assert!(merge.contains(&format!("--dependency=afterok:{first_id}")), "merge should wait on the array: {merge:?}");
    for call in [array, merge] {
        assert!(call.contains(&"--partition=test".to_string()), "extra arguments reach every sbatch: {call:?}");
    }

    // The array tasks, as Slurm runs them; only STUDY_DIR comes from outside (a re-run task).
    let shards_text = read("deploy/slurm/shards.sbatch");
    let cpus = sbatch_option(&shards_text, "cpus-per-task");
    let mut shard_calls = Vec::new();
    for k in 1..=n {
        let env: BTreeMap<String, String> = [
            ("STUDY_DIR", study.clone()),
            ("SLURM_ARRAY_TASK_ID", k.to_string()),
            ("SLURM_ARRAY_TASK_COUNT", n.to_string()),
            ("SLURM_CPUS_PER_TASK", cpus.clone()),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b))
        .collect();
        let (output, recorded) = stand.run("bash", &[&script("shards.sbatch")], &env);
        assert!(output.status.success(), "shards.sbatch task {k}: {}", describe(&output));
        let [args] = recorded.as_slice() else { panic!("task {k}: expected one breachcost call: {recorded:?}") };
        shard_calls.push(parse_call(args));
    }
    let outs = check_shard_calls(&shard_calls, n);
    let first = &shard_calls[0];
    assert_eq!(first.option("--iterations"), "123456");
    assert_eq!(first.option("--seed"), "99");
    assert_eq!(first.option("--threads"), cpus);
    assert_eq!(first.option("--exposures"), format!("{study}/inputs/exposures.csv"));
    for out in &outs {
        assert!(out.starts_with(&format!("{study}/")), "shard output {out} is outside STUDY_DIR");
    }

    // A task outside 1..=N refuses to run.
    let env: BTreeMap<String, String> = [("STUDY_DIR", study.clone()), ("SLURM_ARRAY_TASK_ID", (n + 1).to_string())]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b))
        .collect();
    let (output, recorded) = stand.run("bash", &[&script("shards.sbatch")], &env);
    assert!(!output.status.success() && recorded.is_empty(), "task {} of {n} should fail: {recorded:?}", n + 1);

    let env: BTreeMap<String, String> = [("STUDY_DIR".to_string(), study.clone())].into();
    let (output, recorded) = stand.run("bash", &[&script("merge.sbatch")], &env);
    assert!(output.status.success(), "merge.sbatch: {}", describe(&output));
    let [args] = recorded.as_slice() else { panic!("merge.sbatch: expected one breachcost call: {recorded:?}") };
    check_merge_call(&parse_call(args), &outs);

    // A second study into the same, now non-empty, shards folder is refused before any sbatch.
    fs::create_dir_all(format!("{study}/shards/shard-1")).unwrap();
    let (output, calls) = stand.run("bash", &[&script("submit.sh")], &settings);
    assert!(!output.status.success(), "submit.sh should refuse a non-empty shards folder");
    assert!(calls.iter().all(|c| !c.iter().any(|a| a.ends_with(".sbatch"))), "sbatch was called: {calls:?}");
}

// ---------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------

/// The Dockerfile's instructions, continuation lines joined and comments dropped.
fn dockerfile_instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("deploy/Dockerfile").lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// `path` relative to the repository, `..` resolved, if it stays inside.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => assert!(out.pop(), "{} leaves the repository", path.display()),
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The top-level entries of the repository that the crate's build reads: the manifest, the
/// lock file, `src`, each bench/example/test target folder declared in Cargo.toml, and every
/// file named by `include_str!`/`include_bytes!` in src.
fn build_inputs() -> BTreeSet<String> {
    let mut needed: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "src"].map(String::from).into();
    let manifest = read("Cargo.toml");
    for (table, folder) in [("[[bench]]", "benches"), ("[[example]]", "examples"), ("[[test]]", "tests")] {
        if manifest.contains(table) {
            needed.insert(folder.into());
        }
    }
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            for mac in ["include_str!(\"", "include_bytes!(\""] {
                for piece in text.split(mac).skip(1) {
                    let literal = piece.split('"').next().unwrap();
                    let target = path.parent().unwrap().strip_prefix(repo()).unwrap().join(literal);
                    let first = normalise(&target).components().next().unwrap().as_os_str().to_string_lossy().into();
                    needed.insert(first);
                }
            }
        }
    }
    needed
}

#[test]
fn dockerfile_builds_with_rust_and_ships_a_slim_runtime() {
    let instructions = dockerfile_instructions();
    let froms: Vec<&String> = instructions.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a two-stage build: {froms:?}");
    let builder = froms[0].split_whitespace().collect::<Vec<_>>();
    assert!(
        matches!(builder.as_slice(), ["FROM", "rust:1-bookworm", kw, "builder"] if kw.eq_ignore_ascii_case("as")),
        "builder stage: {}",
        froms[0]
    );
    assert_eq!(froms[1].split_whitespace().nth(1), Some("debian:bookworm-slim"), "runtime stage");
    let runtime_start = instructions.iter().position(|i| i == froms[1]).unwrap();
    let (build_stage, runtime) = instructions.split_at(runtime_start);
    assert!(
        build_stage.iter().any(|i| i.starts_with("RUN ") && i.contains("cargo build --release --locked")),
        "the builder runs `cargo build --release --locked`"
    );
    assert!(
        runtime.iter().any(|i| i.starts_with("COPY --from=builder ") && i.contains("breachcost")),
        "the runtime copies the binary from the builder"
    );
    assert!(
        runtime.iter().any(|i| i.starts_with("COPY ") && i.split_whitespace().nth(1) == Some("assumptions")),
        "the runtime ships the assumptions/ folder"
    );

    // Every COPY from the build context names something that exists and that the
    // Dockerfile-specific ignore file lets through; together they cover what the build reads.
    let ignore = read("deploy/Dockerfile.dockerignore");
    let allowed: BTreeSet<&str> = ignore.lines().filter_map(|l| l.trim().strip_prefix('!')).collect();
    assert!(ignore.lines().any(|l| l.trim() == "*"), "Dockerfile.dockerignore should exclude everything else");
    let mut copied_for_build = BTreeSet::new();
    for (stage, list) in [("builder", build_stage), ("runtime", runtime)] {
        for copy in list.iter().filter(|i| i.starts_with("COPY ") && !i.contains("--from=")) {
            let words: Vec<&str> = copy.split_whitespace().skip(1).filter(|w| !w.starts_with("--")).collect();
            let (_, sources) = words.split_last().unwrap();
            for source in sources {
                let source = source.trim_end_matches('/');
                assert!(repo().join(source).exists(), "{stage}: COPY {source}: not in the repository");
                assert!(allowed.contains(source), "{stage}: COPY {source}: excluded by Dockerfile.dockerignore");
                if stage == "builder" {
                    copied_for_build.insert(source.to_string());
                }
            }
        }
    }
    let missing: Vec<String> = build_inputs().difference(&copied_for_build).cloned().collect();
    assert!(missing.is_empty(), "the builder stage does not COPY {missing:?}, which the build reads");
}

/// The Kubernetes files against the API's schemas (the Python package kubernetes-validate,
/// which bundles them, in strict mode: unknown fields are errors) for the oldest version the
/// cluster guide supports and the newest the package knows. CI installs the package and sets
/// `BREACHCOST_REQUIRE_KUBERNETES_VALIDATE=1`; elsewhere the test is skipped without it.
#[test]
fn kubernetes_files_validate_against_the_api_schemas_of_the_supported_versions() {
    let guide = read("docs/cluster.md");
    let stated = guide
        .split("Kubernetes ")
        .skip(1)
        .find_map(|rest| rest.split(" or later").next().filter(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.')))
        .expect("docs/cluster.md states \"Kubernetes 1.N or later\"");
    let probe = Command::new("kubernetes-validate").arg("--version").output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("BREACHCOST_REQUIRE_KUBERNETES_VALIDATE").as_deref() != Ok("1"),
            "BREACHCOST_REQUIRE_KUBERNETES_VALIDATE=1 but kubernetes-validate does not run (pip install kubernetes-validate)"
        );
        eprintln!("skipped: kubernetes-validate is not installed (pip install kubernetes-validate)");
        return;
    }
    let resources = manifests();
    let mut files: Vec<PathBuf> = resources.iter().map(|m| repo().join(&m.file)).collect();
    files.dedup();
    assert!(files.len() >= 4, "the Kubernetes files: {files:?}");
    for version in [Some(format!("{stated}.0")), None] {
        let mut command = Command::new("kubernetes-validate");
        command.arg("--strict").arg("--no-warn");
        if let Some(version) = &version {
            command.args(["-k", version]);
        }
        let output = command.args(&files).output().expect("kubernetes-validate runs");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "against {version:?}:\n{text}");
        assert_eq!(
            text.matches("passed").count(),
            resources.len(),
            "every resource passed against {version:?}:\n{text}"
        );
    }
}
