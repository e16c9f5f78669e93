//! Running a plan: a private work folder beside the destination, one ffmpeg process per
//! job with `-progress pipe:1` parsed into events, cancellation that kills ffmpeg's whole
//! process group, a software re-run when a hardware encoder fails, verification of the
//! written file, and an atomic rename into place. On failure or cancel the work folder is
//! removed and the destination is untouched.

use crate::ffmpeg::{stderr_tail, Tools};
use crate::verify;
use reel_core::args::{shell_line, FfmpegCommand, InputKind};
use reel_core::plan::{Job, Plan, OUTPUT_NAME};
use reel_wire::{Event, ExportReport, MessageEvent, ProgressEvent, StageEvent, StageTimings};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub overwrite: bool,
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
    #[error("cannot prepare the work folder {path}: {reason}")]
    WorkFolder { path: String, reason: String },
    #[error("ffmpeg failed in job {job} ({status}): {stderr}\n  command: {command}")]
    Ffmpeg { job: String, status: String, stderr: String, command: String },
    #[error("cannot start ffmpeg ({program}): {reason}")]
    Spawn { program: String, reason: String },
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
            Self::Ffmpeg { .. } | Self::Spawn { .. } => "ffmpeg",
            Self::Verify { .. } => "verify",
            Self::Cancelled { .. } => "cancelled",
            Self::CommandTooLong { .. } => "invalid_input",
        }
    }
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Every file a plan reads.
fn plan_inputs(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for job in &plan.jobs {
        for input in &job.command.inputs {
            if input.kind != InputKind::ConcatList {
                out.push(input.path.clone());
            }
        }
        out.extend(job.links.iter().map(|l| l.target.clone()));
    }
    out
}

/// Work folders of runs that crashed, older than a day, are removed.
fn reclaim_stale(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let old = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Duration::from_hours(24));
        if name.to_string_lossy().starts_with(".reel-") && old && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The most bytes of arguments (with their terminating NULs) a program can be started
/// with here, after room for the environment: `ARG_MAX` on Unix, 32,767 UTF-16 units for a
/// whole Windows command line.
fn command_line_limit() -> usize {
    #[cfg(unix)]
    {
        let arg_max = nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
            .ok()
            .flatten()
            .and_then(|v| usize::try_from(v).ok())
            .unwrap_or(128 * 1024);
        let environment: usize = std::env::vars_os().map(|(k, v)| k.len() + v.len() + 2).sum();
        arg_max.saturating_sub(environment + 4096)
    }
    #[cfg(not(unix))]
    {
        32_767
    }
}

/// Refuses a plan whose ffmpeg command lines cannot be started on this system (a timeline
/// of many thousands of clips: one input each), before anything is written.
pub fn check_command_lines(plan: &Plan, program: &Path) -> Result<(), RunError> {
    let limit = command_line_limit();
    for job in &plan.jobs {
        for command in std::iter::once(&job.command).chain(job.software_fallback.as_deref()) {
            let bytes = program.as_os_str().len() + 1 + command.to_args().iter().map(|a| a.len() + 1).sum::<usize>();
            if bytes > limit {
                let inputs = command.inputs.len();
                let fits = (inputs * limit / bytes.max(1) * 9 / 10).max(1);
                return Err(RunError::CommandTooLong { job: job.id.clone(), bytes, inputs, limit, fits });
            }
        }
    }
    Ok(())
}

/// Checks the destination before any work: its folder is writable, it is not an input,
/// and it does not exist unless overwriting.
pub fn check_destination(plan: &Plan, destination: &Path, overwrite: bool) -> Result<PathBuf, RunError> {
    let shown = destination.display().to_string();
    let folder = destination.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_owned);
    let meta = std::fs::metadata(&folder).map_err(|e| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() })?;
    if !meta.is_dir() {
        return Err(RunError::Folder { folder: folder.display().to_string(), reason: "it is not a folder".to_owned() });
    }
    for input in plan_inputs(plan) {
        if same_file(destination, Path::new(&input)) {
            return Err(RunError::IsInput { path: shown, input });
        }
    }
    if destination.is_dir() {
        return Err(RunError::Folder { folder: shown, reason: "the output path is a folder; give a file name such as out.mp4".to_owned() });
    }
    if destination.exists() && !overwrite {
        return Err(RunError::Exists { path: shown });
    }
    Ok(folder)
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

#[cfg(unix)]
fn kill_group(child: &Child, signal: nix::sys::signal::Signal) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), signal);
    }
}

/// Stops a cancelled job. Its output is thrown away, so ffmpeg is killed at once rather than
/// asked to finish: after SIGTERM it flushes the encoder's lookahead and writes the trailer,
/// which took 1.5 s at 1080p (a cancel from an app's UI must end within a second).
fn stop(child: &mut Child) {
    #[cfg(unix)]
    kill_group(child, nix::sys::signal::Signal::SIGKILL);
    let _ = child.kill();
    let _ = child.wait();
}

enum JobEnd {
    Done,
    Failed { status: String, stderr: String },
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
    let mut cmd = Command::new(&tools.ffmpeg);
    cmd.args(&args).current_dir(work).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| RunError::Spawn { program: tools.ffmpeg.display().to_string(), reason: e.to_string() })?;
    let started = Instant::now();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = mpsc::channel::<Block>();
    let reader = std::thread::spawn(move || {
        let mut block = Block::default();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if parse_line(&mut block, &line) {
                let _ = tx.send(block.clone());
                block = Block::default();
            }
        }
    });
    let tail = Arc::new(Mutex::new(VecDeque::<String>::new()));
    let tail_writer = Arc::clone(&tail);
    let err_reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut t = tail_writer.lock().expect("stderr tail");
            t.push_back(line);
            if t.len() > 40 {
                t.pop_front();
            }
        }
    });
    let mut faststart_announced = false;
    // The last progress sent, repeated while ffmpeg is quiet (opening inputs, the faststart
    // rewrite) so a parent process hears from reel at least every 500 ms.
    let mut last: Option<(Instant, ProgressEvent)> = None;
    let status = loop {
        if options.cancel.load(Ordering::SeqCst) {
            stop(&mut child);
            let _ = reader.join();
            let _ = err_reader.join();
            return Ok(JobEnd::Cancelled);
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(block) => {
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
                // Encoding reached the end but ffmpeg runs on: that is the +faststart rewrite.
                if !faststart_announced && !block.end && out_time >= job.expected_duration - 2.0 * progress.frame {
                    faststart_announced = true;
                    (progress.on_event)(Event::Stage(StageEvent { stage: "faststart".to_owned() }));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(status) =
                    child.try_wait().map_err(|e| RunError::Spawn { program: tools.ffmpeg.display().to_string(), reason: e.to_string() })?
                {
                    break status;
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
            }
        }
    };
    let _ = reader.join();
    let _ = err_reader.join();
    let stderr: Vec<String> = tail.lock().expect("stderr tail").iter().cloned().collect();
    if status.success() {
        Ok(JobEnd::Done)
    } else {
        Ok(JobEnd::Failed { status: status.to_string(), stderr: stderr_tail(&stderr.join("\n"), 8) })
    }
}

fn prepare(job: &Job, work: &Path) -> Result<(), RunError> {
    let fail = |path: &Path, e: std::io::Error| RunError::WorkFolder { path: path.display().to_string(), reason: e.to_string() };
    for file in &job.files {
        let path = work.join(&file.name);
        std::fs::write(&path, &file.contents).map_err(|e| fail(&path, e))?;
    }
    for link in &job.links {
        let path = work.join(&link.name);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&link.target, &path).map_err(|e| fail(&path, e))?;
        #[cfg(not(unix))]
        std::fs::hard_link(&link.target, &path).or_else(|_| std::fs::copy(&link.target, &path).map(|_| ())).map_err(|e| fail(&path, e))?;
    }
    Ok(())
}

/// Moves the finished file into place: no-clobber unless overwriting.
fn place(from: &Path, destination: &Path, overwrite: bool) -> Result<(), RunError> {
    let fail = |e: std::io::Error| RunError::Rename { path: destination.display().to_string(), reason: e.to_string() };
    if overwrite {
        return std::fs::rename(from, destination).map_err(fail);
    }
    match std::fs::hard_link(from, destination) {
        Ok(()) => {
            let _ = std::fs::remove_file(from);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(RunError::Exists { path: destination.display().to_string() }),
        Err(_) if !destination.exists() => std::fs::rename(from, destination).map_err(fail),
        Err(_) => Err(RunError::Exists { path: destination.display().to_string() }),
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
    let folder = check_destination(plan, destination, options.overwrite)?;
    check_command_lines(plan, &tools.ffmpeg)?;
    reclaim_stale(&folder);
    let work = tempfile::Builder::new()
        .prefix(".reel-")
        .tempdir_in(&folder)
        .map_err(|e| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() })?;
    let total: f64 = plan.jobs.iter().map(|j| j.expected_duration).sum();
    let mut fallback = None;
    let mut encoder = plan.output.encoder.clone();
    on_event(Event::Stage(StageEvent { stage: "encode".to_owned() }));
    let mut progress = Progress { total, frame: plan.output.fps.period(), done_before: 0.0, started: Instant::now(), on_event };
    for job in &plan.jobs {
        prepare(job, work.path())?;
        let mut end = run_command(job, &job.command, tools, work.path(), options, &mut progress)?;
        if let (JobEnd::Failed { stderr, .. }, Some(software)) = (&end, &job.software_fallback) {
            let reason = format!("{} failed: {}", plan.output.encoder, crate::ffmpeg::first_reason(&stderr.replace(" | ", "\n")));
            (progress.on_event)(Event::Warning(MessageEvent {
                message: format!("{reason}; re-running job {} with the software encoder", job.id),
            }));
            let _ = std::fs::remove_file(work.path().join(&software.output));
            encoder = software.to_args().windows(2).find(|w| w[0] == "-c:v").map_or_else(|| "software".to_owned(), |w| w[1].clone());
            fallback = Some(reason);
            end = run_command(job, software, tools, work.path(), options, &mut progress)?;
        }
        match end {
            JobEnd::Done => {}
            JobEnd::Cancelled => return Err(RunError::Cancelled { path: destination.display().to_string() }),
            JobEnd::Failed { status, stderr } => {
                return Err(RunError::Ffmpeg {
                    job: job.id.clone(),
                    status,
                    stderr,
                    command: shell_line(&tools.ffmpeg.to_string_lossy(), &job.command.to_args()),
                })
            }
        }
        progress.done_before += job.expected_duration;
    }
    timings.encode = progress.started.elapsed().as_secs_f64();
    let on_event = progress.on_event;
    on_event(Event::Stage(StageEvent { stage: "verify".to_owned() }));
    let verify_started = Instant::now();
    let output = work.path().join(OUTPUT_NAME);
    let info = crate::probe::probe_streams(&tools.ffprobe, &output)
        .map_err(|e| RunError::Verify { path: destination.display().to_string(), problems: e.to_string() })?;
    let problems = verify::check(plan, &info, &output);
    if !problems.is_empty() {
        return Err(RunError::Verify { path: destination.display().to_string(), problems: problems.join("; ") });
    }
    timings.verify = verify_started.elapsed().as_secs_f64();
    if options.cancel.load(Ordering::SeqCst) {
        return Err(RunError::Cancelled { path: destination.display().to_string() });
    }
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
