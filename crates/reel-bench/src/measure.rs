//! Running things and timing them: reel, ffmpeg and ffprobe as child processes, wall time
//! per method and the CPU time of the processes it ran.

use crate::commands::Step;
use reel_core::plan::Plan;
use reel_wire::ExportReport;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The programs the bench runs: reel, and the ffmpeg and ffprobe reel itself uses.
#[derive(Debug, Clone)]
pub struct Tools {
    pub reel: PathBuf,
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    pub ffmpeg_version: String,
}

/// Runs a command to the end; its stdout, or a sentence with the end of its stderr.
fn run(cmd: &mut Command) -> Result<Vec<u8>, String> {
    let shown = std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>();
    let line = reel_core::args::shell_line(&shown[0], &shown[1..]);
    let out = cmd.stdin(std::process::Stdio::null()).output().map_err(|e| format!("cannot start {}: {e}\n  command: {line}", shown[0]))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    Err(format!("{} failed ({}):\n  {}\n  command: {line}", shown[0], out.status, tail.join("\n  ")))
}

impl Tools {
    /// Asks `reel doctor --json` which ffmpeg and ffprobe reel uses, so the references run
    /// the same binaries. This also caches reel's test encodes, so no export pays for them.
    pub fn find(reel: &Path) -> Result<Self, String> {
        if !reel.is_file() {
            return Err(format!(
                "there is no reel binary at {}; build it with `cargo build --release -p reel-cli` or pass --reel PATH",
                reel.display()
            ));
        }
        let out = run(Command::new(reel).args(["doctor", "--json"]))
            .map_err(|e| format!("`reel doctor` says this machine cannot export: {e}"))?;
        let doctor: serde_json::Value =
            serde_json::from_slice(&out).map_err(|e| format!("`reel doctor --json` printed something that is not JSON: {e}"))?;
        let path = |key: &str| doctor[key].as_str().map(PathBuf::from).ok_or(format!("`reel doctor --json` has no {key:?}"));
        Ok(Self {
            reel: reel.to_owned(),
            ffmpeg: path("ffmpeg")?,
            ffprobe: path("ffprobe")?,
            ffmpeg_version: doctor["version"].as_str().unwrap_or("unknown").to_owned(),
        })
    }

    /// The arguments ffmpeg gets in front of every bench command.
    const FFMPEG_PREFIX: [&'static str; 5] = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"];

    pub fn ffmpeg(&self, args: &[String]) -> Result<(), String> {
        run(Command::new(&self.ffmpeg).args(Self::FFMPEG_PREFIX).args(args)).map(drop)
    }

    /// An ffmpeg command as a shell line, as the bench runs it.
    pub fn ffmpeg_line(&self, args: &[String]) -> String {
        let all: Vec<String> = Self::FFMPEG_PREFIX.iter().map(|s| (*s).to_owned()).chain(args.iter().cloned()).collect();
        reel_core::args::shell_line(&self.ffmpeg.to_string_lossy(), &all)
    }

    /// Runs a method's steps in order.
    pub fn execute(&self, steps: &[Step]) -> Result<(), String> {
        for step in steps {
            match step {
                Step::Write { path, contents } => {
                    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
                Step::CopyBytes { from, to } => {
                    std::fs::copy(from, to).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
                }
                Step::Ffmpeg(args) => self.ffmpeg(args)?,
            }
        }
        Ok(())
    }

    /// Runs `reel ARGS…` and returns its stdout.
    pub fn reel(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        run(Command::new(&self.reel).args(args))
    }

    /// `reel export TIMELINE -o OUT --overwrite --json --progress none FLAGS…`, with
    /// environment variables `env` set.
    pub fn reel_export_with(
        &self,
        timeline: &Path,
        output: &Path,
        flags: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Result<Vec<u8>, String> {
        let (timeline, output) = (timeline.display().to_string(), output.display().to_string());
        let mut args = vec!["export", &timeline, "-o", &output, "--overwrite", "--json", "--progress", "none"];
        args.extend_from_slice(flags);
        let mut cmd = Command::new(&self.reel);
        cmd.args(&args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        run(&mut cmd)
    }

    /// `reel plan TIMELINE --json FLAGS…`.
    pub fn reel_plan_with(&self, timeline: &Path, flags: &[&str]) -> Result<Vec<u8>, String> {
        let timeline = timeline.display().to_string();
        let mut args = vec!["plan", &timeline, "--json"];
        args.extend_from_slice(flags);
        self.reel(&args)
    }

    /// A file's duration (the container's) and number of video frames (packets counted,
    /// nothing decoded).
    pub fn duration_and_frames(&self, path: &Path) -> Result<(f64, u64), String> {
        let out = run(Command::new(&self.ffprobe)
            .args([
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-count_packets",
                "-show_entries",
                "stream=nb_read_packets:format=duration",
                "-of",
                "json",
            ])
            .arg(path))?;
        let v: serde_json::Value =
            serde_json::from_slice(&out).map_err(|e| format!("ffprobe printed something that is not JSON for {}: {e}", path.display()))?;
        let number = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
        let duration = number(&v["format"]["duration"]).ok_or(format!("ffprobe gives no duration for {}", path.display()))?;
        let frames = number(&v["streams"][0]["nb_read_packets"]).ok_or(format!("ffprobe counts no video frames in {}", path.display()))?;
        Ok((duration, frames as u64))
    }
}

pub fn parse_report(stdout: &[u8]) -> Result<ExportReport, String> {
    serde_json::from_slice(stdout).map_err(|e| format!("`reel export --json` printed no export report: {e}"))
}

pub fn parse_plan(stdout: &[u8]) -> Result<Plan, String> {
    serde_json::from_slice(stdout).map_err(|e| format!("`reel plan --json` printed no plan: {e}"))
}

/// One timed run: wall seconds; CPU seconds (user + system) spent on it by the processes
/// it ran and waited for (their children included) and by the bench itself (a byte copy
/// runs in the bench); and the CPU the rest of the machine used meanwhile, in cores, where
/// the platform tells (other work slows a method down without showing in its CPU time).
#[derive(Debug, Clone, PartialEq)]
pub struct Measured<T> {
    pub value: T,
    pub wall: f64,
    pub cpu: f64,
    pub others: Option<f64>,
}

impl<T> Measured<T> {
    /// The same measurement holding another value.
    pub fn with<U>(&self, value: U) -> Measured<U> {
        Measured { value, wall: self.wall, cpu: self.cpu, others: self.others }
    }
}

pub fn measure<T>(f: impl FnOnce() -> Result<T, String>) -> Result<Measured<T>, String> {
    let (cpu, busy) = (cpu_seconds(), machine_busy_seconds());
    let started = Instant::now();
    let value = f()?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let others = busy.zip(machine_busy_seconds()).map(|(a, b)| ((b - a - cpu) / wall).max(0.0));
    Ok(Measured { value, wall, cpu, others })
}

/// CPU seconds every process on the machine has used since boot (Linux `/proc/stat`,
/// counted in 1/100 s).
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<f64> = stat.lines().next()?.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0.0)).collect();
    // user nice system idle iowait irq softirq steal …: all but idle and iowait are busy.
    let busy: f64 = fields.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum();
    Some(busy / 100.0)
}

/// CPU seconds of this process and of every child waited for so far (0 where the
/// platform does not tell).
fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        use nix::sys::resource::{getrusage, UsageWho};
        let of = |who| {
            getrusage(who).map_or(0.0, |u| {
                let (a, b) = (u.user_time(), u.system_time());
                a.tv_sec() as f64 + b.tv_sec() as f64 + (a.tv_usec() as f64 + b.tv_usec() as f64) / 1e6
            })
        };
        of(UsageWho::RUSAGE_SELF) + of(UsageWho::RUSAGE_CHILDREN)
    }
    #[cfg(not(unix))]
    {
        0.0
    }
}
