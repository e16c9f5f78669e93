//! Finding ffmpeg and ffprobe, and running them for short queries.
//!
//! # Discovery
//! Each binary is looked for in this order, and [`Found`] records which step found it:
//! 1. an explicit path (`--ffmpeg PATH` / `--ffprobe PATH`); a bare name such as
//!    `ffmpeg7` is looked up on `PATH`, as a shell would;
//! 2. the `REEL_FFMPEG` / `REEL_FFPROBE` environment variables (same rules);
//! 3. for ffprobe only: beside the ffmpeg found in steps 1-4;
//! 4. beside reel's own executable (how an Electron app bundles ffmpeg in its resources);
//! 5. `PATH`.
//!
//! An explicit path or variable that names nothing usable is an error, not a reason to
//! look further: the user asked for that binary.
//!
//! Every path found is made absolute here, once: jobs run ffmpeg from their own work
//! folder, where a relative `--ffmpeg node_modules/…/ffmpeg` would name nothing.
//!
//! # Running
//! [`run_command`] runs an argument vector (never a shell line) with a time limit,
//! capturing stdout and stderr. Its errors carry the shell-escaped command and the last
//! meaningful lines of stderr, so a failure can be reproduced by pasting the command.

use crate::error::ToolError;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How to install ffmpeg, appended to every "not found" message.
pub const INSTALL_HINTS: &str = "Install ffmpeg 5.1 or newer (it includes ffprobe): Debian/Ubuntu `sudo apt-get install ffmpeg`, Fedora `sudo dnf install ffmpeg`, macOS `brew install ffmpeg`, Windows `winget install ffmpeg`; or point reel at existing binaries with --ffmpeg PATH (or REEL_FFMPEG) and --ffprobe PATH (or REEL_FFPROBE).";

/// How many meaningful stderr lines an error keeps.
pub const STDERR_TAIL_LINES: usize = 10;

/// Which discovery step found a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    /// `--ffmpeg` / `--ffprobe`.
    Flag,
    /// `REEL_FFMPEG` / `REEL_FFPROBE`.
    Environment,
    /// ffprobe in the same folder as the ffmpeg that was found.
    BesideFfmpeg,
    /// In the folder of reel's own executable.
    BesideReel,
    /// On `PATH`.
    Path,
}

impl Found {
    /// A short phrase for tables: "found via {phrase}".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Flag => "the command-line flag",
            Self::Environment => "the environment variable",
            Self::BesideFfmpeg => "the folder of ffmpeg",
            Self::BesideReel => "the folder of reel's executable",
            Self::Path => "PATH",
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The ffmpeg and ffprobe reel uses, and how each was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffmpeg_found: Found,
    pub ffprobe: PathBuf,
    pub ffprobe_found: Found,
}

/// ffmpeg or ffprobe could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    /// Nothing usable in any of the places looked at.
    #[error("{tool} was not found ({looked}). {INSTALL_HINTS}")]
    NotFound { tool: &'static str, looked: String },
    /// An explicit path or variable names something that cannot be run.
    #[error("{tool} from {given} cannot be used: {path} {problem}. Fix the path, or leave it unset to let reel search. {INSTALL_HINTS}")]
    Unusable { tool: &'static str, given: String, path: String, problem: &'static str },
}

/// What discovery looks at; [`Lookup::from_process`] reads the real environment, tests
/// build their own.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// `--ffmpeg`.
    pub ffmpeg_flag: Option<PathBuf>,
    /// `--ffprobe`.
    pub ffprobe_flag: Option<PathBuf>,
    /// `REEL_FFMPEG`.
    pub ffmpeg_env: Option<OsString>,
    /// `REEL_FFPROBE`.
    pub ffprobe_env: Option<OsString>,
    /// The folder of reel's executable.
    pub exe_dir: Option<PathBuf>,
    /// `PATH`.
    pub path: Option<OsString>,
}

impl Lookup {
    /// The flags given, with the process's environment and executable folder.
    pub fn from_process(ffmpeg_flag: Option<&Path>, ffprobe_flag: Option<&Path>) -> Self {
        Self {
            ffmpeg_flag: ffmpeg_flag.map(Path::to_owned),
            ffprobe_flag: ffprobe_flag.map(Path::to_owned),
            ffmpeg_env: std::env::var_os("REEL_FFMPEG"),
            ffprobe_env: std::env::var_os("REEL_FFPROBE"),
            exe_dir: std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned)),
            path: std::env::var_os("PATH"),
        }
    }
}

fn exe_name(name: &str) -> String {
    if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    }
}

/// Why `path` cannot be run, or `None` when it looks runnable.
fn unusable(path: &Path) -> Option<&'static str> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Some("does not exist");
    };
    if meta.is_dir() {
        return Some("is a folder, not a program");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return Some("is not executable (chmod +x it)");
        }
    }
    None
}

fn on_path(name: &str, path: Option<&OsString>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path).filter(|d| !d.as_os_str().is_empty()).map(|d| d.join(exe_name(name))).find(|p| unusable(p).is_none())
}

/// Resolves an explicit choice: a path, or a bare program name looked up on `PATH`.
fn explicit(tool: &'static str, given: &str, value: &Path, path_var: Option<&OsString>) -> Result<PathBuf, FindError> {
    let bare = value.components().count() == 1 && !value.is_absolute() && !value.as_os_str().to_string_lossy().contains(['/', '\\']);
    if bare {
        if let Some(found) = on_path(&value.to_string_lossy(), path_var) {
            return Ok(found);
        }
    }
    match unusable(value) {
        None => Ok(value.to_owned()),
        Some(problem) => {
            let problem = if bare && problem == "does not exist" { "is not a file and is not on PATH" } else { problem };
            Err(FindError::Unusable { tool, given: given.to_owned(), path: value.display().to_string(), problem })
        }
    }
}

fn find_one(
    tool: &'static str,
    flag: Option<&Path>,
    flag_name: &str,
    env: Option<&OsString>,
    env_name: &str,
    partner: Option<&Path>,
    lookup: &Lookup,
) -> Result<(PathBuf, Found), FindError> {
    if let Some(p) = flag {
        return explicit(tool, flag_name, p, lookup.path.as_ref()).map(|p| (p, Found::Flag));
    }
    let mut looked = Vec::new();
    match env.filter(|v| !v.is_empty()) {
        Some(v) => return explicit(tool, env_name, Path::new(v), lookup.path.as_ref()).map(|p| (p, Found::Environment)),
        None => looked.push(format!("{env_name} is not set")),
    }
    let beside = [(partner.and_then(Path::parent), Found::BesideFfmpeg), (lookup.exe_dir.as_deref(), Found::BesideReel)];
    for (dir, found) in beside {
        let Some(dir) = dir else { continue };
        let candidate = dir.join(exe_name(tool));
        if unusable(&candidate).is_none() {
            return Ok((candidate, found));
        }
        let place = format!("not in {}", dir.display());
        if !looked.contains(&place) {
            looked.push(place);
        }
    }
    if let Some(p) = on_path(tool, lookup.path.as_ref()) {
        return Ok((p, Found::Path));
    }
    looked.push("not on PATH".to_owned());
    Err(FindError::NotFound { tool, looked: looked.join(", ") })
}

impl Tools {
    /// Finds ffmpeg and ffprobe for these flags in the real environment.
    pub fn find(ffmpeg: Option<&Path>, ffprobe: Option<&Path>) -> Result<Self, FindError> {
        Self::find_in(&Lookup::from_process(ffmpeg, ffprobe))
    }

    /// Finds ffmpeg, then ffprobe (also beside that ffmpeg), as the module describes.
    pub fn find_in(lookup: &Lookup) -> Result<Self, FindError> {
        let (ffmpeg, ffmpeg_found) =
            find_one("ffmpeg", lookup.ffmpeg_flag.as_deref(), "--ffmpeg", lookup.ffmpeg_env.as_ref(), "REEL_FFMPEG", None, lookup)?;
        let (ffprobe, ffprobe_found) = find_one(
            "ffprobe",
            lookup.ffprobe_flag.as_deref(),
            "--ffprobe",
            lookup.ffprobe_env.as_ref(),
            "REEL_FFPROBE",
            Some(&ffmpeg),
            lookup,
        )?;
        let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
        Ok(Self { ffmpeg: absolute(ffmpeg), ffmpeg_found, ffprobe: absolute(ffprobe), ffprobe_found })
    }
}

// ---------------------------------------------------------------------------------------
// Running.
// ---------------------------------------------------------------------------------------

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// When on, [`run_command`] prints each command to stderr before running it (`reel -v`).
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// Whether [`set_verbose`] turned command echoing on.
pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// What a finished command printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
}

/// ffmpeg's lines that only repeat that something failed, never why.
const GENERIC: &[&str] = &[
    "Error initializing output stream",
    "Error while opening encoder",
    "Could not open encoder before EOF",
    "Conversion failed",
    "Device creation failed",
    "Failed to set value",
    "Error parsing global options",
    "Error splitting the argument list",
    "Error opening output file",
    "Error opening output files",
    "Nothing was written into output file",
    "Exiting normally",
    "Terminating thread",
    "Task finished with error code",
    // The AAC encoder closing early because the video encoder failed to open.
    "frames left in the queue on closing",
    // ffmpeg 6 and 7: one thread telling the next that it failed.
    "Error sending frames to consumers",
    "Error marking filters as finished",
    "Error while filtering",
];

/// Warnings ffmpeg prints in working exports too: never the reason a run failed, though
/// they may come first or last.
const NOISE: &[&str] = &[
    "Thread message queue blocking",
    "Guessed Channel Layout",
    "deprecated pixel format used",
    "No accelerated colorspace conversion found",
    "Starting second pass: moving the moov atom",
    "frames duplicated",
];

/// Drops the `[h264_nvenc @ 0x55d…] ` prefix ffmpeg puts before a component's messages.
pub fn strip_component(line: &str) -> &str {
    let line = line.trim();
    if line.starts_with('[') {
        if let Some(end) = line.find("] ") {
            if line[..end].contains(" @ ") {
                return line[end + 2..].trim_start();
            }
        }
    }
    line
}

/// The stderr lines worth showing: blank lines, "Last message repeated" and repeats dropped.
pub fn meaningful_lines(stderr: &str) -> Vec<&str> {
    let mut kept: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("Last message repeated")).collect();
    kept.dedup();
    kept
}

/// The last `lines` meaningful lines of stderr, joined with ` | ` (one line for messages).
pub fn stderr_tail(stderr: &str, lines: usize) -> String {
    let kept = meaningful_lines(stderr);
    kept[kept.len().saturating_sub(lines)..].join(" | ")
}

/// The line of ffmpeg's stderr that says why it failed: the last meaningful line that is
/// neither one of ffmpeg's generic follow-ups ("Conversion failed!", "Error sending frames
/// to consumers") nor a warning that working runs print too ("Thread message queue
/// blocking"), without the `[component @ 0x…]` prefix. When the line before it came from
/// the same component, both are given: ffmpeg often states a cause and its consequence
/// ("OpenEncodeSessionEx failed: unsupported device (2)", "No capable devices found").
/// Lines may be separated by newlines or ` | `.
pub fn failure_reason(stderr: &str) -> String {
    let normalised = stderr.replace(" | ", "\n");
    let lines = meaningful_lines(&normalised);
    let is_noise = |l: &&str| NOISE.iter().any(|n| l.contains(n));
    let specific: Vec<&str> = lines.iter().copied().filter(|l| !is_noise(l) && !GENERIC.iter().any(|g| l.contains(g))).collect();
    let Some((last, before)) = specific.split_last() else {
        let fallback = lines.iter().rev().find(|l| !is_noise(l)).or_else(|| lines.last());
        return fallback.map_or("ffmpeg gave no reason", |l| strip_component(l)).to_owned();
    };
    match before.last() {
        Some(previous) if component(previous).is_some() && component(previous) == component(last) => {
            format!("{}; {}", strip_component(previous), strip_component(last))
        }
        _ => strip_component(last).to_owned(),
    }
}

/// What ffmpeg complained about in a run that exited 0 (it does after failing to write
/// the trailer): the line [`failure_reason`] picks, when anything but the warnings that
/// working runs print too was said.
pub fn complaint(stderr: &str) -> Option<String> {
    let normalised = stderr.replace(" | ", "\n");
    meaningful_lines(&normalised).iter().any(|l| !NOISE.iter().any(|n| l.contains(n))).then(|| failure_reason(stderr))
}

/// `h264_nvenc` of `[h264_nvenc @ 0x55d…] …`.
fn component(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix('[')?;
    let (name, _) = inner.split_once(" @ ")?;
    (!name.contains(']')).then_some(name)
}

pub use self::failure_reason as first_reason;

/// Runs `program` with `args` through the process runner ([`crate::process`]), killing it
/// after `timeout`. A non-zero exit is [`ToolError::Failed`] with the command and stderr's
/// tail.
pub fn run_command(program: &Path, args: &[String], timeout: Duration) -> Result<Captured, ToolError> {
    let (stdout, stderr) = run_reading(program, args, timeout, |out| {
        let mut bytes = Vec::new();
        // A read error only shortens what is shown.
        let _ = out.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })?;
    Ok(Captured { stdout: stdout.unwrap_or_default(), stderr })
}

/// [`run_command`], handing stdout to `read` as it is written instead of collecting it, so
/// a long listing (ffprobe's packets) is never held whole in memory. `read` runs on its
/// own thread; whatever it leaves unread is drained. Returns what `read` returned (`None`
/// when it did not finish in time after the program ended) and stderr.
pub fn run_reading<T: Send + 'static>(
    program: &Path,
    args: &[String],
    timeout: Duration,
    read: impl FnOnce(&mut dyn Read) -> T + Send + 'static,
) -> Result<(Option<T>, String), ToolError> {
    let spec = crate::process::Spec { timeout: Some(timeout), ..crate::process::Spec::new(program, args) };
    let done = crate::process::run(&spec, read, &mut || {}).map_err(|e| ToolError::Spawn {
        program: e.program,
        command: e.command,
        reason: e.reason,
    })?;
    let command = done.command;
    match done.ended {
        crate::process::Ended::Exited(status) if status.success() => Ok((done.stdout, done.stderr.text)),
        crate::process::Ended::TimedOut => {
            Err(ToolError::Timeout { command, seconds: timeout.as_secs_f64(), stderr: done.stderr.last(STDERR_TAIL_LINES) })
        }
        ended => Err(ToolError::Failed {
            command,
            status: ended.describe(),
            stderr: done.stderr.last(STDERR_TAIL_LINES),
            full_stderr: done.stderr.text,
        }),
    }
}

/// [`run_command`], returning stdout only.
pub fn run_capture(program: &Path, args: &[String], timeout: Duration) -> Result<String, ToolError> {
    run_command(program, args, timeout).map(|c| c.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reason_is_the_last_specific_line() {
        let nvenc = "[h264_nvenc @ 0x55d7] Cannot load libcuda.so.1\nError initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height\nConversion failed!\n";
        assert_eq!(failure_reason(nvenc), "Cannot load libcuda.so.1");
        let vaapi = "[AVHWDeviceContext @ 0x5573a0d15a80] No VA display found for device /dev/dri/renderD128.\nDevice creation failed: -22.\nFailed to set value '/dev/dri/renderD128' for option 'vaapi_device': Invalid argument\nError parsing global options: Invalid argument\n";
        assert_eq!(failure_reason(vaapi), "No VA display found for device /dev/dri/renderD128.");
        assert_eq!(failure_reason("a | [x @ 0x1] b | Conversion failed!"), "b");
        assert_eq!(failure_reason("Conversion failed!"), "Conversion failed!");
        assert_eq!(failure_reason("\n\n"), "ffmpeg gave no reason");
        assert_eq!(strip_component("[in#0 ] not a component"), "[in#0 ] not a component");
    }

    #[test]
    fn failure_reason_skips_warnings_and_ffmpeg_7_trailers() {
        // ffmpeg 7 with NVENC on a GPU without an NVENC engine (an H100).
        let h100 = "[h264_nvenc @ 0x5581d7f0a580] OpenEncodeSessionEx failed: unsupported device (2): (no details)\n\
            [h264_nvenc @ 0x5581d7f0a580] No capable devices found\n\
            [vost#0:0/h264_nvenc @ 0x5581d7f09b80] Error while opening encoder - maybe incorrect parameters such as bit_rate, rate, width or height.\n\
            [vf#0:0 @ 0x5581d7f0b1c0] Error sending frames to consumers: Generic error in an external library\n\
            [vf#0:0 @ 0x5581d7f0b1c0] Task finished with error code: -542398533 (Generic error in an external library)\n\
            [vf#0:0 @ 0x5581d7f0b1c0] Terminating thread with return code -542398533 (Generic error in an external library)\n\
            [vost#0:0/h264_nvenc @ 0x5581d7f09b80] Could not open encoder before EOF\n\
            [vost#0:0/h264_nvenc @ 0x5581d7f09b80] Task finished with error code: -22 (Invalid argument)\n\
            [vost#0:0/h264_nvenc @ 0x5581d7f09b80] Terminating thread with return code -22 (Invalid argument)\n\
            [out#0/null @ 0x5581d7f0a100] Nothing was written into output file, because at least one of its streams received no packets.\n\
            Conversion failed!\n";
        assert_eq!(failure_reason(h100), "OpenEncodeSessionEx failed: unsupported device (2): (no details); No capable devices found");
        // A warning first and last, the reason between.
        let queue = "[image2 @ 0x1] Thread message queue blocking; consider raising the thread_queue_size option (current value: 8)\n\
            [mp4 @ 0x2] Error writing trailer: No space left on device\n[image2 @ 0x1] Thread message queue blocking; consider raising the thread_queue_size option\n";
        assert_eq!(failure_reason(queue), "Error writing trailer: No space left on device");
        let queue = "[image2 @ 0x1] Thread message queue blocking; consider raising the thread_queue_size option (current value: 8)\nError writing trailer of file:output.mp4: File too large\nError closing file file:output.mp4: File too large\n";
        assert_eq!(failure_reason(queue), "Error closing file file:output.mp4: File too large");
        assert_eq!(
            failure_reason("[image2 @ 0x1] Thread message queue blocking; consider raising it"),
            "Thread message queue blocking; consider raising it"
        );
        assert_eq!(complaint("[image2 @ 0x1] Thread message queue blocking; consider raising it\n\n"), None);
        assert_eq!(
            complaint("Error writing trailer of file:x.mp4: File too large\n").as_deref(),
            Some("Error writing trailer of file:x.mp4: File too large")
        );
    }

    #[test]
    fn stderr_tail_keeps_the_last_meaningful_lines() {
        let text = "one\n\ntwo\ntwo\nLast message repeated 3 times\nthree\n";
        assert_eq!(stderr_tail(text, 2), "two | three");
        assert_eq!(stderr_tail(text, 10), "one | two | three");
        assert_eq!(stderr_tail("", 10), "");
    }

    #[cfg(unix)]
    #[test]
    fn run_command_captures_fails_and_times_out() {
        let sh = Path::new("/bin/sh");
        let ok = run_command(sh, &["-c".into(), "echo out; echo err >&2".into()], Duration::from_secs(10)).unwrap();
        assert_eq!((ok.stdout.as_str(), ok.stderr.as_str()), ("out\n", "err\n"));
        let failed = run_command(sh, &["-c".into(), "echo first >&2; echo 'why it failed' >&2; exit 3".into()], Duration::from_secs(10))
            .unwrap_err();
        let message = failed.to_string();
        assert!(message.contains("/bin/sh -c 'echo first"), "{message}");
        assert!(message.contains("exit code 3") && message.contains("first | why it failed"), "{message}");
        let slow = run_command(sh, &["-c".into(), "sleep 5".into()], Duration::from_millis(200)).unwrap_err();
        assert!(matches!(slow, ToolError::Timeout { .. }), "{slow}");
        let missing = run_command(Path::new("/nonexistent/tool"), &[], Duration::from_secs(1)).unwrap_err();
        assert!(matches!(missing, ToolError::Spawn { .. }), "{missing}");
    }

    #[cfg(unix)]
    fn fake_bin(dir: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[cfg(unix)]
    #[test]
    fn discovery_order() {
        let tmp = tempfile::tempdir().unwrap();
        let flag_dir = tmp.path().join("flag");
        let env_dir = tmp.path().join("env");
        let exe_dir = tmp.path().join("app");
        let path_dir = tmp.path().join("bin");
        for dir in [&env_dir, &exe_dir, &path_dir] {
            fake_bin(dir, "ffmpeg");
            fake_bin(dir, "ffprobe");
        }
        let flag_ffmpeg = fake_bin(&flag_dir, "ffmpeg");
        let full = Lookup {
            ffmpeg_flag: Some(flag_ffmpeg.clone()),
            ffprobe_flag: None,
            ffmpeg_env: Some(env_dir.join("ffmpeg").into()),
            ffprobe_env: None,
            exe_dir: Some(exe_dir.clone()),
            path: Some(path_dir.clone().into()),
        };
        // The flag wins; ffprobe is not beside it, so the next step (beside reel) is used.
        let t = Tools::find_in(&full).unwrap();
        assert_eq!((t.ffmpeg.clone(), t.ffmpeg_found), (flag_ffmpeg.clone(), Found::Flag));
        assert_eq!((t.ffprobe.clone(), t.ffprobe_found), (exe_dir.join("ffprobe"), Found::BesideReel));
        // ffprobe beside the ffmpeg given.
        let probe_beside = fake_bin(&flag_dir, "ffprobe");
        let t = Tools::find_in(&full).unwrap();
        assert_eq!((t.ffprobe, t.ffprobe_found), (probe_beside, Found::BesideFfmpeg));
        // The variable, then beside reel, then PATH.
        let env = Lookup { ffmpeg_flag: None, ..full.clone() };
        assert_eq!(Tools::find_in(&env).unwrap().ffmpeg_found, Found::Environment);
        let exe = Lookup { ffmpeg_env: None, ..env.clone() };
        assert_eq!(Tools::find_in(&exe).unwrap().ffmpeg, exe_dir.join("ffmpeg"));
        let path = Lookup { exe_dir: None, ..exe.clone() };
        let t = Tools::find_in(&path).unwrap();
        assert_eq!((t.ffmpeg_found, t.ffprobe_found), (Found::Path, Found::BesideFfmpeg));
        // A bare name given by flag is looked up on PATH.
        let named = Lookup { ffmpeg_flag: Some("ffmpeg".into()), ..path.clone() };
        assert_eq!(Tools::find_in(&named).unwrap().ffmpeg, path_dir.join("ffmpeg"));
        // Nothing anywhere.
        let none = Lookup::default();
        let e = Tools::find_in(&none).unwrap_err().to_string();
        assert!(e.starts_with("ffmpeg was not found (REEL_FFMPEG is not set, not on PATH)"), "{e}");
        assert!(
            e.contains("sudo apt-get install ffmpeg") && e.contains("brew install ffmpeg") && e.contains("winget install ffmpeg"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn explicit_choices_that_cannot_run_are_errors() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path_dir = tmp.path().join("bin");
        fake_bin(&path_dir, "ffmpeg");
        let base = Lookup { path: Some(path_dir.into()), ..Lookup::default() };
        let missing = Lookup { ffmpeg_flag: Some("/nonexistent/ffmpeg".into()), ..base.clone() };
        let e = Tools::find_in(&missing).unwrap_err().to_string();
        assert!(e.starts_with("ffmpeg from --ffmpeg cannot be used: /nonexistent/ffmpeg does not exist."), "{e}");
        assert!(e.contains("sudo dnf install ffmpeg"), "{e}");
        let folder = Lookup { ffmpeg_env: Some(tmp.path().as_os_str().to_owned()), ..base.clone() };
        assert!(Tools::find_in(&folder).unwrap_err().to_string().contains("from REEL_FFMPEG cannot be used"));
        let plain = tmp.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        let not_exec = Lookup { ffmpeg_flag: Some(plain), ..base.clone() };
        assert!(Tools::find_in(&not_exec).unwrap_err().to_string().contains("is not executable"));
        // An empty variable counts as unset.
        let empty = Lookup { ffmpeg_env: Some(OsString::new()), ..base };
        assert_eq!(
            Tools::find_in(&empty).unwrap_err(),
            FindError::NotFound {
                tool: "ffprobe",
                looked: "REEL_FFPROBE is not set, not in ".to_owned() + &tmp.path().join("bin").display().to_string() + ", not on PATH"
            }
        );
    }
}
