//! The command line's values: parsers for the numeric flags, each refusing a bad value with
//! what it expects, and clap's usage errors turned into the one line every other bad input
//! gets (`error: --iterations 1e4: expected ...`).

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::error::Error;
use crate::input::Mode;

/// The most worker threads `--threads` may ask for: each has its own stack and buffers, and
/// far more threads than cores only slows a run down (100,000 ran for minutes and aborted).
pub const MAX_THREADS: usize = 1024;

/// `--mode`: what one iteration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeFlag {
    // No doc comments: they would change `--help`'s list of the values.
    Annual,
    Breach,
}

impl From<ModeFlag> for Mode {
    fn from(flag: ModeFlag) -> Mode {
        match flag {
            ModeFlag::Annual => Mode::Annual,
            ModeFlag::Breach => Mode::Breach,
        }
    }
}

/// A whole number from `min` to `max` in plain digits (an optional `+`); `expected`
/// describes it ("a whole number of ...") for the error.
fn whole_between(text: &str, min: u64, max: u64, expected: &str) -> Result<u64, String> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        match digits.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => return Ok(n),
            Ok(_) => {}
            Err(_) => return Err(format!("is too large; expected {expected}")),
        }
    }
    Err(format!("expected {expected}"))
}

/// `--iterations` of `simulate` and `sensitivity`.
pub fn iterations(text: &str) -> Result<u64, String> {
    whole_between(text, 1, u64::MAX, "a whole number of iterations ≥ 1 (e.g. 100000)")
}

/// `--iterations` of `backtest`: breach mode keeps every simulated breach in memory.
pub fn backtest_iterations(text: &str) -> Result<u64, String> {
    whole_between(
        text,
        1,
        crate::analysis::backtest::MAX_ITERATIONS,
        "a whole number of breaches per case from 1 to 10000000 (e.g. 20000)",
    )
}

/// `--max-iterations` and `--batch` of a run to a target.
pub fn batch_iterations(text: &str) -> Result<u64, String> {
    whole_between(text, 1, u64::MAX, "a whole number of iterations ≥ 1 (e.g. 10000)")
}

/// `--seed`.
/// A finite amount ≥ 0, with an optional K, M or B suffix (`250K`).
pub fn amount(text: &str) -> Result<f64, String> {
    crate::input::alternatives::amount(text)
        .filter(|a| a.is_finite())
        .ok_or_else(|| format!("{text} is not an amount ≥ 0 (e.g. 250K, 5M)"))
}

pub fn seed(text: &str) -> Result<u64, String> {
    whole_between(text, 0, u64::MAX, "a whole number from 0 to 18446744073709551615")
}

/// `--threads`: 1 to [`MAX_THREADS`].
pub fn threads(text: &str) -> Result<usize, String> {
    let expected = format!("a whole number of threads from 1 to {MAX_THREADS} (default: all cores)");
    whole_between(text, 1, MAX_THREADS as u64, &expected).map(|n| n as usize)
}

/// `--target-rel-error`: a share of the mean above 0.
pub fn rel_error(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(e) if e.is_finite() && e > 0.0 => Ok(e),
        _ => Err("expected a number above 0, e.g. 0.01 for 1%".to_string()),
    }
}

/// clap's error for a bad command line as one line (its help and version output excepted:
/// those are printed as they are). `commands` are the subcommands, for an unknown one.
pub fn usage_error(error: &clap::Error, commands: &[&str]) -> Error {
    let text = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(" ")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    let list = |kind| match error.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    // "--iterations <N>" → "--iterations".
    let flag = text(ContextKind::InvalidArg).map(|a| a.split(' ').next().unwrap_or_default().to_string());
    let flag = flag.unwrap_or_default();
    let value = text(ContextKind::InvalidValue).unwrap_or_default();
    let shown = if value.is_empty() { "\"\"".to_string() } else { value.clone() };
    // "Usage: breachcost simulate [OPTIONS]" → "breachcost simulate".
    let command = text(ContextKind::Usage)
        .map(|u| {
            let words = u.trim().trim_start_matches("Usage:").split_whitespace();
            let words: Vec<&str> = words.take_while(|w| !w.starts_with(['[', '<', '-'])).collect();
            words.join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "breachcost".to_string());
    let message = match error.kind() {
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(error).map(|s| s.to_string()).unwrap_or_default();
            // A parser that names the value itself ("5/4: K must be ...") is not repeated.
            let why = why.strip_prefix(&format!("{value}: ")).map(str::to_string).unwrap_or(why);
            format!("{flag} {shown}: {why}")
        }
        ErrorKind::InvalidValue if value.is_empty() && list(ContextKind::ValidValue).is_empty() => {
            format!("{flag}: expected a value after it")
        }
        ErrorKind::InvalidValue => {
            let valid = list(ContextKind::ValidValue);
            let hint = text(ContextKind::SuggestedValue).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            format!("{flag} {shown}: expected {}{hint}", or_list(&valid))
        }
        ErrorKind::UnknownArgument => {
            let arg = text(ContextKind::InvalidArg).unwrap_or_default();
            let what = if arg.starts_with('-') { "unknown flag" } else { "unexpected argument" };
            let hint = text(ContextKind::SuggestedArg).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            format!("{arg}: {what} of {command}{hint}; see {command} --help")
        }
        ErrorKind::InvalidSubcommand => {
            let name = text(ContextKind::InvalidSubcommand).unwrap_or_default();
            let suggested = list(ContextKind::SuggestedSubcommand);
            let hint = suggested.first().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            format!("{name}: unknown command{hint}; expected {}", or_list(commands))
        }
        ErrorKind::MissingSubcommand => {
            format!("a command is expected: {}; see {command} --help", or_list(commands))
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = list(ContextKind::InvalidArg).join(", ");
            format!("{command}: {missing} is required; see {command} --help")
        }
        ErrorKind::ArgumentConflict => {
            let prior = text(ContextKind::PriorArg).map(|a| a.split(' ').next().unwrap_or_default().to_string());
            match prior {
                Some(prior) if prior == flag => format!("{flag}: given more than once"),
                Some(prior) => format!("{flag}: cannot be combined with {prior}"),
                None => format!("{flag}: cannot be combined with the other flags given"),
            }
        }
        ErrorKind::InvalidUtf8 => format!("{command}: an argument is not valid UTF-8 text"),
        _ => {
            // Anything else: clap's own first line, without the usage block that follows.
            let rendered = error.render().to_string();
            let first = rendered.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("invalid command line");
            first.trim_start_matches("error:").trim().to_string()
        }
    };
    match error.kind() {
        ErrorKind::Io | ErrorKind::Format => Error::failure(message),
        _ => Error::input(message),
    }
}

/// "a, b or c".
fn or_list(items: &[impl AsRef<str>]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.split_last() {
        None => "nothing".to_string(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_plain_digits_within_their_range() {
        assert_eq!(iterations("100000"), Ok(100_000));
        assert_eq!(iterations("+5"), Ok(5));
        assert!(iterations("0").is_err());
        assert!(iterations("1e4").is_err_and(|e| e == "expected a whole number of iterations ≥ 1 (e.g. 100000)"));
        assert!(iterations("1,000").is_err() && iterations("-5").is_err() && iterations("").is_err());
        assert_eq!(seed("0"), Ok(0));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(seed("-1").is_err_and(|e| e.contains("from 0 to 18446744073709551615")));
        assert!(seed("18446744073709551616").is_err_and(|e| e.contains("too large")));
        assert_eq!(threads("1024"), Ok(1024));
        assert!(threads("1025").is_err());
        assert!(threads("0").is_err());
        assert_eq!(rel_error("0.01"), Ok(0.01));
        assert!(rel_error("0").is_err() && rel_error("nan").is_err() && rel_error("inf").is_err());
    }

    #[test]
    fn lists_read_as_english() {
        assert_eq!(or_list(&["annual", "breach"]), "annual or breach");
        assert_eq!(or_list(&["a", "b", "c"]), "a, b or c");
        assert_eq!(or_list(&["a"]), "a");
    }
}
