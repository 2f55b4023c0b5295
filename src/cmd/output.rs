//! What the commands print. `println!` panics when standard output cannot be written (a
//! closed pipe, a full disk); these return an error instead: [`Error::StdoutClosed`] for a
//! closed pipe (`breachcost validate | head -1`), which ends the command quietly, and a
//! failure for anything else (`> /dev/full`). Every line is shown with its control and
//! bidirectional-formatting characters escaped ([`printable`]), whatever text it echoes.

use std::io::{self, Write};

use crate::error::{Error, Result};
use crate::text::printable;

/// Prints a line on standard output, like `println!`, but fallibly (see the module).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::output::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// Prints `text` (lines ending in `\n`) on standard output, each line escaped.
pub fn print(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        out.write_all(printable(body).as_bytes()).map_err(stdout_error)?;
        out.write_all(end.as_bytes()).map_err(stdout_error)?;
    }
    Ok(())
}

/// Writes out what standard output still holds.
pub fn flush() -> Result<()> {
    io::stdout().lock().flush().map_err(stdout_error)
}

/// The error for a failed write to standard output.
pub fn stdout_error(error: io::Error) -> Error {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Error::StdoutClosed
    } else {
        Error::failure(format!("standard output cannot be written: {error}"))
    }
}

/// Prints `warning: <message>` on standard error, escaped. A standard error that cannot be
/// written has nowhere to report that, so it is ignored.
pub fn warn(message: &str) {
    let _ = writeln!(io::stderr().lock(), "warning: {}", printable(message));
}
