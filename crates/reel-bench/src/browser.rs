//! The `wasm` workload: the same timelines exported natively by reel and in headless
//! Chromium by the browser fallback (packages/reel-web) on ffmpeg.wasm's single-thread and
//! multi-threaded cores, in one run on one machine.
//!
//! Each timeline is the overlay workload at 10 s (1080p and 720p), without its text overlay
//! (ffmpeg.wasm has no fontconfig, so the browser refuses text), at the browser's encoder
//! settings for both engines (`draft` = x264 ultrafast, quality 23: the seed's wasm
//! settings), so the ratio compares engines, not presets. Per method: the wall time of the
//! export itself (reel's encode stage; the runner's encode stage in the page), the total
//! (the reel process; in the page, fetching the files, loading the core, probing, planning,
//! encoding, verifying and handing the MP4 back), output speed (x realtime), and CPU use:
//! CPU seconds of reel and its ffmpeg, or of every Chromium process, over the total wall
//! time (how many cores each really kept busy). The core guard's decision for a larger
//! output is shown (refused sizes are reported, not run).

use crate::measure::{measure, parse_report, Tools};
use crate::media::Media;
use crate::workload::{self, Layer, Scale};
use serde::Serialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser fallback's package, from this crate's place in the repository.
fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/reel-web")
}

/// Output sizes the core guard is asked about without exporting (larger than measured).
const GUARD_ONLY: [(u32, u32); 1] = [(2560, 1440)];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WasmResult {
    pub chromium: String,
    pub timelines: Vec<TimelineResult>,
    /// The guard's decision for sizes not exported: `(width, height, core, reason)`.
    pub guard: Vec<(u32, u32, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineResult {
    pub name: String,
    pub about: String,
    pub duration: f64,
    pub methods: Vec<MethodResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodResult {
    /// `native`, `wasm single-thread`, `wasm multi-thread`.
    pub method: String,
    /// The export itself, seconds.
    pub export: f64,
    /// Everything, seconds.
    pub total: f64,
    /// CPU seconds over `total`.
    pub cpu: f64,
    /// Cores the rest of the machine kept busy meanwhile (`null` where unknown).
    pub others: Option<f64>,
    /// The core that ran, and why (wasm only).
    pub core: String,
    /// The output's duration and frames, measured with ffprobe.
    pub duration: f64,
    pub frames: u64,
}

impl MethodResult {
    pub fn speed(&self, duration: f64) -> f64 {
        duration / self.export
    }
    pub fn cores_busy(&self) -> f64 {
        self.cpu / self.total
    }
}

/// The workload's timeline: the overlay workload at this scale, text dropped, the browser's
/// encoder settings pinned.
fn timeline(scale: Scale, media: &Media) -> (workload::Workload, Value) {
    let mut w = workload::overlay(scale, media);
    w.overlays.retain(|o| !matches!(o.layer, Layer::Text { .. }));
    let mut t = w.timeline();
    t["output"]["preset"] = json!("draft");
    t["output"]["quality"] = json!(23);
    t["output"]["encoder"] = json!("cpu");
    (w, t)
}

/// The same timeline naming its files by their names alone, as the page is given them.
fn in_browser(timeline: &Value) -> (String, Vec<String>) {
    let mut t = timeline.clone();
    let mut files = Vec::new();
    let mut rename = |v: &mut Value| {
        if let Some(path) = v.as_str() {
            let name = Path::new(path).file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            if !files.contains(&name) {
                files.push(name.clone());
            }
            *v = json!(name);
        }
    };
    for item in t["video"].as_array_mut().into_iter().flatten() {
        rename(&mut item["source"]);
    }
    for item in t["overlays"].as_array_mut().into_iter().flatten() {
        rename(&mut item["image"]);
    }
    (t.to_string(), files)
}

pub fn bench(tools: &Tools, dir: &Path, quick: bool) -> Result<WasmResult, String> {
    let web = web_dir();
    for needed in ["pkg/reel_wasm.js", "node_modules/playwright-core"] {
        if !web.join(needed).exists() {
            return Err(format!(
                "{} is missing: run `bash scripts/build-web.sh` first (scripts/bench.sh does)",
                web.join(needed).display()
            ));
        }
    }
    let sizes: &[(&str, (u32, u32))] = if quick { &[("720p", (1280, 720))] } else { &[("1080p", (1920, 1080)), ("720p", (1280, 720))] };
    let mut timelines = Vec::new();
    let mut chromium = String::new();
    let mut guard: Vec<(u32, u32, String, String)> = Vec::new();
    for (name, hd) in sizes {
        let scale = Scale { duration: 10.0, hd: *hd, ..Scale::new(true) };
        let media_dir = dir.join("media");
        let media = Media::new(&media_dir, scale);
        media.generate(tools, &["overlay"])?;
        Media::warm(&[media.a.path.as_path(), media.logo.as_path(), media.badge.as_path()])?;
        let (w, native_timeline) = timeline(scale, &media);
        let out = dir.join(format!("out-wasm/{name}"));
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let timeline_path = out.join("timeline.json");
        std::fs::write(&timeline_path, native_timeline.to_string())
            .map_err(|e| format!("cannot write {}: {e}", timeline_path.display()))?;

        let mut methods = Vec::new();
        eprintln!("wasm {name}: native reel…");
        let native_out = out.join("native.mp4");
        let m = measure(|| tools.reel_export_with(&timeline_path, &native_out, &["--no-cache"], &[]))?;
        let report = parse_report(&m.value)?;
        let (duration, frames) = tools.duration_and_frames(&native_out)?;
        methods.push(MethodResult {
            method: "native".to_owned(),
            export: report.timings.encode,
            total: m.wall,
            cpu: m.cpu,
            others: m.others,
            core: format!("{} ({})", report.encoder, report.strategy),
            duration,
            frames,
        });

        let (text, files) = in_browser(&native_timeline);
        let run = |method: &str, isolation: bool| json!({"name": method, "isolation": isolation, "timeline": text, "files": files, "output": format!("{method}.mp4"), "timeout_s": 1800});
        let sizes_to_ask: Vec<Value> = GUARD_ONLY.iter().map(|(w, h)| json!({"width": w, "height": h})).collect();
        let spec = json!({"media": media_dir, "results": out, "runs": [run("st", false), run("mt", true)], "guard": sizes_to_ask});
        eprintln!("wasm {name}: ffmpeg.wasm single-thread, then multi-thread, in headless Chromium…");
        let report = drive(&web, &out, &spec)?;
        chromium = report["version"].as_str().or(report["chromium"].as_str()).unwrap_or_default().to_owned();
        for (label, r) in ["wasm single-thread", "wasm multi-thread"].iter().zip(report["runs"].as_array().into_iter().flatten()) {
            if r["ok"] != true {
                return Err(format!(
                    "the {label} export of the {name} timeline failed in the browser: {}",
                    r["message"].as_str().unwrap_or("no message")
                ));
            }
            let (duration, frames) = tools.duration_and_frames(&out.join(format!("{}.mp4", r["name"].as_str().unwrap_or(""))))?;
            let core = &r["core"];
            methods.push(MethodResult {
                method: (*label).to_owned(),
                export: r["timings"]["encode"].as_f64().unwrap_or(f64::NAN),
                total: r["wall"].as_f64().unwrap_or(f64::NAN),
                cpu: r["browser_cpu"].as_f64().unwrap_or(f64::NAN),
                others: r["others"].as_f64(),
                core: format!(
                    "{}{}",
                    if core["core"] == "mt" {
                        format!("core-mt, x264 {} threads", core["threads"])
                    } else {
                        "core (single thread)".to_owned()
                    },
                    if core["fallbackFrom"].is_null() { String::new() } else { " after core-mt failed".to_owned() }
                ),
                duration,
                frames,
            });
        }
        for g in report["guard"].as_array().into_iter().flatten() {
            let size = (g["width"].as_u64().unwrap_or(0) as u32, g["height"].as_u64().unwrap_or(0) as u32);
            if !guard.iter().any(|(w, h, _, _)| (*w, *h) == size) {
                guard.push((size.0, size.1, g["core"].as_str().unwrap_or("?").to_owned(), g["reason"].as_str().unwrap_or("").to_owned()));
            }
        }
        timelines.push(TimelineResult {
            name: (*name).to_owned(),
            about: w.about.replace(" and 1 text overlay", ""),
            duration: w.duration(),
            methods,
        });
    }
    Ok(WasmResult { chromium, timelines, guard })
}

/// Runs test/browser/drive.mjs on a spec; its report.
fn drive(web: &Path, out: &Path, spec: &Value) -> Result<Value, String> {
    let spec_path = out.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).map_err(|e| format!("cannot write {}: {e}", spec_path.display()))?;
    let result = Command::new("node")
        .arg(web.join("test/browser/drive.mjs"))
        .arg(&spec_path)
        .current_dir(web)
        .output()
        .map_err(|e| format!("cannot start node for the browser runs: {e}; install Node (scripts/setup.sh does)"))?;
    if !result.status.success() {
        return Err(format!("the browser driver failed: {}", String::from_utf8_lossy(&result.stderr).trim()));
    }
    serde_json::from_slice(&result.stdout).map_err(|e| format!("the browser driver printed no report: {e}"))
}

/// The table for docs/benchmark.md and stdout.
pub fn render(r: &WasmResult) -> String {
    let mut out = format!(
        "\nnative reel against ffmpeg.wasm in headless Chromium ({}), same timelines, same settings (x264 ultrafast, quality 23)\n",
        r.chromium
    );
    out.push_str(
        "| timeline | method | export s | total s | speed (x realtime) | wasm/native (export) | CPU s | cores busy | others | core |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for t in &r.timelines {
        let native = t.methods.iter().find(|m| m.method == "native").map_or(f64::NAN, |m| m.export);
        for (i, m) in t.methods.iter().enumerate() {
            let ratio = if m.method == "native" { String::new() } else { format!("{:.1}x", m.export / native) };
            out.push_str(&format!(
                "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {:.1} | {:.2} | {} | {} |\n",
                if i == 0 { format!("{}: {}", t.name, t.about) } else { String::new() },
                m.method,
                m.export,
                m.total,
                m.speed(t.duration),
                ratio,
                m.cpu,
                m.cores_busy(),
                m.others.map_or("?".to_owned(), |o| format!("{o:.2}")),
                m.core
            ));
        }
    }
    for (w, h, core, reason) in &r.guard {
        out.push_str(&format!(
            "| {w}x{h} (not exported) | wasm multi-thread | | | | | | | | {} by the guard: {reason} |\n",
            if core == "mt" { "allowed" } else { "refused" }
        ));
    }
    out
}
