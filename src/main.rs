//! The `breachcost` command line: parse arguments, call the library, map errors to exit codes.

use std::io::Write;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

use breachcost::cmd::{
    backtest, compare, completions, flags, init, merge, output, plan, sensitivity, simulate, validate,
};
use breachcost::Error;

#[derive(Parser)]
#[command(
    name = "breachcost",
    version,
    about = "Estimate what a data breach costs: Monte Carlo by cost component, with insurance terms",
    after_help = "Examples:\n  breachcost simulate                                   # sample portfolio, default assumptions\n  breachcost simulate --exposures assumptions/mr-cooper-2023.csv --mode breach --out reports/mr-cooper\n  breachcost validate --exposures my-book.csv --assumptions my-assumptions.toml\n  breachcost init my-study"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Monte Carlo simulation and write the reports
    #[command(
        after_help = "Examples:\n  breachcost simulate\n  breachcost simulate --exposures book.csv --assumptions assumptions.toml --out reports/q3 --iterations 200000\n  breachcost simulate --exposures assumptions/mr-cooper-2023.csv --mode breach"
    )]
    Simulate(simulate::SimulateCommand),
    /// Merge shard folders (`simulate --shard K/N`) into the reports of the whole run
    #[command(
        after_help = "Examples:\n  breachcost simulate --iterations 1000000 --shard 1/2 --out shards/1\n  breachcost simulate --iterations 1000000 --shard 2/2 --out shards/2\n  breachcost merge --out reports/study shards/1 shards/2"
    )]
    Merge(merge::MergeArgs),
    /// Which inputs drive the number (a tornado), and each component's share of the variance
    #[command(
        after_help = "Examples:\n  breachcost sensitivity\n  breachcost sensitivity --exposures book.csv --assumptions assumptions.toml --out reports/q3-sensitivity\n  breachcost sensitivity --exposures assumptions/mr-cooper-2023.csv --mode breach"
    )]
    Sensitivity(sensitivity::SensitivityArgs),
    /// What a change is worth: the baseline against alternatives (controls, limits, retentions, other inputs), same draws
    #[command(
        after_help = "Examples:\n  breachcost compare --alt \"name=MFA and backups,controls=+mfa;+offline_backups,cost=150K\"\n  breachcost compare --alt limit=5M --alt limit=10M\n  breachcost compare --exposures book.csv --alt \"name=EDR,controls=+edr,ids=acme;globex,cost=40K\" --out reports/edr"
    )]
    Compare(compare::CompareArgs),
    /// Compare real breaches' actual costs with the costs the assumptions predict for them
    #[command(
        after_help = "Examples:\n  breachcost backtest --cases assumptions/historical-breaches.csv\n  breachcost backtest --cases my-cases.csv --assumptions my-assumptions.toml --out reports/backtest --iterations 50000"
    )]
    Backtest(backtest::BacktestArgs),
    /// Read and check the inputs, print what was understood, simulate nothing
    Validate(validate::ValidateArgs),
    /// Size a sharded study: years, incidents, time, memory and disk per shard, and the merge
    #[command(
        after_help = "Examples:\n  breachcost plan --shards 50 --iterations 1000000\n  breachcost plan --exposures book.csv --assumptions assumptions.toml --shards 20"
    )]
    Plan(plan::PlanArgs),
    /// Write a starter exposures.csv and assumptions.toml into a folder
    Init(init::InitArgs),
    /// Print a shell completion script on standard output
    #[command(
        after_help = "Examples:\n  breachcost completions bash > ~/.local/share/bash-completion/completions/breachcost\n  breachcost completions zsh > ~/.zfunc/_breachcost"
    )]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) on standard output
    #[command(
        after_help = "Examples:\n  breachcost man > ~/.local/share/man/man1/breachcost.1\n  breachcost man | man -l -"
    )]
    Man,
}

/// mimalloc keeps freed memory for reuse, so the large per-run buffers do not go back to
/// the kernel and fault in again page by page (measured: a third less system time on W1).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => exit_now(parse_failed(&error)),
    };
    let result = match &cli.command {
        Command::Simulate(c) => simulate::run_with(&c.args, &c.convergence),
        Command::Merge(args) => merge::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => completions::completions(args.shell, Cli::command()),
        Command::Man => completions::man(Cli::command()),
    };
    // What the command printed is written out here, so that a failure to write it is seen.
    let result = result.and_then(|()| output::flush());
    exit_now(match result {
        Ok(()) => 0,
        Err(error) => report(&error),
    });
}

/// Prints `error` (one line on stderr; nothing for a closed stdout) and returns the exit code.
fn report(error: &Error) -> i32 {
    if *error != Error::StdoutClosed {
        // A standard error that cannot be written has nowhere to report that.
        let _ = writeln!(std::io::stderr().lock(), "error: {error}");
    }
    error.exit_code()
}

/// What to do with a command line clap refused: help and `--version` are printed as clap
/// writes them; anything else is one line naming the flag, the value and what is expected.
fn parse_failed(error: &clap::Error) -> i32 {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            match error.print() {
                Ok(()) => error.exit_code(),
                Err(e) => report(&output::stdout_error(e)),
            }
        }
        _ => {
            let command = Cli::command();
            let commands: Vec<&str> =
                command.get_subcommands().map(|c| c.get_name()).filter(|name| *name != "help").collect();
            report(&flags::usage_error(error, &commands))
        }
    }
}

/// Ends the process with `code`, the standard streams flushed, without running the C
/// library's exit handlers: among them the allocator's, which hands every free page of the
/// heap back to the operating system one call at a time (about 200 calls and 2 ms after a run
/// of ten million years), memory the operating system takes back at once as the process ends.
/// (Nothing of breachcost's own runs at exit.)
fn exit_now(code: i32) -> ! {
    // Both flushed before: by `output::flush` (its failure reported) or as clap printed.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` has no preconditions. Everything the command writes is written (reports
    // renamed into place, files closed as their writers dropped) and the streams are flushed.
    unsafe { libc::_exit(code) }
}
