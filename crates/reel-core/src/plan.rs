//! The export planner: a pure function from a timeline, probed media, resolved settings
//! and ffmpeg's capabilities to a [`Plan`]: the ffmpeg commands to run, as data.
//!
//! A plan is a small DAG of jobs. Each job is one ffmpeg process with its own work folder:
//! the files it writes there first (filter scripts, concat lists, text), the links it
//! makes there (to a source file, or to the output of another job: the typed inputs of
//! the DAG), its command, its output file, and the output frames it renders (progress is
//! weighted by work, not by job count). One job is the final one; its output is the export.
//!
//! Strategies, weighed in one place ([`strategy`]), the cheapest correct one first
//! (`reel plan --explain` says why each was or was not used):
//! - **copy**: every clip stream-compatible with the output and cut on keyframes, nothing
//!   to draw: the concat demuxer with `-c:v copy`, the audio rendered once beside it
//!   ([`copy`]).
//! - **segments**: the output cut into closed-GOP, video-only segments at every frame where
//!   something starts or ends and every few seconds inside long stretches, each rendered
//!   with the single pass's filters, cached by content and run in parallel; joined with
//!   `-c copy`, the audio rendered once beside them and muxed in ([`segments`]).
//! - **single pass**: one ffmpeg process, one filter graph, video and audio each encoded
//!   once ([`single_pass`]).
//!
//! The filter graph of the pictures ([`graph`]) and of the sound ([`audio`]) are shared
//! by every strategy.
//!
//! # Timing
//! Output frame `k` sits at `k / fps`. A main-track item placed at output time `S` covers
//! the frames `k` with `S <= k/fps < S + d` (times within 1 µs of a boundary count as on
//! it). Each clip's video is read with input seeking a little before its in-point, its
//! timestamps are rewritten so that a source frame at time `p` lands at clip time
//! `p - in - phase` (clamped at 0), and `fps=…:round=up` then shows, at every output slot,
//! the last source frame at or before that slot's source time: the frame *on screen*, as
//! timeline v1 requires. Audio follows the same clock with sample-exact trims.

mod audio;
mod copy;
mod encoder;
mod graph;
mod layout;
mod segments;
mod single_pass;
mod strategy;
pub mod text;

pub use encoder::{default_quality, encoder_args, segment_args, select_encoder, EncoderChoice};
pub use graph::INLINE_GRAPH_LIMIT;
pub use layout::{Effect, Layout};
pub use segments::CHUNK_SECONDS;
pub use strategy::default_jobs;

use crate::args::FfmpegCommand;
use crate::capabilities::Capabilities;
use crate::timeline::{OutputSettings, Timeline, VideoCodec};
use crate::validate::MediaMap;
use crate::Rational;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::timeline::{
    DEFAULT_AUDIO_BITRATE, DEFAULT_CHANNELS, DEFAULT_FPS, DEFAULT_HARDWARE_THRESHOLD, DEFAULT_HEIGHT, DEFAULT_SAMPLE_RATE, DEFAULT_WIDTH,
};

/// Name of the final job's output in its work folder.
pub const OUTPUT_NAME: &str = "output.mp4";

/// Bumped whenever reel renders different pixels or sound for the same ffmpeg command
/// (a changed filter default, a fixed timing bug): part of every cache key, so entries
/// rendered by an older reel are never joined into a newer export.
pub const RENDER_VERSION: u32 = 1;

/// How the export is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Concat demuxer with `-c:v copy`: no decoding, no encoding.
    Copy,
    /// Closed-GOP video segments (cached, parallel) joined by copy, audio rendered once.
    Segments,
    /// One ffmpeg process, one filter graph, video and audio each encoded once.
    SinglePass,
}

impl Strategy {
    /// Every strategy, cheapest first.
    pub const ALL: [Strategy; 3] = [Strategy::Copy, Strategy::Segments, Strategy::SinglePass];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Copy => "copy",
            Self::Segments => "segments",
            Self::SinglePass => "single_pass",
        }
    }

    /// `copy`, `segments`, `single_pass` (or `single-pass`).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.replace('-', "_"))
    }
}

/// What the planner may use besides the timeline: how many encodes may run at once, which
/// segments are already rendered, how long a command line may be. The engine fills it in;
/// [`PlanOptions::default`] is one worker, no cache, no limit.
#[derive(Clone, Copy, Default)]
pub struct PlanOptions<'a> {
    /// Use this strategy (`--strategy`); `None` weighs them all.
    pub strategy: Option<Strategy>,
    /// CPU cores of the machine (for the default number of parallel encodes).
    pub cores: usize,
    /// Parallel encodes asked for (`--jobs`); `None` chooses from the cores.
    pub jobs: Option<usize>,
    /// The segment cache; `None` when caching is off (nothing reused, nothing kept).
    pub cache: Option<&'a dyn SegmentCache>,
    /// The longest command line (bytes of arguments) this system can start, if known.
    pub command_limit: Option<usize>,
    /// Widths of the text lines that multi-line text aligned centre or right needs
    /// ([`text::lines_to_measure`]), measured with the ffmpeg that will run the plan;
    /// `None` draws such text left-aligned, with a warning.
    pub text_widths: Option<&'a text::TextWidths>,
}

impl std::fmt::Debug for PlanOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanOptions")
            .field("strategy", &self.strategy)
            .field("cores", &self.cores)
            .field("jobs", &self.jobs)
            .field("cache", &self.cache.is_some())
            .field("command_limit", &self.command_limit)
            .field("text_widths", &self.text_widths.map(std::collections::BTreeMap::len))
            .finish()
    }
}

/// What the planner asks of the segment cache: whether an entry exists. The engine's cache
/// answers from its index; the run checks each entry again before using it.
pub trait SegmentCache {
    fn contains(&self, key: &str) -> bool;
}

impl SegmentCache for BTreeSet<String> {
    fn contains(&self, key: &str) -> bool {
        BTreeSet::contains(self, key)
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
    /// Jobs, each listed after the jobs it depends on.
    pub jobs: Vec<Job>,
    /// The job whose output is the export.
    pub final_job: String,
    /// How many render jobs may run at once.
    pub parallel: usize,
    /// How each stretch of the output is made (segments: one per segment).
    #[serde(default)]
    pub stretches: Vec<Stretch>,
    /// Why this strategy: each strategy considered, with the reasons it was or was not used.
    pub decisions: Vec<Decision>,
    pub warnings: Vec<String>,
}

impl Plan {
    /// Why this strategy, as `reel plan --explain` prints it: each strategy weighed, chosen
    /// or rejected, with its reasons, then each stretch, then the warnings.
    pub fn explanation(&self) -> String {
        let mut out = String::new();
        for d in &self.decisions {
            out.push_str(&format!("{} {}:\n", if d.chosen { "chosen" } else { "rejected" }, d.strategy.as_str()));
            for r in &d.reasons {
                out.push_str(&format!("  - {r}\n"));
            }
        }
        if self.stretches.len() > 1 || self.stretches.iter().any(|s| s.how != How::Render) {
            out.push_str("stretches:\n");
            let fps = self.output.fps;
            for s in &self.stretches {
                out.push_str(&format!(
                    "  frames {}..{} ({}..{} s, {} frames): {} by {}: {}\n",
                    s.first_frame,
                    s.first_frame + s.frames,
                    crate::filter::secs(s.first_frame as f64 * fps.period()),
                    crate::filter::secs((s.first_frame + s.frames) as f64 * fps.period()),
                    s.frames,
                    s.how.as_str(),
                    s.job,
                    s.why
                ));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }

    /// The job with this id.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Checks that the jobs form a DAG the runner can execute: unique ids, every
    /// dependency and linked job exists and is listed earlier (so the list is a
    /// topological order and has no cycle), links to jobs are dependencies, the final job
    /// exists. Returns the first problem as a sentence.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (n, job) in self.jobs.iter().enumerate() {
            if seen.insert(job.id.as_str(), n).is_some() {
                return Err(format!("job id {} is used twice", job.id));
            }
            for dep in &job.depends_on {
                if !seen.contains_key(dep.as_str()) || dep == &job.id {
                    return Err(format!("job {} depends on {dep}, which is not listed before it", job.id));
                }
            }
            for link in &job.links {
                if let LinkTarget::Job(id) = &link.target {
                    if !job.depends_on.contains(id) {
                        return Err(format!("job {} links {} to the output of {id} without depending on it", job.id, link.name));
                    }
                }
            }
            if job.command.output.contains(['/', '\\']) {
                return Err(format!("job {} writes {}, outside its own work folder", job.id, job.command.output));
            }
        }
        if !seen.contains_key(self.final_job.as_str()) {
            return Err(format!("the final job {} is not in the plan", self.final_job));
        }
        Ok(())
    }

    /// Every source file the plan reads (not the outputs of its own jobs).
    pub fn sources(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for job in &self.jobs {
            for input in &job.command.inputs {
                if input.kind != crate::args::InputKind::ConcatList && std::path::Path::new(&input.path).is_absolute() {
                    out.insert(input.path.clone());
                }
            }
            for link in &job.links {
                if let LinkTarget::Source(path) = &link.target {
                    out.insert(path.clone());
                }
            }
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

/// What a job does, for scheduling: render jobs encode video and are limited to
/// [`Plan::parallel`] at once; the others are light and run as soon as they are ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Encodes video (the whole export, or one segment).
    Render,
    /// Renders and encodes the timeline's audio.
    Audio,
    /// Joins the outputs of other jobs, or copies source packets, without encoding video.
    Join,
}

/// One ffmpeg process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub description: String,
    /// Run in the job's own work folder; `command.output` is a file name there.
    pub command: FfmpegCommand,
    /// Files written into the job's work folder before it runs (filter scripts, text for
    /// drawtext, concat lists).
    pub files: Vec<WorkFile>,
    /// Links made in the job's work folder before it runs: to a source file (so concat
    /// lists name only safe relative names) or to another job's output.
    pub links: Vec<WorkLink>,
    /// Output video frames this job produces (0 for audio).
    pub frames: u64,
    /// Output duration this job produces, seconds.
    pub expected_duration: f64,
    /// This job's share of the export's work, for progress (a frame encoded counts 1).
    pub weight: f64,
    pub depends_on: Vec<String>,
    /// The content key of its output: when the cache holds it, the job is not run and the
    /// cached file is used instead; after it runs, its output is kept there.
    #[serde(default)]
    pub cache_key: Option<String>,
    /// When this job fails with a hardware encoder: the same job with the software encoder.
    pub software_fallback: Option<Box<FfmpegCommand>>,
    /// The cache key of the software fallback's output.
    #[serde(default)]
    pub software_cache_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkFile {
    pub name: String,
    pub contents: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLink {
    /// A plain file name in the job's work folder.
    pub name: String,
    pub target: LinkTarget,
}

/// What a work-folder link points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkTarget {
    /// A source file, by absolute path.
    Source(String),
    /// The output of another job of the plan, by id.
    Job(String),
}

impl std::fmt::Display for LinkTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Source(path) => write!(f, "{path}"),
            Self::Job(id) => write!(f, "the output of job {id}"),
        }
    }
}

/// One strategy the planner weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub strategy: Strategy,
    pub chosen: bool,
    /// Why it was chosen, or each reason it could not be.
    pub reasons: Vec<String>,
}

/// A run of output frames made one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stretch {
    pub first_frame: u64,
    pub frames: u64,
    pub how: How,
    /// The job that makes it.
    pub job: String,
    /// Why this way.
    pub why: String,
}

/// How a stretch of frames is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Decoded, filtered and encoded.
    Render,
    /// Taken from the segment cache, rendered by an earlier export.
    Cached,
    /// Source packets copied without decoding.
    Copy,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Render => "rendered",
            Self::Cached => "cached",
            Self::Copy => "copied",
        }
    }
}

/// Why no plan could be made. (Timeline problems are caught before planning; these are
/// the cases that need the plan's own reasoning.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("encoder {requested:?} cannot be used: {reason}. Usable encoders here: {usable}. Set output.encoder (or --encoder) to one of them, or \"auto\"")]
    Encoder { requested: String, reason: String, usable: String },
    #[error("strategy {} cannot make this export: {}. Leave --strategy at auto to let reel choose", strategy.as_str(), reasons.join("; "))]
    Strategy { strategy: Strategy, reasons: Vec<String> },
}

/// Plans an export with [`PlanOptions::default`]. `settings` is the effective output
/// settings (flags over the timeline over the settings file); what it leaves unset takes
/// the built-in defaults.
pub fn plan(timeline: &Timeline, media: &MediaMap, settings: &OutputSettings, caps: &Capabilities) -> Result<Plan, PlanError> {
    plan_with(timeline, media, settings, caps, &PlanOptions::default())
}

/// Plans an export: weighs the strategies (or takes the one `options` forces) and builds
/// the chosen one's jobs.
pub fn plan_with(
    timeline: &Timeline,
    media: &MediaMap,
    settings: &OutputSettings,
    caps: &Capabilities,
    options: &PlanOptions<'_>,
) -> Result<Plan, PlanError> {
    strategy::plan(timeline, media, settings, caps, options)
}

/// The codec name for the output's video.
pub(crate) fn codec_of(settings: &OutputSettings) -> VideoCodec {
    settings.video_codec.unwrap_or_default()
}

/// Output options that put the MP4 index (`moov`) at the front of the final file, for
/// streaming: room for it is reserved when the file is first written (`-moov_size`), so the
/// file is never written a second time to move the index there (what `-movflags
/// +faststart` does after the last frame: a full rewrite). The room is an upper bound from
/// the sample counts (per video frame at most 48 bytes of tables, per AAC frame 40, plus
/// 64 KiB); what the index does not use stays in the file as a `free` box.
pub(crate) fn index_at_front(layout: &layout::Layout) -> Vec<String> {
    let audio_frames = (layout.duration * f64::from(layout.sample_rate) / 1024.0).ceil() as u64 + 4;
    let bytes = layout.frames * 48 + audio_frames * 40 + 64 * 1024;
    vec!["-moov_size".to_owned(), bytes.to_string()]
}

/// The `-progress` options every job starts with: key=value progress on stdout every
/// half second, no stats line on stderr.
pub(crate) fn progress_args() -> Vec<String> {
    ["-progress", "pipe:1", "-nostats", "-stats_period", "0.5"].iter().map(|s| (*s).to_owned()).collect()
}
