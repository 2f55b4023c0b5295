//! The year loop of one exposure: its candidate years block by block (those with breaches of
//! its own and those a systemic event may hit), each year's breaches costed and the policy
//! terms applied, its outcomes stored. A block that no term or event can touch takes the short
//! way ([`ExposureSimulator::short_way`]); any other, the general loop
//! ([`ExposureSimulator::general_way`]). Both give the same outcomes, bit for bit.

use super::ceding::{close_year, CedingPlan};
use super::common_shock::CommonShocks;
use super::cost_rows::row_values;
use super::costing::{positions_of, Costing, IncidentKind};
use super::ilf::Layers;
use super::incidents::{OtherIncidents, TypeYear};
use super::minmax::larger;
use super::model::{ExposureModel, Model};
use super::outcomes::{outcome_capacity, ExposureOutcomes, Independent, OutcomeColumns};
use super::own_breaches::OwnBreaches;
use super::prevention::drawn_rate;
use super::rng::{mix, stream, SYSTEMIC_BREACH_STREAM};
use super::shares::YearIncidents;
use super::systemic::{SystemicOccurrence, SystemicSchedule};
use super::terms::YearTotals;
use super::wanted::Wanted;
use super::year_law::YearCounts;
use super::BLOCK_ITERATIONS;
use crate::input::dist::Var;
use crate::sampler::open_unit;
use crate::stats::LossRange;

/// The simulator of one exposure: resolved references into the model.
pub(super) struct ExposureSimulator<'m> {
    pub(super) model: &'m Model,
    pub(super) exposure: &'m ExposureModel,
    exposure_key: u64,
    /// What costing the exposure's breaches needs.
    costing: Costing<'m>,
    /// Which years have breaches of the exposure's own, and how many.
    years: YearCounts,
    /// Its incidents of the types beside the data breach.
    others: OtherIncidents<'m>,
    /// What the portfolio's per-risk and catastrophe treaties need of its years, if anything.
    ceding: Option<CedingPlan>,
    /// The room to make for each stored year's cost values ([`row_values`]).
    pub(super) row_values: usize,
    /// Whether years that no term or event can touch take the short way (always, but for the
    /// test that the short way gives the same outcomes as the general one).
    shortcut: bool,
}

/// What the year loop reuses from block to block.
struct Scratch<'m> {
    /// The component costs of one systemic breach or other incident, and what the policy may
    /// cover of each.
    costs: Vec<f64>,
    covered_costs: Vec<f64>,
    /// The block's years with incidents of other types ([`OtherIncidents::count_years`]).
    other_years: Vec<TypeYear>,
    type_years: Vec<Vec<(u64, u32)>>,
    /// A year's cost columns ([`ExposureModel::width`]; with more than one).
    year_costs: Vec<f64>,
    /// One systemic breach's copula uniforms.
    copula: Vec<f64>,
    own: OwnBreaches,
    /// The block's years with breaches of the exposure's own, ascending, with their counts.
    own_years: Vec<(u64, u32)>,
    /// (breach key, affected share law, kind of incident, the occurrence's number among the
    /// year's) of the year's systemic incidents.
    shared: Vec<(u64, &'m Var, IncidentKind, u32)>,
    /// The year's incidents, for the insured loss by incident type and the treaties' layers.
    incidents: YearIncidents,
    /// One incident's recoveries under the treaties' per-risk layers.
    recoveries: Vec<f64>,
    /// The block's insured loss by incident type so far (with types beside the data breach).
    by_type: Vec<f64>,
    /// The year being simulated (the general way).
    totals: YearTotals,
}

/// What the loop knows of a block before simulating its years.
struct Block<'a> {
    /// The last wanted iteration in it.
    last_wanted: u64,
    /// The systemic occurrences in it, of any event.
    events: &'a [SystemicOccurrence],
    /// For a range of iterations, the number of own breaches up to the last wanted year:
    /// rounds are costed up to there. For a list (a few years each needing their own
    /// breaches only), `None`: rounds are costed year by year.
    wanted_breaches: Option<u64>,
}

impl<'m> ExposureSimulator<'m> {
    pub(super) fn new(model: &'m Model, index: usize) -> Self {
        let exposure = &model.exposures[index];
        let exposure_key = mix(model.settings.seed, exposure.key);
        ExposureSimulator {
            model,
            exposure,
            exposure_key,
            costing: Costing::new(model, exposure),
            years: YearCounts::new(model, drawn_rate(model, exposure, 0, exposure.rate)),
            others: OtherIncidents::new(model, exposure, exposure_key),
            ceding: CedingPlan::of(model),
            row_values: row_values(model, exposure),
            shortcut: true,
        }
    }

    /// Whether no policy term can change the exposure's outcomes (insured = gross, nothing
    /// retained, increased-limit layers of the gross) and no per-risk treaty layer wants its
    /// incidents: its years may take the short way.
    fn passes_through(&self) -> bool {
        self.shortcut
            && self.others.is_empty()
            && self.ceding.as_ref().is_none_or(|plan| plan.per_risk.is_empty())
            && self.costing.cover.sections.is_empty()
            && self.exposure.insured_is_gross(&self.model.assumptions)
    }

    /// Whether an occurrence is of an event that matches the exposure (its footprint may
    /// still spare it).
    #[inline]
    fn may_be_hit_by(&self, occurrence: &SystemicOccurrence) -> bool {
        self.exposure.systemic.contains(&occurrence.event)
    }

    /// How many of `iterations` to make room for ([`outcome_capacity`]) from the share of years
    /// with a breach of the exposure's own, to size the outcome buffers once. Years hit only by a
    /// systemic event are rare enough to be left to the buffers' growth: over-sized buffers
    /// would cost more (memory the kernel must clear) than the odd reallocation.
    pub(super) fn expected_stored(&self, iterations: usize) -> usize {
        let unhit = (1.0 - self.years.share_breached()) * (1.0 - self.others.share_hit());
        outcome_capacity(1.0 - unhit, iterations)
    }

    /// Simulates `wanted`, storing the iterations with at least one breach, block by block.
    pub(super) fn run(
        &self,
        wanted: &Wanted,
        schedule: &SystemicSchedule,
        shocks: &CommonShocks,
        out: &mut ExposureOutcomes,
    ) {
        let k = self.exposure.components.len();
        let positions = positions_of(self.model);
        let mut scratch = Scratch {
            costs: vec![0.0; k],
            covered_costs: vec![0.0; k],
            other_years: Vec::new(),
            type_years: Vec::new(),
            year_costs: vec![0.0; self.exposure.width()],
            copula: vec![0.0; positions],
            own: OwnBreaches::new(k, positions),
            own_years: Vec::with_capacity(self.expected_stored(BLOCK_ITERATIONS as usize)),
            shared: Vec::new(),
            incidents: YearIncidents::default(),
            recoveries: Vec::new(),
            by_type: vec![0.0; self.exposure.type_columns()],
            totals: YearTotals::new(&self.costing.cover),
        };
        let mut layers = Layers::new(self.model, &self.exposure.terms, &self.costing.cover);
        if out.parts.is_empty() {
            out.parts.push(OutcomeColumns::default());
        }
        let ExposureOutcomes { parts, simulated_breaches, layer_sums, type_insured, .. } = out;
        let Some(part) = parts.last_mut() else { return };
        let occurrences = if self.exposure.systemic.is_empty() { &[][..] } else { schedule.occurrences() };
        let pass_through = self.passes_through();
        let contiguous = matches!(wanted, Wanted::Range(..));
        for (b, block) in wanted.blocks().into_iter().enumerate() {
            let (start, end) = (block * BLOCK_ITERATIONS, (block + 1) * BLOCK_ITERATIONS);
            let Some(last_wanted) = wanted.last_in(start..end) else { continue };
            if b > 0 {
                // The layer sums and insured loss by type are kept per block: the previous one's are done.
                layer_sums.push(layers.finish());
                type_insured.extend_from_slice(&scratch.by_type);
                scratch.by_type.fill(0.0);
            }
            let block_key = mix(self.exposure_key, block);
            scratch.own_years.clear();
            match shocks.bound(block) {
                // The block's counts at its largest common multiplier, thinned year by year.
                Some(bound) if self.years.is_random() => {
                    let rate = drawn_rate(self.model, self.exposure, 0, self.exposure.rate);
                    let shocked = YearCounts::new(self.model, rate * bound);
                    shocked.count_years(block, block_key, &mut scratch.own_years);
                    shocks.thin(bound, block_key, &mut scratch.own_years);
                }
                _ => self.years.count_years(block, block_key, &mut scratch.own_years),
            }
            if !self.others.is_empty() {
                self.others.count_years(block, shocks, &mut scratch.other_years, &mut scratch.type_years);
            }
            let events = &occurrences[occurrences.partition_point(|o| o.iteration < start)..];
            let events = &events[..events.partition_point(|o| o.iteration < end)];
            let short_way = contiguous && pass_through && !events.iter().any(|o| self.may_be_hit_by(o));
            scratch.own.start(&self.costing, block_key, short_way);
            let wanted_breaches = contiguous.then(|| {
                let own = scratch.own_years.iter().take_while(|(year, _)| *year <= last_wanted);
                own.map(|(_, c)| u64::from(*c)).sum()
            });
            let block = Block { last_wanted, events, wanted_breaches };
            *simulated_breaches += if short_way {
                self.short_way(wanted, &block, &mut scratch, &mut layers, part)
            } else {
                self.general_way(wanted, &block, &mut scratch, &mut layers, part)
            };
        }
        layer_sums.push(layers.finish());
        type_insured.extend_from_slice(&scratch.by_type);
    }

    /// The wanted years of a block that no term can bite and no event hits: the same outcomes
    /// as [`ExposureSimulator::general_way`], bit for bit (insured = gross, nothing retained,
    /// layers of the gross), without the terms, each year's gross written straight into its
    /// column. Returns the number of breaches simulated.
    fn short_way(
        &self,
        wanted: &Wanted,
        block: &Block,
        scratch: &mut Scratch,
        layers: &mut Layers,
        part: &mut OutcomeColumns,
    ) -> u64 {
        let k = self.exposure.components.len();
        let Scratch { own, own_years, year_costs, by_type, .. } = scratch;
        // The years of the range (those before its start pass their breaches over).
        let upto = own_years.partition_point(|(year, _)| *year <= block.last_wanted);
        let from = own_years[..upto].partition_point(|(year, _)| !wanted.contains(*year));
        own.skip(own_years[..from].iter().map(|&(_, count)| u64::from(count)).sum());
        let years = &own_years[from..upto];
        // (Always known for a range; were it not, rounds of one breach would do.)
        let end = block.wanted_breaches.unwrap_or(own.position);
        let first = part.len();
        if k > 1 {
            part.costs.reserve(years.len(), k, self.row_values);
        }
        part.iterations.extend(years.iter().map(|(year, _)| *year));
        let taken_from = own.position;
        let OutcomeColumns { gross: gross_column, largest_gross: largest_column, costs, .. } = &mut *part;
        // The costed round's breaches not yet taken (indices into `own`'s columns).
        let mut round = 0..0;
        // Each year's gross written straight into its column's room (the task's reservation;
        // past it, room for exactly these years: no more memory for the kernel to clear).
        gross_column.reserve_exact(years.len());
        largest_column.reserve_exact(years.len());
        gross_column.extend(years.iter().map(|&(_, count)| {
            if k > 1 {
                year_costs.fill(0.0);
            }
            let breaches = round.start..round.start + count as usize;
            // Most years' breaches all lie in the costed round; most years have one, whose
            // cost is the year's (`add_to_year`'s sums from zero, spelled out).
            let (gross, largest) = if breaches.end <= round.end {
                round.start = breaches.end;
                if k == 1 && count == 1 {
                    let g = own.gross[breaches.start];
                    (0.0 + g, larger(0.0, g))
                } else {
                    if count > 1 {
                        layers.several(breaches.start, count);
                    }
                    own.add_to_year((0.0, 0.0), breaches, year_costs)
                }
            } else {
                own.take_year_across(&self.costing, end, count, &mut round, layers, year_costs)
            };
            largest_column.push(largest);
            if k > 1 {
                costs.push(year_costs);
            }
            gross
        }));
        // (Every breach of every round was taken, and handed to the layers by round.)
        debug_assert!(round.is_empty() && own.position == end);
        if !years.is_empty() {
            // The range of the years' gross and largest breach, for the statistics.
            part.note_ranges([&part.gross[first..], &part.largest_gross[first..]].map(LossRange::of));
        }
        if let Some(data_breach) = by_type.first_mut() {
            // Every year's insured loss (its gross) is the data breach's.
            for gross in &part.gross[first..] {
                *data_breach += gross;
            }
        }
        let year_columns = part.gross[first..].iter().zip(&part.largest_gross[first..]);
        if !part.insured.is_empty() {
            part.insured.extend(year_columns.clone().map(|(&g, &l)| [g, l, 0.0]));
        }
        if !self.exposure.systemic.is_empty() {
            part.independent.extend(year_columns.map(|(&gross, &largest)| Independent {
                gross,
                insured: gross,
                largest_gross: largest,
            }));
        }
        own.position - taken_from
    }

    /// The wanted years of a block, one by one in order: each candidate year's own breaches
    /// and the systemic breaches that hit it, the year's policy terms, its outcome pushed.
    /// Returns the number of breaches simulated.
    fn general_way(
        &self,
        wanted: &Wanted,
        block: &Block,
        scratch: &mut Scratch<'m>,
        layers: &mut Layers,
        part: &mut OutcomeColumns,
    ) -> u64 {
        let k = self.exposure.components.len();
        let width = self.exposure.width();
        let types = self.exposure.type_columns();
        let cover = &self.costing.cover;
        let assumptions = &self.model.assumptions;
        let Scratch {
            costs,
            covered_costs,
            year_costs,
            copula,
            own,
            own_years,
            other_years,
            shared,
            incidents,
            recoveries,
            by_type,
            totals,
            ..
        } = scratch;
        let ceding = self.ceding.as_ref();
        // Whether the year's incidents are listed: for the insured loss by type, or the treaties.
        let listed = ceding.is_some() || !by_type.is_empty();
        let events = block.events;
        let mut simulated = 0;
        let mut own_iter = own_years.iter().copied().peekable();
        let mut next_event = 0;
        let mut next_other = 0;
        // Where the list of wanted iterations was left ([`Wanted::next_from`]).
        let mut next_wanted = 0;
        loop {
            while events.get(next_event).is_some_and(|o| !self.may_be_hit_by(o)) {
                next_event += 1;
            }
            // The next year with an own breach, an event or another incident (plain comparisons:
            // an array of options to take the least of cost a sixth of the loop's time).
            let mut year = own_iter.peek().map_or(u64::MAX, |&(year, _)| year);
            if let Some(o) = events.get(next_event) {
                year = year.min(o.iteration);
            }
            if let Some(&(other, _, _)) = other_years.get(next_other) {
                year = year.min(other);
            }
            // (No iteration is u64::MAX: it marks that none is left.)
            if year == u64::MAX || year > block.last_wanted {
                break;
            }
            match wanted.next_from(year, &mut next_wanted) {
                Some(wanted_year) if wanted_year == year => {}
                Some(wanted_year) => {
                    // Straight on to the next wanted year (a list's are few): the own breaches
                    // of the years before it still take their places in the block's columns.
                    let mut skipped = 0;
                    while let Some((_, count)) = own_iter.next_if(|(own, _)| *own < wanted_year) {
                        skipped += u64::from(count);
                    }
                    own.skip(skipped);
                    next_event += events[next_event..].partition_point(|o| o.iteration < wanted_year);
                    next_other += other_years[next_other..].partition_point(|&(y, _, _)| y < wanted_year);
                    continue;
                }
                None => break,
            }
            let count = own_iter.next_if(|(own, _)| *own == year).map_or(0, |(_, count)| count);
            let first = next_event;
            while events.get(next_event).is_some_and(|o| o.iteration == year) {
                next_event += 1;
            }
            let first_other = next_other;
            while other_years.get(next_other).is_some_and(|&(y, _, _)| y == year) {
                next_other += 1;
            }
            shared.clear();
            for (at, occurrence) in events[..next_event].iter().enumerate().skip(first) {
                if !self.may_be_hit_by(occurrence) {
                    continue;
                }
                let hit_key = mix(occurrence.key, self.exposure.key);
                if open_unit(&mut stream(hit_key)) < occurrence.footprint {
                    let event = &assumptions.systemic[occurrence.event];
                    let share = event.affected_share.as_ref().unwrap_or(&assumptions.breach.affected_share);
                    let key = mix(hit_key, SYSTEMIC_BREACH_STREAM);
                    let kind = match event.incident {
                        0 => IncidentKind::DATA_BREACH,
                        t => self.others.systemic_kind(t - 1, key, occurrence.hours),
                    };
                    // Its number among the year's occurrences, of any event (for the treaties).
                    let number = match ceding {
                        Some(plan) if plan.events => at - events[..at].partition_point(|o| o.iteration < year),
                        _ => 0,
                    };
                    shared.push((key, share, kind, number as u32));
                }
            }
            let others = &other_years[first_other..next_other];
            if count == 0 && shared.is_empty() && others.is_empty() {
                continue;
            }
            if width > 1 {
                year_costs.fill(0.0);
            }
            // The year's own breaches first, then its other incidents, then the systemic
            // breaches. The own ones come a round at a time, so a year of a very over-dispersed
            // count costs time, never memory.
            totals.reset();
            if listed {
                incidents.reset();
            }
            let end = block.wanted_breaches.unwrap_or_else(|| own.position + u64::from(count));
            for _ in 0..count {
                let j = own.take(&self.costing, end);
                let breach = own.cost(j, self.costing.breach_cover());
                if width > 1 {
                    add_costs(year_costs, own.breach_costs(j), (k, types), 0, breach.gross);
                }
                totals.add(&breach, own.breach_costs(j), self.costing.breach_cover());
                layers.add(&breach, own.breach_costs(j), cover);
                if listed {
                    incidents.add(breach.insured_before_share, None, IncidentKind::DATA_BREACH.incident);
                }
            }
            for &(_, n, t) in others {
                for j in 0..n {
                    let key = self.others.incident_key(t, year, j);
                    if !self.others.happens(t, key) {
                        continue;
                    }
                    let kind = self.others.kind(t, key);
                    let share = &assumptions.breach.affected_share;
                    let breach = self.costing.breach(key, share, kind, (costs, covered_costs), copula);
                    add_costs(year_costs, costs, (k, types), kind.incident, breach.gross);
                    totals.add(&breach, covered_costs, self.costing.cover_of(kind));
                    layers.add(&breach, covered_costs, cover);
                    if listed {
                        incidents.add(breach.insured_before_share, None, kind.incident);
                    }
                }
                simulated += u64::from(n);
            }
            let independent = (!self.exposure.systemic.is_empty()).then(|| Independent {
                gross: totals.gross,
                insured: totals.insured(cover),
                largest_gross: totals.largest_gross,
            });
            for &(breach_key, affected_share, kind, occurrence) in shared.iter() {
                let breach = self.costing.breach(breach_key, affected_share, kind, (costs, covered_costs), copula);
                if width > 1 {
                    add_costs(year_costs, costs, (k, types), kind.incident, breach.gross);
                }
                totals.add(&breach, covered_costs, self.costing.cover_of(kind));
                layers.add(&breach, covered_costs, cover);
                if listed {
                    incidents.add(breach.insured_before_share, Some(occurrence), kind.incident);
                }
            }
            layers.close_year(cover);
            if !cover.sections.is_empty() {
                totals.insured_by_section(cover, &mut year_costs[k + types..]);
            }
            let outcome = totals.close(year, cover);
            if !by_type.is_empty() {
                incidents.add_by_type(outcome.insured, by_type);
            }
            if let Some(plan) = ceding {
                close_year(incidents, (year, outcome.insured), plan, recoveries, part);
            }
            part.push(outcome);
            if let Some(independent) = independent {
                part.independent.push(independent);
            }
            if width > 1 {
                part.costs.push(year_costs);
            }
            simulated += u64::from(count) + shared.len() as u64;
        }
        simulated
    }
}

/// Adds an incident's component costs to a year's cost columns (the first `k`), and, where
/// there are `types` columns by incident type after them, its gross to its type's (`incident`).
#[inline]
fn add_costs(year_costs: &mut [f64], costs: &[f64], (k, types): (usize, usize), incident: usize, gross: f64) {
    for (total, cost) in year_costs.iter_mut().zip(costs) {
        *total += cost;
    }
    if incident < types {
        year_costs[k + incident] += gross;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};
    use crate::input::Mode;

    /// The short way for exposures whose terms cannot bite gives the general loop's outcomes
    /// and layers bit for bit: one and three components, annual and breach mode, a partial
    /// range of blocks, an exposure matched by a systemic event that never hits it, and layers
    /// over a base retention of their own.
    #[test]
    fn the_pass_through_shortcut_is_the_general_loop() {
        let one = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n";
        let three = format!(
            "{one}[[component]]\nname = \"b\"\nper_unit = {{ dist = \"uniform\", min = 1, max = 3 }}\n\
             [[component]]\nname = \"c\"\nfixed = 500\nprobability = 0.3\n\
             [[systemic]]\nname = \"cloud\"\nannual_rate = 1e-9\nfootprint = 1\n\
             [pricing]\nilf_base_retention = 20000\n"
        );
        for toml in [one.to_string(), three] {
            for mode in [Mode::Annual, Mode::Breach] {
                let csv = "id,records,annual_rate\nx,5000,1.3\ny,100,0.02\n";
                let model = test_model(csv, &toml, RunSettings { mode, iterations: 30_000, seed: 3 });
                let schedule = SystemicSchedule::new(&model, 0..30_000);
                for index in 0..2 {
                    let wanted = Wanted::Range(1_000, 30_000);
                    let run = |shortcut: bool| {
                        let mut simulator = ExposureSimulator::new(&model, index);
                        simulator.shortcut = shortcut;
                        let mut out = ExposureOutcomes::default();
                        simulator.run(&wanted, &schedule, &CommonShocks::default(), &mut out);
                        out
                    };
                    let (short, general) = (run(true), run(false));
                    assert!(short.len() > 100, "too few outcomes to compare");
                    assert_eq!(short.outcomes().collect::<Vec<_>>(), general.outcomes().collect::<Vec<_>>());
                    assert_eq!(short.independent().collect::<Vec<_>>(), general.independent().collect::<Vec<_>>());
                    let width = model.exposures[index].width();
                    assert_eq!(short.rows(width).collect::<Vec<_>>(), general.rows(width).collect::<Vec<_>>());
                    assert_eq!(short.layer_sums, general.layer_sums);
                    assert_eq!(short.type_insured, general.type_insured);
                    assert_eq!(short.simulated_breaches, general.simulated_breaches);
                }
            }
        }
    }
}
