//! A small builder for running the real `reel` binary in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir"), cache: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Makes `media` available in the folder as `name` (a symlink).
    pub fn media(&self, name: &str, media: &Path) -> PathBuf {
        let p = self.path(name);
        std::os::unix::fs::symlink(media, &p).expect("symlink");
        p
    }

    pub fn timeline(&self, json: &str) -> PathBuf {
        self.write("timeline.json", json)
    }

    pub fn command(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("reel").expect("reel binary");
        c.current_dir(self.dir.path()).env("REEL_CACHE_DIR", self.cache.path()).env_remove("REEL_FFMPEG").env_remove("REEL_FFPROBE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run reel")
    }

    /// stderr with the temporary folder's path replaced by `[DIR]`, for snapshots.
    pub fn stderr(&self, out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).replace(&self.dir.path().display().to_string(), "[DIR]")
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
        std::fs::read_dir(self.dir.path()).expect("read dir").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with(".reel-")).collect()
    }
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
    let total: f64 = items.iter().map(|i| match i { Item::Clip { in_s, out_s, .. } => out_s - in_s, Item::Gap(d) => *d }).sum();
    let frames = ((total - 1e-6) * out_fps).ceil() as usize;
    (0..frames)
        .map(|k| {
            let t = k as f64 / out_fps;
            let mut start = 0.0;
            for item in items {
                let d = match item { Item::Clip { in_s, out_s, .. } => out_s - in_s, Item::Gap(d) => *d };
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
    let got: Vec<Option<(u8, u32)>> = reel_testkit::read_frame_ids(path, content).into_iter().map(|f| f.map(|f| (f.source, f.frame))).collect();
    assert_eq!(got.len(), expected.len(), "frame count");
    let wrong: Vec<String> = got.iter().zip(expected).enumerate().filter(|(_, (g, e))| g != e).take(8).map(|(k, (g, e))| format!("frame {k}: got {g:?}, expected {e:?}")).collect();
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

pub fn assert_streaming_mp4(path: &Path, duration: f64, frame: f64) {
    assert!(reel_testkit::moov_before_mdat(path), "moov must precede mdat");
    let d = reel_testkit::duration(path);
    assert!((d - duration).abs() <= frame, "duration {d}, expected {duration}");
}
