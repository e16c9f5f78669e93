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
mod progress;

pub use destination::{check_command_lines, check_destination, command_line_limit};

use crate::cache::Store;
use crate::ffmpeg::Tools;
use crate::verify;
use destination::{place, reclaim_stale};
use execute::{execute, Failure};
use progress::Progress;
use reel_core::plan::Plan;
use reel_wire::{Event, ExportReport, SegmentStats, StageEvent, StageTimings};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub overwrite: bool,
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
    #[error("cannot prepare the work folder {path}: {reason}")]
    WorkFolder { path: String, reason: String },
    #[error("ffmpeg failed in job {job} ({status}): {stderr}\n  command: {command}")]
    Ffmpeg { job: String, status: String, stderr: String, command: String },
    #[error("cannot start ffmpeg ({program}): {reason}")]
    Spawn { program: String, reason: String },
    #[error("job {job} finished but what it wrote ({path}) is wrong: {problems}. ffmpeg reported success, so check the free space on that disk; nothing was written to the destination")]
    Part { job: String, problems: String, path: String },
    #[error("the plan cannot be run: {0}. This is a bug in reel; please report it with the timeline")]
    Plan(String),
    #[error("the written file failed verification: {problems}. ffmpeg reported success, so this is likely a full disk or an ffmpeg bug; nothing was written to {path}")]
    Verify { path: String, problems: String },
    #[error("cannot move the finished file to {path}: {reason}")]
    Rename { path: String, reason: String },
    #[error("cancelled; {path} was left as it was and temporary files were removed")]
    Cancelled { path: String },
    #[error("job {job} would need a command line of {bytes} bytes ({inputs} inputs), over this system's limit of {limit} bytes, so ffmpeg cannot be started. reel does not split such a timeline by itself yet: export it in parts of at most about {fits} clips, then join the parts with a timeline that cuts nothing (it stream-copies)")]
    CommandTooLong { job: String, bytes: usize, inputs: usize, limit: usize, fits: usize },
}

impl RunError {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        use reel_wire::exit;
        match self {
            Self::Exists { .. } | Self::IsInput { .. } | Self::Folder { .. } => exit::DESTINATION,
            Self::Cancelled { .. } => exit::CANCELLED,
            Self::CommandTooLong { .. } => exit::INVALID_INPUT,
            _ => exit::EXPORT_FAILED,
        }
    }

    /// The kind of failure, for the export log: `destination`, `output`, `ffmpeg`,
    /// `verify` or `cancelled`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Exists { .. } | Self::IsInput { .. } | Self::Folder { .. } => "destination",
            Self::WorkFolder { .. } | Self::Rename { .. } => "output",
            Self::Ffmpeg { .. } | Self::Spawn { .. } | Self::Plan(_) => "ffmpeg",
            Self::Verify { .. } | Self::Part { .. } => "verify",
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
    let folder = check_destination(plan, destination, options.overwrite)?;
    check_command_lines(plan, &tools.ffmpeg)?;
    reclaim_stale(&folder);
    let work = tempfile::Builder::new()
        .prefix(".reel-")
        .tempdir_in(&folder)
        .map_err(|e| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() })?;
    let cancelled = || RunError::Cancelled { path: destination.display().to_string() };
    on_event(Event::Stage(StageEvent { stage: "encode".to_owned() }));
    let mut progress = Progress::new(plan, on_event);
    let mut software = false;
    let mut fallback = None;
    let executed = loop {
        match execute(plan, tools, work.path(), options, software, &mut progress) {
            Ok(done) => break done,
            Err(Failure::Cancelled) => return Err(cancelled()),
            Err(Failure::Run(e)) => return Err(e),
            Err(Failure::Hardware { job, reason }) => {
                // Decided once for the whole export: every video job runs again in software.
                let reason = format!("{} failed: {reason}", plan.output.encoder);
                progress.warn(format!("{reason}; re-running the export with the software encoder (job {job} failed first)"));
                fallback = Some(reason);
                software = true;
                clear(work.path()).map_err(|e| RunError::WorkFolder { path: work.path().display().to_string(), reason: e.to_string() })?;
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
    let info = crate::probe::probe_streams(&tools.ffprobe, &output)
        .map_err(|e| RunError::Verify { path: destination.display().to_string(), problems: e.to_string() })?;
    let problems = verify::check(plan, &info, &output);
    if !problems.is_empty() {
        return Err(RunError::Verify { path: destination.display().to_string(), problems: problems.join("; ") });
    }
    timings.verify = verify_started.elapsed().as_secs_f64();
    if options.cancel.load(Ordering::SeqCst) {
        return Err(cancelled());
    }
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
        // Filled in by the owner of the process (see `usage`).
        resources: None,
    })
}

/// The software encoder the fallback used, from the fallback command.
fn software_encoder(plan: &Plan) -> String {
    plan.jobs
        .iter()
        .filter_map(|j| j.software_fallback.as_deref())
        .find_map(|c| c.output_options.windows(2).find(|w| w[0] == "-c:v").map(|w| w[1].clone()))
        .unwrap_or_else(|| "software".to_owned())
}

/// Empties a work folder for a re-run.
fn clear(root: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
