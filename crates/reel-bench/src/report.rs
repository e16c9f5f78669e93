//! What the bench found: the results as data (written as JSON), the targets checked
//! against them, and the table printed on stdout.

use crate::measure::Measured;
use crate::workload::{Method, Target};
use serde::Serialize;

/// reel's own process must use less than this share of the export's CPU time…
pub const MAX_REEL_CPU_SHARE: f64 = 0.01;
/// …and less than this much memory (bytes), whatever the media.
pub const MAX_REEL_PEAK_RSS: u64 = 30_000_000;
/// `reel plan` of the 10,000-clip timeline must take less than this (seconds).
pub const MAX_PLAN_SECONDS: f64 = 1.0;

/// The median (the mean of the middle two for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => f64::midpoint(v[n / 2 - 1], v[n / 2]),
    }
}

/// Wall and CPU seconds of a method over the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Wall seconds of each run.
    pub walls: Vec<f64>,
    /// Median wall seconds.
    pub wall: f64,
    /// Median CPU seconds of the processes the method ran.
    pub cpu: f64,
    /// Median CPU the rest of the machine used meanwhile, in cores (`null` where unknown).
    pub others: Option<f64>,
}

impl Timing {
    pub fn of<T>(runs: &[Measured<T>]) -> Self {
        let walls: Vec<f64> = runs.iter().map(|m| m.wall).collect();
        let cpus: Vec<f64> = runs.iter().map(|m| m.cpu).collect();
        let others: Option<Vec<f64>> = runs.iter().map(|m| m.others).collect();
        Self { wall: median(&walls), cpu: median(&cpus), others: others.map(|o| median(&o)), walls }
    }
}

/// reel on one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReelResult {
    pub timing: Timing,
    pub strategy: String,
    /// Output duration as reel's verification measured it, and what the timeline asks.
    pub duration: f64,
    pub expected_duration: f64,
    /// Median of reel's own stage timings (probe, plan, encode, verify), seconds.
    pub stages: reel_wire::StageTimings,
    /// The worst run: the largest CPU share and peak memory of reel's own process.
    pub reel_cpu: f64,
    pub ffmpeg_cpu: f64,
    pub cpu_share: f64,
    pub reel_peak_rss: u64,
    pub ffmpeg_peak_rss: u64,
}

/// One reference on one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceResult {
    pub method: Method,
    /// The commands it runs, as shell lines.
    pub commands: Vec<String>,
    pub timing: Timing,
    /// reel's median wall time divided by this method's (the targets are on this).
    pub ratio: f64,
    /// The same for CPU seconds: less disturbed by other work on the machine.
    pub cpu_ratio: f64,
    pub target: Option<Target>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadResult {
    pub name: String,
    pub about: String,
    pub reel: ReelResult,
    pub references: Vec<ReferenceResult>,
}

/// One output measured for exactness: its duration and video frames.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exact {
    pub what: String,
    pub duration: f64,
    pub frames: u64,
}

/// Durations of the copy workload's outputs against the timeline's, including the
/// hand-written concat of a variant cut off the keyframes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exactness {
    pub expected_duration: f64,
    pub expected_frames: u64,
    pub outputs: Vec<Exact>,
}

/// `reel plan` of a long timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanResult {
    pub clips: usize,
    pub timing: Timing,
    pub strategy: String,
    /// ffmpeg inputs and the length of the command line the plan would run (bytes).
    pub inputs: usize,
    pub command_bytes: usize,
    pub warnings: Vec<String>,
}

/// One target, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub what: String,
    pub target: String,
    pub value: String,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub os: String,
    pub ffmpeg: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub machine: Machine,
    /// `quick` or `full`.
    pub mode: String,
    pub runs: u32,
    /// The 1/5/15-minute load averages when the bench started and ended: other work on the
    /// machine slows some methods more than others.
    pub load_at_start: String,
    pub load_at_end: String,
    pub workloads: Vec<WorkloadResult>,
    pub exactness: Option<Exactness>,
    pub plan: Option<PlanResult>,
    /// Segments: cold against one pass at each --jobs; an incremental re-export; 10,000 clips.
    pub segments: Option<crate::segments::SegmentsResult>,
    pub incremental: Option<crate::segments::IncrementalResult>,
    pub many_clips: Option<crate::segments::ManyClipsResult>,
    /// Native reel against ffmpeg.wasm in the browser (no targets: figures to read).
    pub wasm: Option<crate::browser::WasmResult>,
    pub checks: Vec<Check>,
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Every target the issue names, checked against what was measured.
pub fn checks(r: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    for w in &r.workloads {
        for x in &w.references {
            if let Some(t) = x.target {
                out.push(Check {
                    what: format!("{}: reel / {}", w.name, x.method.label()),
                    target: t.to_string(),
                    value: format!("{:.3}", x.ratio),
                    met: t.met(x.ratio),
                });
            }
        }
        let reel = &w.reel;
        out.push(Check {
            what: format!("{}: reel's share of the CPU time", w.name),
            target: format!("< {:.0}%", MAX_REEL_CPU_SHARE * 100.0),
            value: format!("{:.2}%", reel.cpu_share * 100.0),
            met: reel.cpu_share < MAX_REEL_CPU_SHARE,
        });
        out.push(Check {
            what: format!("{}: reel's peak RSS", w.name),
            target: format!("< {}", mb(MAX_REEL_PEAK_RSS)),
            value: mb(reel.reel_peak_rss),
            met: reel.reel_peak_rss < MAX_REEL_PEAK_RSS,
        });
    }
    if let Some(e) = &r.exactness {
        if let Some(reel) = e.outputs.first() {
            out.push(Check {
                what: "copy: reel's output is exact".to_owned(),
                target: format!("{} frames", e.expected_frames),
                value: format!("{} frames, {:.3} s", reel.frames, reel.duration),
                met: reel.frames == e.expected_frames,
            });
        }
    }
    if let Some(s) = &r.segments {
        if let Some(run) = s.runs.iter().find(|x| x.jobs == s.default_jobs).or(s.runs.first()) {
            out.push(Check {
                what: format!("segments (--jobs {}) / hand-written single pass", run.jobs),
                target: format!("<= {}", crate::segments::MAX_SEGMENTS_RATIO),
                value: format!("{:.3}", run.ratio),
                met: run.ratio <= crate::segments::MAX_SEGMENTS_RATIO,
            });
        }
    }
    if let Some(i) = &r.incremental {
        out.push(Check {
            what: "incremental: re-export / first export".to_owned(),
            target: format!("<= {}", crate::segments::MAX_INCREMENTAL_RATIO),
            value: format!("{:.3}", i.ratio),
            met: i.ratio <= crate::segments::MAX_INCREMENTAL_RATIO,
        });
    }
    if let Some(m) = &r.many_clips {
        out.push(Check {
            what: format!("{} clips: every frame written", m.clips),
            target: format!("{} frames", m.frames),
            value: format!("{} frames", m.frames_written),
            met: m.frames_written == m.frames,
        });
        out.push(Check {
            what: format!("{} clips: reel's peak RSS", m.clips),
            target: format!("< {}", mb(MAX_REEL_PEAK_RSS * 4)),
            value: mb(m.reel_peak_rss),
            met: m.reel_peak_rss < MAX_REEL_PEAK_RSS * 4,
        });
    }
    if let Some(p) = &r.plan {
        out.push(Check {
            what: format!("reel plan of {} clips", p.clips),
            target: format!("< {MAX_PLAN_SECONDS:.1} s"),
            value: format!("{:.2} s", p.timing.wall),
            met: p.timing.wall < MAX_PLAN_SECONDS,
        });
    }
    out
}

/// Text columns padded to their widest cell; the first row is the header.
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// The tables printed on stdout.
pub fn render(r: &Results) -> String {
    let mut out = format!(
        "reel-bench {} mode, {} run(s), {}; {} cores ({}), ffmpeg {}; load average {} at the start, {} at the end\n\n",
        r.mode, r.runs, r.date, r.machine.cores, r.machine.cpu, r.machine.ffmpeg, r.load_at_start, r.load_at_end
    );
    if !r.workloads.is_empty() {
        let mut rows =
            vec![row(&["workload", "method", "wall s", "cpu s", "others", "reel/it wall", "reel/it cpu", "target (wall)", "result"])];
        let times =
            |t: &Timing| [format!("{:.2}", t.wall), format!("{:.2}", t.cpu), t.others.map_or("?".to_owned(), |o| format!("{o:.2}"))];
        for w in &r.workloads {
            let [wall, cpu, others] = times(&w.reel.timing);
            rows.push(row(&[&w.name, "reel", &wall, &cpu, &others]));
            for x in &w.references {
                let target = x.target.map_or(String::new(), |t| t.to_string());
                let result = x.target.map_or("", |t| if t.met(x.ratio) { "met" } else { "MISSED" });
                let [wall, cpu, others] = times(&x.timing);
                rows.push(row(&[
                    "",
                    x.method.label(),
                    &wall,
                    &cpu,
                    &others,
                    &format!("{:.3}", x.ratio),
                    &format!("{:.3}", x.cpu_ratio),
                    &target,
                    result,
                ]));
            }
        }
        out.push_str(&columns(&rows));
        out.push_str("(wall and cpu: medians in seconds; others: cores the rest of the machine kept busy meanwhile; reel/it: reel's time divided by the method's)\n");
        out.push_str(&format!(
            "\nreel's own process (targets: < {:.0}% of the CPU time, < {} peak RSS)\n",
            MAX_REEL_CPU_SHARE * 100.0,
            mb(MAX_REEL_PEAK_RSS)
        ));
        let mut rows = vec![row(&[
            "workload",
            "strategy",
            "reel cpu s",
            "ffmpeg cpu s",
            "reel share",
            "reel peak RSS",
            "ffmpeg peak RSS",
            "stages probe/plan/encode/verify s",
        ])];
        for w in &r.workloads {
            let x = &w.reel;
            let s = &x.stages;
            rows.push(row(&[
                &w.name,
                &x.strategy,
                &format!("{:.3}", x.reel_cpu),
                &format!("{:.1}", x.ffmpeg_cpu),
                &format!("{:.2}%", x.cpu_share * 100.0),
                &mb(x.reel_peak_rss),
                &mb(x.ffmpeg_peak_rss),
                &format!("{:.2} / {:.3} / {:.2} / {:.2}", s.probe, s.plan, s.encode, s.verify),
            ]));
        }
        out.push_str(&columns(&rows));
    }

    if let Some(e) = &r.exactness {
        out.push_str(&format!(
            "\nexactness, copy workload: the timeline asks for {:.3} s, {} frames\n",
            e.expected_duration, e.expected_frames
        ));
        let mut rows = vec![row(&["output", "duration s", "frames", "off by"])];
        for x in &e.outputs {
            let off = x.frames as i64 - e.expected_frames as i64;
            rows.push(row(&[
                &x.what,
                &format!("{:.3}", x.duration),
                &x.frames.to_string(),
                &format!("{off:+} frames, {:+.3} s", x.duration - e.expected_duration),
            ]));
        }
        out.push_str(&columns(&rows));
    }

    if let Some(p) = &r.plan {
        out.push_str(&format!(
            "\nreel plan, {} clips: {:.2} s wall, {}; the plan runs {} ffmpeg input(s) on a {:.1} kB command line\n",
            p.clips,
            p.timing.wall,
            p.strategy,
            p.inputs,
            p.command_bytes as f64 / 1e3
        ));
        for w in &p.warnings {
            out.push_str(&format!("  plan warning: {w}\n"));
        }
    }
    out.push_str(&crate::segments::render(r.segments.as_ref(), r.incremental.as_ref(), r.many_clips.as_ref()));
    if let Some(w) = &r.wasm {
        out.push_str(&crate::browser::render(w));
    }
    out
}

/// The last line: which targets were met.
pub fn summary(checks: &[Check]) -> String {
    let met = checks.iter().filter(|c| c.met).count();
    let missed: Vec<String> = checks.iter().filter(|c| !c.met).map(|c| format!("{} {} (target {})", c.what, c.value, c.target)).collect();
    if missed.is_empty() {
        format!("targets met: all {met} of {}", checks.len())
    } else {
        format!("targets met: {met} of {}; missed: {}", checks.len(), missed.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_none() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < 1e-12);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < 1e-12);
        assert!(median(&[]).abs() < 1e-12);
    }

    #[test]
    fn targets_read_as_reel_over_the_reference() {
        let within = Target { max: 1.1, strict: false };
        assert!(within.met(1.1) && !within.met(1.11));
        let faster = Target { max: 1.0, strict: true };
        assert!(faster.met(0.99) && !faster.met(1.0));
        assert_eq!(Target { max: 0.4, strict: false }.to_string(), "<= 0.40 (2.5x faster)");
    }

    #[test]
    fn table_columns_line_up_and_summary_lists_misses() {
        let t = columns(&[row(&["a", "bb", "c"]), row(&["ccc", "d", ""])]);
        assert_eq!(t, "a    bb  c\nccc  d\n");
        let check = |met| Check { what: "x".into(), target: "< 1".into(), value: "2".into(), met };
        assert_eq!(summary(&[check(true), check(true)]), "targets met: all 2 of 2");
        assert_eq!(summary(&[check(true), check(false)]), "targets met: 1 of 2; missed: x 2 (target < 1)");
    }
}
