//! The portfolio's years: each exposure's outcomes added year by year into exact totals
//! ([`YearTotals`]: the same bits however the exposures are ordered or grouped, in batches,
//! threads or shards), then turned into amounts and summarised.

use super::{independent_from_years, measures, ComponentResult, Measures};
use crate::engine::ceding::CedingPlan;
use crate::engine::{ExposureOutcomes, Model, OutcomeColumns, SystemicSchedule};
use std::io::Write;
use std::ops::Range;

use crate::stats::exact::write_planes;
use crate::stats::{LossDistribution, Segment, YearTotals};

/// The portfolio's per-iteration sums over exposures and largest breaches, being added up.
pub struct PortfolioSums {
    gross: YearTotals,
    largest_gross: Vec<f64>,
    /// Insured, retained, largest insured and largest retained: `None` while every exposure
    /// added so far had insured = gross and nothing retained (no policy terms bit), when
    /// they would repeat the gross totals and zeros.
    insured: Option<Insured>,
    /// Gross, insured and largest gross without systemic events, if there are any.
    independent: Option<(YearTotals, YearTotals, Vec<f64>)>,
    /// Year by year, the gross cost of each incident type (with types beside the data breach),
    /// then the insured loss under each coverage section (with sections): `types + sections`
    /// of them a year, side by side.
    by_column: YearTotals,
    /// (Types, sections.)
    columns: (usize, usize),
    /// What the treaties' per-risk and catastrophe layers need (with such treaties).
    ceded: Option<CededSums>,
}

/// The sums the treaties' per-risk and catastrophe layers need ([`CedingPlan`]).
#[derive(Clone)]
struct CededSums {
    /// Year by year, the recoveries under each per-risk layer (before their yearly limits).
    per_risk: YearTotals,
    /// Systemic occurrence by occurrence (with their losses wanted), the insured loss each
    /// caused and the per-risk recoveries on it ([`CedingPlan::event_width`] an occurrence).
    events: YearTotals,
    shape: CededShape,
}

/// The layout of [`CededSums`].
#[derive(Clone, Debug, PartialEq)]
pub struct CededShape {
    /// Per-risk layers.
    pub layers: usize,
    /// The run's systemic occurrences, where their losses are wanted.
    pub occurrences: Option<Occurrences>,
}

/// A run's systemic occurrences, as the portfolio's sums number them: year by year, in the
/// order the schedule draws them.
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrences {
    /// Where each year's occurrences begin (one more than the years: the last is the count).
    pub year_start: Vec<usize>,
    /// Each occurrence's event (an index into the assumptions' `systemic`).
    pub event: Vec<usize>,
}

impl CededShape {
    /// Its per-risk layers and systemic occurrences: (layers, occurrences), or none of either.
    pub fn counts(shape: Option<&CededShape>) -> (usize, usize) {
        shape.map_or((0, 0), |c| (c.layers, c.occurrences.as_ref().map_or(0, |o| o.event.len())))
    }
}

/// The shape of a run's sums: its years, whether it has systemic events (and so totals
/// without them), its columns by incident type and section, and what its treaties' layers need.
#[derive(Clone, Debug, PartialEq)]
pub struct SumsShape {
    pub iterations: u64,
    pub systemic: bool,
    pub columns: (usize, usize),
    pub ceded: Option<CededShape>,
}

impl SumsShape {
    pub fn of(model: &Model) -> Self {
        let iterations = model.settings.iterations;
        let types = crate::input::incidents::type_columns(model.assumptions.incidents.len());
        let ceded = CedingPlan::of(model).map(|plan| CededShape {
            layers: plan.per_risk.len(),
            occurrences: plan.events.then(|| {
                let schedule = SystemicSchedule::new(model, 0..iterations);
                let occurrences = schedule.occurrences();
                let mut year_start = Vec::with_capacity(iterations as usize + 1);
                let mut at = 0;
                for year in 0..=iterations {
                    at += occurrences[at..].partition_point(|o| o.iteration < year);
                    year_start.push(at);
                }
                Occurrences { year_start, event: occurrences.iter().map(|o| o.event).collect() }
            }),
        });
        SumsShape {
            iterations,
            systemic: !SystemicSchedule::is_inactive(model),
            columns: (types, model.assumptions.sections.len()),
            ceded,
        }
    }

    /// The per-risk layers' values (all years'), and the occurrences' values.
    pub fn ceded_values(&self) -> (usize, usize) {
        let (layers, occurrences) = CededShape::counts(self.ceded.as_ref());
        (self.iterations as usize * layers, occurrences * (1 + layers))
    }
}

impl CededSums {
    /// Adds an exposure's per-risk recoveries and event hits.
    fn add(&mut self, o: &ExposureOutcomes) {
        let layers = self.shape.layers;
        if layers > 0 {
            for (iteration, recoveries) in o.ceded_rows(layers) {
                let first = iteration as usize * layers;
                for (t, r) in recoveries.iter().enumerate() {
                    self.per_risk.add(first + t, *r);
                }
            }
        }
        if let Some(occurrences) = &self.shape.occurrences {
            let width = 1 + layers;
            for ((year, number), values) in o.event_rows(width) {
                let at = occurrences.year_start[year as usize] + number as usize;
                debug_assert!(at < occurrences.year_start[year as usize + 1], "an occurrence of its year");
                for (v, value) in values.iter().enumerate() {
                    self.events.add(at * width + v, *value);
                }
            }
        }
    }
}

impl PortfolioSums {
    pub fn new(shape: &SumsShape) -> Self {
        let n = shape.iterations as usize;
        let (types, sections) = shape.columns;
        let (per_risk, events) = shape.ceded_values();
        PortfolioSums {
            by_column: YearTotals::new(n * (types + sections)),
            columns: (types, sections),
            independent: shape.systemic.then(|| (YearTotals::new(n), YearTotals::new(n), vec![0.0; n])),
            gross: YearTotals::new(n),
            largest_gross: vec![0.0; n],
            insured: None,
            ceded: shape.ceded.clone().map(|shape| CededSums {
                per_risk: YearTotals::new(per_risk),
                events: YearTotals::new(events),
                shape,
            }),
        }
    }

    /// Adds a batch of exposures' outcomes (in any order of exposures: the totals are exact),
    /// the cost columns, the year's figures and those without systemic events side by side.
    pub(super) fn add_batch(&mut self, outcomes: &[ExposureOutcomes], model: &Model) {
        let PortfolioSums { gross, largest_gross, insured, independent, by_column, columns, ceded } = self;
        let (m, n) = (columns.0 + columns.1, largest_gross.len());
        let by_column = || {
            if m == 0 {
                return;
            }
            // Each exposure's cost columns by type, then by section, follow its components'
            // ([`ExposureModel::width`]).
            by_year_ranges(outcomes, (n, 16 * m), |o, part, rows| {
                let k = model.exposures[o.exposure].components.len();
                part.costs.for_each_from(rows, k, |i, c, cost| {
                    by_column.add(part.iteration(i) as usize * m + c - k, cost);
                });
            });
        };
        let years = || add_years(outcomes, (gross, largest_gross), insured);
        let own = || {
            if let Some((gross, insured, largest)) = independent.as_mut() {
                by_year_ranges(outcomes, (n, 40), |_, part, rows| {
                    for row in rows {
                        let (i, own) = (part.iteration(row) as usize, part.independent_at(row));
                        gross.add(i, own.gross);
                        insured.add(i, own.insured);
                        largest[i] = largest[i].max(own.largest_gross);
                    }
                });
            }
        };
        let ceded = || {
            if let Some(ceded) = ceded.as_mut() {
                for o in outcomes {
                    ceded.add(o);
                }
            }
        };
        rayon::join(|| rayon::join(by_column, ceded), || rayon::join(years, own));
    }

    /// Adds the sums of other exposures (of the same run): the result is what adding their
    /// outcomes here would have given, to the bit.
    pub fn add_sums(&mut self, other: PortfolioSums) {
        let max = |into: &mut [f64], from: &[f64]| {
            for (a, b) in into.iter_mut().zip(from) {
                *a = a.max(*b);
            }
        };
        // Where only one side's terms bit, the other's insured totals are its gross ones.
        let other_insured = match other.insured {
            Some(insured) => Some(insured),
            None if self.insured.is_some() => Some(insured_as_gross(&other.gross, &other.largest_gross)),
            None => None,
        };
        if let Some(theirs) = other_insured {
            let ours = self.insured.get_or_insert_with(|| insured_as_gross(&self.gross, &self.largest_gross));
            ours.0.add_totals(&theirs.0);
            ours.1.add_totals(&theirs.1);
            max(&mut ours.2, &theirs.2);
            max(&mut ours.3, &theirs.3);
        }
        self.gross.add_totals(&other.gross);
        max(&mut self.largest_gross, &other.largest_gross);
        if let (Some(ours), Some(theirs)) = (self.independent.as_mut(), other.independent.as_ref()) {
            ours.0.add_totals(&theirs.0);
            ours.1.add_totals(&theirs.1);
            max(&mut ours.2, &theirs.2);
        }
        self.by_column.add_totals(&other.by_column);
        if let (Some(ours), Some(theirs)) = (self.ceded.as_mut(), other.ceded.as_ref()) {
            ours.per_risk.add_totals(&theirs.per_risk);
            ours.events.add_totals(&theirs.events);
        }
    }

    /// The sums as bytes, compressed ([`PortfolioSums::from_bytes`] reads them back).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut out = zstd::stream::Encoder::new(Vec::new(), 1).map_err(|e| e.to_string())?;
        let mut header = SUMS_MAGIC.to_vec();
        header.push(u8::from(self.insured.is_some()) | (u8::from(self.independent.is_some()) << 1));
        let (layers, occurrences) = CededShape::counts(self.ceded.as_ref().map(|c| &c.shape));
        for n in [self.largest_gross.len(), self.columns.0, self.columns.1, layers, occurrences] {
            header.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.write_all(&header).map_err(|e| e.to_string())?;
        let mut totals = vec![&self.gross];
        let mut largest = vec![&self.largest_gross];
        if let Some((insured, retained, largest_insured, largest_retained)) = &self.insured {
            totals.extend([insured, retained]);
            largest.extend([largest_insured, largest_retained]);
        }
        if let Some((gross, insured, own_largest)) = &self.independent {
            totals.extend([gross, insured]);
            largest.push(own_largest);
        }
        totals.push(&self.by_column);
        if let Some(ceded) = &self.ceded {
            totals.extend([&ceded.per_risk, &ceded.events]);
        }
        for t in totals {
            t.write_bytes(&mut out).map_err(|e| e.to_string())?;
        }
        // Largest breaches as byte planes too (their bits' high planes repeat).
        for column in largest {
            let bits: Vec<u128> = column.iter().map(|v| u128::from(v.to_bits())).collect();
            write_planes(&mut out, &bits, 8).map_err(|e| e.to_string())?;
        }
        out.finish().map_err(|e| e.to_string())
    }

    /// Reads sums written by [`PortfolioSums::to_bytes`] for a run of `shape`, at most `most`
    /// bytes uncompressed; refuses bytes of another shape, and largest breaches that are not
    /// amounts.
    pub fn from_bytes(bytes: &[u8], shape: &SumsShape, most: u64) -> Result<Self, String> {
        // Decompressed as it is read, exactly as far as the structure goes (a heavy tail's large
        // amounts have no fixed count), and never past `most` bytes: the run's sums and a large
        // amount for every year, exposure and total.
        let decoder = zstd::stream::read::Decoder::new(bytes).map_err(|e| format!("is not compressed sums: {e}"))?;
        let mut stream = std::io::Read::take(decoder, most);
        let mut r = crate::stats::exact::Reader::new(&mut stream);
        Self::read(&mut r, shape).map_err(|why| match why.strip_prefix("cannot be read: ") {
            // (The decompressor's complaint: not a whole compressed file.)
            Some(e) => format!("is not compressed sums: {e}"),
            None => why,
        })
    }

    /// [`PortfolioSums::from_bytes`]' sums from their decompressed stream.
    fn read(r: &mut crate::stats::exact::Reader, shape: &SumsShape) -> Result<Self, String> {
        let (iterations, systemic, columns) = (shape.iterations, shape.systemic, shape.columns);
        if r.take(SUMS_MAGIC.len())? != SUMS_MAGIC {
            return Err("is not a table of portfolio sums".into());
        }
        let flags = r.take(1)?[0];
        let (n, types, sections) = (r.u64()?, r.u64()?, r.u64()?);
        let (layers, occurrences) = (r.u64()?, r.u64()?);
        let expected = (iterations, columns.0 as u64, columns.1 as u64);
        if (n, types, sections) != expected || flags > 3 || (flags & 2 != 0) != systemic {
            return Err(format!(
                "holds {n} years, {types} incident types and {sections} sections{}, but the run has {} years, {} types and {} sections{}",
                if flags & 2 != 0 { " with systemic events" } else { "" },
                expected.0,
                expected.1,
                expected.2,
                if systemic { " with systemic events" } else { "" }
            ));
        }
        let ceded_shape = CededShape::counts(shape.ceded.as_ref());
        let ceded_shape = (ceded_shape.0 as u64, ceded_shape.1 as u64);
        if (layers, occurrences) != ceded_shape {
            return Err(format!(
                "holds {layers} per-risk layers' and {occurrences} systemic occurrences' sums, but the run's treaties want {} and {}",
                ceded_shape.0, ceded_shape.1
            ));
        }
        let n = n as usize;
        let m = columns.0 + columns.1;
        let gross = YearTotals::read_bytes(r, n)?;
        let insured =
            if flags & 1 != 0 { Some((YearTotals::read_bytes(r, n)?, YearTotals::read_bytes(r, n)?)) } else { None };
        let independent =
            if systemic { Some((YearTotals::read_bytes(r, n)?, YearTotals::read_bytes(r, n)?)) } else { None };
        let by_column = YearTotals::read_bytes(r, n * m)?;
        let (per_risk, events) = shape.ceded_values();
        let ceded = match &shape.ceded {
            Some(c) => Some(CededSums {
                per_risk: YearTotals::read_bytes(r, per_risk)?,
                events: YearTotals::read_bytes(r, events)?,
                shape: c.clone(),
            }),
            None => None,
        };
        let mut amounts = || -> Result<Vec<f64>, String> {
            r.planes(n, 8)?
                .into_iter()
                .map(|bits| f64::from_bits(bits as u64))
                .enumerate()
                .map(|(i, v)| match (0.0..=f64::MAX).contains(&v) {
                    true => Ok(v),
                    false => {
                        Err(format!("year {i}: largest breach {v} is not an amount; expected a finite number ≥ 0"))
                    }
                })
                .collect()
        };
        let largest_gross = amounts()?;
        let insured = match insured {
            Some((insured, retained)) => Some((insured, retained, amounts()?, amounts()?)),
            None => None,
        };
        let independent = match independent {
            Some((gross, insured)) => Some((gross, insured, amounts()?)),
            None => None,
        };
        if !r.is_done() {
            return Err("has bytes after its sums".into());
        }
        Ok(PortfolioSums { gross, largest_gross, insured, independent, by_column, columns, ceded })
    }

    /// A lone exposure's gross and largest-gross distributions from its sums (its years'
    /// amounts, exact), with its measures without systemic events: what a run of it keeps.
    pub fn single_years(self, independent: Option<Measures>) -> super::SingleYears {
        let years = self.finish();
        let iterations = years.gross.len() as u64;
        let positive =
            |values: &[f64]| Segment::from(values.iter().copied().filter(|v| *v > 0.0).collect::<Vec<f64>>());
        let (_, gross, largest) =
            super::measure(vec![positive(&years.gross)], Some(vec![positive(&years.largest_gross)]), iterations);
        let largest = largest.unwrap_or_else(|| LossDistribution::new(Vec::new(), iterations));
        (gross, largest, independent)
    }

    /// The totals as amounts (each rounded once), the sums dropped as they are converted.
    pub(super) fn finish(self) -> PortfolioYears {
        let PortfolioSums { gross, largest_gross, insured, independent, by_column, columns, ceded } = self;
        let amounts = |totals: YearTotals| totals.amounts();
        let ceded = ceded.map(|c| CededYears {
            per_risk: amounts(c.per_risk),
            events: amounts(c.events),
            occurrences: c.shape.occurrences,
        });
        PortfolioYears {
            gross: amounts(gross),
            largest_gross,
            insured: insured.map(|(insured, retained, largest_insured, largest_retained)| {
                [amounts(insured), amounts(retained), largest_insured, largest_retained]
            }),
            independent: independent.map(|(gross, insured, largest)| [amounts(gross), amounts(insured), largest]),
            by_column: amounts(by_column),
            columns,
            ceded,
        }
    }
}

/// Adds a batch of exposures' year figures to the gross totals and largest breaches, and
/// (once any exposure's terms bite) to the insured and retained ones.
fn add_years(
    outcomes: &[ExposureOutcomes],
    (gross, largest_gross): (&mut YearTotals, &mut [f64]),
    insured: &mut Option<Insured>,
) {
    if insured.is_none() && outcomes.iter().any(|o| !o.insured_is_gross()) {
        // The first exposure whose terms bite: the totals so far are the gross ones (each
        // earlier insured loss equalled its gross bit for bit), and nothing was retained.
        *insured = Some(insured_as_gross(gross, largest_gross));
    }
    let n = largest_gross.len();
    match insured.as_mut() {
        Some((insured, retained, largest_insured, largest_retained)) => {
            by_year_ranges(outcomes, (n, 72), |_, part, rows| {
                for x in rows.map(|row| part.get(row)) {
                    let i = x.iteration as usize;
                    gross.add(i, x.gross);
                    insured.add(i, x.insured);
                    retained.add(i, x.retained());
                    largest_gross[i] = largest_gross[i].max(x.largest_gross);
                    largest_insured[i] = largest_insured[i].max(x.largest_insured);
                    largest_retained[i] = largest_retained[i].max(x.largest_retained);
                }
            })
        }
        None => by_year_ranges(outcomes, (n, 24), |_, part, rows| {
            for row in rows {
                let i = part.iteration(row) as usize;
                gross.add(i, part.gross()[row]);
                largest_gross[i] = largest_gross[i].max(part.largest_gross()[row]);
            }
        }),
    }
}

/// Calls `add(exposure, part, rows)` with every stored row of `outcomes` (each exposure's rows
/// ascending by iteration), a range of the `n` years at a time, every exposure's rows in the
/// range before the next: the range's totals (`bytes` a year) stay in the cache while the
/// exposures add to them, where exposure by exposure over all the years each row would fetch
/// its totals from memory. (The totals are exact and the largest breaches maxima: the order
/// does not matter.)
fn by_year_ranges(
    outcomes: &[ExposureOutcomes],
    (n, bytes): (usize, usize),
    mut add: impl FnMut(&ExposureOutcomes, &OutcomeColumns, Range<usize>),
) {
    // Each exposure's next row: its part, and the row in it.
    let mut next = vec![(0, 0); outcomes.len()];
    let years = (CHUNK_BYTES / bytes.max(1)).max(1) as u64;
    let mut end = 0;
    while end < n as u64 {
        end += years;
        for (o, (p, row)) in outcomes.iter().zip(next.iter_mut()) {
            while let Some(part) = o.parts.get(*p) {
                let stop = part.first_from(*row, end);
                if stop > *row {
                    add(o, part, *row..stop);
                }
                if stop < part.len() {
                    *row = stop;
                    break;
                }
                (*p, *row) = (*p + 1, 0);
            }
        }
    }
}

/// Insured and retained totals, largest insured and retained breaches.
type Insured = (YearTotals, YearTotals, Vec<f64>, Vec<f64>);

/// The insured figures of exposures whose terms did not bite: insured as their gross, nothing
/// retained.
fn insured_as_gross(gross: &YearTotals, largest_gross: &[f64]) -> Insured {
    let n = largest_gross.len();
    (gross.clone(), YearTotals::new(n), largest_gross.to_vec(), vec![0.0; n])
}

/// The bytes of year totals added to at once: a range of years whose totals stay in the
/// cache while every exposure of a batch adds its rows in it.
const CHUNK_BYTES: usize = 256 * 1024;

/// What a table of sums begins with.
const SUMS_MAGIC: &[u8] = b"breachcost sums\n";

/// The portfolio's per-iteration totals (sums over exposures) and largest breaches.
pub(super) struct PortfolioYears {
    pub(super) gross: Vec<f64>,
    largest_gross: Vec<f64>,
    /// Insured, retained, largest insured and largest retained (`None`: insured = gross and
    /// nothing retained in any year).
    insured: Option<[Vec<f64>; 4]>,
    /// Gross, insured and largest gross without systemic events, if there are any.
    independent: Option<[Vec<f64>; 3]>,
    /// Year by year, each incident type's gross cost, then each section's insured loss.
    by_column: Vec<f64>,
    /// (Types, sections.)
    columns: (usize, usize),
    /// What the treaties' per-risk and catastrophe layers need (with such treaties).
    pub(super) ceded: Option<CededYears>,
}

/// The portfolio's per-risk recoveries year by year and systemic occurrences' losses, as
/// amounts (see [`CededSums`]).
#[derive(Debug, Clone, Default)]
pub struct CededYears {
    /// Year by year, the recoveries under each per-risk layer (before their yearly limits).
    pub per_risk: Vec<f64>,
    /// Occurrence by occurrence, its insured loss and the per-risk recoveries on it.
    pub events: Vec<f64>,
    pub occurrences: Option<Occurrences>,
}

impl PortfolioYears {
    /// The statistics of the portfolio's annual cost of each incident type and insured loss
    /// under each coverage section (empty without types, or sections).
    pub(super) fn type_and_section_statistics(&self, model: &Model) -> (Vec<ComponentResult>, Vec<ComponentResult>) {
        let iterations = self.gross.len() as u64;
        let mean = |years: &[f64]| years.iter().sum::<f64>() / iterations.max(1) as f64;
        let (gross_mean, insured_mean) = (mean(&self.gross), mean(self.insured()));
        let (types, sections) = self.columns;
        let statistics = |name: &str, column: usize, of_mean: f64| {
            let years = self.by_column.iter().skip(column).step_by(types + sections);
            let positive: Vec<f64> = years.copied().filter(|v| *v > 0.0).collect();
            ComponentResult::of(name, positive, iterations, of_mean)
        };
        let type_names = crate::input::incidents::names(&model.assumptions.incidents).take(types);
        let section_names = model.assumptions.sections.iter().map(|s| s.name.as_str());
        (
            type_names.enumerate().map(|(c, name)| statistics(name, c, gross_mean)).collect(),
            section_names.enumerate().map(|(c, name)| statistics(name, types + c, insured_mean)).collect(),
        )
    }

    /// Copies of the gross, retained and insured loss of each iteration.
    pub(super) fn years(&self) -> [Vec<f64>; 3] {
        let retained = self.insured.as_ref().map_or_else(|| vec![0.0; self.gross.len()], |[_, r, ..]| r.clone());
        [self.gross.clone(), retained, self.insured().to_vec()]
    }

    /// The insured loss of each iteration.
    pub(super) fn insured(&self) -> &[f64] {
        self.insured.as_ref().map_or(&self.gross, |[insured, ..]| insured)
    }

    /// The portfolio's measures, gross and largest-gross distributions, and the measures
    /// without systemic events (the per-iteration arrays stay for the contributions).
    pub(super) fn summarise(&self) -> PortfolioSummary {
        let iterations = self.gross.len() as u64;
        let positive = |values: &[f64]| values.iter().copied().filter(|v| *v > 0.0).collect::<Vec<f64>>();
        let (retained, insured) = match &self.insured {
            Some([insured, retained, largest_insured, largest_retained]) => {
                let insured_is_gross = *insured == self.gross && *largest_insured == self.largest_gross;
                (
                    (positive(retained), Some(positive(largest_retained))),
                    (!insured_is_gross).then(|| (positive(insured), Some(positive(largest_insured)))),
                )
            }
            // Nothing retained in any year, and the insured statistics are the gross ones.
            None => ((Vec::new(), Some(Vec::new())), None),
        };
        let one = |(values, largest): (Vec<f64>, Option<Vec<f64>>)| {
            (vec![Segment::from(values)], largest.map(|l| vec![Segment::from(l)]))
        };
        let (measures, gross_losses, largest_gross) = measures(
            one((positive(&self.gross), Some(positive(&self.largest_gross)))),
            one(retained),
            insured.map(one),
            iterations,
        );
        let largest_gross = largest_gross.unwrap_or_else(|| LossDistribution::new(Vec::new(), iterations));
        let independent = self.independent.as_ref().map(|[gross, insured, largest]| {
            independent_from_years(gross.clone(), insured.clone(), largest.clone(), iterations)
        });
        (measures, gross_losses, largest_gross, independent)
    }
}

/// The portfolio's measures, gross and largest-gross distributions, and its measures
/// without systemic events (when there are any).
pub(super) type PortfolioSummary = (Measures, LossDistribution, LossDistribution, Option<Measures>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};
    use crate::input::Mode;
    use std::io::Write;

    /// Sums read back are the sums written; sums followed by a flood of zeros (a small file
    /// that decompresses to a great deal) are refused after one byte past their end, whatever
    /// bound the caller allows; a stream cut short says so.
    #[test]
    fn sums_are_read_as_far_as_their_structure_goes() {
        let toml = "[[component]]\nname = \"a\"\nfixed = 1000\n";
        let model =
            test_model("id,records\nx,10\ny,10\n", toml, RunSettings { mode: Mode::Annual, iterations: 500, seed: 1 });
        let shape = SumsShape::of(&model);
        let mut sums = PortfolioSums::new(&shape);
        sums.add_batch(&crate::engine::simulate_exposures(&model, 0..2, 0..500, &|_| {}), &model);
        let bytes = sums.to_bytes().expect("bytes");
        let back = PortfolioSums::from_bytes(&bytes, &shape, u64::MAX).expect("reads back");
        assert_eq!(back.to_bytes().expect("bytes"), bytes);
        // The same sums and 256 MiB of zeros after them, compressed to a few kilobytes.
        let raw = zstd::decode_all(&bytes[..]).expect("decompresses");
        let mut flood = zstd::stream::Encoder::new(Vec::new(), 1).expect("encoder");
        flood.write_all(&raw).expect("write");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            flood.write_all(&zeros).expect("write");
        }
        let flood = flood.finish().expect("finish");
        assert!(flood.len() < 1 << 20, "{} bytes", flood.len());
        let refused = PortfolioSums::from_bytes(&flood, &shape, u64::MAX).err().expect("refused");
        assert_eq!(refused, "has bytes after its sums");
        // Endless zeros after the sums: one byte past them is read, no more.
        struct Counted<R>(R, usize);
        impl<R: std::io::Read> std::io::Read for Counted<R> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.read(buf)?;
                self.1 += n;
                Ok(n)
            }
        }
        let mut endless = Counted(std::io::Read::chain(&raw[..], std::io::repeat(0)), 0);
        let refused = PortfolioSums::read(&mut crate::stats::exact::Reader::new(&mut endless), &shape).err();
        assert_eq!(refused.as_deref(), Some("has bytes after its sums"));
        assert!(endless.1 <= raw.len() + 1, "read {} bytes of {} and the zeros", endless.1, raw.len());
        let cut = zstd::encode_all(&raw[..raw.len() - 20], 1).expect("compresses");
        let refused = PortfolioSums::from_bytes(&cut, &shape, u64::MAX).err().expect("refused");
        assert!(refused.starts_with("ends early"), "{refused}");
        let refused = PortfolioSums::from_bytes(&bytes[..bytes.len() / 2], &shape, u64::MAX).err().expect("refused");
        assert!(refused.starts_with("is not compressed sums"), "{refused}");
    }
}
