//! Running a plan: a private work folder beside the destination (one subfolder per job),
//! the plan's DAG executed by a bounded pool of workers (render jobs limited to
//! `plan.parallel` at once, light jobs such as the audio running beside them), cached
//! segments linked instead of rendered and fresh ones kept for the next export, one
//! progress for the whole export, cancellation that stops every running ffmpeg, a
//! software re-run of the whole export when a hardware encoder fails (decided once: never
//! a mix of encoders in one file), verification of the written file, and an atomic rename
//! into place. On failure or cancel the work folder is removed and the destination is
//! untouched.

mod destination;
mod execute;
pub(crate) mod facts;
mod inputs;
mod progress;
mod work;

pub use destination::{check_command_lines, check_destination, command_line_limit};
pub use inputs::{FileStamp, InputFile};

use crate::cache::Store;
use crate::ffmpeg::Tools;
use crate::verify;
use destination::place;
use execute::{execute, Failure};
use progress::Progress;
use reel_core::plan::{How, Plan};
use reel_wire::{Event, ExportReport, FrameStats, SegmentStats, StageEvent, StageTimings};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use work::{reclaim_stale, WorkFolder};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub overwrite: bool,
    /// Files the export reads besides those the plan names (the timeline, the settings
    /// file), and the plan's sources as they were probed: none is ever overwritten.
    pub inputs: Vec<InputFile>,
    /// Log every command, shell-escaped, to stderr.
    pub verbose: bool,
    /// Set to stop: ffmpeg is killed and nothing is left behind.
    pub cancel: Arc<AtomicBool>,
    /// The segment cache: cached jobs are linked from it, rendered ones kept in it.
    pub cache: Option<Arc<Store>>,
}

/// Why an export did not produce its file.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path} already exists; pass --overwrite to replace it, or choose another output path")]
    Exists { path: String },
    #[error("{path} is one of the export's inputs ({input}); reel never overwrites an input. Choose another output path")]
    IsInput { path: String, input: String },
    #[error("cannot write into {folder}: {reason}. Check that the folder exists and is writable")]
    Folder { folder: String, reason: String },
    #[error("another reel{} is exporting to {path} now; wait for it to finish, or choose another output path", pid.as_ref().map_or(String::new(), |p| format!(" (process {p})")))]
    Busy { path: String, pid: Option<String> },
    #[error("cannot prepare the work folder {path}: {reason}")]
    WorkFolder { path: String, reason: String },
    /// ffmpeg failed. `command` (shell-escaped) is for `--verbose` and the export log, not
    /// for the sentence.
    #[error("ffmpeg failed in job {job} ({status}): {reason}{}", advice.map_or(String::new(), |a| format!("; {a}")))]
    Ffmpeg { job: String, status: String, reason: String, advice: Option<&'static str>, command: String },
    #[error("cannot start ffmpeg ({program}): {reason}")]
    Spawn { program: String, reason: String },
    /// A job other than the last wrote a file that is not what the plan says: which
    /// checks failed and what ffmpeg said although it exited 0.
    #[error("job {job} finished but what it wrote ({path}) is wrong: {problems}. ffmpeg exited successfully{}; nothing was written to the destination: {}", said.as_ref().map_or(String::new(), |s| format!(" but said \"{s}\"")), said.as_deref().and_then(facts::advice).unwrap_or("export again, and if it fails the same way, run it with --verbose and report the command it shows with this message"))]
    Part { job: String, problems: String, path: String, said: Option<String> },
    #[error("job {job}'s re-encoded frames cannot join the copied ones: {why}, so reel's encoder did not reproduce the source's encoder settings. Export with --strategy segments (reel export does this by itself)")]
    Unmatched { job: String, why: String },
    #[error("the plan cannot be run: {0}. This is a bug in reel; please report it with the timeline")]
    Plan(String),
    /// ffmpeg reported success but the file it wrote is not what the plan says: which
    /// checks failed, and what is known (ffmpeg's own error lines, the room left on the
    /// disk; the sources were checked and did not change).
    #[error("{}", verify_sentence(path, problems, ffmpeg_said.as_deref(), *free))]
    Verify { path: String, problems: Vec<String>, ffmpeg_said: Option<String>, free: Option<u64> },
    #[error("{path} changed while it was being exported ({what}), so the export would not show it as it is; nothing was written to {destination}. Export again once the file is complete and no longer changing")]
    SourceChanged { path: String, what: String, destination: String },
    #[error("cannot move the finished file to {path}: {reason}")]
    Rename { path: String, reason: String },
    #[error("cancelled; {path} was left as it was and temporary files were removed")]
    Cancelled { path: String },
    #[error("job {job} would need a command line of {bytes} bytes ({inputs} inputs), over this system's limit of {limit} bytes, so ffmpeg cannot be started. reel does not split such a timeline by itself yet: export it in parts of at most about {fits} clips, then join the parts with a timeline that cuts nothing (it stream-copies)")]
    CommandTooLong { job: String, bytes: usize, inputs: usize, limit: usize, fits: usize },
}

fn verify_sentence(path: &str, problems: &[String], said: Option<&str>, free: Option<u64>) -> String {
    let mut s = format!("the written file failed verification: {}. ffmpeg exited successfully", problems.join("; "));
    if let Some(said) = said {
        s.push_str(&format!(" but said \"{said}\""));
    }
    s.push_str("; the sources did not change");
    if let Some(free) = free {
        s.push_str(&format!(", and {} is free on the destination's disk", facts::bytes(free)));
    }
    let advice = said.and_then(facts::advice).map_or_else(
        || "export again, and if it fails the same way, run it with --verbose and report the command it shows with this message".to_owned(),
        str::to_owned,
    );
    format!("{s}. Nothing was written to {path}: {advice}")
}

impl RunError {
    /// What the sentence leaves out but a report needs (the ffmpeg command): for
    /// `--verbose` and the export log.
    pub fn details(&self) -> Option<String> {
        match self {
            Self::Ffmpeg { command, .. } => Some(format!("command: {command}")),
            _ => None,
        }
    }

    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        use reel_wire::exit;
        match self {
            Self::Exists { .. } | Self::IsInput { .. } | Self::Folder { .. } | Self::Busy { .. } => exit::DESTINATION,
            Self::Cancelled { .. } => exit::CANCELLED,
            Self::CommandTooLong { .. } => exit::INVALID_INPUT,
            _ => exit::EXPORT_FAILED,
        }
    }

    /// The kind of failure, for the export log: `destination`, `output`, `ffmpeg`,
    /// `verify` or `cancelled`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Exists { .. } | Self::IsInput { .. } | Self::Folder { .. } | Self::Busy { .. } => "destination",
            Self::WorkFolder { .. } | Self::Rename { .. } => "output",
            Self::Ffmpeg { .. } | Self::Spawn { .. } | Self::Plan(_) => "ffmpeg",
            Self::Verify { .. } | Self::Part { .. } | Self::SourceChanged { .. } | Self::Unmatched { .. } => "verify",
            Self::Cancelled { .. } => "cancelled",
            Self::CommandTooLong { .. } => "invalid_input",
        }
    }
}

/// Runs a plan to `destination`. `timings` carries the probe and plan times measured by
/// the caller; the report adds encode and verify.
pub fn run_plan(
    plan: &Plan,
    tools: &Tools,
    destination: &Path,
    options: &RunOptions,
    mut timings: StageTimings,
    on_event: &mut dyn FnMut(Event),
) -> Result<ExportReport, RunError> {
    let started = Instant::now();
    plan.validate().map_err(RunError::Plan)?;
    let folder = check_destination(plan, destination, &options.inputs, options.overwrite)?;
    check_command_lines(plan, &tools.ffmpeg)?;
    reclaim_stale(&folder);
    // Claimed before anything is encoded: a second export to this destination is refused now.
    let work = WorkFolder::claim(&folder, destination)?;
    let cancelled = || RunError::Cancelled { path: destination.display().to_string() };
    on_event(Event::Stage(StageEvent { stage: "encode".to_owned() }));
    let mut progress = Progress::new(plan, on_event);
    let mut software = false;
    let mut fallback = None;
    let executed = loop {
        match execute(plan, tools, work.path(), options, software, &mut progress) {
            Ok(done) => break done,
            Err(Failure::Cancelled) => return Err(cancelled()),
            Err(Failure::Run(e)) => {
                // A source that changed is the cause to report, not what ffmpeg made of it.
                if matches!(e, RunError::Ffmpeg { .. } | RunError::Part { .. }) {
                    inputs::check_unchanged(&options.inputs, destination)?;
                }
                return Err(e);
            }
            Err(Failure::Hardware { job, reason }) => {
                // Decided once for the whole export: every video job runs again in software.
                let reason = format!("{} failed: {reason}", plan.output.encoder);
                progress.warn(format!("{reason}; re-running the export with the software encoder (job {job} failed first)"));
                fallback = Some(reason);
                software = true;
                work.clear().map_err(|e| RunError::WorkFolder { path: work.path().display().to_string(), reason: e.to_string() })?;
            }
        }
    };
    let encoder = if software { software_encoder(plan) } else { plan.output.encoder.clone() };
    timings.encode = progress.elapsed();
    let on_event = progress.into_sink();
    on_event(Event::Stage(StageEvent { stage: "verify".to_owned() }));
    let verify_started = Instant::now();
    let final_job = plan.job(&plan.final_job).ok_or_else(|| RunError::Plan(format!("no final job {}", plan.final_job)))?;
    let output = work.path().join(&final_job.id).join(&final_job.command.output);
    let checked = crate::probe::probe_streams(&tools.ffprobe, &output).map_err(|e| vec![verify::unreadable(&e)]).and_then(|info| {
        let problems = verify::check(plan, &info, &output);
        if problems.is_empty() {
            Ok(info)
        } else {
            Err(problems)
        }
    });
    let info = match checked {
        Ok(info) => info,
        Err(problems) => {
            inputs::check_unchanged(&options.inputs, destination)?;
            return Err(RunError::Verify {
                path: destination.display().to_string(),
                problems,
                ffmpeg_said: executed.final_said.clone(),
                free: facts::free_space(&folder),
            });
        }
    };
    timings.verify = verify_started.elapsed().as_secs_f64();
    if options.cancel.load(Ordering::SeqCst) {
        return Err(cancelled());
    }
    // A source cut short or rewritten while ffmpeg read it gives frozen frames and silence
    // that verification cannot see.
    inputs::check_unchanged(&options.inputs, destination)?;
    place(&output, destination, options.overwrite)?;
    drop(work);
    if let Some(cache) = &options.cache {
        let removed = cache.prune();
        if removed.entries > 0 && options.verbose {
            eprintln!("reel: the segment cache was over its limit; removed {} entries ({} bytes)", removed.entries, removed.bytes);
        }
    }
    timings.total += started.elapsed().as_secs_f64();
    let duration = info.best_duration().unwrap_or(plan.duration);
    let cached_jobs = plan.jobs.iter().any(|j| j.cache_key.is_some());
    Ok(ExportReport {
        output: destination.display().to_string(),
        strategy: plan.strategy.as_str().to_owned(),
        jobs: plan.jobs.len() as u32,
        encoder,
        fallback,
        preset: Some(plan.output.preset.clone()),
        duration,
        size_bytes: info.size.unwrap_or(0),
        width: plan.output.width,
        height: plan.output.height,
        fps: plan.output.fps.to_string(),
        speed: if timings.encode > 0.0 { duration / timings.encode } else { 0.0 },
        timings,
        segments: cached_jobs.then_some(SegmentStats {
            rendered: executed.rendered,
            reused: executed.reused,
            reused_bytes: executed.reused_bytes,
            seconds_saved: executed.seconds_saved,
            cache: options.cache.is_some(),
        }),
        parallel: Some(plan.parallel as u32),
        frames: Some(frame_stats(plan)),
        // Filled in by the owner of the process (see `usage`).
        resources: None,
    })
}

/// How the plan makes its frames, from its stretches.
fn frame_stats(plan: &Plan) -> FrameStats {
    let count = |how: How| plan.stretches.iter().filter(|s| s.how == how).map(|s| s.frames).sum::<u64>();
    let copied = count(How::Copy);
    FrameStats {
        total: plan.frames,
        copied,
        rendered: count(How::Render),
        cached: count(How::Cached),
        copied_share: if plan.frames > 0 { copied as f64 / plan.frames as f64 } else { 0.0 },
    }
}

/// The software encoder the fallback used, from the fallback command.
fn software_encoder(plan: &Plan) -> String {
    plan.jobs
        .iter()
        .filter_map(|j| j.software_fallback.as_deref())
        .find_map(|c| c.output_options.windows(2).find(|w| w[0] == "-c:v").map(|w| w[1].clone()))
        .unwrap_or_else(|| "software".to_owned())
}
