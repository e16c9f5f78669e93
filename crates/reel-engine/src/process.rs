//! The one place reel runs a program (ffmpeg, ffprobe): probe, doctor and export all go
//! through [`run`].
//!
//! Every child:
//! - is started from an argument vector (never a shell), stdin closed, stdout and stderr
//!   piped and read by plain threads (so a full pipe can never stall it);
//! - leads its own process group (Unix), so stopping it stops anything it started;
//! - dies with reel: on Linux the kernel sends it SIGKILL when reel's thread that started
//!   it ends (`PR_SET_PDEATHSIG`), so even `kill -9` of reel leaves no ffmpeg running; on
//!   Windows, [`contain_children`] puts reel in a job object that kills every process in it
//!   when reel's last handle closes. macOS has no equivalent the child can ask for: a
//!   `kill -9` of reel there leaves ffmpeg to finish on its own (a plain exit, Ctrl-C and
//!   SIGTERM do stop it);
//! - is stopped on time-out with SIGTERM to its group, a grace period, then SIGKILL, and
//!   killed at once on cancel (its output is thrown away);
//! - leaves the tail of its stderr (meaningful lines only) and a bounded copy of the whole
//!   of it, for messages and for classifying the failure.

use reel_core::args::shell_line;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a child asked to stop (SIGTERM) gets before it is killed.
pub const GRACE: Duration = Duration::from_secs(2);

/// How many meaningful stderr lines are kept as the tail.
pub const TAIL_LINES: usize = 40;

/// How much of stderr is kept whole (for classifying failures); the rest is dropped.
const STDERR_KEEP: usize = 256 * 1024;

/// How long to wait for a finished program's pipes to close (a grandchild may hold them)
/// and their readers to finish. Normally they are done at once; on a loaded machine a
/// reader thread waited more than a second to run, and its output was lost ("ffprobe
/// printed nothing").
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    /// The working folder; the caller's when `None`.
    pub cwd: Option<&'a Path>,
    /// Stopped (terminate, grace, kill) when it runs longer.
    pub timeout: Option<Duration>,
    /// Stopped the same way as soon as this is set.
    pub cancel: Option<&'a AtomicBool>,
}

impl<'a> Spec<'a> {
    pub fn new(program: &'a Path, args: &'a [String]) -> Self {
        Self { program, args, cwd: None, timeout: None, cancel: None }
    }

    /// The command as one shell-escaped line, for messages and `--verbose`.
    pub fn line(&self) -> String {
        shell_line(&self.program.to_string_lossy(), self.args)
    }
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited by itself (successfully or not) or was killed by someone else.
    Exited(ExitStatus),
    /// It ran past [`Spec::timeout`] and was stopped.
    TimedOut,
    /// [`Spec::cancel`] was set and it was stopped.
    Cancelled,
}

impl Ended {
    pub fn success(self) -> bool {
        matches!(self, Self::Exited(s) if s.success())
    }

    /// `exit code 1`, `signal 9 (SIGKILL)`, `timed out`, `cancelled`.
    pub fn describe(self) -> String {
        match self {
            Self::Exited(status) => describe_status(status),
            Self::TimedOut => "timed out".to_owned(),
            Self::Cancelled => "cancelled".to_owned(),
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = nix::sys::signal::Signal::try_from(signal).map_or_else(|_| String::new(), |s| format!(" ({s})"));
            return format!("killed by signal {signal}{name}");
        }
    }
    status.to_string()
}

/// What a program wrote on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stderr {
    /// The last [`TAIL_LINES`] meaningful lines (blank lines, repeats and "Last message
    /// repeated" dropped).
    pub tail: Vec<String>,
    /// Everything, up to 256 KiB.
    pub text: String,
}

impl Stderr {
    /// The last `n` lines of the tail joined with ` | ` (one line for messages).
    pub fn last(&self, n: usize) -> String {
        self.tail[self.tail.len().saturating_sub(n)..].join(" | ")
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Finished<T> {
    pub ended: Ended,
    /// What the stdout reader returned; `None` when it had not finished shortly after the
    /// program ended.
    pub stdout: Option<T>,
    pub stderr: Stderr,
    /// The command, shell-escaped.
    pub command: String,
    pub elapsed: Duration,
}

/// The program could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot start {program} ({reason})")]
pub struct SpawnError {
    pub program: String,
    pub reason: String,
    /// The command, shell-escaped.
    pub command: String,
}

/// Runs `spec` to its end. `read_stdout` gets the program's stdout on a thread of its own
/// and may read it as it streams (progress, packet listings); whatever it leaves unread is
/// drained. `tick` is called on the calling thread about every 20 ms while the program
/// runs (heartbeats, forwarding progress).
pub fn run<T: Send + 'static>(
    spec: &Spec<'_>,
    read_stdout: impl FnOnce(&mut dyn Read) -> T + Send + 'static,
    tick: &mut dyn FnMut(),
) -> Result<Finished<T>, SpawnError> {
    let command = spec.line();
    if crate::ffmpeg::verbose() {
        eprintln!("+ {command}");
    }
    let mut cmd = Command::new(spec.program);
    cmd.args(spec.args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(dir) = spec.cwd {
        cmd.current_dir(dir);
    }
    tie_to_parent(&mut cmd);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| SpawnError {
        program: spec.program.display().to_string(),
        reason: e.to_string(),
        command: command.clone(),
    })?;

    let (out_tx, out_rx) = mpsc::channel();
    let stdout = child.stdout.take();
    std::thread::spawn(move || {
        if let Some(mut pipe) = stdout {
            let value = read_stdout(&mut pipe);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            let _ = out_tx.send(value);
        }
    });
    let (err_tx, err_rx) = mpsc::channel();
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let _ = err_tx.send(stderr.map(read_stderr).unwrap_or_default());
    });

    let mut pause = Duration::from_millis(1);
    let ended = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ended::Exited(status),
            Ok(None) => {}
            Err(_) => {
                // The status cannot be read: stop it rather than lose track of it.
                stop(&mut child);
                break child.wait().map_or(Ended::Cancelled, Ended::Exited);
            }
        }
        if spec.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            kill(&mut child);
            break Ended::Cancelled;
        }
        if spec.timeout.is_some_and(|t| started.elapsed() >= t) {
            stop(&mut child);
            break Ended::TimedOut;
        }
        tick();
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let stdout = out_rx.recv_timeout(PIPE_GRACE).ok();
    let stderr = err_rx.recv_timeout(PIPE_GRACE).unwrap_or_default();
    Ok(Finished { ended, stdout, stderr, command, elapsed: started.elapsed() })
}

/// Reads stderr line by line into a tail of meaningful lines and a bounded copy.
fn read_stderr(pipe: impl Read) -> Stderr {
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut text = String::new();
    let mut reader = BufReader::new(pipe);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&raw);
        if text.len() + line.len() <= STDERR_KEEP {
            text.push_str(&line);
        }
        // ffmpeg separates its status updates with carriage returns.
        for part in line.split('\r') {
            let part = part.trim();
            if part.is_empty() || part.starts_with("Last message repeated") || tail.back().is_some_and(|l| l == part) {
                continue;
            }
            tail.push_back(part.to_owned());
            if tail.len() > TAIL_LINES {
                tail.pop_front();
            }
        }
    }
    Stderr { tail: tail.into(), text }
}

/// Asks the child (and its process group) to stop, gives it [`GRACE`], then kills it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        use nix::sys::signal::{killpg, Signal};
        let group = i32::try_from(child.id()).ok().map(nix::unistd::Pid::from_raw);
        if let Some(group) = group {
            let _ = killpg(group, Signal::SIGTERM);
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    // The leader is gone; anything left in its group goes too.
                    let _ = killpg(group, Signal::SIGKILL);
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = killpg(group, Signal::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills the child and its process group at once: for a cancel, whose output is thrown
/// away. After SIGTERM ffmpeg flushes the encoder's lookahead and writes the trailer first,
/// which took reel 1.6 s to exit after a cancel at 1080p (0.1 s this way); a cancel button
/// must answer within a second.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Makes the child lead its own process group and, on Linux, die when reel does.
#[cfg_attr(not(unix), allow(unused_variables))]
fn tie_to_parent(cmd: &mut Command) {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = nix::unistd::getpid();
        // SAFETY: the closure runs in the forked child before exec and calls only
        // async-signal-safe system calls (prctl, getppid); it allocates nothing.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(Some(nix::sys::signal::Signal::SIGKILL))?;
                // reel may have died between fork and prctl: then nobody would signal us.
                if nix::unistd::getppid() != parent {
                    return Err(std::io::Error::other("reel exited while starting this program"));
                }
                Ok(())
            });
        }
    }
}

/// Makes a write past the file-size limit (`ulimit -f`) fail with "File too large" instead
/// of killing the writer with SIGXFSZ, for reel and the programs it starts (an ignored
/// signal stays ignored across exec): ffmpeg then says why it failed, and reel, which died
/// silently while writing its log, reports it. Elsewhere it does nothing.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        use nix::sys::signal::{signal, SigHandler, Signal};
        // SAFETY: ignoring a signal installs no handler code that could run at any time.
        #[allow(unsafe_code)]
        let _ = unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) };
    }
}

/// On Windows, puts reel in a job object that kills every process in it (ffmpeg,
/// ffprobe) when reel ends, however it ends. Elsewhere it does nothing: Linux ties each
/// child to reel as it starts ([`run`]). Failing to set it up only loses that guarantee.
pub fn contain_children() {
    #[cfg(windows)]
    {
        let job = win32job::Job::create().and_then(|job| {
            let mut info = job.query_extended_limit_info()?;
            info.limit_kill_on_job_close();
            job.set_extended_limit_info(&mut info)?;
            job.assign_current_process()?;
            Ok(job)
        });
        if let Ok(job) = job {
            // The job lives as long as reel: its handle closes when the process ends.
            std::mem::forget(job);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["-c".to_owned(), script.to_owned()]
    }

    #[test]
    fn captures_stdout_and_the_stderr_tail() {
        let args = sh("echo out; echo first >&2; echo >&2; echo second >&2; echo second >&2; exit 3");
        let spec = Spec::new(Path::new("/bin/sh"), &args);
        let done = run(
            &spec,
            |r| {
                let mut s = String::new();
                r.read_to_string(&mut s).unwrap();
                s
            },
            &mut || {},
        )
        .unwrap();
        assert_eq!(done.stdout.as_deref(), Some("out\n"));
        assert_eq!(done.stderr.tail, ["first", "second"]);
        assert_eq!(done.stderr.text, "first\n\nsecond\nsecond\n");
        assert_eq!(done.ended.describe(), "exit code 3");
        assert!(!done.ended.success());
        assert_eq!(done.command, "/bin/sh -c 'echo out; echo first >&2; echo >&2; echo second >&2; echo second >&2; exit 3'");
    }

    /// Whether `pid` is a live process (a killed one may linger as a zombie until reaped).
    fn running(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
            Err(_) => cfg!(not(target_os = "linux")) && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok(),
        }
    }

    #[test]
    fn time_out_stops_the_whole_group() {
        // The shell starts a grandchild that would outlive it.
        let tmp = tempfile::tempdir().unwrap();
        let pidfile = tmp.path().join("pid");
        let args = sh(&format!("sleep 30 & echo $! > {}; wait", pidfile.display()));
        let spec = Spec { timeout: Some(Duration::from_millis(300)), ..Spec::new(Path::new("/bin/sh"), &args) };
        let done = run(&spec, |_| (), &mut || {}).unwrap();
        assert_eq!(done.ended, Ended::TimedOut);
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!running(pid), "the grandchild {pid} was left running");
    }

    #[test]
    fn cancel_stops_it_and_ticks_run_meanwhile() {
        let cancel = AtomicBool::new(false);
        let args = sh("sleep 30");
        let spec = Spec { cancel: Some(&cancel), ..Spec::new(Path::new("/bin/sh"), &args) };
        let started = Instant::now();
        let mut ticks = 0;
        let done = run(&spec, |_| (), &mut || {
            ticks += 1;
            if ticks == 10 {
                cancel.store(true, Ordering::SeqCst);
            }
        })
        .unwrap();
        assert_eq!(done.ended, Ended::Cancelled);
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(ticks >= 10);
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let e = run(&Spec::new(Path::new("/nonexistent/ffmpeg"), &[]), |_| (), &mut || {}).unwrap_err();
        assert_eq!(e.program, "/nonexistent/ffmpeg");
        assert!(e.to_string().starts_with("cannot start /nonexistent/ffmpeg ("), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_child_dies_with_the_thread_that_started_it() {
        // PR_SET_PDEATHSIG fires when the starting thread ends: a helper thread stands in
        // for reel being killed.
        let tmp = tempfile::tempdir().unwrap();
        let pidfile = tmp.path().join("pid");
        let path = pidfile.clone();
        let handle = std::thread::spawn(move || {
            let args = sh(&format!("echo $$ > {}; exec sleep 30", path.display()));
            let cancel = AtomicBool::new(false);
            let spec = Spec { cancel: Some(&cancel), ..Spec::new(Path::new("/bin/sh"), &args) };
            // Leak the child on purpose: spawn it through the same setup, then let the
            // thread end without waiting.
            let mut cmd = Command::new(spec.program);
            cmd.args(spec.args).stdin(Stdio::null());
            tie_to_parent(&mut cmd);
            let child = cmd.spawn().unwrap();
            std::mem::forget(child);
            while !path.exists() {
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        handle.join().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        // The killed child stays a zombie of this process until reaped; reap it.
        loop {
            let gone = matches!(
                nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), Some(nix::sys::wait::WaitPidFlag::WNOHANG)),
                Ok(nix::sys::wait::WaitStatus::Signaled(_, nix::sys::signal::Signal::SIGKILL, _))
            );
            if gone {
                break;
            }
            assert!(Instant::now() < deadline, "the child {pid} outlived the thread that started it");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
