//! Errors of the engine's operations, and the one mapping from an error to the process
//! exit code (`reel_wire::exit`) and to the failure class the export log records.
//!
//! Each operation has its own error enum, next to it: [`FindError`] (finding ffmpeg),
//! [`ProbeError`] (probing one file), [`LoadError`] (loading a timeline), [`DoctorError`]
//! (checking ffmpeg), [`RunError`] (running a plan), [`SettingsError`] (the settings file),
//! [`LogError`] (the export log), `PlanError` (planning). [`ToolError`], defined here, is
//! what running ffmpeg or ffprobe for a short query can go wrong with; the others wrap it.
//! [`Error`] gathers them all: every command of the `reel` binary returns it, and
//! [`Error::exit_code`] and [`Error::class`] are the only places that decide codes.

pub use crate::doctor::DoctorError;
pub use crate::export_log::LogError;
pub use crate::ffmpeg::FindError;
pub use crate::probe::{LoadError, ProbeError};
pub use crate::run::RunError;
pub use crate::settings::SettingsError;
use reel_core::plan::PlanError;
use reel_wire::exit;

/// Running ffmpeg or ffprobe for a short query failed. Every variant carries the command,
/// shell-escaped, so it can be pasted into a terminal to see the whole output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToolError {
    /// The program could not be started (missing, not executable, not a program).
    #[error("could not run {program} ({reason}); check that it is a working executable, or point reel at another one with --ffmpeg / --ffprobe. The command was: {command}")]
    Spawn { program: String, command: String, reason: String },
    /// It ran past its time limit and was stopped.
    #[error("{command} did not finish within {seconds} s and was stopped; run it by hand to see where it hangs{}", tail(stderr))]
    Timeout { command: String, seconds: f64, stderr: String },
    /// It exited with an error.
    #[error("{command} failed ({status}){}", tail(stderr))]
    Failed {
        command: String,
        /// `exit code 1`, or the signal that ended it.
        status: String,
        /// The last meaningful lines of stderr, joined with ` | `.
        stderr: String,
        /// All of stderr, for callers that classify the failure.
        full_stderr: String,
    },
}

fn tail(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; it said: {stderr}")
    }
}

/// Any error of a reel command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line was wrong in a way clap could not see (a flag's value).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Find(#[from] FindError),
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Doctor(#[from] DoctorError),
    /// The ffmpeg found cannot make this export (too old, lacks a filter); the sentence
    /// says what is missing and what to install.
    #[error("{0}")]
    FfmpegUnusable(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
    /// A result could not be written where the user asked (stdout, a CSV file).
    #[error("could not write {what} ({source}); check where it goes and that there is room")]
    Write { what: String, source: std::io::Error },
    /// This platform has no folder for something reel keeps (settings, log, cache).
    #[error("this platform has no {what} folder for reel; set {variable} to a folder and run again")]
    NoFolder { what: &'static str, variable: &'static str },
}

impl Error {
    /// The process exit code for this error (`reel_wire::exit`).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Find(_) | Self::Tool(_) | Self::Doctor(_) | Self::FfmpegUnusable(_) => exit::ENVIRONMENT,
            Self::Probe(e) => e.exit_code(),
            Self::Load(e) => e.exit_code(),
            Self::Run(e) => e.exit_code(),
            Self::Settings(_) | Self::Plan(_) | Self::Log(_) | Self::NoFolder { .. } | Self::Cache(_) => exit::INVALID_INPUT,
            Self::Write { .. } => exit::EXPORT_FAILED,
        }
    }

    /// The kind of failure, as the export log records it: `usage`, `invalid_input`,
    /// `environment`, `destination`, `output`, `ffmpeg`, `verify` or `cancelled`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Run(e) => e.class(),
            Self::Write { .. } => "output",
            _ => match self.exit_code() {
                exit::USAGE => "usage",
                exit::ENVIRONMENT => "environment",
                _ => "invalid_input",
            },
        }
    }

    /// What the sentence leaves out but a report needs (the ffmpeg command that failed):
    /// for `--verbose` and the export log.
    pub fn details(&self) -> Option<String> {
        match self {
            Self::Run(e) => e.details(),
            _ => None,
        }
    }

    /// The JSON paths and messages of the timeline problems behind this error, if any.
    pub fn problems(&self) -> &[reel_core::timeline::Problem] {
        match self {
            Self::Load(e) => e.problems(),
            _ => &[],
        }
    }
}
