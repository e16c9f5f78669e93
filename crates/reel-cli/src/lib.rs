//! The `reel` command line: parses arguments, calls the engine, renders results.
//!
//! stdout carries results only (a table, JSON, or with `--progress jsonl` one event per
//! line); messages go to stderr as `error: <sentence>` / `warning: <sentence>`. Exit codes
//! are the ones documented in `reel_wire::exit`.
//!
//! Adding a subcommand: a variant in [`Cmd`] (with its arguments as a `clap::Args`
//! struct), a module under `cmd/` with `pub(crate) fn run(cli: &Cli, args: &…) ->
//! cmd::Result` (the error is `reel_engine::Error`, whose `exit_code` is the one mapping
//! to exit codes; `cmd::dispatch` reports it), and an arm in `cmd::dispatch`. Helpers for
//! every subcommand (finding ffmpeg, loading a timeline, printing to stdout) are in `cmd`.

mod cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Export timelines to streaming-friendly MP4 with native ffmpeg, doing the least work
/// that gives a frame-accurate result.
#[derive(Debug, Parser)]
#[command(name = "reel", version, about, after_help = exit_codes_help())]
pub struct Cli {
    /// ffmpeg to use (default: $REEL_FFMPEG, then beside reel, then PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub ffmpeg: Option<PathBuf>,
    /// ffprobe to use (default: $REEL_FFPROBE, then beside ffmpeg, beside reel, then PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub ffprobe: Option<PathBuf>,
    /// Print every ffmpeg and ffprobe command to stderr before it runs.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Cmd,
}

fn exit_codes_help() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, meaning) in reel_wire::exit::ALL {
        s.push_str(&format!("  {code:>3}  {meaning}\n"));
    }
    s
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    // -- Exporting (arguments below, implementations in cmd/export.rs and cmd/plan.rs) --
    /// Render a timeline to an MP4.
    Export(ExportArgs),
    /// Show what an export would run, without running it.
    Plan(PlanArgs),

    /// Convert an OpenTimelineIO timeline (.otio) into a timeline file (JSON). `export`,
    /// `plan` and `check` also take a .otio file directly.
    Import(ImportArgs),

    // -- Inspecting --
    /// Check everything an export checks before it encodes (timeline, media, settings,
    /// plan), without encoding.
    Check(CheckArgs),
    /// Show a media file's container, streams, timing and keyframes.
    Probe(ProbeArgs),
    /// Show which ffmpeg reel uses and which encoders really work.
    Doctor(DoctorArgs),
    /// Print the JSON Schema of the timeline format (or, with --wire, of the JSONL events
    /// and the export report).
    Schema(SchemaArgs),

    // -- Settings and history --
    /// Show the effective output settings and where each comes from (flag, timeline,
    /// settings file, default).
    Settings(SettingsArgs),
    /// Sum up the export log: success rate, speed and time per strategy and encoder.
    Stats(StatsArgs),
    /// Show, prune or clear the segment cache (rendered segments kept for re-exports).
    Cache(CacheArgs),
}

/// `reel cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: Option<CacheAction>,
    /// Print the result as JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// What `reel cache` does.
#[derive(Debug, Clone, Copy, Subcommand, PartialEq, Eq)]
pub enum CacheAction {
    /// Where the cache is, its entries and size, and its limit (the default).
    Show,
    /// Remove the least recently used entries until the cache fits its limit.
    Prune,
    /// Remove every entry.
    Clear,
}

/// How `export` and `plan` may make the export.
#[derive(Debug, clap::Args, Default)]
pub struct PlanFlags {
    /// auto (the cheapest correct one), copy, smart, segments or single_pass.
    #[arg(long, value_name = "STRATEGY", default_value = "auto")]
    pub strategy: String,
    /// How many encodes may run at once (default: from the cores and the output size).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Neither use nor fill the segment cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// `reel settings`.
#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    /// Also apply this timeline's `output` (as an export of it would).
    pub timeline: Option<PathBuf>,
    /// Print the settings as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write a settings file listing every setting with its default (commented out), if
    /// there is none yet.
    #[arg(long, conflicts_with_all = ["timeline", "json"])]
    pub init: bool,
    #[command(flatten)]
    pub output: OutputFlags,
}

/// `reel stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// How far back to look: a duration such as 30d, 12h, 2w, or "all".
    #[arg(long, default_value = "30d", value_name = "DURATION")]
    pub since: String,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the logged exports in the window to a CSV file ("-" for stdout) instead.
    #[arg(long, value_name = "FILE.csv")]
    pub export: Option<PathBuf>,
}

/// `reel check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The timeline JSON file.
    pub timeline: PathBuf,
    /// Print the result (or the problems) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Check with these settings, as `reel export` with the same flags would.
    #[command(flatten)]
    pub output: OutputFlags,
    #[command(flatten)]
    pub how: PlanFlags,
}

/// `reel import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The OpenTimelineIO file (.otio, as written by an editor or the opentimelineio
    /// Python package).
    pub file: PathBuf,
    /// Where to write the timeline (default: print it on stdout). Relative media paths stay
    /// relative when it is written in the .otio file's folder, else they are made absolute.
    #[arg(short, long, value_name = "TIMELINE.json")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long, requires = "output")]
    pub overwrite: bool,
}

/// `reel schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The schema of the wire format instead: the `--progress jsonl` events, the export
    /// report and the exit codes (what the Node package's types are generated from).
    #[arg(long)]
    pub wire: bool,
}

/// `reel probe`.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The media file.
    pub file: PathBuf,
    /// Print everything reel knows about the file as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `reel doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Ignore the cached result and test again.
    #[arg(long)]
    pub refresh: bool,
}

// ---------------------------------------------------------------------------------------
// Arguments of `export` and `plan`.
// ---------------------------------------------------------------------------------------

/// Settings that override the timeline's `output` (flags > timeline > settings file >
/// built-in defaults).
#[derive(Debug, clap::Args, Default)]
pub struct OutputFlags {
    /// Output width in pixels, or "source".
    #[arg(long)]
    pub width: Option<String>,
    /// Output height in pixels, or "source".
    #[arg(long)]
    pub height: Option<String>,
    /// Frames per second (60, 29.97, 30000/1001) or "source".
    #[arg(long)]
    pub fps: Option<String>,
    /// draft, preview, production or auto.
    #[arg(long)]
    pub preset: Option<String>,
    /// auto, cpu, or an ffmpeg encoder name (h264_nvenc, libx265, ...).
    #[arg(long)]
    pub encoder: Option<String>,
    /// h264 or hevc.
    #[arg(long)]
    pub video_codec: Option<String>,
    /// Constant quality (CRF/CQ), 0-51, lower is better.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=51))]
    pub quality: Option<u8>,
    /// With the draft preset, render at half the output size.
    #[arg(long)]
    pub draft_downscale: bool,
}

/// `reel plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    pub timeline: PathBuf,
    /// Say which strategy was chosen and why each other one was not, and how each
    /// stretch of the output is made.
    #[arg(long)]
    pub explain: bool,
    /// Print the whole plan as JSON: every job with its inputs, links, command, output and
    /// cache key (what a distributed runner needs).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub output: OutputFlags,
    #[command(flatten)]
    pub how: PlanFlags,
}

/// How `export` shows progress.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, else nothing.
    Auto,
    Bar,
    /// One JSON event per line on stdout (for a parent process).
    Jsonl,
    None,
}

/// `reel export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    pub timeline: PathBuf,
    /// The MP4 to write (default: TIMELINE-NAME.mp4 in the settings file's output_folder,
    /// else beside the timeline).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub settings: OutputFlags,
    #[command(flatten)]
    pub how: PlanFlags,
}

/// Runs the command line; `Err` holds the exit code (see `reel_wire::exit`). Every
/// failure has already been reported on stderr.
pub fn run() -> Result<(), i32> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { Err(reel_wire::exit::USAGE) } else { Ok(()) };
        }
    };
    reel_engine::ffmpeg::set_verbose(cli.verbose);
    reel_engine::process::contain_children();
    reel_engine::process::survive_file_size_limit();
    cmd::dispatch(&cli)
}
