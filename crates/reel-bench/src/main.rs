//! `reel-bench`: reel's wall time against hand-written ffmpeg commands and the slow export
//! methods it replaces, measured in the same run on the same machine, on media generated
//! with ffmpeg. See docs/benchmark.md.
//!
//! Speed is reported, never asserted: a missed target does not fail the bench. It exits 1,
//! with a sentence, when a command fails or reel chose another strategy than the workload
//! is built for.

mod browser;
mod commands;
mod measure;
mod media;
mod report;
mod segments;
mod workload;

use clap::Parser;
use commands::{reference, Encoding};
use measure::{measure, parse_plan, parse_report, Measured, Tools};
use media::Media;
use report::{Exact, Exactness, Machine, PlanResult, ReelResult, ReferenceResult, Results, Timing, WorkloadResult};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use workload::{Method, Scale, Workload, EXPORT_WORKLOADS, PLAN_WORKLOAD, SEGMENT_WORKLOADS};

/// Benchmark reel against hand-written ffmpeg commands and the slow export methods it
/// replaces (see docs/benchmark.md).
#[derive(Debug, Parser)]
#[command(name = "reel-bench")]
struct Args {
    /// Short workloads (10 s, 720p) that finish in a few minutes on 2 cores; default: the
    /// full sizes (60 s, 1080p).
    #[arg(long)]
    quick: bool,
    /// Run one workload only.
    #[arg(long, value_name = "NAME", value_parser = ["copy", "overlay", "mixed", "long-source", "plan-10k", "segments", "incremental", "clips-10k", "wasm"])]
    only: Option<String>,
    /// Where to write the results as JSON [default: target/reel-bench/results.json].
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Run every method this many times and report the median.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// The reel binary [default: `reel` beside this executable].
    #[arg(long, value_name = "PATH")]
    reel: Option<PathBuf>,
    /// Folder for the generated media (kept between runs) and the outputs
    /// [default: target/reel-bench].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Native reel against ffmpeg.wasm in headless Chromium (see browser.rs).
const WASM_WORKLOAD: &str = "wasm";

/// Clips in the planning workload.
const PLAN_CLIPS: u32 = 10_000;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reel-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let exe_dir = exe.parent().unwrap_or(Path::new("."));
    // target/release/reel-bench → target/reel-bench
    let dir = args.dir.clone().unwrap_or_else(|| exe_dir.parent().unwrap_or(exe_dir).join("reel-bench"));
    let tools = Tools::find(&args.reel.clone().unwrap_or_else(|| exe_dir.join(format!("reel{}", std::env::consts::EXE_SUFFIX))))?;
    let scale = Scale::new(args.quick);
    let mode = if args.quick { "quick" } else { "full" };
    let media = Media::new(&dir.join("media"), scale);
    let selected: Vec<&str> = match &args.only {
        Some(name) => vec![name.as_str()],
        None => EXPORT_WORKLOADS.iter().copied().chain([PLAN_WORKLOAD]).chain(SEGMENT_WORKLOADS).chain([WASM_WORKLOAD]).collect(),
    };
    media.generate(&tools, &selected)?;
    let scratch = dir.join(format!("out-{mode}"));

    let mut results = Results {
        date: today(),
        machine: machine(&tools),
        mode: mode.to_owned(),
        runs: args.runs,
        load_at_start: load_average(),
        load_at_end: String::new(),
        workloads: Vec::new(),
        exactness: None,
        plan: None,
        segments: None,
        incremental: None,
        many_clips: None,
        wasm: None,
        checks: Vec::new(),
    };
    for name in EXPORT_WORKLOADS.iter().filter(|n| selected.contains(n)) {
        let w = match *name {
            "copy" => workload::copy(scale, &media, false),
            "overlay" => workload::overlay(scale, &media),
            "mixed" => workload::mixed(scale, &media),
            _ => workload::long_source(&media),
        };
        let sources: Vec<&Path> = w.clips.iter().map(|c| c.source.path.as_path()).collect();
        Media::warm(&sources)?;
        results.workloads.push(bench_workload(&tools, &w, &scratch.join(w.name), args.runs)?);
        if w.name == "copy" {
            results.exactness = Some(exactness(&tools, &w, &workload::copy(scale, &media, true), &scratch.join(w.name))?);
        }
    }
    if selected.contains(&PLAN_WORKLOAD) {
        results.plan = Some(bench_plan(&tools, &media, &scratch.join(PLAN_WORKLOAD), args.runs)?);
    }
    if selected.contains(&"segments") {
        results.segments = Some(segments::bench_segments(&tools, scale, &media, &scratch.join("segments"), args.runs)?);
    }
    if selected.contains(&"incremental") {
        results.incremental = Some(segments::bench_incremental(&tools, scale, &media, &scratch.join("incremental"), args.runs)?);
    }
    if selected.contains(&"clips-10k") {
        results.many_clips = Some(segments::bench_many_clips(&tools, &media, &scratch.join("clips-10k"), args.runs)?);
    }
    if selected.contains(&WASM_WORKLOAD) {
        results.wasm = Some(browser::bench(&tools, &dir, args.quick)?);
    }
    results.load_at_end = load_average();
    results.checks = report::checks(&results);

    print!("{}", report::render(&results));
    let json = args.json.clone().unwrap_or_else(|| dir.join("results.json"));
    if let Some(parent) = json.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&results).expect("results serialize");
    std::fs::write(&json, text + "\n").map_err(|e| format!("cannot write {}: {e}", json.display()))?;
    println!("\nresults written to {}", json.display());
    println!("{}", report::summary(&results.checks));
    Ok(())
}

/// Writes the workload's timeline and asks reel for its plan; stops the bench if reel
/// would not use the strategy the workload is built for.
fn plan_for(tools: &Tools, w: &Workload, dir: &Path) -> Result<(PathBuf, reel_core::plan::Plan), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let timeline = dir.join("timeline.json");
    let text = serde_json::to_string_pretty(&w.timeline()).expect("timeline serializes");
    std::fs::write(&timeline, text).map_err(|e| format!("cannot write {}: {e}", timeline.display()))?;
    let plan = parse_plan(&tools.reel_plan_with(&timeline, &w.reel_flags())?)?;
    if plan.strategy.as_str() != w.strategy {
        return Err(format!(
            "reel planned the {} workload as {}, but it is built for {}; the comparison would be meaningless. reel's reasons:\n{}",
            w.name,
            plan.strategy.as_str(),
            w.strategy,
            plan.explanation()
        ));
    }
    Ok((timeline, plan))
}

/// reel and each reference on one workload, `runs` times, interleaved.
fn bench_workload(tools: &Tools, w: &Workload, dir: &Path, runs: u32) -> Result<WorkloadResult, String> {
    let (timeline, plan) = plan_for(tools, w, dir)?;
    let enc = Encoding::from_plan(&plan)?;
    let reel_output = dir.join("reel.mp4");
    let references: Vec<_> = w.references.iter().map(|(m, _)| reference(*m, w, &enc, dir, &reel_output)).collect();
    let mut reel_runs: Vec<Measured<reel_wire::ExportReport>> = Vec::new();
    let mut reference_runs: Vec<Vec<Measured<()>>> = vec![Vec::new(); references.len()];
    for run in 1..=runs {
        let of = if runs > 1 { format!(" (run {run} of {runs})") } else { String::new() };
        eprintln!("{}: reel{of}…", w.name);
        let m = measure(|| tools.reel_export_with(&timeline, &reel_output, &w.reel_flags(), &[]))?;
        let report = parse_report(&m.value)?;
        if report.strategy != w.strategy {
            return Err(format!("reel exported the {} workload as {}, not {} as it planned", w.name, report.strategy, w.strategy));
        }
        eprintln!("  {:.2} s", m.wall);
        reel_runs.push(m.with(report));
        for (((method, _), r), into) in w.references.iter().zip(&references).zip(&mut reference_runs) {
            eprintln!("{}: {}{of}…", w.name, method.label());
            let m = measure(|| tools.execute(&r.steps))
                .map_err(|e| format!("the {} reference of the {} workload failed: {e}", method.label(), w.name))?;
            eprintln!("  {:.2} s", m.wall);
            into.push(m);
        }
    }
    let reel = reel_result(w, &reel_runs)?;
    let references = w
        .references
        .iter()
        .zip(references)
        .zip(reference_runs)
        .map(|(((method, target), r), runs)| {
            let timing = Timing::of(&runs);
            let commands =
                r.steps.iter().filter_map(|s| if let commands::Step::Ffmpeg(a) = s { Some(tools.ffmpeg_line(a)) } else { None }).collect();
            ReferenceResult {
                method: *method,
                commands,
                ratio: reel.timing.wall / timing.wall,
                cpu_ratio: reel.timing.cpu / timing.cpu,
                timing,
                target: *target,
            }
        })
        .collect();
    Ok(WorkloadResult { name: w.name.to_owned(), about: w.about.clone(), reel, references })
}

/// reel's runs summed up: median times, and the worst run for its own CPU share and memory.
fn reel_result(w: &Workload, runs: &[Measured<reel_wire::ExportReport>]) -> Result<ReelResult, String> {
    let usage: Vec<reel_wire::ResourceUsage> = runs
        .iter()
        .map(|m| m.value.resources.clone().ok_or("reel's export report has no resource usage on this platform"))
        .collect::<Result<_, _>>()?;
    let share = |u: &reel_wire::ResourceUsage| u.reel_cpu / (u.reel_cpu + u.ffmpeg_cpu).max(f64::MIN_POSITIVE);
    let worst = usage.iter().max_by(|a, b| share(a).total_cmp(&share(b))).cloned().unwrap_or_default();
    let stage = |f: fn(&reel_wire::StageTimings) -> f64| report::median(&runs.iter().map(|m| f(&m.value.timings)).collect::<Vec<_>>());
    let last = &runs.last().ok_or("no reel run")?.value;
    Ok(ReelResult {
        timing: Timing::of(runs),
        strategy: last.strategy.clone(),
        duration: last.duration,
        expected_duration: w.duration(),
        stages: reel_wire::StageTimings {
            probe: stage(|t| t.probe),
            plan: stage(|t| t.plan),
            encode: stage(|t| t.encode),
            verify: stage(|t| t.verify),
            total: stage(|t| t.total),
        },
        reel_cpu: worst.reel_cpu,
        ffmpeg_cpu: worst.ffmpeg_cpu,
        cpu_share: share(&worst),
        reel_peak_rss: usage.iter().map(|u| u.reel_peak_rss).max().unwrap_or(0),
        ffmpeg_peak_rss: usage.iter().map(|u| u.ffmpeg_peak_rss).max().unwrap_or(0),
    })
}

/// Durations and frames of the copy workload's outputs, and of the hand-written concat of
/// the same cuts moved off the keyframes (reel plans that one as a single pass, exact by
/// construction; its plan's length is shown).
fn exactness(tools: &Tools, w: &Workload, off: &Workload, dir: &Path) -> Result<Exactness, String> {
    let off_dir = dir.join("off-keyframe");
    let variant = Workload { strategy: "single_pass", ..off.clone() };
    let (_, plan) = plan_for(tools, &variant, &off_dir)?;
    let enc = Encoding::from_plan(&plan)?;
    let concat = reference(Method::ConcatCopy, off, &enc, &off_dir, Path::new(""));
    tools.execute(&concat.steps).map_err(|e| format!("the concat of the off-keyframe cuts failed: {e}"))?;
    let measured = |what: &str, path: &Path| -> Result<Exact, String> {
        let (duration, frames) = tools.duration_and_frames(path)?;
        Ok(Exact { what: what.to_owned(), duration, frames })
    };
    Ok(Exactness {
        expected_duration: w.duration(),
        expected_frames: w.frames(),
        outputs: vec![
            measured("reel (copy), keyframe cuts", &dir.join("reel.mp4"))?,
            measured("concat -c copy, keyframe cuts", &dir.join(format!("{}.mp4", Method::ConcatCopy.slug())))?,
            measured("concat -c copy, cuts 0.5 s off keyframes", &concat.output)?,
            Exact {
                what: format!("reel plan ({}), cuts 0.5 s off keyframes", plan.strategy.as_str()),
                duration: plan.duration,
                frames: plan.frames,
            },
        ],
    })
}

/// `reel plan --json` of a 10,000-clip timeline, the whole process timed.
fn bench_plan(tools: &Tools, media: &Media, dir: &Path, runs: u32) -> Result<PlanResult, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let timeline = dir.join("timeline.json");
    std::fs::write(&timeline, workload::plan_timeline(media, PLAN_CLIPS).to_string())
        .map_err(|e| format!("cannot write {}: {e}", timeline.display()))?;
    let mut timed = Vec::new();
    for _ in 0..runs {
        eprintln!("{PLAN_WORKLOAD}: reel plan…");
        timed.push(measure(|| tools.reel_plan_with(&timeline, &[]))?);
    }
    let plan = parse_plan(&timed.last().ok_or("no plan run")?.value)?;
    Ok(PlanResult {
        clips: PLAN_CLIPS as usize,
        timing: Timing::of(&timed),
        strategy: plan.strategy.as_str().to_owned(),
        inputs: plan.jobs.iter().map(|j| j.command.inputs.len()).sum(),
        command_bytes: plan.jobs.iter().map(|j| j.command.to_args().iter().map(|a| a.len() + 1).sum::<usize>()).max().unwrap_or(0),
        warnings: plan.warnings.clone(),
    })
}

fn machine(tools: &Tools) -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".to_owned());
    Machine {
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        cpu,
        os: std::env::consts::OS.to_owned(),
        ffmpeg: tools.ffmpeg_version.clone(),
    }
}

/// The 1, 5 and 15-minute load averages ("unknown" off Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".to_owned(), |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(11_016), "2000-02-29");
        assert_eq!(super::civil_date(20_000), "2024-10-04");
    }
}
