//! `breachcost init DIR`: writes a starter exposures table and the default assumptions.

use std::path::PathBuf;

use clap::Args;

use super::output::outln;
use crate::error::{Error, Result};
use crate::input::{DEFAULT_ASSUMPTIONS, SAMPLE_PORTFOLIO};

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Folder to write exposures.csv and assumptions.toml into (created if missing)
    pub dir: PathBuf,
}

pub fn run(args: &InitArgs) -> Result<()> {
    let dir = &args.dir;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(format!("{}: is a file; expected a folder", dir.display())));
    }
    let files = [("exposures.csv", SAMPLE_PORTFOLIO), ("assumptions.toml", DEFAULT_ASSUMPTIONS)];
    for (name, _) in &files {
        let path = dir.join(name);
        // symlink_metadata: a link named like the file, even a dangling one, is refused too.
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(Error::input(format!("{}: already exists; init never overwrites files", path.display())));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::failure(format!("{}: cannot create the folder: {e}", dir.display())))?;
    for (name, text) in &files {
        let path = dir.join(name);
        // create_new never follows a symbolic link (not even a dangling one) nor replaces a
        // file that appeared since the check above.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()));
        written.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::input(format!("{}: already exists; init never overwrites files", path.display()))
            }
            _ => Error::failure(format!("{}: cannot be written: {e}", path.display())),
        })?;
    }
    outln!(
        "wrote {0}/exposures.csv and {0}/assumptions.toml; run: breachcost simulate --exposures {0}/exposures.csv --assumptions {0}/assumptions.toml",
        dir.display()
    )
}
