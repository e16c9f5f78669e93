//! Errors of the engine's operations, and the exit code each one maps to.
//!
//! Each operation has its own error enum, next to it: [`FindError`] (finding ffmpeg),
//! [`ProbeError`] (probing one file), [`LoadError`] (loading a timeline), [`DoctorError`]
//! (checking ffmpeg), [`RunError`] (running a plan). [`ToolError`], defined here, is what
//! running ffmpeg or ffprobe for a short query can go wrong with; the others wrap it.
//! [`Error`] gathers them for callers that handle every operation alike, with
//! [`Error::exit_code`] giving the process exit code from `reel_wire::exit`.

pub use crate::doctor::DoctorError;
pub use crate::ffmpeg::FindError;
pub use crate::probe::{LoadError, ProbeError};
pub use crate::run::RunError;
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

/// Any engine error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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
    #[error(transparent)]
    Run(#[from] RunError),
}

impl Error {
    /// The process exit code for this error (`reel_wire::exit`).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Find(_) | Self::Tool(_) | Self::Doctor(_) => exit::ENVIRONMENT,
            Self::Probe(e) => e.exit_code(),
            Self::Load(e) => e.exit_code(),
            Self::Run(e) => e.exit_code(),
        }
    }
}
