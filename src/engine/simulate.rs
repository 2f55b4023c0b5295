//! The engine's entry points: simulate exposures over a range of iterations, or over a list
//! of them, task by task in parallel with rayon; tasks are reassembled in order, so results do
//! not depend on the number of threads (see the [engine's vocabulary](super)).

use std::ops::Range;

use rayon::prelude::*;

use super::common_shock::CommonShocks;
use super::model::Model;
use super::outcomes::{ExposureOutcomes, OutcomeColumns};
use super::systemic::SystemicSchedule;
use super::wanted::Wanted;
use super::year_loop::ExposureSimulator;
use super::{BLOCK_ITERATIONS, TASK_BLOCKS};

/// Simulates `iterations` of the exposures `batch` in parallel; results in batch order.
/// `progress` is called with the number of iterations finished by each chunk.
pub fn simulate_exposures(
    model: &Model,
    batch: Range<usize>,
    iterations: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.clone());
    let shocks =
        CommonShocks::new(model, iterations.start / BLOCK_ITERATIONS..iterations.end.div_ceil(BLOCK_ITERATIONS));
    // Tasks of TASK_BLOCKS blocks (the first and last may hold fewer: they end where blocks do).
    let task = TASK_BLOCKS * BLOCK_ITERATIONS;
    let mut ranges: Vec<Range<u64>> = Vec::new();
    let mut start = iterations.start;
    while start < iterations.end {
        let end = ((start / task + 1) * task).min(iterations.end);
        ranges.push(start..end);
        start = end;
    }
    let sources = Shared { systemic: &schedule, shocks: &shocks };
    simulate_tasks(model, batch, &ranges, sources, progress, |range| Wanted::Range(range.start, range.end))
}

/// Simulates the listed iterations (ascending) of the exposures `batch`; results in batch
/// order. The outcomes of an iteration are the same as in a run over a range containing it.
pub fn simulate_iterations(model: &Model, batch: Range<usize>, iterations: &[u64]) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.iter().copied());
    let mut blocks: Vec<u64> = iterations.iter().map(|i| i / BLOCK_ITERATIONS).collect();
    blocks.dedup();
    let shocks = CommonShocks::new(model, blocks.into_iter());
    let chunks: Vec<&[u64]> = iterations.chunks(BLOCK_ITERATIONS as usize).collect();
    let sources = Shared { systemic: &schedule, shocks: &shocks };
    simulate_tasks(model, batch, &chunks, sources, &|_| {}, |chunk| Wanted::List(chunk))
}

/// What every exposure of a call shares: the systemic occurrences and the common shocks of
/// its years.
#[derive(Clone, Copy)]
struct Shared<'s> {
    systemic: &'s SystemicSchedule,
    shocks: &'s CommonShocks,
}

fn simulate_tasks<'c, C>(
    model: &Model,
    batch: Range<usize>,
    chunks: &'c [C],
    shared: Shared,
    progress: &(dyn Fn(u64) + Sync),
    iterate: impl Fn(&'c C) -> Wanted<'c> + Sync,
) -> Vec<ExposureOutcomes>
where
    C: Sync,
{
    let tasks: Vec<(usize, &C)> = batch.clone().flat_map(|e| chunks.iter().map(move |c| (e, c))).collect();
    let done: Vec<(usize, ExposureOutcomes)> = tasks
        .into_par_iter()
        .map(|(e, chunk)| {
            let simulator = ExposureSimulator::new(model, e);
            let wanted = iterate(chunk);
            // Room for the outcomes expected and a margin (five standard deviations): the
            // task's blocks add theirs without moving what earlier ones wrote.
            let capacity = simulator.expected_stored(wanted.len() as usize);
            let mut out = ExposureOutcomes {
                exposure: e,
                parts: vec![OutcomeColumns::with_capacity(
                    capacity,
                    (simulator.exposure.width(), simulator.row_values),
                )],
                ..Default::default()
            };
            simulator.run(&wanted, shared.systemic, shared.shocks, &mut out);
            progress(wanted.len());
            (e, out)
        })
        .collect();
    let mut results: Vec<ExposureOutcomes> =
        batch.map(|e| ExposureOutcomes { exposure: e, ..Default::default() }).collect();
    let first = results.first().map(|r| r.exposure).unwrap_or(0);
    for (e, chunk) in done {
        let target = &mut results[e - first];
        target.parts.extend(chunk.parts);
        target.layer_sums.extend_from_slice(&chunk.layer_sums);
        target.type_insured.extend_from_slice(&chunk.type_insured);
        target.simulated_breaches += chunk.simulated_breaches;
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};
    use crate::engine::outcomes::Outcome;
    use crate::input::Mode;

    /// A run's outcomes and per-block layer sums are the same however its years are split
    /// into runs at block boundaries (tasks of several blocks, or runs of a few), with or
    /// without policy terms that bite.
    #[test]
    fn outcomes_do_not_depend_on_how_the_years_are_split() {
        let toml = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n";
        let years = 3 * TASK_BLOCKS * BLOCK_ITERATIONS + 5000;
        for csv in ["id,records,annual_rate\nx,5000,0.4\n", "id,records,annual_rate,retention\nx,5000,0.4,2e5\n"] {
            let model = test_model(csv, toml, RunSettings { mode: Mode::Annual, iterations: years, seed: 2 });
            let whole = &simulate_exposures(&model, 0..1, 0..years, &|_| {})[0];
            assert_eq!(whole.layer_sums.len() as u64, years.div_ceil(BLOCK_ITERATIONS));
            let cuts = [0, 3 * BLOCK_ITERATIONS, (TASK_BLOCKS + 5) * BLOCK_ITERATIONS, years];
            let (mut outcomes, mut layer_sums) = (Vec::new(), Vec::new());
            for range in cuts.windows(2) {
                let part = &simulate_exposures(&model, 0..1, range[0]..range[1], &|_| {})[0];
                outcomes.extend(part.outcomes());
                layer_sums.extend(part.layer_sums.iter().copied());
            }
            assert!(outcomes.len() > 10_000);
            assert_eq!(outcomes, whole.outcomes().collect::<Vec<_>>());
            assert_eq!(layer_sums, whole.layer_sums);
        }
    }

    /// A list of years (as the co-TVaR allocation re-simulates) gives exactly those years'
    /// outcomes and component costs of the full run: a data breach's draws are keyed by its
    /// number in the block and another incident's by its year, and the incidents of the years
    /// passed over are not drawn at all.
    #[test]
    fn a_list_of_years_gives_the_full_runs_outcomes_for_them() {
        let toml = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
                    [[component]]\nname = \"b\"\nper_unit = { dist = \"pert\", min = 1, mode = 2, max = 9 }\nprobability = 0.4\n\
                    [[component]]\nname = \"c\"\nfixed = 500\nper_unit = 0.5\nexponent = 0.7\n\
                    [correlation]\ncomponents = [\"a\", \"b\"]\nmatrix = [[1, 0.6], [0.6, 1]]\n\
                    [[systemic]]\nname = \"cloud\"\nannual_rate = 0.05\nfootprint = 0.5\n";
        let csv = "id,records,annual_rate,retention,limit,revenue\nx,5000,1.3,1000,200000,5e7\ny,100,0.02,,,\nz,800,9,,,2e6\n";
        let controlled = "id,records,annual_rate,retention,limit,revenue,controls\n\
                          x,5000,1.3,1000,200000,5e7,mfa\ny,100,0.02,,,,\nz,800,9,,,2e6,\n";
        // Incident types beside the data breach, one of them exposing data half the time, with
        // an outage, and thinned by a control at one exposure (keyed by year and number).
        let types = "[[incident]]\nname = \"ransomware\"\nrelative_rate = 0.6\ndata_breach_probability = 0.5\n\
                     duration_hours = { dist = \"pert\", min = 2, mode = 30, max = 400 }\n\
                     [[incident]]\nname = \"fraud\"\nrelative_rate = 0.9\n\
                     [[component]]\nname = \"bi\"\nincident = \"ransomware\"\nbasis = \"outage\"\nper_unit = 0.2\n\
                     [[component]]\nname = \"loss\"\nincident = \"fraud\"\nprobability = 0.7\n\
                     fixed = { dist = \"lognormal\", low = 1e3, high = 1e5 }\n\
                     [[control]]\nname = \"mfa\"\nfrequency = { fraud = 0.4 }\nsource = \"test\"\n";
        // Also with a common frequency shock, whose block bounds a list computes for its blocks only.
        for (csv, toml) in [
            (csv, toml.to_string()),
            (csv, format!("[frequency]\ncommon_shock_sd = 0.5\n{toml}")),
            (controlled, format!("{toml}{types}")),
            (controlled, format!("[frequency]\ncommon_shock_sd = 0.5\n{toml}{types}")),
        ] {
            let model = test_model(csv, &toml, RunSettings { mode: Mode::Annual, iterations: 20_000, seed: 5 });
            let full = simulate_exposures(&model, 0..3, 0..20_000, &|_| {});
            let list: Vec<u64> = (0..20_000).filter(|i| i % 7 == 3 || (8_000..8_040).contains(i)).collect();
            let some = simulate_iterations(&model, 0..3, &list);
            for (f, s) in full.iter().zip(&some) {
                let expected: Vec<Outcome> =
                    f.outcomes().filter(|o| list.binary_search(&o.iteration).is_ok()).collect();
                assert!(expected.len() > 20, "too few outcomes to compare");
                assert_eq!(s.outcomes().collect::<Vec<_>>(), expected);
                let width = model.exposures[f.exposure].width();
                let wanted = |(x, _): &(Outcome, Vec<f64>)| list.binary_search(&x.iteration).is_ok();
                let rows: Vec<(Outcome, Vec<f64>)> = f.rows(width).filter(wanted).collect();
                assert_eq!(s.rows(width).collect::<Vec<_>>(), rows);
            }
        }
    }
}
