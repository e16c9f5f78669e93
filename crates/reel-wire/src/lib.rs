//! reel's wire format: what other programs read from reel.
//!
//! This crate is the stable, documented interface for programs that drive reel (an
//! Electron main process spawning `reel export --progress jsonl`, a CI script reading
//! `--json`). It holds the JSON Lines events, the export report and the exit codes, and
//! nothing else. Changes here are additive: new event types and new fields may appear;
//! existing ones keep their names and meaning. Readers must ignore what they do not know.
//!
//! # JSON Lines
//! With `--progress jsonl`, stdout carries one JSON object per line and nothing else (logs
//! and human messages go to stderr). Each line is an envelope
//! `{"type": "<event>", "data": {…}}`; see [`Event`] for each type.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Process exit codes, the same for every `reel` subcommand.
pub mod exit {
    /// The command did what was asked.
    pub const OK: i32 = 0;
    /// The export ran and failed: ffmpeg failed, or the written file did not pass checks.
    pub const EXPORT_FAILED: i32 = 1;
    /// The command line was wrong (unknown flag, missing argument).
    pub const USAGE: i32 = 2;
    /// The input was refused before any encoding: an invalid timeline, a missing or
    /// unreadable source, a bad settings file.
    pub const INVALID_INPUT: i32 = 3;
    /// ffmpeg/ffprobe are missing, too old, or lack what is needed.
    pub const ENVIRONMENT: i32 = 4;
    /// The destination was refused: it exists (without `--overwrite`), is an input, or its
    /// folder cannot be written.
    pub const DESTINATION: i32 = 5;
    /// Cancelled by SIGINT/SIGTERM (Ctrl-C); nothing was left behind.
    pub const CANCELLED: i32 = 130;

    /// Every code with its meaning, for `reel --help` and the README.
    pub const ALL: &[(i32, &str)] = &[
        (OK, "success"),
        (EXPORT_FAILED, "the export ran and failed (ffmpeg error or the output failed verification)"),
        (USAGE, "invalid command line"),
        (INVALID_INPUT, "invalid timeline, source media or settings; nothing was encoded"),
        (ENVIRONMENT, "ffmpeg/ffprobe missing, too old or lacking a needed feature"),
        (DESTINATION, "the output path was refused (exists, is an input, not writable)"),
        (CANCELLED, "cancelled by SIGINT/SIGTERM; temporary files removed"),
    ];

    /// Every code by the name it has here, for programs in other languages (the Node
    /// package's generated `ExitCode` enum comes from this, through [`crate::schema`]).
    pub const NAMES: &[(&str, i32)] = &[
        ("OK", OK),
        ("EXPORT_FAILED", EXPORT_FAILED),
        ("USAGE", USAGE),
        ("INVALID_INPUT", INVALID_INPUT),
        ("ENVIRONMENT", ENVIRONMENT),
        ("DESTINATION", DESTINATION),
        ("CANCELLED", CANCELLED),
    ];
}

/// One line of `--progress jsonl` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// First line: what is being exported where.
    Start(StartEvent),
    /// The plan was made: the strategy and the work ahead.
    Plan(PlanEvent),
    /// A stage began: `probe`, `plan`, `encode`, `faststart`, `verify`.
    Stage(StageEvent),
    /// Encoding progress; at least every 500 ms while encoding.
    Progress(ProgressEvent),
    /// Something the user should know that does not stop the export.
    Warning(MessageEvent),
    /// Last line of a successful export.
    Done(Box<ExportReport>),
    /// Last line of a failed or cancelled export.
    Error(ErrorEvent),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StartEvent {
    pub reel_version: String,
    pub timeline: String,
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanEvent {
    /// `copy`, `segments` or `single_pass`.
    pub strategy: String,
    pub jobs: u32,
    /// Output duration in seconds.
    pub duration: f64,
    pub encoder: Option<String>,
    /// For a segmented export: how many segments, and how many of them the cache holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<u32>,
    /// How many encodes may run at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageEvent {
    pub stage: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProgressEvent {
    /// 0..=100, over the whole export (jobs weighted by their output duration).
    pub percent: f64,
    /// Output time reached, seconds.
    pub out_time: f64,
    /// Output duration, seconds.
    pub duration: f64,
    /// Frames per second ffmpeg is encoding at, when known.
    pub fps: Option<f64>,
    /// Speed as a multiple of real time, when known.
    pub speed: Option<f64>,
    /// Seconds left, estimated, when known.
    pub eta: Option<f64>,
    /// The job this progress is from.
    pub job: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessageEvent {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorEvent {
    /// The sentence shown to the user: what, where, what to do.
    pub message: String,
    /// The process exit code that follows (see [`exit`]).
    pub exit_code: i32,
    /// When the timeline was refused (exit 3): every problem found, each at its JSON path.
    /// Absent for other failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One thing wrong with a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// JSON path in the timeline, such as `video[2].out`; empty for the whole document.
    pub path: String,
    /// What is wrong there, as a sentence.
    pub message: String,
}

/// What an export did; printed at the end, `--json` prints it as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportReport {
    pub output: String,
    /// `copy`, `segments` or `single_pass`.
    pub strategy: String,
    pub jobs: u32,
    /// The video encoder that produced the file (`copy` for stream copy).
    pub encoder: String,
    /// When a hardware encoder failed and the job was re-run in software: why.
    pub fallback: Option<String>,
    pub preset: Option<String>,
    /// Output duration in seconds, as verified by ffprobe.
    pub duration: f64,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub fps: String,
    /// Wall time per stage, seconds.
    pub timings: StageTimings,
    /// Output duration over encode wall time.
    pub speed: f64,
    /// CPU time and peak memory of reel and of the ffmpeg processes it ran; `null` where
    /// the platform does not tell.
    #[serde(default)]
    pub resources: Option<ResourceUsage>,
    /// For exports made of cacheable parts (segments, the audio): how many were rendered
    /// and how many reused from the segment cache, and what the reuse saved.
    #[serde(default)]
    pub segments: Option<SegmentStats>,
    /// How many encodes could run at once.
    #[serde(default)]
    pub parallel: Option<u32>,
}

/// What the segment cache did for an export.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SegmentStats {
    /// Parts (video segments, the audio) rendered by this export.
    pub rendered: u32,
    /// Parts taken from the cache instead.
    pub reused: u32,
    /// Bytes of the reused parts.
    pub reused_bytes: u64,
    /// Seconds the reused parts took to render when they were made: what this export saved.
    pub seconds_saved: f64,
    /// Whether the cache was on (off: nothing was reused and nothing kept).
    pub cache: bool,
}

/// What an export cost in CPU and memory, split between reel's own process and the
/// ffmpeg/ffprobe processes it ran (reel only plans and watches: nearly all the work
/// should be ffmpeg's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceUsage {
    /// CPU seconds (user + system) of reel's own process.
    pub reel_cpu: f64,
    /// Peak resident memory of reel's own process, bytes.
    pub reel_peak_rss: u64,
    /// CPU seconds (user + system) of every ffmpeg and ffprobe process reel ran.
    pub ffmpeg_cpu: f64,
    /// Peak resident memory of the largest ffmpeg or ffprobe process reel ran, bytes.
    pub ffmpeg_peak_rss: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageTimings {
    pub probe: f64,
    pub plan: f64,
    pub encode: f64,
    pub verify: f64,
    pub total: f64,
}

/// The JSON Schema of the wire format (`reel schema --wire`): [`Event`] at the root, every
/// type it carries under `definitions`, and `ExitCode` (the codes of [`exit`], with their
/// names as `tsEnumNames`, so generated TypeScript gets a named enum). The Node package's
/// types are generated from this.
pub fn schema() -> schemars::schema::RootSchema {
    let mut root = schemars::schema_for!(Event);
    let codes: Vec<i32> = exit::NAMES.iter().map(|(_, code)| *code).collect();
    let names: Vec<&str> = exit::NAMES.iter().map(|(name, _)| *name).collect();
    let meanings: Vec<String> = exit::ALL.iter().map(|(code, meaning)| format!("{code}: {meaning}")).collect();
    let exit_code = serde_json::json!({
        "description": format!("reel's process exit code, the same for every subcommand. {}.", meanings.join("; ")),
        "type": "integer",
        "enum": codes,
        "tsEnumNames": names,
    });
    root.definitions.insert("ExitCode".to_owned(), serde_json::from_value(exit_code).expect("static schema"));
    root
}

impl Event {
    /// The event as one JSON line (no trailing newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("events serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let e = Event::Warning(MessageEvent { message: "x".into() });
        assert_eq!(e.to_line(), r#"{"type":"warning","data":{"message":"x"}}"#);
        let back: Event = serde_json::from_str(&e.to_line()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn error_problems_are_left_out_when_there_are_none() {
        let e = Event::Error(ErrorEvent { message: "m".into(), exit_code: exit::EXPORT_FAILED, problems: vec![] });
        assert_eq!(e.to_line(), r#"{"type":"error","data":{"message":"m","exit_code":1}}"#);
        let back: Event = serde_json::from_str(r#"{"type":"error","data":{"message":"m","exit_code":1}}"#).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn schema_names_every_exit_code() {
        let schema = serde_json::to_value(schema()).unwrap();
        let exit_code = &schema["definitions"]["ExitCode"];
        assert_eq!(exit_code["enum"].as_array().unwrap().len(), exit::ALL.len());
        assert_eq!(exit_code["tsEnumNames"][3], "INVALID_INPUT");
        assert_eq!(exit_code["enum"][3], exit::INVALID_INPUT);
        for name in ["ExportReport", "ProgressEvent", "ErrorEvent", "Problem"] {
            assert!(schema["definitions"].get(name).is_some(), "{name} missing from the wire schema");
        }
    }
}
