//! The resolved model: exposures joined with the assumptions into what the hot loop needs
//! (applicable components by index, effective rates and policy terms), nothing looked up
//! by name once the simulation starts.

use crate::error::{Error, Result};
use crate::input::toml_section::nearest;
use crate::input::{Assumptions, Exposures, Mode, PolicyTerms};

use super::rng::name_key;

/// Run settings after the CLI flags have overridden the `[simulation]` table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSettings {
    pub mode: Mode,
    pub iterations: u64,
    pub seed: u64,
}

/// One exposure, ready for simulation.
#[derive(Debug, Clone)]
pub struct ExposureModel {
    pub id: String,
    /// Stream key of this exposure (a hash of its id).
    pub key: u64,
    pub records: f64,
    /// A known number of affected records, replacing `records × affected_share`.
    pub affected: Option<f64>,
    /// Expected breaches per year.
    pub rate: f64,
    /// Indices (into [`Model::assumptions`]' components) of the components that apply.
    pub components: Vec<usize>,
    pub terms: PolicyTerms,
}

/// Everything the engine needs.
#[derive(Debug, Clone)]
pub struct Model {
    pub settings: RunSettings,
    pub assumptions: Assumptions,
    pub exposures: Vec<ExposureModel>,
    /// Stream key of each component (a hash of its name).
    pub component_keys: Vec<u64>,
}

impl Model {
    /// Joins exposures and assumptions, checking what only the two together can check
    /// (e.g. `sublimit_<component>` columns name real components).
    pub fn build(exposures: &Exposures, assumptions: Assumptions, settings: RunSettings) -> Result<Model> {
        let names = assumptions.component_names();
        let mut models = Vec::with_capacity(exposures.rows.len());
        for (row, exposure) in exposures.rows.iter().enumerate() {
            let held = exposure.data_types.as_ref().unwrap_or(&assumptions.breach.data_types);
            let components: Vec<usize> =
                assumptions.components.iter().enumerate().filter(|(_, c)| c.applies_to(held)).map(|(i, _)| i).collect();
            let defaults = &assumptions.policy;
            let mut terms = PolicyTerms {
                retention: exposure.retention.unwrap_or(defaults.retention),
                limit: exposure.limit.unwrap_or(defaults.limit),
                aggregate_limit: exposure.aggregate_limit.unwrap_or(defaults.aggregate_limit),
                share: exposure.share.unwrap_or(defaults.share),
                sublimits: defaults.sublimits.clone(),
            };
            for (component, amount) in &exposure.sublimits {
                let index = assumptions.component_index(component).ok_or_else(|| {
                    let hint = nearest(component, &names)
                        .map(|k| format!(" (did you mean \"sublimit_{k}\"?)"))
                        .unwrap_or_default();
                    Error::input(format!(
                        "{} row {}, column sublimit_{component}: no component is called \"{component}\"{hint}",
                        exposures.label,
                        row + 1
                    ))
                })?;
                terms.sublimits[index] = *amount;
            }
            models.push(ExposureModel {
                id: exposure.id.clone(),
                key: name_key(&exposure.id),
                records: exposure.records as f64,
                affected: exposure.affected.map(|a| a as f64),
                rate: exposure.annual_rate.unwrap_or(assumptions.frequency.rate),
                components,
                terms,
            });
        }
        let component_keys = assumptions.components.iter().map(|c| name_key(&c.name)).collect();
        Ok(Model { settings, assumptions, exposures: models, component_keys })
    }
}
