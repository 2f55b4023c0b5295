//! `breachcost completions <shell>` and `breachcost man`: a shell's completion script and the
//! roff man page, printed on standard output from the command-line definition itself, so they
//! never fall out of step with the flags (as ripgrep and hyperfine offer them).
//!
//! Usage: `breachcost completions bash > ~/.local/share/bash-completion/completions/breachcost`,
//! `breachcost man > ~/.local/share/man/man1/breachcost.1`.

use std::io::Write;

use clap_complete::Shell;

use super::output::stdout_error;
use crate::error::{Error, Result};

/// `completions`' arguments.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script of `command` (the whole command line) for `shell`.
pub fn completions(shell: Shell, mut command: clap::Command) -> Result<()> {
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    write_stdout(&script)
}

/// Prints the man page (roff) of `command`: its flags and a list of its subcommands.
pub fn man(command: clap::Command) -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Error::failure(format!("the man page cannot be written: {e}")))?;
    write_stdout(&page)
}

/// Writes `bytes` as they are (a script's tabs and escapes must not be escaped as
/// [`super::output::print`] does for messages); a closed pipe ends the command quietly.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    std::io::stdout().lock().write_all(bytes).map_err(stdout_error)
}
