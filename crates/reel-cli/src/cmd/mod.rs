//! The subcommands, one module each, and what they share: failing with a sentence,
//! finding ffmpeg, loading a timeline, printing results to stdout.

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
use reel_engine::Tools;
use reel_wire::exit;
use std::io::Write;
use std::path::Path;

/// Runs the chosen subcommand.
pub fn dispatch(cli: &Cli) -> Result<(), i32> {
    match &cli.command {
        Cmd::Export(args) => export::run(cli, args),
        Cmd::Plan(args) => plan::run(cli, args),
        Cmd::Settings(args) => settings::run(cli, args),
        Cmd::Stats(args) => stats::run(cli, args),
        Cmd::Check(args) => check::run(cli, args),
        Cmd::Probe(args) => probe::run(cli, args),
        Cmd::Doctor(args) => doctor::run(cli, args),
        Cmd::Schema(args) => schema::run(args),
        Cmd::Import(args) => import::run(args),
    }
}

/// Reports `message` on stderr as `error: <message>` and returns the exit code.
pub(crate) fn fail(code: i32, message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    code
}

/// Finds ffmpeg and ffprobe for the global flags; not finding them is exit 4.
pub(crate) fn tools(cli: &Cli) -> Result<Tools, i32> {
    Tools::find(cli.ffmpeg.as_deref(), cli.ffprobe.as_deref()).map_err(|e| fail(exit::ENVIRONMENT, e))
}

/// Loads a timeline and probes its media; any problem is reported and gives its exit code.
pub(crate) fn load(tools: &Tools, path: &Path) -> Result<(Timeline, MediaMap), i32> {
    reel_engine::load_timeline(tools, path).map_err(|e| fail(e.exit_code(), e))
}

/// Prints a result on stdout. A closed stdout (`reel schema | head`) ends quietly; any
/// other write error is reported.
pub(crate) fn print_out(text: &str) -> Result<(), i32> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(fail(exit::EXPORT_FAILED, format!("could not write the result to stdout ({e}); check where stdout goes"))),
    }
}

/// Prints a value as pretty JSON on stdout, with a final newline.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), i32> {
    match serde_json::to_string_pretty(value) {
        Ok(json) => print_out(&(json + "\n")),
        Err(e) => {
            Err(fail(exit::EXPORT_FAILED, format!("could not render the result as JSON ({e}); this is a bug in reel, please report it")))
        }
    }
}
