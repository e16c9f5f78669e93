//! The DAG executor: starts every job whose dependencies are done (render jobs at most
//! `plan.parallel` at once, light jobs as soon as they are ready), each ffmpeg on a worker
//! thread of its own through the process runner, and collects their progress and ends on
//! this thread. A job whose cache key is in the segment cache is not run: its worker links
//! the checked entry into the job's folder instead. The first failure stops every running
//! job.

use super::destination::prepare;
use super::progress::{parse_line, Block, Progress};
use super::RunError;
use crate::cache::Store;
use crate::ffmpeg::Tools;
use crate::process::{Ended, Spec};
use reel_core::args::shell_line;
use reel_core::plan::{Job, JobKind, Plan};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// What the jobs of an export did.
#[derive(Debug, Default, Clone)]
pub(super) struct Executed {
    /// Cacheable jobs that were rendered.
    pub rendered: u32,
    /// Cacheable jobs taken from the cache.
    pub reused: u32,
    pub reused_bytes: u64,
    /// What rendering the reused entries took when they were made.
    pub seconds_saved: f64,
    /// What the final job's ffmpeg said although it exited 0 (it does after failing to
    /// write the trailer), for the verification's sentence.
    pub final_said: Option<String>,
}

/// Why the jobs did not all finish.
pub(super) enum Failure {
    Run(RunError),
    Cancelled,
    /// A job failed with a hardware encoder that has a software fallback.
    Hardware {
        job: String,
        reason: String,
    },
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        Self::Run(e)
    }
}

enum Message {
    Progress(usize, Block),
    Done(usize, Result<Outcome, Failure>),
}

/// How a job that ended well got its output.
enum Outcome {
    /// ffmpeg rendered it; what it said although it exited 0, if anything.
    Rendered { said: Option<String> },
    /// It was in the segment cache (checked, then linked).
    Reused(crate::cache::Reused),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Done,
}

/// Runs every job of `plan` in `root` (one folder per job). With `software`, jobs with a
/// software fallback run it instead of their hardware command.
pub(super) fn execute(
    plan: &Plan,
    tools: &Tools,
    root: &Path,
    options: &super::RunOptions,
    software: bool,
    progress: &mut Progress<'_>,
) -> Result<Executed, Failure> {
    let n = plan.jobs.len();
    let mut state = vec![State::Waiting; n];
    let index: std::collections::HashMap<&str, usize> = plan.jobs.iter().enumerate().map(|(i, j)| (j.id.as_str(), i)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<Message>();
    let mut renders = 0_usize;
    let mut failure: Option<Failure> = None;
    let mut executed = Executed::default();
    loop {
        if failure.is_none() && options.cancel.load(Ordering::SeqCst) {
            failure = Some(Failure::Cancelled);
        }
        if failure.is_some() {
            stop.store(true, Ordering::SeqCst);
        } else {
            for i in 0..n {
                let job = &plan.jobs[i];
                let ready = state[i] == State::Waiting
                    && job.depends_on.iter().all(|d| index.get(d.as_str()).is_some_and(|&k| state[k] == State::Done));
                // Render jobs up to `parallel` at once; light jobs (audio, joins) beside them,
                // one more at a time (a long timeline's audio pieces would otherwise all
                // start at once).
                let limit = plan.parallel.max(1);
                let light = state.iter().zip(&plan.jobs).filter(|(s, j)| **s == State::Running && j.kind != JobKind::Render).count();
                if !ready || (job.kind == JobKind::Render && renders >= limit) || (job.kind != JobKind::Render && light >= 1) {
                    continue;
                }
                let (command, key) = match (&job.software_fallback, software) {
                    (Some(fallback), true) => (fallback.as_ref(), job.software_cache_key.as_deref()),
                    _ => (&job.command, job.cache_key.as_deref()),
                };
                let work = prepare(plan, job, root)?;
                let args = command.to_args();
                if options.verbose {
                    eprintln!("reel: running job {}: {}", job.id, shell_line(&tools.ffmpeg.to_string_lossy(), &args));
                }
                let worker = Worker {
                    index: i,
                    job: job.clone(),
                    program: tools.ffmpeg.clone(),
                    ffprobe: tools.ffprobe.clone(),
                    args,
                    work,
                    cache: options.cache.clone().zip(key.map(str::to_owned)),
                    stop: Arc::clone(&stop),
                    hardware: !software && job.software_fallback.is_some(),
                    is_final: job.id == plan.final_job,
                    encoder: plan.output.encoder.clone(),
                };
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let result = worker.run(&tx);
                    let _ = tx.send(Message::Done(worker.index, result));
                });
                state[i] = State::Running;
                if job.kind == JobKind::Render {
                    renders += 1;
                }
                progress.start(i);
            }
        }
        let running = state.iter().filter(|s| **s == State::Running).count();
        if running == 0 && (failure.is_some() || state.iter().all(|s| *s == State::Done)) {
            break;
        }
        if running == 0 {
            // Nothing runs and nothing can start: a dependency that can never finish.
            return Err(Failure::Run(RunError::Plan("jobs wait on each other".to_owned())));
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Message::Progress(i, block)) => progress.update(i, &block),
            Ok(Message::Done(i, result)) => {
                state[i] = State::Done;
                if plan.jobs[i].kind == JobKind::Render {
                    renders -= 1;
                }
                match result {
                    Ok(Outcome::Rendered { said }) => {
                        if plan.jobs[i].cache_key.is_some() {
                            executed.rendered += 1;
                        }
                        if plan.jobs[i].id == plan.final_job {
                            executed.final_said = said;
                        }
                        progress.finish(i);
                    }
                    Ok(Outcome::Reused(reused)) => {
                        executed.reused += 1;
                        executed.reused_bytes += reused.bytes;
                        executed.seconds_saved += reused.render_seconds;
                        progress.finish(i);
                    }
                    // The first failure is the one reported; the others follow from the stop.
                    Err(e) => {
                        if failure.is_none() || matches!(failure, Some(Failure::Cancelled)) && !matches!(e, Failure::Cancelled) {
                            failure = Some(e);
                        }
                    }
                }
            }
            Err(_) => progress.tick(),
        }
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(executed),
    }
}

/// One job on its worker thread.
struct Worker {
    index: usize,
    job: Job,
    program: PathBuf,
    ffprobe: PathBuf,
    args: Vec<String>,
    work: PathBuf,
    cache: Option<(Arc<Store>, String)>,
    stop: Arc<AtomicBool>,
    /// Running a hardware encoder that has a software fallback.
    hardware: bool,
    is_final: bool,
    encoder: String,
}

impl Worker {
    fn run(&self, tx: &mpsc::Sender<Message>) -> Result<Outcome, Failure> {
        let output = self.work.join(&self.job.command.output);
        // A cached output is checked and linked here, on the worker, so hashing large
        // entries never holds up the progress of the others.
        if let Some((cache, key)) = &self.cache {
            if let Some(reused) = cache.fetch(key, &output) {
                return Ok(Outcome::Reused(reused));
            }
        }
        let started = Instant::now();
        let spec = Spec { cwd: Some(&self.work), cancel: Some(&self.stop), ..Spec::new(&self.program, &self.args) };
        let (index, progress_tx) = (self.index, tx.clone());
        let read_progress = move |out: &mut dyn Read| {
            let mut block = Block::default();
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if parse_line(&mut block, &line) {
                    let _ = progress_tx.send(Message::Progress(index, std::mem::take(&mut block)));
                }
            }
        };
        let finished =
            crate::process::run(&spec, read_progress, &mut || {}).map_err(|e| RunError::Spawn { program: e.program, reason: e.reason })?;
        match finished.ended {
            Ended::Cancelled => return Err(Failure::Cancelled),
            ended if !ended.success() => {
                let reason = crate::ffmpeg::failure_reason(&finished.stderr.tail.join("\n"));
                if self.hardware {
                    return Err(Failure::Hardware { job: self.job.id.clone(), reason: reason.replace(&self.encoder, "the encoder") });
                }
                return Err(Failure::Run(RunError::Ffmpeg {
                    job: self.job.id.clone(),
                    status: ended.describe(),
                    advice: super::facts::advice(&reason),
                    reason,
                    command: finished.command,
                }));
            }
            _ => {}
        }
        let seconds = started.elapsed().as_secs_f64();
        // The final job's file is verified in full by the caller; a part is checked here,
        // before anything (the join, the cache) relies on it.
        let said = crate::ffmpeg::complaint(&finished.stderr.tail.join("\n"));
        if !self.is_final {
            let part = |problems: String| RunError::Part {
                job: self.job.id.clone(),
                problems,
                path: output.display().to_string(),
                said: said.clone(),
            };
            let info = crate::probe::probe_streams(&self.ffprobe, &output).map_err(|e| part(crate::verify::unreadable(&e)))?;
            if let Some(why) = crate::verify::unmatched_parameter_sets(&self.job, &info) {
                return Err(Failure::Run(RunError::Unmatched { job: self.job.id.clone(), why }));
            }
            let problems = crate::verify::check_part(&self.job, &info);
            if !problems.is_empty() {
                return Err(Failure::Run(part(problems.join("; "))));
            }
        }
        if let Some((cache, key)) = &self.cache {
            // A cache that cannot take the entry only loses the reuse next time.
            let _ = cache.store(key, &output, seconds);
        }
        Ok(Outcome::Rendered { said })
    }
}
