//! A small builder for tests that run the real `reel` binary, shared by every test file.
//!
//! [`Env`] is a temporary folder with its own doctor cache: write files and timelines into
//! it, link or copy media into it, set environment variables, then run `reel` there and
//! look at the result. Paths in output are redacted (`[DIR]`, `[CACHE]`) for snapshots.
//!
//! ```ignore
//! let env = Env::new();
//! env.link_media("a.mp4", &reel_testkit::fixture(Fixture::Small30));
//! env.write_timeline(r#"{"reel":1,"video":[{"source":"a.mp4","out":9}]}"#);
//! let run = env.reel(&["check", "timeline.json"]).code(3);
//! insta::assert_snapshot!(run.stderr());
//! ```
//!
//! Below the builder: an independent model of timeline v1's timing rule and assertions on
//! exported files, for the export tests.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// How long one `reel` run may take in a test before it is killed and the test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_mins(10);

/// A temporary folder to run `reel` in.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub cache: tempfile::TempDir,
    vars: Vec<(OsString, Option<OsString>)>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir"), cache: tempfile::tempdir().expect("tempdir"), vars: Vec::new() }
    }

    /// Sets an environment variable for every run (builder style).
    #[must_use]
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.set_env(key, value);
        self
    }

    /// Sets an environment variable for every later run.
    pub fn set_env(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> &mut Self {
        self.vars.push((key.into(), Some(value.into())));
        self
    }

    /// Removes an environment variable for every later run.
    pub fn remove_env(&mut self, key: impl Into<OsString>) -> &mut Self {
        self.vars.push((key.into(), None));
        self
    }

    /// The folder's path joined with `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file (creating folders), returning its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Same as [`Env::write`].
    pub fn write_file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.write(name, contents)
    }

    /// Creates a folder (and its parents).
    pub fn mkdir(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::create_dir_all(&p).expect("mkdir");
        p
    }

    /// Makes `media` available in the folder as `name` (a symlink).
    pub fn media(&self, name: &str, media: &Path) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::os::unix::fs::symlink(media, &p).expect("symlink");
        p
    }

    /// Same as [`Env::media`].
    pub fn link_media(&self, name: &str, media: &Path) -> PathBuf {
        self.media(name, media)
    }

    /// Copies `media` into the folder as `name` (for tests that change or cut it).
    pub fn copy_media(&self, name: &str, media: &Path) -> PathBuf {
        self.write(name, std::fs::read(media).expect("read media"))
    }

    /// Writes `timeline.json`.
    pub fn timeline(&self, json: &str) -> PathBuf {
        self.write("timeline.json", json)
    }

    /// Same as [`Env::timeline`].
    pub fn write_timeline(&self, json: &str) -> PathBuf {
        self.timeline(json)
    }

    /// The settings folder `reel` runs with (`REEL_CONFIG_DIR`): empty unless a test
    /// writes `settings.toml` into it.
    pub fn config_dir(&self) -> PathBuf {
        self.cache.path().join("config")
    }

    /// The data folder `reel` runs with (`REEL_DATA_DIR`), where the export log goes.
    pub fn data_dir(&self) -> PathBuf {
        self.cache.path().join("data")
    }

    /// `reel` in the folder, with its own doctor cache, settings and data folders, no
    /// `REEL_FFMPEG`/`REEL_FFPROBE` from the outside, and the variables set on this `Env`,
    /// as a plain process to spawn (for tests that signal it while it runs).
    pub fn std_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("reel"));
        c.current_dir(self.dir.path())
            .env("REEL_CACHE_DIR", self.cache.path())
            .env("REEL_CONFIG_DIR", self.config_dir())
            .env("REEL_DATA_DIR", self.data_dir())
            .env_remove("REEL_FFMPEG")
            .env_remove("REEL_FFPROBE");
        for (key, value) in &self.vars {
            match value {
                Some(v) => c.env(key, v),
                None => c.env_remove(key),
            };
        }
        c
    }

    /// [`Env::std_command`] with a time limit, for runs that are waited for.
    pub fn command(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::from_std(self.std_command());
        c.timeout(RUN_TIMEOUT);
        c
    }

    /// The exports in this folder's export log, oldest first.
    pub fn logged(&self) -> Vec<reel_engine::export_log::Entry> {
        reel_engine::export_log::read(&self.data_dir().join(reel_engine::export_log::FILE_NAME), None).expect("readable export log")
    }

    /// Runs `reel ARGS` in the folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run reel")
    }

    /// Runs `reel ARGS` in the folder, for the checks on [`Run`].
    pub fn reel(&self, args: &[&str]) -> Run {
        let out = self.run(args);
        Run { args: args.iter().map(|a| (*a).to_owned()).collect(), redact: self.redactions(), out }
    }

    fn redactions(&self) -> Vec<(String, &'static str)> {
        let mut r = Vec::new();
        for (path, label) in [(self.dir.path(), "[DIR]"), (self.cache.path(), "[CACHE]")] {
            if let Ok(canonical) = path.canonicalize() {
                r.push((canonical.display().to_string(), label));
            }
            r.push((path.display().to_string(), label));
        }
        // Longest first, so a path is never half replaced.
        r.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        r
    }

    /// `text` with this folder's and the cache's paths replaced by `[DIR]` and `[CACHE]`.
    pub fn redact(&self, text: &str) -> String {
        redact_with(&self.redactions(), text)
    }

    /// stderr with the temporary folder's path replaced by `[DIR]`, for snapshots.
    pub fn stderr(&self, out: &Output) -> String {
        self.redact(&String::from_utf8_lossy(&out.stderr))
    }

    /// Exports the timeline to `out.mp4`, asserting success; returns the JSON report.
    pub fn export(&self, json: &str, extra: &[&str]) -> serde_json::Value {
        self.timeline(json);
        let mut args = vec!["export", "timeline.json", "-o", "out.mp4", "--json", "--progress", "none"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("report JSON")
    }

    /// Names of leftover work folders.
    pub fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".reel-"))
            .collect()
    }
}

fn redact_with(redactions: &[(String, &'static str)], text: &str) -> String {
    redactions.iter().fold(text.to_owned(), |t, (path, label)| t.replace(path.as_str(), label))
}

/// One finished `reel` run.
pub struct Run {
    pub args: Vec<String>,
    pub out: Output,
    redact: Vec<(String, &'static str)>,
}

impl Run {
    /// The exit code (`None` when killed by a signal).
    pub fn exit_code(&self) -> Option<i32> {
        self.out.status.code()
    }

    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.exit_code(),
            Some(expected),
            "`reel {}` exited {:?}, expected {expected}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.exit_code(),
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts success (exit 0).
    #[track_caller]
    pub fn ok(self) -> Self {
        self.code(0)
    }

    /// stdout, redacted.
    pub fn stdout(&self) -> String {
        redact_with(&self.redact, &String::from_utf8_lossy(&self.out.stdout))
    }

    /// stderr, redacted.
    pub fn stderr(&self) -> String {
        redact_with(&self.redact, &String::from_utf8_lossy(&self.out.stderr))
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.out.stdout)
            .unwrap_or_else(|e| panic!("`reel {}` printed no JSON ({e}):\n{}", self.args.join(" "), self.stdout()))
    }

    /// Asserts stderr contains every one of `parts`.
    #[track_caller]
    pub fn stderr_has(self, parts: &[&str]) -> Self {
        let err = self.stderr();
        for part in parts {
            assert!(err.contains(part), "stderr of `reel {}` lacks {part:?}:\n{err}", self.args.join(" "));
        }
        self
    }
}

/// A program on `PATH`, for tests that point reel at the real ffmpeg explicitly.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// An ffmpeg that behaves like the real one except for export jobs (those with
/// `-progress`) run in `env`'s folder, where `export` (a bash snippet with the real
/// arguments in "$@") runs instead. doctor's trial exports (in a folder of their own) get
/// the real behaviour: the fault is the export's, not the ffmpeg's.
pub fn fake_ffmpeg(env: &Env, export: &str) -> String {
    let real = which("ffmpeg").expect("ffmpeg on PATH");
    let dir = env.dir.path().canonicalize().expect("the folder");
    let script = env.write(
        "bin/ffmpeg",
        format!(
            "#!/bin/bash\ncase \"$*|$(pwd -P)\" in *-progress*'|{}/'*) {export} ;; esac\nexec '{}' \"$@\"\n",
            dir.display(),
            real.display()
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    script.display().to_string()
}

/// Writes `timeline.json` with 20,000 clips of a source with a long name: one ffmpeg input
/// each, about 10 MB of arguments, over any system's command-line limit (Linux: 2 MB with
/// the usual stack limit).
pub fn timeline_too_long_for_one_command_line(env: &Env) {
    let name = format!("{}.mp4", "a-very-long-source-name".repeat(8));
    env.media(&name, &reel_testkit::fixture(reel_testkit::Fixture::Small30));
    let clips: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"source":"{name}","in":{},"out":{}}}"#, f64::from(i % 50) * 0.1, f64::from(i % 50) * 0.1 + 0.05))
        .collect();
    env.timeline(&format!(r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30}},"video":[{}]}}"#, clips.join(",")));
}

/// A main-track item for the expectation model: what timeline v1 says is on screen.
#[derive(Clone, Copy)]
pub enum Item {
    Clip { source: u8, fps: f64, in_s: f64, out_s: f64, audio: bool },
    Gap(f64),
}

/// The frame timeline v1 puts on screen at output frame `k` (None for gaps), computed
/// independently from the planner: the last source frame at or before the source time.
pub fn expected_frames(items: &[Item], out_fps: f64) -> Vec<Option<(u8, u32)>> {
    let total: f64 = items
        .iter()
        .map(|i| match i {
            Item::Clip { in_s, out_s, .. } => out_s - in_s,
            Item::Gap(d) => *d,
        })
        .sum();
    let frames = ((total - 1e-6) * out_fps).ceil() as usize;
    (0..frames)
        .map(|k| {
            let t = k as f64 / out_fps;
            let mut start = 0.0;
            for item in items {
                let d = match item {
                    Item::Clip { in_s, out_s, .. } => out_s - in_s,
                    Item::Gap(d) => *d,
                };
                if t + 1e-6 < start + d {
                    return match item {
                        Item::Clip { source, fps, in_s, .. } => Some((*source, ((in_s + t - start + 1e-6) * fps).floor() as u32)),
                        Item::Gap(_) => None,
                    };
                }
                start += d;
            }
            None
        })
        .collect()
}

/// Output times where each clip's per-second beeps must be heard.
pub fn expected_beeps(items: &[Item]) -> Vec<f64> {
    let mut out = Vec::new();
    let mut start = 0.0;
    for item in items {
        match item {
            Item::Clip { in_s, out_s, audio, .. } => {
                let mut n = in_s.ceil();
                while n < *out_s - 0.045 {
                    if *audio {
                        out.push(start + n - in_s);
                    }
                    n += 1.0;
                }
                start += out_s - in_s;
            }
            Item::Gap(d) => start += d,
        }
    }
    out
}

/// Asserts that every output frame is the expected source frame, naming the first
/// mismatches.
pub fn assert_frames(path: &Path, content: Option<(f64, f64, f64, f64)>, expected: &[Option<(u8, u32)>]) {
    let got: Vec<Option<(u8, u32)>> =
        reel_testkit::read_frame_ids(path, content).into_iter().map(|f| f.map(|f| (f.source, f.frame))).collect();
    assert_eq!(got.len(), expected.len(), "frame count");
    let wrong: Vec<String> = got
        .iter()
        .zip(expected)
        .enumerate()
        .filter(|(_, (g, e))| g != e)
        .take(8)
        .map(|(k, (g, e))| format!("frame {k}: got {g:?}, expected {e:?}"))
        .collect();
    assert!(wrong.is_empty(), "{} frames differ: {}", wrong.len(), wrong.join("; "));
}

/// Asserts the beeps are where the timeline puts them, within one output frame.
pub fn assert_beeps(path: &Path, expected: &[f64], frame: f64) {
    let got: Vec<f64> = reel_testkit::beeps(path).iter().map(|b| b.time).collect();
    assert_eq!(got.len(), expected.len(), "beeps: got {got:?}, expected {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() < frame, "beep at {g:.4} s, expected {e:.4} s (A/V sync within one frame)");
    }
}

/// Asserts the video runs at a constant rate (every frame lasts 1/fps: no hole, repeat or
/// uneven duration at a seam) and decodes without a single decoder error.
pub fn assert_clean_cfr(path: &Path, fps: f64) {
    let times = reel_testkit::frame_times(path);
    assert!(!times.is_empty(), "no frames in {}", path.display());
    let uneven: Vec<String> = times
        .windows(2)
        .enumerate()
        .filter(|(_, w)| ((w[1] - w[0]) - 1.0 / fps).abs() > 2e-5)
        .take(5)
        .map(|(k, w)| format!("frame {} lasts {:.6} s", k, w[1] - w[0]))
        .collect();
    assert!(uneven.is_empty(), "frame durations are not 1/{fps} s: {}", uneven.join("; "));
    let errors = reel_testkit::decode_errors(path);
    assert!(errors.is_empty(), "decoding {} reported: {errors}", path.display());
}

pub fn assert_streaming_mp4(path: &Path, duration: f64, frame: f64) {
    assert!(reel_testkit::moov_before_mdat(path), "moov must precede mdat");
    let d = reel_testkit::duration(path);
    assert!((d - duration).abs() <= frame, "duration {d}, expected {duration}");
}

/// The processes (pid and command) whose working folder is inside `dir`: the ffmpeg jobs
/// of an export that runs there (each job runs in its own folder of the work folder).
pub fn processes_in(dir: &Path) -> Vec<String> {
    let Ok(root) = dir.canonicalize() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(cwd) = std::fs::read_link(e.path().join("cwd")) else { continue };
        let zombie =
            std::fs::read_to_string(e.path().join("stat")).is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')));
        if cwd.starts_with(&root) && !zombie {
            let cmd = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default().replace('\0', " ");
            found.push(format!("{name}: {}", cmd.chars().take(80).collect::<String>()));
        }
    }
    found
}
