//! Loading the two inputs shared by `simulate` and `validate`: from the given paths, or the
//! built-in sample portfolio and default assumptions.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::input::{Assumptions, Exposures, DEFAULT_ASSUMPTIONS, SAMPLE_PORTFOLIO};
use crate::report::run_json::InputSource;

pub struct Inputs {
    pub exposures: Exposures,
    pub assumptions: Assumptions,
    pub exposures_source: InputSource,
    pub assumptions_source: InputSource,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the assumptions file (UTF-8, optional BOM), or the built-in defaults without a path.
pub fn load_assumptions(path: Option<&Path>) -> Result<(Assumptions, InputSource)> {
    match path {
        None => {
            let label = "built-in assumptions/default.toml";
            let parsed = Assumptions::parse(DEFAULT_ASSUMPTIONS, label)?;
            Ok((parsed, InputSource { path: label.into(), sha256: sha256_hex(DEFAULT_ASSUMPTIONS.as_bytes()) }))
        }
        Some(path) => {
            let label = path.display().to_string();
            if path.is_dir() {
                return Err(Error::input(format!("{label}: is a directory; expected an assumptions TOML file")));
            }
            let bytes = std::fs::read(path).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| Error::input(format!("{label}: is not UTF-8 text (byte {})", e.valid_up_to())))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let parsed = Assumptions::parse(text, &label)?;
            Ok((parsed, InputSource { path: label, sha256: sha256_hex(&bytes) }))
        }
    }
}

/// Reads the exposures and assumptions (built-in ones where a path is not given).
pub fn load(exposures: Option<&Path>, assumptions: Option<&Path>) -> Result<Inputs> {
    let (assumptions, assumptions_source) = load_assumptions(assumptions)?;
    let (exposures, exposures_source) = match exposures {
        None => {
            let label = "built-in assumptions/sample-portfolio.csv";
            let parsed = Exposures::from_csv_bytes(SAMPLE_PORTFOLIO.as_bytes(), label)?;
            (parsed, InputSource { path: label.into(), sha256: sha256_hex(SAMPLE_PORTFOLIO.as_bytes()) })
        }
        Some(path) => {
            // Read once: the hash in run.json is of exactly the bytes that were parsed.
            let bytes = Exposures::read_file_bytes(path)?;
            let sha256 = sha256_hex(&bytes);
            (Exposures::from_file_bytes(path, bytes)?, InputSource { path: path.display().to_string(), sha256 })
        }
    };
    Ok(Inputs { exposures, assumptions, exposures_source, assumptions_source })
}
