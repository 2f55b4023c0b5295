//! How much memory a run needs, estimated from the model before anything is simulated, and
//! the budget it must fit in.
//!
//! A run's peak is the larger of two moments. Reading the inputs (each row's text passes
//! through a few parsed copies, freed as the next is built), and the run itself: the model, the
//! statistics of every exposure (kept for the reports), the portfolio's per-year totals, one
//! batch of stored outcomes (while simulating) and the rendered reports (at the end; every file
//! is held until the folder is written). The per-exposure figures are the sizes of
//! the structures that hold them, with the allocator's rounding, and report text at
//! [`NUMBER_BYTES`] a number; compared with peak RSS in `tests/memory.rs` and `docs/performance.md`.

use std::path::{Path, PathBuf};

use crate::engine::ceding::CedingPlan;
use crate::engine::outcomes::stored_bytes;
use crate::engine::{ExposureModel, Model, SystemicSchedule, ILF_LIMITS};
use crate::input::Mode;
use crate::run::{batches_for, ComponentResult, Contribution, ExposureResult, BATCH_BYTES};
use crate::stats::{LogHistogram, RETURN_PERIODS};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Memory a run may plan to use at most, whatever the machine.
pub const MEMORY_BUDGET_BYTES: f64 = 16.0 * GIB;

/// The process before any input: the binary, its libraries, fonts and thread stacks (measured:
/// 11–40 MiB).
const PROCESS_BYTES: f64 = 48.0 * 1024.0 * 1024.0;

/// Reading the exposures, per row: the scanned fields, the CSV reader's columns, the text
/// table and the parsed rows, less what is freed between stages (measured: ~1.6 KB a row of
/// the sample portfolio's 11 columns at their peak).
const LOAD_BYTES_PER_ROW: f64 = 2048.0;

/// A number in a CSV report: plain decimals of f64 are 1–24 characters, 13–16 on average in
/// the reports of the sample portfolio and of P2.
const NUMBER_BYTES: f64 = 16.0;

/// Bytes an allocation of `bytes` takes: the allocator's size classes are about 1/8 apart.
fn heap(bytes: usize) -> f64 {
    if bytes == 0 {
        0.0
    } else {
        (bytes as f64 * 1.125).max(16.0)
    }
}

/// A run's memory, estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryEstimate {
    /// The peak, in bytes.
    pub total: f64,
    /// The exposures' share of the peak whatever the iterations: their model, statistics and
    /// reports (or, where larger, reading them).
    pub exposures: f64,
    /// The exposure whose outcomes alone are the largest, and their bytes.
    pub largest: Option<(String, f64)>,
}

/// Memory a run of `model` over `iterations` would need (see the module's notes).
pub fn estimate(model: &Model, iterations: u64) -> MemoryEstimate {
    estimate_keeping(model, iterations, Keeps::Reports)
}

/// Memory a `sensitivity` analysis of `model` over `iterations` per run would need: the same
/// inputs and batches of outcomes, but no statistics or reports per exposure, and instead of
/// the portfolio's arrays the target's per-iteration gross and component costs.
pub fn analysis_estimate(model: &Model, iterations: u64) -> MemoryEstimate {
    estimate_keeping(model, iterations, Keeps::Analysis)
}

/// Memory a shard (`simulate --shard`) of `iterations` would need for its batches of
/// exposures `exposures`: one batch of outcomes at a time, its exposures' statistics (kept, then
/// written as text of about their size) and the portfolio's sums; no reports.
pub fn shard_estimate(model: &Model, iterations: u64, exposures: std::ops::Range<usize>) -> MemoryEstimate {
    estimate_keeping(model, iterations, Keeps::Shard(exposures))
}

/// Memory a `compare` of `model` against one alternative like it over `iterations` would
/// need: a run's, and both runs' losses in every year each exposure stores (iteration and three
/// measures) with the portfolio's in every year.
pub fn compare_estimate(model: &Model, iterations: u64) -> MemoryEstimate {
    let mut run = estimate(model, iterations);
    let stored: f64 = model.exposures.iter().map(|x| stored_bytes(model, x, iterations).outcomes).sum();
    let years = 2.0 * 32.0 * (stored + iterations as f64) * 1.125;
    run.total += years;
    run
}

/// What a command keeps besides the model and a batch of outcomes.
#[derive(Clone, PartialEq)]
enum Keeps {
    /// Every exposure's statistics and reports, and the portfolio's per-year totals.
    Reports,
    /// Per iteration, the target's gross and component costs.
    Analysis,
    /// The statistics of these exposures and the portfolio's sums over them.
    Shard(std::ops::Range<usize>),
}

fn estimate_keeping(model: &Model, iterations: u64, keeps: Keeps) -> MemoryEstimate {
    let e = model.exposures.len();
    // Which exposures' statistics are kept: every one's for reports, a shard's own (and their
    // text as it writes them), none for an analysis.
    let (statistics, own) = match &keeps {
        Keeps::Reports => (true, 0..e),
        Keeps::Analysis => (false, 0..e),
        Keeps::Shard(own) => (true, own.clone()),
    };
    let (mut kept, mut text) = (0.0, 0.0);
    for (i, x) in model.exposures.iter().enumerate() {
        kept += model_bytes(x);
        if statistics && own.contains(&i) {
            kept += result_bytes(model, x);
            text += report_bytes(model, x);
        }
    }
    let load = e as f64 * LOAD_BYTES_PER_ROW;
    let (outcomes, largest) = outcome_bytes(model, iterations, &own);
    let per_iteration = match keeps {
        Keeps::Reports => portfolio_bytes(model, iterations),
        Keeps::Analysis => iterations as f64 * 8.0 * (model.assumptions.components.len() + 3) as f64,
        Keeps::Shard(_) => shard_sums_bytes(model, iterations),
    };
    // Reading the inputs comes before the rest, which reuses its memory. The outcomes are freed
    // before the reports are rendered, but whether the allocator has handed their memory back
    // (or reuses it for the reports) by then depends on timing: counted as kept.
    let run = kept + outcomes + text;
    let peak = PROCESS_BYTES + per_iteration + run.max(load);
    MemoryEstimate { total: peak, exposures: (kept + text).max(load).min(peak), largest }
}

/// The model of one exposure: its struct, id, and its lists of components, sublimits and
/// systemic events.
fn model_bytes(x: &ExposureModel) -> f64 {
    std::mem::size_of::<ExposureModel>() as f64
        + heap(x.id.len())
        + heap(8 * x.components.len())
        + heap(8 * x.terms.sublimits.len())
        + heap(8 * x.systemic.len())
}

/// One exposure's statistics: three measures with their return-period curves, its components,
/// its histogram (for charts), increased-limit means and (annual mode) its contribution.
fn result_bytes(model: &Model, x: &ExposureModel) -> f64 {
    let annual = model.settings.mode == Mode::Annual;
    let curves = if annual { 4 } else { 2 };
    let components: f64 = x
        .components
        .iter()
        .map(|&c| std::mem::size_of::<ComponentResult>() as f64 + heap(model.assumptions.components[c].name.len()))
        .sum();
    let histogram =
        if model.histograms { heap(8 * LogHistogram::BINS_PER_DECADE * LogHistogram::DECADES) } else { 0.0 };
    std::mem::size_of::<ExposureResult>() as f64
        + heap(x.id.len())
        + 3.0 * curves as f64 * heap(8 * RETURN_PERIODS.len())
        + heap(std::mem::size_of::<ComponentResult>() * x.components.len())
        + components
        + histogram
        + heap(8 * ILF_LIMITS.len())
        + if annual { std::mem::size_of::<Contribution>() as f64 } else { 0.0 }
}

/// One exposure's rows in the CSV reports: rows × (its id, short words, and its numbers).
fn report_bytes(model: &Model, x: &ExposureModel) -> f64 {
    let annual = model.settings.mode == Mode::Annual;
    let id = x.id.len() as f64;
    let row = |numbers: f64, words: f64| id + words + numbers * NUMBER_BYTES;
    let names: f64 = x.components.iter().map(|&c| model.assumptions.components[c].name.len() as f64).sum();
    let curves = if annual { 2.0 } else { 1.0 };
    let periods = RETURN_PERIODS.len() as f64;
    let k = x.components.len() as f64;
    let summary = 3.0 * row(18.0, 30.0);
    let components = k * row(7.0, 10.0) + names;
    // Measure, curve, return period and probability, then the loss.
    let exceedance = 3.0 * curves * periods * row(1.0, 26.0);
    let ilf = ILF_LIMITS.len() as f64 * row(4.0, 5.0);
    let annual_only = if annual { row(8.0, 10.0) + 2.0 * row(4.0, 16.0) } else { 0.0 };
    summary + components + exceedance + ilf + annual_only
}

/// The largest batch of stored outcomes (with each chunk's buffers, and the columns the
/// statistics gather from the outcomes of the exposures being summarised, one a thread), and
/// the exposure whose outcomes alone are the largest (an exposure is never split between
/// batches).
fn outcome_bytes(model: &Model, iterations: u64, own: &std::ops::Range<usize>) -> (f64, Option<(String, f64)>) {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()) as f64;
    let mut largest: Option<(String, f64)> = None;
    let mut batch_bytes: f64 = 0.0;
    for batch in batches_for(model, iterations) {
        let (mut total, mut widest) = (0.0, 0.0f64);
        let batch = batch.start.max(own.start)..batch.end.min(own.end);
        for x in model.exposures.get(batch).unwrap_or_default() {
            // The outcomes (with the room each task makes for them), and up to seven columns of
            // them while their statistics are computed.
            let bytes = stored_bytes(model, x, iterations);
            let (s, c) = (bytes.reserved, bytes.outcomes * 7.0 * 8.0);
            total += s;
            widest = widest.max(c);
            if largest.as_ref().is_none_or(|(_, l)| s + c > *l) {
                largest = Some((x.id.clone(), s + c));
            }
        }
        batch_bytes = batch_bytes.max(total + threads * widest);
    }
    (batch_bytes, largest)
}

/// The portfolio's per-year arrays (annual mode, several exposures): exact totals of 16 bytes
/// (the gross; insured and retained where an exposure's terms bite; two more with systemic
/// events; one per incident type with types beside the data breach, and one per coverage
/// section) and largest breaches of 8 while exposures are added; then the totals as amounts,
/// and positive copies while summarising. (A lone exposure's years are its outcomes.)
fn portfolio_bytes(model: &Model, iterations: u64) -> f64 {
    if model.settings.mode != Mode::Annual || model.exposures.len() < 2 {
        return 0.0;
    }
    let systemic = !SystemicSchedule::is_inactive(model);
    let insured_is_gross = model.exposures.iter().all(|e| e.insured_is_gross(&model.assumptions));
    let types = crate::input::incidents::type_columns(model.assumptions.incidents.len());
    let totals = if insured_is_gross { 1.0 } else { 3.0 }
        + if systemic { 2.0 } else { 0.0 }
        + (types + model.assumptions.sections.len()) as f64
        + ceded_columns(model);
    let largest = if insured_is_gross { 1.0 } else { 3.0 } + if systemic { 1.0 } else { 0.0 };
    let adding = 16.0 * totals + 8.0 * largest;
    let summarising = 8.0 * (totals + largest) * 2.0 + 16.0;
    iterations as f64 * adding.max(summarising)
}

/// A shard's sums of the portfolio's years (annual mode, even for one exposure): the totals
/// and largest breaches a run adds up ([`portfolio_bytes`]), and their bytes as written.
fn shard_sums_bytes(model: &Model, iterations: u64) -> f64 {
    if model.settings.mode != Mode::Annual {
        return 0.0;
    }
    let types = crate::input::incidents::type_columns(model.assumptions.incidents.len());
    let columns = (5 + types + model.assumptions.sections.len()) as f64 + ceded_columns(model);
    iterations as f64 * columns * 16.0 * 2.0
}

/// The totals a year the treaties' per-risk and catastrophe layers add to the portfolio's
/// sums ([`CedingPlan`]): one per per-risk layer, and per expected systemic occurrence its loss
/// and per-risk recoveries.
fn ceded_columns(model: &Model) -> f64 {
    let Some(plan) = CedingPlan::of(model) else { return 0.0 };
    let occurrences: f64 =
        if plan.events { model.assumptions.systemic.iter().map(|e| e.annual_rate).sum() } else { 0.0 };
    plan.per_risk.len() as f64 + occurrences * plan.event_width() as f64
}

/// The most iterations (at least 1) whose estimate fits in `budget`, if one does.
fn most_iterations(estimate: &dyn Fn(u64) -> MemoryEstimate, iterations: u64, budget: f64) -> Option<u64> {
    if estimate(1).total > budget {
        return None;
    }
    // The estimate grows with the iterations: bisect.
    let (mut fits, mut too_many) = (1u64, iterations.max(2));
    while too_many - fits > 1 {
        let mid = fits + (too_many - fits) / 2;
        if estimate(mid).total <= budget {
            fits = mid;
        } else {
            too_many = mid;
        }
    }
    Some(fits)
}

/// Refuses, with its estimate and what would fit (the most iterations, or else the most
/// exposures), a run of `exposures` exposures over `iterations` whose `estimate` exceeds the
/// [`budget`]; `source` says where the number of iterations came from.
pub fn check(
    estimate: &dyn Fn(u64) -> MemoryEstimate,
    exposures: usize,
    iterations: u64,
    source: &str,
) -> crate::error::Result<()> {
    let (budget, budget_text) = budget();
    check_within(estimate, exposures, iterations, source, budget, &budget_text)
}

fn check_within(
    estimate: &dyn Fn(u64) -> MemoryEstimate,
    exposures: usize,
    iterations: u64,
    source: &str,
    budget: f64,
    budget_text: &str,
) -> crate::error::Result<()> {
    let needed = estimate(iterations);
    if needed.total <= budget {
        return Ok(());
    }
    let detail = match &needed.largest {
        Some((id, b)) if *b > BATCH_BYTES => format!("; exposure {id} alone stores {:.1} GiB of outcomes", gib(*b)),
        _ => String::new(),
    };
    let one = estimate(1);
    let fits = match most_iterations(estimate, iterations, budget) {
        Some(n) => format!("use at most about {n} iterations"),
        None => {
            // Too many exposures for any number of iterations: how many rows a file could hold.
            let each = one.exposures / exposures.max(1) as f64;
            let rows = ((budget - (one.total - one.exposures)) / each).floor().max(0.0);
            format!("no number of iterations fits; split the exposures into files of at most about {rows} rows")
        }
    };
    Err(crate::error::Error::input(format!(
        "{source}: {iterations} iterations of {exposures} exposures need about {:.1} GiB of memory ({:.1} GiB whatever the iterations, for the exposures' inputs, statistics and reports; {:.1} GiB more for the outcomes and per-iteration totals{detail}), more than the {budget_text}; {fits}",
        gib(needed.total),
        gib(one.total),
        gib(needed.total - one.total),
    )))
}

/// What a run may plan to use, and why: [`MEMORY_BUDGET_BYTES`], or 80% of the smallest of the
/// process's address-space limit (`ulimit -v`), its control group's memory limit (a
/// container's or a batch job's: [`cgroup_limit`]) and the memory available (Linux).
pub fn budget() -> (f64, String) {
    budget_under(Path::new("/"))
}

/// [`budget`] with the system's files read under `root` (`/`; a fake tree in tests).
fn budget_under(root: &Path) -> (f64, String) {
    let mut budget = (MEMORY_BUDGET_BYTES, format!("{:.1} GiB budget", MEMORY_BUDGET_BYTES / GIB));
    let mut consider = |bytes: Option<f64>, what: &str| {
        if let Some(bytes) = bytes.filter(|b| 0.8 * b < budget.0) {
            budget =
                (0.8 * bytes, format!("{:.1} GiB budget (80% of {what} {:.1} GiB)", 0.8 * bytes / GIB, bytes / GIB));
        }
    };
    let field = |text: &str, prefix: &str, index: usize| -> Option<f64> {
        let line = text.lines().find(|l| l.starts_with(prefix))?;
        line.split_whitespace().nth(index)?.parse::<f64>().ok()
    };
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    // "Max address space  <soft> <hard> bytes"; "unlimited" does not parse.
    consider(read("proc/self/limits").and_then(|t| field(&t, "Max address space", 3)), "the address-space limit");
    consider(cgroup_limit(root), "the control group's memory limit");
    consider(
        read("proc/meminfo").and_then(|t| field(&t, "MemAvailable:", 1)).map(|kib| kib * 1024.0),
        "the available memory",
    );
    budget
}

/// Above this a cgroup v1 limit means none (v1 writes "no limit" as a huge page-aligned number).
const NO_CGROUP_LIMIT: f64 = (1u64 << 60) as f64;

/// The memory limit of the control group the process runs in (read under `root`): the smallest
/// limit of its group and the groups above it, as the kernel enforces them all. cgroup v2: the
/// `memory.max` files along the process's path (`/proc/self/cgroup`'s `0::` line) under
/// `/sys/fs/cgroup`; v1: the `memory.limit_in_bytes` files along the memory controller's path
/// under `/sys/fs/cgroup/memory`. `max`, or v1's huge number, is no limit; where the path cannot
/// be read, the group at the mount's root (a container's own, in its cgroup namespace).
fn cgroup_limit(root: &Path) -> Option<f64> {
    let membership = std::fs::read_to_string(root.join("proc/self/cgroup")).unwrap_or_default();
    let path_of = |line: &str| line.splitn(3, ':').nth(2).map(str::trim).map(str::to_string);
    let v2 = membership.lines().find(|l| l.starts_with("0::")).and_then(path_of);
    let v1 = membership
        .lines()
        .find(|l| l.split(':').nth(1).is_some_and(|controllers| controllers.split(',').any(|c| c == "memory")))
        .and_then(path_of);
    let limits = |mount: &str, file: &str, path: Option<String>| -> Option<f64> {
        let base = root.join(mount);
        // The groups from the mount's root down to the process's own.
        let mut folders = vec![base.clone()];
        let mut folder = base;
        for part in path.as_deref().unwrap_or("/").split('/').filter(|p| !p.is_empty() && *p != "..") {
            folder = folder.join(part);
            folders.push(folder.clone());
        }
        let limit = |f: &PathBuf| std::fs::read_to_string(f.join(file)).ok()?.trim().parse::<f64>().ok();
        folders.iter().filter_map(limit).filter(|l| *l < NO_CGROUP_LIMIT).reduce(f64::min)
    };
    // The unified hierarchy (v2) is mounted at /sys/fs/cgroup where its root lists its controllers.
    if root.join("sys/fs/cgroup/cgroup.controllers").exists() {
        limits("sys/fs/cgroup", "memory.max", v2)
    } else {
        limits("sys/fs/cgroup/memory", "memory.limit_in_bytes", v1)
    }
}

/// Bytes in GiB, for messages.
pub fn gib(bytes: f64) -> f64 {
    bytes / GIB
}

#[cfg(test)]
mod tests {
    /// A fake system tree under a temporary folder: `files` as (path, text).
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(path, text).expect("file");
        }
        dir
    }

    const GIB_BYTES: u64 = 1 << 30;

    #[test]
    fn the_control_groups_memory_limit_is_the_smallest_along_the_process_path() {
        let eight = (8 * GIB_BYTES).to_string();
        let three = (3 * GIB_BYTES).to_string();
        // cgroup v2: a pod limited to 8 GiB, its container unlimited, on a big node.
        let v2 = tree(&[
            ("sys/fs/cgroup/cgroup.controllers", "cpu memory"),
            ("sys/fs/cgroup/memory.max", "max\n"),
            ("sys/fs/cgroup/kubepods/pod1/memory.max", &eight),
            ("sys/fs/cgroup/kubepods/pod1/box/memory.max", "max\n"),
            ("proc/self/cgroup", "0::/kubepods/pod1/box\n"),
        ]);
        assert_eq!(super::cgroup_limit(v2.path()), Some(8.0 * GIB_BYTES as f64));
        // In its own cgroup namespace the container sees its group at the mount's root.
        let namespaced = tree(&[
            ("sys/fs/cgroup/cgroup.controllers", "memory"),
            ("sys/fs/cgroup/memory.max", &three),
            ("proc/self/cgroup", "0::/\n"),
        ]);
        assert_eq!(super::cgroup_limit(namespaced.path()), Some(3.0 * GIB_BYTES as f64));
        // cgroup v1: "no limit" is a huge number; the job's group has 3 GiB.
        let v1 = tree(&[
            ("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"),
            ("sys/fs/cgroup/memory/slurm/job_7/memory.limit_in_bytes", &three),
            ("proc/self/cgroup", "12:cpu,cpuacct:/slurm/job_7\n5:memory:/slurm/job_7\n"),
        ]);
        assert_eq!(super::cgroup_limit(v1.path()), Some(3.0 * GIB_BYTES as f64));
        let unlimited = tree(&[
            ("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"),
            ("proc/self/cgroup", "5:memory:/\n"),
        ]);
        assert_eq!(super::cgroup_limit(unlimited.path()), None);
        assert_eq!(super::cgroup_limit(tree(&[]).path()), None, "no cgroup files: no limit");
    }

    #[test]
    fn the_budget_follows_the_control_group_and_a_run_above_it_is_refused_with_its_estimate() {
        let two = (2 * GIB_BYTES).to_string();
        let root = tree(&[
            ("sys/fs/cgroup/cgroup.controllers", "memory"),
            ("sys/fs/cgroup/memory.max", &two),
            ("proc/self/cgroup", "0::/\n"),
            ("proc/meminfo", "MemTotal: 263000000 kB\nMemAvailable: 250000000 kB\n"),
        ]);
        let (budget, text) = super::budget_under(root.path());
        assert_eq!(budget, 0.8 * 2.0 * GIB_BYTES as f64);
        assert!(text.contains("control group's memory limit 2.0 GiB"), "{text}");
        let model = test_model(&book(1000), TOML, RunSettings { mode: Mode::Annual, iterations: 1, seed: 1 });
        let estimate = |n: u64| super::estimate(&model, n);
        let refused = super::check_within(&estimate, 1000, 20_000_000, "--iterations", budget, &text);
        let message = refused.expect_err("20 million years of 1,000 exposures do not fit in 1.6 GiB").to_string();
        assert!(message.contains("need about") && message.contains("control group's memory limit"), "{message}");
        assert!(message.contains("use at most about"), "{message}");
        assert!(super::check_within(&estimate, 1000, 1000, "--iterations", budget, &text).is_ok());
    }

    use super::*;
    use crate::engine::model::test_model;
    use crate::engine::RunSettings;

    fn book(rows: usize) -> String {
        let mut csv = String::from("id,records,annual_rate,retention\n");
        for i in 0..rows {
            csv.push_str(&format!("exposure-{i},{},0.05,10000\n", 1000 + i));
        }
        csv
    }

    const TOML: &str = "[[component]]\nname = \"a\"\nfixed = 100\n[[component]]\nname = \"b\"\nper_unit = 2\n";

    /// Exposures cost the same whatever the iterations, and iterations the same whatever the
    /// exposures (but for their outcomes); charts and annual mode each add per exposure.
    #[test]
    fn the_estimate_grows_with_exposures_and_iterations_and_charts() {
        let settings = |mode, iterations| RunSettings { mode, iterations, seed: 1 };
        let small = test_model(&book(100), TOML, settings(Mode::Annual, 1000));
        let large = test_model(&book(10_000), TOML, settings(Mode::Annual, 1000));
        let (a, b) = (estimate(&small, 1000), estimate(&large, 1000));
        assert!(b.exposures > 90.0 * a.exposures && b.exposures < 110.0 * a.exposures, "{a:?} {b:?}");
        assert!(estimate(&large, 1_000_000).total > b.total);
        let mut without_charts = large.clone();
        without_charts.histograms = false;
        assert!(estimate(&without_charts, 1000).exposures < b.exposures);
        let breach = test_model(&book(10_000), TOML, settings(Mode::Breach, 1000));
        assert!(estimate(&breach, 1000).exposures < b.exposures);
        // A shard keeps only its own exposures' statistics and no reports; an analysis only
        // its per-iteration totals.
        let quarter = shard_estimate(&large, 1000, 0..2500).total;
        assert!(quarter < shard_estimate(&large, 1000, 0..10_000).total);
        // A shard of them all keeps what a run keeps but for the portfolio's statistics.
        assert!(shard_estimate(&large, 1000, 0..10_000).total < 1.2 * b.total);
        assert!(analysis_estimate(&large, 1000).total < b.total);
    }

    #[test]
    fn the_most_iterations_that_fit_fit_and_one_more_does_not() {
        let model = test_model(&book(1000), TOML, RunSettings { mode: Mode::Annual, iterations: 1, seed: 1 });
        let of = |n: u64| estimate(&model, n);
        let budget = of(5_000_000).total;
        let most = most_iterations(&of, 100_000_000, budget).expect("some iterations fit");
        assert!(of(most).total <= budget && of(most + 1).total > budget, "{most}");
        assert_eq!(most_iterations(&of, 100_000_000, of(1).total / 2.0), None);
        let refused = check_within(&of, 1000, 100_000_000, "--iterations 100000000", budget, "budget")
            .expect_err("too many iterations");
        assert!(refused.to_string().contains(&format!("use at most about {most} iterations")), "{refused}");
    }

    #[test]
    fn too_many_exposures_for_any_iterations_are_told_how_many_rows_fit() {
        let model = test_model(&book(10_000), TOML, RunSettings { mode: Mode::Annual, iterations: 1, seed: 1 });
        let of = |n: u64| estimate(&model, n);
        let budget = of(1).total / 2.0;
        let refused = check_within(&of, 10_000, 1000, "1000 iterations (the default)", budget, "budget")
            .expect_err("too many exposures")
            .to_string();
        let rows: f64 = refused
            .split("at most about ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("{refused}"));
        let fewer = test_model(&book(rows as usize), TOML, RunSettings { mode: Mode::Annual, iterations: 1, seed: 1 });
        assert!(estimate(&fewer, 1).total <= budget * 1.01, "{refused}");
        assert!(rows > 1000.0 && rows < 10_000.0, "{refused}");
    }
}
