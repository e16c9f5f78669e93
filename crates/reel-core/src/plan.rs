//! The export planner: a pure function from a timeline, probed media, resolved settings
//! and ffmpeg's capabilities to a [`Plan`]: the ffmpeg commands to run, as data.
//!
//! Two strategies, the cheapest correct one wins (`reel plan --explain` says why):
//! - **copy**: every clip stream-compatible with the output and cut on keyframes, nothing
//!   to draw or mix: the concat demuxer with `-c copy` ([`copy`]).
//! - **single pass**: anything else: one ffmpeg process, one filter graph, video and audio
//!   each encoded once ([`single_pass`]).
//!
//! # Timing
//! Output frame `k` sits at `k / fps`. A main-track item placed at output time `S` covers
//! the frames `k` with `S <= k/fps < S + d` (times within 1 µs of a boundary count as on
//! it). Each clip's video is read with input seeking a little before its in-point, its
//! timestamps are rewritten so that a source frame at time `p` lands at clip time
//! `p - in - phase` (clamped at 0), and `fps=…:round=up` then shows, at every output slot,
//! the last source frame at or before that slot's source time: the frame *on screen*, as
//! timeline v1 requires. Audio follows the same clock with sample-exact trims.

mod copy;
mod encoder;
mod layout;
mod single_pass;

pub use encoder::{default_quality, encoder_args, select_encoder, EncoderChoice};
pub use layout::Layout;

use crate::args::FfmpegCommand;
use crate::capabilities::Capabilities;
use crate::timeline::{OutputSettings, Preset, Timeline, VideoCodec};
use crate::validate::MediaMap;
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

impl Plan {
    /// Why this strategy, as `reel plan --explain` prints it: each strategy weighed, chosen
    /// or rejected, with its reasons, then the warnings.
    pub fn explanation(&self) -> String {
        let mut out = String::new();
        for d in &self.decisions {
            out.push_str(&format!("{} {}:\n", if d.chosen { "chosen" } else { "rejected" }, d.strategy.as_str()));
            for r in &d.reasons {
                out.push_str(&format!("  - {r}\n"));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
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
    #[error("encoder {requested:?} cannot be used: {reason}. Usable encoders here: {usable}. Set output.encoder (or --encoder) to one of them, or \"auto\"")]
    Encoder { requested: String, reason: String, usable: String },
}

pub use crate::timeline::{
    DEFAULT_AUDIO_BITRATE, DEFAULT_CHANNELS, DEFAULT_FPS, DEFAULT_HARDWARE_THRESHOLD, DEFAULT_HEIGHT, DEFAULT_SAMPLE_RATE, DEFAULT_WIDTH,
};

/// Plans an export. `settings` is the effective output settings (flags over the timeline
/// over the settings file); what it leaves unset takes the built-in defaults.
pub fn plan(timeline: &Timeline, media: &MediaMap, settings: &OutputSettings, caps: &Capabilities) -> Result<Plan, PlanError> {
    let layout = Layout::new(timeline, media, settings)?;
    let encoder = select_encoder(settings, &layout, caps)?;
    let copy_check = copy::check(timeline, media, &layout, settings, caps);
    let mut decisions = Vec::new();
    let plan = match copy_check {
        Ok(reasons) => {
            decisions.push(Decision { strategy: Strategy::Copy, chosen: true, reasons });
            decisions.push(Decision {
                strategy: Strategy::SinglePass,
                chosen: false,
                reasons: vec!["not needed: stream copy gives the same frames without encoding".to_owned()],
            });
            copy::plan(timeline, media, &layout, settings, caps, decisions)
        }
        Err(reasons) => {
            let mut layout =
                if encoder.preset == Preset::Draft && settings.draft_downscale == Some(true) { layout.downscaled() } else { layout };
            if encoder.preset == Preset::Draft && settings.preset.unwrap_or_default() == Preset::Auto {
                layout.warnings.push(format!(
                    "preset auto chose draft (fastest, lower quality) for {}x{} over {:.0} s; set the preset to production for the final file",
                    layout.width, layout.height, layout.duration
                ));
            }
            decisions.push(Decision { strategy: Strategy::Copy, chosen: false, reasons });
            decisions.push(Decision {
                strategy: Strategy::SinglePass,
                chosen: true,
                reasons: vec![format!(
                    "one ffmpeg process with one filter graph; video encoded once with {}, audio encoded once",
                    encoder.encoder
                )],
            });
            single_pass::plan(timeline, media, &layout, &encoder, caps, decisions)
        }
    };
    Ok(plan)
}

/// The codec name for the output's video.
pub(crate) fn codec_of(settings: &OutputSettings) -> VideoCodec {
    settings.video_codec.unwrap_or_default()
}
