//! The segment workloads (docs/segments.md), each measured in the same run as what it is
//! compared with:
//! - `segments`: the overlay workload rendered as cold segments (no cache) at every
//!   `--jobs` from 1 to the cores, against the hand-written single pass and reel's own
//!   single pass;
//! - `incremental`: the overlay workload exported into an empty cache, the text of one
//!   overlay changed, exported again: the re-export against the first export;
//! - `clips-10k`: a 10,000-clip timeline (one frame each, small pictures) exported as
//!   segments, with reel's own peak memory.

use crate::commands::{reference, Encoding, Step};
use crate::measure::{measure, parse_plan, parse_report, Measured, Tools};
use crate::media::Media;
use crate::report::{median, Timing};
use crate::workload::{self, Method, Scale, Workload};
use serde::Serialize;
use std::path::Path;

/// The re-export after a small edit must take at most this share of the first export.
pub const MAX_INCREMENTAL_RATIO: f64 = 0.3;
/// Cold segments must not be slower than this against the hand-written single pass.
pub const MAX_SEGMENTS_RATIO: f64 = 1.1;

/// Cold segments at one `--jobs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobsRun {
    pub jobs: usize,
    pub timing: Timing,
    /// Against the hand-written single pass.
    pub ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentsResult {
    pub about: String,
    pub segments: usize,
    /// `--jobs` reel chooses by itself on this machine.
    pub default_jobs: usize,
    pub reference: Timing,
    pub reference_commands: Vec<String>,
    pub reel_single_pass: Timing,
    pub runs: Vec<JobsRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncrementalResult {
    pub about: String,
    pub full: Timing,
    pub re_export: Timing,
    pub ratio: f64,
    /// Parts rendered and reused by the re-export.
    pub rendered: u32,
    pub reused: u32,
    pub seconds_saved: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManyClipsResult {
    pub clips: usize,
    pub frames: u64,
    pub timing: Timing,
    pub segments: usize,
    /// Video frames in the file reel wrote (must be `frames`).
    pub frames_written: u64,
    pub reel_peak_rss: u64,
    pub ffmpeg_peak_rss: u64,
}

fn write_timeline(dir: &Path, name: &str, timeline: &serde_json::Value) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, timeline.to_string()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs `reel export` with `flags`, `runs` times; `before` runs ahead of each (untimed).
fn exports(
    tools: &Tools,
    timeline: &Path,
    output: &Path,
    flags: &[&str],
    runs: u32,
    label: &str,
    mut before: impl FnMut(u32) -> Result<(), String>,
) -> Result<Vec<Measured<reel_wire::ExportReport>>, String> {
    let mut out = Vec::new();
    for run in 1..=runs {
        before(run)?;
        eprintln!("{label} (run {run} of {runs})…");
        let m = measure(|| tools.reel_export_with(timeline, output, flags, &[]))?;
        let report = parse_report(&m.value)?;
        eprintln!("  {:.2} s", m.wall);
        out.push(m.with(report));
    }
    Ok(out)
}

/// Cold segments at each `--jobs` against the hand-written single pass and reel's own.
pub fn bench_segments(tools: &Tools, scale: Scale, media: &Media, dir: &Path, runs: u32) -> Result<SegmentsResult, String> {
    let w = workload::overlay(scale, media);
    let timeline = write_timeline(dir, "timeline.json", &w.timeline())?;
    // The hand-written single pass encodes as reel's single pass would (a segment's
    // encoder options add what joining needs: closed GOPs, `stitchable`).
    let plan = parse_plan(&tools.reel_plan_with(&timeline, &["--strategy", "single_pass", "--no-cache"])?)?;
    let enc = Encoding::from_plan(&plan)?;
    let output = dir.join("reel.mp4");
    let hand = reference(Method::SinglePass, &w, &enc, dir, &output);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut jobs: Vec<usize> = vec![1, 2, 4, 8, 16].into_iter().filter(|j| *j <= cores.max(2)).collect();
    if !jobs.contains(&cores) && cores > 1 {
        jobs.push(cores);
    }
    let mut reference_runs = Vec::new();
    let mut single = Vec::new();
    let mut by_jobs: Vec<Vec<Measured<()>>> = vec![Vec::new(); jobs.len()];
    // Interleaved, so load from elsewhere falls on every method alike.
    for run in 1..=runs {
        eprintln!("segments: hand-written single pass (run {run} of {runs})…");
        reference_runs.push(measure(|| tools.execute(&hand.steps))?);
        eprintln!("segments: reel single pass…");
        single.push(measure(|| tools.reel_export_with(&timeline, &output, &["--strategy", "single_pass", "--no-cache"], &[]))?);
        for (j, into) in jobs.iter().zip(&mut by_jobs) {
            eprintln!("segments: reel segments --jobs {j}…");
            let n = j.to_string();
            let m = measure(|| tools.reel_export_with(&timeline, &output, &["--strategy", "segments", "--no-cache", "--jobs", &n], &[]))?;
            eprintln!("  {:.2} s", m.wall);
            into.push(m.with(()));
        }
    }
    let reference = Timing::of(&reference_runs);
    let runs = jobs
        .iter()
        .zip(by_jobs)
        .map(|(j, r)| {
            let timing = Timing::of(&r);
            JobsRun { jobs: *j, ratio: timing.wall / reference.wall, timing }
        })
        .collect();
    let auto = parse_plan(&tools.reel_plan_with(&timeline, &["--strategy", "segments", "--no-cache"])?)?;
    Ok(SegmentsResult {
        about: w.about.clone(),
        segments: auto.stretches.len(),
        default_jobs: auto.parallel,
        reference_commands: hand
            .steps
            .iter()
            .filter_map(|s| if let Step::Ffmpeg(a) = s { Some(tools.ffmpeg_line(a)) } else { None })
            .collect(),
        reference,
        reel_single_pass: Timing::of(&single),
        runs,
    })
}

/// The overlay workload exported into an empty cache, then again with one caption changed.
pub fn bench_incremental(tools: &Tools, scale: Scale, media: &Media, dir: &Path, runs: u32) -> Result<IncrementalResult, String> {
    let w: Workload = workload::overlay(scale, media);
    let original = w.timeline();
    let mut edited = original.clone();
    edited["overlays"][1]["text"] = serde_json::json!("reel benchmark, edited");
    let first = write_timeline(dir, "timeline.json", &original)?;
    let second = write_timeline(dir, "edited.json", &edited)?;
    let cache = dir.join("cache");
    let output = dir.join("reel.mp4");
    let env = [("REEL_CACHE_DIR", cache.as_os_str())];
    let flags = ["--strategy", "segments"];
    let mut full = Vec::new();
    let mut again = Vec::new();
    for run in 1..=runs {
        let _ = std::fs::remove_dir_all(&cache);
        eprintln!("incremental: first export into an empty cache (run {run} of {runs})…");
        let m = measure(|| tools.reel_export_with(&first, &output, &flags, &env))?;
        eprintln!("  {:.2} s", m.wall);
        full.push(m.with(parse_report(&m.value)?));
        eprintln!("incremental: one caption changed, exported again…");
        let m = measure(|| tools.reel_export_with(&second, &output, &flags, &env))?;
        eprintln!("  {:.2} s", m.wall);
        again.push(m.with(parse_report(&m.value)?));
    }
    let last = again.last().map(|m| m.value.segments.clone().unwrap_or_default()).unwrap_or_default();
    let (full_t, again_t) = (Timing::of(&full), Timing::of(&again));
    Ok(IncrementalResult {
        about: format!("{}; then the text of overlay 1 changed", w.about),
        ratio: again_t.wall / full_t.wall,
        full: full_t,
        re_export: again_t,
        rendered: last.rendered,
        reused: last.reused,
        seconds_saved: median(&again.iter().map(|m| m.value.segments.as_ref().map_or(0.0, |s| s.seconds_saved)).collect::<Vec<_>>()),
    })
}

/// 10,000 one-frame clips at 160x90 from a small source, exported as segments.
pub fn bench_many_clips(tools: &Tools, media: &Media, dir: &Path, runs: u32) -> Result<ManyClipsResult, String> {
    const CLIPS: u32 = 10_000;
    let source = &media.small;
    let span = (source.duration * f64::from(source.fps)) as u32 - 2;
    let video: Vec<serde_json::Value> = (0..CLIPS)
        .map(|i| {
            let frame = f64::from((i * 7) % span);
            let fps = f64::from(source.fps);
            serde_json::json!({ "source": source.path, "in": frame / fps, "out": (frame + 1.0) / fps })
        })
        .collect();
    let timeline = serde_json::json!({"reel": 1, "output": {"width": 160, "height": 90, "fps": source.fps, "preset": "draft", "encoder": "cpu"}, "video": video});
    let path = write_timeline(dir, "timeline.json", &timeline)?;
    let output = dir.join("reel.mp4");
    let plan = parse_plan(&tools.reel_plan_with(&path, &["--no-cache"])?)?;
    let timed = exports(tools, &path, &output, &["--no-cache"], runs, "clips-10k: reel export of 10,000 clips", |_| Ok(()))?;
    let (_, frames_written) = tools.duration_and_frames(&output)?;
    let usage: Vec<reel_wire::ResourceUsage> = timed.iter().filter_map(|m| m.value.resources.clone()).collect();
    Ok(ManyClipsResult {
        clips: CLIPS as usize,
        frames: plan.frames,
        segments: plan.stretches.len(),
        timing: Timing::of(&timed),
        frames_written,
        reel_peak_rss: usage.iter().map(|u| u.reel_peak_rss).max().unwrap_or(0),
        ffmpeg_peak_rss: usage.iter().map(|u| u.ffmpeg_peak_rss).max().unwrap_or(0),
    })
}

/// The tables for these workloads.
pub fn render(s: Option<&SegmentsResult>, i: Option<&IncrementalResult>, m: Option<&ManyClipsResult>) -> String {
    let mut out = String::new();
    if let Some(s) = s {
        out.push_str(&format!(
            "\nsegments, {} ({} segments, cold: no cache); reel chooses --jobs {} here\n  hand-written single pass {:.2} s; reel single pass {:.2} s ({:.3})\n",
            s.about,
            s.segments,
            s.default_jobs,
            s.reference.wall,
            s.reel_single_pass.wall,
            s.reel_single_pass.wall / s.reference.wall
        ));
        for r in &s.runs {
            out.push_str(&format!(
                "  reel segments --jobs {:<2} {:.2} s, {:.3} of the hand-written single pass (cpu {:.1} s)\n",
                r.jobs, r.timing.wall, r.ratio, r.timing.cpu
            ));
        }
    }
    if let Some(i) = i {
        out.push_str(&format!(
            "\nincremental, {}\n  first export {:.2} s, re-export {:.2} s: {:.3} (target <= {MAX_INCREMENTAL_RATIO}); the re-export rendered {} part(s), reused {}, saving {:.1} s of rendering\n",
            i.about, i.full.wall, i.re_export.wall, i.ratio, i.rendered, i.reused, i.seconds_saved
        ));
    }
    if let Some(m) = m {
        out.push_str(&format!(
            "\n{} one-frame clips at 160x90: {} segments, {:.1} s wall, {} of {} frames written; reel's peak RSS {:.1} MB, ffmpeg's {:.1} MB\n",
            m.clips,
            m.segments,
            m.timing.wall,
            m.frames_written,
            m.frames,
            m.reel_peak_rss as f64 / 1e6,
            m.ffmpeg_peak_rss as f64 / 1e6
        ));
    }
    out
}
