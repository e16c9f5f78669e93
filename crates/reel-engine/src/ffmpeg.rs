//! Finding ffmpeg and ffprobe, and running them for short queries.
//!
//! Search order: an explicit path (`--ffmpeg`), the `REEL_FFMPEG` / `REEL_FFPROBE`
//! variables, a binary beside reel's own executable (how an Electron app bundles ffmpeg in
//! its resources), then `PATH`.

use reel_core::args::shell_line;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where a binary was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    Flag,
    Environment,
    BesideReel,
    Path,
}

/// The ffmpeg and ffprobe reel uses.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffmpeg_found: Found,
    pub ffprobe: PathBuf,
    pub ffprobe_found: Found,
}

/// ffmpeg or ffprobe could not be found.
#[derive(Debug, thiserror::Error)]
#[error("{what} was not found ({looked}). reel needs ffmpeg and ffprobe 5.1 or newer. Install them: Debian/Ubuntu `sudo apt-get install ffmpeg`, Fedora `sudo dnf install ffmpeg`, macOS `brew install ffmpeg`, Windows `winget install ffmpeg`; or point reel at them with --ffmpeg PATH / REEL_FFMPEG and REEL_FFPROBE")]
pub struct NotFound {
    pub what: &'static str,
    pub looked: String,
}

/// A short ffmpeg/ffprobe query failed.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("could not start `{command}`: {source}")]
    Spawn { command: String, source: std::io::Error },
    #[error("`{command}` did not finish within {seconds} s and was stopped")]
    Timeout { command: String, seconds: u64 },
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed { command: String, status: String, stderr: String },
}

fn exe_name(name: &str) -> String {
    if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(exe_name(name))).find(|p| p.is_file())
}

fn find(name: &'static str, explicit: Option<&Path>, env: &str, partner: Option<&Path>) -> Result<(PathBuf, Found), NotFound> {
    let mut looked = Vec::new();
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok((p.to_owned(), Found::Flag));
        }
        return Err(NotFound { what: name, looked: format!("the path given on the command line, {}, is not a file", p.display()) });
    }
    if let Some(p) = std::env::var_os(env).filter(|v| !v.is_empty()).map(PathBuf::from) {
        if p.is_file() {
            return Ok((p, Found::Environment));
        }
        return Err(NotFound { what: name, looked: format!("{env} is set to {}, which is not a file", p.display()) });
    }
    looked.push(format!("{env} is not set"));
    let beside = partner.and_then(Path::parent).map(Path::to_owned).into_iter().chain(std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned)));
    for dir in beside {
        let candidate = dir.join(exe_name(name));
        if candidate.is_file() {
            return Ok((candidate, Found::BesideReel));
        }
        looked.push(format!("not in {}", dir.display()));
    }
    if let Some(p) = on_path(name) {
        return Ok((p, Found::Path));
    }
    looked.push("not on PATH".to_owned());
    Err(NotFound { what: name, looked: looked.join(", ") })
}

impl Tools {
    /// Finds ffmpeg and ffprobe (ffprobe is looked for beside the ffmpeg found, too).
    pub fn find(ffmpeg: Option<&Path>, ffprobe: Option<&Path>) -> Result<Self, NotFound> {
        let (ffmpeg, ffmpeg_found) = find("ffmpeg", ffmpeg, "REEL_FFMPEG", None)?;
        let (ffprobe, ffprobe_found) = find("ffprobe", ffprobe, "REEL_FFPROBE", Some(&ffmpeg))?;
        Ok(Self { ffmpeg, ffmpeg_found, ffprobe, ffprobe_found })
    }
}

impl Found {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "--ffmpeg/--ffprobe flag",
            Self::Environment => "REEL_FFMPEG/REEL_FFPROBE",
            Self::BesideReel => "beside ffmpeg or reel",
            Self::Path => "PATH",
        }
    }
}

/// The one line of ffmpeg's stderr that says why it failed: the first error that is not
/// one of ffmpeg's generic follow-ups, without the `[name @ 0x…]` prefix.
pub fn first_reason(stderr: &str) -> String {
    let generic = ["Error initializing output stream", "Conversion failed", "frames left in the queue", "Error parsing global options", "Failed to set value"];
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !generic.iter().any(|g| l.contains(g)))
        .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no reason given");
    match (line.starts_with('['), line.find("] ")) {
        (true, Some(end)) => line[end + 2..].to_owned(),
        _ => line.to_owned(),
    }
}

/// The last meaningful lines of ffmpeg's stderr (blank lines and repeats dropped).
pub fn stderr_tail(stderr: &str, lines: usize) -> String {
    let mut kept: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("Last message repeated")).collect();
    kept.dedup();
    let start = kept.len().saturating_sub(lines);
    kept[start..].join(" | ")
}

/// Runs a program to completion with a time limit, returning its stdout.
pub fn run_capture(program: &Path, args: &[String], timeout: Duration) -> Result<String, ToolError> {
    let command = shell_line(&program.to_string_lossy(), args);
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ToolError::Spawn { command: command.clone(), source })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|source| ToolError::Spawn { command: command.clone(), source })? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ToolError::Timeout { command, seconds: timeout.as_secs() });
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if status.success() {
        Ok(out)
    } else {
        Err(ToolError::Failed { command, status: status.to_string(), stderr: stderr_tail(&err, 6) })
    }
}
