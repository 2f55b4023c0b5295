//! Every figure of an exposure's statistics (and of a set of measures), each with a name made
//! only when shown: what the check that a run's figures are finite, and the check of a shard's
//! figures, walk.

use std::fmt;

use super::{ComponentResult, ExposureResult, Measures};
use crate::engine::outcomes::BASES;
use crate::engine::ILF_LIMITS;
use crate::stats::{Summary, RETURN_PERIODS};

/// The name of a figure.
#[derive(Debug, Clone, Copy)]
pub enum FigureName<'a> {
    /// A measure's summary statistic: (measure, statistic), e.g. "gross mean".
    Summary(&'static str, &'static str),
    /// A measure's return-period figure: (measure, what, return period).
    Curve(&'static str, &'static str, u32),
    /// A statistic of a component, incident type or section: (what, its name, statistic).
    Column(&'static str, &'a str, &'static str),
    /// An incident type's figure beside its statistics: (type, what).
    Type(&'a str, &'static str),
    /// An increased-limit figure: (what, limit, basis).
    Layer(&'static str, f64, &'static str),
}

impl fmt::Display for FigureName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let printable = |name: &str| crate::text::printable(name).into_owned();
        match *self {
            FigureName::Summary(measure, stat) => write!(f, "{measure} {stat}"),
            FigureName::Curve(measure, what, t) => write!(f, "{measure} {what} {t}"),
            FigureName::Column(what, name, stat) => write!(f, "{what} \"{}\" {stat}", printable(name)),
            FigureName::Type(name, what) => write!(f, "incident type \"{}\" {what}", printable(name)),
            FigureName::Layer(what, limit, basis) => {
                write!(f, "{what} at the limit {limit} over the {basis} retention")
            }
        }
    }
}

/// The names of a column's statistics, in `components.csv`'s order.
const COLUMN_STATS: [&str; 7] = ["mean", "sd", "p50", "p95", "p99", "share_of_mean", "prob_nonzero"];

/// Every figure of `measures`: each one's summary, then its return-period curves.
pub fn measure_figures(measures: &Measures) -> impl Iterator<Item = (FigureName<'static>, f64)> + '_ {
    measures.iter().into_iter().flat_map(|(name, m)| {
        let summary = Summary::COLUMNS
            .into_iter()
            .zip(m.summary.columns())
            .map(move |(stat, v)| (FigureName::Summary(name, stat), v));
        let curves = [
            ("loss at return period", Some(&m.aggregate_ep)),
            ("TVaR at return period", Some(&m.aggregate_ep_tvar)),
            ("largest breach at return period", m.occurrence_ep.as_ref()),
            ("largest breach's TVaR at return period", m.occurrence_ep_tvar.as_ref()),
        ];
        let curves = curves.into_iter().flat_map(move |(what, values)| {
            let values = values.map(|v| v.as_slice()).unwrap_or_default();
            RETURN_PERIODS.iter().zip(values).map(move |(t, v)| (FigureName::Curve(name, what, *t), *v))
        });
        summary.chain(curves)
    })
}

/// A component's, incident type's or section's statistics, named as `what`.
fn column_figures<'a>(what: &'static str, c: &'a ComponentResult) -> impl Iterator<Item = (FigureName<'a>, f64)> {
    let values = [c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero];
    COLUMN_STATS.into_iter().zip(values).map(move |(stat, v)| (FigureName::Column(what, &c.name, stat), v))
}

impl ExposureResult {
    /// Every figure of its measures, then [`ExposureResult::column_figures`].
    pub fn figures(&self) -> impl Iterator<Item = (FigureName<'_>, f64)> + '_ {
        let measures = measure_figures(&self.measures).map(|(name, v)| (name as FigureName<'_>, v));
        measures.chain(self.column_figures())
    }

    /// Every figure beside its measures: its components', incident types' (with their rates
    /// and insured means) and sections' statistics, and its increased-limit means and sds.
    pub fn column_figures(&self) -> impl Iterator<Item = (FigureName<'_>, f64)> + '_ {
        let components = self.components.iter().flat_map(|c| column_figures("component", c));
        let types = self.incidents.iter().zip(self.insured_by_type.iter().map(Some).chain(std::iter::repeat(None)));
        let types = types.flat_map(|((rate, c), insured)| {
            let beside = [Some((FigureName::Type(&c.name, "annual_rate"), *rate))]
                .into_iter()
                .chain([insured.map(|v| (FigureName::Type(&c.name, "insured mean"), *v))]);
            column_figures("incident type", c).chain(beside.flatten())
        });
        let sections = self.sections.iter().flat_map(|c| column_figures("section", c));
        let layers = BASES.iter().enumerate().flat_map(move |(b, basis)| {
            ILF_LIMITS.iter().enumerate().flat_map(move |(l, limit)| {
                [
                    (FigureName::Layer("expected insured loss", *limit, basis), self.layers.mean[b][l]),
                    (FigureName::Layer("sd", *limit, basis), self.layers.sd[b][l]),
                ]
            })
        });
        components.chain(types).chain(sections).chain(layers)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{test_model, RunSettings};
    use crate::input::Mode;

    /// A figure that is not finite in an incident type's or a section's statistics is refused
    /// after the run as one in the measures is, named; the shard check walks the same figures.
    #[test]
    fn every_column_of_an_exposure_is_checked_and_named() {
        let toml = "[frequency]\nrate = 0.5\n[[incident]]\nname = \"fraud\"\nrate = 0.2\n\
                    [[component]]\nname = \"a\"\nfixed = 1000\n\
                    [[component]]\nname = \"b\"\nincident = \"fraud\"\nfixed = 300\n\
                    [[section]]\nname = \"first\"\ncomponents = [\"a\"]\n\
                    [[section]]\nname = \"second\"\ncomponents = [\"b\"]\n";
        let model =
            test_model("id,records\nx,10\ny,10\n", toml, RunSettings { mode: Mode::Annual, iterations: 2000, seed: 1 });
        let results = crate::run::run(&model, &|_| {});
        assert!(results.check_finite(&model).is_ok());
        let e = &results.exposures[0];
        let names: Vec<String> = e.figures().map(|(name, _)| name.to_string()).collect();
        for expected in [
            "gross mean",
            "insured loss at return period 100",
            "component \"a\" p99",
            "incident type \"fraud\" sd",
            "incident type \"fraud\" annual_rate",
            "incident type \"fraud\" insured mean",
            "section \"second\" prob_nonzero",
            "sd at the limit 5000000 over the base retention",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
        }
        type Spoil = fn(&mut crate::run::ExposureResult);
        let spoil: [(&str, Spoil); 3] = [
            ("section \"second\" p99", |e| e.sections[1].p99 = f64::INFINITY),
            ("incident type \"fraud\" mean", |e| e.incidents[1].1.mean = f64::NAN),
            ("incident type \"data_breach\" insured mean", |e| e.insured_by_type[0] = f64::INFINITY),
        ];
        for (what, spoil) in spoil {
            let mut spoiled = results.clone();
            spoil(&mut spoiled.exposures[1]);
            let error = spoiled.check_finite(&model).expect_err("refused").to_string();
            assert!(error.contains(&format!("exposure \"y\": the {what} is")), "{what}: {error}");
        }
    }
}
