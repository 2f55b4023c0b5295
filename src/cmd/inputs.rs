//! Loading the two inputs shared by `simulate` and `validate`: from the given paths, or the
//! built-in sample portfolio and default assumptions.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::input::{Assumptions, Exposures, DEFAULT_ASSUMPTIONS, SAMPLE_PORTFOLIO};
use crate::report::run_json::InputSource;

/// The two input files, as every command that simulates takes them.
#[derive(clap::Args, Debug, Clone)]
pub struct InputFiles {
    /// Exposures table, CSV or Parquet (default: the built-in sample portfolio)
    #[arg(long, value_name = "FILE")]
    pub exposures: Option<std::path::PathBuf>,
    /// Assumptions file, TOML (default: the built-in default assumptions)
    #[arg(long, value_name = "FILE")]
    pub assumptions: Option<std::path::PathBuf>,
}

impl InputFiles {
    /// The files given, which a run's `--out` must never replace.
    pub fn guarded(&self) -> Vec<crate::report::output_dir::Guarded<'_>> {
        let given = [("the exposures", &self.exposures), ("the assumptions", &self.assumptions)];
        given
            .into_iter()
            .filter_map(|(what, path)| path.as_deref().map(|path| crate::report::output_dir::Guarded { what, path }))
            .collect()
    }

    /// Reads both (see [`load`]).
    pub fn load(&self) -> Result<Inputs> {
        load(self.exposures.as_deref(), self.assumptions.as_deref())
    }
}

pub struct Inputs {
    pub exposures: Exposures,
    pub assumptions: Assumptions,
    pub exposures_source: InputSource,
    pub assumptions_source: InputSource,
    /// The bytes parsed, for shards to carry a copy of their inputs.
    pub exposures_bytes: Vec<u8>,
    /// `parquet` or `csv`: how `exposures_bytes` were read.
    pub exposures_format: &'static str,
    pub assumptions_bytes: Vec<u8>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the assumptions file (UTF-8, optional BOM), or the built-in defaults without a path.
pub fn load_assumptions(path: Option<&Path>) -> Result<(Assumptions, InputSource)> {
    load_assumptions_bytes(path).map(|(assumptions, source, _)| (assumptions, source))
}

/// [`load_assumptions`], with the bytes read.
fn load_assumptions_bytes(path: Option<&Path>) -> Result<(Assumptions, InputSource, Vec<u8>)> {
    match path {
        None => {
            let label = "built-in assumptions/default.toml";
            let parsed = Assumptions::parse(DEFAULT_ASSUMPTIONS, label)?;
            let source = InputSource { path: label.into(), sha256: sha256_hex(DEFAULT_ASSUMPTIONS.as_bytes()) };
            Ok((parsed, source, DEFAULT_ASSUMPTIONS.as_bytes().to_vec()))
        }
        Some(path) => {
            let label = path.display().to_string();
            if path.is_dir() {
                return Err(Error::input(format!("{label}: is a directory; expected an assumptions TOML file")));
            }
            let bytes = std::fs::read(path).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
            let parsed = assumptions_from_bytes(&bytes, &label)?;
            let sha256 = sha256_hex(&bytes);
            Ok((parsed, InputSource { path: label, sha256 }, bytes))
        }
    }
}

/// Parses assumptions from the bytes of a file (UTF-8, optional BOM); `label` names it in errors.
pub fn assumptions_from_bytes(bytes: &[u8], label: &str) -> Result<Assumptions> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::input(format!("{label}: is not UTF-8 text (byte {})", e.valid_up_to())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Assumptions::parse(text, label)
}

/// Reads the exposures file (the built-in sample portfolio without a path): the rows, where
/// they came from, the bytes parsed, and their format.
pub fn load_exposures(path: Option<&Path>) -> Result<(Exposures, InputSource, Vec<u8>, &'static str)> {
    Ok(match path {
        None => {
            let label = "built-in assumptions/sample-portfolio.csv";
            let parsed = Exposures::from_csv_bytes(SAMPLE_PORTFOLIO.as_bytes(), label)?;
            let source = InputSource { path: label.into(), sha256: sha256_hex(SAMPLE_PORTFOLIO.as_bytes()) };
            (parsed, source, SAMPLE_PORTFOLIO.as_bytes().to_vec(), "csv")
        }
        Some(path) => {
            // Read once: the hash in run.json is of exactly the bytes that were parsed.
            let bytes = Exposures::read_file_bytes(path)?;
            let sha256 = sha256_hex(&bytes);
            let format = if Exposures::is_parquet_path(path) { "parquet" } else { "csv" };
            let parsed = Exposures::from_file_bytes(path, bytes.clone())?;
            (parsed, InputSource { path: path.display().to_string(), sha256 }, bytes, format)
        }
    })
}

/// Reads the exposures and assumptions (built-in ones where a path is not given).
pub fn load(exposures: Option<&Path>, assumptions: Option<&Path>) -> Result<Inputs> {
    let (assumptions, assumptions_source, assumptions_bytes) = load_assumptions_bytes(assumptions)?;
    let (exposures, exposures_source, exposures_bytes, exposures_format) = load_exposures(exposures)?;
    Ok(Inputs {
        exposures,
        assumptions,
        exposures_source,
        assumptions_source,
        exposures_bytes,
        exposures_format,
        assumptions_bytes,
    })
}
