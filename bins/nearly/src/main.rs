//! `nearly`: the Nearly command line. Every SDK method as a subcommand; human tables by default,
//! `--json` for scripts. See `nearly --help` for the exit codes and where credentials come from.

mod cli;
mod output;
mod run;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit 2 (clap's default), help and version 0.
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let exit = runtime.block_on(run::run(cli));
    ExitCode::from(exit.code())
}
