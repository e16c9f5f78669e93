//! The bench's source media, generated once with ffmpeg's lavfi sources into a cache
//! folder: moving test patterns with temporal noise (so encoders do real work, like grainy
//! camera footage), H.264 + AAC with a keyframe exactly every second, and two overlay
//! images. File names carry every parameter, so a changed spec makes a new file.

use crate::measure::Tools;
use crate::workload::Scale;
use std::path::{Path, PathBuf};

/// Strength of the `noise` filter on every source (temporal, so no two frames are alike).
const NOISE: u32 = 8;

/// One generated source clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub path: PathBuf,
    /// lavfi pattern (`testsrc2`, `testsrc`).
    pub pattern: &'static str,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration: f64,
    pub sample_rate: u32,
    pub channels: u32,
}

impl Source {
    fn new(
        dir: &Path,
        pattern: &'static str,
        (width, height): (u32, u32),
        fps: u32,
        duration: f64,
        (sample_rate, channels): (u32, u32),
    ) -> Self {
        let name = format!("{pattern}-{width}x{height}-{fps}fps-{duration}s-{sample_rate}x{channels}-noise{NOISE}.mp4");
        Self { path: dir.join(name), pattern, width, height, fps, duration, sample_rate, channels }
    }

    /// The ffmpeg arguments that write it to `out`: x264 `veryfast` CRF 20 with a closed
    /// keyframe every second (`-g` = fps, no scene-cut keyframes), AAC 128k, faststart.
    fn generate_args(&self, out: &Path) -> Vec<String> {
        let video = format!(
            "{}=s={}x{}:r={}:d={},format=yuv420p,noise=alls={NOISE}:allf=t",
            self.pattern, self.width, self.height, self.fps, self.duration
        );
        let audio = format!("sine=frequency=440:beep_factor=4:sample_rate={}:duration={}", self.sample_rate, self.duration);
        let gop = self.fps.to_string();
        let args = [
            "-f",
            "lavfi",
            "-i",
            &video,
            "-f",
            "lavfi",
            "-i",
            &audio,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-g",
            &gop,
            "-keyint_min",
            &gop,
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-ac",
            &self.channels.to_string(),
            "-movflags",
            "+faststart",
        ];
        let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        args.push(out.display().to_string());
        args
    }
}

/// Every file the workloads read.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// Main-size 30 fps source (copy, overlay and mixed workloads).
    pub a: Source,
    /// A second main-size 30 fps source with another pattern (copy workload).
    pub b: Source,
    /// Smaller landscape at 60 fps (mixed workload).
    pub sd60: Source,
    /// Portrait at 30 fps with 44.1 kHz mono audio (mixed workload).
    pub portrait: Source,
    /// A long source (long-source workload), tiny pictures: what matters is how many
    /// packets it has.
    pub long: Source,
    /// A small source with a keyframe every 10 frames (the 10,000-clip workload).
    pub small: Source,
    /// A half-transparent PNG (overlay workload).
    pub logo: PathBuf,
    /// An opaque PNG (overlay workload), `badge_width` pixels wide.
    pub badge: PathBuf,
    pub badge_width: u32,
}

const LOGO: &str = "color=c=0xff8800@0.6:s=480x160,format=rgba";
const BADGE: &str = "testsrc2=s=320x180";

impl Media {
    /// The specs for a mode; nothing is generated yet.
    pub fn new(dir: &Path, scale: Scale) -> Self {
        let d = scale.duration;
        // The mixed workload plays a third of the length from each, starting up to 2 s in.
        let third = (d / 3.0).ceil() + 3.0;
        let stereo = (48_000, 2);
        Self {
            a: Source::new(dir, "testsrc2", scale.hd, 30, d, stereo),
            b: Source::new(dir, "testsrc", scale.hd, 30, d, stereo),
            sd60: Source::new(dir, "testsrc2", scale.sd, 60, third, stereo),
            portrait: Source::new(dir, "testsrc2", scale.portrait, 30, third, (44_100, 1)),
            long: Source::new(dir, "testsrc2", (64, 36), 30, scale.long, stereo),
            small: Source::new(dir, "testsrc2", (320, 180), 30, 20.0, stereo),
            logo: dir.join("logo-480x160.png"),
            badge: dir.join("badge-320x180.png"),
            badge_width: 320,
        }
    }

    /// Generates what `workloads` need and is not in the cache yet, saying so on stderr.
    pub fn generate(&self, tools: &Tools, workloads: &[&str]) -> Result<(), String> {
        let needs = |names: &[&str]| workloads.iter().any(|w| names.contains(w));
        let mut sources = Vec::new();
        if needs(&["copy", "overlay", "mixed", "segments", "incremental", crate::workload::PLAN_WORKLOAD]) {
            sources.push(&self.a);
        }
        if needs(&["copy", crate::workload::PLAN_WORKLOAD]) {
            sources.push(&self.b);
        }
        if needs(&["mixed"]) {
            sources.extend([&self.sd60, &self.portrait]);
        }
        if needs(&["long-source"]) {
            sources.push(&self.long);
        }
        if needs(&["clips-10k"]) {
            sources.push(&self.small);
        }
        for s in sources {
            cached(&s.path, |tmp| {
                eprintln!("generating {} ({}x{} at {} fps, {} s; once)", s.path.display(), s.width, s.height, s.fps, s.duration);
                tools.ffmpeg(&s.generate_args(tmp))
            })?;
        }
        if needs(&["overlay", "segments", "incremental"]) {
            for (path, pattern) in [(&self.logo, LOGO), (&self.badge, BADGE)] {
                cached(path, |tmp| {
                    tools.ffmpeg(
                        &["-f", "lavfi", "-i", pattern, "-frames:v", "1", "-f", "image2", &tmp.display().to_string()].map(str::to_owned),
                    )
                })?;
            }
        }
        Ok(())
    }

    /// Reads every source once so the first timed method does not pay for a cold cache.
    pub fn warm(paths: &[&Path]) -> Result<(), String> {
        for path in paths {
            let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            std::io::copy(&mut file, &mut std::io::sink()).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// Writes `path` once: `make` writes a temporary name beside it, renamed when complete.
fn cached(path: &Path, make: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".partial-{}-{name}", std::process::id()));
    make(&tmp)?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), path.display()))
}
