//! The export planner: a pure function from a timeline, probed media, resolved settings
//! and ffmpeg's capabilities to a [`Plan`]: the ffmpeg commands to run, as data.
//!
//! (Types first; the strategies are in the submodules.)

use crate::args::FfmpegCommand;
use crate::Rational;
use serde::{Deserialize, Serialize};

/// Name of the final output inside the work folder.
pub const OUTPUT_NAME: &str = "output.mp4";

/// How the export is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Concat demuxer with `-c copy`: no decoding, no encoding.
    Copy,
    /// One ffmpeg process, one filter graph, video and audio each encoded once.
    SinglePass,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Copy => "copy",
            Self::SinglePass => "single_pass",
        }
    }
}

/// The whole export, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub strategy: Strategy,
    /// Output duration in seconds (`frames / fps`).
    pub duration: f64,
    /// Output video frames.
    pub frames: u64,
    pub output: OutputSpec,
    /// Jobs in the order they run; each may depend on earlier ones.
    pub jobs: Vec<Job>,
    /// Why this strategy: each strategy considered, with the reasons it was or was not used.
    pub decisions: Vec<Decision>,
    pub warnings: Vec<String>,
}

/// What the output file will be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    pub width: u32,
    pub height: u32,
    pub fps: Rational,
    /// `h264` or `hevc`.
    pub video_codec: String,
    /// The ffmpeg encoder (`libx264`, `h264_nvenc`, …), or `copy`.
    pub encoder: String,
    /// The preset after `auto` was resolved.
    pub preset: String,
    pub pix_fmt: String,
    /// `None` when the output has no audio stream.
    pub audio: Option<AudioSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioSpec {
    pub codec: String,
    pub bitrate: String,
    pub sample_rate: u32,
    pub channels: u32,
}

/// One ffmpeg process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub description: String,
    pub command: FfmpegCommand,
    /// Files written into the work folder before the job runs (filter scripts, text for
    /// drawtext, concat lists).
    pub files: Vec<WorkFile>,
    /// Symbolic links made in the work folder before the job runs, so concat lists name
    /// only safe relative names.
    pub links: Vec<WorkLink>,
    /// Output duration this job produces, seconds (weights progress).
    pub expected_duration: f64,
    pub depends_on: Vec<String>,
    /// When this job fails with a hardware encoder: the same job with the software encoder.
    pub software_fallback: Option<Box<FfmpegCommand>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkFile {
    pub name: String,
    pub contents: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLink {
    pub name: String,
    /// Absolute path of the file linked to.
    pub target: String,
}

/// One strategy the planner weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub strategy: Strategy,
    pub chosen: bool,
    /// Why it was chosen, or each reason it could not be.
    pub reasons: Vec<String>,
}

/// Why no plan could be made. (Timeline problems are caught before planning; these are
/// the cases that need the plan's own reasoning.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("encoder {requested:?} cannot be used: {reason}. Usable encoders here: {usable}. Set output.encoder to one of them, or \"auto\"")]
    Encoder { requested: String, reason: String, usable: String },
}
