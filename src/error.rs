//! Errors and how they map to exit codes.
//!
//! An [`Error::Input`] is the user's to fix (exit code 2): its message is one line naming
//! the file, the place (row/key), the value and what was expected. Anything else is a
//! [`Error::Failure`] (exit code 1). A closed standard output ([`Error::StdoutClosed`]: the
//! reader of a pipe, like `head`, is gone) ends the command quietly with exit code 0.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Bad input or usage: a file, key, row or flag the user must fix.
    Input(String),
    /// Anything else: I/O failure while writing, internal error.
    Failure(String),
    /// Standard output was closed (`EPIPE`): nobody reads what is left to print, so the
    /// command stops there, successfully, as `grep` or `ripgrep` do.
    StdoutClosed,
}

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Error::Failure(message.into())
    }

    /// The process exit code: 2 for input errors, 1 for other failures, 0 for a closed
    /// standard output.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Failure(_) => 1,
            Error::StdoutClosed => 0,
        }
    }

    /// The same error with `context` in front (`"{context}: {message}"`).
    pub fn context(self, context: &str) -> Self {
        match self {
            Error::Input(m) => Error::Input(format!("{context}: {m}")),
            Error::Failure(m) => Error::Failure(format!("{context}: {m}")),
            Error::StdoutClosed => Error::StdoutClosed,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always one line: newlines inside messages from libraries are flattened, and any
        // other control character (from a value or a path) is shown escaped, never sent to
        // the terminal.
        let message = match self {
            Error::Input(m) | Error::Failure(m) => m,
            Error::StdoutClosed => "standard output was closed",
        };
        let one_line: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        write!(f, "{}", crate::text::printable(&one_line.join(" ")))
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
