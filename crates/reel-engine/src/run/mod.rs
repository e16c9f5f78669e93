//! Running a plan: a private work folder beside the destination, one ffmpeg process per
//! job with `-progress pipe:1` parsed into events, cancellation that kills ffmpeg's whole
//! process group, a software re-run when a hardware encoder fails, verification of the
//! written file, and an atomic rename into place. On failure or cancel the work folder is
//! removed and the destination is untouched.

mod destination;
pub(crate) mod facts;
mod inputs;
mod work;

pub use destination::{check_command_lines, check_destination};
pub use inputs::InputFile;

use crate::ffmpeg::failure_reason;
use crate::ffmpeg::Tools;
use crate::process::{Ended, Spec, Stderr};
use crate::verify;
use destination::{place, prepare};
use reel_core::args::{shell_line, FfmpegCommand};
use reel_core::plan::{Job, Plan, OUTPUT_NAME};
use reel_wire::{Event, ExportReport, MessageEvent, ProgressEvent, StageEvent, StageTimings};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
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
            Self::Ffmpeg { .. } | Self::Spawn { .. } => "ffmpeg",
            Self::Verify { .. } | Self::SourceChanged { .. } => "verify",
            Self::Cancelled { .. } => "cancelled",
            Self::CommandTooLong { .. } => "invalid_input",
        }
    }
}

/// One `-progress` block.
#[derive(Debug, Default, Clone)]
struct Block {
    out_time: Option<f64>,
    fps: Option<f64>,
    speed: Option<f64>,
    end: bool,
}

fn parse_line(block: &mut Block, line: &str) -> bool {
    let Some((key, value)) = line.trim().split_once('=') else { return false };
    let value = value.trim();
    match key {
        "out_time_us" | "out_time_ms" => block.out_time = value.parse::<f64>().ok().map(|us| (us / 1e6).max(0.0)),
        "fps" => block.fps = value.parse().ok(),
        "speed" => block.speed = value.trim_end_matches('x').trim().parse().ok(),
        "progress" => {
            block.end = value == "end";
            return true;
        }
        _ => {}
    }
    false
}

enum JobEnd {
    /// ffmpeg exited 0; what it said anyway (it can exit 0 after failing to write the
    /// trailer).
    Done {
        stderr: Stderr,
    },
    Failed {
        status: String,
        stderr: Stderr,
        command: String,
    },
    Cancelled,
}

struct Progress<'a> {
    total: f64,
    /// One output frame, seconds.
    frame: f64,
    done_before: f64,
    started: Instant,
    on_event: &'a mut dyn FnMut(Event),
}

impl Progress<'_> {
    /// Percent of the whole export when `done` seconds of output are finished.
    fn percent_at(&self, done: f64) -> f64 {
        if self.total > 0.0 {
            (done / self.total * 100.0).clamp(0.0, 100.0)
        } else {
            100.0
        }
    }
}

/// Longest silence between progress events while a job runs.
const HEARTBEAT: Duration = Duration::from_millis(500);

/// ffmpeg reports every 0.5 s while it encodes (`-stats_period 0.5`); quiet for this long,
/// it has left its encoding loop.
const ENCODING_OVER: Duration = Duration::from_millis(800);

/// Whether ffmpeg has finished encoding and is rewriting the file for `+faststart` (it
/// reports nothing more until that is done): its last report had `left` seconds of output
/// to go, at `speed`, `quiet` ago. Either the report reached the last frames, or ffmpeg
/// went quiet with less left than it encodes in a second.
fn faststart_begun(left: f64, speed: Option<f64>, quiet: Duration, frame: f64) -> bool {
    left <= 2.0 * frame || (quiet >= ENCODING_OVER && left <= speed.unwrap_or(1.0).max(0.1) + 2.0 * frame)
}

fn run_command(
    job: &Job,
    command: &FfmpegCommand,
    tools: &Tools,
    work: &Path,
    options: &RunOptions,
    progress: &mut Progress<'_>,
) -> Result<JobEnd, RunError> {
    let args = command.to_args();
    if options.verbose {
        eprintln!("reel: running job {}: {}", job.id, shell_line(&tools.ffmpeg.to_string_lossy(), &args));
    }
    let spec = Spec { cwd: Some(work), cancel: Some(&options.cancel), ..Spec::new(&tools.ffmpeg, &args) };
    let (tx, rx) = mpsc::channel::<Block>();
    let read_progress = move |out: &mut dyn Read| {
        let mut block = Block::default();
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if parse_line(&mut block, &line) {
                let _ = tx.send(std::mem::take(&mut block));
            }
        }
    };
    let started = Instant::now();
    let mut faststart_announced = false;
    // ffmpeg's last report while encoding: when, how far, how fast.
    let mut reported: Option<(Instant, f64, Option<f64>)> = None;
    // The last progress sent, repeated while ffmpeg is quiet (opening inputs, the faststart
    // rewrite) so a parent process hears from reel at least every 500 ms.
    let mut last: Option<(Instant, ProgressEvent)> = None;
    let mut forward = |progress: &mut Progress<'_>| {
        for block in rx.try_iter() {
            let out_time = block.out_time.unwrap_or(0.0).min(job.expected_duration);
            let done = progress.done_before + if block.end { job.expected_duration } else { out_time };
            let percent = progress.percent_at(done);
            let elapsed = progress.started.elapsed().as_secs_f64();
            let eta = (percent > 0.5 && percent < 100.0).then(|| elapsed * (100.0 - percent) / percent);
            let event = ProgressEvent {
                percent,
                out_time: done,
                duration: progress.total,
                fps: block.fps,
                speed: block.speed,
                eta,
                job: job.id.clone(),
            };
            (progress.on_event)(Event::Progress(event.clone()));
            last = Some((Instant::now(), event));
            reported = (!block.end).then(|| (Instant::now(), out_time, block.speed));
        }
        // Encoding reached the end but ffmpeg runs on: that is the +faststart rewrite.
        if let Some((at, out_time, speed)) = reported.filter(|_| !faststart_announced) {
            if faststart_begun(job.expected_duration - out_time, speed, at.elapsed(), progress.frame) {
                faststart_announced = true;
                (progress.on_event)(Event::Stage(StageEvent { stage: "faststart".to_owned() }));
            }
        }
        let quiet = last.as_ref().map_or_else(|| started.elapsed(), |(at, _)| at.elapsed());
        if quiet >= HEARTBEAT {
            let event = last.as_ref().map_or_else(
                || ProgressEvent {
                    percent: progress.percent_at(progress.done_before),
                    out_time: progress.done_before,
                    duration: progress.total,
                    fps: None,
                    speed: None,
                    eta: None,
                    job: job.id.clone(),
                },
                |(_, e)| ProgressEvent { fps: None, speed: None, ..e.clone() },
            );
            (progress.on_event)(Event::Progress(event.clone()));
            last = Some((Instant::now(), event));
        }
    };
    let finished = crate::process::run(&spec, read_progress, &mut || forward(progress))
        .map_err(|e| RunError::Spawn { program: e.program, reason: e.reason })?;
    forward(progress);
    Ok(match finished.ended {
        Ended::Cancelled => JobEnd::Cancelled,
        ended if ended.success() => JobEnd::Done { stderr: finished.stderr },
        ended => JobEnd::Failed { status: ended.describe(), stderr: finished.stderr, command: finished.command },
    })
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
    let folder = check_destination(plan, destination, &options.inputs, options.overwrite)?;
    check_command_lines(plan, &tools.ffmpeg)?;
    reclaim_stale(&folder);
    // Claimed before anything is encoded: a second export to this destination is refused now.
    let work = WorkFolder::claim(&folder, destination)?;
    let total: f64 = plan.jobs.iter().map(|j| j.expected_duration).sum();
    let mut fallback = None;
    let mut encoder = plan.output.encoder.clone();
    on_event(Event::Stage(StageEvent { stage: "encode".to_owned() }));
    let mut last_said = Stderr::default();
    let mut progress = Progress { total, frame: plan.output.fps.period(), done_before: 0.0, started: Instant::now(), on_event };
    for job in &plan.jobs {
        prepare(job, work.path())?;
        let mut end = run_command(job, &job.command, tools, work.path(), options, &mut progress)?;
        if let (JobEnd::Failed { stderr, .. }, Some(software)) = (&end, &job.software_fallback) {
            let reason = format!("{} failed: {}", plan.output.encoder, failure_reason(&stderr.tail.join("\n")));
            (progress.on_event)(Event::Warning(MessageEvent {
                message: format!("{reason}; re-running job {} with the software encoder", job.id),
            }));
            let _ = std::fs::remove_file(work.path().join(&software.output));
            encoder = software.to_args().windows(2).find(|w| w[0] == "-c:v").map_or_else(|| "software".to_owned(), |w| w[1].clone());
            fallback = Some(reason);
            end = run_command(job, software, tools, work.path(), options, &mut progress)?;
        }
        match end {
            JobEnd::Done { stderr } => last_said = stderr,
            JobEnd::Cancelled => return Err(RunError::Cancelled { path: destination.display().to_string() }),
            JobEnd::Failed { status, stderr, command } => {
                // A source that changed is the cause to report, not what ffmpeg made of it.
                inputs::check_unchanged(&options.inputs, destination)?;
                let reason = failure_reason(&stderr.tail.join("\n"));
                return Err(RunError::Ffmpeg { job: job.id.clone(), status, advice: facts::advice(&reason), reason, command });
            }
        }
        progress.done_before += job.expected_duration;
    }
    timings.encode = progress.started.elapsed().as_secs_f64();
    let on_event = progress.on_event;
    on_event(Event::Stage(StageEvent { stage: "verify".to_owned() }));
    let verify_started = Instant::now();
    let output = work.path().join(OUTPUT_NAME);
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
            let said = (!last_said.tail.is_empty()).then(|| failure_reason(&last_said.tail.join("\n")));
            return Err(RunError::Verify {
                path: destination.display().to_string(),
                problems,
                ffmpeg_said: said,
                free: facts::free_space(&folder),
            });
        }
    };
    timings.verify = verify_started.elapsed().as_secs_f64();
    if options.cancel.load(Ordering::SeqCst) {
        return Err(RunError::Cancelled { path: destination.display().to_string() });
    }
    // A source cut short or rewritten while ffmpeg read it gives frozen frames and silence
    // that verification cannot see.
    inputs::check_unchanged(&options.inputs, destination)?;
    place(&output, destination, options.overwrite)?;
    drop(work);
    timings.total += started.elapsed().as_secs_f64();
    let duration = info.best_duration().unwrap_or(plan.duration);
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
        // Filled in by the owner of the process (see `usage`).
        resources: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faststart_begins_when_encoding_reached_the_end_or_went_quiet_near_it() {
        let frame = 1.0 / 30.0;
        assert!(faststart_begun(0.05, Some(2.0), Duration::ZERO, frame), "the last frames were reported");
        assert!(!faststart_begun(0.6, Some(2.0), Duration::from_millis(300), frame), "still encoding: it reports every 0.5 s");
        assert!(faststart_begun(0.6, Some(2.0), Duration::from_secs(1), frame), "quiet with 0.3 s of work left");
        assert!(!faststart_begun(30.0, Some(2.0), Duration::from_secs(5), frame), "quiet far from the end: a slow input, not faststart");
    }

    #[test]
    fn progress_blocks() {
        let mut b = Block::default();
        assert!(!parse_line(&mut b, "out_time_us=1500000"));
        assert!(!parse_line(&mut b, "speed=1.25x"));
        assert!(!parse_line(&mut b, "fps=N/A"));
        assert!(parse_line(&mut b, "progress=continue"));
        assert_eq!((b.out_time, b.speed, b.fps, b.end), (Some(1.5), Some(1.25), None, false));
        let mut n = Block::default();
        parse_line(&mut n, "out_time_us=-23000");
        assert_eq!(n.out_time, Some(0.0), "negative times are clamped");
        assert!(parse_line(&mut n, "progress=end") && n.end);
    }
}
