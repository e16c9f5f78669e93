//! The subcommands, one module each, and what they share: failing with a sentence,
//! finding ffmpeg, loading a timeline, printing results to stdout.

mod cache;
mod check;
mod doctor;
mod export;
mod import;
mod plan;
mod probe;
mod schema;
mod settings;
mod stats;

use crate::{Cli, Cmd};
use reel_core::timeline::Timeline;
use reel_core::validate::MediaMap;
use reel_engine::{Error, Tools};
use std::io::Write;
use std::path::Path;

/// What every subcommand returns: its typed error, reported once by [`dispatch`].
pub(crate) type Result<T = ()> = std::result::Result<T, Error>;

/// Runs the chosen subcommand; a failure is reported on stderr as `error: <sentence>`
/// and becomes its exit code (the one mapping, [`Error::exit_code`]).
pub fn dispatch(cli: &Cli) -> std::result::Result<(), i32> {
    run(cli).map_err(|e| {
        eprintln!("error: {e}");
        if let Some(details) = e.details().filter(|_| cli.verbose) {
            eprintln!("  {details}");
        }
        e.exit_code()
    })
}

fn run(cli: &Cli) -> Result {
    match &cli.command {
        Cmd::Export(args) => export::run(cli, args),
        Cmd::Plan(args) => plan::run(cli, args),
        Cmd::Settings(args) => settings::run(cli, args),
        Cmd::Stats(args) => stats::run(cli, args),
        Cmd::Cache(args) => cache::run(cli, args),
        Cmd::Check(args) => check::run(cli, args),
        Cmd::Probe(args) => probe::run(cli, args),
        Cmd::Doctor(args) => doctor::run(cli, args),
        Cmd::Schema(args) => schema::run(args),
        Cmd::Import(args) => import::run(args),
    }
}

/// Finds ffmpeg and ffprobe for the global flags; not finding them is exit 4.
pub(crate) fn tools(cli: &Cli) -> Result<Tools> {
    Ok(Tools::find(cli.ffmpeg.as_deref(), cli.ffprobe.as_deref())?)
}

/// Loads a timeline and probes its media; any problem is reported and gives its exit code.
pub(crate) fn load(tools: &Tools, path: &Path) -> Result<(Timeline, MediaMap)> {
    Ok(reel_engine::load_timeline(tools, path)?)
}

/// Prints a result on stdout. A closed stdout (`reel schema | head`) ends quietly; any
/// other write error is reported.
pub(crate) fn print_out(text: &str) -> Result {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Write { what: "the result to stdout".to_owned(), source: e }),
    }
}

/// Prints a value as pretty JSON on stdout, with a final newline.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result {
    match serde_json::to_string_pretty(value) {
        Ok(json) => print_out(&(json + "\n")),
        Err(e) => Err(Error::Write { what: "the result as JSON (a bug in reel, please report it)".to_owned(), source: e.into() }),
    }
}
