//! The `foresight` binary: parse the command line, run it, report any error and exit non-zero.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = foresight::cli::Cli::parse();
    match foresight::cli::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Display, not Debug: a user sees the error chain, never a backtrace.
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
